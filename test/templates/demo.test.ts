/**
 * The `npm start` template demo (src/local/demo-template.ts) against DynamoDB Local: it commits
 * the example to a throwaway repository on a machine with no Git identity, two starts at once
 * both succeed on the same commit, a later start finds the bundle instead of making another, and
 * it never runs git in a directory that is not its own repository.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, type ExecutionStore } from '../../src/index.js';
import { demoTemplateOrReason, ensureDemoTemplateBundle, type DemoTemplateOptions } from '../../src/local/demo-template.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { git } from './git-repo.js';

const SOURCE = resolve(import.meta.dirname, '../../examples/templates/meetup.yaml');
let table: TestTable;
let store: ExecutionStore;
let work: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  table = await createTestTable('template-demo');
  store = createExecutionStore({ client: table.client, tableName: table.tableName });
  for (const [email, role] of [
    ['anna.schmidt@example.org', 'admin'],
    ['ben.carter@example.org', 'operator'],
    ['chloe.ngata@example.org', 'operator'],
  ] as const) {
    await store.users.create({ email, display_name: email, role, timezone: 'UTC' });
  }
  work = mkdtempSync(join(tmpdir(), 'exstate-demo-'));
  // A machine with no Git configuration at all: no global or system identity.
  for (const name of ['HOME', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL']) saved[name] = process.env[name];
  mkdirSync(join(work, 'home'));
  Object.assign(process.env, { HOME: join(work, 'home'), XDG_CONFIG_HOME: join(work, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(work, 'home', 'none') });
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(work, { recursive: true, force: true });
  await table?.drop();
});

const options = (repoDir: string, extra: Partial<DemoTemplateOptions> = {}): DemoTemplateOptions => ({
  source: SOURCE,
  repoDir,
  path: 'templates/meetup.yaml',
  ownerEmail: 'anna.schmidt@example.org',
  anchorDate: '2027-03-12',
  ...extra,
});

describe('the npm start template demo', () => {
  it('two starts at once both instantiate the same commit; a later start finds the bundle', async () => {
    const repoDir = join(work, 'template-repo');
    const [a, b] = await Promise.all([ensureDemoTemplateBundle(store, options(repoDir, { freshTable: true })), ensureDemoTemplateBundle(store, options(repoDir, { freshTable: true }))]);
    expect(a.template_version).toMatch(/^[0-9a-f]{40}$/);
    expect(b.template_version).toBe(a.template_version);
    expect([a.created, b.created]).toEqual([true, true]);
    expect(a).toMatchObject({ repository: repoDir, template_id: 'templates/meetup.yaml', tasks: 11 });
    expect(readFileSync(join(repoDir, 'templates/meetup.yaml'), 'utf8')).toBe(readFileSync(SOURCE, 'utf8'));
    expect(git(repoDir, 'log', '--format=%an <%ae> %aI', '-1')).toBe('exstate demo <demo@example.org> 2026-01-01T00:00:00+00:00');
    expect(git(repoDir, 'rev-list', '--count', 'HEAD')).toBe('1');

    const again = await ensureDemoTemplateBundle(store, options(repoDir));
    expect(again.created).toBe(false);
    expect([a.bundle.bundle_id, b.bundle.bundle_id]).toContain(again.bundle.bundle_id);
    expect(again.template_instance.template_version).toBe(a.template_version);
  });

  it('a changed example is a new commit and a new instance; the old commit stays', async () => {
    const repoDir = join(work, 'changing-repo');
    const source = join(work, 'meetup.yaml');
    writeFileSync(source, readFileSync(SOURCE));
    const first = await ensureDemoTemplateBundle(store, options(repoDir, { source }));
    writeFileSync(source, readFileSync(SOURCE, 'utf8').replace('title: Book the venue', 'title: Book the venue early'));
    const second = await ensureDemoTemplateBundle(store, options(repoDir, { source }));
    expect(second.created).toBe(true);
    expect(second.template_version).not.toBe(first.template_version);
    expect(git(repoDir, 'rev-list', 'HEAD').split('\n')).toEqual([second.template_version, first.template_version]);
  });

  it('refuses a directory that is not its own repository, and reports why instead of failing npm start', async () => {
    const repoDir = join(work, 'not-a-repo');
    mkdirSync(repoDir);
    writeFileSync(join(repoDir, 'notes.txt'), 'mine');
    const result = await demoTemplateOrReason(store, options(repoDir));
    expect(result).toEqual({ skipped: `${repoDir} exists but is not a Git repository: remove it` });
    expect(existsSync(join(repoDir, '.git'))).toBe(false);
    // Same text, identity and date: the same commit as in the first test's repository, whose bundle a
    // non-fresh table would find; in a fresh one the owner is needed.
    expect(await demoTemplateOrReason(store, options(join(work, 'other'), { ownerEmail: 'nobody@example.org', freshTable: true }))).toEqual({
      skipped: "the demo template's owner nobody@example.org is not in this table",
    });
  });
});
