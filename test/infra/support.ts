/**
 * Shared helpers of the infrastructure tests: one synthesis per test file, the least-privilege
 * checker for the SAM template's function policies, and CloudFormation condition evaluation
 * (which resources and values a given set of parameter values deploys).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseToml } from 'smol-toml';
import { createExecutionStateApp, type ExecutionStateApp } from '../../infra/synth.js';
import type { ExecutionStateStackProps } from '../../infra/execution-state-stack.js';
import { SAM_TEMPLATE_FILE, type SamResource, type SamTemplate } from '../../infra/sam-template.js';

export interface Synthesized extends ExecutionStateApp {
  template: Template;
}

export function synthesize(props: ExecutionStateStackProps = {}): Synthesized {
  const { app, stack } = createExecutionStateApp(props);
  app.synth();
  return { app, stack, template: Template.fromStack(stack) };
}

/** DynamoDB actions no function may hold: table lifecycle belongs to CloudFormation. */
export const FORBIDDEN_DYNAMODB_ACTIONS = [
  'dynamodb:*',
  'dynamodb:CreateTable',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteTable',
  'dynamodb:CreateGlobalTable',
  'dynamodb:UpdateGlobalTable',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:RestoreTableFromBackup',
  'dynamodb:RestoreTableToPointInTime',
  'dynamodb:DeleteBackup',
] as const;

/** Item and query actions a function may be granted (each still has to be used by it). */
export const ALLOWED_DYNAMODB_ACTIONS = new Set([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:DescribeTable',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:DescribeExport',
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
]);

/** SAM policy templates and managed policies that grant more than item/query actions on one table. */
const BROAD_POLICY_NAMES = /dynamodb|AdministratorAccess|PowerUserAccess|FullAccess/i;

export interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
}

