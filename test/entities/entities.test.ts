/**
 * The entity model's storage assumptions, checked against DynamoDB Local: what is stored is
 * the snake_case vocabulary, IDs and timestamps have the promised shapes, invalid values never
 * reach the table, and every entity answers at least one query besides get-by-id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Entity } from 'electrodb';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createEntities, createExecutionService, ENTITY_NAMES, schemas, type ExecutionService } from '../../src/entities/index.js';
import { ID_PATTERNS, ID_PREFIXES, newId, sha256Hex } from '../../src/ids.js';
import { KEY_ATTRIBUTES } from '../../src/table-layout.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';

let table: TestTable;
let service: ExecutionService;
const at = '2026-11-29T09:30:00.000Z';

async function rawItems(): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await localClient(table.endpoint).send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }));
  return Items.map((item) => unmarshall(item));
}

beforeAll(async () => {
  table = await createTestTable('entities');
  service = createExecutionService(table.client, table.tableName);
});

afterAll(async () => {
  await table?.drop();
});

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const ELECTRODB_INTERNAL = new Set(['__edb_e__', '__edb_v__']);

describe('schema vocabulary', () => {
  it('names every attribute of every entity in snake_case', () => {
    for (const name of ENTITY_NAMES) {
      expect(name).toMatch(SNAKE_CASE);
      for (const attribute of Object.keys(schemas[name].attributes)) expect(`${name}.${attribute}`).toMatch(/^[a-z_]+\.[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    }
  });

  it('gives every entity except the e-mail claim and sessions a type-prefixed ULID as its own ID', () => {
    expect(Object.keys(ID_PREFIXES).sort()).toEqual(
      ENTITY_NAMES.filter((name) => name !== 'user_email' && name !== 'session').sort(),
    );
    const id = newId('task');
    expect(id).toMatch(ID_PATTERNS.task);
    expect(id).not.toMatch(ID_PATTERNS.user);
    expect(`tsk_${id.slice(4).toLowerCase()}`).not.toMatch(ID_PATTERNS.task);
  });

  it('makes IDs that sort in creation order, even within one millisecond', () => {
    const now = new Date(at);
    const ids = Array.from({ length: 200 }, () => newId('task_transition', now));
    expect([...ids].sort()).toEqual(ids);
  });

  it('uses ISO-8601 UTC timestamps that sort as strings in time order', () => {
    const instants = [0, 1, 999, 1000, 59_999, 3_600_000, 86_400_000 * 400].map((ms) => new Date(Date.parse(at) + ms).toISOString());
    expect([...instants].sort()).toEqual(instants);
    for (const value of instants) expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe('model validation', () => {
  it('builds every entity with ElectroDB\'s own model validation, each on first use', () => {
    const entities = createEntities();
    for (const name of ENTITY_NAMES) expect(entities[name]).toBeInstanceOf(Entity);
    const service = createExecutionService(table.client, table.tableName);
    expect(Object.keys(service.entities).sort()).toEqual([...ENTITY_NAMES].sort());
    expect(Object.keys(service.collections).sort()).toEqual(['bundle_detail', 'task_detail']);
    expect(() => new Entity({ model: { entity: 'broken', version: '1', service: 'x' }, attributes: { id: { type: 'not-a-type' } }, indexes: {} } as never)).toThrow();
  });
});

describe('stored items', () => {
  it('stores exactly the snake_case attribute names plus key and ElectroDB bookkeeping attributes', async () => {
    const user_id = newId('user');
    const task_id = newId('task');
    await service.entities.user.create({ user_id, email: 'grace@example.org', display_name: 'Grace', role: 'operator', timezone: 'Pacific/Auckland', created_at: at, updated_at: at, version: 1 }).go();
    await service.entities.task
      .create({ task_id, title: 'Print badges', assignee_id: user_id, due_date: '2026-12-01', created_by: user_id, created_at: at, updated_at: at, version: 1 })
      .go();
    const { Item } = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: `$dataops#task_id_${task_id.toLowerCase()}` }, sk: { S: '$task_1' } } }));
    expect(Item).toBeDefined();
    const stored = unmarshall(Item!);
    const hidden = new Set(['open_assignee_id', 'open_due_date', 'team_open_due_date', 'assigned_status']);
    for (const name of Object.keys(stored)) {
      if (KEY_ATTRIBUTES.includes(name) || ELECTRODB_INTERNAL.has(name)) continue;
      expect(name).toMatch(SNAKE_CASE);
      expect(Object.keys(schemas.task.attributes)).toContain(name);
    }
    expect(stored).toMatchObject({ task_id, title: 'Print badges', status: 'todo', source: 'manual', requires_file: false, tags: [], due_date: '2026-12-01' });
    // Index-only attributes are stored for the sparse indexes but never returned.
    const { data } = await service.entities.task.get({ task_id }).go();
    for (const name of hidden) expect(data).not.toHaveProperty(name);
  });

  it('rejects invalid IDs, enum values, dates and oversized text before anything is written', async () => {
    const before = await rawItems();
    const user_id = newId('user');
    const base = { task_id: newId('task'), title: 'x', created_by: user_id, created_at: at, updated_at: at, version: 1 };
    const invalid: Record<string, unknown>[] = [
      { ...base, task_id: 'tsk_123' },
      { ...base, task_id: `${newId('task')}#gsi1pk` },
      { ...base, task_id: newId('bundle') },
      { ...base, assignee_id: newId('task') },
      { ...base, status: 'finished' },
      { ...base, source: 'fax' },
      { ...base, due_date: '2026-02-30' },
      { ...base, due_date: '29.11.2026' },
      { ...base, created_at: '2026-11-29 09:30' },
      { ...base, title: 'x'.repeat(201) },
      { ...base, title: '' },
      { ...base, version: 0 },
      { ...base, tags: ['ok', 'y'.repeat(65)] },
    ];
    for (const item of invalid) {
      await expect(service.entities.task.create(item as never).go(), JSON.stringify(item).slice(0, 120)).rejects.toThrow();
    }
    await expect(
      service.entities.user.create({ user_id, email: 'Not-Lower@Example.org', display_name: 'X', role: 'operator', timezone: 'UTC', created_at: at, updated_at: at, version: 1 }).go(),
    ).rejects.toThrow();
    await expect(
      service.entities.user.create({ user_id, email: 'x@example.org', display_name: 'X', role: 'owner' as never, timezone: 'UTC', created_at: at, updated_at: at, version: 1 }).go(),
    ).rejects.toThrow();
    expect(await rawItems()).toEqual(before);
  });
});

describe('one query path per entity besides get-by-id', () => {
  it('answers each entity by its relationship or state index', async () => {
    const now = new Date(at);
    const user_id = newId('user', now);
    const bundle_id = newId('bundle', now);
    const task_id = newId('task', now);
    const template_instance_id = newId('template_instance', now);
    const e = service.entities;
    await e.user.create({ user_id, email: 'linus@example.org', display_name: 'Linus', role: 'admin', timezone: 'America/Los_Angeles', created_at: at, updated_at: at, version: 1 }).go();
    await e.user_email.create({ email: 'linus@example.org', user_id, created_at: at }).go();
    await e.bundle.create({ bundle_id, title: 'Hackathon', owner_id: user_id, stage: 'announced', template_instance_id, created_by: user_id, created_at: at, updated_at: at, version: 1 }).go();
    await e.template_instance
      .create({ template_instance_id, template_id: 'templates/hackathon.yaml', template_version: 'a1b2c3d', bundle_id, anchor_date: '2026-12-10', instantiated_by: user_id, instantiated_at: at, task_refs: ['venue'] })
      .go();
    await e.task.create({ task_id, title: 'Venue', status: 'in_progress', assignee_id: user_id, bundle_id, due_date: '2026-11-28', created_by: user_id, created_at: at, updated_at: at, version: 1 }).go();
    await e.task_transition.create({ transition_id: newId('task_transition', now), task_id, from_status: 'todo', to_status: 'in_progress', actor_id: user_id, at }).go();
    const schedule_id = newId('recurring_schedule', now);
    await e.recurring_schedule.create({ schedule_id, title: 'Weekly report', cron: '0 9 * * 1', time_zone: 'Europe/Berlin', next_run_at: '2026-11-30T08:00:00.000Z', created_by: user_id, created_at: at, updated_at: at, version: 1 }).go();
    const file_id = newId('file', now);
    await e.file
      .create({ file_id, task_id, bundle_id, storage_bucket: 'dataops-files', storage_key: 'k/venue.pdf', filename: 'venue.pdf', content_type: 'application/pdf', size_bytes: 10, sha256: sha256Hex('x'), uploaded_by: user_id, created_at: at, updated_at: at })
      .go();
    const notification_id = newId('notification', now);
    await e.notification.create({ notification_id, recipient_id: user_id, task_id, kind: 'task_due', message: 'Venue due', due_at: at, created_at: at, updated_at: at, version: 1 }).go();
    const session_id = sha256Hex('token');
    await e.session.create({ session_id, user_id, created_at: at, last_seen_at: at, expires_at: 1_900_000_000 }).go();
    const artifact_id = newId('artifact', now);
    await e.artifact.create({ artifact_id, task_id, kind: 'published_page', uri: 'https://example.org/hack', created_by: user_id, created_at: at, updated_at: at }).go();
    const job_id = newId('assistant_job', now);
    await e.assistant_job.create({ job_id, kind: 'summarize', task_id, created_by: user_id, created_at: at, updated_at: at, version: 1 }).go();
    const event_id = newId('audit_event', now);
    await e.audit_event.create({ event_id, entity_type: 'task', entity_id: task_id, actor_id: user_id, action: 'task.transition', at, changes: { status: { from: 'todo', to: 'in_progress' } } }).go();

    const ids = (rows: { [k: string]: unknown }[], key: string) => rows.map((row) => row[key]);
    expect(ids((await e.user.query.byEmail({ email: 'linus@example.org' }).go()).data, 'user_id')).toEqual([user_id]);
    expect((await e.user_email.get({ email: 'linus@example.org' }).go()).data?.user_id).toBe(user_id);
    expect(ids((await e.bundle.query.byStatusStage({ status: 'active', stage: 'announced' }).go()).data, 'bundle_id')).toEqual([bundle_id]);
    expect(ids((await e.template_instance.query.byBundle({ bundle_id }).go()).data, 'template_instance_id')).toEqual([template_instance_id]);
    expect(ids((await e.task.query.openByDue({}).lt({ team_open_due_date: '2026-11-29' }).go()).data, 'task_id')).toEqual([task_id]);
    expect(ids((await e.task_transition.query.byTask({ task_id }).go()).data, 'to_status')).toEqual(['in_progress']);
    expect(ids((await e.recurring_schedule.query.enabledByNextRun({}).lt({ next_run_at: '2026-12-01T00:00:00.000Z' }).go()).data, 'schedule_id')).toEqual([schedule_id]);
    expect(ids((await e.file.query.byTask({ task_id }).go()).data, 'file_id')).toEqual([file_id]);
    expect(ids((await e.notification.query.pendingByDue({}).go()).data, 'notification_id')).toEqual([notification_id]);
    expect(ids((await e.session.query.byUser({ user_id }).go()).data, 'session_id')).toEqual([session_id]);
    expect(ids((await e.artifact.query.byTask({ task_id }).go()).data, 'artifact_id')).toEqual([artifact_id]);
    expect(ids((await e.assistant_job.query.byStatus({ status: 'queued' }).go()).data, 'job_id')).toEqual([job_id]);
    expect(ids((await e.audit_event.query.byEntity({ entity_id: task_id }).go()).data, 'event_id')).toEqual([event_id]);

    // The two collections: one query returns a task or a bundle with everything attached to it.
    const taskDetail = (await service.collections.task_detail({ task_id }).go()).data;
    expect(taskDetail.task).toHaveLength(1);
    expect(taskDetail.task_transition).toHaveLength(1);
    expect(taskDetail.file).toHaveLength(1);
    expect(taskDetail.notification).toHaveLength(1);
    expect(taskDetail.artifact).toHaveLength(1);
    expect(taskDetail.assistant_job).toHaveLength(1);
    const bundleDetail = (await service.collections.bundle_detail({ bundle_id }).go()).data;
    expect(bundleDetail.bundle).toHaveLength(1);
    expect(bundleDetail.task).toHaveLength(1);
    expect(bundleDetail.file).toHaveLength(1);
    expect(bundleDetail.template_instance).toHaveLength(1);
  });
});
