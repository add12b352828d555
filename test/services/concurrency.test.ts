/**
 * Races: optimistic locking on transitions, idempotent schedule materialization across workers,
 * and notification claims. Workers are separate store instances (each with its own client)
 * sharing one table, as separate Lambda containers would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, isExecutionStoreError, type Actor, type ExecutionStore, type User } from '../../src/index.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';
import { attachRequestLog, type RequestLog } from '../support/request-log.js';
import { createRng, measure, pool, scanRaw, transactionItems } from './helpers.js';

let table: TestTable;
let store: ExecutionStore;
let log: RequestLog;
let clock = new Date('2026-05-04T07:00:00.000Z');
let admin: User;
let actor: Actor;
const clients: ReturnType<typeof localClient>[] = [];

/** A separate store (own DynamoDB client) on the same table and clock. */
function worker(): ExecutionStore {
  const client = localClient(table.endpoint);
  clients.push(client);
  attachRequestLog(client, { forbid: ['Scan'] });
  return createExecutionStore({ client, tableName: table.tableName, now: () => clock });
}

beforeAll(async () => {
  table = await createTestTable('race');
  log = attachRequestLog(table.client, { forbid: ['Scan'] });
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
  admin = await store.users.create({ email: 'race-admin@example.org', display_name: 'Admin', role: 'admin', timezone: 'Europe/Berlin' });
  actor = { user_id: admin.user_id, role: admin.role };
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await table?.drop();
});

/**
 * Holds every write of `stores` until `reads` GetItems have completed across them, so all the
 * racers read the same version before any of them writes: the race is certain, not timing.
 */
function holdWritesUntilRead(stores: ExecutionStore[], reads: number): void {
  let done = 0;
  let release!: () => void;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  for (const s of stores) {
    s.client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context as { commandName?: string }).commandName;
        if (command === 'TransactWriteItemsCommand' || command === 'PutItemCommand' || command === 'UpdateItemCommand') await allRead;
        const result = await next(args);
        if (command === 'GetItemCommand' && (done += 1) === reads) release();
        return result;
      },
      { step: 'initialize', name: 'holdWritesUntilRead' },
    );
  }
}

async function settle<T>(promises: Promise<T>[]): Promise<{ fulfilled: T[]; rejected: unknown[] }> {
  const results = await Promise.allSettled(promises);
  const fulfilled: T[] = [];
  const rejected: unknown[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') fulfilled.push(r.value);
    else rejected.push(r.reason);
  }
  return { fulfilled, rejected };
}

