/**
 * The template commands as child processes against DynamoDB Local and real Git repositories:
 * a committed template is instantiated, changed and committed again, and `templates show` of the
 * first instance prints the first text; untracked, modified, missing and invalid files and
 * unknown e-mails are refused with the table unchanged; `templates validate` reports every
 * error with file:line; git missing and commits missing are clear one-line errors.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, type Actor, type ExecutionStore, type Task, type TemplateInstance } from '../../src/index.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { snapshotTable } from '../services/helpers.js';
import { tempRepo, type TempRepo } from '../templates/git-repo.js';
import { ROOT, cliEnv, exstate, parseJson, type CliResult } from './support/cli.js';

const MEETUP = readFileSync(resolve(ROOT, 'examples/templates/meetup.yaml'), 'utf8');
const USAGE = 64;

let table: TestTable;
let env: Record<string, string>;
let store: ExecutionStore;
let repo: TempRepo;
let admin: Actor;
const dirs: string[] = [];

beforeAll(async () => {
  table = await createTestTable('cli-templates');
  env = cliEnv({ DYNAMODB_ENDPOINT: table.endpoint, DATAOPS_EXECUTION_TABLE: table.tableName });
  store = createExecutionStore({ client: table.client, tableName: table.tableName });
  const anna = await store.users.create({ email: 'anna.schmidt@example.org', display_name: 'Anna Schmidt', role: 'admin', timezone: 'Europe/Berlin' });
  await store.users.create({ email: 'ben.carter@example.org', display_name: 'Ben Carter', role: 'operator', timezone: 'America/Los_Angeles' });
  await store.users.create({ email: 'chloe.ngata@example.org', display_name: 'Chloé Ngata', role: 'operator', timezone: 'Pacific/Auckland' });
  admin = { user_id: anna.user_id, role: 'admin' };
  repo = tempRepo('exstate-process-knowledge-');
});

afterAll(async () => {
  repo?.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await table?.drop();
});

function expectOneLineError(result: CliResult, code: number, ...fragments: string[]): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr.trim().split('\n').filter((line) => /^(exstate|error): /.test(line)), result.stderr).toHaveLength(1);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const instantiate = (template: string, title: string, extra: string[] = []) =>
  exstate(['bundles', 'instantiate', '--template', template, '--title', title, '--anchor-date', '2027-03-12', '--owner', 'anna.schmidt@example.org', ...extra], env);

interface Instantiated {
  bundle: { bundle_id: string; title: string; template_instance_id: string };
  template_instance: TemplateInstance;
  repository: string;
  items: Task[];
}

/** The template text as `templates show` prints it (between its markers). */
function shownText(stdout: string): string {
  const match = /-----\n([\s\S]*)\n----- end of template -----/.exec(stdout);
  if (!match) throw new Error(`no template text in:\n${stdout}`);
  return `${match[1]}\n`;
}

