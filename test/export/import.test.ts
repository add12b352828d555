import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Entity } from 'electrodb';
import { join } from 'node:path';
import { createExecutionService } from '../../src/entities/index.js';
import { newId } from '../../src/ids.js';
import {
  batchPutWithRetry,
  countSegmentsFor,
  countTableItems,
  exportExecutionData,
  importExecutionData,
  isPortableExportError,
  PortableExportError,
  type BatchPutEntity,
} from '../../src/export/index.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { attachRequestLog } from '../support/request-log.js';
import { readFixture } from '../../src/local/demo-fixture.js';
import { copyExport, entityFiles, exportedFixture, FIXED_NOW, readLinesOf, removeTempDirs, resealManifest, tempDir, writeLines, type ExportedFixture } from './support.js';

const fixture = readFixture();
let exported: ExportedFixture;
const tables: TestTable[] = [];

async function freshTable(label: string): Promise<TestTable> {
  const table = await createTestTable(label);
  tables.push(table);
  return table;
}

beforeAll(async () => {
  exported = await exportedFixture('import');
});
afterAll(async () => {
  await Promise.all([exported.table, ...tables].map((table) => table.drop()));
  await removeTempDirs();
});

describe('importExecutionData', () => {
  it('round-trips: fixture -> export -> import into a fresh table -> export again gives byte-identical entity files', async () => {
    const target = await freshTable('restore');
    const result = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir });
    expect(result.dryRun).toBe(false);
    expect(result.counts).toEqual({ ...exported.result.counts, user_emails: 4 });
    expect(result.written).toBe(Object.values(exported.result.counts).reduce((a, b) => a + b, 0) + 4);
    expect(result.verification).toMatchObject({ ok: true, missing: {}, extra: {} });

    const again = await exportExecutionData({ client: target.client, tableName: target.tableName, outDir: join(await tempDir('reexport'), 'x'), now: FIXED_NOW });
    const before = await entityFiles(exported.dir);
    const after = await entityFiles(again.outDir);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [file, bytes] of before) expect(after.get(file)!.equals(bytes), file).toBe(true);
    expect(again.manifest.entities).toEqual(exported.result.manifest.entities);
    // Sessions are not restored (ephemeral); e-mail claims are rebuilt from the users.
    expect(again.manifest.omitted_entities.map((o) => [o.entity, o.items_seen])).toEqual([
      ['user_emails', 4],
      ['sessions', 0],
    ]);

    // ElectroDB rebuilt keys, indexes and hidden index attributes: the access patterns work.
    const service = createExecutionService(target.client, target.tableName);
    const user = fixture.entities.user![1]!;
    expect((await service.entities.user_email.get({ email: user.email as string }).go()).data).toEqual({
      email: user.email,
      user_id: user.user_id,
      created_at: user.created_at,
    });
    const due = fixture.entities.task!.find((task) => task.due_date === fixture.anchor_date && task.assignee_id !== undefined)!;
    const today = await service.entities.task.query.openByAssigneeDue({ open_assignee_id: due.assignee_id as string, open_due_date: fixture.anchor_date }).go();
    expect(today.data.map((task) => task.task_id)).toEqual([due.task_id]);
  });

  it('builds each row through its entity once (the validation) and writes exactly those items', async () => {
    const target = await freshTable('built-once');
    const log = attachRequestLog(target.client);
    const put = vi.spyOn(Entity.prototype, 'put');
    let result;
    let puts: number;
    try {
      result = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, batchSize: 1000 });
      puts = put.mock.calls.length;
    } finally {
      put.mockRestore();
    }
    const rows = Object.values(exported.result.counts).reduce((a, b) => a + b, 0);
    // One put per exported row (the validation's ElectroDB check) and one per rebuilt e-mail claim: the write phase builds nothing again.
    expect(puts).toBe(rows + 4);
    expect(result.written).toBe(rows + 4);
    expect(result.verification).toMatchObject({ ok: true, missing: {}, extra: {} });
    // The fixture's entities each fit one request of 25 (several in flight: test/export/batch-write.test.ts).
    expect(log.countOf('BatchWriteItem')).toBeGreaterThan(1);
    expect(log.countOf('PutItem') + log.countOf('UpdateItem')).toBeGreaterThan(0); // the restore marker
    // The verification counts with a projected Scan segmented by the expected item count.
    const verifyScans = log.requests.filter((request) => request.command === 'Scan' && request.input.ProjectionExpression);
    const segments = countSegmentsFor(rows + 4);
    expect(new Set(verifyScans.map((request) => request.input.TotalSegments))).toEqual(new Set([segments > 1 ? segments : undefined])); // one segment: a plain Scan
  });

  it('sizes the verification Scan at one segment per 1,000 expected items, 1 to 128', () => {
    expect([0, 1, 1000, 1001, 110_500, 128_000, 5_000_000].map(countSegmentsFor)).toEqual([1, 1, 1, 2, 111, 128, 128]);
  });

  it('refuses a table that already has items, and re-running with allowNonEmpty is idempotent', async () => {
    const target = await freshTable('rerun');
    await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir });
    const before = await countTableItems(target.client, target.tableName);
    await expect(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir })).rejects.toSatisfy(
      (error) => isPortableExportError(error, 'TABLE_NOT_EMPTY') && /new, empty table/.test((error as Error).message),
    );
    const rerun = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, allowNonEmpty: true, batchSize: 7 });
    expect(rerun.preexistingItems).toBe(true);
    expect(rerun.verification).toMatchObject({ ok: true, extra: {}, missing: {} });
    expect(await countTableItems(target.client, target.tableName)).toEqual(before);
  });

  it('finishes an interrupted import when re-run with allowNonEmpty', async () => {
    const target = await freshTable('interrupted');
    // Simulate a crash half-way: only the users and some tasks made it.
    const service = createExecutionService(target.client, target.tableName);
    await service.entities.user.put(fixture.entities.user as never[]).go();
    await service.entities.task.put(fixture.entities.task!.slice(0, 5) as never[]).go();
    await expect(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir })).rejects.toSatisfy((error) =>
      isPortableExportError(error, 'TABLE_NOT_EMPTY'),
    );
    const result = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, allowNonEmpty: true });
    expect(result.verification?.ok).toBe(true);
    const reexported = await exportExecutionData({ client: target.client, tableName: target.tableName, outDir: join(await tempDir('finished'), 'x') });
    expect(await entityFiles(reexported.outDir)).toEqual(await entityFiles(exported.dir));
  });

  it('dry run validates and checks the table but writes nothing', async () => {
    const target = await freshTable('dry');
    const result = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, dryRun: true });
    expect(result).toMatchObject({ dryRun: true, written: 0, preexistingItems: false });
    expect(result.counts.tasks).toBe(20);
    expect(result.validation.ok).toBe(true);
    expect(await countTableItems(target.client, target.tableName)).toEqual({});
  });

  it('re-validates before writing: an invalid export writes nothing and lists the findings', async () => {
    const target = await freshTable('invalid');
    const dir = await copyExport(exported.dir, 'invalid');
    const lines = await readLinesOf(dir, 'tasks.jsonl');
    lines[lines.length - 1] = JSON.stringify({ ...(JSON.parse(lines[lines.length - 1]!) as object), bundle_id: newId('bundle') });
    await writeLines(dir, 'tasks.jsonl', lines);
    await resealManifest(dir);
    const error = await importExecutionData({ client: target.client, tableName: target.tableName, dir }).catch((e: unknown) => e);
    expect(isPortableExportError(error, 'EXPORT_INVALID')).toBe(true);
    const findings = (error as PortableExportError).details.findings as { code: string; file: string; line: number; field: string }[];
    expect(findings).toEqual([expect.objectContaining({ code: 'DANGLING_REFERENCE', file: 'tasks.jsonl', line: lines.length, field: 'bundle_id' })]);
    expect((error as Error).message).toContain(`tasks.jsonl:${lines.length} bundle_id`);
    expect(await countTableItems(target.client, target.tableName)).toEqual({});
  });

  it('refuses a redacted export unless allowRedacted, and a missing table', async () => {
    const redacted = await exportExecutionData({
      client: exported.table.client,
      tableName: exported.table.tableName,
      outDir: join(await tempDir('redacted'), 'x'),
      redaction: 'pii',
    });
    const target = await freshTable('redacted');
    await expect(importExecutionData({ client: target.client, tableName: target.tableName, dir: redacted.outDir })).rejects.toSatisfy((error) =>
      isPortableExportError(error, 'EXPORT_REDACTED'),
    );
    expect(await countTableItems(target.client, target.tableName)).toEqual({});
    const result = await importExecutionData({ client: target.client, tableName: target.tableName, dir: redacted.outDir, allowRedacted: true });
    expect(result.verification?.ok).toBe(true);

    await expect(importExecutionData({ client: target.client, tableName: 'no-such-table', dir: exported.dir })).rejects.toSatisfy((error) =>
      isPortableExportError(error, 'TABLE_NOT_FOUND'),
    );
  });
});

