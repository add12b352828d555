/**
 * Safe under misuse (issue #11): a well-formed actor ID of a user that does not exist, or of a
 * disabled user, can neither act nor be named (assignee, owner, recipient). The check is a
 * condition of the write itself (a ConditionCheck in its transaction), so nothing is written;
 * the error says which user and why (NOT_FOUND or FORBIDDEN).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, newId, type Actor, type ExecutionStore, type User } from '../../src/index.js';
import { attachRequestLog, type RequestLog } from '../support/request-log.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { expectRejectedUnchanged, measure, transactionItems } from './helpers.js';

let table: TestTable;
let store: ExecutionStore;
let log: RequestLog;
const clock = new Date('2026-06-15T08:00:00.000Z');
let admin: User;
let disabledUser: User;
let task: { task_id: string; version: number };
let bundle: { bundle_id: string };
const ghost = newId('user');

const actorOf = (u: User): Actor => ({ user_id: u.user_id, role: u.role });
const ghostAdmin: Actor = { user_id: ghost, role: 'admin' };
let disabledAdmin: Actor;

async function rejects(call: () => Promise<unknown>, code: 'NOT_FOUND' | 'FORBIDDEN', field: string, user_id: string): Promise<void> {
  const error = (await expectRejectedUnchanged(table, call, code)) as Error & { details: { field?: string } };
  expect(error.details.field, error.message).toBe(field);
  expect(error.message).toContain(user_id);
}

beforeAll(async () => {
  table = await createTestTable('actors');
  log = attachRequestLog(table.client);
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
  admin = await store.users.create({ email: 'admin@actors.example.org', display_name: 'Admin', role: 'admin', timezone: 'UTC' });
  disabledUser = await store.users.create({ email: 'gone@actors.example.org', display_name: 'Gone', role: 'admin', timezone: 'UTC' });
  // Users are disabled by an administrator outside the services (no service call does it).
  await store.service.entities.user.patch({ user_id: disabledUser.user_id }).set({ status: 'disabled', version: 2 }).go();
  disabledAdmin = actorOf(disabledUser);
  bundle = await store.bundles.create({ title: 'Bundle', owner_id: admin.user_id, actor: actorOf(admin) });
  task = await store.tasks.create({ title: 'Task', bundle_id: bundle.bundle_id, actor: actorOf(admin) });
});

afterAll(async () => {
  await table?.drop();
});

/** Every write that takes an actor, called by `actor`. */
function writesBy(actor: Actor): [string, () => Promise<unknown>][] {
  const file = { task_id: task.task_id, storage_bucket: 'dataops-files', storage_key: 'k', filename: 'f.pdf', content_type: 'application/pdf', size_bytes: 1, sha256: 'ab'.repeat(32) };
  return [
    ['tasks.create', () => store.tasks.create({ title: 'x', actor })],
    ['tasks.update', () => store.tasks.update({ task_id: task.task_id, changes: { comment: 'c' }, expected_version: task.version, actor })],
    ['tasks.transition', () => store.tasks.transition({ task_id: task.task_id, to: 'in_progress', actor })],
    ['bundles.create', () => store.bundles.create({ title: 'b', owner_id: admin.user_id, actor })],
    ['bundles.archive', () => store.bundles.archive({ bundle_id: bundle.bundle_id, actor })],
    ['bundles.instantiateTemplate', () => store.bundles.instantiateTemplate({ template: { template_id: 't.yaml', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0 }] }, title: 'T', owner_id: admin.user_id, anchor_date: '2026-07-01', actor })],
    ['schedules.create', () => store.schedules.create({ title: 's', cron: '0 9 * * *', time_zone: 'UTC', actor })],
    ['files.register', () => store.files.register({ ...file, actor })],
    ['artifacts.create', () => store.artifacts.create({ task_id: task.task_id, kind: 'doc', uri: 'https://x.example.org', actor })],
  ];
}

