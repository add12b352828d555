/**
 * From a template as committed in Git to a bundle: the template's text, path and commit (from a
 * local checkout, or fetched from the Git host by a handler) are parsed and checked, assignee
 * e-mails become user IDs, and `bundles.instantiateTemplate` writes the bundle, the instance and
 * the tasks in one transaction. Nothing is written unless every check passed.
 */
import { NotFoundError, ValidationError } from '../errors.js';
import type { Bundle, Task, TemplateInstance, User } from '../entities/index.js';
import { canonicalEmail, checkEmail, TEXT_LIMITS } from '../formats.js';
import type { TemplateDefinition } from '../services/bundles.js';
import type { Actor } from '../services/permissions.js';
import { compact } from '../services/records.js';
import type { ExecutionStore } from '../store.js';
import { COMMIT_SHA, readCommittedFile } from './git.js';
import { decodeTemplateBytes, formatPath, invalidTemplateError, parseTemplateOrThrow, type ParsedTemplate } from './parse.js';
import type { TemplateFile } from './schema.js';

/** A checked template and where in Git its text is. */
export interface CommittedTemplate {
  /** The template's path in its repository (recorded as the instance's template_id). */
  template_id: string;
  /** The commit SHA the text was read at (recorded as the instance's template_version). */
  template_version: string;
  /** The file's text at that commit. */
  text: string;
  template: TemplateFile;
  /** How messages name the file: the path the caller gave, or template_id. */
  source: string;
  locate: ParsedTemplate['locate'];
}

/**
 * A template from its text, its path in the repository and the commit it was read at: for a
 * handler that fetched the file from the Git host. A bad template is a VALIDATION error whose
 * `details.findings` lists every problem with its line and key path.
 */
export function committedTemplateFromText(input: { text: string; path: string; commit: string }): CommittedTemplate {
  if (typeof input?.text !== 'string') throw new ValidationError('text must be the template file\'s text', { field: 'text' });
  const path = input.path;
  if (typeof path !== 'string' || path.length === 0 || path.length > TEXT_LIMITS.url || path.startsWith('/') || path.includes('\\') || path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ValidationError(`path must be the template's path relative to its repository's root, like templates/meetup.yaml; got ${JSON.stringify(path)}`, { field: 'path' });
  }
  if (typeof input.commit !== 'string' || !COMMIT_SHA.test(input.commit)) {
    throw new ValidationError(`commit must be the SHA of the commit the text was read at (7-64 lower-case hex characters); got ${JSON.stringify(input.commit)}`, { field: 'commit' });
  }
  const { template, locate } = parseTemplateOrThrow(input.text, path);
  return { template_id: path, template_version: input.commit, text: input.text, template, source: path, locate };
}

/**
 * A template from a local checkout, exactly as committed at HEAD of the repository that contains
 * it: refused when the file is missing, untracked, staged but not committed, or differs from HEAD.
 */
export async function readCommittedTemplate(file: string): Promise<CommittedTemplate & { root: string }> {
  const committed = await readCommittedFile(file);
  const decoded = decodeTemplateBytes(committed.bytes, file);
  if ('finding' in decoded) throw invalidTemplateError(file, [decoded.finding]);
  const { template, locate } = parseTemplateOrThrow(decoded.text, file);
  return { template_id: committed.path, template_version: committed.commit, text: decoded.text, template, source: file, locate, root: committed.root };
}

/**
 * The users the template's assignee e-mails name (one Query per distinct address). Unknown
 * addresses are NOT_FOUND and disabled users VALIDATION, each naming every offending task.
 */
export async function resolveAssignees(store: Pick<ExecutionStore, 'users'>, committed: CommittedTemplate): Promise<Map<string, User>> {
  const places = new Map<string, string[]>();
  committed.template.tasks.forEach((task, i) => {
    if (task.assignee === undefined) return;
    const path = formatPath(['tasks', i, 'assignee']);
    const email = checkEmail(task.assignee, path);
    const line = committed.locate(path)?.line;
    places.set(email, [...(places.get(email) ?? []), `${committed.source}${line === undefined ? '' : `:${line}`} ${path}`]);
  });
  const emails = [...places.keys()];
  const users = await Promise.all(emails.map((email) => store.users.getByEmail(email)));
  const unknown = emails.filter((_, i) => users[i] === null);
  if (unknown.length > 0) {
    throw new NotFoundError(
      `No user has the e-mail ${unknown.map((email) => `${email} (${places.get(email)!.join(', ')})`).join('; ')}: create the user, or correct the template and commit it`,
      { field: 'assignee', emails: unknown },
    );
  }
  const disabled = users.filter((user): user is User => user !== null && user.status !== 'active');
  if (disabled.length > 0) {
    throw new ValidationError(
      `The user ${disabled.map((user) => `${user.email} (${places.get(user.email)!.join(', ')})`).join('; ')} is disabled: assign the tasks to an active user in the template and commit it`,
      { field: 'assignee', emails: disabled.map((user) => user.email) },
    );
  }
  return new Map(emails.map((email, i) => [email, users[i]!]));
}

/** The service's input for a checked template (the file's format is not the runtime shape). */
export function toTemplateDefinition(committed: CommittedTemplate, assignees: ReadonlyMap<string, Pick<User, 'user_id'>>): TemplateDefinition {
  const { template } = committed;
  return compact({
    template_id: committed.template_id,
    template_version: committed.template_version,
    description: template.description,
    emoji: template.emoji,
    tags: template.tags,
    // Link slots stay template text: a slot has no URL until the work produces one (ADR 0005).
    tasks: template.tasks.map((task) =>
      compact({
        ref: task.ref,
        title: task.title,
        description: task.description,
        offset_days: task.offset_days,
        assignee_id: task.assignee === undefined ? undefined : assignees.get(canonicalEmail(task.assignee))?.user_id,
        instructions_url: task.instructions_url,
        required_link_name: task.required_link_name,
        requires_file: task.requires_file,
        stage_on_complete: task.stage_on_complete,
        milestone: task.milestone,
      }),
    ),
  });
}

export interface InstantiateOptions {
  title: string;
  /** YYYY-MM-DD: the day offset_days count from. */
  anchor_date: string;
  owner_id: string;
  actor: Actor;
}

export interface InstantiatedTemplate {
  bundle: Bundle;
  template_instance: TemplateInstance;
  tasks: Task[];
}

/** Resolves the assignees, then writes the bundle, its instance and its tasks in one transaction. */
export async function instantiateCommittedTemplate(store: Pick<ExecutionStore, 'users' | 'bundles'>, committed: CommittedTemplate, options: InstantiateOptions): Promise<InstantiatedTemplate> {
  const assignees = await resolveAssignees(store, committed);
  return store.bundles.instantiateTemplate({ template: toTemplateDefinition(committed, assignees), ...options });
}
