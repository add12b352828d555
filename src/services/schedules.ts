/**
 * Recurring schedules. `materializeDue` turns each due occurrence into exactly one task: the
 * task's creation and the schedule's advance (a versioned put) are one transaction, so when
 * several workers race for the same occurrence one wins and the others get a condition failure
 * and skip it. Missed older occurrences are not back-filled: the schedule jumps to its next run
 * after now (ADR 0001).
 */
import { Cron } from 'croner';
import { ExecutionStoreError, ValidationError } from '../errors.js';
import { assertId, newId } from '../ids.js';

import type { ServiceContext } from './context.js';
import {
  type Actor,
  type Page,
  type PageOptions,
  assertActor,
  assertBoolean,
  assertCanAssign,
  assertCanMutate,
  assertInteger,
  assertKnownFields,
  assertObject,
  assertTags,
  assertText,
  assertTimeZone,
  compact,
  localDate,
  optionalText,
  page,
  getOrNull,
} from './common.js';
import type { Task } from './tasks.js';
import { mustBeVersion, mustExist, runTransaction, type TransactionItem } from './transactions.js';
import { TEXT_LIMITS } from '../formats.js';

export interface RecurringSchedule {
  schedule_id: string;
  title: string;
  cron: string;
  time_zone: string;
  assignee_id?: string;
  bundle_id?: string;
  description?: string;
  tags: string[];
  instructions_url?: string;
  enabled: boolean;
  next_run_at: string;
  last_run_at?: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface MaterializeResult {
  /** Tasks this call created, one per occurrence it won. */
  created: Task[];
  /** Due schedules another worker materialized first. */
  skipped: number;
  /** Due schedules that could not be materialized this run (retried on the next). */
  failed: { schedule_id: string; code: string; message: string }[];
}

/** Parses a 5-field cron (minute hour day-of-month month day-of-week) in a time zone. */
export function parseCron(expression: unknown, timeZone: string, field = 'cron'): Cron {
  const text = assertText(expression, field, 120).trim();
  if (text.split(/\s+/).length !== 5) {
    throw new ValidationError(`${field} must have 5 fields (minute hour day-of-month month day-of-week), e.g. "0 9 * * 1"; got ${JSON.stringify(text)}`, { field });
  }
  try {
    return new Cron(text, { timezone: timeZone, mode: '5-part', paused: true });
  } catch (error) {
    throw new ValidationError(`${field} is not a valid cron expression: ${(error as Error).message}`, { field }, { cause: error });
  }
}

/** The first run strictly after `after`, as an ISO timestamp, or null when the cron never fires again. */
export function nextRunAfter(cron: Cron, after: Date): string | null {
  const next = cron.nextRun(after);
  return next ? next.toISOString() : null;
}

export function createSchedulesService(ctx: ServiceContext) {
  const { entities } = ctx;

  /** Enabled schedules with next_run_at <= `by`. The sort key continues after the timestamp (#schedule_id), so "< by + 1 ms" is "<= by". */
  function dueBy(by: Date, options?: PageOptions): Promise<Page<RecurringSchedule>> {
    const bound = new Date(by.getTime() + 1).toISOString();
    return page(entities.recurring_schedule.query.enabledByNextRun({}).lt({ next_run_at: bound }), options) as Promise<Page<RecurringSchedule>>;
  }

  async function materializeOne(schedule: RecurringSchedule, now: Date): Promise<Task | null> {
    const cron = parseCron(schedule.cron, schedule.time_zone);
    const occurrence = new Date(schedule.next_run_at);
    const occurrenceDate = localDate(occurrence, schedule.time_zone);
    const at = now.toISOString();
    // The next run after both now and this occurrence, so the schedule always moves forward.
    const next = nextRunAfter(cron, occurrence.getTime() > now.getTime() ? occurrence : now);
    const task: Task = compact({
      task_id: newId('task', now),
      title: schedule.title,
      description: schedule.description,
      status: 'todo' as const,
      assignee_id: schedule.assignee_id,
      bundle_id: schedule.bundle_id,
      recurring_schedule_id: schedule.schedule_id,
      occurrence_date: occurrenceDate,
      due_date: occurrenceDate,
      source: 'recurring' as const,
      requires_file: false,
      instructions_url: schedule.instructions_url,
      tags: schedule.tags,
      created_by: schedule.created_by,
      created_at: at,
      updated_at: at,
      version: 1,
    });
    const advanced: RecurringSchedule = compact({
      ...schedule,
      last_run_at: schedule.next_run_at,
      // A cron that never fires again (e.g. a date in the past year) disables itself.
      next_run_at: next ?? schedule.next_run_at,
      enabled: next !== null,
      updated_at: at,
      version: schedule.version + 1,
    });
    try {
      await runTransaction(ctx.service, (tx): TransactionItem[] => [
        {
          commit: tx.recurring_schedule.put(advanced).where((a, op) => op.eq(a.version, schedule.version)).commit(),
          onFailed: mustBeVersion('Schedule', schedule.schedule_id, schedule.version),
        },
        { commit: tx.task.create(task).commit() },
      ]);
      return task;
    } catch (error) {
      if (error instanceof ExecutionStoreError && error.code === 'CONFLICT') return null;
      throw error;
    }
  }

  return {
    async create(input: {
      title: string;
      cron: string;
      time_zone: string;
      assignee_id?: string;
      bundle_id?: string;
      description?: string;
      tags?: string[];
      instructions_url?: string;
      enabled?: boolean;
      actor: Actor;
    }): Promise<RecurringSchedule> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, [
        'title', 'cron', 'time_zone', 'assignee_id', 'bundle_id', 'description', 'tags', 'instructions_url', 'enabled', 'actor',
      ], 'schedules.create');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'create schedules');
      const time_zone = assertTimeZone(input.time_zone, 'time_zone');
      const cron = parseCron(input.cron, time_zone);
      const assignee_id = input.assignee_id == null ? undefined : assertId('user', input.assignee_id, 'assignee_id');
      assertCanAssign(actor, assignee_id, 'create schedules for');
      const now = ctx.now();
      const next = nextRunAfter(cron, now);
      if (next === null) throw new ValidationError('cron never fires after now: check the expression', { field: 'cron' });
      const at = now.toISOString();
      const schedule: RecurringSchedule = compact({
        schedule_id: newId('recurring_schedule', now),
        title: assertText(input.title, 'title', TEXT_LIMITS.title),
        cron: String(input.cron).trim(),
        time_zone,
        assignee_id,
        bundle_id: input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id'),
        description: optionalText(input.description, 'description', TEXT_LIMITS.description),
        tags: assertTags(input.tags),
        instructions_url: optionalText(input.instructions_url, 'instructions_url', TEXT_LIMITS.url),
        enabled: input.enabled === undefined ? true : assertBoolean(input.enabled, 'enabled'),
        next_run_at: next,
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.recurring_schedule.create(schedule).commit() },
        ...(schedule.assignee_id
          ? [{ commit: tx.user.check({ user_id: schedule.assignee_id }).where((a, op) => op.exists(a.user_id)).commit(), onFailed: mustExist('assignee_id', schedule.assignee_id, 'user') }]
          : []),
        ...(schedule.bundle_id
          ? [{ commit: tx.bundle.check({ bundle_id: schedule.bundle_id }).where((a, op) => op.exists(a.bundle_id)).commit(), onFailed: mustExist('bundle_id', schedule.bundle_id, 'bundle') }]
          : []),
      ]);
      return schedule;
    },

    async get(schedule_id: string): Promise<RecurringSchedule | null> {
      return getOrNull<RecurringSchedule>(entities.recurring_schedule.get({ schedule_id: assertId('recurring_schedule', schedule_id, 'schedule_id') }));
    },

    /** Enabled schedules with next_run_at <= now + within_minutes: one Query per page on the sparse index. */
    async listDueSoon(input: { within_minutes: number } & PageOptions): Promise<Page<RecurringSchedule>> {
      assertObject(input, 'input');
      assertKnownFields(input as unknown as Record<string, unknown>, ['within_minutes', 'limit', 'cursor'], 'schedules.listDueSoon');
      const within = assertInteger(input.within_minutes, 'within_minutes', 0, 60 * 24 * 366);
      return dueBy(new Date(ctx.now().getTime() + within * 60_000), { limit: input.limit, cursor: input.cursor });
    },

    /**
     * Creates the task of every due occurrence, exactly once across concurrent workers. A
     * schedule that fails (throttling, a cron that no longer parses) is reported in `failed`
     * and does not stop the others.
     */
    async materializeDue(): Promise<MaterializeResult> {
      // One clock reading for the whole run: the due list and each next run are computed from it.
      const now = ctx.now();
      const due = (await dueBy(now)).items;
      const created: Task[] = [];
      const failed: MaterializeResult['failed'] = [];
      let skipped = 0;
      // A few at a time: enough to overlap round trips without bursting the table.
      for (let i = 0; i < due.length; i += 4) {
        const batch = due.slice(i, i + 4);
        const results = await Promise.allSettled(batch.map((schedule) => materializeOne(schedule, now)));
        results.forEach((result, j) => {
          if (result.status === 'rejected') {
            const error = result.reason as { code?: string; name?: string; message?: string };
            failed.push({ schedule_id: batch[j]!.schedule_id, code: error?.code ?? error?.name ?? 'ERROR', message: error?.message ?? String(result.reason) });
          } else if (result.value) created.push(result.value);
          else skipped += 1;
        });
      }
      return { created, skipped, failed };
    },
  };
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
