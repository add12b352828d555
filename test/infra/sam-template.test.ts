/**
 * The SAM stack (lambda-functions/template.full.yaml): the nested execution-state application,
 * the table name passed to every function, and least-privilege function policies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INDEXES } from '../../src/table-layout.js';
import { indexArnOutputName, STAGE_PARAMETER, STAGE_PATTERN } from '../../infra/execution-state-stack.js';
import { entryPointFiles, loadSamTemplate, parseCloudFormationYaml, SAM_TEMPLATE_FILE, samFunctions, type SamTemplate } from '../../infra/sam-template.js';
import { TEMPLATE_FILE } from '../../infra/synth.js';
import { functionPolicies, leastPrivilegeViolations } from './support.js';

const template = loadSamTemplate();
const synthesized = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as { Outputs: Record<string, unknown>; Parameters: Record<string, unknown> };
const functions = samFunctions(template);
const APP = 'ExecutionState';
const getAtt = (output: string) => ({ 'Fn::GetAtt': [APP, `Outputs.${output}`] });

/** Every `{ Fn::GetAtt: [ExecutionState, Outputs.X] }` in a value (also inside Fn::Sub strings). */
function nestedOutputReferences(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => nestedOutputReferences(item, found));
  else if (value && typeof value === 'object') {
    const getAttValue = (value as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAttValue) && getAttValue[0] === APP) found.push(String(getAttValue[1]).replace(/^Outputs\./, ''));
    Object.values(value).forEach((item) => nestedOutputReferences(item, found));
  } else if (typeof value === 'string') {
    for (const match of value.matchAll(new RegExp(`\\$\\{${APP}\\.Outputs\\.([A-Za-z0-9]+)\\}`, 'g'))) found.push(match[1]!);
  }
  return found;
}

function clone(): SamTemplate {
  return structuredClone(template);
}

describe('CloudFormation YAML reader', () => {
  it('turns short-form intrinsics into long forms, nested ones included', () => {
    const parsed = parseCloudFormationYaml(
      [
        'A: !Ref Stage',
        'B: !GetAtt App.Outputs.TableName',
        'C: !Sub "x-${Stage}"',
        'D: !Sub ["${A}-${B}", { A: !Ref X, B: !GetAtt Y.Arn }]',
        'E: !If [IsProd, !Ref AWS::NoValue, !Join ["", [a, !Ref Z]]]',
        'F: !Select [0, !GetAZs ""]',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      A: { Ref: 'Stage' },
      B: { 'Fn::GetAtt': ['App', 'Outputs.TableName'] },
      C: { 'Fn::Sub': 'x-${Stage}' },
      D: { 'Fn::Sub': ['${A}-${B}', { A: { Ref: 'X' }, B: { 'Fn::GetAtt': ['Y', 'Arn'] } }] },
      E: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, { 'Fn::Join': ['', ['a', { Ref: 'Z' }]] }] },
      F: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
    });
  });

  it('rejects invalid YAML and duplicate keys', () => {
    expect(() => parseCloudFormationYaml('A: 1\nA: 2\n')).toThrow();
    expect(() => parseCloudFormationYaml('A: [1, 2\n')).toThrow();
  });
});

