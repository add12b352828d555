/**
 * Bad input, property-based (fast-check): malformed IDs, key-delimiter and prefix injection,
 * wrong types, unknown enum values, oversized strings, unknown fields, bad cursors, forbidden
 * roles and invalid transitions. Each must fail with the right typed error, send no write, and
 * leave the table byte-for-byte unchanged (raw snapshot before and after each property).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_STAGES,
  FILE_CATEGORIES,
  ID_PATTERNS,
  ID_PREFIXES,
  TASK_SOURCES,
  TASK_STATUSES,
  USER_ROLES,
  createExecutionStore,
  type Actor,
  type ErrorCode,
  type ExecutionStore,
  type IdKind,
  type Task,
  type TaskStatus,
  type User,
} from '../../src/index.js';
import { attachRequestLog, type RequestLog } from '../support/request-log.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { expectCode, snapshotTable } from './helpers.js';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 80);
const FC_SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
const ALLOWED: Record<TaskStatus, readonly TaskStatus[]> = {
  todo: ['in_progress', 'waiting', 'done', 'cancelled'],
  in_progress: ['todo', 'waiting', 'done', 'cancelled'],
  waiting: ['todo', 'in_progress', 'done', 'cancelled'],
  done: ['todo', 'archived'],
  cancelled: ['todo', 'archived'],
  archived: [],
};

let table: TestTable;
let store: ExecutionStore;
let log: RequestLog;
const clock = new Date('2026-04-01T09:00:00.000Z');
let admin: User;
let op: User;
let otherOp: User;
let viewer: User;
let byStatus: Record<TaskStatus, Task>;
let othersTask: Task;
let ids: Record<IdKind | 'session_token', string>;
let cursors: { bundleTasks: string; overdue: string; todayOf: (user: User) => Promise<string> };
const actorOf = (u: User): Actor => ({ user_id: u.user_id, role: u.role });

beforeAll(async () => {
  table = await createTestTable('badinput');
  log = attachRequestLog(table.client, { forbid: ['Scan'] });
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
  admin = await store.users.create({ email: 'admin@bad.example.org', display_name: 'Admin', role: 'admin', timezone: 'UTC' });
  [op, otherOp, viewer] = await Promise.all([
    store.users.create({ email: 'op@bad.example.org', display_name: 'Op', role: 'operator', timezone: 'Asia/Tokyo' }),
    store.users.create({ email: 'other@bad.example.org', display_name: 'Other', role: 'operator', timezone: 'UTC' }),
    store.users.create({ email: 'viewer@bad.example.org', display_name: 'Viewer', role: 'viewer', timezone: 'UTC' }),
  ]);
  const a = actorOf(admin);
  const bundle = await store.bundles.create({ title: 'Bundle', owner_id: op.user_id, actor: a });
  const path: Record<TaskStatus, TaskStatus[]> = { todo: [], in_progress: ['in_progress'], waiting: ['waiting'], done: ['done'], cancelled: ['cancelled'], archived: ['done', 'archived'] };
  byStatus = Object.fromEntries(
    await Promise.all(
      TASK_STATUSES.map(async (status) => {
        let task = await store.tasks.create({ title: `Task ${status}`, assignee_id: op.user_id, bundle_id: bundle.bundle_id, due_date: '2026-03-30', actor: a });
        for (const to of path[status]) task = (await store.tasks.transition({ task_id: task.task_id, to, actor: a })).task;
        return [status, task] as const;
      }),
    ),
  ) as Record<TaskStatus, Task>;
  othersTask = await store.tasks.create({ title: 'Other operator', assignee_id: otherOp.user_id, due_date: '2026-04-01', actor: a });
  await store.tasks.create({ title: 'Other operator 2', assignee_id: otherOp.user_id, due_date: '2026-04-01', actor: a });
  const file = await store.files.register({ task_id: byStatus.todo.task_id, storage_bucket: 'dataops-files', storage_key: 'k', filename: 'f.txt', content_type: 'text/plain', size_bytes: 3, sha256: 'ef'.repeat(32), actor: a });
  const artifact = await store.artifacts.create({ task_id: byStatus.todo.task_id, kind: 'doc', uri: 'https://x.example.org', actor: a });
  const notification = await store.notifications.create({ kind: 'task_due', message: 'Due', due_at: '2026-04-01T08:00:00.000Z', recipient_id: op.user_id });
  const schedule = await store.schedules.create({ title: 'Weekly', cron: '0 9 * * 1', time_zone: 'Europe/Berlin', actor: a });
  const { token } = await store.sessions.create({ user_id: op.user_id, ttl_seconds: 3600 });
  const instantiated = await store.bundles.instantiateTemplate({
    template: { template_id: 'templates/x.yaml', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0 }] },
    title: 'From template',
    owner_id: op.user_id,
    anchor_date: '2026-04-01',
    actor: a,
  });
  const transition = (await store.tasks.history(byStatus.done.task_id)).items[0]!;
  ids = {
    user: op.user_id,
    task: byStatus.todo.task_id,
    bundle: bundle.bundle_id,
    template_instance: instantiated.template_instance.template_instance_id,
    recurring_schedule: schedule.schedule_id,
    notification: notification.notification_id,
    file: file.file_id,
    task_transition: transition.transition_id,
    artifact: artifact.artifact_id,
    assistant_job: `job_${'0'.repeat(26)}`,
    audit_event: `aud_${'0'.repeat(26)}`,
    session_token: token,
  };
  const bundleTasks = await store.tasks.listByBundle({ bundle_id: bundle.bundle_id, limit: 1 });
  const overdue = await store.tasks.listOverdue({ today: '2026-04-02', limit: 1 });
  cursors = {
    bundleTasks: bundleTasks.cursor!,
    overdue: overdue.cursor!,
    todayOf: async (user) => (await store.tasks.listToday({ assignee_id: user.user_id, time_zone: 'UTC', limit: 1 })).cursor!,
  };
  expect(cursors.bundleTasks).toEqual(expect.any(String));
  expect(cursors.overdue).toEqual(expect.any(String));
});

afterAll(async () => {
  await table?.drop();
});

/** Runs a property; every run must reject with its code and send no write; the table must be unchanged afterwards. */
async function rejectsEverything<T>(arbitrary: fc.Arbitrary<T>, run: (value: T) => { call: () => Promise<unknown>; code: ErrorCode; allowWrites?: boolean }): Promise<void> {
  const before = await snapshotTable(table.endpoint, table.tableName);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const { call, code, allowWrites } = run(value);
      log.reset();
      await expectCode(call(), code);
      if (!allowWrites) expect(log.commands().filter((c) => WRITES.has(c))).toEqual([]);
      runs += 1;
    }),
    { numRuns: NUM_RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
  );
  expect(runs).toBeGreaterThanOrEqual(NUM_RUNS);
  const after = await snapshotTable(table.endpoint, table.tableName);
  expect(after.count).toBe(before.count);
  expect(after.text === before.text, 'the table changed').toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Anything that is not a string (and not null/undefined, which mean "absent" for optional fields). */
