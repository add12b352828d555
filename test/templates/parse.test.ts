/**
 * The template file format: the examples are valid, the committed JSON Schema is the one the code
 * builds (from the service's limits), and every kind of mistake is a finding with the file, the
 * line, the key path and a code, all of a file's mistakes at once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MAX_TEMPLATE_TASKS, MAX_TRANSACTION_ITEMS, TEMPLATE_OFFSET_DAYS } from '../../src/services/bundles.js';
import { committedTemplateFromText, formatFinding, parseTemplate, type TemplateFinding } from '../../src/templates/index.js';
import { decodeTemplateBytes } from '../../src/templates/parse.js';
import { MAX_TEMPLATE_FILE_BYTES, TEMPLATE_FILE_SCHEMA, TEMPLATE_SCHEMA_FILE, templateSchemaJson } from '../../src/templates/schema.js';
import { validateTemplatePaths } from '../../src/templates/validate-files.js';
import { isExecutionStoreError } from '../../src/errors.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples/templates');

/** A minimal valid template with `tasks` as given (YAML lines). */
const withTasks = (tasks: string) => `name: T\ntasks:\n${tasks}`;
const task = (ref: string, extra = '') => `  - ref: ${ref}\n    title: Task ${ref}\n    offset_days: 0\n${extra}`;

/** [line, path, code] of each finding. */
const summary = (findings: readonly TemplateFinding[]) => findings.map((f) => [f.line, f.path, f.code]);

describe('example templates', () => {
  const files = readdirSync(EXAMPLES).filter((name) => /\.ya?ml$/.test(name));

  it('are valid and cover a meetup, a newsletter issue and a course launch', () => {
    expect(files.sort()).toEqual(['course-launch.yaml', 'meetup.yaml', 'newsletter-issue.yaml']);
    for (const name of files) {
      const parsed = parseTemplate(readFileSync(join(EXAMPLES, name), 'utf8'), name);
      expect(parsed.findings, name).toEqual([]);
      const template = parsed.template!;
      expect(template.tasks.length, name).toBeGreaterThanOrEqual(8);
      expect(template.tasks.some((t) => t.milestone), name).toBe(true);
      expect(template.tasks.some((t) => t.required_link_name), name).toBe(true);
      expect(template.tasks.map((t) => t.stage_on_complete).filter(Boolean), name).toContain('done');
    }
    expect(validateTemplatePaths([EXAMPLES])).toMatchObject({ ok: true, findings: [] });
  });
});

describe('the JSON Schema', () => {
  it('is committed exactly as the code builds it (npx tsx scripts/template-schema.ts rewrites it)', () => {
    expect(readFileSync(join(ROOT, TEMPLATE_SCHEMA_FILE), 'utf8')).toBe(templateSchemaJson());
  });

  it("takes its limits from the service that writes an instance", () => {
    expect(TEMPLATE_FILE_SCHEMA.properties.tasks.maxItems).toBe(MAX_TEMPLATE_TASKS);
    expect(TEMPLATE_FILE_SCHEMA.definitions.task.properties.offset_days).toMatchObject({ minimum: TEMPLATE_OFFSET_DAYS.min, maximum: TEMPLATE_OFFSET_DAYS.max });
  });

  it('works for another tool on its own: ajv with the committed file accepts the examples and rejects a bad one', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, TEMPLATE_SCHEMA_FILE), 'utf8')) as object);
    for (const name of readdirSync(EXAMPLES)) expect(validate(parseYaml(readFileSync(join(EXAMPLES, name), 'utf8'))), name).toBe(true);
    expect(validate({ name: 'x', tasks: [{ ref: 'a', title: 'A', offset_days: 0, assignee_id: 'usr_1' }] })).toBe(false);
  });
});

