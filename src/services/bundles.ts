/**
 * Workflow bundles and template instantiation. A bundle's detail (its tasks, files, artifacts
 * and template instance) is one ElectroDB collection query on the by-bundle index. Every bundle
 * write lives here, including the stage change that completing a task causes (bundleStageChange,
 * which the task transition puts into its own transaction).
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Artifact, Bundle, BundleLink, FileRecord, Task, TemplateInstance } from '../entities/index.js';
import {
  BOOLEAN,
  CALENDAR_DATE,
  GIT_COMMIT,
  TEXT,
  VERSION,
  addDays,
  checkEnum,
  checkLinks,
  checkOptional,
  checkTags,
  checkValue,
  integerRule,
} from '../formats.js';
import { assertId, newId } from '../ids.js';
import { BUNDLE_STAGES, BUNDLE_STATUSES, type BundleStage, type BundleStatus } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import { checkInput } from './input.js';
import { page, type Page, type PageOptions } from './paging.js';
import { ACTOR_SHAPE, assertActor, assertCanArchiveBundle, assertCanAssign, assertCanMutate, type Actor } from './permissions.js';
import { getOrNull, readExisting } from './reads.js';
import { compact, newTaskRecord } from './records.js';
import { GO, translateError } from './store-errors.js';
import { runTransaction, type TransactionEntities, type TransactionItem } from './transactions.js';
import { ACTOR_FIELD, assertUserActive, usersActive, versionedPut, type UserReference } from './write-items.js';

export interface TemplateTaskDefinition {
  ref: string;
  title: string;
  offset_days: number;
  assignee_id?: string;
  instructions_url?: string;
  required_link_name?: string;
  requires_file?: boolean;
  stage_on_complete?: BundleStage;
  description?: string;
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

export interface InstantiateTemplateInput {
  template: TemplateDefinition;
  title: string;
  owner_id: string;
  anchor_date: string;
  actor: Actor;
}

export interface CreateBundleInput {
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
}

export interface BundleDetail {
  bundle: Bundle;
  tasks: Task[];
  files: FileRecord[];
  artifacts: Artifact[];
  template_instance: TemplateInstance | null;
}

/**
 * TransactWriteItems takes at most 100 items: the bundle, the instance and one check per
 * distinct user (actor, owner, assignees) leave room for this many tasks.
 */
export const MAX_TEMPLATE_TASKS = 80;
/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

/** How far before or after the anchor date a template task may fall (about ten years). */
export const TEMPLATE_OFFSET_DAYS = { min: -3650, max: 3650 } as const;
/** The reserved task tag that marks a template's milestone tasks (no attribute of its own, ADR 0005). */
export const MILESTONE_TAG = 'milestone';

/** Items an instantiation's transaction holds: the bundle, the instance, the tasks and one active-user check per distinct person (actor, owner, assignees). */
export function instantiationItemCount(tasks: number, distinctPeople: number): number {
  return 2 + tasks + distinctPeople;
}

const OFFSET_DAYS = integerRule('offset_days', TEMPLATE_OFFSET_DAYS.min, TEMPLATE_OFFSET_DAYS.max);

const LINK_SHAPE = { name: true, url: true } as const;
const CREATE_SHAPE = {
  title: true,
  owner_id: true,
  stage: true,
  status: true,
  anchor_date: true,
  description: true,
  tags: true,
  links: [LINK_SHAPE],
  emoji: true,
  actor: ACTOR_SHAPE,
} as const satisfies Record<keyof CreateBundleInput, unknown>;
const ARCHIVE_SHAPE = { bundle_id: true, actor: ACTOR_SHAPE, expected_version: true } as const;
const TEMPLATE_TASK_SHAPE = {
  ref: true,
  title: true,
  offset_days: true,
  assignee_id: true,
  instructions_url: true,
  required_link_name: true,
  requires_file: true,
  stage_on_complete: true,
  description: true,
  milestone: true,
} as const satisfies Record<keyof TemplateTaskDefinition, true>;
const INSTANTIATE_SHAPE = {
  template: { template_id: true, template_version: true, description: true, emoji: true, tags: true, tasks: [TEMPLATE_TASK_SHAPE] },
  title: true,
  owner_id: true,
  anchor_date: true,
  actor: ACTOR_SHAPE,
} as const satisfies Record<keyof InstantiateTemplateInput, unknown>;

const readBundle = (ctx: ServiceContext, bundle_id: string) => readExisting<Bundle>(ctx.service, ctx.entities.bundle, { bundle_id }, 'Bundle', 'bundle_id');

/**
 * The bundle half of completing a task with `stage_on_complete`: reads the bundle now and
 * returns the versioned put that moves it to `stage`, for the task transition's transaction.
 */
