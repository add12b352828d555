/**
 * Runs the real `exstate` launcher (bin/exstate.mjs) as a child process, with an environment
 * built from scratch for the case at hand (nothing leaks in from the test runner's stage).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = resolve(ROOT, 'bin/exstate.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const CONFIG_VARIABLES = /^(DATAOPS_|DYNAMODB_|AWS_|NODE_ENV$|EXSTATE_)/;

/** The runner's environment without any store configuration, plus `overrides` (undefined removes). */
export function cliEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !CONFIG_VARIABLES.test(key)) env[key] = value;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface SpawnOptions {
  /** A command the CLI runs under, e.g. `unshare …` (it gets node, the launcher and the arguments appended). */
  wrap?: readonly string[];
  /** Run as this user and group (the test runner must be root to switch). */
  uid?: number;
  gid?: number;
}

export function spawnCli(args: readonly string[], env: Record<string, string>, cwd = ROOT, options: SpawnOptions = {}): ChildProcessWithoutNullStreams {
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  return spawn(command!, [...prefix, BIN, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], uid: options.uid, gid: options.gid });
}

export function exstate(args: readonly string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } & SpawnOptions = {}): Promise<CliResult> {
  const started = performance.now();
  const child = spawnCli(args, env, options.cwd, options);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/**
 * Preloaded (NODE_OPTIONS=--import) into a CLI child by tests that must prove the CLI sent
 * nothing: every outgoing connection is refused and reported on stderr as "network tripwire: …".
 */
export const NETWORK_TRIPWIRE = resolve(ROOT, 'test/cli/support/network-tripwire.mjs');

/** The environment plus the network tripwire. */
export function withTripwire(env: Record<string, string>): Record<string, string> {
  return { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(NETWORK_TRIPWIRE).href}`.trim() };
}

/** stdout parsed as JSON, failing with the CLI's stderr when it is not. */
export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`exit ${result.code}; stdout is not JSON:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Resolves when `read()` contains `text`; rejects when the child exits first or time runs out. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, read: () => string, text: string | RegExp, timeoutMs: number): Promise<void> {
  const matches = () => (typeof text === 'string' ? read().includes(text) : text.test(read()));
  return new Promise((found, fail) => {
    if (matches()) return found();
    const timer = setTimeout(() => {
      cleanup();
      fail(new Error(`timed out after ${timeoutMs} ms waiting for ${String(text)}; output so far:\n${read()}`));
    }, timeoutMs);
    const onData = () => {
      if (matches()) {
        cleanup();
        found();
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      if (matches()) found();
      else fail(new Error(`exited with ${code} before printing ${String(text)}; output:\n${read()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
