/**
 * One rule set, enforced at every door (issue #10): the entities' `validate` and the services'
 * input checks use the same rules of src/formats.ts, so a value is accepted or rejected the same
 * way on every path, with the caller's field and the rule named. Each case here is one of the
 * disagreements the old code had. Every rejection writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createExecutionStore, newId, type Actor, type ExecutionStore, type User } from '../../src/index.js';
import { TEXT_LIMITS } from '../../src/formats.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { expectCode, expectRejectedUnchanged, snapshotTable } from './helpers.js';

let table: TestTable;
let store: ExecutionStore;
let clock = new Date('2026-06-15T08:00:00.000Z');
let admin: User;
let actor: Actor;
const at = '2026-06-15T08:00:00.000Z';

const unchanged = (call: () => Promise<unknown>, code: Parameters<typeof expectRejectedUnchanged>[2] = 'VALIDATION') => expectRejectedUnchanged(table, call, code);

/** Asserts a VALIDATION error that names `field` (and `rule`, when given) and wrote nothing. */
async function rejects(call: () => Promise<unknown>, field: string, rule?: string): Promise<Error> {
  const error = (await unchanged(call)) as Error & { details: { field?: string; rule?: string } };
  expect(error.details.field, error.message).toBe(field);
  if (rule !== undefined) expect(error.details.rule, error.message).toBe(rule);
  return error;
}

/** Writes past the services (as an older version or a hand edit might have): sets stored attributes of one item. */
async function overwriteStored(key: Record<string, unknown>, values: Record<string, unknown>): Promise<void> {
  const documents = DynamoDBDocumentClient.from(table.client);
  const names = Object.keys(values);
  await documents.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: key,
      UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, values[name]])),
    }),
  );
}

const userKey = (user_id: string) => store.service.entities.user.get({ user_id }).params().Key as Record<string, unknown>;
const scheduleKey = (schedule_id: string) => store.service.entities.recurring_schedule.get({ schedule_id }).params().Key as Record<string, unknown>;

beforeAll(async () => {
  table = await createTestTable('rules1');
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
  admin = await store.users.create({ email: 'admin@one-rule.example.org', display_name: 'Admin', role: 'admin', timezone: 'UTC' });
  actor = { user_id: admin.user_id, role: admin.role };
});

afterAll(async () => {
  await table?.drop();
});