describe('findings', () => {
  it('reports every error of a file at once, each with line, column, key path and code', () => {
    const text = [
      'name: Bad', //  1
      'emoji:', //  2
      'tags: [a, a]', //  3
      'links:', //  4
      '  - name: Luma', //  5
      '  - name: Luma', //  6
      'tasks:', //  7
      '  - ref: book-venue', //  8
      '    title: Book', //  9
      `    offset_days: ${TEMPLATE_OFFSET_DAYS.max + 1}`, // 10
      '    assignee_id: usr_x', // 11
      '  - ref: book-venue', // 12
      '    title: Again', // 13
      '    offset_days: 1.5', // 14
      '    assignee: not-an-email', // 15
      '    requires_file: yes', // 16
      '    stage_on_complete: after-event', // 17
      '    required_link_name: Meetup', // 18
      '    instructions_url: sops/venue.md', // 19
      '    title: Twice', // 20
      '  - ref: Bad Ref', // 21
      '    offset_days: "3"', // 22
      '',
    ].join('\n');
    const { template, findings } = parseTemplate(text, 'templates/bad.yaml');
    expect(template).toBeNull();
    expect(summary(findings)).toEqual([
      [2, 'emoji', 'WRONG_TYPE'],
      [3, 'tags[1]', 'INVALID_VALUE'],
      [6, 'links[1].name', 'DUPLICATE_LINK'],
      [10, 'tasks[0].offset_days', 'OUT_OF_RANGE'],
      [11, 'tasks[0].assignee_id', 'UNKNOWN_KEY'],
      [12, 'tasks[1].ref', 'DUPLICATE_REF'],
      [14, 'tasks[1].offset_days', 'WRONG_TYPE'],
      [15, 'tasks[1].assignee', 'INVALID_VALUE'],
      [16, 'tasks[1].requires_file', 'WRONG_TYPE'],
      [17, 'tasks[1].stage_on_complete', 'INVALID_VALUE'],
      [18, 'tasks[1].required_link_name', 'UNKNOWN_LINK'],
      [19, 'tasks[1].instructions_url', 'INVALID_VALUE'],
      [20, 'tasks[1].title', 'DUPLICATE_KEY'],
      [21, 'tasks[2].title', 'MISSING_KEY'],
      [21, 'tasks[2].ref', 'INVALID_VALUE'],
      [22, 'tasks[2].offset_days', 'WRONG_TYPE'],
    ]);
    for (const finding of findings) expect(finding).toMatchObject({ file: 'templates/bad.yaml', column: expect.any(Number) });
    const message = (path: string) => findings.find((f) => f.path === path)!.message;
    expect(message('tasks[0].offset_days')).toBe(`must be from ${TEMPLATE_OFFSET_DAYS.min} to ${TEMPLATE_OFFSET_DAYS.max} (got ${TEMPLATE_OFFSET_DAYS.max + 1})`);
    expect(message('tasks[0].assignee_id')).toBe('unknown key "assignee_id" (did you mean "assignee"?)');
    expect(message('tasks[1].ref')).toContain('already used by tasks[0] (line 8)');
    expect(message('tasks[1].title')).toContain('first on line 13');
    expect(message('tasks[1].stage_on_complete')).toBe('must be one of preparation, announced, after_event, done (got "after-event")');
    expect(message('tasks[1].required_link_name')).toContain('declare it under links');
    expect(formatFinding(findings[3]!)).toBe(`templates/bad.yaml:10:5: tasks[0].offset_days: ${message('tasks[0].offset_days')}`);
  });

  it.each([
    ['an empty file', '', [[undefined, '', 'FILE']]],
    ['only comments', '# nothing yet\n', [[undefined, '', 'FILE']]],
    ['a list instead of a mapping', '- a\n- b\n', [[1, '', 'WRONG_TYPE']]],
    ['broken YAML', 'name: x\ntasks: [\n', [[3, '', 'YAML']]],
    ['two documents', `${withTasks(task('a'))}---\nname: second\n`, [[6, '', 'YAML']]],
    ['no name, no tasks', 'description: x\n', [[1, 'name', 'MISSING_KEY'], [1, 'tasks', 'MISSING_KEY']]],
    ['an empty task list', 'name: x\ntasks: []\n', [[2, 'tasks', 'INVALID_VALUE']]],
    ['a misspelt top-level key', `name: x\nemojis: 🎤\n${'tasks:\n'}${task('a')}`, [[2, 'emojis', 'UNKNOWN_KEY']]],
    ['an unknown key in a link slot', withTasks(task('a')).replace('tasks:', 'links:\n  - name: Luma\n    url: https://lu.ma/x\ntasks:'), [[4, 'links[0].url', 'UNKNOWN_KEY']]],
    ['a duplicate top-level key', `name: x\nname: y\n${'tasks:\n'}${task('a')}`, [[2, 'name', 'DUPLICATE_KEY']]],
    ['the lowest offset', withTasks(task('a').replace('offset_days: 0', `offset_days: ${TEMPLATE_OFFSET_DAYS.min}`)), []],
    ['an offset below the range', withTasks(task('a').replace('offset_days: 0', `offset_days: ${TEMPLATE_OFFSET_DAYS.min - 1}`)), [[5, 'tasks[0].offset_days', 'OUT_OF_RANGE']]],
    ['a blank title', withTasks(task('a').replace('title: Task a', 'title: "   "')), [[4, 'tasks[0].title', 'INVALID_VALUE']]],
    ['an anchor and an alias repeating a task', 'name: x\ntasks:\n  - &t {ref: a, title: A, offset_days: 0}\n  - *t\n', [[4, 'tasks[1].ref', 'DUPLICATE_REF']]],
    ['a link slot a task names', withTasks(task('a', '    required_link_name: Luma\n')).replace('tasks:', 'links:\n  - name: Luma\ntasks:'), []],
  ] as const)('%s', (_, text, expected) => {
    const { findings, template } = parseTemplate(text, 'f.yaml');
    expect(summary(findings)).toEqual(expected);
    expect(template === null).toBe(expected.length > 0);
  });

  it(`allows ${MAX_TEMPLATE_TASKS} tasks, not one more`, () => {
    const tasks = (n: number) => withTasks(Array.from({ length: n }, (_, i) => task(`t${i}`)).join(''));
    expect(parseTemplate(tasks(MAX_TEMPLATE_TASKS), 'f.yaml').findings).toEqual([]);
    const { findings } = parseTemplate(tasks(MAX_TEMPLATE_TASKS + 1), 'f.yaml');
    expect(summary(findings)).toEqual([[2, 'tasks', 'TOO_MANY_TASKS']]);
    expect(findings[0]!.message).toContain(`at most ${MAX_TEMPLATE_TASKS}`);
  });

  it('refuses a template whose transaction would be too large for any owner (one check per distinct assignee)', () => {
    const people = (distinct: number) =>
      withTasks(Array.from({ length: MAX_TEMPLATE_TASKS }, (_, i) => task(`t${i}`, `    assignee: person${i % distinct}@example.org\n`)).join(''));
    const fits = MAX_TRANSACTION_ITEMS - 3 - MAX_TEMPLATE_TASKS;
    expect(parseTemplate(people(fits), 'f.yaml').findings).toEqual([]);
    const { findings } = parseTemplate(people(fits + 1), 'f.yaml');
    expect(summary(findings)).toEqual([[2, 'tasks', 'TOO_MANY_WRITES']]);
    expect(findings[0]!.message).toContain(`needs ${MAX_TRANSACTION_ITEMS + 1} items`);
  });

  it('counts e-mail addresses case-insensitively, as users are looked up', () => {
    const text = withTasks(task('a', '    assignee: Ann@Example.org\n') + task('b', '    assignee: ann@example.org\n'));
    expect(parseTemplate(text, 'f.yaml').template!.tasks.map((t) => t.assignee)).toEqual(['Ann@Example.org', 'ann@example.org']);
  });

  it('reads UTF-8 with or without a byte-order mark, and refuses other bytes and oversized files', () => {
    expect(parseTemplate(`\uFEFF${withTasks(task('a'))}`, 'f.yaml').findings).toEqual([]);
    expect(decodeTemplateBytes(Buffer.from([0x6e, 0x61, 0xff, 0xfe]), 'f.yaml')).toEqual({ finding: { file: 'f.yaml', path: '', code: 'FILE', message: 'is not UTF-8 text' } });
    expect(decodeTemplateBytes(Buffer.alloc(MAX_TEMPLATE_FILE_BYTES + 1, 0x20), 'f.yaml')).toMatchObject({ finding: { code: 'FILE' } });
    expect(summary(parseTemplate(`# ${'x'.repeat(MAX_TEMPLATE_FILE_BYTES)}`, 'f.yaml').findings)).toEqual([[undefined, '', 'FILE']]);
  });
});

