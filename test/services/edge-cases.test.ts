/**
 * Edge cases found in review: a clock that moves during a scheduler run, a claim racing a
 * dismissal, a schedule that cannot be materialized, time-zone spelling, attachments put under
 * another bundle than their task's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, isExecutionStoreError, newId, type ExecutionStore } from '../../src/index.js';
import { createTestTable, type TestTable } from '../support/table.js';

let table: TestTable;
let ms = Date.parse('2026-03-02T08:59:59.998Z');
/** Every reading of this clock is one millisecond later than the previous one. */
const tickingClock = () => new Date(ms++);
let store: ExecutionStore;

beforeAll(async () => {
  table = await createTestTable('edge');
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: tickingClock });
});
afterAll(async () => {
  await table?.drop();
});

async function admin() {
  const user = await store.users.create({ email: `admin-${newId('user').slice(-8).toLowerCase()}@example.org`, display_name: 'Admin', role: 'admin', timezone: 'UTC' });
  return { user, actor: { user_id: user.user_id, role: user.role } };
}

describe('scheduler edge cases', () => {
  it('creates one task per occurrence even when the clock moves between reads, and always advances the schedule', async () => {
    const { actor } = await admin();
    ms = Date.parse('2026-03-02T08:59:00.000Z');
    const schedule = await store.schedules.create({ title: 'Daily 09:00', cron: '0 9 * * *', time_zone: 'UTC', actor });
    expect(schedule.next_run_at).toBe('2026-03-02T09:00:00.000Z');
    ms = Date.parse('2026-03-02T08:59:59.999Z');
    const created: string[] = [];
    for (let run = 0; run < 4; run += 1) {
      for (const task of (await store.schedules.materializeDue()).created) created.push(`${task.recurring_schedule_id}:${task.occurrence_date}`);
    }
    expect(created).toEqual([`${schedule.schedule_id}:2026-03-02`]);
    expect((await store.schedules.get(schedule.schedule_id))!.next_run_at).toBe('2026-03-03T09:00:00.000Z');
  });

  it('reports a schedule it cannot materialize and still materializes the others', async () => {
    const { user, actor } = await admin();
    ms = Date.parse('2026-04-01T10:00:00.000Z');
    const good = await store.schedules.create({ title: 'Hourly', cron: '0 * * * *', time_zone: 'UTC', actor });
    const at = new Date(ms).toISOString();
    const broken = newId('recurring_schedule');
    // A stored cron that no longer parses (written past the service, as an old version might have).
    await store.service.entities.recurring_schedule
      .create({ schedule_id: broken, title: 'Broken', cron: '61 * * * *', time_zone: 'UTC', next_run_at: '2026-04-01T10:30:00.000Z', created_by: user.user_id, created_at: at, updated_at: at, version: 1 })
      .go();
    ms = Date.parse('2026-04-01T11:00:30.000Z');
    const result = await store.schedules.materializeDue();
    expect(result.created.map((task) => task.recurring_schedule_id)).toContain(good.schedule_id);
    expect(result.failed.map((failure) => failure.schedule_id)).toEqual([broken]);
    expect(result.failed[0]!.code).toBe('VALIDATION');
  });
});

describe('notification claims', () => {
  it('a claim that loses a race to a dismissal still claims the notification', async () => {
    const { user } = await admin();
    ms = Date.parse('2026-05-01T10:00:00.000Z');
    const notification = await store.notifications.create({ kind: 'announcement', message: 'Hello everyone', due_at: '2026-05-01T09:00:00.000Z' });
    const [claimed] = await Promise.all([
      store.notifications.claim({ notification_id: notification.notification_id, worker_id: 'w1' }),
      store.notifications.dismiss({ notification_id: notification.notification_id, actor: { user_id: user.user_id, role: 'admin' } }),
    ]);
    expect(claimed).toBe(true);
    const stored = await store.notifications.get(notification.notification_id);
    expect(stored).toMatchObject({ status: 'claimed', claimed_by: 'w1', dismissed_by: [user.user_id] });
  });

  it('refuses an expiry before the notification is due', async () => {
    ms = Date.parse('2026-05-01T10:00:00.000Z');
    const due = Date.parse('2026-05-02T10:00:00.000Z');
    const error = await store.notifications
      .create({ kind: 'reminder', message: 'Soon', due_at: new Date(due).toISOString(), expires_at: Math.floor(due / 1000) - 60 })
      .catch((e: unknown) => e);
    expect(isExecutionStoreError(error, 'VALIDATION')).toBe(true);
  });
});

describe('inputs', () => {
  it('stores the canonical spelling of a time zone', async () => {
    const user = await store.users.create({ email: 'zone@example.org', display_name: 'Zone', role: 'operator', timezone: 'europe/BERLIN' });
    expect(user.timezone).toBe('Europe/Berlin');
    expect((await store.users.get(user.user_id))!.timezone).toBe('Europe/Berlin');
  });

  it("puts an attachment under its task's bundle only", async () => {
    const { user, actor } = await admin();
    const mine = await store.bundles.create({ title: 'Mine', owner_id: user.user_id, actor });
    const other = await store.bundles.create({ title: 'Other', owner_id: user.user_id, actor });
    const task = await store.tasks.create({ title: 'In mine', bundle_id: mine.bundle_id, actor });
    const error = await store.artifacts.create({ task_id: task.task_id, kind: 'doc', uri: 'https://x.example.org', bundle_id: other.bundle_id, actor }).catch((e: unknown) => e);
    expect(isExecutionStoreError(error, 'VALIDATION')).toBe(true);
    expect((await store.artifacts.create({ task_id: task.task_id, kind: 'doc', uri: 'https://x.example.org', actor })).bundle_id).toBe(mine.bundle_id);
    const missing = await store.artifacts
      .create({ task_id: (await store.tasks.create({ title: 'No bundle', actor })).task_id, kind: 'doc', uri: 'https://x.example.org', bundle_id: newId('bundle'), actor })
      .catch((e: unknown) => e);
    expect(isExecutionStoreError(missing, 'NOT_FOUND')).toBe(true);
  });

  it('rejects unknown fields on list calls instead of ignoring a misspelt option', async () => {
    const { user } = await admin();
    const error = await store.tasks.listToday({ assignee_id: user.user_id, timezone: 'Pacific/Kiritimati' } as never).catch((e: unknown) => e);
    expect(isExecutionStoreError(error, 'VALIDATION')).toBe(true);
  });
});
