/**
 * The export's output directory and the machine under it: `overwrite` replaces only a previous
 * export's own files; a full disk, a denied path, a read-only mount and a missing directory are
 * each one typed error naming the path; a failure or an abort leaves nothing of the export behind.
 * Disk failures are injected through the file operations (tests run as root: chmod denies nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isExecutionStoreError, type ErrorCode } from '../../src/errors.js';
import { exportExecutionData, importExecutionData, isPortableExportError, MANIFEST_FILE, validateExport, type ExportOptions } from '../../src/export/index.js';
import { NODE_FILES, type ExportFiles } from '../../src/export/files.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { copyExport, entityFiles, exportedFixture, FIXED_NOW, readManifest, removeTempDirs, tempDir, type ExportedFixture } from './support.js';

let exported: ExportedFixture;
const tables: TestTable[] = [];

beforeAll(async () => {
  exported = await exportedFixture('output');
});
afterAll(async () => {
  await Promise.all([exported.table, ...tables].map((table) => table.drop()));
  await removeTempDirs();
});

function exportOptions(outDir: string, extra: Partial<ExportOptions> = {}): ExportOptions {
  return { client: exported.table.client, tableName: exported.table.tableName, outDir, now: FIXED_NOW, progress: false, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('expected a rejection');
  return outcome;
}

function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
}

/** File operations whose writes fail with `code` once `afterBytes` have been written to files matching `which`. */
function failingWrites(code: string, which: (path: string) => boolean, afterBytes = 0): ExportFiles {
  return {
    ...NODE_FILES,
    create: async (path) => {
      const real = await NODE_FILES.create(path);
      if (!which(path)) return real;
      let written = 0;
      return {
        write: async (chunk) => {
          if (written + chunk.length > afterBytes) {
            // Like a real full disk: part of the chunk lands before the failure.
            await real.write(chunk.subarray(0, Math.max(0, afterBytes - written)));
            throw errnoError(code, 'write', path);
          }
          written += chunk.length;
          return real.write(chunk);
        },
        close: () => real.close(),
      };
    },
  };
}

function expectTyped(error: unknown, code: ErrorCode, path: string): void {
  expect(isExecutionStoreError(error, code), String(error)).toBe(true);
  expect((error as Error).message).toContain(path);
  expect((error as { details: { path: string } }).details.path).toBe(path);
}

