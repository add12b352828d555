/**
 * Tasks: creation, edits, status transitions with history, and the V1 list views.
 *
 * Every task write is a full-item conditional put on the version that was read (ADR 0001): the
 * entity recomputes its sparse-index attributes from the whole item, and a concurrent writer
 * loses with CONFLICT instead of overwriting. A transition and its history record are one
 * TransactWriteItems, so neither exists without the other; the actor (and any user the write
 * names) is checked to exist and be active in the same transaction.
 */
import { ConflictError, GuardFailedError, InvalidTransitionError, NotFoundError, ValidationError } from '../errors.js';
import { USER_EDITABLE_TASK_FIELDS, type Task, type TaskTransition, type User } from '../entities/index.js';
import {
  BOOLEAN,
  CALENDAR_DATE,
  TEXT,
  TIMESTAMP,
  VERSION,
  addDays,
  canonicalTimeZone,
  checkEnum,
  checkOptional,
  checkTags,
  checkTimeZone,
  checkValue,
  describeValue,
  integerRule,
  localDate,
} from '../formats.js';
import { assertId, newId } from '../ids.js';
import { TASK_SOURCES, TASK_STATUSES, type TaskSource, type TaskStatus } from '../vocabulary.js';
import { bundleStageChange } from './bundles.js';
import type { ServiceContext } from './context.js';
import { assertObject, checkInput } from './input.js';
import { PAGE_SHAPE, page, pageOf, type Page, type PageOptions } from './paging.js';
import { ACTOR_SHAPE, assertActor, assertCanAssign, assertCanChangeTask, assertCanMutate, type Actor } from './permissions.js';
import { getOrNull, readExisting } from './reads.js';
import { newTaskRecord } from './records.js';
import type { KeyQuery } from '../entities/key-requests.js';
import { canTransition, TASK_TRANSITIONS } from './task-status.js';
import { runTransaction, type TransactionItem } from './transactions.js';
import { ACTOR_FIELD, referenceExists, usersActive, versionedPut } from './write-items.js';

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

/** The changes of tasks.update: user-editable fields only; `null` clears an optional one. */
export type TaskChanges = Partial<{
  [K in (typeof USER_EDITABLE_TASK_FIELDS)[number]]: Task[K] extends infer V ? V | null : never;
}>;

/** Sources a caller may give; `template` and `recurring` tasks come from their own services. */
const CALLER_SOURCES = TASK_SOURCES.filter((source) => source !== 'template' && source !== 'recurring');

/** How many days listUpcoming may span, and its default. */
const UPCOMING_DAYS = integerRule('upcoming_days', 1, 366);
export const DEFAULT_UPCOMING_DAYS = 7;

const CREATE_SHAPE = {
  title: true,
  assignee_id: true,
  bundle_id: true,
  due_date: true,
  parent_task_id: true,
  source: true,
  description: true,
  tags: true,
  required_link_name: true,
  requires_file: true,
  instructions_url: true,
  actor: ACTOR_SHAPE,
} as const satisfies Record<keyof CreateTaskInput, unknown>;
const UPDATE_SHAPE = { task_id: true, changes: true, expected_version: true, actor: ACTOR_SHAPE } as const;
const TRANSITION_SHAPE = { task_id: true, to: true, actor: ACTOR_SHAPE, expected_version: true, note: true } as const;
const LIST_TODAY_SHAPE = { assignee_id: true, time_zone: true, ...PAGE_SHAPE } as const;
const LIST_OVERDUE_SHAPE = { assignee_id: true, time_zone: true, today: true, ...PAGE_SHAPE } as const;
const LIST_UPCOMING_SHAPE = { assignee_id: true, time_zone: true, from: true, days: true, ...PAGE_SHAPE } as const;

const optionalUser = (value: unknown, field: string) => (value == null ? undefined : assertId('user', value, field));