describe('bundles instantiate and templates show', () => {
  it('pins each instance to its commit: after the template changes, the first instance still shows the first text', async () => {
    const file = repo.write('templates/meetup.yaml', MEETUP);
    const first = repo.commit('Add the meetup template', 'templates/meetup.yaml');

    const one = await instantiate(file, 'Meetup March 2027', ['--json']);
    expect(one.code, one.stderr).toBe(0);
    const a = parseJson<Instantiated>(one);
    expect(a.template_instance).toMatchObject({ template_id: 'templates/meetup.yaml', template_version: first, anchor_date: '2027-03-12' });
    expect(a.bundle).toMatchObject({ title: 'Meetup March 2027', template_instance_id: a.template_instance.template_instance_id });
    expect(a.repository).toBe(repo.dir);
    expect(a.items.map((t) => t.template_task_ref)).toEqual(a.template_instance.task_refs);
    expect(a.items.find((t) => t.template_task_ref === 'host-meetup')!.due_date).toBe('2027-03-12');

    const changed = MEETUP.replace('title: Book the venue', 'title: Book the venue and the AV crew').replace('offset_days: -28', 'offset_days: -35');
    writeFileSync(file, changed);
    const second = repo.commit('Meetup: book the AV crew with the venue, a week earlier', 'templates/meetup.yaml');
    const two = await instantiate(file, 'Meetup April 2027', ['--json']);
    expect(two.code, two.stderr).toBe(0);
    const b = parseJson<Instantiated>(two);
    expect(b.template_instance.template_version).toBe(second);
    expect(b.items.find((t) => t.template_task_ref === 'book-venue')).toMatchObject({ title: 'Book the venue and the AV crew', due_date: '2027-02-05' });

    // The first instance's tasks move on; show prints the text of its commit and their status now.
    const venue = a.items.find((t) => t.template_task_ref === 'book-venue')!;
    await store.tasks.transition({ task_id: venue.task_id, to: 'done', actor: admin });
    const [showFirst, showFirstJson, showSecond] = await Promise.all([
      exstate(['templates', 'show', a.template_instance.template_instance_id, '--repo', repo.dir], env),
      exstate(['templates', 'show', a.template_instance.template_instance_id, '--json'], env, { cwd: join(repo.dir, 'templates') }),
      exstate(['templates', 'show', b.template_instance.template_instance_id, '--repo', repo.dir], env),
    ]);
    expect(showFirst.code, showFirst.stderr).toBe(0);
    expect(shownText(showFirst.stdout)).toBe(MEETUP);
    expect(showFirst.stdout).not.toContain('AV crew');
    expect(showFirst.stdout).toContain(`templates/meetup.yaml at commit ${first}`);
    expect(showFirst.stdout).toMatch(new RegExp(`│ book-venue\\s+│ ${venue.task_id} │ Book the venue\\s+│ 2027-02-12 │ done\\s+│ anna\\.schmidt@example\\.org`));
    expect(showFirst.stdout).toContain(`The ${a.items.length} tasks it produced, now:`);

    expect(showFirstJson.code, showFirstJson.stderr).toBe(0);
    const json = parseJson<{ template: { path: string; commit: string; text: string }; repository: string; items: Task[] }>(showFirstJson);
    expect(json.template).toEqual({ path: 'templates/meetup.yaml', commit: first, text: MEETUP });
    expect(json.repository).toBe(repo.dir);
    expect(json.items.map((t) => [t.template_task_ref, t.status])).toEqual(a.items.map((t) => [t.template_task_ref, t.template_task_ref === 'book-venue' ? 'done' : 'todo']));

    expect(showSecond.code, showSecond.stderr).toBe(0);
    expect(shownText(showSecond.stdout)).toBe(changed);
  });

  it('refuses untracked, modified, missing and invalid files and unknown e-mails, and the table stays as it was', async () => {
    repo.write('templates/invalid.yaml', MEETUP.replace('offset_days: -21', 'offset_days: 4000'));
    repo.write('templates/unknown-person.yaml', MEETUP.replace('assignee: chloe.ngata@example.org', 'assignee: nobody@example.org'));
    repo.commit('Two templates with mistakes', 'templates/invalid.yaml', 'templates/unknown-person.yaml');
    const untracked = repo.write('templates/draft.yaml', MEETUP);
    const modified = join(repo.dir, 'templates/meetup.yaml');
    const committedText = readFileSync(modified, 'utf8');
    writeFileSync(modified, `${committedText}# work in progress\n`);
    const invalidLine = MEETUP.split('\n').findIndex((line) => line.includes('offset_days: -21')) + 1;
    const unknownLine = MEETUP.split('\n').findIndex((line) => line.includes('assignee: chloe.ngata@example.org')) + 1;

    const before = await snapshotTable(table.endpoint, table.tableName);
    try {
      const [u, m, missing, invalid, unknown] = await Promise.all([
        instantiate(untracked, 'Draft'),
        instantiate(modified, 'Modified'),
        instantiate(join(repo.dir, 'templates/nope.yaml'), 'Missing'),
        instantiate(join(repo.dir, 'templates/invalid.yaml'), 'Invalid'),
        instantiate(join(repo.dir, 'templates/unknown-person.yaml'), 'Unknown person'),
      ]);
      expectOneLineError(u, 1, 'templates/draft.yaml is not committed', 'git add templates/draft.yaml && git commit');
      expectOneLineError(m, 1, 'has changes that are not committed');
      expectOneLineError(missing, 1, 'nope.yaml does not exist');
      expectOneLineError(invalid, 1, `invalid.yaml:${invalidLine}:5: tasks[1].offset_days: must be from -3650 to 3650 (got 4000)`);
      expectOneLineError(unknown, 1, `No user has the e-mail nobody@example.org (${join(repo.dir, 'templates/unknown-person.yaml')}:${unknownLine} tasks[3].assignee)`);
      for (const r of [u, m, missing, invalid, unknown]) expect(r.stdout).toBe('');
    } finally {
      writeFileSync(modified, committedText);
    }
    const after = await snapshotTable(table.endpoint, table.tableName);
    expect(after.count).toBe(before.count);
    expect(after.text === before.text).toBe(true);
  });

  it('acts as --as with that user\'s role: an operator cannot assign others, so nothing is written', async () => {
    const before = await snapshotTable(table.endpoint, table.tableName);
    const result = await instantiate(join(repo.dir, 'templates/meetup.yaml'), 'As Ben', ['--as', 'ben.carter@example.org']);
    expectOneLineError(result, 1, 'Operators can only');
    expect((await snapshotTable(table.endpoint, table.tableName)).text === before.text).toBe(true);
  });

  it('show: an unknown instance, a commit the repository does not have and a directory outside Git are clear errors', async () => {
    const orphan = await store.bundles.instantiateTemplate({
      template: { template_id: 'templates/meetup.yaml', template_version: 'f'.repeat(40), tasks: [{ ref: 'a', title: 'A', offset_days: 0 }] },
      title: 'From a commit nobody has',
      owner_id: admin.user_id,
      anchor_date: '2027-01-01',
      actor: admin,
    });
    const outside = mkdtempSync(join(tmpdir(), 'exstate-not-git-'));
    dirs.push(outside);
    const [unknown, missingCommit, notGit, badId] = await Promise.all([
      exstate(['templates', 'show', 'tpi_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4', '--repo', repo.dir], env),
      exstate(['templates', 'show', orphan.template_instance.template_instance_id, '--repo', repo.dir], env),
      exstate(['templates', 'show', orphan.template_instance.template_instance_id, '--repo', outside], env),
      exstate(['templates', 'show', 'bdl_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4'], env),
    ]);
    expectOneLineError(unknown, 1, 'No template instance has the ID tpi_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4');
    expectOneLineError(missingCommit, 1, `Commit ${'f'.repeat(40)} is not in the repository at ${repo.dir}`, '--repo');
    expectOneLineError(notGit, 1, 'is not inside a Git repository');
    expect(badId.code).toBe(USAGE);
    expect(badId.stderr).toContain('expected a template instance ID');
  });

  it('without git on PATH: instantiate is a configuration error (exit 4), validate still works', async () => {
    const noGit = { ...env, PATH: '/nonexistent' };
    const [instantiated, validated] = await Promise.all([
      exstate(['bundles', 'instantiate', '--template', join(repo.dir, 'templates/meetup.yaml'), '--title', 'T', '--anchor-date', '2027-03-12', '--owner', 'anna.schmidt@example.org'], noGit),
      exstate(['templates', 'validate', join(ROOT, 'examples/templates')], noGit),
    ]);
    expectOneLineError(instantiated, 4, 'The git executable was not found on PATH');
    expect(validated.code, validated.stderr).toBe(0);
  });

  it('bad arguments are usage errors before anything runs', async () => {
    const [noTitle, badDate, badOwner] = await Promise.all([
      exstate(['bundles', 'instantiate', '--template', 'x.yaml', '--anchor-date', '2027-03-12', '--owner', 'anna.schmidt@example.org'], env),
      exstate(['bundles', 'instantiate', '--template', 'x.yaml', '--title', 'T', '--anchor-date', '2027-02-30', '--owner', 'anna.schmidt@example.org'], env),
      exstate(['bundles', 'instantiate', '--template', 'x.yaml', '--title', 'T', '--anchor-date', '2027-02-03', '--owner', 'anna'], env),
    ]);
    for (const r of [noTitle, badDate, badOwner]) expect(r.code, r.stderr).toBe(USAGE);
    expect(noTitle.stderr).toContain("required option '--title <text>' not specified");
    expect(badDate.stderr).toContain('--anchor-date must be a calendar date');
  });
});

