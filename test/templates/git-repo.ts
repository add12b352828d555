/**
 * Real Git repositories in temporary directories for the template tests. Identity, signing and
 * hooks are set per command (-c), so the tests run on a machine with no Git configuration.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const CONFIG = ['-c', 'user.name=Template Author', '-c', 'user.email=author@example.org', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', '-c', 'init.defaultBranch=main'];

/** The environment without variables that would redirect git to another repository. */
function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^GIT_/.test(key)) env[key] = value;
  return env;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...CONFIG, ...args], { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface TempRepo {
  dir: string;
  /** Writes a file (relative path), creating its directories; returns its absolute path. */
  write(path: string, text: string | Buffer): string;
  /** `git add` + `git commit` of the given paths; returns the new HEAD SHA. */
  commit(message: string, ...paths: string[]): string;
  head(): string;
  remove(): void;
}

export function tempRepo(prefix = 'exstate-templates-'): TempRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  git(dir, 'init', '-q');
  return {
    dir,
    write(path, text) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
      return target;
    },
    commit(message, ...paths) {
      git(dir, 'add', '--', ...paths);
      git(dir, 'commit', '-q', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
    head: () => git(dir, 'rev-parse', 'HEAD'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
