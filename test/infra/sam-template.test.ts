/**
 * The SAM stack (lambda-functions/template.full.yaml): the nested execution-state application,
 * the table name passed to every function, and least-privilege function policies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INDEXES } from '../../src/table-layout.js';
import {
  ALARM_EMAIL_PARAMETER,
  ALARM_EMAIL_PATTERN,
  indexArnOutputName,
  STAGE_PARAMETER,
  STAGE_PATTERN,
  VAULT_LOCK_PARAMETER,
} from '../../infra/execution-state-stack.js';
import { VAULT_LOCK_MODES } from '../../infra/constructs/table-backup.js';
import { entryPointFiles, loadSamTemplate, parseCloudFormationYaml, SAM_TEMPLATE_FILE, samFunctions, type SamTemplate } from '../../infra/sam-template.js';
import { TEMPLATE_FILE } from '../../infra/synth.js';
import { functionPolicies, functionRole, leastPrivilegeViolations } from './support.js';

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

  it('passes every parameter of the nested stack from its own parameter of the same name and constraints', () => {
    expect(Object.keys(synthesized.Parameters).sort()).toEqual([STAGE_PARAMETER, ALARM_EMAIL_PARAMETER, VAULT_LOCK_PARAMETER].sort());
    expect(template.Resources[APP]!.Properties?.Parameters).toEqual(
      Object.fromEntries(Object.keys(synthesized.Parameters).map((name) => [name, { Ref: name }])),
    );
    for (const [name, nested] of Object.entries(synthesized.Parameters) as [string, Record<string, unknown>][]) {
      const own = template.Parameters?.[name];
      expect(own, name).toBeDefined();
      for (const constraint of ['Type', 'Default', 'AllowedPattern', 'AllowedValues']) {
        // YAML reads the default '' and AllowedValues as they are written; compare as strings.
        expect(JSON.stringify(own![constraint]), `${name}.${constraint}`).toBe(JSON.stringify(nested[constraint]));
      }
    }
    expect(template.Parameters?.[STAGE_PARAMETER]?.AllowedPattern).toBe(STAGE_PATTERN);
    expect(template.Parameters?.[ALARM_EMAIL_PARAMETER]?.AllowedPattern).toBe(ALARM_EMAIL_PATTERN);
    expect(template.Parameters?.[VAULT_LOCK_PARAMETER]?.AllowedValues).toEqual([...VAULT_LOCK_MODES]);
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

  it('runs every function on nodejs24.x, bundled by esbuild for that Node.js major', () => {
    const runtime = template.Globals?.Function?.Runtime;
    for (const [id, fn] of Object.entries(functions)) {
      // nodejs20.x is deprecated (2026-04-30) and nodejs22.x will be (2027-04-30).
      const functionRuntime = String(fn.Properties?.Runtime ?? runtime);
      expect(functionRuntime, id).toBe('nodejs24.x');
      expect(fn.Metadata?.BuildMethod, id).toBe('esbuild');
      const build = fn.Metadata?.BuildProperties as Record<string, unknown>;
      expect(build.Target, id).toBe(`node${/^nodejs(\d+)\.x$/.exec(functionRuntime)![1]}`);
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

  it('does not retry a failed scheduler run, and drops a run not started before the next one is due', () => {
    const scheduler = functions.SchedulerFunction!;
    const period = Number(/^rate\((\d+) minutes\)$/.exec(Object.values(scheduler.Properties?.Events as Record<string, { Properties: { Schedule: string } }>)[0]!.Properties.Schedule)![1]) * 60;
    const config = scheduler.Properties?.EventInvokeConfig as { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
    expect(config.MaximumRetryAttempts).toBe(0);
    // Lambda's minimum is 60 seconds.
    expect(config.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(config.MaximumEventAgeInSeconds).toBeLessThan(period);
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
      [statement.Action].flat().filter((action) => action!.startsWith('dynamodb:')).map((action) => ({ action, resources: [statement.Resource].flat() })),
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

  it('every function runs with its own in-template role: no managed policies (no CloudWatch Logs on every group)', () => {
    for (const [id, fn] of Object.entries(functions)) {
      const own = functionRole(template, fn);
      expect(own, `${id} Role`).toBeDefined();
      expect(own!.role.Properties?.ManagedPolicyArns, id).toBeUndefined();
      expect(fn.Properties?.Policies, `${id}: SAM ignores Policies when Role is set`).toBeUndefined();
      expect(JSON.stringify(own!.role.Properties?.AssumeRolePolicyDocument)).toBe(
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      );
    }
  });

  it('a function writes logs only to its own log group, and sends only traces to X-Ray', () => {
    for (const { functionId, statements } of functionPolicies(template)) {
      const logGroup = (functions[functionId]!.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const byService = (prefix: string) =>
        statements.filter((statement) => [statement.Action].flat().some((action) => action!.toLowerCase().startsWith(prefix)));
      const logs = byService('logs:');
      expect(logs.length, functionId).toBeGreaterThan(0);
      for (const statement of logs) {
        expect([statement.Action].flat().sort(), functionId).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        expect(statement.Resource, functionId).toEqual({ 'Fn::GetAtt': [logGroup, 'Arn'] });
      }
      for (const statement of byService('xray:')) {
        expect([statement.Action].flat().sort(), functionId).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
      // Nothing but the table, its logs and traces.
      const services = new Set(statements.flatMap((statement) => [statement.Action].flat().map((action) => action!.split(':')[0])));
      expect([...services].sort(), functionId).toEqual(['dynamodb', 'logs', 'xray']);
    }
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
      ['role managed policy', (t) => (role(t).ManagedPolicyArns = ['arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess']), /uses ManagedPolicy:.*AmazonDynamoDBFullAccess/],
      ['role from elsewhere', (t) => (t.Resources.SchedulerFunction!.Properties!.Role = 'arn:aws:iam::123456789012:role/admin'), /uses Role:/],
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

/** The scheduler's SAM Policies (ignored by SAM while it has a Role; the checker reports them). */
function policies(t: SamTemplate): unknown[] {
  const properties = t.Resources.SchedulerFunction!.Properties!;
  return (properties.Policies ??= []) as unknown[];
}

function role(t: SamTemplate): Record<string, unknown> {
  return functionRole(t, t.Resources.SchedulerFunction!)!.role.Properties!;
}

/** The statements of the scheduler role's first inline policy. */
function statements(t: SamTemplate): Record<string, unknown>[] {
  return (role(t).Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])[0]!.PolicyDocument.Statement;
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
