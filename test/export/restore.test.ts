/**
 * Imports are exclusive and honest (ADR 0003 §6): the restore marker makes a second import of
 * the same table fail instead of mixing two data sets; verification fails when the table holds
 * anything the export does not; an interrupted import leaves the marker, every later import and
 * export says so, and resume / startOver / abandonImport finish or undo it, touching only the
 * export's own items.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createExecutionService } from '../../src/entities/index.js';
import { createExecutionStore } from '../../src/store.js';
import { RESTORE_MARKER_KEY } from '../../src/table-layout.js';
import {
  abandonImport,
  countTableItems,
  exportExecutionData,
  importExecutionData,
  isPortableExportError,
  readRestoreMarker,
  RESTORE_LEASE_MS,
  type ImportOptions,
  type PortableExportError,
} from '../../src/export/index.js';
import { readFixture } from '../../src/local/demo-fixture.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';
import { entityFiles, exportedFixture, FIXED_NOW, removeTempDirs, tempDir, type ExportedFixture } from './support.js';

const fixture = readFixture();
let exported: ExportedFixture;
const tables: TestTable[] = [];
const clients: DynamoDBClient[] = [];

async function freshTable(label: string): Promise<TestTable> {
  const table = await createTestTable(label);
  tables.push(table);
  return table;
}

beforeAll(async () => {
  exported = await exportedFixture('restore');
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all([exported.table, ...tables].map((table) => table.drop()));
  await removeTempDirs();
});

async function failure(promise: Promise<unknown>): Promise<PortableExportError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value).slice(0, 200)}`);
  return outcome.error as PortableExportError;
}

/** The table equals the fixture export: a re-export is byte-identical, no restore marker, no extra claims. */
async function expectEqualToExport(table: TestTable): Promise<void> {
  const counts = await countTableItems(table.client, table.tableName);
  expect(counts.restore_marker).toBeUndefined();
  expect(counts.user_email).toBe(fixture.entities.user!.length);
  const again = await exportExecutionData({ client: table.client, tableName: table.tableName, outDir: join(await tempDir('restore-check'), 'x'), now: FIXED_NOW });
  expect(again.validation?.ok).toBe(true);
  expect(await entityFiles(again.outDir)).toEqual(await entityFiles(exported.dir));
}

/** An import of the fixture export that fails after `batches` batches of five rows, as a crash half-way would. */
async function interruptedImport(table: TestTable, batches = 3, extra: Partial<ImportOptions> = {}): Promise<PortableExportError> {
  return failure(
    importExecutionData({
      client: table.client,
      tableName: table.tableName,
      dir: exported.dir,
      batchSize: 5,
      hooks: {
        afterBatch: ({ batches: done }) => {
          if (done === batches) throw new Error('simulated crash');
        },
      },
      ...extra,
    }),
  );
}

describe('two imports into one table', () => {
  it('started at the same moment: one claims the table, the other is refused and writes nothing (no second data set, no duplicate e-mail)', async () => {
    // A second, different data set with a user of the same e-mail as the fixture's first user.
    const other = await freshTable('restore-other');
    const store = createExecutionStore({ client: other.client, tableName: other.tableName, now: FIXED_NOW });
    const intruder = await store.users.create({ email: fixture.entities.user![0]!.email as string, display_name: 'Someone Else', role: 'admin', timezone: 'UTC' });
    const otherExport = await exportExecutionData({ client: other.client, tableName: other.tableName, outDir: join(await tempDir('restore-other'), 'x'), now: FIXED_NOW });

    const target = await freshTable('restore-race');
    // Import A has checked the table and is about to write its first batch when import B starts;
    // that write waits until B has finished (either way): both saw an empty table first.
    let bSettled!: () => void;
    const bDone = new Promise<void>((resolve) => (bSettled = resolve));
    let aWrites!: () => void;
    const aAboutToWrite = new Promise<void>((resolve) => (aWrites = resolve));
    const clientA = localClient(target.endpoint);
    clients.push(clientA);
    clientA.middlewareStack.add(
      (next, context) => async (args) => {
        if ((context as { commandName?: string }).commandName === 'BatchWriteItemCommand') {
          aWrites();
          await bDone;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdFirstWrite' },
    );
    const a = importExecutionData({ client: clientA, tableName: target.tableName, dir: exported.dir });
    await Promise.race([aAboutToWrite, a]);
    const b = importExecutionData({ client: target.client, tableName: target.tableName, dir: otherExport.outDir }).finally(() => bSettled());
    const [resultA, resultB] = await Promise.allSettled([a, b]);

    expect(resultA.status).toBe('fulfilled');
    expect(resultB.status).toBe('rejected');
    const refused = (resultB as PromiseRejectedResult).reason as PortableExportError;
    expect(isPortableExportError(refused, 'RESTORE_IN_PROGRESS'), String(refused)).toBe(true);
    expect(refused.message).toMatch(/being restored right now/);
    expect(refused.message).toContain(exported.dir);
    // One data set: the intruder is not there, one e-mail claim per user, and the table is the export.
    const documents = DynamoDBDocumentClient.from(target.client);
    const service = createExecutionService(target.client, target.tableName);
    expect((await service.entities.user.get({ user_id: intruder.user_id }).go()).data).toBeNull();
    expect((await documents.send(new GetCommand({ TableName: target.tableName, Key: { ...RESTORE_MARKER_KEY } }))).Item).toBeUndefined();
    await expectEqualToExport(target);
  });

  it('one claims the table while the other waits to resume: a running import is never taken over', async () => {
    const target = await freshTable('restore-live');
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let claimed!: () => void;
    const hasClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const first = importExecutionData({
      client: target.client,
      tableName: target.tableName,
      dir: exported.dir,
      hooks: {
        afterClaim: async () => {
          claimed();
          await paused;
        },
      },
    });
    await hasClaimed;
    for (const flags of [{}, { resume: true }, { startOver: true }]) {
      const refused = await failure(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, ...flags }));
      expect(isPortableExportError(refused, 'RESTORE_IN_PROGRESS'), String(refused)).toBe(true);
      expect(refused.message).toMatch(/being restored right now.*still running/);
      expect(refused.details.live).toBe(true);
    }
    // An export of a table being restored is refused too, before it writes anything.
    const outDir = join(await tempDir('restore-live-export'), 'x');
    const exportRefused = await failure(exportExecutionData({ client: target.client, tableName: target.tableName, outDir }));
    expect(isPortableExportError(exportRefused, 'RESTORE_IN_PROGRESS')).toBe(true);
    expect(existsSync(outDir)).toBe(false);
    release();
    expect((await first).verification?.ok).toBe(true);
    await expectEqualToExport(target);
  });
});

