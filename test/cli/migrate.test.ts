/**
 * `exstate migrate` as a child process against DynamoDB Local: both routes, the JSON report and
 * the report file, the tables for people, --dry-run, --strict, validate-export on a DataOps
 * export, and the failure modes with their exit codes.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { countTableItems } from '../../src/export/index.js';
import { freePort } from '../../src/local/dynamodb-local.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';
import { prototypeItems, USER } from '../migrate/support/prototype-fixture.js';
import { createPrototypeTables, makeTemplatesRepo, makeUploadsDir, writeDataopsExport } from '../migrate/support/sources.js';
import { cliEnv, exstate, parseJson, type CliResult } from './support/cli.js';

const USAGE = 64;
const items = prototypeItems();
const cleanup: (() => Promise<unknown>)[] = [];
let target: TestTable;
let env: Record<string, string>;
let exportDir: string;
let common: string[];
let source: Awaited<ReturnType<typeof createPrototypeTables>>;

function expectOneLineError(result: CliResult, code: number, ...fragments: string[]): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr.trim().split('\n').filter((line) => /^(exstate|error): /.test(line)), result.stderr).toHaveLength(1);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  target = await createTestTable('cli-mig');
  cleanup.push(() => target.drop());
  env = cliEnv({ DYNAMODB_ENDPOINT: target.endpoint, DATAOPS_EXECUTION_TABLE: target.tableName });
  exportDir = writeDataopsExport(items);
  const uploads = makeUploadsDir();
  const repo = makeTemplatesRepo();
  source = await createPrototypeTables(localClient(), items);
  cleanup.push(() => source.drop());
  for (const dir of [exportDir, uploads, repo]) cleanup.push(() => rm(dir, { recursive: true, force: true }));
  common = ['--actor', 'alexey@datatalks.club', '--default-time-zone', 'Europe/Berlin', '--templates-repo', repo, '--uploads-dir', uploads];
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('exstate migrate', () => {
  it('dataops-export: migrates, prints the JSON report and writes the same report to --report', async () => {
    const reportFile = join(exportDir, '..', `report-${Date.now()}.json`);
    cleanup.push(() => rm(reportFile, { force: true }));
    const result = await exstate(['migrate', 'dataops-export', exportDir, ...common, '--report', reportFile, '--json'], env, { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = parseJson<Record<string, unknown> & { counts: { collection: string; written: number }[]; id_map: unknown[]; items_written: number }>(result);
    expect(report).toMatchObject({ route: 'dataops-export', dry_run: false, target_table: target.tableName, table_created: false });
    expect(report.counts.find((c) => c.collection === 'tasks')).toMatchObject({ read: 14, written: 14 });
    expect(report.id_map.length).toBeGreaterThan(30);
    const saved = JSON.parse(await readFile(reportFile, 'utf8')) as Record<string, unknown>;
    expect(saved).toEqual({ ...report, table_created: undefined });
    expect(await countTableItems(target.client, target.tableName)).toMatchObject({ task: 14, user: 3, bundle: 3 });
  });

  it('prints tables for people; a second run writes nothing, and --strict fails when rows were skipped', async () => {
    const result = await exstate(['migrate', 'dataops-export', exportDir, ...common, '--strict'], env, { timeoutMs: 60_000 });
    expectOneLineError(result, 1, 'skipped (--strict)');
    expect(result.stdout).toContain(`into ${target.tableName} as alexey@datatalks.club`);
    expect(result.stdout).toContain(': 0 items written.');
    expect(result.stdout).toMatch(/Unchanged/);
    expect(result.stdout).toContain('Never migrated: 0 password hashes, 0 sessions (tokens), 2 empty bundle link slots.');
    expect(result.stdout).toMatch(/Skipped \(5\):/);
    expect(result.stdout).toMatch(/CRON_MEANING_CHANGED/);
    expect(result.stdout).toMatch(/prototype: one task per calendar date whose day-of-month is 1, month is any and weekday is Mon/);
    expect(result.stdout).toMatch(/ID mapping \(\d+\):/);
    expect(result.stdout).toContain(USER.grace);
  });

  it('prototype: reads the tables at --source-endpoint (names mapped by --source-tables), creating the local target table', async () => {
    const tableName = `cli-mig-proto-${Date.now()}`;
    cleanup.push(() => localClient().send(new DeleteTableCommand({ TableName: tableName })));
    const mapping = Object.entries(source.names).map(([name, actual]) => `${name}=${actual}`).join(',');
    // DynamoDB Local keeps tables per region: the tests' tables are in "local".
    const result = await exstate(['migrate', 'prototype', '--source-endpoint', target.endpoint, '--source-region', 'local', '--source-tables', mapping, ...common, '--json'], { ...env, DATAOPS_EXECUTION_TABLE: tableName }, { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = parseJson<{ route: string; table_created: boolean; never_migrated: Record<string, number> }>(result);
    expect(report).toMatchObject({ route: 'prototype', table_created: true, never_migrated: { password_hashes: 2, sessions: 2, empty_link_slots: 2 } });
    expect(await countTableItems(localClient(), tableName)).toMatchObject({ task: 14, recurring_schedule: 5, notification: 2 });
  });

  it('--dry-run writes nothing', async () => {
    const dry = await createTestTable('cli-mig-dry');
    cleanup.push(() => dry.drop());
    const result = await exstate(['migrate', 'dataops-export', exportDir, ...common, '--dry-run'], { ...env, DATAOPS_EXECUTION_TABLE: dry.tableName }, { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Dry run: would migrate .* 34 items to write\./);
    expect(await countTableItems(dry.client, dry.tableName)).toEqual({});
  });

  it('validate-export recognises a DataOps export and says to use `exstate migrate dataops-export`', async () => {
    const result = await exstate(['validate-export', exportDir, '--json'], env);
    expect(result.code).toBe(1);
    const body = parseJson<{ findings: { code: string; message: string }[] }>(result);
    expect(body.findings).toEqual([expect.objectContaining({ code: 'SCHEMA_VERSION_UNSUPPORTED', message: expect.stringContaining(`exstate migrate dataops-export ${exportDir}`) })]);
  });

  it('fails with one line and its exit code: bad arguments, a tampered export, an unreachable source', async () => {
    const tampered = writeDataopsExport(items);
    cleanup.push(() => rm(tampered, { recursive: true, force: true }));
    await writeFile(join(tampered, 'users.jsonl'), '{"user_id":"x"}\n');
    const port = await freePort();
    const [noActor, badZone, badTables, tamperedRun, unreachable] = await Promise.all([
      exstate(['migrate', 'dataops-export', exportDir], env),
      exstate(['migrate', 'dataops-export', exportDir, '--actor', 'a@b.org', '--default-time-zone', 'Mars/Olympus'], env),
      exstate(['migrate', 'prototype', '--source-endpoint', target.endpoint, '--source-tables', 'Bundles=x', '--actor', 'a@b.org'], env),
      exstate(['migrate', 'dataops-export', tampered, '--actor', 'a@b.org'], env),
      exstate(['migrate', 'prototype', '--source-endpoint', `http://127.0.0.1:${port}`, '--actor', 'a@b.org'], env),
    ]);
    expect(noActor.code).toBe(USAGE);
    expect(noActor.stderr).toContain("required option '--actor <user>' not specified");
    expect(badZone.code).toBe(USAGE);
    expect(badZone.stderr).toContain('--default-time-zone must be an IANA time zone');
    expect(badTables.code).toBe(USAGE);
    expect(badTables.stderr).toMatch(/Bundles=x.*Tasks, Projects/);
    expectOneLineError(tamperedRun, 1, 'users.jsonl: checksum', 'nothing was read or written');
    expectOneLineError(unreachable, 2, "Cannot reach the prototype's DynamoDB", '--source-endpoint');
  });
});