export function createTasksService(ctx: ServiceContext) {
  const { entities } = ctx;

  const read = (task_id: string) => readExisting<Task>(ctx.service, entities.task, { task_id }, 'Task', 'task_id');

  async function countFiles(task_id: string): Promise<number> {
    const { items } = await page(ctx.service, entities.file, { index: 'byTask', composite: { task_id } }, { limit: 1 });
    return items.length;
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

  /**
   * The time zone "today" is counted in: the one given, else the operator's own (one GetItem)
   * when the call is about one operator, else UTC. A stored zone is canonicalised like input;
   * one that is no zone at all is a VALIDATION error saying how to get past it.
   */
  async function zoneOf(time_zone: unknown, assignee_id: string | undefined): Promise<string> {
    if (time_zone !== undefined) return checkTimeZone(time_zone, 'time_zone');
    if (assignee_id === undefined) return 'UTC';
    const user = await getOrNull<User>(ctx.service, entities.user, { user_id: assignee_id });
    if (!user) throw new NotFoundError(`User ${assignee_id} does not exist`, { field: 'assignee_id' });
    const zone = canonicalTimeZone(user.timezone);
    if (zone === undefined) {
      throw new ValidationError(
        `User ${assignee_id} has a stored time zone that is not an IANA time zone (${describeValue(user.timezone)}): pass time_zone explicitly, or correct the user's timezone`,
        { field: 'time_zone', user_id: assignee_id, rule: 'time_zone' },
      );
    }
    return zone;
  }

  const todayIn = (zone: string) => localDate(ctx.now(), zone);

  const service = {
    async create(input: CreateTaskInput): Promise<Task> {
      checkInput(input, CREATE_SHAPE, 'tasks.create');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'create tasks');
      const assignee_id = optionalUser(input.assignee_id, 'assignee_id');
      assertCanAssign(actor, assignee_id, 'create tasks for');
      const task = newTaskRecord(
        {
          title: checkValue(TEXT.title, input.title, 'title'),
          description: checkOptional(TEXT.description, input.description, 'description'),
          assignee_id,
          bundle_id: input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id'),
          parent_task_id: input.parent_task_id == null ? undefined : assertId('task', input.parent_task_id, 'parent_task_id'),
          due_date: checkOptional(CALENDAR_DATE, input.due_date, 'due_date'),
          source: input.source === undefined ? 'manual' : checkEnum(CALLER_SOURCES, input.source, 'source'),
          required_link_name: checkOptional(TEXT.short, input.required_link_name, 'required_link_name'),
          requires_file: input.requires_file === undefined ? false : checkValue(BOOLEAN, input.requires_file, 'requires_file'),
          instructions_url: checkOptional(TEXT.url, input.instructions_url, 'instructions_url'),
          tags: checkTags(input.tags),
          created_by: actor.user_id,
        },
        ctx.now(),
      );
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.task.create(task).commit() },
        ...usersActive(ctx, tx, [{ user_id: actor.user_id, field: ACTOR_FIELD }, task.assignee_id ? { user_id: task.assignee_id, field: 'assignee_id' } : undefined]),
        ...(task.bundle_id ? [referenceExists(tx, 'bundle', task.bundle_id, 'bundle_id')] : []),
        ...(task.parent_task_id ? [referenceExists(tx, 'task', task.parent_task_id, 'parent_task_id')] : []),
      ]);
      return task;
    },

    async get(task_id: string): Promise<Task | null> {
      return getOrNull<Task>(ctx.service, entities.task, { task_id: assertId('task', task_id) });
    },

    /** Edits user-editable fields; status changes go through `transition`. */
    async update(input: { task_id: string; changes: TaskChanges; expected_version: number; actor: Actor }): Promise<Task> {
      checkInput(input, UPDATE_SHAPE, 'tasks.update');
      const task_id = assertId('task', input.task_id);
      const actor = assertActor(input.actor);
      const expected_version = checkValue(VERSION, input.expected_version, 'expected_version');
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
      await runTransaction(ctx.service, (tx) => [
        versionedPut(tx, 'task', current, next, { what: 'Task', id: task_id }),
        ...usersActive(ctx, tx, [{ user_id: actor.user_id, field: ACTOR_FIELD }, assigneeChanged ? { user_id: next.assignee_id!, field: 'assignee_id' } : undefined]),
      ]);
      return next;
    },

    /**
     * Moves a task along the status machine, writing its history record in the same
     * transaction. Completing a task with `stage_on_complete` moves its bundle too (the bundles
     * service builds that half of the transaction).
     */
    async transition(input: { task_id: string; to: TaskStatus; actor: Actor; expected_version?: number; note?: string }): Promise<{ task: Task; transition: TaskTransition }> {
      checkInput(input, TRANSITION_SHAPE, 'tasks.transition');
      const task_id = assertId('task', input.task_id);
      const to = checkEnum(TASK_STATUSES, input.to, 'to');
      const actor = assertActor(input.actor);
      const expected_version = checkOptional(VERSION, input.expected_version, 'expected_version');
      const note = checkOptional(TEXT.note, input.note, 'note');

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
      const transition: TaskTransition = {
        transition_id: newId('task_transition', now),
        task_id,
        from_status: current.status,
        to_status: to,
        actor_id: actor.user_id,
        at,
        ...(note === undefined ? {} : { note }),
      };
      const stageChange = to === 'done' && current.stage_on_complete && current.bundle_id ? await bundleStageChange(ctx, current.bundle_id, current.stage_on_complete) : undefined;
      await runTransaction(ctx.service, (tx) => {
        const items: TransactionItem[] = [versionedPut(tx, 'task', current, next, { what: 'Task', id: task_id }), { commit: tx.task_transition.create(transition).commit() }];
        if (stageChange) items.push(stageChange(tx, at));
        items.push(...usersActive(ctx, tx, [{ user_id: actor.user_id, field: ACTOR_FIELD }]));
        return items;
      });
      return { task: next, transition };
    },

    /** The task's status changes, oldest first: one Query per page. */
    async history(task_id: string, options?: PageOptions): Promise<Page<TaskTransition>> {
      const id = assertId('task', task_id);
      return page(ctx.service, entities.task_transition, { index: 'byTask', composite: { task_id: id } }, options) as Promise<Page<TaskTransition>>;
    },

    /**
     * Open tasks of an operator due today in `time_zone` (default: the operator's own zone,
     * which costs one GetItem for the user before the Query). Returns the date it used.
     */
    async listToday(input: { assignee_id: string; time_zone?: string } & PageOptions): Promise<Page<Task> & { today: string }> {
      checkInput(input, LIST_TODAY_SHAPE, 'tasks.listToday');
      const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
      const today = todayIn(await zoneOf(input.time_zone, assignee_id));
      const result = await page(ctx.service, entities.task, { index: 'openByAssigneeDue', composite: { open_assignee_id: assignee_id, open_due_date: today } }, pageOf(input));
      return { ...(result as Page<Task>), today };
    },

    /**
     * Open tasks due before today: one operator's (one Query) or the whole team's (one Query on
     * the team index). "Today" is `today` when given (it wins, for callers that computed it),
     * else the date in `time_zone`, else in the operator's own zone (one GetItem more) or, for
     * the team-wide view, in UTC. Returns the date it used.
     */
    async listOverdue(input: { assignee_id?: string; time_zone?: string; today?: string } & PageOptions): Promise<Page<Task> & { today: string }> {
      checkInput(input, LIST_OVERDUE_SHAPE, 'tasks.listOverdue');
      const assignee_id = input.assignee_id === undefined ? undefined : assertId('user', input.assignee_id, 'assignee_id');
      const zone = input.time_zone === undefined ? undefined : checkTimeZone(input.time_zone, 'time_zone');
      const today = input.today !== undefined ? checkValue(CALENDAR_DATE, input.today, 'today') : todayIn(await zoneOf(zone, assignee_id));
      const query: KeyQuery =
        assignee_id === undefined
          ? { index: 'openByDue', composite: {}, lt: { team_open_due_date: today } }
          : { index: 'openByAssigneeDue', composite: { open_assignee_id: assignee_id }, lt: { open_due_date: today } };
      const result = (await page(ctx.service, entities.task, query, pageOf(input))) as Page<Task>;
      return { ...result, today };
    },

    /**
     * Open tasks of an operator with from <= due_date <= to, where to = from + days - 1 (default
     * 7 days). `from` is the given date (it wins) or today in `time_zone` or the operator's own
     * zone. A span that leaves the calendar (past 9999-12-31) is VALIDATION naming `days`.
     */
    async listUpcoming(input: { assignee_id: string; time_zone?: string; from?: string; days?: number } & PageOptions): Promise<Page<Task> & { from: string; to: string }> {
      checkInput(input, LIST_UPCOMING_SHAPE, 'tasks.listUpcoming');
      const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
      const zone = input.time_zone === undefined ? undefined : checkTimeZone(input.time_zone, 'time_zone');
      const days = input.days === undefined ? DEFAULT_UPCOMING_DAYS : checkValue(UPCOMING_DAYS, input.days, 'days');
      const from = input.from !== undefined ? checkValue(CALENDAR_DATE, input.from, 'from') : todayIn(await zoneOf(zone, assignee_id));
      // The sort key ends with the date, so BETWEEN is inclusive at both ends: stop the day before.
      const to = addDays(from, days - 1, 'days');
      const result = (await page(
        ctx.service,
        entities.task,
        { index: 'openByAssigneeDue', composite: { open_assignee_id: assignee_id }, between: [{ open_due_date: from }, { open_due_date: to }] },
        pageOf(input),
      )) as Page<Task>;
      return { ...result, from, to };
    },

    async listByAssigneeStatus(input: { assignee_id: string; status: TaskStatus } & PageOptions): Promise<Page<Task>> {
      checkInput(input, { assignee_id: true, status: true, ...PAGE_SHAPE }, 'tasks.listByAssigneeStatus');
      const assignee_id = assertId('user', input.assignee_id, 'assignee_id');
      const status = checkEnum(TASK_STATUSES, input.status, 'status');
      return page(ctx.service, entities.task, { index: 'byAssigneeStatus', composite: { assignee_id, assigned_status: status } }, pageOf(input)) as Promise<Page<Task>>;
    },

    async listByBundle(input: { bundle_id: string } & PageOptions): Promise<Page<Task>> {
      checkInput(input, { bundle_id: true, ...PAGE_SHAPE }, 'tasks.listByBundle');
      const bundle_id = assertId('bundle', input.bundle_id, 'bundle_id');
      return page(ctx.service, entities.task, { index: 'byBundle', composite: { bundle_id } }, pageOf(input)) as Promise<Page<Task>>;
    },
  };

  return service;
}

