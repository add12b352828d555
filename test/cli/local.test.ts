/**
 * `exstate local` (what `npm start` runs), as a child process: it starts its own DynamoDB Local,
 * creates and seeds the table, prints the environment and the access-pattern report, serves the
 * CLI, keeps its data across restarts (unless --in-memory), and stops Java on SIGINT/SIGTERM.
 * A port in use or a missing Java is one line and exit 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/dynamodb-local.js';
import { ROOT, cliEnv, exstate, isAlive, parseJson, spawnCli, waitForOutput } from './support/cli.js';

const STARTUP_MS = 90_000;
const dataDir = mkdtempSync(join(tmpdir(), 'exstate-local-'));
const started: number[] = [];

afterAll(() => {
  // Belt and braces: never leave a Java behind, even when an assertion failed mid-test.
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `exstate local …` and resolves once it says it is running. */
async function startLocal(args: string[]) {
  const child = spawnCli(['local', ...args], cliEnv());
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  await waitForOutput(child, () => stderr, 'Press Ctrl-C to stop it.', STARTUP_MS);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

interface LocalJson {
  endpoint: string;
  port: number;
  pid: number;
  table: string;
  table_created: boolean;
  fixture: { loaded: boolean; items?: number; reason?: string };
  template_demo: { repository: string; template_id: string; template_version: string; bundle_id: string; template_instance_id: string; tasks: number; created: boolean };
  env: Record<string, string>;
  report: { pattern: string; call: string; rows: number; requests: number; read_units: number; commands: string[] }[];
  ready_ms: number;
}

const EVERY_V1_READ = [
  'tasks.listToday',
  'tasks.listOverdue',
  'tasks.listUpcoming',
  'tasks.listByAssigneeStatus',
  'tasks.listByBundle',
  'bundles.getWithTasks',
  'bundles.getTemplateInstance',
  'bundles.listActive',
  'bundles.listByStage',
  'schedules.listDueSoon',
  'notifications.listDue',
  'notifications.listForRecipient',
  'tasks.get',
  'tasks.history',
  'collections.task_detail',
  'files.listForTask',
  'artifacts.listForTask',
  'users.getByEmail',
];

describe('exstate local', () => {
  it('starts in memory, seeds, reports every V1 read, serves the CLI and stops Java on SIGINT', { timeout: 150_000 }, async () => {
    const port = await freePort();
    const local = await startLocal(['--in-memory', '--port', String(port), '--json']);
    const info = parseJson<LocalJson>({ code: 0, signal: null, stdout: local.stdout(), stderr: local.stderr(), ms: 0 });
    started.push(info.pid);
    expect(info).toMatchObject({
      endpoint: `http://127.0.0.1:${port}`,
      port,
      table: 'dataops-execution-local',
      table_created: true,
      fixture: { loaded: true, items: 59 },
      env: { DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`, DATAOPS_EXECUTION_TABLE: 'dataops-execution-local' },
    });
    expect(isAlive(info.pid)).toBe(true);
    expect(info.ready_ms).toBeLessThan(60_000);
    // The Git template demo: committed to a throwaway repository under .local/, instantiated, reported.
    expect(info.template_demo).toMatchObject({ repository: join(ROOT, '.local/template-repo'), template_id: 'templates/meetup.yaml', tasks: 11, created: true });
    expect(info.template_demo.template_version).toMatch(/^[0-9a-f]{40}$/);
    const templateRows = info.report.filter((r) => r.call === 'bundles.getTemplateInstance' || r.pattern === 'Bundle detail "Community meetup (from Git)"');
    expect(templateRows.map((r) => [r.pattern, r.rows])).toEqual([
      [`Template instance templates/meetup.yaml@${info.template_demo.template_version.slice(0, 7)}`, 1],
      ['Bundle detail "Community meetup (from Git)"', 13],
    ]);
    expect([...new Set(info.report.map((r) => r.call))].sort()).toEqual([...EVERY_V1_READ].sort());
    for (const row of info.report) {
      expect(row.requests, row.pattern).toBeGreaterThanOrEqual(1);
      expect(row.commands, row.pattern).not.toContain('Scan');
      expect(row.read_units, row.pattern).toBeGreaterThanOrEqual(0);
    }
    expect(info.report.filter((r) => r.call === 'tasks.listToday').length).toBeGreaterThanOrEqual(3); // one row per operator
    expect(info.report.find((r) => r.pattern === 'Overdue: whole team')!.rows).toBeGreaterThan(0);
    expect(info.report.reduce((sum, r) => sum + r.read_units, 0)).toBeGreaterThan(0); // DynamoDB Local reports consumed capacity

    // The printed environment is all the CLI (and a handler) needs.
    const overdue = await exstate(['tasks', 'overdue', '--json'], cliEnv(info.env));
    expect(overdue.code, overdue.stderr).toBe(0);
    expect(parseJson<{ items: unknown[] }>(overdue).items.length).toBeGreaterThan(0);
    const shown = await exstate(['templates', 'show', info.template_demo.template_instance_id, '--repo', info.template_demo.repository, '--json'], cliEnv(info.env));
    expect(shown.code, shown.stderr).toBe(0);
    expect(parseJson<{ template: { text: string } }>(shown).template.text).toBe(readFileSync(join(ROOT, 'examples/templates/meetup.yaml'), 'utf8'));

    local.child.kill('SIGINT');
    const exit = await local.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(local.stderr()).toContain('DynamoDB Local stopped.');
    expect(isAlive(info.pid)).toBe(false);
  });

  it('persists to --db-path: prints the npm start screen, stops on SIGTERM, and keeps the data for the next start', { timeout: 200_000 }, async () => {
    const dbPath = join(dataDir, 'db');
    const port = await freePort();
    const first = await startLocal(['--port', String(port), '--db-path', dbPath]);
    const screen = first.stdout();
    const pid = Number(/DynamoDB Local, pid (\d+)/.exec(screen)?.[1]);
    started.push(pid);
    expect(isAlive(pid)).toBe(true);
    expect(screen).toContain(`endpoint  http://127.0.0.1:${port}`);
    expect(screen).toContain('table     dataops-execution-local  (created from lambda-functions/execution-state.template.json)');
    expect(screen).toMatch(/fixture   loaded 59 items, dates rebased to \d{4}-\d{2}-\d{2}/);
    expect(screen).toContain(`export DYNAMODB_ENDPOINT=http://127.0.0.1:${port}`);
    expect(screen).toContain('export DATAOPS_EXECUTION_TABLE=dataops-execution-local');
    expect(screen).toMatch(/│ Access pattern\s+│ Service call\s+│ Index\s+│ Rows\s+│ Requests\s+│ Read units │/);
    expect(screen).toMatch(/template  templates\/meetup\.yaml at [0-9a-f]{7} in \.local\/template-repo -> bundle bdl_\w{26}, 11 tasks \(instantiated now\)/);
    expect(screen).toMatch(/30 access patterns, \d+ requests, [\d.]+ read units, no Scan\./);
    expect(screen).toMatch(/npx exstate templates show tpi_\w{26} --repo \.local\/template-repo/);
    expect(screen).toMatch(/Ready in \d+\.\d s\./);
    expect(first.stderr()).not.toMatch(/Warning|\n\s+at /);

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);

    const second = await startLocal(['--port', String(port), '--db-path', dbPath, '--json']);
    const info = parseJson<LocalJson>({ code: 0, signal: null, stdout: second.stdout(), stderr: second.stderr(), ms: 0 });
    started.push(info.pid);
    expect(info).toMatchObject({ table_created: false, fixture: { loaded: false, reason: 'the table already holds data (kept as it is)' } });
    // The same template version is not instantiated twice: the bundle from the first start is found.
    expect(info.template_demo).toMatchObject({ created: false, bundle_id: /^bdl_/ });
    expect(screen).toContain(`-> bundle ${info.template_demo.bundle_id}, 11 tasks (instantiated now)`);
    expect(info.report.find((r) => r.pattern === 'Overdue: whole team')!.rows).toBeGreaterThan(0);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
    expect(isAlive(info.pid)).toBe(false);
  });

  it('explains a port in use and a missing Java in one line, exit 2, without starting anything', async () => {
    const busy = createServer();
    await new Promise<void>((ready) => busy.listen(0, '127.0.0.1', ready));
    const port = (busy.address() as { port: number }).port;
    try {
      const [inUse, noJava] = await Promise.all([
        exstate(['local', '--in-memory', '--port', String(port)], cliEnv()),
        exstate(['local', '--in-memory', '--port', String(await freePort())], cliEnv({ PATH: '/nonexistent' })),
      ]);
      for (const r of [inUse, noJava]) {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack trace
        expect(r.stderr).toMatch(/^exstate: /);
      }
      expect(inUse.stderr).toContain(`Port ${port} is already in use`);
      expect(inUse.stderr).toContain('--port');
      expect(noJava.stderr).toContain('Java was not found');
      expect(noJava.stderr).toContain('docker compose up -d');
    } finally {
      busy.close();
    }
  });
});