describe('batchPutWithRetry', () => {
  function flakyEntity(failures: number[]): { entity: BatchPutEntity; calls: Record<string, unknown>[][] } {
    const calls: Record<string, unknown>[][] = [];
    const entity: BatchPutEntity = {
      put: (items) => ({
        go: async () => {
          calls.push(items);
          const unprocessedCount = failures[calls.length - 1] ?? 0;
          return { unprocessed: items.slice(0, unprocessedCount) };
        },
      }),
    };
    return { entity, calls };
  }

  it('re-sends only the unprocessed items, backing off exponentially', async () => {
    const { entity, calls } = flakyEntity([3, 1]);
    const sleeps: number[] = [];
    const items = Array.from({ length: 10 }, (_, i) => ({ n: i }));
    const result = await batchPutWithRetry(entity, items, { baseDelayMs: 100, sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    expect(result).toEqual({ written: 10, retries: 2 });
    expect(calls.map((call) => call.length)).toEqual([10, 3, 1]);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up with IMPORT_INCOMPLETE after maxRetries, never silently', async () => {
    const { entity, calls } = flakyEntity([2, 2, 2, 2]);
    const error = await batchPutWithRetry(entity, [{ a: 1 }, { a: 2 }], { maxRetries: 3, entityName: 'task', sleep: async () => undefined }).catch((e: unknown) => e);
    expect(isPortableExportError(error, 'IMPORT_INCOMPLETE')).toBe(true);
    expect((error as PortableExportError).details).toEqual({ entity: 'task', unprocessed: 2 });
    expect(calls).toHaveLength(4);
  });
});
