/**
 * Every `exstate` command, run as a child process through bin/exstate.mjs against DynamoDB
 * Local: seeded with the shared fixture (`exstate seed`), each view is checked against what the
 * fixture says it must return; then export -> validate-export -> import round-trips the data
 * into a second table; then the failure modes (bad arguments, unreachable endpoint, missing
 * table, store refusals) give one line and their documented exit code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createTestTable, localClient, type TestTable } from '../support/table.js';
import { readFixture, type FixtureRow } from '../../src/local/demo-fixture.js';
import { freePort } from '../../src/local/dynamodb-local.js';
import { cliEnv, exstate, parseJson, type CliResult } from './support/cli.js';

const OPEN = new Set(['todo', 'in_progress', 'waiting']);
const USAGE = 64;

let table: TestTable;
let env: Record<string, string>;
let dir: string;
const extraTables: string[] = [];
// The fixture's anchor day becomes today (UTC), as `npm start` does with the local date.
const today = new Date().toISOString().slice(0, 10);
const fixture = readFixture({ rebaseTo: today });
const rows = (entity: keyof typeof fixture.entities): FixtureRow[] => fixture.entities[entity] ?? [];
const user = (email: string) => rows('user').find((u) => u.email === email)!;
const ids = (items: { task_id?: unknown }[]) => items.map((t) => String(t.task_id)).sort();
const openTasks = () => rows('task').filter((t) => OPEN.has(String(t.status)));

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function expectOneLineError(result: CliResult, code: number, ...fragments: string[]): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines.filter((line) => /^(exstate|error): /.test(line)), result.stderr).toHaveLength(1);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

beforeAll(async () => {
  table = await createTestTable('cli');
  env = cliEnv({ DYNAMODB_ENDPOINT: table.endpoint, DATAOPS_EXECUTION_TABLE: table.tableName });
  dir = mkdtempSync(join(tmpdir(), 'exstate-cli-'));
  const seeded = await exstate(['seed', '--rebase-to', today, '--json'], env);
  expect(seeded.code, seeded.stderr).toBe(0);
  expect(parseJson(seeded)).toMatchObject({ table: table.tableName, table_created: false, rebased_to: today, counts: { user: 4, user_email: 4, task: rows('task').length } });
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = localClient(table.endpoint);
  for (const name of extraTables) await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  await table?.drop();
});

describe('exstate views against the seeded fixture', () => {
  it('answers every task view as the fixture says (JSON)', async () => {
    const ben = user('ben.carter@example.org');
    const chloe = user('chloe.ngata@example.org');
    const anna = user('anna.schmidt@example.org');
    const bundle = rows('bundle').find((b) => b.status === 'active' && b.stage === 'preparation')!;
    const historyTask = rows('task').find((t) => t.status === 'waiting')!;
    const [todayRun, overdueTeam, overdueAnna, upcoming, byBundle, history] = await Promise.all([
      exstate(['tasks', 'today', '--assignee', String(ben.email), '--tz', 'UTC', '--json'], env),
      exstate(['tasks', 'overdue', '--today', today, '--json'], env),
      exstate(['tasks', 'overdue', '--assignee', String(anna.user_id), '--today', today, '--json'], env),
      exstate(['tasks', 'upcoming', '--assignee', 'Chloe.Ngata@example.org', '--from', today, '--days', '7', '--json'], env),
      exstate(['tasks', 'by-bundle', String(bundle.bundle_id), '--json'], env),
      exstate(['tasks', 'history', String(historyTask.task_id), '--json'], env),
    ]);

    const t = parseJson<{ today: string; time_zone: string; assignee: { user_id: string }; items: FixtureRow[] }>(todayRun);
    expect(t.assignee.user_id).toBe(ben.user_id);
    expect(t.time_zone).toBe('UTC');
    const dueOn = (day: string) => ids(openTasks().filter((x) => x.assignee_id === ben.user_id && x.due_date === day));
    expect(ids(t.items)).toEqual(dueOn(t.today));
    if (t.today === today) expect(t.items.length).toBeGreaterThan(0); // the fixture has Ben's task due on its anchor day

    const teamOverdue = ids(openTasks().filter((x) => x.due_date && String(x.due_date) < today));
    expect(teamOverdue.length).toBeGreaterThan(1);
    expect(ids(parseJson<{ items: FixtureRow[] }>(overdueTeam).items)).toEqual(teamOverdue);
    expect(ids(parseJson<{ items: FixtureRow[] }>(overdueAnna).items)).toEqual(ids(openTasks().filter((x) => x.assignee_id === anna.user_id && x.due_date && String(x.due_date) < today)));

    const up = parseJson<{ from: string; days: number; items: FixtureRow[] }>(upcoming);
    expect(up).toMatchObject({ from: today, days: 7 });
    const window = ids(openTasks().filter((x) => x.assignee_id === chloe.user_id && x.due_date && String(x.due_date) >= today && String(x.due_date) < addDays(today, 7)));
    expect(window.length).toBeGreaterThan(0);
    expect(ids(up.items)).toEqual(window);

    const b = parseJson<{ bundle: FixtureRow; items: FixtureRow[]; files: FixtureRow[] }>(byBundle);
    expect(b.bundle.bundle_id).toBe(bundle.bundle_id);
    expect(ids(b.items)).toEqual(ids(rows('task').filter((x) => x.bundle_id === bundle.bundle_id)));
    expect(b.files.map((f) => f.file_id).sort()).toEqual(rows('file').filter((f) => f.bundle_id === bundle.bundle_id).map((f) => f.file_id).sort());

    const h = parseJson<{ task: FixtureRow; items: FixtureRow[] }>(history);
    expect(h.task.task_id).toBe(historyTask.task_id);
    expect(h.items.map((x) => `${x.from_status}>${x.to_status}`)).toEqual(
      rows('task_transition')
        .filter((x) => x.task_id === historyTask.task_id)
        .sort((x, y) => String(x.at).localeCompare(String(y.at)))
        .map((x) => `${x.from_status}>${x.to_status}`),
    );
  });

  it('lists due schedules and notifications (JSON) and prints tables for people', async () => {
    const enabled = rows('recurring_schedule').filter((s) => s.enabled === true);
    const latest = Math.max(...enabled.map((s) => Date.parse(String(s.next_run_at))));
    const within = Math.ceil((latest - Date.now()) / 60_000) + 5;
    const [schedules, soonNone, notifications, overdueTable, historyTable] = await Promise.all([
      exstate(['schedules', 'due', '--within', String(within), '--json'], env),
      exstate(['schedules', 'due', '--json'], env),
      exstate(['notifications', 'due', '--json'], env),
      exstate(['tasks', 'overdue', '--today', today], env),
      exstate(['tasks', 'history', String(rows('task').find((t) => t.status === 'waiting')!.task_id)], env),
    ]);
    expect(parseJson<{ items: FixtureRow[] }>(schedules).items.map((s) => s.schedule_id).sort()).toEqual(enabled.map((s) => s.schedule_id).sort());
    expect(parseJson<{ within_minutes: number; items: FixtureRow[] }>(soonNone)).toMatchObject({ within_minutes: 60 });
    const due = parseJson<{ now: string; items: FixtureRow[] }>(notifications);
    const expectedDue = rows('notification').filter((n) => n.status === 'pending' && Date.parse(String(n.due_at)) <= Date.parse(due.now));
    expect(due.items.map((n) => n.notification_id).sort()).toEqual(expectedDue.map((n) => n.notification_id).sort());

    expect(overdueTable.code, overdueTable.stderr).toBe(0);
    expect(overdueTable.stdout).toContain(`Overdue before ${today} (whole team)`);
    expect(overdueTable.stdout).toMatch(/│ Task\s+│ Title\s+│ Status\s+│ Due\s+│ Assignee/);
    for (const task of openTasks().filter((x) => x.due_date && String(x.due_date) < today)) expect(overdueTable.stdout).toContain(String(task.task_id));
    expect(overdueTable.stdout).toContain('Ben Carter'); // assignees by name, not ID
    expect(historyTable.stdout).toMatch(/in_progress\s+│ waiting/);
  });

  it('runs the scheduler once: claims what is due, then nothing is due', async () => {
    const before = parseJson<{ items: FixtureRow[] }>(await exstate(['notifications', 'due', '--json'], env)).items;
    const run = await exstate(['scheduler', 'run', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const summary = parseJson<{ claimed: number; created: number; errors: number; worker_id: string }>(run);
    expect(summary).toMatchObject({ claimed: before.length, errors: 0 });
    expect(summary.worker_id).toMatch(/^exstate:/);
    // The JSON log lines go to stderr, so stdout stays one document.
    expect(run.stderr.trim().split('\n').map((line) => JSON.parse(line).msg)).toContain('scheduler run finished');
    expect(parseJson<{ items: unknown[] }>(await exstate(['notifications', 'due', '--json'], env)).items).toEqual([]);
  });
});

describe('exstate export, validate-export, import', () => {
  it('round-trips the table through a validated export into a new table', async () => {
    const out = join(dir, 'export');
    const exported = await exstate(['export', '--out', out, '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const e = parseJson<{ counts: Record<string, number>; validation: { ok: boolean } }>(exported);
    expect(e.validation.ok).toBe(true);
    expect(e.counts.tasks).toBe(rows('task').length);

    const validated = await exstate(['validate-export', out], env);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain('valid export');

    const restoredName = `${table.tableName}-restored`;
    extraTables.push(restoredName);
    const restoredEnv = { ...env, DATAOPS_EXECUTION_TABLE: restoredName };
    const imported = await exstate(['import', out, '--json'], restoredEnv);
    expect(imported.code, imported.stderr).toBe(0);
    expect(parseJson(imported)).toMatchObject({ table: restoredName, table_created: true, dry_run: false, verification: { ok: true } });

    const [original, restored, again] = await Promise.all([
      exstate(['tasks', 'overdue', '--today', today, '--json'], env),
      exstate(['tasks', 'overdue', '--today', today, '--json'], restoredEnv),
      exstate(['import', out], restoredEnv),
    ]);
    expect(ids(parseJson<{ items: FixtureRow[] }>(restored).items)).toEqual(ids(parseJson<{ items: FixtureRow[] }>(original).items));
    expectOneLineError(again, 1, 'already has items', '--allow-non-empty');

    // A broken export is refused with its findings.
    writeFileSync(join(out, 'tasks.jsonl'), '{"task_id":"nope"}\n');
    const invalid = await exstate(['validate-export', out, '--json'], env);
    expect(invalid.code).toBe(1);
    expect(parseJson<{ ok: boolean; total_findings: number }>(invalid)).toMatchObject({ ok: false });
  });
});

describe('exstate local --endpoint (a DynamoDB Local that is already running, e.g. Docker)', () => {
  it('creates and seeds the table there, prints the report and exits', async () => {
    const name = `${table.tableName}-docker`;
    extraTables.push(name);
    const run = await exstate(['local', '--endpoint', table.endpoint, '--json'], cliEnv({ DATAOPS_EXECUTION_TABLE: name }));
    expect(run.code, run.stderr).toBe(0);
    const info = parseJson<{ pid: number | null; table: string; table_created: boolean; fixture: { loaded: boolean; items: number }; template_demo: { created: boolean }; env: Record<string, string>; report: { call: string; rows: number }[] }>(run);
    expect(info).toMatchObject({ pid: null, table: name, table_created: true, fixture: { loaded: true, items: 59 }, template_demo: { created: true }, env: { DYNAMODB_ENDPOINT: table.endpoint, DATAOPS_EXECUTION_TABLE: name } });
    // The fixture's active bundles and the one instantiated from the example Git template.
    expect(info.report.find((r) => r.call === 'bundles.listActive')!.rows).toBe(rows('bundle').filter((b) => b.status === 'active').length + 1);
  });

  it('refuses a table that does not match the template, and the views say which index is missing', async () => {
    const name = `${table.tableName}-stale`;
    extraTables.push(name);
    await localClient(table.endpoint).send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      }),
    );
    const staleEnv = cliEnv({ DYNAMODB_ENDPOINT: table.endpoint, DATAOPS_EXECUTION_TABLE: name });
    const [local, view] = await Promise.all([exstate(['local', '--endpoint', table.endpoint], staleEnv), exstate(['tasks', 'overdue'], staleEnv)]);
    expectOneLineError(local, 3, `Table ${name} at ${table.endpoint} does not match the template`, 'index gsi1 is missing', 'delete-table');
    expectOneLineError(view, 3, `Table "${name}"`, 'has no index gsi5', 'older template');
  });
});

describe('exstate failures', () => {
  it('rejects bad arguments with a usage message and exit 64, before connecting', async () => {
    const unreachable = cliEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', DATAOPS_EXECUTION_TABLE: 'x' });
    const results = await Promise.all([
      exstate(['tasks', 'upcoming', '--assignee', 'not-a-user', '--days', '7'], unreachable),
      exstate(['tasks', 'upcoming', '--assignee', 'ann@example.org', '--days', 'seven'], unreachable),
      exstate(['tasks', 'today'], unreachable),
      exstate(['tasks', 'history', 'bdl_01M72AZ1M0FX00000000000005'], unreachable),
      exstate(['tasks', 'overdue', '--tz', 'Mars/Olympus'], unreachable),
      exstate(['frobnicate'], unreachable),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(USAGE);
    expect(results[0]!.stderr).toContain("option '--assignee <user>' argument 'not-a-user' is invalid");
    expect(results[1]!.stderr).toContain('whole number');
    expect(results[2]!.stderr).toContain("required option '--assignee <user>' not specified");
    expect(results[3]!.stderr).toContain('task ID');
    expect(results[4]!.stderr).toContain('IANA time zone');
    expect(results[5]!.stderr).toContain("unknown command 'frobnicate'");
    for (const r of results) expect(r.stderr).not.toContain('Cannot reach DynamoDB');
  });

  it('explains an unreachable endpoint (exit 2), a missing table (exit 3), a store refusal (exit 1) and missing configuration (exit 4)', async () => {
    const closedPort = await freePort();
    const [unreachable, defaults, missing, unknownUser, noTable] = await Promise.all([
      exstate(['tasks', 'overdue'], cliEnv({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${closedPort}`, DATAOPS_EXECUTION_TABLE: 'x' })),
      exstate(['notifications', 'due'], cliEnv({ DATAOPS_STAGE: 'local', DYNAMODB_ENDPOINT: `http://127.0.0.1:${closedPort}` })),
      exstate(['tasks', 'overdue', '--json'], { ...env, DATAOPS_EXECUTION_TABLE: 'no-such-table' }),
      exstate(['tasks', 'today', '--assignee', 'nobody@example.org'], env),
      exstate(['tasks', 'overdue'], cliEnv({ DATAOPS_STAGE: 'prod', DYNAMODB_ENDPOINT: table.endpoint })),
    ]);
    expectOneLineError(unreachable, 2, `Cannot reach DynamoDB at http://127.0.0.1:${closedPort}`, 'ECONNREFUSED');
    expectOneLineError(defaults, 2, 'Cannot reach DynamoDB');
    expectOneLineError(missing, 3, 'Table "no-such-table" does not exist', 'npm start');
    expect(missing.stdout).toBe('');
    expectOneLineError(unknownUser, 1, 'No user with e-mail nobody@example.org');
    expectOneLineError(noTable, 4, 'DATAOPS_EXECUTION_TABLE is not set');
  });

  it('prints help with the configuration and exit codes, and runs from any directory', async () => {
    const [help, version] = await Promise.all([exstate(['--help'], cliEnv()), exstate(['--version'], cliEnv(), { cwd: tmpdir() })]);
    expect(help.code).toBe(0);
    for (const command of ['local', 'seed', 'tasks', 'schedules', 'notifications', 'export', 'validate-export', 'import']) expect(help.stdout).toContain(`  ${command}`);
    expect(help.stdout).toContain('DATAOPS_EXECUTION_TABLE');
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*64\s+bad command-line arguments/);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses to seed a table on AWS or a table that holds data', async () => {
    const [aws, full] = await Promise.all([
      exstate(['seed'], cliEnv({ DATAOPS_EXECUTION_TABLE: 'dataops-execution-prod', AWS_REGION: 'eu-central-1' })),
      exstate(['seed'], env),
    ]);
    expectOneLineError(aws, 4, 'only runs against DynamoDB Local');
    expectOneLineError(full, 1, 'already holds data', '--force');
  });
});
