/**
 * Recurring schedules. `materializeDue` turns each due occurrence into exactly one task: the
 * task's creation and the schedule's advance (a versioned put) are one transaction, so when
 * several workers race for the same occurrence one wins and the others get a condition failure
 * and skip it. Missed older occurrences are not back-filled: the schedule jumps to its next run
 * after now (ADR 0001).
 */
import { Cron } from 'croner';
import { ExecutionStoreError, ValidationError } from '../errors.js';
import type { RecurringSchedule, Task } from '../entities/index.js';
import { BOOLEAN, TEXT, canonicalTimeZone, checkOptional, checkTags, checkTimeZone, checkValue, describeValue, integerRule, localDate } from '../formats.js';
import { assertId, newId } from '../ids.js';
import type { ServiceContext } from './context.js';
import { checkInput } from './input.js';
import { PAGE_SHAPE, page, pageOf, type Page, type PageOptions } from './paging.js';
import { ACTOR_SHAPE, assertActor, assertCanAssign, assertCanMutate, type Actor } from './permissions.js';
import { getOrNull } from './reads.js';
import { compact, newTaskRecord } from './records.js';
import { runTransaction, type TransactionItem } from './transactions.js';
import { ACTOR_FIELD, referenceExists, usersActive, versionedPut } from './write-items.js';

export interface CreateScheduleInput {
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
}

const CREATE_SHAPE = {
  title: true,
  cron: true,
  time_zone: true,
  assignee_id: true,
  bundle_id: true,
  description: true,
  tags: true,
  instructions_url: true,
  enabled: true,
  actor: ACTOR_SHAPE,
} as const satisfies Record<keyof CreateScheduleInput, unknown>;

/** How far ahead listDueSoon looks at most (a year and a day). */
const WITHIN_MINUTES = integerRule('within_minutes', 0, 60 * 24 * 366);

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
  const text = checkValue(TEXT.cron, expression, field).trim();
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

/**
 * The canonical spelling of a schedule's stored time zone. One that is no zone at all (written
 * by an older version, or past the service) is a VALIDATION error naming the schedule, so the
 * scheduler reports it as failed with a reason instead of a RangeError.
 */
function storedZoneOf(schedule: RecurringSchedule): string {
  const zone = canonicalTimeZone(schedule.time_zone);
  if (zone !== undefined) return zone;
  throw new ValidationError(
    `Schedule ${schedule.schedule_id} has a stored time_zone that is not an IANA time zone (${describeValue(schedule.time_zone)}): correct or disable the schedule`,
    { field: 'time_zone', schedule_id: schedule.schedule_id, rule: 'time_zone' },
  );
}

