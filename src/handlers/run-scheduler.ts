/**
 * One scheduler run: materialize due recurring schedules into tasks, then claim due
 * notifications. Used by the Lambda handler (scheduler.ts) and by `exstate scheduler run`.
 *
 * Both steps are safe to overlap and to retry: a schedule occurrence and a notification claim
 * are conditional writes, so of several concurrent runs exactly one wins each. Delivery is out
 * of scope for V1: a claimed notification is logged as what would be sent and stays `claimed`.
 */
import type { ExecutionStore } from '../store.js';
import { isExecutionStoreError } from '../errors.js';
import type { Notification } from '../entities/index.js';

export interface SchedulerSummary {
  /** The claim owner written to notifications (see workerIdFor). */
  worker_id: string;
  started_at: string;
  /** Tasks created from due schedule occurrences. */
  created: number;
  /** Due occurrences another worker materialized first. */
  skipped: number;
  /** Notifications this run claimed (and would have sent). */
  claimed: number;
  /** Due notifications another worker claimed first. */
  lost: number;
  /** Due notifications nobody could claim any more when tried: dismissed, cancelled or deleted since they were listed. */
  not_claimable: number;
  /** True when the run stopped claiming early (time budget or maxClaims) with due notifications left. */
  more_due: boolean;
  /** Failures (logged individually); the handler throws when there is any. */
  errors: number;
  duration_ms: number;
}

export type LogRecord = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };

export interface SchedulerRunOptions {
  /** Who claims: ends up in notifications' claimed_by. Letters, digits and _ . : @ / - only. */
  workerId: string;
  /** Receives one record per event; default: one JSON line on stdout. */
  log?: (record: LogRecord) => void;
  /** Milliseconds left before the invocation times out (Lambda's context.getRemainingTimeInMillis). */
  remainingMs?: () => number;
  /** Stop claiming when less than this is left (default 10 s). */
  safetyMarginMs?: number;
  /** At most this many claim attempts per run (default 500); the next run picks up the rest. */
  maxClaims?: number;
  /** Extra fields on every log record (e.g. the EventBridge event id). */
  context?: Record<string, unknown>;
}

const PAGE_SIZE = 25;
const CLAIM_CONCURRENCY = 5;

/**
 * One JSON line per record, through the console method of its level (info/warn/error), so
 * Lambda's log-level filtering and its JSON log format (LoggingConfig) see the right level.
 */
export function jsonLineLogger(write?: (line: string, level: LogRecord['level']) => void): (record: LogRecord) => void {
  const out =
    write ??
    ((line: string, level: LogRecord['level']) => {
      if (level === 'error') console.error(line);
      else if (level === 'warn') console.warn(line);
      else console.info(line);
    });
  return (record) => out(JSON.stringify({ time: new Date().toISOString(), ...record }), record.level);
}

/** A claim owner from a Lambda context: `<function name>:<request id>`, sanitized. */
export function workerIdFor(context: { functionName?: string; awsRequestId?: string } | undefined, fallback = 'local'): string {
  const raw = [context?.functionName || 'scheduler', context?.awsRequestId || fallback].join(':');
  return raw.replace(/[^\w.:@/-]/g, '-').slice(0, 128);
}

function errorFields(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; code?: unknown; message?: string; $metadata?: unknown; cause?: { name?: string; code?: unknown } };
  // The SDK's error name (ResourceNotFoundException, ECONNREFUSED...) is the useful part, whether
  // it arrives wrapped (a typed store error's cause) or as the SDK threw it.
  const cause = e?.cause ? (typeof e.cause.code === 'string' ? e.cause.code : e.cause.name) : e?.$metadata !== undefined ? e.name : undefined;
  return {
    error: e?.name ?? 'Error',
    ...(e?.code !== undefined ? { code: e.code } : {}),
    ...(cause ? { cause } : {}),
    message: e?.message ?? String(error),
  };
}