describe('entities and services accept and reject the same values', () => {
  const entities = () => store.service.entities;

  it('e-mail: the entity and the service share one pattern (a dot after the @, lower case, no NUL)', async () => {
    const base = { user_id: newId('user'), display_name: 'X', role: 'operator' as const, timezone: 'UTC', created_at: at, updated_at: at, version: 1 };
    // The old entity accepted an address without a dot in the domain; the service did not.
    for (const email of ['ada@localhost', 'a\u0000@example.org']) {
      await expect(entities().user.create({ ...base, email }).go(), email).rejects.toThrow(/e-mail address/);
      await rejects(() => store.users.create({ email, display_name: 'X', role: 'operator', timezone: 'UTC' }), 'email', 'email');
    }
    await expect(entities().user.create({ ...base, email: 'Ada@Example.org' }).go()).rejects.toThrow(/lower case/);
    // The service lower-cases; the entity stores only the lower-cased spelling.
    await expect(entities().user_email.create({ email: 'ada@localhost', user_id: base.user_id, created_at: at }).go()).rejects.toThrow();
    const ok = await store.users.create({ email: 'Ada@Example.org', display_name: 'Ada', role: 'operator', timezone: 'UTC' });
    expect(ok.email).toBe('ada@example.org');
  });

  it('kind, bucket, MIME type and SHA-256: the service names the rule of the one definition the entity uses', async () => {
    const task = await store.tasks.create({ title: 'Attach here', actor });
    const file = { task_id: task.task_id, storage_bucket: 'dataops-files', storage_key: 'k', filename: 'f.pdf', content_type: 'application/pdf', size_bytes: 1, sha256: 'ab'.repeat(32), actor };
    await rejects(() => store.files.register({ ...file, storage_bucket: 'Bad_Bucket' }), 'storage_bucket', 's3_bucket');
    await rejects(() => store.files.register({ ...file, content_type: 'pdf' }), 'content_type', 'content_type');
    await rejects(() => store.files.register({ ...file, sha256: 'AB'.repeat(32) }), 'sha256', 'sha256');
    await rejects(() => store.artifacts.create({ task_id: task.task_id, kind: 'Generated-Doc', uri: 'https://x.example.org', actor }), 'kind', 'kind');
    await rejects(() => store.notifications.create({ kind: 'Task Due', message: 'm', due_at: at }), 'kind', 'kind');
    const stored = { file_id: newId('file'), task_id: task.task_id, filename: 'f', storage_key: 'k', size_bytes: 1, uploaded_by: admin.user_id, created_at: at, updated_at: at };
    await expect(entities().file.create({ ...stored, storage_bucket: 'Bad_Bucket', content_type: 'application/pdf', sha256: 'ab'.repeat(32) }).go()).rejects.toThrow(/S3 bucket/);
    await expect(entities().file.create({ ...stored, storage_bucket: 'b-1', content_type: 'pdf', sha256: 'ab'.repeat(32) }).go()).rejects.toThrow(/MIME/);
    await expect(entities().artifact.create({ artifact_id: newId('artifact'), task_id: task.task_id, kind: 'Generated-Doc', uri: 'u', created_by: admin.user_id, created_at: at, updated_at: at }).go()).rejects.toThrow(/snake_case/);
  });

  it('tags: the list and tag limits come from LIST_LIMITS and TEXT_LIMITS, the bad tag is named', async () => {
    await rejects(() => store.tasks.create({ title: 't', tags: Array.from({ length: 51 }, (_, i) => `t${i}`), actor }), 'tags', 'tags');
    await rejects(() => store.tasks.create({ title: 't', tags: ['ok', 'x'.repeat(TEXT_LIMITS.tag + 1)], actor }), 'tags[1]', 'text.tag');
    await rejects(() => store.bundles.create({ title: 'b', owner_id: admin.user_id, tags: ['  '], actor }), 'tags[0]', 'text.tag');
  });

  it('claimed_by: the entity holds it to the worker-ID rule the service checks (it used to allow any 128 characters)', async () => {
    const notification = { notification_id: newId('notification'), kind: 'task_due', message: 'm', due_at: at, status: 'claimed' as const, created_at: at, updated_at: at, version: 2 };
    await expect(store.service.entities.notification.create({ ...notification, claimed_by: 'worker one' }).go()).rejects.toThrow(/worker ID/);
    await expect(store.service.entities.notification.create({ ...notification, claimed_by: 'w#1' }).go()).rejects.toThrow(/worker ID/);
    const n = await store.notifications.create({ kind: 'task_due', message: 'm', due_at: at });
    await rejects(() => store.notifications.claim({ notification_id: n.notification_id, worker_id: 'worker one' }), 'worker_id', 'worker_id');
    expect(await store.notifications.claim({ notification_id: n.notification_id, worker_id: 'fn:req-1' })).toBe(true);
  });

  it('blank text is rejected by the entity as it is by the service', async () => {
    const base = { task_id: newId('task'), created_by: admin.user_id, created_at: at, updated_at: at, version: 1 };
    for (const title of [' ', '\n\t ']) {
      await expect(entities().task.create({ ...base, title }).go()).rejects.toThrow(/non-blank/);
      await rejects(() => store.tasks.create({ title, actor }), 'title', 'text.title');
    }
  });

  it('text with NUL or a lone UTF-16 surrogate is VALIDATION at the service, naming the field', async () => {
    await rejects(() => store.tasks.create({ title: 'before\u0000after', actor }), 'title', 'text.title');
    await rejects(() => store.tasks.create({ title: 'ok', description: 'half an emoji \uD83D', actor }), 'description', 'text.description');
    await rejects(() => store.bundles.create({ title: 'b', owner_id: admin.user_id, links: [{ name: 'Page', url: 'https://x.example.org/\uDC00' }], actor }), 'links[0].url', 'text.url');
    await rejects(() => store.users.create({ email: 'nul@example.org', display_name: 'N\u0000', role: 'viewer', timezone: 'UTC' }), 'display_name', 'text.short');
    const task = await store.tasks.create({ title: 'Comment on me', actor });
    await rejects(() => store.tasks.update({ task_id: task.task_id, changes: { comment: '\uD800' }, expected_version: 1, actor }), 'comment', 'text.comment');
    await rejects(() => store.tasks.transition({ task_id: task.task_id, to: 'waiting', note: 'a\u0000', actor }), 'note', 'text.note');
  });

  it('dates stay within 0001-01-01 … 9999-12-31, at the entity and the service', async () => {
    await rejects(() => store.tasks.create({ title: 't', due_date: '0000-12-31', actor }), 'due_date', 'calendar_date');
    await rejects(() => store.tasks.create({ title: 't', due_date: '+10000-01-01', actor }), 'due_date', 'calendar_date');
    await expect(entities().task.create({ task_id: newId('task'), title: 't', due_date: '0000-12-31', created_by: admin.user_id, created_at: at, updated_at: at, version: 1 }).go()).rejects.toThrow();
    expect((await store.tasks.create({ title: 'Last day', due_date: '9999-12-31', actor })).due_date).toBe('9999-12-31');
    expect((await store.tasks.create({ title: 'First day', due_date: '0001-01-01', actor })).due_date).toBe('0001-01-01');
  });
});

