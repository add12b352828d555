import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createExecutionService } from '../../src/entities/index.js';
import { newId } from '../../src/ids.js';
import { batchGoOptions } from '../../src/export/batch-write.js';
import { KEY_ATTRIBUTES } from '../../src/table-layout.js';
import {
  canonicalJson,
  durableEntries,
  formatFinding,
  exportExecutionData,
  isPortableExportError,
  REGISTRY,
  SCHEMA_VERSION,
  validateExport,
  type ExportProgress,
} from '../../src/export/index.js';
import { toExactNumber, UnsafeNumber } from '../../src/export/export.js';
import { createTestTable } from '../support/table.js';
import { readFixture } from '../../src/local/demo-fixture.js';
import { FIXED_NOW, entityFiles, exportedFixture, readLinesOf, readManifest, readRows, removeTempDirs, tempDir, type ExportedFixture } from './support.js';

const fixture = readFixture();
const HIDDEN = ['open_assignee_id', 'open_due_date', 'team_open_due_date', 'assigned_status', 'recipient_due_at'];

describe('exportExecutionData on the fixture', () => {
  let exported: ExportedFixture;
  beforeAll(async () => {
    exported = await exportedFixture('export', { segments: 3 });
  });
  afterAll(async () => {
    await exported.table.drop();
    await removeTempDirs();
  });

  it('writes one file per durable entity with the expected row counts, and a manifest that describes them', async () => {
    const { result, dir } = exported;
    const expected = Object.fromEntries(durableEntries().map((entry) => [entry.exportName, fixture.entities[entry.entity]?.length ?? 0]));
    expect(result.counts).toEqual(expected);
    expect(result.counts).toMatchObject({ users: 4, bundles: 4, template_instances: 1, recurring_schedules: 2, tasks: 20, files: 3, notifications: 6 });
    const manifest = await readManifest(dir);
    expect(manifest).toEqual(result.manifest);
    expect(manifest.schema_version).toBe(SCHEMA_VERSION);
    expect(manifest.exported_at).toBe('2026-12-01T12:00:00.000Z');
    expect(manifest.source).toMatchObject({ table_name: exported.table.tableName, segments: 3, consistent_read: true });
    // users + claims + every fixture row incl. the session
    const totalItems = Object.values(fixture.entities).reduce((sum, list) => sum + list.length, 0) + fixture.entities.user!.length;
    expect(manifest.source.scanned_items).toBe(totalItems);
    expect(Object.keys(manifest.entities).sort()).toEqual(durableEntries().map((entry) => entry.exportName).sort());
    for (const [name, entity] of Object.entries(manifest.entities)) {
      const bytes = await readFile(join(dir, entity.file));
      expect(entity.file).toBe(`${name}.jsonl`);
      expect(entity.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(entity.bytes).toBe(bytes.length);
      expect(entity.rows).toBe(expected[name]);
    }
    expect(manifest.omitted_entities).toEqual([
      { entity: 'user_emails', persistence: 'derived', reason: REGISTRY.user_email.omissionReason, items_seen: 4 },
      { entity: 'sessions', persistence: 'ephemeral', reason: REGISTRY.session.omissionReason, items_seen: 1 },
    ]);
    expect(manifest.redaction_profile).toBe('none');
    expect(manifest.redactions).toEqual([]);
    expect(manifest.unparsed).toEqual({ count: 0, by_reason: {}, file: null, sha256: null });
    expect(manifest.dropped_attributes).toEqual({});
    expect((await readdir(dir)).sort()).toEqual([...Object.values(manifest.entities).map((entity) => entity.file), 'manifest.json'].sort());
    expect(result.validation?.ok).toBe(true);
    expect(result.validation?.findings).toEqual([]);
  });

  it('writes the fixture byte for byte as before (pinned SHA-256 of every entity file)', () => {
    // Computed from the export code before the registry/rules refactor: the format must not drift.
    expect(Object.fromEntries(Object.entries(exported.result.manifest.entities).map(([name, entity]) => [name, entity.sha256]))).toEqual({
      users: 'f6cfb4973e3f58729232fa771dd3c62df4a9c06b788bb9ebc95c59320fadbf79',
      bundles: 'e4748185082bb657b45d4c9b0990f06c158b570418224586b46e1a9f33b9e3a4',
      template_instances: '44a9df85ae5ffb1d0282333f410b6ab27fcd8cd8d81dca1ac1d1e7b3b130c00e',
      recurring_schedules: '436501f0c30ae4fdab6ff9c9e9dd831fc9485921c590815ade39e64c0ec5d3cd',
      tasks: 'a1aa209df9043f364418e254369ed42d535a1cdd2297aa957bcd2a41ef1dbc5e',
      task_transitions: '090958275d81a556e9986b9682c6336e2b1ee801fe9e1dcde4f4fbf3b90b4e41',
      files: '4ea407e270f3f11ac082f9d3fc83c9b7cc0aa853f4954e0fed1a8384baa194d3',
      notifications: '61c90a528ba19f7b1ad553a5b76d82fa51903ed79cf8449cb1141d344c17463c',
      artifacts: 'f6371e6b66a6a7e5314d42501a940cfe6654f74d4b079c8bdb75d72921a33a46',
      assistant_jobs: '064e5b546550a4f3b0bac7bc87e8069a10f7bd4946027be61d01a992ff24202e',
      audit_events: '86cbe3c5d807988e9befc73359ff0bda3a62fb7b99e57bb46c3353cabe3f915e',
    });
  });

  it('exports exactly the stored snake_case fields: no keys, no ElectroDB internals, no hidden index attributes, no sessions', async () => {
    for (const entry of durableEntries()) {
      const rows = await readRows(exported.dir, `${entry.exportName}.jsonl`);
      const byId = new Map((fixture.entities[entry.entity] ?? []).map((row) => [row[entry.primaryKey], row]));
      for (const row of rows) {
        expect(row, `${entry.exportName} ${String(row[entry.primaryKey])}`).toEqual(byId.get(row[entry.primaryKey]));
        for (const key of Object.keys(row)) {
          expect(KEY_ATTRIBUTES).not.toContain(key);
          expect(HIDDEN).not.toContain(key);
          expect(key.startsWith('__edb')).toBe(false);
        }
      }
    }
    const all = (await Promise.all([...(await entityFiles(exported.dir)).values()].map((bytes) => bytes.toString('utf8')))).join('');
    expect(all).not.toContain(fixture.entities.session![0]!.session_id as string);
  });

  it('sorts every file by primary ID and writes every line as canonical JSON (sorted keys)', async () => {
    for (const entry of durableEntries()) {
      const lines = await readLinesOf(exported.dir, `${entry.exportName}.jsonl`);
      const ids = lines.map((line) => (JSON.parse(line) as Record<string, string>)[entry.primaryKey]!);
      expect(ids, entry.exportName).toEqual([...ids].sort());
      for (const line of lines) expect(line).toBe(canonicalJson(JSON.parse(line)));
    }
  });

  it('produces byte-identical files whatever the segment count or sort memory (spilling sorted runs to disk)', async () => {
    const again = await exportExecutionData({
      client: exported.table.client,
      tableName: exported.table.tableName,
      outDir: join(await tempDir('export-spill'), 'out'),
      segments: 1,
      sortMemoryBytes: 2_000,
      now: FIXED_NOW,
    });
    expect(again.sortSpills).toBeGreaterThan(5);
    expect(await entityFiles(again.outDir)).toEqual(await entityFiles(exported.dir));
    expect(again.manifest.entities).toEqual(exported.result.manifest.entities);
    expect((await readdir(again.outDir)).some((name) => name.startsWith('.export-tmp'))).toBe(false);
  });

  it('refuses a non-empty output directory unless told to overwrite it', async () => {
    const options = { client: exported.table.client, tableName: exported.table.tableName, outDir: exported.dir, now: FIXED_NOW, validate: false };
    await expect(exportExecutionData(options)).rejects.toSatisfy((error) => isPortableExportError(error, 'OUTPUT_NOT_EMPTY'));
    const replaced = await exportExecutionData({ ...options, outDir: join(await tempDir('export-overwrite'), 'x') });
    await writeFile(join(replaced.outDir, 'tasks.jsonl'), 'garbage\n');
    const overwritten = await exportExecutionData({ ...options, outDir: replaced.outDir, overwrite: true });
    expect(overwritten.manifest.entities).toEqual(exported.result.manifest.entities);
  });

  it('reports progress through a callback', async () => {
    const events: ExportProgress[] = [];
    await exportExecutionData({
      client: exported.table.client,
      tableName: exported.table.tableName,
      outDir: join(await tempDir('export-progress'), 'x'),
      progress: (progress) => events.push(progress),
      validate: false,
    });
    expect(events.map((event) => event.phase)).toContain('scan');
    expect(events.at(-1)).toMatchObject({ phase: 'done', writtenRows: Object.values(exported.result.counts).reduce((a, b) => a + b, 0) });
  });

  it('pseudonymizes personal data with the pii profile and says so in the manifest', async () => {
    const redacted = await exportExecutionData({
      client: exported.table.client,
      tableName: exported.table.tableName,
      outDir: join(await tempDir('export-pii'), 'x'),
      redaction: 'pii',
      now: FIXED_NOW,
    });
    const users = await readRows(redacted.outDir, 'users.jsonl');
    for (const user of users) {
      expect(user.email).toBe(`${String(user.user_id).toLowerCase()}@redacted.invalid`);
      expect(user.display_name).toMatch(/^Redacted /);
      expect(JSON.stringify(fixture.entities.user)).not.toContain(user.email as string);
    }
    expect(redacted.manifest.redaction_profile).toBe('pii');
    expect(redacted.manifest.redactions.map((r) => [r.entity, r.column, r.rows])).toEqual([
      ['users', 'email', 4],
      ['users', 'display_name', 4],
    ]);
    expect(redacted.validation?.ok).toBe(true);
    expect((await readFile(join(redacted.outDir, 'tasks.jsonl'))).equals((await entityFiles(exported.dir)).get('tasks.jsonl')!)).toBe(true);
  });

  it('fails with TABLE_NOT_FOUND for a table that does not exist', async () => {
    await expect(
      exportExecutionData({ client: exported.table.client, tableName: 'no-such-table', outDir: join(await tempDir('export-missing'), 'x') }),
    ).rejects.toSatisfy((error) => isPortableExportError(error, 'TABLE_NOT_FOUND'));
  });
});

describe('exportExecutionData on a table with items it cannot parse', () => {
  it('counts, reports and keeps every unparseable item, and names attributes outside the schema', async () => {
    const { table, dir, result } = await exportedFixture('export-unparsed');
    try {
      const documents = DynamoDBDocumentClient.from(table.client);
      const task = fixture.entities.task![0]!;
      const service = createExecutionService(table.client, table.tableName);
      const key = service.entities.task.get({ task_id: task.task_id as string }).params().Key as Record<string, string>;
      const stored = (await documents.send(new GetCommand({ TableName: table.tableName, Key: key }))).Item!;
      const put = (Item: Record<string, unknown>) => documents.send(new PutCommand({ TableName: table.tableName, Item }));
      await put({ pk: 'legacy#1', sk: 'legacy', note: 'written by the old prototype', tags: new Set(['a', 'b']) });
      await put({ ...stored, pk: '$dataops#widget_id_1', sk: '$widget_1', __edb_e__: 'widget' });
      const otherId = newId('task');
      await put({ ...stored, pk: `$dataops#task_id_${otherId.toLowerCase()}`, __edb_v__: '2', task_id: otherId });
      const movedId = newId('task');
      await put({ ...stored, pk: `$dataops#task_id_${movedId.toLowerCase()}`, task_id: newId('task') });
      await put({ ...stored, legacy_flag: true });
      await table.client.send(
        new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: 'counter#1' }, sk: { S: 'x' }, hits: { N: '123456789012345678901234567890' } } }),
      );

      const outDir = join(await tempDir('export-unparsed'), 'x');
      const second = await exportExecutionData({ client: table.client, tableName: table.tableName, outDir, now: FIXED_NOW });
      expect(second.unparsed.count).toBe(5);
      expect(second.unparsed.byReason).toEqual({ NOT_ELECTRODB_ITEM: 1, UNKNOWN_ENTITY: 1, OWNERSHIP_MISMATCH: 1, KEY_MISMATCH: 1, UNSAFE_NUMBER: 1 });
      expect(second.manifest.unparsed).toMatchObject({ count: 5, file: '_unparsed.jsonl' });
      const unparsed = await readRows(outDir, '_unparsed.jsonl');
      expect(unparsed).toHaveLength(5);
      // The exact decimal is kept, not a rounded double.
      expect(unparsed.find((row) => row.reason === 'UNSAFE_NUMBER')!.item).toEqual({ hits: { $number: '123456789012345678901234567890' }, pk: 'counter#1', sk: 'x' });
      expect(unparsed.find((row) => row.reason === 'NOT_ELECTRODB_ITEM')!.item).toEqual({
        note: 'written by the old prototype',
        pk: 'legacy#1',
        sk: 'legacy',
        tags: { $set: ['a', 'b'] },
      });
      expect(second.manifest.dropped_attributes).toEqual({ 'task.legacy_flag': 1 });
      // The parseable rows are exported exactly as before.
      expect(second.counts).toEqual(result.counts);
      expect(await entityFiles(outDir)).toEqual(new Map([...(await entityFiles(dir)), ['_unparsed.jsonl', await readFile(join(outDir, '_unparsed.jsonl'))]]));
      // And the export does not pass validation until someone has looked at them.
      expect(second.validation?.ok).toBe(false);
      expect(second.validation?.findings.map((finding) => finding.code).sort()).toEqual(['DROPPED_ATTRIBUTES', 'UNPARSED_ITEMS']);
      expect((await validateExport(outDir)).findingCounts).toEqual({ UNPARSED_ITEMS: 1, DROPPED_ATTRIBUTES: 1 });
      // The raw copies are sealed by the manifest too.
      await writeFile(join(outDir, '_unparsed.jsonl'), '{}\n', { flag: 'a' });
      const tampered = await validateExport(outDir);
      expect(tampered.findingCounts).toEqual({ UNPARSED_ITEMS: 1, DROPPED_ATTRIBUTES: 1, CHECKSUM_MISMATCH: 1 });
      expect(tampered.findings.map(formatFinding)).toContain('_unparsed.jsonl: _unparsed.jsonl does not match its manifest checksum [CHECKSUM_MISMATCH]');
    } finally {
      await table.drop();
      await removeTempDirs();
    }
  });

  it('keeps memory bounded on a larger table: many sorted runs, merged into one sorted file', async () => {
    const table = await createTestTable('export-large');
    try {
      const service = createExecutionService(table.client, table.tableName);
      const user = fixture.entities.user![0]!;
      // Random-order IDs: ULIDs from random instants, so the scan order says nothing about ID order.
      const events = Array.from({ length: 1500 }, (_, i) => ({
        event_id: newId('audit_event', new Date(Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 1e10))),
        entity_type: 'task' as const,
        entity_id: `tsk_${String(i)}`,
        actor_id: user.user_id as string,
        action: 'task.update',
        at: '2026-11-30T10:00:00.000Z',
        changes: { title: { from: `old ${i}`, to: `new ${i}` } },
      }));
      const { unprocessed } = await service.entities.audit_event.put(events).go(batchGoOptions(4));
      expect(unprocessed).toEqual([]);
      const outDir = join(await tempDir('export-large'), 'x');
      const result = await exportExecutionData({ client: table.client, tableName: table.tableName, outDir, sortMemoryBytes: 64 * 1024, segments: 4 });
      expect(result.counts.audit_events).toBe(1500);
      expect(result.sortSpills).toBeGreaterThan(3);
      const ids = (await readRows(outDir, 'audit_events.jsonl')).map((row) => row.event_id as string);
      expect(ids).toEqual(events.map((event) => event.event_id).sort());
      // The audit events reference a user that is not in this table: the validator says so, per line.
      expect(result.validation?.findingCounts).toEqual({ DANGLING_REFERENCE: 1500 });
      expect(result.validation?.findings).toHaveLength(1000);
      expect(result.validation?.truncated).toBe(true);
    } finally {
      await table.drop();
      await removeTempDirs();
    }
  });
});

describe('toExactNumber', () => {
  it('keeps numbers JavaScript holds exactly and marks the others instead of rounding or throwing', () => {
    expect(toExactNumber('1.5')).toBe(1.5);
    expect(toExactNumber('-42')).toBe(-42);
    expect(toExactNumber('0.1')).toBe(0.1);
    expect(toExactNumber('1798243200')).toBe(1798243200);
    expect(toExactNumber('9007199254740991')).toBe(9007199254740991);
    expect(toExactNumber('9007199254740993')).toEqual(new UnsafeNumber('9007199254740993'));
    expect(toExactNumber('3.14159265358979323846')).toBeInstanceOf(UnsafeNumber);
    expect(toExactNumber('1e400')).toBeInstanceOf(UnsafeNumber);
  });
});