const nonString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), fc.bigInt().map(String).map(Number));
const ULID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulidBody = fc.string({ unit: fc.constantFrom(...ULID_CHARS.split('')), minLength: 26, maxLength: 26 });

/** Strings that are not an ID of `kind`: injection around real IDs, wrong prefixes, near misses, noise. */
function malformedId(kind: IdKind): fc.Arbitrary<unknown> {
  const prefix = ID_PREFIXES[kind];
  const real = () => ids[kind];
  const otherPrefixes = Object.values(ID_PREFIXES).filter((p) => p !== prefix);
  const around = fc.constantFrom(
    (id: string) => `${id}#`,
    (id: string) => `${id}#sk`,
    (id: string) => `${id}#$${kind}_1`,
    (id: string) => id.toLowerCase(),
    (id: string) => `${id.slice(0, 4)}${id.slice(4).toLowerCase()}`,
    (id: string) => `$dataops#${kind}_id_${id}`,
    (id: string) => `$dataops#${id}`,
    (id: string) => `${id} `,
    (id: string) => ` ${id}`,
    (id: string) => `${id}\n`,
    (id: string) => `${id}\u0000`,
    (id: string) => id.slice(0, -1),
    (id: string) => `${id}A`,
    (id: string) => id.replace('_', '#'),
    (id: string) => id.replace('_', '-'),
    (id: string) => id.slice(prefix.length + 1),
    (id: string) => id.toUpperCase().replace(`${prefix.toUpperCase()}_`, `${prefix.toUpperCase()}_`),
    (id: string) => `${id}${id}`,
    (id: string) => `${id.slice(0, -1)}U`,
    (id: string) => `${id.slice(0, -1)}#`,
    (id: string) => `${id.slice(0, -1)}é`,
  );
  return fc.oneof(
    around.map((mutate) => mutate(real())),
    fc.tuple(fc.constantFrom(...otherPrefixes), ulidBody).map(([p, body]) => `${p}_${body}`),
    fc.constantFrom(...Object.values(ids)).filter((id) => !ID_PATTERNS[kind].test(id)),
    ulidBody.map((body) => `${prefix}_${body.toLowerCase()}`).filter((s) => !ID_PATTERNS[kind].test(s)),
    ulidBody.map((body) => `${prefix.toUpperCase()}_${body}`),
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 61, maxLength: 400 }).map((s) => `${prefix}_${s}`),
    fc.constantFrom('', ' ', '#', '$', '$dataops#', `${prefix}_`, `${prefix}_${'0'.repeat(26)}#`, `${prefix}_${'I'.repeat(26)}`, `${prefix}_${'0'.repeat(25)}`),
    nonString,
    fc.constant(null),
  ).filter((value) => !(typeof value === 'string' && ID_PATTERNS[kind].test(value)));
}

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00.000Z`).toISOString().slice(0, 10) === s;
const badDate = fc.oneof(
  nonString,
  fc.string({ maxLength: 12 }).filter((s) => !isDate(s)),
  fc.constantFrom('2026-02-30', '2026-13-01', '2026-00-10', '2026-1-01', '26-01-01', '2026/01/01', ' 2026-01-01', '2026-01-01 ', '2026-01-01T00:00:00.000Z', '2026-01-01#', '$dataops#2026-01-01', '+02026-01-01', '0000-00-00', ''),
);
const isTimestamp = (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;
const badTimestamp = fc.oneof(
  nonString,
  fc.string({ maxLength: 30 }).filter((s) => !isTimestamp(s)),
  fc.constantFrom('2026-04-01', '2026-04-01T09:00:00Z', '2026-04-01T09:00:00.000+02:00', '2026-04-31T09:00:00.000Z', '2026-04-01T25:00:00.000Z', '2026-04-01t09:00:00.000z', '2026-04-01T09:00:00.000Z#', ''),
);
function badText(max: number, required: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    nonString,
    fc.constantFrom('', ' ', '\n\t  '),
    fc.string({ minLength: max + 1, maxLength: max + 30 }),
    fc.constant('x'.repeat(max + 1)),
    ...(required ? [fc.constant(null), fc.constant(undefined)] : []),
  );
}
function badInt(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.double({ noInteger: true }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: min - 1 }),
    ...(max < Number.MAX_SAFE_INTEGER ? [fc.integer({ min: max + 1, max: Number.MAX_SAFE_INTEGER })] : []),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, String(min), `${min}`, [min], {}, true),
    fc.string({ maxLength: 6 }),
  );
}
function badEnum(values: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ maxLength: 20 }).filter((s) => !values.includes(s)),
    fc.constantFrom(...values.flatMap((v) => [v.toUpperCase(), `${v}#`, ` ${v}`, `${v} `, `$dataops#${v}`, v.replace('_', '-')])).filter((s) => !values.includes(s)),
    nonString,
    fc.constant(null),
  );
}
const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));

