/**
 * Reading templates from real Git repositories: only text that is committed (and unchanged on
 * disk) is read, its path is relative to the repository root and its version is the full commit
 * SHA; an older commit's text stays readable after the template changes; a missing commit or
 * path is NOT_FOUND.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isExecutionStoreError, type ErrorCode } from '../../src/errors.js';
import { readCommittedTemplate, readFileAtCommit, repositoryRoot } from '../../src/templates/index.js';
import { git, tempRepo, type TempRepo } from './git-repo.js';

const MEETUP = readFileSync(resolve(import.meta.dirname, '../../examples/templates/meetup.yaml'), 'utf8');
const repos: TempRepo[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const repo of repos) repo.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newRepo(): TempRepo {
  const repo = tempRepo();
  repos.push(repo);
  return repo;
}

async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<{ message: string; details: Record<string, unknown> }> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(isExecutionStoreError(error), String(error)).toBe(true);
  expect((error as { code: string }).code, (error as Error).message).toBe(code);
  return error as { message: string; details: Record<string, unknown> };
}

describe('readCommittedTemplate', () => {
  it('reads the committed text: template_id is the path from the repository root, template_version the full HEAD SHA', async () => {
    const repo = newRepo();
    const file = repo.write('templates/events/meetup.yaml', MEETUP);
    const sha = repo.commit('Add the meetup template', 'templates/events/meetup.yaml');
    const committed = await readCommittedTemplate(file);
    expect(committed).toMatchObject({ template_id: 'templates/events/meetup.yaml', template_version: sha, text: MEETUP, source: file, root: repo.dir });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(committed.template.tasks.map((t) => t.ref)).toContain('book-venue');
    // From a relative path and through a symlinked directory, the same path in the repository.
    const link = join(mkdtempSync(join(tmpdir(), 'exstate-link-')), 'repo');
    dirs.push(resolve(link, '..'));
    symlinkSync(repo.dir, link);
    const viaLink = await readCommittedTemplate(join(link, 'templates/events/meetup.yaml'));
    expect(viaLink).toMatchObject({ template_id: 'templates/events/meetup.yaml', template_version: sha });
    const cwd = process.cwd();
    process.chdir(join(repo.dir, 'templates'));
    try {
      expect((await readCommittedTemplate('events/meetup.yaml')).template_id).toBe('templates/events/meetup.yaml');
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses a file that is untracked, staged but not committed, or changed since HEAD (staged or not)', async () => {
    const repo = newRepo();
    repo.write('README.md', 'process knowledge\n');
    repo.commit('Start', 'README.md');
    const file = repo.write('templates/meetup.yaml', MEETUP);
    expect((await rejection(readCommittedTemplate(file), 'VALIDATION')).details.reason).toBe('untracked');
    git(repo.dir, 'add', 'templates/meetup.yaml');
    expect((await rejection(readCommittedTemplate(file), 'VALIDATION')).details.reason).toBe('staged');
    repo.commit('Add the meetup template', 'templates/meetup.yaml');
    expect((await readCommittedTemplate(file)).text).toBe(MEETUP);

    writeFileSync(file, MEETUP.replace('offset_days: -28', 'offset_days: -30'));
    const modified = await rejection(readCommittedTemplate(file), 'VALIDATION');
    expect(modified.details.reason).toBe('modified');
    expect(modified.message).toContain('has changes that are not committed');
    git(repo.dir, 'add', 'templates/meetup.yaml');
    expect((await rejection(readCommittedTemplate(file), 'VALIDATION')).details.reason).toBe('modified');
    // Only the mode changed: the text is still the committed text.
    git(repo.dir, 'reset', '-q', '--', 'templates/meetup.yaml');
    git(repo.dir, 'checkout', '--', 'templates/meetup.yaml');
    chmodSync(file, 0o755);
    expect((await readCommittedTemplate(file)).text).toBe(MEETUP);
  });

  it('takes file names literally (no pathspec magic): a modified neighbour matching as a glob does not count', async () => {
    const repo = newRepo();
    repo.write('templates/ab.yaml', MEETUP);
    repo.commit('ab', 'templates/ab.yaml');
    writeFileSync(join(repo.dir, 'templates/ab.yaml'), `${MEETUP}\n# changed\n`);
    const star = repo.write('templates/a*.yaml', MEETUP);
    expect((await rejection(readCommittedTemplate(star), 'VALIDATION')).details.reason).toBe('untracked');
    git(repo.dir, '--literal-pathspecs', 'add', 'templates/a*.yaml');
    git(repo.dir, 'commit', '-q', '-m', 'star');
    expect((await readCommittedTemplate(star)).template_id).toBe('templates/a*.yaml');
  });

  it('refuses a missing file, a file outside any repository and a repository without commits', async () => {
    const repo = newRepo();
    expect((await rejection(readCommittedTemplate(join(repo.dir, 'templates/nope.yaml')), 'NOT_FOUND')).details.reason).toBe('missing');
    const file = repo.write('meetup.yaml', MEETUP);
    expect((await rejection(readCommittedTemplate(file), 'VALIDATION')).message).toContain('has no commit yet');
    const outside = mkdtempSync(join(tmpdir(), 'exstate-no-repo-'));
    dirs.push(outside);
    writeFileSync(join(outside, 'meetup.yaml'), MEETUP);
    expect((await rejection(readCommittedTemplate(join(outside, 'meetup.yaml')), 'VALIDATION')).details.reason).toBe('not_a_repository');
  });

  it('refuses a committed file that is not a valid template, with its findings', async () => {
    const repo = newRepo();
    const file = repo.write('t.yaml', 'name: x\ntasks:\n  - ref: a\n    title: A\n    offset_days: 9999\n');
    repo.commit('bad', 't.yaml');
    const error = await rejection(readCommittedTemplate(file), 'VALIDATION');
    expect(error.message).toContain(`${file}:5:5: tasks[0].offset_days: must be from -3650 to 3650 (got 9999)`);
    expect((error.details.findings as unknown[]).length).toBe(1);
  });

  it('ignores GIT_DIR and friends in the environment (as set inside git hooks)', async () => {
    const repo = newRepo();
    const other = newRepo();
    const file = repo.write('meetup.yaml', MEETUP);
    const sha = repo.commit('meetup', 'meetup.yaml');
    process.env.GIT_DIR = join(other.dir, '.git');
    process.env.GIT_WORK_TREE = other.dir;
    try {
      expect((await readCommittedTemplate(file)).template_version).toBe(sha);
    } finally {
      delete process.env.GIT_DIR;
      delete process.env.GIT_WORK_TREE;
    }
  });
});

describe('readFileAtCommit', () => {
  it('returns the text as it was at each commit; a commit the repository does not have, or a path not in it, is NOT_FOUND', async () => {
    const repo = newRepo();
    repo.write('templates/meetup.yaml', MEETUP);
    const first = repo.commit('v1', 'templates/meetup.yaml');
    const changed = MEETUP.replace('title: Book the venue', 'title: Book the venue and the AV');
    repo.write('templates/meetup.yaml', changed);
    const second = repo.commit('v2', 'templates/meetup.yaml');
    const root = await repositoryRoot(join(repo.dir, 'templates'));
    expect(root).toBe(repo.dir);
    expect((await readFileAtCommit(root, first, 'templates/meetup.yaml')).toString('utf8')).toBe(MEETUP);
    expect((await readFileAtCommit(root, second, 'templates/meetup.yaml')).toString('utf8')).toBe(changed);

    const missing = await rejection(readFileAtCommit(root, 'f'.repeat(40), 'templates/meetup.yaml'), 'NOT_FOUND');
    expect(missing.details.reason).toBe('missing_commit');
    expect(missing.message).toContain(`Commit ${'f'.repeat(40)} is not in the repository at ${root}`);
    expect((await rejection(readFileAtCommit(root, first, 'templates/other.yaml'), 'NOT_FOUND')).details.reason).toBe('missing_path');
    await rejection(readFileAtCommit(root, 'HEAD', 'templates/meetup.yaml'), 'VALIDATION');
    await rejection(readFileAtCommit(root, first, '../outside.yaml'), 'VALIDATION');
  });
});
