/**
 * Shared helpers of the infrastructure tests: one synthesis per test file, and the
 * least-privilege checker for the SAM template's function policies.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { createExecutionStateApp, type ExecutionStateApp } from '../../infra/synth.js';
import type { ExecutionStateStackProps } from '../../infra/execution-state-stack.js';
import type { SamResource, SamTemplate } from '../../infra/sam-template.js';

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

/** The IAM statements and named policies attached to each function of the SAM template. */
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
      if (resource.Properties?.Role !== undefined) named.push(`Role:${JSON.stringify(resource.Properties.Role)}`);
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
      if (BROAD_POLICY_NAMES.test(name) || name.startsWith('Role:')) {
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