describe('time zones: validated and canonicalised the same way on every path', () => {
  it('the entity stores only a canonical IANA zone (users.timezone, recurring_schedules.time_zone); the service canonicalises', async () => {
    const user = { user_id: newId('user'), email: 'tz@example.org', display_name: 'TZ', role: 'operator' as const, created_at: at, updated_at: at, version: 1 };
    for (const timezone of ['Mars/Olympus', 'europe/berlin', 'Europe/Berlin ', '']) {
      await expect(store.service.entities.user.create({ ...user, timezone }).go(), timezone).rejects.toThrow();
    }
    const schedule = { schedule_id: newId('recurring_schedule'), title: 's', cron: '0 9 * * *', next_run_at: at, created_by: admin.user_id, created_at: at, updated_at: at, version: 1 };
    await expect(store.service.entities.recurring_schedule.create({ ...schedule, time_zone: 'Mars/Olympus' }).go()).rejects.toThrow(/IANA/);
    await expect(store.service.entities.recurring_schedule.create({ ...schedule, time_zone: 'asia/tokyo' }).go()).rejects.toThrow(/canonical/);
    const created = await store.schedules.create({ title: 'Tokyo', cron: '0 9 * * *', time_zone: 'asia/TOKYO', actor });
    expect(created.time_zone).toBe('Asia/Tokyo');
    await rejects(() => store.schedules.create({ title: 'Mars', cron: '0 9 * * *', time_zone: 'Mars/Olympus', actor }), 'time_zone', 'time_zone');
    await rejects(() => store.users.create({ email: 'mars@example.org', display_name: 'M', role: 'viewer', timezone: 'Mars/Olympus' }), 'timezone', 'time_zone');
  });

  it('listToday with a stored zone that is not a zone is a typed VALIDATION error saying what to do, not a RangeError; a non-canonical one still works', async () => {
    const user = await store.users.create({ email: 'stored-zone@example.org', display_name: 'Stored', role: 'operator', timezone: 'Europe/Berlin' });
    await store.tasks.create({ title: 'Due today in Berlin', assignee_id: user.user_id, due_date: '2026-06-15', actor });
    await overwriteStored(userKey(user.user_id), { timezone: 'Mars/Olympus' });
    const error = await expectCode(store.tasks.listToday({ assignee_id: user.user_id }), 'VALIDATION');
    expect(error.message).toMatch(/time zone/);
    expect(error.message).toMatch(/pass time_zone/);
    expect((await store.tasks.listToday({ assignee_id: user.user_id, time_zone: 'Europe/Berlin' })).items).toHaveLength(1);
    await overwriteStored(userKey(user.user_id), { timezone: 'europe/berlin' });
    const today = await store.tasks.listToday({ assignee_id: user.user_id });
    expect([today.today, today.items.length]).toEqual(['2026-06-15', 1]);
  });

  it('materializeDue reports a schedule with an invalid stored zone as failed with the reason, and heals a non-canonical one', async () => {
    clock = new Date('2026-06-15T08:00:00.000Z');
    const broken = await store.schedules.create({ title: 'Broken zone', cron: '0 9 * * *', time_zone: 'UTC', actor });
    const lower = await store.schedules.create({ title: 'Lower-case zone', cron: '0 9 * * *', time_zone: 'Europe/Berlin', actor });
    await overwriteStored(scheduleKey(broken.schedule_id), { time_zone: 'Mars/Olympus' });
    await overwriteStored(scheduleKey(lower.schedule_id), { time_zone: 'europe/berlin' });
    clock = new Date('2026-06-16T10:00:00.000Z');
    const run = await store.schedules.materializeDue();
    const failure = run.failed.find((f) => f.schedule_id === broken.schedule_id)!;
    expect(failure).toBeDefined();
    expect(failure.code).toBe('VALIDATION');
    expect(failure.message).toMatch(/time_zone/);
    expect(failure.message).toContain(broken.schedule_id);
    expect(run.created.map((task) => task.recurring_schedule_id)).toContain(lower.schedule_id);
    expect((await store.schedules.get(lower.schedule_id))!.time_zone).toBe('Europe/Berlin');
    clock = new Date('2026-06-15T08:00:00.000Z');
  });
});