describe('overwrite replaces only a previous export', () => {
  it('refuses a directory without an export manifest, deletes nothing in it, and does not suggest overwrite', async () => {
    const outDir = await tempDir('output-foreign');
    await writeFile(join(outDir, 'events.jsonl'), '{"event":1}\n');
    await writeFile(join(outDir, 'notes.jsonl'), '{"note":"keep me"}\n');
    await mkdir(join(outDir, 'raw.jsonl', 'deep'), { recursive: true });
    await writeFile(join(outDir, 'raw.jsonl', 'deep', 'data.txt'), 'precious');
    for (const overwrite of [true, false]) {
      const error = await rejection(exportExecutionData(exportOptions(outDir, { overwrite })));
      expect(isPortableExportError(error, 'OUTPUT_NOT_EMPTY'), String(error)).toBe(true);
      expect(error.message).toMatch(/holds no export/);
      expect(error.message).not.toMatch(/overwrite/i);
    }
    expect((await readdir(outDir)).sort()).toEqual(['events.jsonl', 'notes.jsonl', 'raw.jsonl']);
    expect(await readFile(join(outDir, 'notes.jsonl'), 'utf8')).toBe('{"note":"keep me"}\n');
    expect(await readFile(join(outDir, 'raw.jsonl', 'deep', 'data.txt'), 'utf8')).toBe('precious');
  });

  it('replaces exactly the files the previous manifest lists; everything else stays and is reported as stray', async () => {
    const outDir = await copyExport(exported.dir, 'output-replace');
    await writeFile(join(outDir, 'notes.txt'), 'mine');
    await mkdir(join(outDir, 'raw.jsonl'));
    await writeFile(join(outDir, 'raw.jsonl', 'inside.jsonl'), '{}\n');
    await writeFile(join(outDir, 'tasks.jsonl'), 'garbage\n'); // listed: replaced
    const result = await exportExecutionData(exportOptions(outDir, { overwrite: true }));
    for (const [file, bytes] of await entityFiles(exported.dir)) expect((await readFile(join(outDir, file))).equals(bytes), file).toBe(true);
    expect(await readFile(join(outDir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(join(outDir, 'raw.jsonl', 'inside.jsonl'), 'utf8')).toBe('{}\n');
    expect(result.validation?.ok).toBe(true);
    expect(result.validation?.findings.map((finding) => [finding.code, finding.severity, finding.file])).toEqual([
      ['STRAY_FILE', 'warning', 'notes.txt'],
      ['STRAY_FILE', 'warning', 'raw.jsonl'],
    ]);
  });

  it('refuses, deleting nothing, when the previous manifest lists a directory or a file it would write is not the previous export\'s', async () => {
    const listsDir = await copyExport(exported.dir, 'output-lists-dir');
    await rm(join(listsDir, 'tasks.jsonl'));
    await mkdir(join(listsDir, 'tasks.jsonl'));
    await writeFile(join(listsDir, 'tasks.jsonl', 'keep.txt'), 'x');
    const before = (await readdir(listsDir)).sort();
    const dirError = await rejection(exportExecutionData(exportOptions(listsDir, { overwrite: true })));
    expect(isPortableExportError(dirError, 'OUTPUT_NOT_EMPTY')).toBe(true);
    expect(dirError.message).toMatch(/lists tasks\.jsonl, which is not a regular file: nothing was replaced/);
    expect((await readdir(listsDir)).sort()).toEqual(before);
    expect(existsSync(join(listsDir, 'tasks.jsonl', 'keep.txt'))).toBe(true);

    const unlisted = await copyExport(exported.dir, 'output-unlisted');
    await writeFile(join(unlisted, '_unparsed.jsonl'), 'someone else\'s\n');
    const unlistedError = await rejection(exportExecutionData(exportOptions(unlisted, { overwrite: true })));
    expect(unlistedError.message).toMatch(/holds _unparsed\.jsonl, which the previous export's manifest does not list: nothing was replaced/);
    expect(existsSync(join(unlisted, MANIFEST_FILE))).toBe(true);
    expect(await readFile(join(unlisted, '_unparsed.jsonl'), 'utf8')).toBe('someone else\'s\n');
  });
});

describe('file-system failures are typed, name the path, and leave no partial output', () => {
  it('a full disk (ENOSPC) while writing an entity file: DISK_FULL naming the file; every written file and the temporary directory are removed', async () => {
    const outDir = await tempDir('output-enospc');
    const tasks = join(outDir, 'tasks.jsonl');
    const error = await rejection(exportExecutionData(exportOptions(outDir, { files: failingWrites('ENOSPC', (path) => path === tasks, 2_000) })));
    expectTyped(error, 'DISK_FULL', tasks);
    expect(error.message).toBe(`Cannot write ${tasks}: no space left on the device (ENOSPC)`);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('a full disk while spilling sorted runs: DISK_FULL naming the run file; the directory the export made is gone', async () => {
    const outDir = join(await tempDir('output-enospc-spill'), 'new');
    const error = await rejection(exportExecutionData(exportOptions(outDir, { sortMemoryBytes: 2_000, files: failingWrites('ENOSPC', (path) => path.endsWith('.tmp'), 100) })));
    expect(isExecutionStoreError(error, 'DISK_FULL'), String(error)).toBe(true);
    expect(String(error.details?.path)).toMatch(/\.export-tmp-[0-9a-f]+\/.*\.run-\d+\.tmp$/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('a denied path (EACCES) and a read-only file system (EROFS), each a typed error naming the path', async () => {
    const denied = await tempDir('output-eacces');
    const manifestPath = join(denied, MANIFEST_FILE);
    const eacces: ExportFiles = {
      ...NODE_FILES,
      create: async (path) => (path === manifestPath ? Promise.reject(errnoError('EACCES', 'open', path)) : NODE_FILES.create(path)),
    };
    expectTyped(await rejection(exportExecutionData(exportOptions(denied, { files: eacces }))), 'PERMISSION_DENIED', manifestPath);
    expect(await readdir(denied)).toEqual([]);

    const readOnlyParent = await tempDir('output-erofs');
    const outDir = join(readOnlyParent, 'export');
    const erofs: ExportFiles = { ...NODE_FILES, mkdir: async (path) => Promise.reject(errnoError('EROFS', 'mkdir', path)) };
    const error = await rejection(exportExecutionData(exportOptions(outDir, { files: erofs })));
    expectTyped(error, 'READ_ONLY_FILESYSTEM', outDir);
    expect(error.message).toBe(`Cannot create the output directory ${outDir}: the file system is read-only (EROFS)`);
  });

  it('validation and import: a file that cannot be read is PERMISSION_DENIED naming it; a missing directory is PATH_NOT_FOUND', async () => {
    const tasks = join(exported.dir, 'tasks.jsonl');
    const unreadable: ExportFiles = {
      ...NODE_FILES,
      read: (path) => (path === tasks ? { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(errnoError('EACCES', 'open', path)) }) } : NODE_FILES.read(path)),
    };
    expectTyped(await rejection(validateExport(exported.dir, { files: unreadable })), 'PERMISSION_DENIED', tasks);
    const target = await createTestTable('output-import');
    tables.push(target);
    expectTyped(await rejection(importExecutionData({ client: target.client, tableName: target.tableName, dir: exported.dir, files: unreadable })), 'PERMISSION_DENIED', tasks);

    const missing = join(await tempDir('output-missing'), 'nowhere');
    expectTyped(await rejection(validateExport(missing)), 'PATH_NOT_FOUND', missing);
    expectTyped(await rejection(importExecutionData({ client: target.client, tableName: target.tableName, dir: missing })), 'PATH_NOT_FOUND', missing);
  });

  it('an aborted export (SIGINT) rejects with the reason and leaves no .export-tmp directory or partial file', async () => {
    const parent = await tempDir('output-abort');
    const outDir = join(parent, 'x');
    const controller = new AbortController();
    const reason = new Error('interrupted by SIGINT');
    const error = await rejection(
      exportExecutionData(
        exportOptions(outDir, {
          pageSize: 5,
          segments: 1,
          progress: (progress) => {
            if (progress.phase === 'scan' && progress.scannedItems > 0) controller.abort(reason);
          },
          signal: controller.signal,
        }),
      ),
    );
    expect(error).toBe(reason);
    expect(await readdir(parent)).toEqual([]);

    // Aborted while writing the files (when the first entity file is created): the same.
    const writing = new AbortController();
    const outDir2 = await tempDir('output-abort-write');
    const abortOnFirstFile: ExportFiles = {
      ...NODE_FILES,
      create: async (path) => {
        if (path.endsWith('users.jsonl')) writing.abort(reason);
        return NODE_FILES.create(path);
      },
    };
    const error2 = await rejection(exportExecutionData(exportOptions(outDir2, { signal: writing.signal, files: abortOnFirstFile })));
    expect(error2).toBe(reason);
    expect(await readdir(outDir2)).toEqual([]);
    expect((await readManifest(exported.dir)).schema_version).toBeDefined();
  });
});