describe('templates validate', () => {
  it('passes the examples, as CI runs it', async () => {
    const result = await exstate(['templates', 'validate', 'examples/templates'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('ok       examples/templates/meetup.yaml  (Community meetup, 11 tasks)');
    expect(result.stdout).toContain('3 template files, all valid.');
  });

  it('lists every error of every file with file:line and key path, exit 1; --json has them as items', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exstate-validate-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.yaml'), 'name: A\ntasks:\n  - ref: one\n    title: One\n    offset_days: 0\n    asignee: ben.carter@example.org\n');
    writeFileSync(join(dir, 'b.yml'), 'name: B\ntasks:\n  - ref: x\n    title: X\n    offset_days: 0\n  - ref: x\n    title: Y\n');
    writeFileSync(join(dir, 'c.yaml'), MEETUP);
    writeFileSync(join(dir, 'notes.md'), 'not a template');
    const [text, json] = await Promise.all([exstate(['templates', 'validate', dir], env), exstate(['templates', 'validate', dir, join(dir, 'missing.yaml'), '--json'], env)]);
    expectOneLineError(text, 1, '2 of 3 template files invalid (3 errors)');
    expect(text.stdout).toContain(`${join(dir, 'a.yaml')}:6:5: tasks[0].asignee: unknown key "asignee" (did you mean "assignee"?)  [UNKNOWN_KEY]`);
    expect(text.stdout).toContain(`${join(dir, 'b.yml')}:6:5: tasks[1].ref: ref "x" is already used by tasks[0] (line 3)`);
    expect(text.stdout).toContain(`${join(dir, 'b.yml')}:6:5: tasks[1].offset_days: missing required key "offset_days"  [MISSING_KEY]`);
    expect(text.stdout).toContain(`ok       ${join(dir, 'c.yaml')}`);
    expect(json.code).toBe(1);
    const report = parseJson<{ ok: boolean; files: { file: string; ok: boolean }[]; total_findings: number; items: { file: string; line?: number; path: string; code: string }[] }>(json);
    expect(report.ok).toBe(false);
    expect(report.files.map((f) => [f.file, f.ok])).toEqual([
      [join(dir, 'a.yaml'), false],
      [join(dir, 'b.yml'), false],
      [join(dir, 'c.yaml'), true],
      [join(dir, 'missing.yaml'), false],
    ]);
    expect(report.items.map((f) => [f.file.slice(dir.length + 1), f.line, f.path, f.code])).toEqual([
      ['a.yaml', 6, 'tasks[0].asignee', 'UNKNOWN_KEY'],
      ['b.yml', 6, 'tasks[1].offset_days', 'MISSING_KEY'],
      ['b.yml', 6, 'tasks[1].ref', 'DUPLICATE_REF'],
      ['missing.yaml', undefined, '', 'FILE'],
    ]);
    expect(report.total_findings).toBe(4);
  });
});