describe('transitions: optimistic locking', () => {
  it('a transition is one GetItem plus one TransactWriteItems: the versioned task put, its history record and the actor check', async () => {
    const task = await store.tasks.create({ title: 'Shape', assignee_id: admin.user_id, actor });
    const { result, requests } = await measure(log, () => store.tasks.transition({ task_id: task.task_id, to: 'in_progress', actor, expected_version: 1 }));
    expect(requests.map((r) => r.command)).toEqual(['GetItem', 'TransactWriteItems']);
    expect(requests[0]!.input.ConsistentRead).toBe(true);
    // The log sees the document client's input (plain values) or the marshalled one (AttributeValues).
    type Put = { Item: Record<string, unknown>; ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> };
    const items = requests[1]!.input.TransactItems as { Put?: Put }[];
    const entityOf = (put?: Put) => {
      const e = put?.Item.__edb_e__ as string | { S?: string } | undefined;
      return typeof e === 'string' ? e : e?.S;
    };
    // The versioned task put, its history record, and the check that the actor is an active user.
    expect(transactionItems(requests[1]!)).toEqual(['Put task', 'Put task_transition', 'ConditionCheck user']);
    const put = items.find((i) => entityOf(i.Put) === 'task')!.Put!;
    expect(put.ConditionExpression).toMatch(/version/);
    expect(Object.values(put.ExpressionAttributeValues ?? {}).map((v) => (typeof v === 'object' && v !== null ? (v as { N?: string }).N : String(v)))).toContain('1');
    expect(items.some((i) => entityOf(i.Put) === 'task_transition')).toBe(true);
    expect(result.task.version).toBe(2);
  });

  it('50 concurrent transitions from the same version: exactly 1 succeeds, 49 get CONFLICT, one history record', async () => {
    const task = await store.tasks.create({ title: 'Contended', assignee_id: admin.user_id, actor });
    const workers = Array.from({ length: 5 }, () => worker());
    holdWritesUntilRead(workers, 50);
    const targets = ['in_progress', 'waiting', 'done', 'cancelled'] as const;
    const { fulfilled, rejected } = await settle(
      Array.from({ length: 50 }, (_, i) =>
        workers[i % workers.length]!.tasks.transition({ task_id: task.task_id, to: targets[i % targets.length]!, actor, expected_version: 1, note: `writer ${i}` }),
      ),
    );
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(49);
    for (const error of rejected) {
      expect(isExecutionStoreError(error), String(error)).toBe(true);
      expect((error as { code: string }).code).toBe('CONFLICT');
    }
    const winner = fulfilled[0]!;
    const history = await store.tasks.history(task.task_id);
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toEqual(winner.transition);
    const stored = await store.tasks.get(task.task_id);
    expect(stored).toEqual(winner.task);
    expect(stored!.version).toBe(2);
  });

  it('two writers that both read version 1 without expected_version: one wins, the other gets CONFLICT', async () => {
    // Both reads happen before either write, so both writers hold version 1.
    const task = await store.tasks.create({ title: 'Read-read-write-write', assignee_id: admin.user_id, actor });
    const [a, b] = [worker(), worker()];
    holdWritesUntilRead([a, b], 2);
    const { fulfilled, rejected } = await settle([
      a.tasks.transition({ task_id: task.task_id, to: 'done', actor }),
      b.tasks.transition({ task_id: task.task_id, to: 'cancelled', actor }),
    ]);
    expect(fulfilled).toHaveLength(1);
    expect(rejected.map((e) => (e as { code?: string }).code)).toEqual(['CONFLICT']);
    expect((await store.tasks.history(task.task_id)).items).toHaveLength(1);
    expect((await store.tasks.get(task.task_id))!.status).toBe(fulfilled[0]!.task.status);
  });

  it('an update racing a transition from the same version: exactly one of them is applied', async () => {
    const task = await store.tasks.create({ title: 'Edit vs move', assignee_id: admin.user_id, actor });
    const [a, b] = [worker(), worker()];
    holdWritesUntilRead([a, b], 20);
    const { fulfilled, rejected } = await settle<unknown>([
      ...Array.from({ length: 10 }, () => a.tasks.update({ task_id: task.task_id, changes: { comment: 'edited' }, expected_version: 1, actor })),
      ...Array.from({ length: 10 }, () => b.tasks.transition({ task_id: task.task_id, to: 'waiting', expected_version: 1, actor })),
    ]);
    expect(fulfilled).toHaveLength(1);
    expect(rejected.every((e) => (e as { code?: string }).code === 'CONFLICT')).toBe(true);
    const stored = (await store.tasks.get(task.task_id))!;
    expect(stored.version).toBe(2);
    const history = (await store.tasks.history(task.task_id)).items;
    // Either the edit won (no history, status unchanged) or the transition did (one record, no comment).
    if (stored.comment === 'edited') expect([stored.status, history.length]).toEqual(['todo', 0]);
    else expect([stored.status, history.length, stored.comment]).toEqual(['waiting', 1, undefined]);
  });
});

describe('schedules: materializeDue is idempotent across workers', () => {
  it('5 concurrent workers over 20 due schedules create exactly 20 tasks, one per schedule', async () => {
    clock = new Date('2026-05-04T07:00:00.000Z');
    const rng = createRng(7);
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'UTC'];
    const schedules = await pool(Array.from({ length: 20 }, (_, i) => i), 4, (i) =>
      store.schedules.create({ title: `Recurring ${i}`, cron: rng.pick(['0 * * * *', '30 * * * *', '*/15 * * * *']), time_zone: rng.pick(zones), assignee_id: admin.user_id, actor }),
    );
    // One hour later every schedule is due (hourly or more often).
    clock = new Date('2026-05-04T08:00:00.000Z');
    const workers = Array.from({ length: 5 }, () => worker());
    // A barrier makes the race certain rather than left to timing: no worker writes before all
    // five have listed the due schedules, so every worker tries every one of the 20.
    let listed = 0;
    let release!: () => void;
    const allListed = new Promise<void>((resolve) => (release = resolve));
    for (const w of workers) {
      w.client.middlewareStack.add(
        (next, context) => async (args) => {
          const command = (context as { commandName?: string }).commandName;
          if (command === 'TransactWriteItemsCommand') await allListed;
          const result = await next(args);
          if (command === 'QueryCommand' && (listed += 1) === workers.length) release();
          return result;
        },
        { step: 'initialize', name: 'barrier' },
      );
    }
    const results = await Promise.all(workers.map((w) => w.schedules.materializeDue()));
    const created = results.flatMap((r) => r.created);
    expect(created).toHaveLength(20);
    expect(new Set(created.map((t) => t.recurring_schedule_id))).toEqual(new Set(schedules.map((s) => s.schedule_id)));
    // Every worker saw all 20: what it did not create, it lost to another worker and skipped.
    for (const r of results) expect(r.created.length + r.skipped).toBe(20);
    expect(results.reduce((sum, r) => sum + r.skipped, 0)).toBe(80);

    // The table agrees: exactly one recurring task per schedule, each schedule advanced past now.
    const raw = (await scanRaw(table.endpoint, table.tableName)).map((r) => r.item);
    const recurring = raw.filter((i) => i.__edb_e__ === 'task' && i.source === 'recurring');
    expect(recurring).toHaveLength(20);
    for (const schedule of schedules) {
      const stored = (await store.schedules.get(schedule.schedule_id))!;
      expect(stored.version).toBe(2);
      expect(Date.parse(stored.next_run_at)).toBeGreaterThan(clock.getTime());
      expect(stored.last_run_at).toBe(schedule.next_run_at);
      const task = recurring.find((t) => t.recurring_schedule_id === schedule.schedule_id)!;
      const local = new Date(schedule.next_run_at).toLocaleDateString('en-CA', { timeZone: schedule.time_zone });
      expect([task.occurrence_date, task.due_date]).toEqual([local, local]);
    }
    // A second round finds nothing due.
    const again = await Promise.all(workers.map((w) => w.schedules.materializeDue()));
    expect(again.flatMap((r) => r.created)).toHaveLength(0);
  });
});