// ---------------------------------------------------------------------------------------------

describe('malformed IDs and key injection', () => {
  type IdTarget = { name: string; kind: IdKind; call: (id: unknown) => Promise<unknown> };
  const targets = (): IdTarget[] => {
    const a = actorOf(admin);
    const s = store as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
    return [
      { name: 'tasks.get', kind: 'task', call: (id) => s.tasks!.get!(id) },
      { name: 'tasks.history', kind: 'task', call: (id) => s.tasks!.history!(id) },
      { name: 'tasks.transition', kind: 'task', call: (id) => s.tasks!.transition!({ task_id: id, to: 'done', actor: a }) },
      { name: 'tasks.update', kind: 'task', call: (id) => s.tasks!.update!({ task_id: id, changes: { title: 'x' }, expected_version: 1, actor: a }) },
      { name: 'tasks.create parent', kind: 'task', call: (id) => s.tasks!.create!({ title: 'x', parent_task_id: id === null ? 7 : id, actor: a }) },
      { name: 'tasks.create assignee', kind: 'user', call: (id) => s.tasks!.create!({ title: 'x', assignee_id: id === null ? 7 : id, actor: a }) },
      { name: 'tasks.create bundle', kind: 'bundle', call: (id) => s.tasks!.create!({ title: 'x', bundle_id: id === null ? 7 : id, actor: a }) },
      { name: 'tasks.update assignee', kind: 'user', call: (id) => s.tasks!.update!({ task_id: ids.task, changes: { assignee_id: id === null ? 7 : id }, expected_version: 1, actor: a }) },
      { name: 'tasks.listToday', kind: 'user', call: (id) => s.tasks!.listToday!({ assignee_id: id }) },
      { name: 'tasks.listOverdue', kind: 'user', call: (id) => s.tasks!.listOverdue!({ today: '2026-04-01', assignee_id: id === undefined ? null : id }) },
      { name: 'tasks.listUpcoming', kind: 'user', call: (id) => s.tasks!.listUpcoming!({ assignee_id: id, from: '2026-04-01', days: 7 }) },
      { name: 'tasks.listByAssigneeStatus', kind: 'user', call: (id) => s.tasks!.listByAssigneeStatus!({ assignee_id: id, status: 'todo' }) },
      { name: 'tasks.listByBundle', kind: 'bundle', call: (id) => s.tasks!.listByBundle!({ bundle_id: id }) },
      { name: 'actor.user_id', kind: 'user', call: (id) => s.tasks!.transition!({ task_id: ids.task, to: 'in_progress', actor: { user_id: id, role: 'admin' } }) },
      { name: 'users.get', kind: 'user', call: (id) => s.users!.get!(id) },
      { name: 'bundles.get', kind: 'bundle', call: (id) => s.bundles!.get!(id) },
      { name: 'bundles.getWithTasks', kind: 'bundle', call: (id) => s.bundles!.getWithTasks!(id) },
      { name: 'bundles.getTemplateInstance', kind: 'template_instance', call: (id) => s.bundles!.getTemplateInstance!(id) },
      { name: 'bundles.archive', kind: 'bundle', call: (id) => s.bundles!.archive!({ bundle_id: id, actor: a }) },
      { name: 'bundles.create owner', kind: 'user', call: (id) => s.bundles!.create!({ title: 'x', owner_id: id, actor: a }) },
      { name: 'bundles.instantiateTemplate assignee', kind: 'user', call: (id) => s.bundles!.instantiateTemplate!({ template: { template_id: 't', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0, assignee_id: id === null ? 7 : id }] }, title: 'T', owner_id: ids.user, anchor_date: '2026-04-01', actor: a }) },
      { name: 'schedules.get', kind: 'recurring_schedule', call: (id) => s.schedules!.get!(id) },
      { name: 'schedules.create assignee', kind: 'user', call: (id) => s.schedules!.create!({ title: 's', cron: '0 9 * * *', time_zone: 'UTC', assignee_id: id === null ? 7 : id, actor: a }) },
      { name: 'notifications.get', kind: 'notification', call: (id) => s.notifications!.get!(id) },
      { name: 'notifications.claim', kind: 'notification', call: (id) => s.notifications!.claim!({ notification_id: id, worker_id: 'w' }) },
      { name: 'notifications.markSent', kind: 'notification', call: (id) => s.notifications!.markSent!({ notification_id: id, worker_id: 'w' }) },
      { name: 'notifications.dismiss', kind: 'notification', call: (id) => s.notifications!.dismiss!({ notification_id: id, actor: actorOf(op) }) },
      { name: 'notifications.listForRecipient', kind: 'user', call: (id) => s.notifications!.listForRecipient!(id) },
      { name: 'notifications.create task', kind: 'task', call: (id) => s.notifications!.create!({ kind: 'x', message: 'm', due_at: '2026-04-01T09:00:00.000Z', task_id: id === null ? 7 : id }) },
      { name: 'files.register', kind: 'task', call: (id) => s.files!.register!({ task_id: id, storage_bucket: 'b-1', storage_key: 'k', filename: 'f', content_type: 'text/plain', size_bytes: 1, sha256: 'a'.repeat(64), actor: a }) },
      { name: 'files.listForTask', kind: 'task', call: (id) => s.files!.listForTask!(id) },
      { name: 'artifacts.create', kind: 'task', call: (id) => s.artifacts!.create!({ task_id: id, kind: 'doc', uri: 'https://x.example.org', actor: a }) },
      { name: 'artifacts.listForTask', kind: 'task', call: (id) => s.artifacts!.listForTask!(id) },
      { name: 'sessions.create', kind: 'user', call: (id) => s.sessions!.create!({ user_id: id, ttl_seconds: 3600 }) },
    ];
  };

  it('every ID parameter rejects malformed IDs, delimiters, prefixes and lower-case ULIDs with VALIDATION', async () => {
    const all = targets();
    const arbitrary = fc.oneof(...all.map((t) => fc.tuple(fc.constant(t), malformedId(t.kind))));
    await rejectsEverything(arbitrary, ([target, id]) => ({ call: () => target.call(id), code: 'VALIDATION' }));
  });

  it('each target is exercised: a lower-cased real ID is rejected everywhere (it would address the same key)', async () => {
    // Keys are lower-cased by ElectroDB, so an accepted lower-case ID would read or write the real item.
    for (const target of targets()) await expectCode(target.call(ids[target.kind].toLowerCase()), 'VALIDATION');
  });

  it('session tokens: anything but a 43-character base64url token is VALIDATION', async () => {
    const badToken = fc.oneof(
      fc.string({ maxLength: 60 }).filter((s) => !/^[A-Za-z0-9_-]{43}$/.test(s)),
      fc.constantFrom(`${ids.session_token}#`, `${ids.session_token}=`, ids.session_token.slice(1), Buffer.from(ids.session_token, 'base64url').toString('base64'), Buffer.from(ids.session_token, 'base64url').toString('hex')),
      nonString,
    ).filter((t) => !(typeof t === 'string' && /^[A-Za-z0-9_-]{43}$/.test(t)));
    await rejectsEverything(fc.tuple(badToken, fc.boolean()), ([token, revoke]) => ({
      call: () => (revoke ? store.sessions.revoke(token as string) : store.sessions.resolve(token as string)),
      code: 'VALIDATION',
    }));
  });
});