export async function bundleStageChange(ctx: ServiceContext, bundle_id: string, stage: BundleStage): Promise<(tx: TransactionEntities, at: string) => TransactionItem> {
  const bundle = await readBundle(ctx, bundle_id);
  return (tx, at) => versionedPut(tx, 'bundle', bundle, { ...bundle, stage, updated_at: at, version: bundle.version + 1 }, { what: 'Bundle', id: bundle_id });
}

export function createBundlesService(ctx: ServiceContext) {
  const { entities } = ctx;

  return {
    async create(input: CreateBundleInput): Promise<Bundle> {
      checkInput(input, CREATE_SHAPE, 'bundles.create');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'create bundles');
      const now = ctx.now();
      const at = now.toISOString();
      const bundle: Bundle = compact({
        bundle_id: newId('bundle', now),
        title: checkValue(TEXT.title, input.title, 'title'),
        description: checkOptional(TEXT.description, input.description, 'description'),
        stage: input.stage === undefined ? ('preparation' as const) : checkEnum(BUNDLE_STAGES, input.stage, 'stage'),
        status: input.status === undefined ? ('active' as const) : checkEnum(BUNDLE_STATUSES, input.status, 'status'),
        owner_id: assertId('user', input.owner_id, 'owner_id'),
        anchor_date: checkOptional(CALENDAR_DATE, input.anchor_date, 'anchor_date'),
        links: checkLinks(input.links),
        tags: checkTags(input.tags),
        emoji: checkOptional(TEXT.emoji, input.emoji, 'emoji'),
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.bundle.create(bundle).commit() },
        ...usersActive(ctx, tx, [
          { user_id: actor.user_id, field: ACTOR_FIELD },
          { user_id: bundle.owner_id, field: 'owner_id' },
        ]),
      ]);
      return bundle;
    },

    async get(bundle_id: string): Promise<Bundle | null> {
      return getOrNull<Bundle>(ctx.service, entities.bundle, { bundle_id: assertId('bundle', bundle_id) });
    },

    /** One GetItem: which template at which commit produced a bundle. */
    async getTemplateInstance(template_instance_id: string): Promise<TemplateInstance | null> {
      return getOrNull<TemplateInstance>(ctx.service, entities.template_instance, { template_instance_id: assertId('template_instance', template_instance_id) });
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
      return page(ctx.service, entities.bundle, { index: 'byStatusStage', composite: { status: 'active' } }, options) as Promise<Page<Bundle>>;
    },

    /** Active bundles in one stage: one Query per page. */
    async listByStage(stage: BundleStage, options?: PageOptions): Promise<Page<Bundle>> {
      const checked = checkEnum(BUNDLE_STAGES, stage, 'stage');
      return page(ctx.service, entities.bundle, { index: 'byStatusStage', composite: { status: 'active', stage: checked } }, options) as Promise<Page<Bundle>>;
    },

    /** Archives a bundle (its owner or an admin). Its tasks keep their own status. */
    async archive(input: { bundle_id: string; actor: Actor; expected_version?: number }): Promise<Bundle> {
      checkInput(input, ARCHIVE_SHAPE, 'bundles.archive');
      const bundle_id = assertId('bundle', input.bundle_id);
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'archive bundles');
      const expected = checkOptional(VERSION, input.expected_version, 'expected_version');
      const current = await readBundle(ctx, bundle_id);
      assertCanArchiveBundle(actor, current);
      if (expected !== undefined && expected !== current.version) {
        throw new ConflictError(`Bundle ${bundle_id} is at version ${current.version}, not ${expected}: read it again and retry`, {
          expected_version: expected,
          actual_version: current.version,
        });
      }
      if (current.status === 'archived') {
        // Nothing to write, but the actor must still be one who may act.
        await assertUserActive(ctx, actor.user_id, ACTOR_FIELD);
        return current;
      }
      const next: Bundle = { ...current, status: 'archived', updated_at: ctx.now().toISOString(), version: current.version + 1 };
      await runTransaction(ctx.service, (tx) => [
        versionedPut(tx, 'bundle', current, next, { what: 'Bundle', id: bundle_id }),
        ...usersActive(ctx, tx, [{ user_id: actor.user_id, field: ACTOR_FIELD }]),
      ]);
      return next;
    },

    /**
     * Creates a bundle from a Git-backed template: the bundle, its template instance and every
     * task (due_date = anchor_date + offset_days) in one transaction, or nothing.
     */
    async instantiateTemplate(input: InstantiateTemplateInput): Promise<{ bundle: Bundle; template_instance: TemplateInstance; tasks: Task[] }> {
      checkInput(input, INSTANTIATE_SHAPE, 'bundles.instantiateTemplate');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'instantiate templates');
      checkInput(input.template, INSTANTIATE_SHAPE.template, 'bundles.instantiateTemplate', 'template');
      const template_id = checkValue(TEXT.url, input.template.template_id, 'template.template_id');
      const template_version = checkValue(GIT_COMMIT, input.template.template_version, 'template.template_version');
      const definitions: unknown = input.template.tasks;
      if (!Array.isArray(definitions) || definitions.length === 0 || definitions.length > MAX_TEMPLATE_TASKS) {
        throw new ValidationError(`template.tasks must list 1 to ${MAX_TEMPLATE_TASKS} tasks`, { field: 'template.tasks' });
      }
      const title = checkValue(TEXT.title, input.title, 'title');
      const owner_id = assertId('user', input.owner_id, 'owner_id');
      const anchor_date = checkValue(CALENDAR_DATE, input.anchor_date, 'anchor_date');

      const now = ctx.now();
      const at = now.toISOString();
      const bundle_id = newId('bundle', now);
      const template_instance_id = newId('template_instance', now);
      const refs = new Set<string>();
      const tasks: Task[] = definitions.map((definition: unknown, i) => {
        const field = `template.tasks[${i}]`;
        checkInput(definition, TEMPLATE_TASK_SHAPE, 'bundles.instantiateTemplate', field);
        const ref = checkValue(TEXT.short, definition.ref, `${field}.ref`);
        const assignee_id = definition.assignee_id == null ? undefined : assertId('user', definition.assignee_id, `${field}.assignee_id`);
        assertCanAssign(actor, assignee_id, 'instantiate template tasks for');
        if (refs.has(ref)) throw new ValidationError(`${field}.ref "${ref}" appears twice: refs must be unique within a template`, { field: `${field}.ref` });
        refs.add(ref);
        const offset = checkValue(OFFSET_DAYS, definition.offset_days, `${field}.offset_days`);
        return newTaskRecord(
          {
            title: checkValue(TEXT.title, definition.title, `${field}.title`),
            description: checkOptional(TEXT.description, definition.description, `${field}.description`),
            assignee_id,
            bundle_id,
            template_instance_id,
            template_task_ref: ref,
            due_date: addDays(anchor_date, offset, `${field}.offset_days`),
            source: 'template',
            required_link_name: checkOptional(TEXT.short, definition.required_link_name, `${field}.required_link_name`),
            requires_file: definition.requires_file === undefined ? false : checkValue(BOOLEAN, definition.requires_file, `${field}.requires_file`),
            stage_on_complete: definition.stage_on_complete === undefined ? undefined : checkEnum(BUNDLE_STAGES, definition.stage_on_complete, `${field}.stage_on_complete`),
            instructions_url: checkOptional(TEXT.url, definition.instructions_url, `${field}.instructions_url`),
            tags: definition.milestone === undefined || !checkValue(BOOLEAN, definition.milestone, `${field}.milestone`) ? [] : [MILESTONE_TAG],
            created_by: actor.user_id,
          },
          now,
        );
      });
      const bundle: Bundle = compact({
        bundle_id,
        title,
        description: checkOptional(TEXT.description, input.template.description, 'template.description'),
        stage: 'preparation' as const,
        status: 'active' as const,
        owner_id,
        template_instance_id,
        anchor_date,
        links: [],
        tags: checkTags(input.template.tags, 'template.tags'),
        emoji: checkOptional(TEXT.emoji, input.template.emoji, 'template.emoji'),
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
      const users: UserReference[] = [
        { user_id: actor.user_id, field: ACTOR_FIELD },
        { user_id: owner_id, field: 'owner_id' },
        ...tasks.flatMap((task, i) => (task.assignee_id ? [{ user_id: task.assignee_id, field: `template.tasks[${i}].assignee_id` }] : [])),
      ];
      const itemCount = instantiationItemCount(tasks.length, new Set(users.map((user) => user.user_id)).size);
      if (itemCount > MAX_TRANSACTION_ITEMS) {
        throw new ValidationError(
          `This template needs ${itemCount} writes in one transaction (tasks plus one check per distinct person); DynamoDB allows ${MAX_TRANSACTION_ITEMS}: split the template or assign fewer distinct people`,
          { field: 'template.tasks' },
        );
      }
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.bundle.create(bundle).commit() },
        { commit: tx.template_instance.create(template_instance).commit() },
        ...tasks.map((task) => ({ commit: tx.task.create(task).commit() })),
        ...usersActive(ctx, tx, users),
      ]);
      return { bundle, template_instance, tasks };
    },
  };
}

export type BundlesService = ReturnType<typeof createBundlesService>;

