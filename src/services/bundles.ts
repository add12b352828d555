/**
 * Workflow bundles and template instantiation. A bundle's detail (its tasks, files, artifacts
 * and template instance) is one ElectroDB collection query on the by-bundle index.
 */
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { assertId, newId } from '../ids.js';
import { BUNDLE_STAGES, BUNDLE_STATUSES, TEXT_LIMITS, type BundleStage, type BundleStatus } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import {
  GO,
  type Actor,
  type Page,
  type PageOptions,
  addDays,
  assertActor,
  assertBoolean,
  assertCanAssign,
  assertCanMutate,
  assertDate,
  assertEnum,
  assertInteger,
  assertKnownFields,
  assertObject,
  assertTags,
  assertText,
  compact,
  optionalText,
  page,
  translateError,
  write,
  readExisting,
  getOrNull,
} from './common.js';
import type { Task } from './tasks.js';
import type { FileRecord, Artifact } from './files.js';
import { mustBeVersion, mustExist, runTransaction, type TransactionEntities, type TransactionItem } from './transactions.js';

export interface BundleLink {
  name: string;
  url: string;
}

export interface Bundle {
  bundle_id: string;
  title: string;
  description?: string;
  stage: BundleStage;
  status: BundleStatus;
  owner_id: string;
  template_instance_id?: string;
  anchor_date?: string;
  links: BundleLink[];
  tags: string[];
  emoji?: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TemplateInstance {
  template_instance_id: string;
  template_id: string;
  template_version: string;
  bundle_id: string;
  anchor_date: string;
  instantiated_by: string;
  instantiated_at: string;
  task_refs: string[];
}

export interface TemplateTaskDefinition {
  ref: string;
  title: string;
  description?: string;
  offset_days: number;
  assignee_id?: string;
  instructions_url?: string;
  required_link_name?: string;
  requires_file?: boolean;
  stage_on_complete?: BundleStage;
  /** A milestone task carries the task tag MILESTONE_TAG. */
  milestone?: boolean;
}

export interface TemplateDefinition {
  /** Path of the template in the process-knowledge Git repository. */
  template_id: string;
  /** Git commit SHA of that template. */
  template_version: string;
  /** Copied onto the bundle. */
  description?: string;
  emoji?: string;
  tags?: string[];
  tasks: TemplateTaskDefinition[];
}

export interface BundleDetail {
  bundle: Bundle;
  tasks: Task[];
  files: FileRecord[];
  artifacts: Artifact[];
  template_instance: TemplateInstance | null;
}

/**
 * TransactWriteItems takes at most 100 items: the bundle, the instance, the owner check and one
 * check per distinct assignee leave room for this many tasks.
 */
export const MAX_TEMPLATE_TASKS = 80;

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

/** Items an instantiation's transaction holds: bundle, instance, owner check, the tasks, one check per other assignee. */
export function instantiationItemCount(tasks: number, assigneesOtherThanOwner: number): number {
  return 3 + tasks + assigneesOtherThanOwner;
}

/** How far before or after the anchor date a template task may fall. */
export const TEMPLATE_OFFSET_DAYS = { min: -3650, max: 3650 } as const;

/** The reserved task tag that marks a template's milestone tasks (no attribute of its own). */
export const MILESTONE_TAG = 'milestone';

function assertLinks(value: unknown): BundleLink[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > TEXT_LIMITS.links) {
    throw new ValidationError(`links must be a list of at most ${TEXT_LIMITS.links} { name, url } objects`, { field: 'links' });
  }
  return value.map((link, i) => {
    assertObject(link, `links[${i}]`);
    return { name: assertText(link.name, `links[${i}].name`, TEXT_LIMITS.short), url: assertText(link.url, `links[${i}].url`, TEXT_LIMITS.url) };
  });
}

