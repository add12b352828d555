/**
 * From a committed template to runtime state, through the library a handler uses, against
 * DynamoDB Local: the file's fields land where ADR 0005 says, assignee e-mails become user IDs,
 * and an unknown or disabled assignee is refused with the table unchanged.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, type Actor, type ExecutionStore, type User } from '../../src/index.js';
import { MILESTONE_TAG } from '../../src/services/bundles.js';
import { committedTemplateFromText, instantiateCommittedTemplate, readCommittedTemplate, toTemplateDefinition } from '../../src/templates/index.js';
import { attachRequestLog } from '../support/request-log.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { expectRejectedUnchanged, measure } from '../services/helpers.js';
import { tempRepo, type TempRepo } from './git-repo.js';

const MEETUP = readFileSync(resolve(import.meta.dirname, '../../examples/templates/meetup.yaml'), 'utf8');
const SHA = '0123456789abcdef0123456789abcdef01234567';

let table: TestTable;
let store: ExecutionStore;
let repo: TempRepo;
let log: ReturnType<typeof attachRequestLog>;
const users: Record<string, User> = {};
let admin: Actor;

beforeAll(async () => {
  table = await createTestTable('templates');
  log = attachRequestLog(table.client);
  store = createExecutionStore({ client: table.client, tableName: table.tableName });
  for (const [email, role] of [
    ['anna.schmidt@example.org', 'admin'],
    ['ben.carter@example.org', 'operator'],
    ['chloe.ngata@example.org', 'operator'],
  ] as const) {
    users[email] = await store.users.create({ email, display_name: email.split('@')[0]!, role, timezone: 'Europe/Berlin' });
  }
  admin = { user_id: users['anna.schmidt@example.org']!.user_id, role: 'admin' };
  repo = tempRepo();
});

afterAll(async () => {
  repo?.remove();
  await table?.drop();
});

describe('instantiateCommittedTemplate', () => {
  it('writes the bundle, its instance (path + commit) and one task per template task, mapped field by field, in one transaction', async () => {
    const file = repo.write('templates/meetup.yaml', MEETUP);
    const sha = repo.commit('Add the meetup template', 'templates/meetup.yaml');
    const committed = await readCommittedTemplate(file);
    const { result, commands } = await measure(log, () =>
      instantiateCommittedTemplate(store, committed, { title: 'Meetup March 2027', anchor_date: '2027-03-12', owner_id: admin.user_id, actor: admin }),
    );
    // One Query per distinct assignee e-mail, then the one transaction.
    expect(commands).toEqual(['Query', 'Query', 'Query', 'TransactWriteItems']);

    const { bundle, template_instance, tasks } = result;
    const template = committed.template;
    expect(template_instance).toMatchObject({ template_id: 'templates/meetup.yaml', template_version: sha, anchor_date: '2027-03-12', task_refs: template.tasks.map((t) => t.ref) });
    expect(bundle).toMatchObject({ title: 'Meetup March 2027', description: template.description, emoji: '🎤', tags: ['meetup'], links: [], stage: 'preparation', owner_id: admin.user_id, template_instance_id: template_instance.template_instance_id });
    expect(tasks).toHaveLength(template.tasks.length);
    for (const [i, definition] of template.tasks.entries()) {
      const task = tasks[i]!;
      const due = new Date(Date.UTC(2027, 2, 12 + definition.offset_days)).toISOString().slice(0, 10);
      expect(task).toMatchObject({
        template_task_ref: definition.ref,
        title: definition.title,
        due_date: due,
        assignee_id: users[definition.assignee!]!.user_id,
        requires_file: definition.requires_file ?? false,
        tags: definition.milestone ? [MILESTONE_TAG] : [],
        source: 'template',
        status: 'todo',
      });
      expect([task.description, task.instructions_url, task.required_link_name, task.stage_on_complete]).toEqual([
        definition.description,
        definition.instructions_url,
        definition.required_link_name,
        definition.stage_on_complete,
      ]);
    }
    const detail = await store.bundles.getWithTasks(bundle.bundle_id);
    expect(detail.template_instance).toEqual(template_instance);
    expect(detail.tasks).toHaveLength(tasks.length);
  });

  it('takes the text, path and commit a handler fetched from the Git host, with the same result shape', async () => {
    const committed = committedTemplateFromText({ text: MEETUP.replace(/assignee: .*/g, 'assignee: Anna.Schmidt@Example.org'), path: 'templates/meetup.yaml', commit: SHA });
    const result = await instantiateCommittedTemplate(store, committed, { title: 'Meetup from a handler', anchor_date: '2027-04-01', owner_id: admin.user_id, actor: admin });
    expect(result.template_instance).toMatchObject({ template_id: 'templates/meetup.yaml', template_version: SHA });
    expect(new Set(result.tasks.map((t) => t.assignee_id))).toEqual(new Set([admin.user_id]));
  });

  it('refuses an unknown e-mail, naming it and where it is, and writes nothing', async () => {
    const text = MEETUP.replace('assignee: chloe.ngata@example.org', 'assignee: nobody@example.org');
    const committed = committedTemplateFromText({ text, path: 'templates/meetup.yaml', commit: SHA });
    const line = text.split('\n').findIndex((l) => l.includes('nobody@example.org')) + 1;
    const error = await expectRejectedUnchanged(table, () => instantiateCommittedTemplate(store, committed, { title: 'Broken', anchor_date: '2027-03-12', owner_id: admin.user_id, actor: admin }), 'NOT_FOUND');
    expect(error.message).toContain(`No user has the e-mail nobody@example.org (templates/meetup.yaml:${line} tasks[3].assignee)`);
  });

  it('refuses a disabled user, and an operator assigning others (the service\'s rule), writing nothing', async () => {
    const dan = await store.users.create({ email: 'dan.okafor@example.org', display_name: 'Dan', role: 'operator', timezone: 'UTC' });
    await store.service.entities.user.patch({ user_id: dan.user_id }).set({ status: 'disabled' }).go();
    const disabled = committedTemplateFromText({ text: MEETUP.replace('assignee: chloe.ngata@example.org', 'assignee: dan.okafor@example.org'), path: 't.yaml', commit: SHA });
    const error = await expectRejectedUnchanged(table, () => instantiateCommittedTemplate(store, disabled, { title: 'X', anchor_date: '2027-03-12', owner_id: admin.user_id, actor: admin }), 'VALIDATION');
    expect(error.message).toContain('dan.okafor@example.org');
    expect(error.message).toContain('is disabled');

    const ben = users['ben.carter@example.org']!;
    const committed = committedTemplateFromText({ text: MEETUP, path: 't.yaml', commit: SHA });
    await expectRejectedUnchanged(table, () => instantiateCommittedTemplate(store, committed, { title: 'X', anchor_date: '2027-03-12', owner_id: ben.user_id, actor: { user_id: ben.user_id, role: 'operator' } }), 'FORBIDDEN');
  });

  it('maps the file format onto the service input (link slots stay template text)', () => {
    const committed = committedTemplateFromText({ text: MEETUP, path: 't.yaml', commit: SHA });
    const definition = toTemplateDefinition(committed, new Map(Object.entries(users)));
    expect(Object.keys(definition).sort()).toEqual(['description', 'emoji', 'tags', 'tasks', 'template_id', 'template_version']);
    expect(definition.tasks[0]).toEqual({
      ref: 'book-venue',
      title: 'Book the venue',
      description: committed.template.tasks[0]!.description,
      offset_days: -28,
      assignee_id: users['anna.schmidt@example.org']!.user_id,
      instructions_url: committed.template.tasks[0]!.instructions_url,
      milestone: true,
    });
  });
});