describe('SAM template', () => {
  it('is a SAM template', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
  });

  it('nests the committed synthesized template as the ExecutionState application, retained', () => {
    const app = template.Resources[APP]!;
    expect(app.Type).toBe('AWS::Serverless::Application');
    expect(app.DeletionPolicy).toBe('Retain');
    expect(app.UpdateReplacePolicy).toBe('Retain');
    const location = app.Properties?.Location as string;
    expect(typeof location).toBe('string');
    expect(resolve(dirname(SAM_TEMPLATE_FILE), location)).toBe(TEMPLATE_FILE);
  });

  it('passes its Stage to the nested stack, with the same constraint', () => {
    expect(template.Resources[APP]!.Properties?.Parameters).toEqual({ [STAGE_PARAMETER]: { Ref: STAGE_PARAMETER } });
    expect(template.Parameters?.[STAGE_PARAMETER]?.AllowedPattern).toBe(STAGE_PATTERN);
    // Every parameter of the nested template without a default is passed.
    for (const [name, parameter] of Object.entries(synthesized.Parameters)) {
      if ((parameter as { Default?: unknown }).Default === undefined) {
        expect(template.Resources[APP]!.Properties?.Parameters, name).toHaveProperty(name);
      }
    }
  });

  it('references only outputs the synthesized template has', () => {
    const referenced = nestedOutputReferences(template);
    expect(referenced.length).toBeGreaterThan(0);
    for (const output of new Set(referenced)) expect(Object.keys(synthesized.Outputs), output).toContain(output);
  });

  it('has at least the scheduler function', () => {
    expect(Object.keys(functions)).toContain('SchedulerFunction');
  });

  it('gives every function the table name output as DATAOPS_EXECUTION_TABLE, and its stage', () => {
    const globals = (template.Globals?.Function?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const [id, fn] of Object.entries(functions)) {
      const own = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const variables = { ...globals, ...own };
      expect(variables.DATAOPS_EXECUTION_TABLE, id).toEqual(getAtt('ExecutionTableName'));
      expect(variables.DATAOPS_STAGE, id).toEqual({ Ref: STAGE_PARAMETER });
    }
  });

  it('bundles every function with esbuild for nodejs20.x', () => {
    const runtime = template.Globals?.Function?.Runtime;
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties?.Runtime ?? runtime, id).toBe('nodejs20.x');
      expect(fn.Metadata?.BuildMethod, id).toBe('esbuild');
      const build = fn.Metadata?.BuildProperties as Record<string, unknown>;
      expect(build.Target, id).toBe('es2022');
      expect(build.Minify, id).toBe(true);
      expect(['esm', 'cjs'], id).toContain(build.Format);
      expect((build.EntryPoints as string[]).length, id).toBeGreaterThan(0);
    }
    expect(entryPointFiles()).toContain('src/handlers/scheduler.ts');
  });

  it('wires the scheduler: src/handlers/scheduler.ts#handler every 5 minutes', () => {
    const scheduler = functions.SchedulerFunction!;
    expect(scheduler.Properties?.Handler).toBe('scheduler.handler');
    const build = scheduler.Metadata?.BuildProperties as { EntryPoints: string[]; Format: string; OutExtension?: string[] };
    expect(build.EntryPoints).toEqual(['handlers/scheduler.ts']);
    if (build.Format === 'esm') expect(build.OutExtension).toEqual(['.js=.mjs']);
    const events = Object.values(scheduler.Properties?.Events as Record<string, { Type: string; Properties: { Schedule: string } }>);
    expect(events).toEqual([expect.objectContaining({ Type: 'Schedule', Properties: expect.objectContaining({ Schedule: 'rate(5 minutes)' }) })]);
  });

  it('alarms when the scheduler fails or stops running', () => {
    const alarms = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const onScheduler = (metric: string) =>
      alarms.find(
        (alarm) =>
          alarm.Properties?.MetricName === metric &&
          JSON.stringify(alarm.Properties?.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: 'SchedulerFunction' } }]),
      );
    expect(onScheduler('Errors')?.Properties?.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(onScheduler('Invocations')?.Properties).toMatchObject({ ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
  });

  it('keeps function logs for a bounded time', () => {
    for (const [id, fn] of Object.entries(functions)) {
      const logGroup = (fn.Properties?.LoggingConfig as { LogGroup?: { Ref: string } } | undefined)?.LogGroup;
      expect(logGroup, id).toBeDefined();
      const group = template.Resources[logGroup!.Ref]!;
      expect(group.Type).toBe('AWS::Logs::LogGroup');
      expect(group.Properties?.RetentionInDays).toBeDefined();
    }
  });
});