export function createBundlesService(ctx: ServiceContext) {
  const { entities } = ctx;

  const read = (bundle_id: string) => readExisting<Bundle>(entities.bundle.get({ bundle_id }), 'Bundle', bundle_id, 'bundle_id');

  function ownerCheck(tx: TransactionEntities, owner_id: string): TransactionItem {
    return {
      commit: tx.user.check({ user_id: owner_id }).where((a, op) => op.exists(a.user_id)).commit(),
      onFailed: mustExist('owner_id', owner_id, 'user'),
    };
  }

  return {
    async create(input: {
      title: string;
      owner_id: string;
      stage?: BundleStage;
      status?: BundleStatus;
      anchor_date?: string;
      description?: string;
      tags?: string[];
      links?: BundleLink[];
      emoji?: string;
      actor: Actor;
    }): Promise<Bundle> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['title', 'owner_id', 'stage', 'status', 'anchor_date', 'description', 'tags', 'links', 'emoji', 'actor'], 'bundles.create');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'create bundles');
      const now = ctx.now();
      const at = now.toISOString();
      const bundle: Bundle = compact({
        bundle_id: newId('bundle', now),
        title: assertText(input.title, 'title', TEXT_LIMITS.title),
        description: optionalText(input.description, 'description', TEXT_LIMITS.description),
        stage: input.stage === undefined ? ('preparation' as const) : assertEnum(BUNDLE_STAGES, input.stage, 'stage'),
        status: input.status === undefined ? ('active' as const) : assertEnum(BUNDLE_STATUSES, input.status, 'status'),
        owner_id: assertId('user', input.owner_id, 'owner_id'),
        anchor_date: input.anchor_date == null ? undefined : assertDate(input.anchor_date, 'anchor_date'),
        links: assertLinks(input.links),
        tags: assertTags(input.tags),
        emoji: optionalText(input.emoji, 'emoji', TEXT_LIMITS.emoji),
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => [{ commit: tx.bundle.create(bundle).commit() }, ownerCheck(tx, bundle.owner_id)]);
      return bundle;
    },

    async get(bundle_id: string): Promise<Bundle | null> {
      return getOrNull<Bundle>(entities.bundle.get({ bundle_id: assertId('bundle', bundle_id) }));
    },

    /** One GetItem: which template at which commit produced a bundle. */
    async getTemplateInstance(template_instance_id: string): Promise<TemplateInstance | null> {
      return getOrNull<TemplateInstance>(entities.template_instance.get({ template_instance_id: assertId('template_instance', template_instance_id) }));
    },

    /** The bundle with its tasks, files, artifacts and template instance: one collection Query (per 1 MB page). */
    async getWithTasks(bundle_id: string): Promise<BundleDetail> {
      const id = assertId('bundle', bundle_id);
      let data: { bundle: unknown[]; task: unknown[]; file: unknown[]; artifact: unknown[]; template_instance: unknown[] };
      try {
        ({ data } = (await ctx.service.collections.bundle_detail({ bundle_id: id }).go({ ...GO, pages: 'all' })) as unknown as { data: typeof data });
      } catch (error) {
        throw translateError(error);
      }
      const bundle = data.bundle[0] as Bundle | undefined;
      if (!bundle) throw new NotFoundError(`Bundle ${id} does not exist`, { field: 'bundle_id' });
      return {
        bundle,
        tasks: data.task as Task[],
        files: data.file as FileRecord[],
        artifacts: data.artifact as Artifact[],
        template_instance: (data.template_instance[0] as TemplateInstance | undefined) ?? null,
      };
    },

    /** Active bundles, grouped by stage: one Query per page. */
    async listActive(options?: PageOptions): Promise<Page<Bundle>> {
      return page(entities.bundle.query.byStatusStage({ status: 'active' }), options) as Promise<Page<Bundle>>;
    },

    /** Active bundles in one stage: one Query per page. */
    async listByStage(stage: BundleStage, options?: PageOptions): Promise<Page<Bundle>> {
      const checked = assertEnum(BUNDLE_STAGES, stage, 'stage');
      return page(entities.bundle.query.byStatusStage({ status: 'active', stage: checked }), options) as Promise<Page<Bundle>>;
    },

    /** Archives a bundle (its owner or an admin). Its tasks keep their own status. */
    async archive(input: { bundle_id: string; actor: Actor; expected_version?: number }): Promise<Bundle> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['bundle_id', 'actor', 'expected_version'], 'bundles.archive');
      const bundle_id = assertId('bundle', input.bundle_id);
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'archive bundles');
      const expected = input.expected_version === undefined ? undefined : assertInteger(input.expected_version, 'expected_version', 1, Number.MAX_SAFE_INTEGER);
      const current = await read(bundle_id);
      if (actor.role !== 'admin' && current.owner_id !== actor.user_id) {
        throw new ForbiddenError(`Only the bundle's owner (${current.owner_id}) or an admin can archive bundle ${bundle_id}`, { bundle_id });
      }
      if (expected !== undefined && expected !== current.version) {
        throw mustBeVersion('Bundle', bundle_id, expected)!();
      }
      if (current.status === 'archived') return current;
      const next: Bundle = { ...current, status: 'archived', updated_at: ctx.now().toISOString(), version: current.version + 1 };
      // One item: a conditional put on the version read (no transaction needed).
      await write(
        () => entities.bundle.put(compact(next)).where((a, op) => op.eq(a.version, current.version)).go(GO),
        `Bundle ${bundle_id} changed since version ${current.version} was read: read it again and retry`,
      );
      return next;
    },

    /**
     * Creates a bundle from a Git-backed template: the bundle, its template instance and every
     * task (due_date = anchor_date + offset_days) in one transaction, or nothing.
     */
    async instantiateTemplate(input: { template: TemplateDefinition; title: string; owner_id: string; anchor_date: string; actor: Actor }) {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['template', 'title', 'owner_id', 'anchor_date', 'actor'], 'bundles.instantiateTemplate');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'instantiate templates');
      assertObject(input.template, 'template');
      assertKnownFields(input.template, ['template_id', 'template_version', 'description', 'emoji', 'tags', 'tasks'], 'template');
      const template_id = assertText(input.template.template_id, 'template.template_id', TEXT_LIMITS.url);
      const template_version = assertText(input.template.template_version, 'template.template_version', 64);
      if (!/^[0-9a-f]{7,64}$/.test(template_version)) {
        throw new ValidationError('template.template_version must be the Git commit SHA (7-64 lower-case hex characters) of the template', { field: 'template.template_version' });
      }
      const definitions = input.template.tasks;
      if (!Array.isArray(definitions) || definitions.length === 0 || definitions.length > MAX_TEMPLATE_TASKS) {
        throw new ValidationError(`template.tasks must list 1 to ${MAX_TEMPLATE_TASKS} tasks`, { field: 'template.tasks' });
      }
      const title = assertText(input.title, 'title', TEXT_LIMITS.title);
      const owner_id = assertId('user', input.owner_id, 'owner_id');
      const anchor_date = assertDate(input.anchor_date, 'anchor_date');

      const now = ctx.now();
      const at = now.toISOString();
      const bundle_id = newId('bundle', now);
      const template_instance_id = newId('template_instance', now);
      const refs = new Set<string>();
      const tasks: Task[] = definitions.map((definition, i) => {
        const field = `template.tasks[${i}]`;
        assertObject(definition, field);
        assertKnownFields(definition as unknown as Record<string, unknown>, ['ref', 'title', 'description', 'offset_days', 'assignee_id', 'instructions_url', 'required_link_name', 'requires_file', 'stage_on_complete', 'milestone'], field);
        const ref = assertText(definition.ref, `${field}.ref`, TEXT_LIMITS.short);
        const assignee_id = definition.assignee_id == null ? undefined : assertId('user', definition.assignee_id, `${field}.assignee_id`);
        assertCanAssign(actor, assignee_id, 'instantiate template tasks for');
        if (refs.has(ref)) throw new ValidationError(`${field}.ref "${ref}" appears twice: refs must be unique within a template`, { field: `${field}.ref` });
        refs.add(ref);
        return compact({
          task_id: newId('task', now),
          title: assertText(definition.title, `${field}.title`, TEXT_LIMITS.title),
          description: optionalText(definition.description, `${field}.description`, TEXT_LIMITS.description),
          status: 'todo' as const,
          assignee_id,
          bundle_id,
          template_instance_id,
          template_task_ref: ref,
          due_date: addDays(anchor_date, assertInteger(definition.offset_days, `${field}.offset_days`, TEMPLATE_OFFSET_DAYS.min, TEMPLATE_OFFSET_DAYS.max)),
          source: 'template' as const,
          required_link_name: optionalText(definition.required_link_name, `${field}.required_link_name`, TEXT_LIMITS.short),
          requires_file: definition.requires_file === undefined ? false : assertBoolean(definition.requires_file, `${field}.requires_file`),
          stage_on_complete: definition.stage_on_complete === undefined ? undefined : assertEnum(BUNDLE_STAGES, definition.stage_on_complete, `${field}.stage_on_complete`),
          instructions_url: optionalText(definition.instructions_url, `${field}.instructions_url`, TEXT_LIMITS.url),
          tags: definition.milestone === undefined || !assertBoolean(definition.milestone, `${field}.milestone`) ? [] : [MILESTONE_TAG],
          created_by: actor.user_id,
          created_at: at,
          updated_at: at,
          version: 1,
        }) as Task;
      });
      const bundle: Bundle = compact({
        bundle_id,
        title,
        description: optionalText(input.template.description, 'template.description', TEXT_LIMITS.description),
        stage: 'preparation' as const,
        status: 'active' as const,
        owner_id,
        template_instance_id,
        anchor_date,
        links: [],
        tags: assertTags(input.template.tags, 'template.tags'),
        emoji: optionalText(input.template.emoji, 'template.emoji', TEXT_LIMITS.emoji),
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
        version: 1,
      });
      const template_instance: TemplateInstance = {
        template_instance_id,
        template_id,
        template_version,
        bundle_id,
        anchor_date,
        instantiated_by: actor.user_id,
        instantiated_at: at,
        task_refs: [...refs],
      };
      const assignees = [...new Set(tasks.map((task) => task.assignee_id).filter((id): id is string => id !== undefined && id !== owner_id))];
      const itemCount = instantiationItemCount(tasks.length, assignees.length);
      if (itemCount > MAX_TRANSACTION_ITEMS) {
        throw new ValidationError(
          `This template needs ${itemCount} writes in one transaction (tasks plus one check per distinct assignee); DynamoDB allows ${MAX_TRANSACTION_ITEMS}: split the template or assign fewer distinct people`,
          { field: 'template.tasks' },
        );
      }
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.bundle.create(bundle).commit() },
        { commit: tx.template_instance.create(template_instance).commit() },
        ...tasks.map((task) => ({ commit: tx.task.create(task).commit() })),
        ownerCheck(tx, owner_id),
        ...assignees.map((user_id) => ({
          commit: tx.user.check({ user_id }).where((a, op) => op.exists(a.user_id)).commit(),
          onFailed: mustExist('assignee_id', user_id, 'user'),
        })),
      ]);
      return { bundle, template_instance, tasks };
    },
  };
}

export type BundlesService = ReturnType<typeof createBundlesService>;