describe('wrong types, unknown enum values, oversized strings, unknown fields', () => {
  type FieldTarget = { name: string; bad: fc.Arbitrary<unknown>; call: (value: unknown) => Promise<unknown> };
  function fieldTargets(): FieldTarget[] {
    const a = actorOf(admin);
    const s = store as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
    const task = byStatus.in_progress;
    const createTask = (extra: Record<string, unknown>) => s.tasks!.create!({ title: 'ok', actor: a, ...extra });
    const update = (changes: Record<string, unknown>) => s.tasks!.update!({ task_id: task.task_id, changes, expected_version: task.version, actor: a });
    const register = (extra: Record<string, unknown>) =>
      s.files!.register!({ task_id: ids.task, storage_bucket: 'b-1', storage_key: 'k', filename: 'f', content_type: 'text/plain', size_bytes: 1, sha256: 'a'.repeat(64), actor: a, ...extra });
    const template = (taskExtra: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      s.bundles!.instantiateTemplate!({ template: { template_id: 't', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0, ...taskExtra }] }, title: 'T', owner_id: ids.user, anchor_date: '2026-04-01', actor: a, ...extra });
    return [
      { name: 'tasks.create title', bad: badText(200, true), call: (v) => createTask({ title: v }) },
      { name: 'tasks.create description', bad: badText(10_000, false), call: (v) => createTask({ description: v }) },
      { name: 'tasks.create due_date', bad: badDate, call: (v) => createTask({ due_date: v }) },
      { name: 'tasks.create requires_file', bad: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), call: (v) => createTask({ requires_file: v }) },
      { name: 'tasks.create source', bad: badEnum(TASK_SOURCES.filter((x) => x !== 'template' && x !== 'recurring')), call: (v) => createTask({ source: v }) },
      { name: 'tasks.create tags', bad: fc.oneof(fc.string(), fc.array(fc.constant('t'), { minLength: 51, maxLength: 60 }), fc.array(badText(64, true), { minLength: 1, maxLength: 3 })), call: (v) => createTask({ tags: v }) },
      { name: 'tasks.create instructions_url', bad: badText(2048, false), call: (v) => createTask({ instructions_url: v }) },
      { name: 'tasks.create actor', bad: fc.oneof(nonString, fc.string(), fc.constant(null), fc.record({ user_id: fc.constant(ids.user), role: badEnum(USER_ROLES) })), call: (v) => createTask({ actor: v }) },
      { name: 'tasks.create input', bad: fc.oneof(nonString.filter((v) => typeof v !== 'object' || Array.isArray(v)), fc.constant(null), fc.string()), call: (v) => s.tasks!.create!(v) },
      { name: 'tasks.transition to', bad: badEnum(TASK_STATUSES), call: (v) => s.tasks!.transition!({ task_id: task.task_id, to: v, actor: a }) },
      { name: 'tasks.transition note', bad: badText(2000, false), call: (v) => s.tasks!.transition!({ task_id: task.task_id, to: 'waiting', note: v, actor: a }) },
      { name: 'tasks.transition expected_version', bad: badInt(1, Number.MAX_SAFE_INTEGER), call: (v) => s.tasks!.transition!({ task_id: task.task_id, to: 'waiting', expected_version: v, actor: a }) },
      { name: 'tasks.update title', bad: badText(200, true), call: (v) => update({ title: v }) },
      { name: 'tasks.update comment', bad: badText(5000, false).filter((v) => v !== null && v !== undefined), call: (v) => update({ comment: v }) },
      { name: 'tasks.update link', bad: badText(2048, false).filter((v) => v !== null && v !== undefined), call: (v) => update({ link: v }) },
      { name: 'tasks.update due_date', bad: badDate, call: (v) => update({ due_date: v }) },
      { name: 'tasks.update follow_up_at', bad: badTimestamp, call: (v) => update({ follow_up_at: v }) },
      { name: 'tasks.update requires_file', bad: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), call: (v) => update({ requires_file: v }) },
      { name: 'tasks.update non-editable field', bad: fc.constantFrom('status', 'version', 'task_id', 'created_by', 'completed_at', 'stage_on_complete', 'open_assignee_id', 'gsi3pk', 'pk'), call: (k) => update({ [k as string]: 'x' }) },
      { name: 'tasks.update changes', bad: fc.oneof(fc.constant({}), nonString.filter((v) => typeof v !== 'object' || Array.isArray(v)), fc.constant(null)), call: (v) => s.tasks!.update!({ task_id: task.task_id, changes: v, expected_version: task.version, actor: a }) },
      { name: 'tasks.update expected_version', bad: badInt(1, Number.MAX_SAFE_INTEGER), call: (v) => s.tasks!.update!({ task_id: task.task_id, changes: { title: 'x' }, expected_version: v, actor: a }) },
      { name: 'tasks.listOverdue today', bad: badDate, call: (v) => s.tasks!.listOverdue!({ today: v }) },
      { name: 'tasks.listUpcoming from', bad: badDate, call: (v) => s.tasks!.listUpcoming!({ assignee_id: ids.user, from: v, days: 3 }) },
      { name: 'tasks.listUpcoming days', bad: badInt(1, 366), call: (v) => s.tasks!.listUpcoming!({ assignee_id: ids.user, from: '2026-04-01', days: v }) },
      { name: 'tasks.listToday time_zone', bad: fc.oneof(nonString, fc.constant(null), fc.constantFrom('Mars/Olympus', 'Europe/Berlin#', 'GMT+99', '', 'x'.repeat(65))), call: (v) => s.tasks!.listToday!({ assignee_id: ids.user, time_zone: v }) },
      { name: 'tasks.listByAssigneeStatus status', bad: badEnum(TASK_STATUSES), call: (v) => s.tasks!.listByAssigneeStatus!({ assignee_id: ids.user, status: v }) },
      { name: 'list limit', bad: badInt(1, 1000), call: (v) => s.tasks!.listByBundle!({ bundle_id: ids.bundle, limit: v }) },
      { name: 'bundles.listByStage stage', bad: badEnum(BUNDLE_STAGES), call: (v) => s.bundles!.listByStage!(v) },
      { name: 'bundles.create stage', bad: badEnum(BUNDLE_STAGES).filter((v) => v !== null), call: (v) => s.bundles!.create!({ title: 'x', owner_id: ids.user, stage: v, actor: a }) },
      { name: 'bundles.create links', bad: fc.oneof(fc.string(), fc.array(fc.record({ name: badText(200, true), url: fc.constant('https://x') }), { minLength: 1, maxLength: 2 }), fc.array(fc.constant({ name: 'n', url: 'u' }), { minLength: 51, maxLength: 55 })), call: (v) => s.bundles!.create!({ title: 'x', owner_id: ids.user, links: v, actor: a }) },
      { name: 'bundles.create anchor_date', bad: badDate.filter((v) => v !== null), call: (v) => s.bundles!.create!({ title: 'x', owner_id: ids.user, anchor_date: v, actor: a }) },
      { name: 'instantiateTemplate offset_days', bad: badInt(-3650, 3650), call: (v) => template({ offset_days: v }) },
      { name: 'instantiateTemplate stage_on_complete', bad: badEnum(BUNDLE_STAGES).filter((v) => v !== null), call: (v) => template({ stage_on_complete: v }) },
      { name: 'instantiateTemplate ref', bad: badText(200, true), call: (v) => template({ ref: v }) },
      { name: 'instantiateTemplate anchor_date', bad: badDate, call: (v) => template({}, { anchor_date: v }) },
      { name: 'instantiateTemplate template_version', bad: fc.oneof(nonString, fc.string({ maxLength: 80 }).filter((x) => !/^[0-9a-f]{7,64}$/.test(x))), call: (v) => s.bundles!.instantiateTemplate!({ template: { template_id: 't', template_version: v, tasks: [{ ref: 'a', title: 'A', offset_days: 0 }] }, title: 'T', owner_id: ids.user, anchor_date: '2026-04-01', actor: a }) },
      { name: 'users.create email', bad: fc.oneof(badText(254, true), fc.constantFrom('no-at-sign', 'a@b', '@example.org', 'a @b.org', `${'a'.repeat(250)}@b.org`)), call: (v) => s.users!.create!({ email: v, display_name: 'x', role: 'operator', timezone: 'UTC' }) },
      { name: 'users.create role', bad: badEnum(USER_ROLES), call: (v) => s.users!.create!({ email: 'new@x.org', display_name: 'x', role: v, timezone: 'UTC' }) },
      { name: 'users.create timezone', bad: fc.oneof(nonString, fc.constant(null), fc.constantFrom('Mars/Olympus', 'Europe/Berlin#', '', 'x'.repeat(65))), call: (v) => s.users!.create!({ email: 'new@x.org', display_name: 'x', role: 'operator', timezone: v }) },
      { name: 'schedules.create cron', bad: fc.oneof(nonString, fc.constantFrom('', '* * * *', '* * * * * *', '61 * * * *', '0 25 * * *', 'every day', '0 9 * * 8#x'), fc.string({ minLength: 121, maxLength: 130 })), call: (v) => s.schedules!.create!({ title: 's', cron: v, time_zone: 'UTC', actor: a }) },
      { name: 'schedules.listDueSoon within_minutes', bad: badInt(0, 60 * 24 * 366), call: (v) => s.schedules!.listDueSoon!({ within_minutes: v }) },
      { name: 'notifications.create kind', bad: fc.oneof(nonString, fc.constantFrom('', 'Task', 'task-due', 'task due', '1task', `t${'x'.repeat(64)}`, 'task#due')), call: (v) => s.notifications!.create!({ kind: v, message: 'm', due_at: '2026-04-01T09:00:00.000Z' }) },
      { name: 'notifications.create message', bad: badText(2000, true), call: (v) => s.notifications!.create!({ kind: 'x', message: v, due_at: '2026-04-01T09:00:00.000Z' }) },
      { name: 'notifications.create due_at', bad: badTimestamp, call: (v) => s.notifications!.create!({ kind: 'x', message: 'm', due_at: v }) },
      { name: 'notifications.claim worker_id', bad: fc.oneof(badText(128, true), fc.constantFrom('w 1', 'w#1', 'w$1', 'w\n')), call: (v) => s.notifications!.claim!({ notification_id: ids.notification, worker_id: v }) },
      { name: 'files.register size_bytes', bad: badInt(0, Number.MAX_SAFE_INTEGER), call: (v) => register({ size_bytes: v }) },
      { name: 'files.register sha256', bad: fc.oneof(nonString, fc.string({ maxLength: 70 }).filter((x) => !/^[0-9a-f]{64}$/.test(x)), fc.constant('A'.repeat(64))), call: (v) => register({ sha256: v }) },
      { name: 'files.register category', bad: badEnum(FILE_CATEGORIES).filter((v) => v !== null), call: (v) => register({ category: v }) },
      { name: 'files.register content_type', bad: fc.oneof(nonString, fc.constantFrom('pdf', 'application/', '/pdf', 'text/plain; charset=utf-8', 'a/b#c')), call: (v) => register({ content_type: v }) },
      { name: 'files.register storage_bucket', bad: fc.oneof(nonString, fc.constantFrom('B', 'Bucket', 'a', 'a_b', `${'a'.repeat(64)}`)), call: (v) => register({ storage_bucket: v }) },
      { name: 'files.register filename', bad: badText(255, true), call: (v) => register({ filename: v }) },
      { name: 'sessions.create ttl_seconds', bad: badInt(60, 30 * 24 * 3600), call: (v) => s.sessions!.create!({ user_id: ids.user, ttl_seconds: v }) },
    ];
  }

  it('every field rejects wrong types, unknown enum values and oversized strings with VALIDATION', async () => {
    const all = fieldTargets();
    const arbitrary = fc.oneof(...all.map((t) => fc.tuple(fc.constant(t), t.bad)));
    await rejectsEverything(arbitrary, ([target, value]) => ({ call: () => target.call(value), code: 'VALIDATION' }));
  });

  it('unknown input fields are VALIDATION, never silently ignored or written', async () => {
    const a = actorOf(admin);
    const s = store as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
    const calls: [string, (extra: Record<string, unknown>) => Promise<unknown>, string[]][] = [
      ['tasks.create', (x) => s.tasks!.create!({ title: 'ok', actor: a, ...x }), ['title', 'assignee_id', 'bundle_id', 'due_date', 'parent_task_id', 'source', 'description', 'tags', 'required_link_name', 'requires_file', 'instructions_url', 'actor']],
      ['tasks.transition', (x) => s.tasks!.transition!({ task_id: byStatus.todo.task_id, to: 'waiting', actor: a, ...x }), ['task_id', 'to', 'actor', 'expected_version', 'note']],
      ['tasks.update', (x) => s.tasks!.update!({ task_id: byStatus.todo.task_id, changes: { title: 'x' }, expected_version: 1, actor: a, ...x }), ['task_id', 'changes', 'expected_version', 'actor']],
      ['users.create', (x) => s.users!.create!({ email: 'u@x.org', display_name: 'u', role: 'operator', timezone: 'UTC', ...x }), ['email', 'display_name', 'role', 'timezone']],
      ['bundles.create', (x) => s.bundles!.create!({ title: 'b', owner_id: ids.user, actor: a, ...x }), ['title', 'owner_id', 'stage', 'status', 'anchor_date', 'description', 'tags', 'links', 'emoji', 'actor']],
      ['notifications.create', (x) => s.notifications!.create!({ kind: 'x', message: 'm', due_at: '2026-04-01T09:00:00.000Z', ...x }), ['kind', 'message', 'due_at', 'recipient_id', 'task_id', 'bundle_id', 'expires_at']],
      ['sessions.create', (x) => s.sessions!.create!({ user_id: ids.user, ttl_seconds: 3600, ...x }), ['user_id', 'ttl_seconds']],
      ['schedules.create', (x) => s.schedules!.create!({ title: 's', cron: '0 9 * * *', time_zone: 'UTC', actor: a, ...x }), ['title', 'cron', 'time_zone', 'assignee_id', 'bundle_id', 'description', 'tags', 'instructions_url', 'enabled', 'actor']],
    ];
    const arbitrary = fc.tuple(fc.constantFrom(...calls), unknownKey, fc.jsonValue());
    await rejectsEverything(
      arbitrary.filter(([[, , known], key]) => !known.includes(key)),
      ([[, call], key, value]) => ({ call: () => call({ [key]: value ?? 'x' }), code: 'VALIDATION' }),
    );
  });
});

