/**
 * The scheduler Lambda, invoked like EventBridge invokes it, against DynamoDB Local: it creates
 * the due recurring task exactly once, claims the due notifications (and only those), logs one
 * JSON line per event, and a second run finds nothing left to do.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createExecutionStore, type ExecutionStore } from '../../src/index.js';
import { runScheduler } from '../../src/handlers/run-scheduler.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';

let table: TestTable;
let store: ExecutionStore;

const DAY = 86_400_000;

function scheduledEvent(id: string): ScheduledEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'eu-central-1',
    resources: ['arn:aws:events:eu-central-1:123456789012:rule/dataops-scheduler'],
    detail: {},
  };
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'dataops-scheduler-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:dataops-scheduler-test',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/dataops-scheduler-test',
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 55_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Calls the handler and returns its result with the JSON log records it wrote. */
async function invoke(handler: (event: ScheduledEvent, context: Context) => Promise<unknown>, requestId: string) {
  const lines: string[] = [];
  const capture = (line: unknown) => void lines.push(String(line));
  const spies = [
    vi.spyOn(console, 'info').mockImplementation(capture),
    vi.spyOn(console, 'warn').mockImplementation(capture),
    vi.spyOn(console, 'error').mockImplementation(capture),
    vi.spyOn(console, 'log').mockImplementation(capture),
  ];
  try {
    const outcome = await handler(scheduledEvent(`evt-${requestId}`), lambdaContext(requestId)).then(
      (value) => ({ value, error: undefined as unknown }),
      (error: unknown) => ({ value: undefined, error }),
    );
    return { ...outcome, records: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

beforeAll(async () => {
  table = await createTestTable('scheduler');
  vi.stubEnv('DYNAMODB_ENDPOINT', table.endpoint);
  vi.stubEnv('DATAOPS_EXECUTION_TABLE', table.tableName);
  store = createExecutionStore({ client: table.client, tableName: table.tableName });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await table?.drop();
});

describe('scheduler handler', () => {
  it('materializes due schedules and claims due notifications, once', async () => {
    // Data written "three days ago", so the daily schedule's next run is already in the past.
    const threeDaysAgo = new Date(Date.now() - 3 * DAY);
    const past = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => threeDaysAgo });
    const admin = await past.users.create({ email: 'sched-admin@example.org', display_name: 'Sched Admin', role: 'admin', timezone: 'UTC' });
    const actor = { user_id: admin.user_id, role: admin.role };
    const daily = await past.schedules.create({ title: 'Daily check', cron: '0 9 * * *', time_zone: 'UTC', assignee_id: admin.user_id, actor });
    const yearly = await store.schedules.create({ title: 'New year', cron: '0 0 1 1 *', time_zone: 'UTC', actor });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const personal = await store.notifications.create({ kind: 'task_due', message: 'Your task is due', due_at: hourAgo, recipient_id: admin.user_id });
    const broadcast = await store.notifications.create({ kind: 'announcement', message: 'Meetup tonight', due_at: hourAgo });
    const later = await store.notifications.create({ kind: 'task_due', message: 'Tomorrow', due_at: new Date(Date.now() + DAY).toISOString(), recipient_id: admin.user_id });

    const { handler } = await import('../../src/handlers/scheduler.js');
    const first = await invoke(handler, 'req-1');
    expect(first.error).toBeUndefined();
    expect(first.value).toMatchObject({ worker_id: 'dataops-scheduler-test:req-1', created: 1, skipped: 0, claimed: 2, lost: 0, errors: 0, more_due: false });

    // The effect, read back through the store.
    const todo = (await store.tasks.listByAssigneeStatus({ assignee_id: admin.user_id, status: 'todo' })).items;
    expect(todo).toHaveLength(1);
    expect(todo[0]).toMatchObject({ recurring_schedule_id: daily.schedule_id, source: 'recurring', title: 'Daily check' });
    const advanced = await store.schedules.get(daily.schedule_id);
    expect(Date.parse(advanced!.next_run_at)).toBeGreaterThan(Date.now());
    expect(advanced!.last_run_at).toBe(daily.next_run_at);
    expect((await store.schedules.get(yearly.schedule_id))!.version).toBe(1);
    for (const id of [personal.notification_id, broadcast.notification_id]) {
      expect(await store.notifications.get(id)).toMatchObject({ status: 'claimed', claimed_by: 'dataops-scheduler-test:req-1' });
    }
    expect((await store.notifications.get(later.notification_id))!.status).toBe('pending');
    expect((await store.notifications.listDue()).items).toEqual([]);

    // One JSON line per event: what it would send, the task it created, and the summary.
    const sends = first.records.filter((r) => r.msg === 'notification claimed; would send');
    expect(sends.map((r) => r.notification_id).sort()).toEqual([personal.notification_id, broadcast.notification_id].sort());
    expect(sends.find((r) => r.notification_id === broadcast.notification_id)).toMatchObject({ recipient_id: 'broadcast', message: 'Meetup tonight', request_id: 'req-1' });
    expect(first.records.filter((r) => r.msg === 'task created from recurring schedule')).toHaveLength(1);
    expect(first.records.at(-1)).toMatchObject({ msg: 'scheduler run finished', level: 'info', created: 1, claimed: 2, event_id: 'evt-req-1' });

    // A retried or overlapping invocation has nothing left to do.
    const second = await invoke(handler, 'req-2');
    expect(second.value).toMatchObject({ created: 0, skipped: 0, claimed: 0, lost: 0, errors: 0 });
    expect((await store.tasks.listByAssigneeStatus({ assignee_id: admin.user_id, status: 'todo' })).items).toHaveLength(1);
  });

  it('fails the invocation, after logging why, when DynamoDB fails', async () => {
    vi.resetModules();
    vi.stubEnv('DATAOPS_EXECUTION_TABLE', `${table.tableName}-missing`);
    const { handler } = await import('../../src/handlers/scheduler.js');
    const run = await invoke(handler, 'req-3');
    expect(run.value).toBeUndefined();
    expect((run.error as Error).message).toContain('finished with 2 error(s)');
    const errors = run.records.filter((r) => r.level === 'error');
    expect(errors.map((r) => r.msg)).toEqual(['materializing due schedules failed', 'listing due notifications failed']);
    for (const record of errors) expect(record.cause).toBe('ResourceNotFoundException');
    expect(run.records.at(-1)).toMatchObject({ msg: 'scheduler run finished', level: 'warn', errors: 2 });
    vi.stubEnv('DATAOPS_EXECUTION_TABLE', table.tableName);
  });
});

describe('scheduler run: lost means another worker holds the claim', () => {
  let own: TestTable;
  const clients: ReturnType<typeof localClient>[] = [];
  const now = new Date('2026-05-04T09:00:00.000Z');

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await own?.drop();
  });

  /** A store whose client runs `between` once, right after the run has listed the due notifications. */
  function storeWithStepAfterListing(between: () => Promise<void>): ExecutionStore {
    const client = localClient(own.endpoint);
    clients.push(client);
    let done = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if ((context as { commandName?: string }).commandName === 'QueryCommand' && !done && (args.input as { IndexName?: string }).IndexName === 'gsi5') {
          const query = args.input as { ExpressionAttributeValues?: Record<string, unknown> };
          if (JSON.stringify(query.ExpressionAttributeValues ?? {}).includes('pending_notifications')) {
            done = true;
            await between();
          }
        }
        return result;
      },
      { step: 'initialize', name: 'stepAfterListing' },
    );
    return createExecutionStore({ client, tableName: own.tableName, now: () => now });
  }

  it('a notification dismissed after it was listed is not claimable, not lost; one another worker claimed is lost', async () => {
    own = await createTestTable('lost');
    const base = createExecutionStore({ client: own.client, tableName: own.tableName, now: () => now });
    const user = await base.users.create({ email: 'lost@example.org', display_name: 'Lost', role: 'operator', timezone: 'UTC' });
    const due = new Date(now.getTime() - 60_000).toISOString();
    const log = () => undefined;

    const personal = await base.notifications.create({ kind: 'task_due', message: 'Yours', due_at: due, recipient_id: user.user_id });
    const dismissedFirst = storeWithStepAfterListing(async () => {
      await base.notifications.dismiss({ notification_id: personal.notification_id, actor: { user_id: user.user_id, role: user.role } });
    });
    const first = await runScheduler(dismissedFirst, { workerId: 'w-1', log });
    expect(first).toMatchObject({ claimed: 0, lost: 0, not_claimable: 1, errors: 0 });

    const broadcast = await base.notifications.create({ kind: 'announcement', message: 'All', due_at: due });
    const claimedFirst = storeWithStepAfterListing(async () => {
      expect(await base.notifications.claim({ notification_id: broadcast.notification_id, worker_id: 'w-other' })).toBe(true);
    });
    const second = await runScheduler(claimedFirst, { workerId: 'w-2', log });
    expect(second).toMatchObject({ claimed: 0, lost: 1, not_claimable: 0, errors: 0 });
    expect((await base.notifications.get(broadcast.notification_id))!.claimed_by).toBe('w-other');
  });
});
