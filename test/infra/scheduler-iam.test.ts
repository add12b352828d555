/**
 * The scheduler's SAM policy against its real behaviour: run the scheduler handler's work
 * (runScheduler) on DynamoDB Local with a due recurring schedule and a due notification, record
 * every request the store sends, and check each one is authorised by SchedulerFunction's
 * statements in lambda-functions/template.full.yaml (action and table/index resource).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEXES, type IndexKey } from '../../src/table-layout.js';
import { OUTPUT_NAMES, indexArnOutputName } from '../../infra/execution-state-stack.js';
import { loadSamTemplate } from '../../infra/sam-template.js';
import { createExecutionStore } from '../../src/store.js';
import { runScheduler } from '../../src/handlers/run-scheduler.js';
import { attachRequestLog, type LoggedRequest } from '../support/request-log.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { functionPolicies } from './support.js';

/** One IAM authorisation a request needs: an action on the table or one index (named by its output). */
interface Grant {
  action: string;
  output: string;
}

function outputFor(indexName: unknown): string {
  if (indexName === undefined) return OUTPUT_NAMES.tableArn;
  const key = (Object.keys(INDEXES) as IndexKey[]).find((candidate) => INDEXES[candidate].indexName === indexName);
  if (!key) throw new Error(`unknown index ${String(indexName)}`);
  return indexArnOutputName(key);
}

const TRANSACT_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

/** The IAM actions DynamoDB checks for a request (TransactWriteItems: one per item). */
function grantsFor(request: LoggedRequest): Grant[] {
  const input = request.input;
  switch (request.command) {
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, unknown>[]).map((item) => {
        const kind = Object.keys(item)[0]!;
        return { action: `dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`, output: OUTPUT_NAMES.tableArn };
      });
    case 'TransactGetItems':
      return (input.TransactItems as unknown[]).map(() => ({ action: 'dynamodb:GetItem', output: OUTPUT_NAMES.tableArn }));
    case 'Query':
    case 'Scan':
      return [{ action: `dynamodb:${request.command}`, output: outputFor(input.IndexName) }];
    default:
      return [{ action: `dynamodb:${request.command}`, output: OUTPUT_NAMES.tableArn }];
  }
}

function policyGrants(): Grant[] {
  const scheduler = functionPolicies(loadSamTemplate()).find((policy) => policy.functionId === 'SchedulerFunction')!;
  return scheduler.statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      // Only DynamoDB: the role's logs and X-Ray grants are checked in sam-template.test.ts.
      [statement.Action ?? []].flat().filter((action) => action.startsWith('dynamodb:')).flatMap((action) =>
        [statement.Resource].flat().map((resource) => {
          const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
          return { action, output: getAtt ? getAtt[1].replace(/^Outputs\./, '') : JSON.stringify(resource) };
        }),
      ),
    );
}

const key = (grant: Grant) => `${grant.action} on ${grant.output}`;

let table: TestTable;
let used: Grant[];
let summary: Awaited<ReturnType<typeof runScheduler>>;

beforeAll(async () => {
  table = await createTestTable('scheduler-iam');
  const t0 = new Date('2026-11-30T08:00:00.000Z');
  const setup = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => t0 });
  const admin = await setup.users.create({ email: 'iam-admin@example.org', display_name: 'IAM Admin', role: 'admin', timezone: 'UTC' });
  const actor = { user_id: admin.user_id, role: 'admin' as const };
  await setup.schedules.create({ title: 'Every minute', cron: '* * * * *', time_zone: 'UTC', actor });
  await setup.notifications.create({ kind: 'task_due', message: 'Due now', due_at: '2026-11-30T07:59:00.000Z' });

  const later = new Date(t0.getTime() + 5 * 60_000);
  const store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => later });
  const log = attachRequestLog(table.client);
  log.reset();
  summary = await runScheduler(store, { workerId: 'iam-test', log: () => {} });
  used = log.requests.flatMap(grantsFor);
});

afterAll(async () => {
  await table?.drop();
});

describe('scheduler IAM policy', () => {
  it('the run did real work (a task created, a notification claimed)', () => {
    expect(summary.errors).toBe(0);
    expect(summary.created).toBeGreaterThan(0);
    expect(summary.claimed).toBeGreaterThan(0);
    expect(used.length).toBeGreaterThan(0);
  });

  it('authorises every request the scheduler sends', () => {
    const granted = new Set(policyGrants().map(key));
    const missing = [...new Set(used.map(key))].filter((grant) => !granted.has(grant));
    expect(missing, 'requests the SAM policy would deny').toEqual([]);
  });

  it('grants nothing the scheduler does not use', () => {
    // Schedules advance by conditional full-item puts inside transactions and notifications are
    // claimed by single-item conditional updates, so the policy is exactly GetItem, PutItem,
    // UpdateItem and the gsi5 Query; a code change that needs more fails above.
    const usedKeys = new Set(used.map(key));
    const unused = policyGrants().map(key).filter((grant) => !usedKeys.has(grant));
    expect(unused, 'grants no request needed').toEqual([]);
  });
});