describe('verification', () => {
  it('fails when the table holds anything the export does not, and keeps the marker', async () => {
    const target = await freshTable('restore-extra');
    const service = createExecutionService(target.client, target.tableName);
    await service.entities.session.put(fixture.entities.session![0] as never).go();
    const error = await failure(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, allowNonEmpty: true }));
    expect(isPortableExportError(error, 'IMPORT_INCOMPLETE'), String(error)).toBe(true);
    expect(error.message).toMatch(/items the export does not hold \(sessions \+1\)/);
    expect(error.details.verification).toMatchObject({ ok: false, missing: {}, extra: { sessions: 1 } });
    const marker = await readRestoreMarker(target.client, target.tableName);
    expect(marker).toMatchObject({ status: 'interrupted', stopped_reason: expect.stringMatching(/verification failed/) });
    // The later export says why it will not run.
    const exportRefused = await failure(exportExecutionData({ client: target.client, tableName: target.tableName, outDir: join(await tempDir('restore-extra'), 'x') }));
    expect(exportRefused.message).toMatch(/partly restored/);
  });
});

describe('an interrupted import', () => {
  it('leaves the marker; every later import and export says so; resume with the same export finishes it', async () => {
    const target = await freshTable('restore-resume');
    const crash = await interruptedImport(target);
    expect(isPortableExportError(crash, 'IMPORT_INCOMPLETE'), String(crash)).toBe(true);
    // Three batches: the 4 users (with their 4 e-mail claims), the 4 bundles, the template instance.
    expect(crash.details).toMatchObject({ written: 13, aborted: false });
    expect(crash.message).toMatch(/stopped after writing 13 item\(s\): simulated crash.*partly restored.*resume.*startOver/);
    const marker = await readRestoreMarker(target.client, target.tableName);
    expect(marker).toMatchObject({ status: 'interrupted', stopped_reason: 'simulated crash', export_dir: exported.dir });
    expect((await countTableItems(target.client, target.tableName)).restore_marker).toBe(1);

    const again = await failure(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir }));
    expect(isPortableExportError(again, 'RESTORE_IN_PROGRESS')).toBe(true);
    expect(again.message).toMatch(/partly restored: an import of the export in .* stopped \(simulated crash\)\. To finish it, import that same export again with resume; to start over, import it with startOver/);
    const outDir = join(await tempDir('restore-resume-export'), 'x');
    const exportRefused = await failure(exportExecutionData({ client: target.client, tableName: target.tableName, outDir }));
    expect(isPortableExportError(exportRefused, 'RESTORE_IN_PROGRESS')).toBe(true);
    expect(exportRefused.message).toMatch(/^Not exported: Table .* is partly restored/);
    expect(existsSync(outDir)).toBe(false);

    // Only the export being restored may resume.
    const other = await freshTable('restore-resume-other');
    const otherExport = await exportExecutionData({ client: other.client, tableName: other.tableName, outDir: join(await tempDir('restore-empty'), 'x') });
    const wrong = await failure(importExecutionData({ client: target.client, tableName: target.tableName, dir: otherExport.outDir, resume: true }));
    expect(isPortableExportError(wrong, 'RESTORE_IN_PROGRESS')).toBe(true);
    expect(wrong.message).toMatch(/is not the export being restored/);

    const resumed = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, resume: true, batchSize: 7 });
    expect(resumed).toMatchObject({ resumed: true, preexistingItems: true, verification: { ok: true, missing: {}, extra: {} } });
    await expectEqualToExport(target);
  });

  it('after a crash that could not even mark it (process gone): refused while the lease runs, resumable after it', async () => {
    const target = await freshTable('restore-crash');
    const dying = localClient(target.endpoint);
    clients.push(dying);
    let dead = false;
    dying.middlewareStack.add(
      (next) => async (args) => {
        if (dead) throw new Error('process killed');
        return next(args);
      },
      { step: 'initialize', name: 'killSwitch' },
    );
    await interruptedImport({ ...target, client: dying }, 2, { hooks: { afterBatch: ({ batches }) => void (batches === 2 && (dead = true)) } });
    expect(await readRestoreMarker(target.client, target.tableName)).toMatchObject({ status: 'running' });
    const early = await failure(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, resume: true }));
    expect(isPortableExportError(early, 'RESTORE_IN_PROGRESS')).toBe(true);
    expect(early.message).toMatch(/still running .* resume or start over after /);
    const later = () => new Date(Date.now() + RESTORE_LEASE_MS + 1_000);
    const resumed = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, resume: true, now: later });
    expect(resumed.verification?.ok).toBe(true);
    await expectEqualToExport(target);
  });

  it('startOver removes what the import wrote (the export\'s own keys) and imports it again', async () => {
    const target = await freshTable('restore-over');
    await interruptedImport(target, 4);
    const result = await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, startOver: true });
    const rows = Object.values(exported.result.counts).reduce((sum, n) => sum + n, 0) + fixture.entities.user!.length;
    expect(result).toMatchObject({ removed: rows, written: rows, resumed: false, verification: { ok: true } });
    await expectEqualToExport(target);
  });

  it('abandonImport removes only the export\'s items and the marker; everything else stays', async () => {
    const target = await freshTable('restore-abandon');
    const documents = DynamoDBDocumentClient.from(target.client);
    const foreign = { pk: 'legacy#1', sk: 'legacy', note: 'not part of any export' };
    await documents.send(new PutCommand({ TableName: target.tableName, Item: foreign }));
    await interruptedImport(target, 5, { allowNonEmpty: true });
    expect((await countTableItems(target.client, target.tableName)).user).toBe(fixture.entities.user!.length);
    const { removed } = await abandonImport({ client: target.client, tableName: target.tableName, dir: exported.dir });
    expect(removed).toBe(Object.values(exported.result.counts).reduce((sum, n) => sum + n, 0) + fixture.entities.user!.length);
    expect(await countTableItems(target.client, target.tableName)).toEqual({ '(not an ElectroDB item)': 1 });
    expect((await documents.send(new GetCommand({ TableName: target.tableName, Key: { pk: 'legacy#1', sk: 'legacy' } }))).Item).toEqual(foreign);
    // Nothing left to abandon.
    const nothing = await failure(abandonImport({ client: target.client, tableName: target.tableName, dir: exported.dir }));
    expect(isPortableExportError(nothing, 'INVALID_OPTIONS')).toBe(true);
  });

  it('an aborted import (SIGINT) stops between batches, keeps the marker, and resumes', async () => {
    const target = await freshTable('restore-abort');
    const controller = new AbortController();
    const error = await failure(
      importExecutionData({
        client: target.client,
        tableName: target.tableName,
        dir: exported.dir,
        batchSize: 5,
        signal: controller.signal,
        hooks: { afterBatch: ({ batches }) => void (batches === 2 && controller.abort()) },
      }),
    );
    expect(isPortableExportError(error, 'IMPORT_INCOMPLETE')).toBe(true);
    // Two batches: the 4 users (with their 4 e-mail claims) and the 4 bundles.
    expect(error.details).toMatchObject({ aborted: true, written: 12 });
    expect(error.message).toMatch(/was aborted after writing 12 item\(s\)\. .* partly restored/);
    expect(await readRestoreMarker(target.client, target.tableName)).toMatchObject({ status: 'interrupted', stopped_reason: 'aborted', written: 12 });
    await importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, resume: true });
    await expectEqualToExport(target);
  });

  it('a refused import into a non-empty table writes nothing, not even a marker', async () => {
    const target = await freshTable('restore-nonempty');
    const documents = DynamoDBDocumentClient.from(target.client);
    await documents.send(new PutCommand({ TableName: target.tableName, Item: { pk: 'legacy#1', sk: 'legacy' } }));
    const refused = await failure(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir }));
    expect(isPortableExportError(refused, 'TABLE_NOT_EMPTY')).toBe(true);
    expect(await countTableItems(target.client, target.tableName)).toEqual({ '(not an ElectroDB item)': 1 });
  });
});