describe('cursors', () => {
  it('a cursor that is not the one the previous page returned is VALIDATION (garbage, forged, or from another list)', async () => {
    const foreign = [cursors.bundleTasks, cursors.overdue, await cursors.todayOf(otherOp)];
    const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const badCursor = fc.oneof(
      fc.string({ minLength: 1, maxLength: 80 }),
      fc.base64String({ minLength: 4, maxLength: 80 }),
      fc.jsonValue().map(json),
      fc.constantFrom(json(null), json({}), json([]), json('x'), json(5), json({ pk: 5 }), json({ pk: '$dataops#task_id_x' }), json({ gsi3pk: null, gsi3sk: 'x' })),
      fc.dictionary(fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi3pk', 'gsi3sk', 'gsi5pk', 'gsi5sk', 'x'), fc.oneof(fc.string(), fc.integer()), { minKeys: 1, maxKeys: 5 }).map(json),
      nonString,
    ).filter((c) => typeof c !== 'string' || !foreign.includes(c));
    // Lists whose own cursors are none of the above.
    type ListCall = (cursor: unknown) => Promise<unknown>;
    const s = store as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
    const lists: [string, ListCall, string | null][] = [
      ['listToday', (c) => s.tasks!.listToday!({ assignee_id: op.user_id, time_zone: 'UTC', limit: 1, cursor: c }), foreign[2]!],
      ['listByBundle', (c) => s.tasks!.listByBundle!({ bundle_id: ids.bundle, limit: 1, cursor: c }), foreign[0]!],
      ['listOverdue', (c) => s.tasks!.listOverdue!({ today: '2026-04-02', limit: 1, cursor: c }), foreign[1]!],
      ['history', (c) => s.tasks!.history!(ids.task, { limit: 1, cursor: c }), null],
      ['listDue', (c) => s.notifications!.listDue!({ limit: 1, cursor: c }), null],
    ];
    const arbitrary = fc.tuple(
      fc.constantFrom(...lists),
      fc.oneof(badCursor, fc.constantFrom(...foreign)),
    ).filter(([[, , own], cursor]) => cursor !== own);
    await rejectsEverything(arbitrary, ([[, call], cursor]) => ({ call: () => call(cursor), code: 'VALIDATION' }));
  });

  it('another operator’s listToday cursor does not page into that operator’s tasks', async () => {
    const theirs = await cursors.todayOf(otherOp);
    await expectCode(store.tasks.listToday({ assignee_id: op.user_id, time_zone: 'UTC', limit: 1, cursor: theirs }), 'VALIDATION');
  });
});

describe('forbidden roles and invalid transitions', () => {
  it('viewers get FORBIDDEN for every mutation; operators for other people’s tasks', async () => {
    const s = store as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
    const mutations: [string, (actor: Actor, task: Task) => Promise<unknown>][] = [
      ['transition', (actor, task) => s.tasks!.transition!({ task_id: task.task_id, to: ALLOWED[task.status][0] ?? 'todo', actor })],
      ['update', (actor, task) => s.tasks!.update!({ task_id: task.task_id, changes: { comment: 'c' }, expected_version: task.version, actor })],
      ['files.register', (actor, task) => s.files!.register!({ task_id: task.task_id, storage_bucket: 'b-1', storage_key: 'k', filename: 'f', content_type: 'text/plain', size_bytes: 1, sha256: 'a'.repeat(64), actor })],
      ['artifacts.create', (actor, task) => s.artifacts!.create!({ task_id: task.task_id, kind: 'doc', uri: 'https://x.example.org', actor })],
      ['tasks.create', (actor) => s.tasks!.create!({ title: 'x', assignee_id: otherOp.user_id, actor })],
    ];
    const viewerOnly: [string, (actor: Actor) => Promise<unknown>][] = [
      ['bundles.create', (actor) => s.bundles!.create!({ title: 'b', owner_id: ids.user, actor })],
      ['schedules.create', (actor) => s.schedules!.create!({ title: 's', cron: '0 9 * * *', time_zone: 'UTC', actor })],
      ['instantiateTemplate', (actor) => s.bundles!.instantiateTemplate!({ template: { template_id: 't', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0 }] }, title: 'T', owner_id: ids.user, anchor_date: '2026-04-01', actor })],
      ['tasks.create unassigned', (actor) => s.tasks!.create!({ title: 'x', actor })],
    ];
    const tasks = [...Object.values(byStatus).filter((t) => t.status !== 'archived'), othersTask];
    const arbitrary = fc.oneof(
      fc.tuple(fc.constant('viewer' as const), fc.constantFrom(...mutations), fc.constantFrom(...tasks)).map(([, [name, call], task]) => ({ name, call: () => call(actorOf(viewer), task) })),
      fc.tuple(fc.constantFrom(...viewerOnly)).map(([[name, call]]) => ({ name, call: () => call(actorOf(viewer)) })),
      fc.constantFrom(...mutations).map(([name, call]) => ({ name, call: () => call(actorOf(op), othersTask) })),
    );
    await rejectsEverything(arbitrary, ({ call }) => ({ call, code: 'FORBIDDEN' }));
  });

  it('every transition the status machine does not allow is INVALID_TRANSITION, whoever asks', async () => {
    const invalid = TASK_STATUSES.flatMap((from) => TASK_STATUSES.filter((to) => !ALLOWED[from].includes(to)).map((to) => [from, to] as const));
    const arbitrary = fc.tuple(fc.constantFrom(...invalid), fc.constantFrom(admin, op), fc.option(fc.string({ minLength: 1, maxLength: 50 }).filter((note) => note.trim().length > 0), { nil: undefined }), fc.boolean());
    await rejectsEverything(arbitrary, ([[from, to], who, note, withVersion]) => ({
      call: () => store.tasks.transition({ task_id: byStatus[from].task_id, to, actor: actorOf(who), note, ...(withVersion ? { expected_version: byStatus[from].version } : {}) }),
      code: 'INVALID_TRANSITION',
    }));
  });

  it('valid IDs of items that do not exist are NOT_FOUND (a cancelled transaction at most) and write nothing', async () => {
    const a = actorOf(admin);
    const id = (kind: IdKind) => ulidBody.map((body) => `${ID_PREFIXES[kind]}_${body}`).filter((x) => !Object.values(ids).includes(x));
    const arbitrary = fc.oneof(
      id('task').map((x) => () => store.tasks.transition({ task_id: x, to: 'done', actor: a })),
      id('task').map((x) => () => store.tasks.update({ task_id: x, changes: { title: 't' }, expected_version: 1, actor: a })),
      id('task').map((x) => () => store.files.register({ task_id: x, storage_bucket: 'b-1', storage_key: 'k', filename: 'f', content_type: 'text/plain', size_bytes: 1, sha256: 'a'.repeat(64), actor: a })),
      id('user').map((x) => () => store.tasks.create({ title: 't', assignee_id: x, actor: a })),
      id('bundle').map((x) => () => store.tasks.create({ title: 't', bundle_id: x, actor: a })),
      id('bundle').map((x) => () => store.bundles.getWithTasks(x)),
      id('bundle').map((x) => () => store.bundles.archive({ bundle_id: x, actor: a })),
      id('notification').map((x) => () => store.notifications.claim({ notification_id: x, worker_id: 'w' })),
      id('notification').map((x) => () => store.notifications.dismiss({ notification_id: x, actor: a })),
      id('user').map((x) => () => store.sessions.create({ user_id: x, ttl_seconds: 600 })),
      id('user').map((x) => () => store.tasks.listToday({ assignee_id: x })),
      id('user').map((x) => () => store.bundles.instantiateTemplate({ template: { template_id: 't', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0, assignee_id: x }] }, title: 'T', owner_id: ids.user, anchor_date: '2026-04-01', actor: a })),
    );
    await rejectsEverything(arbitrary, (call) => ({ call, code: 'NOT_FOUND', allowWrites: true }));
  });
});