describe('an actor that does not exist', () => {
  it('is NOT_FOUND for every write, naming actor.user_id, and nothing is written', async () => {
    for (const [name, call] of writesBy(ghostAdmin)) {
      await rejects(call, 'NOT_FOUND', 'actor.user_id', ghost).catch((error: Error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
  });

  it('cannot dismiss a notification either', async () => {
    const broadcast = await store.notifications.create({ kind: 'announcement', message: 'All', due_at: clock.toISOString() });
    await rejects(() => store.notifications.dismiss({ notification_id: broadcast.notification_id, actor: ghostAdmin }), 'NOT_FOUND', 'actor.user_id', ghost);
    expect((await store.notifications.get(broadcast.notification_id))!.dismissed_by).toEqual([]);
  });

  it('is checked inside the write: tasks.create sends one TransactWriteItems that holds the ConditionCheck on the actor', async () => {
    const { requests } = await measure(log, () => store.tasks.create({ title: 'checked', actor: actorOf(admin) }));
    expect(requests.map((r) => r.command)).toEqual(['TransactWriteItems']);
    expect(transactionItems(requests[0]!)).toEqual(['Put task', 'ConditionCheck user']);
  });
});

describe('a disabled user', () => {
  it('cannot act: FORBIDDEN for every write, naming the user and its status, nothing written', async () => {
    for (const [name, call] of writesBy(disabledAdmin)) {
      await rejects(call, 'FORBIDDEN', 'actor.user_id', disabledUser.user_id).catch((error: Error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
    const broadcast = await store.notifications.create({ kind: 'announcement', message: 'All', due_at: clock.toISOString() });
    await rejects(() => store.notifications.dismiss({ notification_id: broadcast.notification_id, actor: disabledAdmin }), 'FORBIDDEN', 'actor.user_id', disabledUser.user_id);
  });

  it('cannot be assigned work, own a bundle, receive a notification or sign in', async () => {
    const a = actorOf(admin);
    const id = disabledUser.user_id;
    await rejects(() => store.tasks.create({ title: 'x', assignee_id: id, actor: a }), 'FORBIDDEN', 'assignee_id', id);
    await rejects(() => store.tasks.update({ task_id: task.task_id, changes: { assignee_id: id }, expected_version: task.version, actor: a }), 'FORBIDDEN', 'assignee_id', id);
    await rejects(() => store.bundles.create({ title: 'b', owner_id: id, actor: a }), 'FORBIDDEN', 'owner_id', id);
    await rejects(
      () =>
        store.bundles.instantiateTemplate({
          template: { template_id: 't.yaml', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0 }, { ref: 'b', title: 'B', offset_days: 1, assignee_id: id }] },
          title: 'T',
          owner_id: admin.user_id,
          anchor_date: '2026-07-01',
          actor: a,
        }),
      'FORBIDDEN',
      'template.tasks[1].assignee_id',
      id,
    );
    await rejects(() => store.schedules.create({ title: 's', cron: '0 9 * * *', time_zone: 'UTC', assignee_id: id, actor: a }), 'FORBIDDEN', 'assignee_id', id);
    await rejects(() => store.notifications.create({ kind: 'task_due', message: 'm', due_at: clock.toISOString(), recipient_id: id }), 'FORBIDDEN', 'recipient_id', id);
    await rejects(() => store.sessions.create({ user_id: id, ttl_seconds: 3600 }), 'FORBIDDEN', 'user_id', id);
  });

  it('an active actor still works, and one check covers an actor who is also the owner', async () => {
    const a = actorOf(admin);
    const { requests } = await measure(log, () => store.bundles.create({ title: 'Own bundle', owner_id: admin.user_id, actor: a }));
    expect(transactionItems(requests[0]!)).toEqual(['Put bundle', 'ConditionCheck user']);
    expect((await store.tasks.transition({ task_id: task.task_id, to: 'in_progress', actor: a })).task.status).toBe('in_progress');
  });
});
