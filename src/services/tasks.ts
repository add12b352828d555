/**
 * Tasks: creation, edits, status transitions with history, and the V1 list views.
 *
 * Every task write is a full-item conditional put on the version that was read (ADR 0001): the
 * entity recomputes its sparse-index attributes from the whole item, and a concurrent writer
 * loses with CONFLICT instead of overwriting. A transition and its history record are one
 * TransactWriteItems, so neither exists without the other.
 */
import { ConflictError, GuardFailedError, InvalidTransitionError, NotFoundError, ValidationError } from '../errors.js';
import { assertId, newId } from '../ids.js';
import { TASK_SOURCES, TASK_STATUSES, type BundleStage, type TaskSource, type TaskStatus } from '../vocabulary.js';
import type { ServiceContext } from './context.js';
import type { Bundle } from './bundles.js';
import {
  GO,
  type Actor,
  type Page,
  type PageOptions,
  addDays,
  assertActor,
  assertBoolean,
  assertCanAssign,
  assertCanChangeTask,
  assertCanMutate,
  assertDate,
  assertEnum,
  assertInteger,
  assertKnownFields,
  assertObject,
  assertTags,
  assertText,
  assertTimeZone,
  assertTimestamp,
  compact,
  localDate,
  optionalText,
  page,
  translateError,
  readExisting,
  getOrNull,
} from './common.js';
import { canTransition, TASK_TRANSITIONS } from './task-status.js';
import { mustBeVersion, mustExist, runTransaction, type TransactionEntities, type TransactionItem } from './transactions.js';
import { TEXT_LIMITS } from '../formats.js';

export interface Task {
  task_id: string;
  title: string;
  description?: string;
  status: TaskStatus;
  assignee_id?: string;
  bundle_id?: string;
  parent_task_id?: string;
  template_instance_id?: string;
  template_task_ref?: string;
  recurring_schedule_id?: string;
  occurrence_date?: string;
  due_date?: string;
  source: TaskSource;
  required_link_name?: string;
  link?: string;
  requires_file: boolean;
  stage_on_complete?: BundleStage;
  instructions_url?: string;
  comment?: string;
  waiting_for?: string;
  follow_up_at?: string;
  completed_at?: string;
  tags: string[];
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TaskTransition {
  transition_id: string;
  task_id: string;
  from_status: TaskStatus;
  to_status: TaskStatus;
  actor_id: string;
  at: string;
  note?: string;
}

export interface CreateTaskInput {
  title: string;
  assignee_id?: string;
  bundle_id?: string;
  due_date?: string;
  parent_task_id?: string;
  source?: TaskSource;
  description?: string;
  tags?: string[];
  required_link_name?: string;
  requires_file?: boolean;
  instructions_url?: string;
  actor: Actor;
}

/** The fields a person may edit with `update`; `null` clears an optional one. */
export const USER_EDITABLE_TASK_FIELDS = [
  'title',
  'description',
  'assignee_id',
  'due_date',
  'tags',
  'link',
  'comment',
  'waiting_for',
  'follow_up_at',
  'instructions_url',
  'required_link_name',
  'requires_file',
] as const;

export type TaskChanges = Partial<{
  [K in (typeof USER_EDITABLE_TASK_FIELDS)[number]]: Task[K] extends infer V ? V | null : never;
}>;

/** Sources a caller may give; `template` and `recurring` tasks come from their own services. */
const CALLER_SOURCES = TASK_SOURCES.filter((source) => source !== 'template' && source !== 'recurring');

export function createTasksService(ctx: ServiceContext) {
  const { entities } = ctx;

  const read = (task_id: string) => readExisting<Task>(entities.task.get({ task_id }), 'Task', task_id, 'task_id');

  /** Reference checks that run inside the write transaction, so a reference cannot vanish in between. */
  function referenceChecks(tx: TransactionEntities, refs: { assignee_id?: string; bundle_id?: string; parent_task_id?: string }): TransactionItem[] {
    const checks: TransactionItem[] = [];
    if (refs.assignee_id) {
      checks.push({
        commit: tx.user.check({ user_id: refs.assignee_id }).where((a, op) => op.exists(a.user_id)).commit(),
        onFailed: mustExist('assignee_id', refs.assignee_id, 'user'),
      });
    }
    if (refs.bundle_id) {
      checks.push({
        commit: tx.bundle.check({ bundle_id: refs.bundle_id }).where((a, op) => op.exists(a.bundle_id)).commit(),
        onFailed: mustExist('bundle_id', refs.bundle_id, 'bundle'),
      });
    }
    if (refs.parent_task_id) {
      checks.push({
        commit: tx.task.check({ task_id: refs.parent_task_id }).where((a, op) => op.exists(a.task_id)).commit(),
        onFailed: mustExist('parent_task_id', refs.parent_task_id, 'task'),
      });
    }
    return checks;
  }

  /** The put that replaces `current` with `next`, on condition that nobody changed it since. */
  function replace(tx: TransactionEntities, current: Task, next: Task): TransactionItem {
    return {
      commit: tx.task
        .put(stripUndefined(next))
        .where((a, op) => op.eq(a.version, current.version))
        .commit(),
      onFailed: mustBeVersion('Task', current.task_id, current.version),
    };
  }

  async function countFiles(task_id: string): Promise<number> {
    try {
      const { data } = await entities.file.query.byTask({ task_id }).go({ ...GO, limit: 1, pages: 1 });
      return data.length;
    } catch (error) {
      throw translateError(error);
    }
  }

  async function checkGuards(task: Task): Promise<void> {
    if (task.required_link_name && !task.link) {
      throw new GuardFailedError(`Task ${task.task_id} needs its "${task.required_link_name}" link before it can be done: set link with tasks.update first`, {
        guard: 'required_link',
        field: 'link',
      });
    }
    if (task.requires_file && (await countFiles(task.task_id)) === 0) {
      throw new GuardFailedError(`Task ${task.task_id} needs at least one registered file before it can be done: register one with files.register first`, {
        guard: 'requires_file',
      });
    }
  }

  const service = {
    async create(input: CreateTaskInput): Promise<Task> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, [
        'title', 'assignee_id', 'bundle_id', 'due_date', 'parent_task_id', 'source', 'description', 'tags',
        'required_link_name', 'requires_file', 'instructions_url', 'actor',
      ], 'tasks.create');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'create tasks');
      const assignee_id = input.assignee_id == null ? undefined : assertId('user', input.assignee_id, 'assignee_id');
      assertCanAssign(actor, assignee_id, 'create tasks for');
      const now = ctx.now();
      const at = now.toISOString();
      const task: Task = compact({
        task_id: newId('task', now),
        title: assertText(input.title, 'title', TEXT_LIMITS.title),
        description: optionalText(input.description, 'description', TEXT_LIMITS.description),
        status: 'todo' as const,
        assignee_id,
        bundle_id: input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id'),
        parent_task_id: input.parent_task_id == null ? undefined : assertId('task', input.parent_task_id, 'parent_task_id'),
        due_date: input.due_date == null ? undefined : assertDate(input.due_date, 'due_date'),
        source: input.source === undefined ? ('manual' as const) : assertEnum(CALLER_SOURCES, input.source, 'source'),
        required_link_name: optionalText(input.required_link_name, 'required_link_name', TEXT_LIMITS.short),
        requires_file: input.requires_file === undefined ? false : assertBoolean(input.requires_file, 'requires_file'),
        instructions_url: optionalText(input.instructions_url, 'instructions_url', TEXT_LIMITS.url),
        tags: assertTags(input.tags),
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => [{ commit: tx.task.create(task).commit() }, ...referenceChecks(tx, task)]);
      return task;
    },

