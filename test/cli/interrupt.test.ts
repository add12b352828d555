/**
 * Ctrl-C (SIGINT) and SIGTERM during `exstate export` and `exstate import`: the CLI aborts the
 * library's work through an AbortSignal, cleans up, and exits with 130 / 143 and one line; a
 * second signal stops it at once. The CLI talks to DynamoDB Local through a proxy on loopback
 * that holds one request back, so the signal lands while the command is in the middle of its work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportExecutionData } from '../../src/export/index.js';
import { loadFixture } from '../../src/local/demo-fixture.js';
import { createExecutionStore } from '../../src/store.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { cliEnv, spawnCli, waitForOutput } from './support/cli.js';

interface HoldingProxy {
  endpoint: string;
  /** Resolves when the first request for `operation` arrives (and is held). */
  held: Promise<void>;
  /** Lets every held request through. */
  release(): void;
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 to `upstream` that holds every `operation` request until released. */
async function holdingProxy(upstream: string, operation: string): Promise<HoldingProxy> {
  let release!: () => void;
  const released = new Promise<void>((done) => (release = done));
  let arrived!: () => void;
  const held = new Promise<void>((done) => (arrived = done));
  const target = new URL(upstream);
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      if (String(incoming.headers['x-amz-target'] ?? '').endsWith(`.${operation}`)) {
        arrived();
        await released;
      }
      const forward = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      });
      forward.on('error', () => outgoing.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    held,
    release,
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** Runs `exstate <args>` through a proxy holding `operation`, sends `signals` once it is held, then lets it go on. */
async function interrupt(args: string[], table: string, operation: string, signals: NodeJS.Signals[], options: { releaseAfter: boolean }) {
  const proxy = await holdingProxy(source.endpoint, operation);
  try {
    const child = spawnCli(args, cliEnv({ DYNAMODB_ENDPOINT: proxy.endpoint, DATAOPS_EXECUTION_TABLE: table }));
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    await proxy.held;
    for (const signal of signals) {
      child.kill(signal);
      await waitForOutput(child, () => stderr, `${signals[0]}: stopping the`, 20_000);
    }
    if (options.releaseAfter) proxy.release();
    const exit = await exited;
    return { ...exit, stdout, stderr };
  } finally {
    await proxy.close();
  }
}

let source: TestTable;
let work: string;
let exportDir: string;

beforeAll(async () => {
  source = await createTestTable('cli-interrupt');
  await loadFixture(createExecutionStore({ client: source.client, tableName: source.tableName }).service);
  work = mkdtempSync(join(tmpdir(), 'exstate-interrupt-'));
  exportDir = join(work, 'export');
  await exportExecutionData({ client: source.client, tableName: source.tableName, outDir: exportDir, progress: false });
});

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await source?.drop();
});

function expectInterrupted(result: { code: number | null; signal: NodeJS.Signals | null; stderr: string }, signal: NodeJS.Signals, code: number, what: string): void {
  // Handled, not killed by the signal: an exit code, no signal.
  expect(result, result.stderr).toMatchObject({ code, signal: null });
  expect(result.stderr).toContain(`${signal}: stopping the ${what}`);
  const lines = result.stderr.split('\n').filter((line) => line.startsWith('exstate: '));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^exstate: Interrupted by ${signal}`));
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('interrupting export and import', () => {
  it('export: Ctrl-C during the scan ends with exit 130 after cleanup', { timeout: 60_000 }, async () => {
    const result = await interrupt(['export', '--out', join(work, 'interrupted-export')], source.tableName, 'Scan', ['SIGINT'], { releaseAfter: true });
    expectInterrupted(result, 'SIGINT', 130, 'export');
  });

  it('import: SIGTERM during the writes ends with exit 143 after cleanup', { timeout: 60_000 }, async () => {
    const target = await createTestTable('cli-interrupt-target');
    try {
      const result = await interrupt(['import', exportDir], target.tableName, 'BatchWriteItem', ['SIGTERM'], { releaseAfter: true });
      expectInterrupted(result, 'SIGTERM', 143, 'import');
    } finally {
      await target.drop();
    }
  });

  it('a second Ctrl-C stops at once, while the request is still held (exit 130)', { timeout: 60_000 }, async () => {
    const result = await interrupt(['export', '--out', join(work, 'twice')], source.tableName, 'Scan', ['SIGINT', 'SIGINT'], { releaseAfter: false });
    expect(result, result.stderr).toMatchObject({ code: 130, signal: null });
    expect(result.stdout).toBe('');
  });
});
