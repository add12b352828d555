/**
 * Template task refs the template format does not accept (spaces, capitals, nothing but
 * punctuation, two that slugify alike): the migration writes a valid ref instead, the same one in
 * the template file, the bundle's template instance and the tasks, says so in the report, and
 * writes nothing on a second run. Real Git repository, DynamoDB Local, both source routes.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportExecutionData } from '../../src/export/index.js';
import { TEMPLATE_REF } from '../../src/formats.js';
import { migrateDataopsExport, migratePrototypeTables, type MigrateOptions, type MigrationReport } from '../../src/migrate/index.js';
import { templateTaskRefs } from '../../src/migrate/templates.js';
import { createExecutionStore } from '../../src/store.js';
import { validateTemplatePaths } from '../../src/templates/index.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';
import { createPrototypeTables, gitLog, makeTemplatesRepo, writeDataopsExport } from './support/sources.js';
import type { PrototypeTableName } from './support/prototype-fixture.js';

type Item = Record<string, unknown>;
const key = (type: string, id: string) => ({ PK: `${type}#${id}`, SK: `${type}#${id}` });

const USER_ID = '00000000-0000-0000-0000-0000000000a1';
const TEMPLATE_ID = '3e1f0c2a-9b8d-4c7e-8f6a-5d4c3b2a1f0e';
const BUNDLE_ID = '4f2a1d3b-0c9e-4d8f-9a7b-6e5d4c3b2a1f';
const ACTOR = 'alexey@datatalks.club';
const NOW = () => new Date('2026-03-20T12:00:00.000Z');

/** The template's refIds with their definitions' titles, in template order. */
const DEFINITIONS = [
  { refId: 'Announce Event', description: 'Announce the event', offsetDays: -14 },
  { refId: 'announce_event', description: 'Announce it on Slack', offsetDays: -13 }, // valid as it is
  { refId: 'ANNOUNCE-EVENT', description: 'Announce it on LinkedIn', offsetDays: -12 }, // slugifies like the first
  { refId: '!!!', description: 'Celebrate', offsetDays: 1 }, // nothing left after slugifying
  { refId: 'announce-event-2', description: 'Announce it again', offsetDays: -2 }, // valid, and holds the first free suffix
];
/** What the file, the instance and the tasks must hold instead. */
const EXPECTED_REFS = ['announce-event', 'announce_event', 'announce-event-3', 'task-4', 'announce-event-2'];
const TASK_IDS = ['5a3b2e4c-1d0f-4e9a-8b8c-7f6e5d4c3b2a', '6b4c3f5d-2e1a-4f0b-9c9d-8a7f6e5d4c3b', '7c5d4a6e-3f2b-4a1c-8d0e-9b8a7f6e5d4c', '8d6e5b7f-4a3c-4b2d-9e1f-0c9b8a7f6e5d', '9e7f6c8a-5b4d-4c3e-8f2a-1d0c9b8a7f6e'];

function items(): Record<PrototypeTableName, Item[]> {
  return {
    Users: [{ ...key('USER', USER_ID), id: USER_ID, createdAt: '2026-01-05T08:00:00.000Z', name: 'Alexey', email: ACTOR }],
    Templates: [
      { ...key('TEMPLATE', TEMPLATE_ID), id: TEMPLATE_ID, createdAt: '2026-01-06T09:00:00.000Z', updatedAt: '2026-01-06T09:00:00.000Z', name: 'Community event', triggerType: 'manual', taskDefinitions: DEFINITIONS },
    ],
    Projects: [
      { ...key('BUNDLE', BUNDLE_ID), id: BUNDLE_ID, createdAt: '2026-03-01T09:00:00.000Z', updatedAt: '2026-03-01T09:00:00.000Z', title: 'Spring meetup', anchorDate: '2026-04-01', templateId: TEMPLATE_ID, stage: 'preparation', status: 'active' },
    ],
    // src/db/templates.ts instantiateTemplate: each task holds its definition's refId as templateTaskRef.
    Tasks: DEFINITIONS.map((definition, i) => ({
      ...key('TASK', TASK_IDS[i]!),
      id: TASK_IDS[i]!,
      createdAt: `2026-03-01T09:00:00.${String(i + 1).padStart(3, '0')}Z`,
      updatedAt: `2026-03-01T09:00:00.${String(i + 1).padStart(3, '0')}Z`,
      description: definition.description,
      date: '2026-03-18',
      status: 'todo',
      source: 'template',
      bundleId: BUNDLE_ID,
      templateTaskRef: definition.refId,
    })),
    Files: [],
    Notifications: [],
    Sessions: [],
  };
}

const cleanup: (() => Promise<unknown>)[] = [];
let source: Awaited<ReturnType<typeof createPrototypeTables>>;
let templatesRepo: string;
let target: TestTable;
let first: MigrationReport;

const options = (table: TestTable): MigrateOptions => ({ client: table.client, tableName: table.tableName, actor: ACTOR, templatesRepo, now: NOW });
const fromTables = (table: TestTable) => migratePrototypeTables({ ...options(table), source: { client: localClient(), tables: source.names } });
const idOf = (report: MigrationReport, collection: string, sourceId: string, entity?: string) =>
  report.id_map.find((m) => m.collection === collection && m.source_id === sourceId && (entity === undefined || m.entity === entity))?.target_id;
const renames = (report: MigrationReport) => report.warnings.filter((w) => w.code === 'REF_RENAMED').map((w) => ({ source_id: w.source_id, ref: w.ref }));

async function table(label: string): Promise<TestTable> {
  const created = await createTestTable(label);
  cleanup.push(() => created.drop());
  return created;
}