describe('notifications: claim is exclusive', () => {
  it('5 workers claiming each of 20 notifications: each is claimed exactly once', async () => {
    clock = new Date('2026-05-04T09:00:00.000Z');
    const notifications = await pool(Array.from({ length: 20 }, (_, i) => i), 4, (i) =>
      store.notifications.create({ kind: 'task_due', message: `Due ${i}`, due_at: new Date(clock.getTime() - (i + 1) * 60_000).toISOString(), recipient_id: i % 2 ? admin.user_id : undefined }),
    );
    const workers = Array.from({ length: 5 }, () => worker());
    holdWritesUntilRead(workers, 100);
    const rng = createRng(11);
    const wins = await Promise.all(
      workers.map(async (w, k) => {
        const won: string[] = [];
        // Each worker goes through all 20 in its own order, all at once.
        const order = rng.shuffle(notifications);
        const claimed = await Promise.all(order.map((n) => w.notifications.claim({ notification_id: n.notification_id, worker_id: `worker-${k}` })));
        claimed.forEach((ok, i) => ok && won.push(order[i]!.notification_id));
        return won;
      }),
    );
    const all = wins.flat();
    expect(all).toHaveLength(20);
    expect(new Set(all)).toEqual(new Set(notifications.map((n) => n.notification_id)));
    for (const [k, won] of wins.entries()) {
      for (const id of won) {
        const stored = (await store.notifications.get(id))!;
        expect([stored.status, stored.claimed_by, stored.version]).toEqual(['claimed', `worker-${k}`, 2]);
      }
    }
    expect((await store.notifications.listDue()).items).toEqual([]);
  });

  it('a claim is a consistent read plus one conditional update (not a transaction) on the version read', async () => {
    const n = await store.notifications.create({ kind: 'task_due', message: 'Shape', due_at: new Date(clock.getTime() - 1000).toISOString() });
    const { result, requests } = await measure(log, () => store.notifications.claim({ notification_id: n.notification_id, worker_id: 'w' }));
    expect(result).toBe(true);
    expect(requests.map((r) => r.command)).toEqual(['GetItem', 'UpdateItem']);
    expect(requests[0]!.input.ConsistentRead).toBe(true);
    expect(String(requests[1]!.input.ConditionExpression)).toMatch(/version/);
    // A lost claim is the same single conditional write, rejected.
    const { result: again, requests: second } = await measure(log, () => store.notifications.claim({ notification_id: n.notification_id, worker_id: 'w2' }));
    expect(again).toBe(false);
    expect(second.map((r) => r.command)).toEqual(['GetItem']);
  });

  it('concurrent dismissals of one broadcast by 8 users all land (each retried on a lost race)', async () => {
    const users = await pool(Array.from({ length: 8 }, (_, i) => i), 4, (i) =>
      store.users.create({ email: `dismisser${i}@example.org`, display_name: `D${i}`, role: 'operator', timezone: 'UTC' }),
    );
    const n = await store.notifications.create({ kind: 'announcement', message: 'To all', due_at: clock.toISOString() });
    const workers = users.map(() => worker());
    const results = await Promise.allSettled(users.map((u, i) => workers[i]!.notifications.dismiss({ notification_id: n.notification_id, actor: { user_id: u.user_id, role: u.role } })));
    // Dismissing retries a few times; whoever still lost reports CONFLICT rather than losing silently.
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('CONFLICT');
    const winners = users.filter((_, i) => results[i]!.status === 'fulfilled').map((u) => u.user_id);
    expect(winners.length).toBeGreaterThan(0);
    const stored = (await store.notifications.get(n.notification_id))!;
    expect([...stored.dismissed_by].sort()).toEqual([...winners].sort());
    expect(stored.status).toBe('pending');
  });
});
