/**
 * `exstate import` after an interrupted restore (issue #11): the table keeps its restore marker,
 * every later import and export is refused with exit 6 and says how to go on with the CLI, and
 * --resume, --start-over and --abandon do what they say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importExecutionData } from '../../src/export/index.js';
import { readRestoreMarker } from '../../src/export/restore-marker.js';
import { EXIT_CODES } from '../../src/cli/errors.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { entityFiles, exportedFixture, removeTempDirs, tempDir, type ExportedFixture } from '../export/support.js';
import { cliEnv, exstate } from './support/cli.js';

let exported: ExportedFixture;
const tables: TestTable[] = [];

async function interruptedTable(label: string): Promise<TestTable> {
  const table = await createTestTable(label);
  tables.push(table);
  const crash = await importExecutionData({
    client: table.client,
    tableName: table.tableName,
    dir: exported.dir,
    batchSize: 5,
    hooks: {
      afterBatch: ({ batches }) => {
        if (batches === 3) throw new Error('simulated crash');
      },
    },
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(crash).toBeInstanceOf(Error);
  expect(await readRestoreMarker(table.client, table.tableName)).toMatchObject({ status: 'interrupted' });
  return table;
}

const envFor = (table: TestTable) => cliEnv({ DYNAMODB_ENDPOINT: table.endpoint, DATAOPS_EXECUTION_TABLE: table.tableName });

beforeAll(async () => {
  exported = await exportedFixture('cli-restore');
  tables.push(exported.table);
});

afterAll(async () => {
  await Promise.all(tables.map((table) => table.drop()));
  await removeTempDirs();
});

describe('exstate import after an interrupted restore', () => {
  it('refuses import and export with exit 6 and names the CLI options; --resume finishes it', async () => {
    const table = await interruptedTable('cli-resume');
    const env = envFor(table);

    const again = await exstate(['import', exported.dir], env);
    expect(again.code, again.stderr).toBe(EXIT_CODES.RESTORE_IN_PROGRESS);
    expect(again.stderr).toContain('partly restored');
    expect(again.stderr).toContain(`exstate import ${exported.dir} --resume`);
    const exportOut = `${await tempDir('cli-restore-export')}/x`;
    const exportRun = await exstate(['export', '--out', exportOut], env);
    expect(exportRun.code, exportRun.stderr).toBe(EXIT_CODES.RESTORE_IN_PROGRESS);

    const resumed = await exstate(['import', exported.dir, '--resume', '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ verification: { ok: true } });
    expect(await readRestoreMarker(table.client, table.tableName)).toBeNull();

    const reexport = `${await tempDir('cli-restore-reexport')}/x`;
    expect((await exstate(['export', '--out', reexport], env)).code).toBe(0);
    const before = await entityFiles(exported.dir);
    const after = await entityFiles(reexport);
    for (const [file, bytes] of before) expect(after.get(file)?.equals(bytes), file).toBe(true);
  });

  it('--abandon removes only what the import wrote and the marker; --start-over imports again from scratch', async () => {
    const abandoned = await interruptedTable('cli-abandon');
    const run = await exstate(['import', exported.dir, '--abandon', '--json'], envFor(abandoned));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ abandoned: true, removed: expect.any(Number) });
    expect(await readRestoreMarker(abandoned.client, abandoned.tableName)).toBeNull();
    const empty = await exstate(['import', exported.dir, '--json'], envFor(abandoned));
    expect(empty.code, empty.stderr).toBe(0);

    const restarted = await interruptedTable('cli-start-over');
    const startOver = await exstate(['import', exported.dir, '--start-over', '--json'], envFor(restarted));
    expect(startOver.code, startOver.stderr).toBe(0);
    expect(JSON.parse(startOver.stdout)).toMatchObject({ verification: { ok: true } });

    const both = await exstate(['import', exported.dir, '--abandon', '--resume'], envFor(restarted));
    expect(both.code).toBe(EXIT_CODES.USAGE);
  });
});