/** Validates each changed field; `null` (or undefined) on an optional field means "clear it". */
function validateChanges(changes: Record<string, unknown>): Partial<Task> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    const clearing = value === null || value === undefined;
    switch (field) {
      case 'title':
        out.title = checkValue(TEXT.title, value, 'title');
        break;
      case 'tags':
        out.tags = checkTags(value);
        break;
      case 'requires_file':
        out.requires_file = checkValue(BOOLEAN, value, 'requires_file');
        break;
      case 'assignee_id':
        out.assignee_id = optionalUser(value, 'assignee_id');
        break;
      case 'due_date':
        out.due_date = clearing ? undefined : checkValue(CALENDAR_DATE, value, 'due_date');
        break;
      case 'follow_up_at':
        out.follow_up_at = clearing ? undefined : checkValue(TIMESTAMP, value, 'follow_up_at');
        break;
      case 'description':
        out.description = clearing ? undefined : checkValue(TEXT.description, value, field);
        break;
      case 'comment':
        out.comment = clearing ? undefined : checkValue(TEXT.comment, value, field);
        break;
      case 'link':
      case 'instructions_url':
        out[field] = clearing ? undefined : checkValue(TEXT.url, value, field);
        break;
      case 'waiting_for':
      case 'required_link_name':
        out[field] = clearing ? undefined : checkValue(TEXT.short, value, field);
        break;
    }
  }
  return out as Partial<Task>;
}

export type TasksService = ReturnType<typeof createTasksService>;