export interface FunctionPolicy {
  functionId: string;
  statements: PolicyStatement[];
  /** Policy entries that are not inline statements: managed policy names/ARNs, SAM policy templates. */
  named: string[];
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The in-template AWS::IAM::Role a function's `Role: !GetAtt <Id>.Arn` names, if any. */
export function functionRole(template: SamTemplate, fn: SamResource): { id: string; role: SamResource } | undefined {
  const getAtt = (fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  const role = getAtt?.[1] === 'Arn' ? template.Resources[getAtt[0]] : undefined;
  return role?.Type === 'AWS::IAM::Role' ? { id: getAtt![0], role } : undefined;
}

/**
 * The IAM statements and named policies each function of the SAM template runs with: its SAM
 * `Policies`, or, when its `Role` is a role defined in the template, that role's inline policies
 * and managed policies. A role from outside the template cannot be checked and is reported.
 */
export function functionPolicies(template: SamTemplate): FunctionPolicy[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
    .map(([functionId, resource]) => {
      const statements: PolicyStatement[] = [];
      const named: string[] = [];
      for (const policy of asArray(resource.Properties?.Policies as unknown)) {
        if (typeof policy === 'string') named.push(policy);
        else if (policy && typeof policy === 'object' && 'Statement' in policy) {
          statements.push(...asArray((policy as { Statement: PolicyStatement | PolicyStatement[] }).Statement));
        } else if (policy && typeof policy === 'object') named.push(...Object.keys(policy));
        else named.push(JSON.stringify(policy));
      }
      if (resource.Properties?.Role !== undefined) {
        const own = functionRole(template, resource);
        if (!own) named.push(`Role:${JSON.stringify(resource.Properties.Role)}`);
        else {
          // SAM ignores Policies when Role is set: such a policy would be dead text.
          if (resource.Properties.Policies !== undefined) named.push('Policies:ignored because Role is set');
          for (const policy of asArray(own.role.Properties?.Policies as { PolicyDocument: { Statement: PolicyStatement | PolicyStatement[] } }[] | undefined)) {
            statements.push(...asArray(policy.PolicyDocument.Statement));
          }
          named.push(...asArray(own.role.Properties?.ManagedPolicyArns as unknown[] | undefined).map((arn) => `ManagedPolicy:${JSON.stringify(arn)}`));
        }
      }
      return { functionId, statements, named };
    });
}

/** A function counts as an export function when its logical ID says so (e.g. ExportFunction). */
export const isExportFunction = (functionId: string): boolean => /export/i.test(functionId);

/** Every least-privilege violation in the SAM template, as readable sentences (empty = compliant). */
export function leastPrivilegeViolations(template: SamTemplate): string[] {
  const violations: string[] = [];
  for (const { functionId, statements, named } of functionPolicies(template)) {
    for (const name of named) {
      if (BROAD_POLICY_NAMES.test(name) || name.startsWith('Role:') || name.startsWith('Policies:')) {
        violations.push(`${functionId}: uses ${name}; grant DynamoDB access with inline statements on the table's ARNs`);
      }
    }
    for (const statement of statements) {
      if (statement.NotAction !== undefined) violations.push(`${functionId}: NotAction grants everything else`);
      if (statement.Effect !== 'Allow') continue;
      const resources = asArray(statement.Resource as unknown);
      for (const action of asArray(statement.Action)) {
        const lower = action.toLowerCase();
        if (lower === '*' || FORBIDDEN_DYNAMODB_ACTIONS.some((forbidden) => forbidden.toLowerCase() === lower)) {
          violations.push(`${functionId}: forbidden action ${action}`);
        } else if (lower.startsWith('dynamodb:') && lower.includes('*')) {
          violations.push(`${functionId}: wildcard action ${action}`);
        } else if (lower === 'dynamodb:scan' && !isExportFunction(functionId)) {
          violations.push(`${functionId}: dynamodb:Scan is only for the export function`);
        } else if (lower.startsWith('dynamodb:') && ![...ALLOWED_DYNAMODB_ACTIONS].some((allowed) => allowed.toLowerCase() === lower)) {
          violations.push(`${functionId}: ${action} is not an item or query action`);
        }
        if (lower.startsWith('dynamodb:') && resources.some((resource) => JSON.stringify(resource).includes('*'))) {
          violations.push(`${functionId}: ${action} on a wildcard resource; use the ExecutionState outputs`);
        }
      }
    }
  }
  return violations;
}

export type { SamResource, SamTemplate };

// -- CloudFormation conditions ---------------------------------------------------------------

export type ParameterValues = Record<string, string>;

interface ConditionalTemplate {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
}

/**
 * The value of every parameter as a deploy with `overrides` would see it: the override, else
 * the default. Throws for an unknown override or a parameter left without a value.
 */
export function parameterValues(template: ConditionalTemplate, overrides: ParameterValues = {}): ParameterValues {
  const parameters = template.Parameters ?? {};
  for (const name of Object.keys(overrides)) {
    if (!(name in parameters)) throw new Error(`override of unknown parameter ${name}`);
  }
  return Object.fromEntries(
    Object.entries(parameters).map(([name, parameter]) => {
      const value = overrides[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
      if (value === undefined) throw new Error(`parameter ${name} has neither a value nor a default`);
      return [name, value];
    }),
  );
}

/** Evaluates a condition expression (Fn::Equals/Not/And/Or, Condition, Ref of parameters). */
export function evaluateCondition(expression: unknown, template: ConditionalTemplate, values: ParameterValues): boolean {
  const value = (operand: unknown): string => {
    if (typeof operand === 'string' || typeof operand === 'number' || typeof operand === 'boolean') return String(operand);
    const ref = (operand as { Ref?: string } | null)?.Ref;
    if (ref !== undefined && ref in values) return values[ref]!;
    throw new Error(`cannot evaluate ${JSON.stringify(operand)} in a condition`);
  };
  const node = expression as Record<string, unknown[] | string>;
  const [fn] = Object.keys(node);
  const args = node[fn!];
  switch (fn) {
    case 'Fn::Equals':
      return value((args as unknown[])[0]) === value((args as unknown[])[1]);
    case 'Fn::Not':
      return !evaluateCondition((args as unknown[])[0], template, values);
    case 'Fn::And':
      return (args as unknown[]).every((arg) => evaluateCondition(arg, template, values));
    case 'Fn::Or':
      return (args as unknown[]).some((arg) => evaluateCondition(arg, template, values));
    case 'Condition': {
      const named = template.Conditions?.[args as string];
      if (named === undefined) throw new Error(`unknown condition ${String(args)}`);
      return evaluateCondition(named, template, values);
    }
    default:
      throw new Error(`not a condition expression: ${JSON.stringify(expression)}`);
  }
}

/** Every named condition of the template, evaluated with these parameter values. */
export function conditionValues(template: ConditionalTemplate, values: ParameterValues): Record<string, boolean> {
  return Object.fromEntries(Object.keys(template.Conditions ?? {}).map((name) => [name, evaluateCondition({ Condition: name }, template, values)]));
}

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * A template value as deployed under these condition values: each Fn::If replaced by its chosen
 * branch, and `Ref: AWS::NoValue` removed (from objects and arrays, as CloudFormation does).
 * Other intrinsics are left as they are.
 */
export function resolveConditionals(value: unknown, conditions: Record<string, boolean>): unknown {
  const resolved = resolveNode(value, conditions);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveNode(value: unknown, conditions: Record<string, boolean>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveNode(item, conditions)).filter((item) => item !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if (node.Ref === 'AWS::NoValue') return NO_VALUE;
  if ('Fn::If' in node) {
    const [name, whenTrue, whenFalse] = node['Fn::If'] as [string, unknown, unknown];
    if (!(name in conditions)) throw new Error(`Fn::If on unknown condition ${name}`);
    return resolveNode(conditions[name] ? whenTrue : whenFalse, conditions);
  }
  return Object.fromEntries(
    Object.entries(node)
      .map(([key, item]) => [key, resolveNode(item, conditions)] as const)
      .filter(([, item]) => item !== NO_VALUE),
  );
}

/** The resources a deploy creates: those without a Condition, or whose Condition holds. */
export function deployedResources<R extends { Condition?: string }>(resources: Record<string, R>, conditions: Record<string, boolean>): Record<string, R> {
  return Object.fromEntries(Object.entries(resources).filter(([, resource]) => resource.Condition === undefined || conditions[resource.Condition] === true));
}


// -- samconfig.toml --------------------------------------------------------------------------

export const SAMCONFIG_FILE = resolve(dirname(SAM_TEMPLATE_FILE), 'samconfig.toml');

/** `Key=Value Key2="quoted value"` (SAM's parameter_overrides) as an object; throws on anything else. */
export function parseParameterOverrides(overrides: string): ParameterValues {
  const values: ParameterValues = {};
  const pattern = /\s*([A-Za-z0-9]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)\s*/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = pattern.exec(overrides)) !== null && match[0] !== '') {
    const raw = match[2]!;
    values[match[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    end = pattern.lastIndex;
  }
  if (end !== overrides.length) throw new Error(`cannot parse parameter_overrides near ${JSON.stringify(overrides.slice(end))}`);
  return values;
}

/** The parameter_overrides `sam deploy --config-env <env>` passes (lambda-functions/samconfig.toml). */
export function samconfigParameterOverrides(configEnv: string, file: string = SAMCONFIG_FILE): ParameterValues {
  const config = parseToml(readFileSync(file, 'utf8')) as Record<string, { deploy?: { parameters?: { parameter_overrides?: unknown } } }>;
  const overrides = config[configEnv]?.deploy?.parameters?.parameter_overrides;
  if (typeof overrides !== 'string') throw new Error(`${file} has no [${configEnv}.deploy.parameters] parameter_overrides string`);
  return parseParameterOverrides(overrides);
}