describe('least privilege', () => {
  it('no function policy grants table management, dynamodb:*, or Scan outside an export function', () => {
    expect(leastPrivilegeViolations(template)).toEqual([]);
  });

  it('the scheduler gets exactly the item actions it uses on the table, and Query on the byStateTime index', () => {
    const scheduler = functionPolicies(template).find((policy) => policy.functionId === 'SchedulerFunction')!;
    expect(scheduler.named).toEqual([]);
    const grants = scheduler.statements.flatMap((statement) =>
      [statement.Action].flat().map((action) => ({ action, resources: [statement.Resource].flat() })),
    );
    const byAction = Object.fromEntries(grants.map((grant) => [grant.action, grant.resources]));
    expect(Object.keys(byAction).sort()).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'].sort(),
    );
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) {
      expect(byAction[action], action).toEqual([getAtt('ExecutionTableArn')]);
    }
    expect(byAction['dynamodb:Query']).toEqual([getAtt(indexArnOutputName('byStateTime'))]);
    expect(INDEXES.byStateTime.indexName).toBeTruthy();
  });

  it('the checker catches each kind of violation', () => {
    const cases: [string, (t: SamTemplate) => void, RegExp][] = [
      ['dynamodb:*', (t) => statements(t).push({ Effect: 'Allow', Action: 'dynamodb:*', Resource: getAtt('ExecutionTableArn') }), /forbidden action dynamodb:\*/],
      ['CreateTable', (t) => statements(t).push({ Effect: 'Allow', Action: ['dynamodb:CreateTable'], Resource: '*' }), /forbidden action dynamodb:CreateTable/],
      ['UpdateTable', (t) => statements(t).push({ Effect: 'Allow', Action: 'dynamodb:UpdateTable', Resource: getAtt('ExecutionTableArn') }), /forbidden action dynamodb:UpdateTable/],
      ['DeleteTable', (t) => statements(t).push({ Effect: 'Allow', Action: 'DynamoDB:DeleteTable', Resource: getAtt('ExecutionTableArn') }), /forbidden action DynamoDB:DeleteTable/],
      ['Scan', (t) => statements(t).push({ Effect: 'Allow', Action: 'dynamodb:Scan', Resource: getAtt('ExecutionTableArn') }), /Scan is only for the export function/],
      ['Get*', (t) => statements(t).push({ Effect: 'Allow', Action: 'dynamodb:Get*', Resource: getAtt('ExecutionTableArn') }), /wildcard action/],
      ['*', (t) => statements(t).push({ Effect: 'Allow', Action: '*', Resource: '*' }), /forbidden action \*/],
      ['index/*', (t) => statements(t).push({ Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Sub': '${ExecutionState.Outputs.ExecutionTableArn}/index/*' } }), /wildcard resource/],
      ['policy template', (t) => policies(t).push({ DynamoDBCrudPolicy: { TableName: 'x' } }), /uses DynamoDBCrudPolicy/],
      ['managed policy', (t) => policies(t).push('AmazonDynamoDBFullAccess'), /uses AmazonDynamoDBFullAccess/],
    ];
    for (const [name, mutate, expected] of cases) {
      const mutated = clone();
      mutate(mutated);
      const violations = leastPrivilegeViolations(mutated);
      expect(violations.join('\n'), name).toMatch(expected);
    }
  });

  it('allows Scan in an export function', () => {
    const mutated = clone();
    mutated.Resources.ExportFunction = {
      Type: 'AWS::Serverless::Function',
      Properties: { Policies: [{ Statement: [{ Effect: 'Allow', Action: ['dynamodb:Scan'], Resource: getAtt('ExecutionTableArn') }] }] },
    };
    expect(leastPrivilegeViolations(mutated)).toEqual([]);
  });
});

function policies(t: SamTemplate): unknown[] {
  return t.Resources.SchedulerFunction!.Properties!.Policies as unknown[];
}

function statements(t: SamTemplate): Record<string, unknown>[] {
  return (policies(t)[0] as { Statement: Record<string, unknown>[] }).Statement;
}

describe('entry points', () => {
  it('resolve relative to CodeUri from the repository root', () => {
    for (const file of entryPointFiles()) {
      expect(file.startsWith('src/'), file).toBe(true);
      expect(file.endsWith('.ts'), file).toBe(true);
    }
    // A handler may still be in flight; once it exists it must export `handler` (checked by sam build in CI).
    for (const file of entryPointFiles().filter((entry) => existsSync(resolve(dirname(SAM_TEMPLATE_FILE), '..', entry)))) {
      expect(readFileSync(resolve(dirname(SAM_TEMPLATE_FILE), '..', file), 'utf8'), file).toMatch(/export\s+(const|async function|function)\s+handler\b/);
    }
  });
});