    async get(task_id: string): Promise<Task | null> {
      return getOrNull<Task>(entities.task.get({ task_id: assertId('task', task_id) }));
    },

    /** Edits user-editable fields; status changes go through `transition`. */
    async update(input: { task_id: string; changes: TaskChanges; expected_version: number; actor: Actor }): Promise<Task> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['task_id', 'changes', 'expected_version', 'actor'], 'tasks.update');
      const task_id = assertId('task', input.task_id);
      const actor = assertActor(input.actor);
      const expected_version = assertInteger(input.expected_version, 'expected_version', 1, Number.MAX_SAFE_INTEGER);
      assertObject(input.changes, 'changes');
      const changes = input.changes as Record<string, unknown>;
      const notEditable = Object.keys(changes).filter((key) => !(USER_EDITABLE_TASK_FIELDS as readonly string[]).includes(key));
      if (notEditable.length > 0) {
        throw new ValidationError(
          `changes may only touch ${USER_EDITABLE_TASK_FIELDS.join(', ')}; ${notEditable.join(', ')} cannot be edited${notEditable.includes('status') ? ' (use tasks.transition to change status)' : ''}`,
          { field: notEditable[0] },
        );
      }
      if (Object.keys(changes).length === 0) throw new ValidationError('changes must name at least one field', { field: 'changes' });
      const validated = validateChanges(changes);

      const current = await read(task_id);
      assertCanChangeTask(actor, current, 'edit tasks');
      if (current.version !== expected_version) {
        throw new ConflictError(`Task ${task_id} is at version ${current.version}, not ${expected_version}: read it again and reapply your change`, {
          expected_version,
          actual_version: current.version,
        });
      }
      const next: Task = { ...current, ...validated, updated_at: ctx.now().toISOString(), version: current.version + 1 } as Task;
      for (const [key, value] of Object.entries(validated)) if (value === undefined) delete (next as unknown as Record<string, unknown>)[key];
      const assigneeChanged = next.assignee_id !== undefined && next.assignee_id !== current.assignee_id;
      if (assigneeChanged) assertCanAssign(actor, next.assignee_id, 'assign tasks to');
      await runTransaction(ctx.service, (tx) => [replace(tx, current, next), ...referenceChecks(tx, { assignee_id: assigneeChanged ? next.assignee_id : undefined })]);
      return next;
    },

    /**
     * Moves a task along the status machine, writing its history record in the same
     * transaction. Completing a task with `stage_on_complete` moves its bundle too.
     */
    async transition(input: { task_id: string; to: TaskStatus; actor: Actor; expected_version?: number; note?: string }): Promise<{ task: Task; transition: TaskTransition }> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['task_id', 'to', 'actor', 'expected_version', 'note'], 'tasks.transition');
      const task_id = assertId('task', input.task_id);
      const to = assertEnum(TASK_STATUSES, input.to, 'to');
      const actor = assertActor(input.actor);
      const expected_version = input.expected_version === undefined ? undefined : assertInteger(input.expected_version, 'expected_version', 1, Number.MAX_SAFE_INTEGER);
      const note = optionalText(input.note, 'note', TEXT_LIMITS.note);

      const current = await read(task_id);
      assertCanChangeTask(actor, current, 'change status');
      if (expected_version !== undefined && current.version !== expected_version) {
        throw new ConflictError(`Task ${task_id} is at version ${current.version}, not ${expected_version}: read it again and retry`, {
          expected_version,
          actual_version: current.version,
        });
      }
      if (!canTransition(current.status, to)) {
        const allowed = TASK_TRANSITIONS[current.status];
        throw new InvalidTransitionError(
          `Task ${task_id} cannot go from ${current.status} to ${to}; from ${current.status} it can go to ${allowed.length ? allowed.join(', ') : 'nothing (archived is final)'}`,
          { from: current.status, to, allowed },
        );
      }
      if (to === 'done') await checkGuards(current);

      const now = ctx.now();
      const at = now.toISOString();
      const next: Task = { ...current, status: to, updated_at: at, version: current.version + 1 };
      if (to === 'done') next.completed_at = at;
      if (to === 'todo') delete next.completed_at;
      const transition: TaskTransition = compact({
        transition_id: newId('task_transition', now),
        task_id,
        from_status: current.status,
        to_status: to,
        actor_id: actor.user_id,
        at,
        note,
      });
      const bundle = to === 'done' && current.stage_on_complete && current.bundle_id ? await readBundle(current.bundle_id) : undefined;
      await runTransaction(ctx.service, (tx) => {
        const items = [replace(tx, current, next), { commit: tx.task_transition.create(transition).commit() }];
        if (bundle && current.stage_on_complete) items.push(bundleStageChange(tx, bundle, current.stage_on_complete, at));
        return items;
      });
      return { task: next, transition };
    },

    /** The task's status changes, oldest first: one Query per page. */
    async history(task_id: string, options?: PageOptions): Promise<Page<TaskTransition>> {
      const id = assertId('task', task_id);
      return page(entities.task_transition.query.byTask({ task_id: id }), options) as Promise<Page<TaskTransition>>;
    },

    /**
     * Open tasks of an operator due today in `time_zone` (default: the operator's own zone,
     * which costs one GetItem for the user before the Query).
     */
    async listToday(input: { assignee_id: string; time_zone?: string } & PageOptions): Promise<Page<Task> & { today: string }> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['assignee_id', 'time_zone', 'limit', 'cursor'], 'tasks.listToday');
      const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
      let timeZone: string;
      if (input.time_zone !== undefined) {
        timeZone = assertTimeZone(input.time_zone, 'time_zone');
      } else {
        const { data: user } = await entities.user.get({ user_id: assignee_id }).go(GO);
        if (!user) throw new NotFoundError(`User ${assignee_id} does not exist`, { field: 'assignee_id' });
        timeZone = user.timezone;
      }
      const today = localDate(ctx.now(), timeZone);
      const result = await page(entities.task.query.openByAssigneeDue({ open_assignee_id: assignee_id, open_due_date: today }), pageOf(input));
      return { ...(result as Page<Task>), today };
    },

    /** Open tasks due before `today`: one operator's (one Query) or the whole team's (one Query on the team index). */
    async listOverdue(input: { today: string; assignee_id?: string } & PageOptions): Promise<Page<Task>> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['today', 'assignee_id', 'limit', 'cursor'], 'tasks.listOverdue');
      const today = assertDate(input.today, 'today');
      if (input.assignee_id !== undefined) {
        const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
        return page(entities.task.query.openByAssigneeDue({ open_assignee_id: assignee_id }).lt({ open_due_date: today }), pageOf(input)) as Promise<Page<Task>>;
      }
      return page(entities.task.query.openByDue({}).lt({ team_open_due_date: today }), pageOf(input)) as Promise<Page<Task>>;
    },

    /** Open tasks of an operator with from <= due_date < from + days. */
    async listUpcoming(input: { assignee_id: string; from: string; days: number } & PageOptions): Promise<Page<Task>> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['assignee_id', 'from', 'days', 'limit', 'cursor'], 'tasks.listUpcoming');
      const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
      const from = assertDate(input.from, 'from');
      const days = assertInteger(input.days, 'days', 1, 366);
      // The sort key ends with the date, so BETWEEN is inclusive at both ends: stop the day before.
      const last = addDays(from, days - 1);
      return page(
        entities.task.query.openByAssigneeDue({ open_assignee_id: assignee_id }).between({ open_due_date: from }, { open_due_date: last }),
        pageOf(input),
      ) as Promise<Page<Task>>;
    },

    async listByAssigneeStatus(input: { assignee_id: string; status: TaskStatus } & PageOptions): Promise<Page<Task>> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['assignee_id', 'status', 'limit', 'cursor'], 'tasks.listByAssigneeStatus');
      const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
      const status = assertEnum(TASK_STATUSES, input.status, 'status');
      return page(entities.task.query.byAssigneeStatus({ assignee_id, assigned_status: status }), pageOf(input)) as Promise<Page<Task>>;
    },

    async listByBundle(input: { bundle_id: string } & PageOptions): Promise<Page<Task>> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['bundle_id', 'limit', 'cursor'], 'tasks.listByBundle');
      const bundle_id = assertId('bundle', input.bundle_id, 'bundle_id');
      return page(entities.task.query.byBundle({ bundle_id }), pageOf(input)) as Promise<Page<Task>>;
    },
  };

  const readBundle = (bundle_id: string) => readExisting<Bundle>(entities.bundle.get({ bundle_id }), 'Bundle', bundle_id, 'bundle_id');

  /** The bundle half of completing a stage-moving task: a versioned put of the bundle. */
  function bundleStageChange(tx: TransactionEntities, bundle: Awaited<ReturnType<typeof readBundle>>, stage: BundleStage, at: string): TransactionItem {
    const next = { ...bundle, stage, updated_at: at, version: bundle.version + 1 };
    return {
      commit: tx.bundle
        .put(stripUndefined(next))
        .where((a, op) => op.eq(a.version, bundle.version))
        .commit(),
      onFailed: mustBeVersion('Bundle', bundle.bundle_id, bundle.version),
    };
  }

  return service;
}

