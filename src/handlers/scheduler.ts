/**
 * Scheduler Lambda, invoked by an EventBridge schedule (SchedulerFunction in
 * lambda-functions/template.full.yaml, Handler: scheduler.handler).
 *
 * Each run creates the tasks of due recurring schedules and claims due notifications (delivery
 * is out of scope: a claim is recorded and what would be sent is logged). Logs are JSON lines.
 *
 * The store is created once per container, here at module scope. Creating it reads the
 * environment (DATAOPS_EXECUTION_TABLE, DYNAMODB_ENDPOINT) and builds clients; it sends no
 * request, so a cold start costs nothing beyond that.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createExecutionStore } from '../store.js';
import { runScheduler, workerIdFor, type SchedulerSummary } from './run-scheduler.js';

const store = createExecutionStore();

export type { SchedulerSummary };

export async function handler(event: ScheduledEvent, context: Context): Promise<SchedulerSummary> {
  const summary = await runScheduler(store, {
    workerId: workerIdFor(context, event?.id),
    remainingMs: typeof context?.getRemainingTimeInMillis === 'function' ? () => context.getRemainingTimeInMillis() : undefined,
    context: {
      function: context?.functionName,
      request_id: context?.awsRequestId,
      event_id: event?.id,
      scheduled_time: event?.time,
    },
  });
  if (summary.errors > 0) {
    // Fail the invocation so the error metric and alarms see it; a retry is harmless (claims are conditional).
    throw new Error(`Scheduler run finished with ${summary.errors} error(s); see the error log records of request ${context?.awsRequestId ?? '-'}`);
  }
  return summary;
}