/** What a delivery worker would send; V1 only logs it. */
function wouldSend(notification: Notification): Record<string, unknown> {
  return {
    notification_id: notification.notification_id,
    kind: notification.kind,
    recipient_id: notification.recipient_id ?? 'broadcast',
    ...(notification.task_id ? { task_id: notification.task_id } : {}),
    ...(notification.bundle_id ? { bundle_id: notification.bundle_id } : {}),
    due_at: notification.due_at,
    message: notification.message,
  };
}

export async function runScheduler(store: ExecutionStore, options: SchedulerRunOptions): Promise<SchedulerSummary> {
  const startedAt = Date.now();
  const emit = options.log ?? jsonLineLogger();
  const base = { worker_id: options.workerId, ...options.context };
  const log = (record: LogRecord) => emit({ ...record, ...base });
  const remaining = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const margin = options.safetyMarginMs ?? 10_000;
  const maxClaims = options.maxClaims ?? 500;
  const summary: SchedulerSummary = {
    worker_id: options.workerId,
    started_at: new Date(startedAt).toISOString(),
    created: 0,
    skipped: 0,
    claimed: 0,
    lost: 0,
    not_claimable: 0,
    more_due: false,
    errors: 0,
    duration_ms: 0,
  };

  // 1. Recurring schedules: one task per due occurrence, exactly once across workers.
  try {
    const result = await store.schedules.materializeDue();
    summary.created = result.created.length;
    summary.skipped = result.skipped;
    for (const task of result.created) {
      log({
        level: 'info',
        msg: 'task created from recurring schedule',
        task_id: task.task_id,
        schedule_id: task.recurring_schedule_id,
        occurrence_date: task.occurrence_date,
        assignee_id: task.assignee_id,
      });
    }
    for (const failure of result.failed) {
      summary.errors += 1;
      log({ level: 'error', msg: 'materializing a due schedule failed; retried next run', schedule_id: failure.schedule_id, cause: failure.code, message: failure.message });
    }
  } catch (error) {
    summary.errors += 1;
    log({ level: 'error', msg: 'materializing due schedules failed', ...errorFields(error) });
  }

  // 2. Due notifications: claim each (a conditional write) and log what would be sent.
  try {
    let cursor: string | null = null;
    let attempts = 0;
    do {
      const page: { items: Notification[]; cursor: string | null } = await store.notifications.listDue({ limit: PAGE_SIZE, cursor });
      for (let i = 0; i < page.items.length; i += CLAIM_CONCURRENCY) {
        if (attempts >= maxClaims || remaining() < margin) {
          summary.more_due = true;
          break;
        }
        const batch = page.items.slice(i, i + CLAIM_CONCURRENCY);
        attempts += batch.length;
        await Promise.all(
          batch.map(async (notification) => {
            try {
              const outcome = await store.notifications.tryClaim({ notification_id: notification.notification_id, worker_id: options.workerId });
              if (outcome.claimed) {
                summary.claimed += 1;
                log({ level: 'info', msg: 'notification claimed; would send', ...wouldSend(notification) });
              } else if (outcome.reason === 'claimed_by_another') {
                // Lost only when another worker really holds the claim.
                summary.lost += 1;
              } else {
                summary.not_claimable += 1;
              }
            } catch (error) {
              // Gone since it was listed (TTL): nothing to claim, and nobody else claimed it.
              if (isExecutionStoreError(error, 'NOT_FOUND')) {
                summary.not_claimable += 1;
                return;
              }
              summary.errors += 1;
              log({ level: 'error', msg: 'claiming notification failed', notification_id: notification.notification_id, ...errorFields(error) });
            }
          }),
        );
      }
      cursor = page.cursor;
      if (summary.more_due) break;
      if (cursor && (attempts >= maxClaims || remaining() < margin)) summary.more_due = true;
    } while (cursor && !summary.more_due);
  } catch (error) {
    summary.errors += 1;
    log({ level: 'error', msg: 'listing due notifications failed', ...errorFields(error) });
  }

  summary.duration_ms = Date.now() - startedAt;
  log({ level: summary.errors ? 'warn' : 'info', msg: 'scheduler run finished', ...summary });
  return summary;
}
