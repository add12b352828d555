/**
 * Exit codes: every store error code has one, each documented in --help and the README; a
 * failing file-system call (a full disk, an unwritable or read-only directory, a missing path)
 * is one line naming the path and the cause with its own exit code, never "unexpected error";
 * and an input named in error details is reported as the option that supplied it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, ExecutionStoreError, fileSystemError } from '../../src/errors.js';
import { describeError, EXIT_CODE_BY_ERROR_CODE, EXIT_CODE_HELP, EXIT_CODE_MEANINGS, EXIT_CODES } from '../../src/cli/errors.js';
import { freePort } from '../../src/local/dynamodb-local.js';
import { cliEnv, exstate, ROOT, type CliResult } from './support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'exstate-exit-codes-'));
chmodSync(work, 0o755); // readable by the unprivileged user below
const emptyExport = join(work, 'empty-export');
mkdirSync(emptyExport);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function errnoError(code: string, path: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, path, syscall, errno: -1 });
}

function expectOneLine(result: CliResult, exitCode: number, ...fragments: string[]): void {
  expect(result.code, result.stderr).toBe(exitCode);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^exstate: /);
  expect(result.stderr).not.toContain('Unexpected error');
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
}

describe('the exit-code table', () => {
  it('gives every store error code an exit code that --help and the README document', () => {
    const documented = EXIT_CODE_MEANINGS.map(([code]) => code);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort((a, b) => a - b)).toEqual([...new Set(Object.values(EXIT_CODES))].sort((a, b) => a - b));
    for (const code of ERROR_CODES) expect(documented, code).toContain(EXIT_CODE_BY_ERROR_CODE[code]);
    for (const [code, meaning] of EXIT_CODE_MEANINGS) expect(EXIT_CODE_HELP).toContain(`  ${String(code).padEnd(4)}${meaning}`);

    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Exit codes'), readme.indexOf('\n## ', readme.indexOf('### Exit codes')));
    const rows = [...section.matchAll(/^\| `(\d+)` \|/gm)].map((match) => Number(match[1]));
    expect(rows).toEqual(documented);
  });

  it('gives the environment failures and the new refusals codes of their own', () => {
    const codes = ['DISK_FULL', 'PERMISSION_DENIED', 'READ_ONLY_FILESYSTEM', 'PATH_NOT_FOUND', 'RESTORE_IN_PROGRESS', 'NON_LOCAL_TARGET'] as const;
    const exits = codes.map((code) => EXIT_CODE_BY_ERROR_CODE[code]);
    expect(new Set(exits).size).toBe(codes.length);
    const shared = new Set([EXIT_CODES.OK, EXIT_CODES.REJECTED, EXIT_CODES.UNREACHABLE, EXIT_CODES.NO_TABLE, EXIT_CODES.CONFIG, EXIT_CODES.USAGE, EXIT_CODES.INTERNAL]);
    for (const exit of exits) expect(shared.has(exit as never)).toBe(false);
  });
});

describe('describeError', () => {
  it.each([
    ['ENOSPC', EXIT_CODES.DISK_FULL, 'no space left on the device'],
    ['EDQUOT', EXIT_CODES.DISK_FULL, 'the disk quota is exhausted'],
    ['EACCES', EXIT_CODES.PERMISSION_DENIED, 'permission denied'],
    ['EPERM', EXIT_CODES.PERMISSION_DENIED, 'operation not permitted'],
    ['EROFS', EXIT_CODES.READ_ONLY_FILESYSTEM, 'the file system is read-only'],
    ['ENOENT', EXIT_CODES.PATH_NOT_FOUND, 'no such file or directory'],
    ['ENOTDIR', EXIT_CODES.PATH_NOT_FOUND, 'a part of the path is not a directory'],
  ])('%s: typed by the library or raw from Node, one line naming the path and the cause', (errno, exitCode, cause) => {
    const typed = describeError(fileSystemError(errnoError(errno, '/backups/x/tasks.jsonl', 'open'), '/backups/x/tasks.jsonl', 'write'));
    expect(typed).toEqual({ exitCode, message: `Cannot write /backups/x/tasks.jsonl: ${cause} (${errno})` });
    const raw = describeError(errnoError(errno, '/backups/x', 'mkdir'));
    expect(raw).toEqual({ exitCode, message: `Cannot create the directory /backups/x: ${cause} (${errno})` });
  });

  it('classifies what Node really throws for a full device and a path through a file', () => {
    const failures: unknown[] = [];
    for (const attempt of [() => writeFileSync('/dev/full', 'x'), () => mkdirSync('/dev/null/db', { recursive: true })]) {
      try {
        attempt();
      } catch (error) {
        failures.push(error);
      }
    }
    expect(failures.map((error) => describeError(error).exitCode)).toEqual([EXIT_CODES.DISK_FULL, EXIT_CODES.PATH_NOT_FOUND]);
    // A write to an open descriptor carries no path; the mkdir names it.
    expect(describeError(failures[0]).message).toBe('Cannot write a file: no space left on the device (ENOSPC)');
    expect(describeError(failures[1]).message).toBe('Cannot create the directory /dev/null/db: a part of the path is not a directory (ENOTDIR)');
  });

  it('names the option that supplied the input at fault (details.field), from the command\'s own map', () => {
    const inputs = { segments: '--segments', from: '--from', allowNonEmpty: '--allow-non-empty', overwrite: '--overwrite', targetTable: '--target-table' };
    expect(describeError(new ExecutionStoreError('INVALID_OPTIONS', 'segments must be an integer from 1 to 64; got 0', { field: 'segments' }), { inputs })).toEqual({
      exitCode: EXIT_CODES.USAGE,
      message: '--segments must be an integer from 1 to 64; got 0',
    });
    // Only the leading field is the option; "from" later in the rule's wording stays a word.
    expect(describeError(new ExecutionStoreError('VALIDATION', 'from must be a calendar date YYYY-MM-DD from 0001-01-01 to 9999-12-31; got "x"', { field: 'from' }), { inputs }).message).toBe(
      '--from must be a calendar date YYYY-MM-DD from 0001-01-01 to 9999-12-31; got "x"',
    );
    // A refusal an option overrides names that option, even without details.field.
    expect(describeError(new ExecutionStoreError('TABLE_NOT_EMPTY', 'Table t already has items: re-run with allowNonEmpty to finish.', { tableName: 't' }), { inputs }).message).toBe(
      'Table t already has items: re-run with --allow-non-empty to finish.',
    );
    expect(describeError(new ExecutionStoreError('OUTPUT_NOT_EMPTY', '/x is not empty: choose a new directory.', {}), { inputs }).message).toBe('/x is not empty: choose a new directory. (--overwrite)');
    // A field the command did not take from an option is left as the library wrote it.
    expect(describeError(new ExecutionStoreError('INVALID_OPTIONS', 'batchSize must be an integer', { field: 'batchSize' }), { inputs }).message).toBe('batchSize must be an integer');
    // Without the command's map, nothing is rewritten.
    expect(describeError(new ExecutionStoreError('INVALID_OPTIONS', 'segments must be an integer', { field: 'segments' })).message).toBe('segments must be an integer');
  });

  it('maps the restore marker and the local-only refusal to their codes', () => {
    expect(describeError(new ExecutionStoreError('RESTORE_IN_PROGRESS', 'Table t holds a restore marker')).exitCode).toBe(EXIT_CODES.RESTORE_IN_PROGRESS);
    expect(describeError(new ExecutionStoreError('NON_LOCAL_TARGET', 'Refusing')).exitCode).toBe(EXIT_CODES.NON_LOCAL_TARGET);
  });
});

describe("the CLI's own file writes (--report, the local data directory)", () => {
  const env = cliEnv();

  it('a full disk is DISK_FULL (exit 74), naming the file', async () => {
    const result = await exstate(['validate-export', emptyExport, '--report', '/dev/full'], env);
    expectOneLine(result, EXIT_CODES.DISK_FULL, 'Cannot write the report file /dev/full: no space left on the device (ENOSPC)');
  });

  it('a missing directory is PATH_NOT_FOUND (exit 66)', async () => {
    const report = join(work, 'no-such-dir', 'report.json');
    const result = await exstate(['validate-export', emptyExport, '--report', report], env);
    expectOneLine(result, EXIT_CODES.PATH_NOT_FOUND, `Cannot write the report file ${report}: no such file or directory (ENOENT)`);
  });

  it('an unwritable directory is PERMISSION_DENIED (exit 77)', async () => {
    const locked = join(work, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    // Root writes anywhere: the CLI runs as an unprivileged user then (uid/gid 65534, "nobody").
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = await exstate(['validate-export', emptyExport, '--report', join(locked, 'report.json')], { ...env, HOME: work }, asUser);
    expectOneLine(result, EXIT_CODES.PERMISSION_DENIED, `Cannot write the report file ${join(locked, 'report.json')}: permission denied (EACCES)`);
  });

  // A read-only mount in a private mount namespace (unshare -rm: no privileges needed, nothing else sees it).
  const readOnly = (dir: string) => ['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"', dir];

  it('a read-only file system is READ_ONLY_FILESYSTEM (exit 73), not "no such file"', async () => {
    const mounted = join(work, 'ro-report');
    mkdirSync(mounted);
    const result = await exstate(['validate-export', emptyExport, '--report', join(mounted, 'report.json')], env, { wrap: readOnly(mounted) });
    expectOneLine(result, EXIT_CODES.READ_ONLY_FILESYSTEM, `Cannot write the report file ${join(mounted, 'report.json')}: the file system is read-only (EROFS)`);
  });

  it('exstate local: a data directory on a read-only file system (73) or under a file (66), before Java starts', async () => {
    const mounted = join(work, 'ro-local');
    mkdirSync(mounted);
    const [readOnlyDir, underFile] = await Promise.all([
      exstate(['local', '--port', String(await freePort()), '--db-path', join(mounted, 'dynamodb')], env, { wrap: readOnly(mounted) }),
      exstate(['local', '--port', String(await freePort()), '--db-path', '/dev/null/dynamodb'], env),
    ]);
    expectOneLine(readOnlyDir, EXIT_CODES.READ_ONLY_FILESYSTEM, `Cannot create the data directory ${join(mounted, 'dynamodb')}: the file system is read-only (EROFS)`);
    expectOneLine(underFile, EXIT_CODES.PATH_NOT_FOUND, 'Cannot create the data directory /dev/null/dynamodb: a part of the path is not a directory (ENOTDIR)');
    for (const result of [readOnlyDir, underFile]) expect(result.stdout).toBe('');
  });

  it('writes the --json document to --report, also for an invalid export', async () => {
    const report = join(work, 'report.json');
    const result = await exstate(['validate-export', emptyExport, '--report', report], env);
    expect(result.code, result.stderr).toBe(EXIT_CODES.REJECTED);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ ok: false, dir: emptyExport });
  });
});
