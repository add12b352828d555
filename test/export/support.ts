/**
 * Helpers for the export tests: a fixture table exported once per test file, scratch
 * directories, and tools to tamper with an export the way a disk, a person or a bug would.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutionService } from '../../src/entities/index.js';
import { exportExecutionData, MANIFEST_FILE, type ExportManifest, type ExportResult } from '../../src/export/index.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { loadFixture } from '../../src/local/demo-fixture.js';

const scratch: string[] = [];

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `exstate-${label}-`));
  scratch.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export const FIXED_NOW = () => new Date('2026-12-01T12:00:00.000Z');

export interface ExportedFixture {
  table: TestTable;
  dir: string;
  result: ExportResult;
}

/** A fresh table with the fixture loaded, exported into a fresh directory. */
export async function exportedFixture(label: string, options: { segments?: number } = {}): Promise<ExportedFixture> {
  const table = await createTestTable(label);
  await loadFixture(createExecutionService(table.client, table.tableName));
  const dir = join(await tempDir(label), 'export');
  const result = await exportExecutionData({ client: table.client, tableName: table.tableName, outDir: dir, now: FIXED_NOW, segments: options.segments });
  return { table, dir, result };
}

/** A copy of an export directory to tamper with. */
export async function copyExport(dir: string, label: string): Promise<string> {
  const copy = join(await tempDir(label), 'export');
  await cp(dir, copy, { recursive: true });
  return copy;
}

export async function readManifest(dir: string): Promise<ExportManifest> {
  return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ExportManifest;
}

export async function readLinesOf(dir: string, file: string): Promise<string[]> {
  const text = await readFile(join(dir, file), 'utf8');
  return text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
}

export async function readRows(dir: string, file: string): Promise<Record<string, unknown>[]> {
  return (await readLinesOf(dir, file)).map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function writeLines(dir: string, file: string, lines: string[]): Promise<void> {
  await writeFile(join(dir, file), lines.map((line) => `${line}\n`).join(''));
}

/**
 * Re-seals the manifest after tampering (row counts and checksums recomputed), as a buggy
 * exporter or a careless hand edit would: the remaining findings are then about content only.
 */
export async function resealManifest(dir: string): Promise<void> {
  const manifest = await readManifest(dir);
  for (const entity of Object.values(manifest.entities)) {
    const bytes = await readFile(join(dir, entity.file));
    entity.sha256 = createHash('sha256').update(bytes).digest('hex');
    entity.bytes = bytes.length;
    const text = bytes.toString('utf8');
    entity.rows = text.length === 0 ? 0 : text.replace(/\n$/, '').split('\n').length;
  }
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Entity files of an export (everything but the manifest), name -> bytes. */
export async function entityFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  return new Map(await Promise.all(files.map(async (name) => [name, await readFile(join(dir, name))] as const)));
}