describe('committedTemplateFromText (for a handler that fetched the file from the Git host)', () => {
  const text = readFileSync(join(EXAMPLES, 'meetup.yaml'), 'utf8');
  const sha = 'a'.repeat(40);

  it('returns the checked template with its path and commit', () => {
    const committed = committedTemplateFromText({ text, path: 'templates/meetup.yaml', commit: sha });
    expect(committed).toMatchObject({ template_id: 'templates/meetup.yaml', template_version: sha, text, source: 'templates/meetup.yaml' });
    expect(committed.template.name).toBe('Community meetup');
    const line = text.split('\n').findIndex((l) => l.includes('assignee: ben.carter@example.org')) + 1;
    expect(committed.locate('tasks[1].assignee')).toEqual({ line, column: 5 });
  });

  it.each([
    ['an absolute path', { path: '/templates/meetup.yaml' }, 'path'],
    ['a path leaving the repository', { path: 'templates/../../x.yaml' }, 'path'],
    ['an empty path', { path: '' }, 'path'],
    ['a branch name instead of a SHA', { commit: 'main' }, 'commit'],
    ['an upper-case SHA', { commit: 'A'.repeat(40) }, 'commit'],
  ])('refuses %s', (_, change, field) => {
    let error: unknown;
    try {
      committedTemplateFromText({ text, path: 'templates/meetup.yaml', commit: sha, ...change });
    } catch (caught) {
      error = caught;
    }
    expect(isExecutionStoreError(error, 'VALIDATION')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe(field);
  });

  it('refuses an invalid template with every finding in details', () => {
    let error: unknown;
    try {
      committedTemplateFromText({ text: 'name: x\ntasks:\n  - ref: a\n', path: 't.yaml', commit: sha });
    } catch (caught) {
      error = caught;
    }
    expect(isExecutionStoreError(error, 'VALIDATION')).toBe(true);
    const { message, details } = error as { message: string; details: { findings: TemplateFinding[] } };
    expect(summary(details.findings)).toEqual([
      [3, 'tasks[0].title', 'MISSING_KEY'],
      [3, 'tasks[0].offset_days', 'MISSING_KEY'],
    ]);
    expect(message).toBe('t.yaml is not a valid template (2 errors): t.yaml:3:5: tasks[0].title: missing required key "title"; t.yaml:3:5: tasks[0].offset_days: missing required key "offset_days"');
  });
});
