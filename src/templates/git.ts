/**
 * Git, through the `git` executable with argument arrays (execFile: no shell, so no path or
 * commit a user typed is ever interpreted). Reads a template exactly as committed and shows a
 * file at a commit; nothing here writes to a repository.
 */
import { execFile } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError, NotFoundError, ValidationError } from '../errors.js';
import { MAX_TEMPLATE_FILE_BYTES } from './schema.js';

/** A commit SHA as the store records it (SHA-1 or SHA-256 object names, possibly abbreviated). */
export const COMMIT_SHA = /^[0-9a-f]{7,64}$/;

/** Variables that would point git at another repository than the one the path is in (set inside git hooks, for example). */
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX'];

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Runs git in `cwd`; resolves with any exit code (callers decide what a non-zero code means). */
export function runGit(cwd: string, args: readonly string[], options: { env?: Record<string, string | undefined>; maxBuffer?: number } = {}): Promise<GitResult> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
  for (const name of REPOSITORY_VARIABLES) if (!(options.env && name in options.env)) delete env[name];
  return new Promise((done, fail) => {
    execFile('git', ['--literal-pathspecs', ...args], { cwd, env, encoding: 'buffer', maxBuffer: options.maxBuffer ?? 4 * MAX_TEMPLATE_FILE_BYTES, windowsHide: true }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'ENOENT') {
        fail(new ConfigError('The git executable was not found on PATH: install Git (https://git-scm.com) to read templates from a repository', { field: 'git' }));
        return;
      }
      if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        fail(new ValidationError(`git ${args[0]} printed more than ${options.maxBuffer ?? 4 * MAX_TEMPLATE_FILE_BYTES} bytes: a template file may be at most ${MAX_TEMPLATE_FILE_BYTES}`, { field: 'template' }));
        return;
      }
      if (error && typeof code !== 'number') {
        fail(error);
        return;
      }
      done({ stdout, stderr: stderr.toString('utf8').trim(), code: typeof code === 'number' ? code : 0 });
    });
  });
}

/** Runs git and returns stdout; a non-zero exit is a CONFIG error carrying git's own message (a broken or unreadable repository). */
async function gitOutput(cwd: string, args: readonly string[]): Promise<Buffer> {
  const result = await runGit(cwd, args);
  if (result.code !== 0) {
    throw new ConfigError(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.split('\n')[0] || `exit code ${result.code}`}`, { field: 'git' });
  }
  return result.stdout;
}

const line = (buffer: Buffer) => buffer.toString('utf8').trim();

/** The root of the repository that contains `dir` (symlinks resolved). */
export async function repositoryRoot(dir: string): Promise<string> {
  let cwd: string;
  try {
    cwd = realpathSync(dir);
  } catch {
    throw new NotFoundError(`${dir} does not exist`, { field: 'repo' });
  }
  const result = await runGit(cwd, ['rev-parse', '--show-toplevel']);
  if (result.code !== 0) {
    throw new ValidationError(`${dir} is not inside a Git repository: templates are read from the process-knowledge repository (git clone it, or pass its directory)`, { field: 'repo', reason: 'not_a_repository' });
  }
  return realpathSync(line(result.stdout));
}

export interface CommittedFile {
  /** Root of the repository that contains the file. */
  root: string;
  /** The file's path relative to the root, with forward slashes. */
  path: string;
  /** The full SHA of HEAD, where the file's text was read. */
  commit: string;
  /** The file's bytes as committed. */
  bytes: Buffer;
}

/**
 * The file as committed at HEAD of the repository that contains it. Refused (VALIDATION, with
 * `reason`) when it is not committed, or when the file on disk differs from the committed text:
 * what gets recorded must be text that exists in Git.
 */
export async function readCommittedFile(file: string): Promise<CommittedFile> {
  let absolute: string;
  try {
    absolute = realpathSync(resolve(file));
    if (!statSync(absolute).isFile()) throw new ValidationError(`${file} is not a file`, { field: 'template', reason: 'not_a_file' });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new NotFoundError(`${file} does not exist`, { field: 'template', reason: 'missing' });
  }
  const root = await repositoryRoot(dirname(absolute));
  const path = relative(root, absolute).split(sep).join('/');
  const head = await runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.code !== 0) {
    throw new ValidationError(`${file}: the repository ${root} has no commit yet: commit the template first (git add ${path} && git commit)`, { field: 'template', reason: 'untracked' });
  }
  const commit = line(head.stdout);
  const committedBlob = await runGit(root, ['rev-parse', '--verify', '--quiet', `${commit}:${path}`]);
  if (committedBlob.code !== 0) {
    const staged = (await gitOutput(root, ['ls-files', '--', path])).length > 0;
    throw new ValidationError(
      staged
        ? `${file} is staged but not committed: commit it first (git commit), so the instance can point at text that exists in Git`
        : `${file} is not committed in ${root} (untracked): git add ${path} && git commit, so the instance can point at text that exists in Git`,
      { field: 'template', reason: staged ? 'staged' : 'untracked', path },
    );
  }
  // The blob the file on disk would be (clean filters such as autocrlf applied), without writing it.
  const workingBlob = await gitOutput(root, ['hash-object', `--path=${path}`, '--', absolute]);
  if (line(workingBlob) !== line(committedBlob.stdout)) {
    throw new ValidationError(
      `${file} has changes that are not committed (it differs from HEAD ${commit.slice(0, 12)}): commit them (or git restore ${path}) first, so the instance points at text that exists in Git`,
      { field: 'template', reason: 'modified', path, commit },
    );
  }
  const bytes = await gitOutput(root, ['cat-file', 'blob', `${commit}:${path}`]);
  return { root, path, commit, bytes };
}

/** True when the repository has this commit. */
export async function hasCommit(root: string, commit: string): Promise<boolean> {
  return (await runGit(root, ['cat-file', '-e', `${commit}^{commit}`])).code === 0;
}

/** `path` exactly as it was at `commit` (git cat-file blob <commit>:<path>, the bytes `git show` prints). */
export async function readFileAtCommit(root: string, commit: string, path: string): Promise<Buffer> {
  if (!COMMIT_SHA.test(commit)) throw new ValidationError(`${JSON.stringify(commit)} is not a commit SHA`, { field: 'template_version' });
  if (isAbsolute(path) || path.split('/').includes('..')) throw new ValidationError(`${JSON.stringify(path)} is not a path inside a repository`, { field: 'template_id' });
  if (!(await hasCommit(root, commit))) {
    throw new NotFoundError(
      `Commit ${commit} is not in the repository at ${root}: fetch it (git fetch), or pass --repo with a clone of the repository the template came from`,
      { field: 'template_version', reason: 'missing_commit', commit },
    );
  }
  const result = await runGit(root, ['cat-file', 'blob', `${commit}:${path}`]);
  if (result.code !== 0) {
    throw new NotFoundError(`${path} does not exist at commit ${commit} of the repository at ${root}: is this the repository the template came from?`, {
      field: 'template_id',
      reason: 'missing_path',
      commit,
      path,
    });
  }
  return result.stdout;
}