/** The table's rows as the portable export writes them (it validates them too): entity file -> lines. */
async function exported(t: TestTable): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'migrated-refs-export-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const result = await exportExecutionData({ client: t.client, tableName: t.tableName, outDir: join(dir, 'x'), now: NOW });
  expect(result.validation?.ok, JSON.stringify(result.validation?.findings.slice(0, 5))).toBe(true);
  const files: Record<string, string> = {};
  for (const name of (await readdir(join(dir, 'x'))).filter((file) => file.endsWith('.jsonl'))) files[name] = await readFile(join(dir, 'x', name), 'utf8');
  return files;
}

beforeAll(async () => {
  source = await createPrototypeTables(localClient(), items());
  cleanup.push(() => source.drop());
  templatesRepo = makeTemplatesRepo();
  cleanup.push(() => rm(templatesRepo, { recursive: true, force: true }));
  target = await table('mig-refs');
  first = await fromTables(target);
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('template task refs the template format does not accept', () => {
  it('are written as valid refs: the migrated template file passes the template validator', async () => {
    const [template] = first.templates;
    expect(template).toMatchObject({ source_id: TEMPLATE_ID, status: 'committed', path: 'templates/community-event.yaml' });
    const validation = validateTemplatePaths([join(templatesRepo, 'templates')]);
    expect(validation.findings).toEqual([]);
    expect(validation.files).toEqual([expect.objectContaining({ ok: true })]);
    const doc = parse(await readFile(join(templatesRepo, template!.path), 'utf8')) as { tasks: { ref: string; title: string }[] };
    expect(doc.tasks.map((task) => [task.ref, task.title])).toEqual(EXPECTED_REFS.map((ref, i) => [ref, DEFINITIONS[i]!.description]));
  });

  it("gives the bundle's template instance and its tasks the refs of the file", async () => {
    const store = createExecutionStore({ client: target.client, tableName: target.tableName, now: NOW });
    const detail = await store.bundles.getWithTasks(idOf(first, 'bundles', BUNDLE_ID)!);
    expect(detail.template_instance).toMatchObject({ template_id: first.templates[0]!.path, template_version: first.templates[0]!.commit, task_refs: EXPECTED_REFS });
    for (const [i, taskId] of TASK_IDS.entries()) {
      const task = detail.tasks.find((candidate) => candidate.task_id === idOf(first, 'tasks', taskId));
      expect(task, taskId).toMatchObject({ template_task_ref: EXPECTED_REFS[i], template_instance_id: detail.bundle.template_instance_id });
    }
  });

  it('reports each rename with the prototype refId and the new ref, and leaves valid refs alone', () => {
    expect(renames(first)).toEqual([
      { source_id: TEMPLATE_ID, ref: { from: 'Announce Event', to: 'announce-event' } },
      { source_id: TEMPLATE_ID, ref: { from: 'ANNOUNCE-EVENT', to: 'announce-event-3' } },
      { source_id: TEMPLATE_ID, ref: { from: '!!!', to: 'task-4' } },
    ]);
    const messages = first.warnings.filter((w) => w.code === 'REF_RENAMED').map((w) => w.message);
    expect(messages[0]).toMatch(/taskDefinitions\[0\]: refId "Announce Event" is not a valid task ref .*: written as "announce-event"/);
  });

  it('writes nothing and commits nothing on a second run, and reports the same renames', async () => {
    const before = gitLog(templatesRepo);
    const rows = await exported(target);
    const again = await fromTables(target);
    expect(again.items_written).toBe(0);
    for (const c of again.counts) expect(c.written, c.collection).toBe(0);
    expect(again.warnings.filter((w) => w.code === 'TARGET_DIFFERS')).toEqual([]);
    expect(again.templates.map((t) => t.status)).toEqual(['unchanged']);
    expect(gitLog(templatesRepo)).toEqual(before);
    expect(await exported(target)).toEqual(rows);
    expect(renames(again)).toEqual(renames(first));
  });

  it('gives the same table from a DataOps v1 export of the same data', async () => {
    const dir = writeDataopsExport(items());
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const other = await table('mig-refs-export');
    const report = await migrateDataopsExport({ ...options(other), dir });
    expect(renames(report)).toEqual(renames(first));
    expect(await exported(other)).toEqual(await exported(target));
  });
});

describe('templateTaskRefs', () => {
  const sources = (refIds: readonly string[]) => refIds.map((refId, i) => ({ refId, position: i + 1 }));

  it('keeps valid refs, slugifies the rest, and gives every ref of a template its own valid name', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.string({ maxLength: 250 }), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/), fc.constantFrom('Announce Event', 'announce-event', 'task-1', '!!!')), { maxLength: 12 }), (refIds) => {
        const refs = templateTaskRefs(sources(refIds));
        expect([...refs.keys()]).toEqual(refIds);
        for (const [refId, ref] of refs) {
          expect(TEMPLATE_REF.test(ref), JSON.stringify(ref)).toBe(true);
          if (TEMPLATE_REF.test(refId)) expect(ref).toBe(refId);
        }
        expect(new Set(refs.values()).size).toBe(refIds.length);
        expect(templateTaskRefs(sources(refIds))).toEqual(refs);
      }),
    );
  });

  it('folds accents, cuts long refs to the limit, and keeps the suffix within it', () => {
    const long = `Ünïcode ${'x'.repeat(300)}`;
    const refs = templateTaskRefs(sources([long, `${long}!`, '   ', 'Café']));
    expect(refs.get(long)).toBe(`unicode-${'x'.repeat(192)}`);
    expect(refs.get(`${long}!`)).toBe(`unicode-${'x'.repeat(190)}-2`);
    expect(refs.get('   ')).toBe('task-3');
    expect(refs.get('Café')).toBe('cafe');
  });
});
