import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, type ExecutionStore } from '../../src/index.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { attachRequestLog, type RequestLog } from '../support/request-log.js';

let table: TestTable;
let store: ExecutionStore;
let log: RequestLog;
let clock = new Date('2026-11-29T10:00:00.000Z');

beforeAll(async () => {
  table = await createTestTable('smoke');
  log = attachRequestLog(table.client, { forbid: ['Scan', 'CreateTable', 'DeleteTable', 'UpdateTable'] });
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
});

describe('smoke', () => {
  it('runs the core flows end to end', async () => {
    const admin = await store.users.create({ email: 'Ada@Example.org', display_name: 'Ada', role: 'admin', timezone: 'Europe/Berlin' });
    const actor = { user_id: admin.user_id, role: admin.role };
    expect((await store.users.getByEmail('ada@example.ORG'))?.user_id).toBe(admin.user_id);
    await expect(store.users.create({ email: 'ada@example.org', display_name: 'Ada 2', role: 'admin', timezone: 'UTC' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const bundle = await store.bundles.create({ title: 'Meetup', owner_id: admin.user_id, actor });
    const task = await store.tasks.create({ title: 'Book room', assignee_id: admin.user_id, bundle_id: bundle.bundle_id, due_date: '2026-11-29', actor });
    const overdue = await store.tasks.create({ title: 'Old', assignee_id: admin.user_id, due_date: '2026-11-20', actor });
    expect((await store.tasks.listToday({ assignee_id: admin.user_id })).items.map((t) => t.task_id)).toEqual([task.task_id]);
    expect((await store.tasks.listOverdue({ today: '2026-11-29' })).items.map((t) => t.task_id)).toEqual([overdue.task_id]);
    expect((await store.tasks.listOverdue({ today: '2026-11-29', assignee_id: admin.user_id })).items.map((t) => t.task_id)).toEqual([overdue.task_id]);
    expect((await store.tasks.listUpcoming({ assignee_id: admin.user_id, from: '2026-11-29', days: 1 })).items.map((t) => t.task_id)).toEqual([task.task_id]);

    const moved = await store.tasks.transition({ task_id: task.task_id, to: 'done', actor, expected_version: 1 });
    expect(moved.task.version).toBe(2);
    expect((await store.tasks.listToday({ assignee_id: admin.user_id })).items).toEqual([]);
    expect((await store.tasks.history(task.task_id)).items.map((t) => t.to_status)).toEqual(['done']);
    expect((await store.tasks.listByAssigneeStatus({ assignee_id: admin.user_id, status: 'done' })).items.map((t) => t.task_id)).toEqual([task.task_id]);
    await expect(store.tasks.transition({ task_id: task.task_id, to: 'in_progress', actor })).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });

    const detail = await store.bundles.getWithTasks(bundle.bundle_id);
    expect(detail.tasks.map((t) => t.task_id)).toEqual([task.task_id]);

    const sched = await store.schedules.create({ title: 'Weekly', cron: '0 9 * * 1', time_zone: 'Europe/Berlin', assignee_id: admin.user_id, actor });
    expect(sched.next_run_at).toBe('2026-11-30T08:00:00.000Z');
    clock = new Date('2026-11-30T08:01:00.000Z');
    const run = await store.schedules.materializeDue();
    expect(run.created).toHaveLength(1);
    expect(run.created[0]!.due_date).toBe('2026-11-30');
    expect((await store.schedules.materializeDue()).created).toHaveLength(0);

    const n = await store.notifications.create({ kind: 'task_due', message: 'Due', due_at: '2026-11-30T08:00:00.000Z', recipient_id: admin.user_id });
    expect((await store.notifications.listDue()).items.map((x) => x.notification_id)).toEqual([n.notification_id]);
    expect(await store.notifications.claim({ notification_id: n.notification_id, worker_id: 'w1' })).toBe(true);
    expect(await store.notifications.claim({ notification_id: n.notification_id, worker_id: 'w2' })).toBe(false);
    expect((await store.notifications.listDue()).items).toEqual([]);

    const { token } = await store.sessions.create({ user_id: admin.user_id, ttl_seconds: 3600 });
    expect((await store.sessions.resolve(token))?.user_id).toBe(admin.user_id);
    clock = new Date('2026-12-01T00:00:00.000Z');
    expect(await store.sessions.resolve(token)).toBeNull();

    for (const r of log.requests.filter((r) => r.command === 'Query')) expect(r.scannedCount).toBe(r.count);
  });
});

afterAll(async () => {
  await table?.drop();
});