function pageOf(input: PageOptions): PageOptions {
  return { limit: input.limit, cursor: input.cursor };
}

function stripUndefined<T extends object>(value: T): T {
  return compact(value);
}

/** Validates each changed field; `null` (or undefined) on an optional field means "clear it". */
function validateChanges(changes: Record<string, unknown>): Partial<Task> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    const clearing = value === null || value === undefined;
    switch (field) {
      case 'title':
        out.title = assertText(value, 'title', TEXT_LIMITS.title);
        break;
      case 'tags':
        out.tags = assertTags(value);
        break;
      case 'requires_file':
        out.requires_file = assertBoolean(value, 'requires_file');
        break;
      case 'assignee_id':
        out.assignee_id = clearing ? undefined : assertId('user', value, 'assignee_id');
        break;
      case 'due_date':
        out.due_date = clearing ? undefined : assertDate(value, 'due_date');
        break;
      case 'follow_up_at':
        out.follow_up_at = clearing ? undefined : assertTimestamp(value, 'follow_up_at');
        break;
      case 'description':
        out.description = clearing ? undefined : assertText(value, field, TEXT_LIMITS.description);
        break;
      case 'comment':
        out.comment = clearing ? undefined : assertText(value, field, TEXT_LIMITS.comment);
        break;
      case 'link':
      case 'instructions_url':
        out[field] = clearing ? undefined : assertText(value, field, TEXT_LIMITS.url);
        break;
      case 'waiting_for':
      case 'required_link_name':
        out[field] = clearing ? undefined : assertText(value, field, TEXT_LIMITS.short);
        break;
    }
  }
  return out as Partial<Task>;
}

export type TasksService = ReturnType<typeof createTasksService>;