describe('calendar edges: a date computed past 9999-12-31 is VALIDATION naming the input that asked for it', () => {
  it('tasks.listUpcoming from 9999-12-31 for 2 days names days (it surfaced DynamoDB’s ValidationException)', async () => {
    const error = await rejects(() => store.tasks.listUpcoming({ assignee_id: admin.user_id, from: '9999-12-31', days: 2 }), 'days', 'calendar_date');
    expect(error.message).toMatch(/9999-12-31/);
    expect((await store.tasks.listUpcoming({ assignee_id: admin.user_id, from: '9999-12-31', days: 1 })).items).toEqual([]);
  });

  it('instantiateTemplate with anchor 9999-12-31 and offset +1 names template.tasks[i].offset_days (it said "Invalid value provided" on due_date)', async () => {
    const template = { template_id: 'templates/edge.yaml', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0 }, { ref: 'b', title: 'B', offset_days: 1 }] };
    await rejects(() => store.bundles.instantiateTemplate({ template, title: 'Edge', owner_id: admin.user_id, anchor_date: '9999-12-31', actor }), 'template.tasks[1].offset_days', 'calendar_date');
    const early = { ...template, tasks: [{ ref: 'a', title: 'A', offset_days: -1 }] };
    await rejects(() => store.bundles.instantiateTemplate({ template: early, title: 'Edge', owner_id: admin.user_id, anchor_date: '0001-01-01', actor }), 'template.tasks[0].offset_days', 'calendar_date');
  });
});

describe('unknown fields are rejected at every depth of every input', () => {
  const template = (task: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    template: { template_id: 't.yaml', template_version: 'abcdef1', tasks: [{ ref: 'a', title: 'A', offset_days: 0, ...task }], ...extra },
    title: 'T',
    owner_id: admin.user_id,
    anchor_date: '2026-07-01',
    actor,
  });

  it('inside links[] items', async () => {
    await rejects(() => store.bundles.create({ title: 'b', owner_id: admin.user_id, links: [{ name: 'Page', url: 'https://x.example.org', href: 'x' }] as never, actor }), 'links[0].href');
  });

  it('at the template level and inside template tasks of instantiateTemplate', async () => {
    await rejects(() => store.bundles.instantiateTemplate(template({}, { colour: 'not a field' }) as never), 'template.colour');
    await rejects(() => store.bundles.instantiateTemplate(template({ due: '2026-07-01' }) as never), 'template.tasks[0].due');
  });

  it('in claim and markSent input', async () => {
    const n = await store.notifications.create({ kind: 'task_due', message: 'm', due_at: at });
    await rejects(() => store.notifications.claim({ notification_id: n.notification_id, worker_id: 'w', lease_seconds: 30 } as never), 'lease_seconds');
    expect(await store.notifications.claim({ notification_id: n.notification_id, worker_id: 'w' })).toBe(true);
    await rejects(() => store.notifications.markSent({ notification_id: n.notification_id, worker_id: 'w', channel: 'email' } as never), 'channel');
  });

  it('in the page options of every list call', async () => {
    await rejects(() => store.notifications.listDue({ limt: 5 } as never), 'limt');
    await rejects(() => store.bundles.listActive({ limit: 5, page: 2 } as never), 'page');
    await rejects(() => store.tasks.listByBundle({ bundle_id: newId('bundle'), limit: 5, offset: 5 } as never), 'offset');
  });

  it('inside the actor', async () => {
    await rejects(() => store.tasks.create({ title: 't', actor: { ...actor, display_name: 'Admin' } as never }), 'actor.display_name');
  });

  it('the message names the call and what is allowed there', async () => {
    const error = await rejects(() => store.bundles.create({ title: 'b', owner_id: admin.user_id, links: [{ name: 'n', url: 'u', title: 'x' }] as never, actor }), 'links[0].title');
    expect(error.message).toMatch(/^bundles\.create: unknown field links\[0\]\.title; allowed in links\[0\]: name, url$/);
  });
});