export function createSchedulesService(ctx: ServiceContext) {
  const { entities } = ctx;

  /** Enabled schedules with next_run_at <= `by`. The sort key continues after the timestamp (#schedule_id), so "< by + 1 ms" is "<= by". */
  function dueBy(by: Date, options?: PageOptions): Promise<Page<RecurringSchedule>> {
    const bound = new Date(by.getTime() + 1).toISOString();
    return page(ctx.service, entities.recurring_schedule, { index: 'enabledByNextRun', composite: {}, lt: { next_run_at: bound } }, options) as Promise<Page<RecurringSchedule>>;
  }

  async function materializeOne(schedule: RecurringSchedule, now: Date): Promise<Task | null> {
    const zone = storedZoneOf(schedule);
    const cron = parseCron(schedule.cron, zone);
    const occurrence = new Date(schedule.next_run_at);
    const occurrenceDate = localDate(occurrence, zone);
    const at = now.toISOString();
    // The next run after both now and this occurrence, so the schedule always moves forward.
    const next = nextRunAfter(cron, occurrence.getTime() > now.getTime() ? occurrence : now);
    const task = newTaskRecord(
      {
        title: schedule.title,
        description: schedule.description,
        assignee_id: schedule.assignee_id,
        bundle_id: schedule.bundle_id,
        recurring_schedule_id: schedule.schedule_id,
        occurrence_date: occurrenceDate,
        due_date: occurrenceDate,
        source: 'recurring',
        instructions_url: schedule.instructions_url,
        tags: schedule.tags,
        created_by: schedule.created_by,
      },
      now,
    );
    const advanced: RecurringSchedule = compact({
      ...schedule,
      // A stored zone in another spelling is rewritten in the canonical one (the entity accepts only that).
      time_zone: zone,
      last_run_at: schedule.next_run_at,
      // A cron that never fires again (e.g. a date in the past year) disables itself.
      next_run_at: next ?? schedule.next_run_at,
      enabled: next !== null,
      updated_at: at,
      version: schedule.version + 1,
    });
    try {
      await runTransaction(ctx.service, (tx): TransactionItem[] => [
        versionedPut(tx, 'recurring_schedule', schedule, advanced, { what: 'Schedule', id: schedule.schedule_id }),
        { commit: tx.task.create(task).commit() },
      ]);
      return task;
    } catch (error) {
      if (error instanceof ExecutionStoreError && error.code === 'CONFLICT') return null;
      throw error;
    }
  }

  return {
    async create(input: CreateScheduleInput): Promise<RecurringSchedule> {
      checkInput(input, CREATE_SHAPE, 'schedules.create');
      const actor = assertActor(input.actor);
      assertCanMutate(actor, 'create schedules');
      const time_zone = checkTimeZone(input.time_zone, 'time_zone');
      const cron = parseCron(input.cron, time_zone);
      const assignee_id = input.assignee_id == null ? undefined : assertId('user', input.assignee_id, 'assignee_id');
      assertCanAssign(actor, assignee_id, 'create schedules for');
      const now = ctx.now();
      const next = nextRunAfter(cron, now);
      if (next === null) throw new ValidationError('cron never fires after now: check the expression', { field: 'cron' });
      const at = now.toISOString();
      const schedule: RecurringSchedule = compact({
        schedule_id: newId('recurring_schedule', now),
        title: checkValue(TEXT.title, input.title, 'title'),
        cron: String(input.cron).trim(),
        time_zone,
        assignee_id,
        bundle_id: input.bundle_id == null ? undefined : assertId('bundle', input.bundle_id, 'bundle_id'),
        description: checkOptional(TEXT.description, input.description, 'description'),
        tags: checkTags(input.tags),
        instructions_url: checkOptional(TEXT.url, input.instructions_url, 'instructions_url'),
        enabled: input.enabled === undefined ? true : checkValue(BOOLEAN, input.enabled, 'enabled'),
        next_run_at: next,
        created_by: actor.user_id,
        created_at: at,
        updated_at: at,
        version: 1,
      });
      await runTransaction(ctx.service, (tx) => [
        { commit: tx.recurring_schedule.create(schedule).commit() },
        ...usersActive(ctx, tx, [{ user_id: actor.user_id, field: ACTOR_FIELD }, schedule.assignee_id ? { user_id: schedule.assignee_id, field: 'assignee_id' } : undefined]),
        ...(schedule.bundle_id ? [referenceExists(tx, 'bundle', schedule.bundle_id, 'bundle_id')] : []),
      ]);
      return schedule;
    },

    async get(schedule_id: string): Promise<RecurringSchedule | null> {
      return getOrNull<RecurringSchedule>(ctx.service, entities.recurring_schedule, { schedule_id: assertId('recurring_schedule', schedule_id, 'schedule_id') });
    },

    /** Enabled schedules with next_run_at <= now + within_minutes: one Query per page on the sparse index. */
    async listDueSoon(input: { within_minutes: number } & PageOptions): Promise<Page<RecurringSchedule>> {
      checkInput(input, { within_minutes: true, ...PAGE_SHAPE }, 'schedules.listDueSoon');
      const within = checkValue(WITHIN_MINUTES, input.within_minutes, 'within_minutes');
      return dueBy(new Date(ctx.now().getTime() + within * 60_000), pageOf(input));
    },

    /**
     * Creates the task of every due occurrence, exactly once across concurrent workers. A
     * schedule that fails (throttling, a stored cron or time zone that is not valid) is reported
     * in `failed` with its error code and reason, and does not stop the others.
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