describe('the same optional time_zone on every date-relative list call', () => {
  // 22:30 UTC on the 14th is already the 15th in Tokyo (UTC+9).
  const instant = new Date('2026-06-14T22:30:00.000Z');
  let tokyo: User;

  beforeAll(async () => {
    clock = instant;
    tokyo = await store.users.create({ email: 'tokyo@example.org', display_name: 'Tokyo', role: 'operator', timezone: 'Asia/Tokyo' });
    for (const due_date of ['2026-06-13', '2026-06-14', '2026-06-15', '2026-06-16', '2026-06-21', '2026-06-22']) {
      await store.tasks.create({ title: `Due ${due_date}`, assignee_id: tokyo.user_id, due_date, actor });
    }
  });

  afterAll(() => {
    clock = new Date('2026-06-15T08:00:00.000Z');
  });

  const dues = (page: { items: { due_date?: string }[] }) => page.items.map((task) => task.due_date);

  it('listOverdue: the operator’s own zone by default, UTC team-wide, time_zone when given, and today wins over both', async () => {
    clock = instant;
    const own = await store.tasks.listOverdue({ assignee_id: tokyo.user_id });
    expect([own.today, dues(own)]).toEqual(['2026-06-15', ['2026-06-13', '2026-06-14']]);
    const utc = await store.tasks.listOverdue({ assignee_id: tokyo.user_id, time_zone: 'UTC' });
    expect([utc.today, dues(utc)]).toEqual(['2026-06-14', ['2026-06-13']]);
    const team = await store.tasks.listOverdue({});
    expect(team.today).toBe('2026-06-14');
    expect(dues(team)).not.toContain('2026-06-14');
    const teamTokyo = await store.tasks.listOverdue({ time_zone: 'Asia/Tokyo' });
    expect(teamTokyo.today).toBe('2026-06-15');
    expect(dues(teamTokyo)).toContain('2026-06-14');
    const explicit = await store.tasks.listOverdue({ assignee_id: tokyo.user_id, time_zone: 'UTC', today: '2026-06-16' });
    expect([explicit.today, dues(explicit)]).toEqual(['2026-06-16', ['2026-06-13', '2026-06-14', '2026-06-15']]);
    await rejects(() => store.tasks.listOverdue({ time_zone: 'Mars/Olympus' }), 'time_zone', 'time_zone');
  });

  it('listUpcoming: from = today in the zone (the operator’s own by default), days = 7 by default; an explicit from wins', async () => {
    clock = instant;
    const own = await store.tasks.listUpcoming({ assignee_id: tokyo.user_id });
    expect([own.from, own.to, dues(own)]).toEqual(['2026-06-15', '2026-06-21', ['2026-06-15', '2026-06-16', '2026-06-21']]);
    const utc = await store.tasks.listUpcoming({ assignee_id: tokyo.user_id, time_zone: 'UTC', days: 2 });
    expect([utc.from, utc.to, dues(utc)]).toEqual(['2026-06-14', '2026-06-15', ['2026-06-14', '2026-06-15']]);
    const explicit = await store.tasks.listUpcoming({ assignee_id: tokyo.user_id, time_zone: 'UTC', from: '2026-06-22', days: 1 });
    expect([explicit.from, dues(explicit)]).toEqual(['2026-06-22', ['2026-06-22']]);
  });

  it('listToday: the operator’s own zone by default, time_zone when given', async () => {
    clock = instant;
    expect(dues(await store.tasks.listToday({ assignee_id: tokyo.user_id }))).toEqual(['2026-06-15']);
    expect(dues(await store.tasks.listToday({ assignee_id: tokyo.user_id, time_zone: 'UTC' }))).toEqual(['2026-06-14']);
  });

  it('a list call writes nothing', async () => {
    const before = await snapshotTable(table.endpoint, table.tableName);
    await store.tasks.listOverdue({ assignee_id: tokyo.user_id });
    await store.tasks.listUpcoming({ assignee_id: tokyo.user_id });
    expect((await snapshotTable(table.endpoint, table.tableName)).text === before.text).toBe(true);
  });
});
