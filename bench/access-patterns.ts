/**
 * Section 1: what each V1 access pattern costs at a given table size: requests, items read
 * (ScannedCount), items returned, consumed read units and median latency.
 */
import type { ExecutionStore } from '../src/store.js';
import type { RequestLog } from '../src/local/request-log.js';
import { BENCH_TODAY, type Dataset } from './dataset.js';

export interface PatternMeasurement {
  pattern: string;
  call: string;
  requests: number;
  scanned: number;
  returned: number;
  rcu: number;
  medianMs: number;
  p95Ms: number;
}

const PAGE = { limit: 50 };

export function accessPatterns(store: ExecutionStore, probe: Dataset['probe']): { pattern: string; call: string; run: () => Promise<unknown> }[] {
  const { user_id, email, timezone, bundle_id, task_id } = probe;
  return [
    { pattern: "Operator's tasks due today", call: 'tasks.listToday({ assignee_id, time_zone })', run: () => store.tasks.listToday({ assignee_id: user_id, time_zone: timezone, ...PAGE }) },
    { pattern: 'Today, default time zone', call: 'tasks.listToday({ assignee_id })', run: () => store.tasks.listToday({ assignee_id: user_id, ...PAGE }) },
    { pattern: 'Overdue, one operator', call: 'tasks.listOverdue({ today, assignee_id })', run: () => store.tasks.listOverdue({ today: BENCH_TODAY, assignee_id: user_id, ...PAGE }) },
    { pattern: 'Overdue, whole team (first page)', call: 'tasks.listOverdue({ today })', run: () => store.tasks.listOverdue({ today: BENCH_TODAY, ...PAGE }) },
    { pattern: 'Next 7 days', call: 'tasks.listUpcoming({ assignee_id, from, days: 7 })', run: () => store.tasks.listUpcoming({ assignee_id: user_id, from: BENCH_TODAY, days: 7, ...PAGE }) },
    { pattern: 'By assignee and status (done)', call: "tasks.listByAssigneeStatus({ status: 'done' })", run: () => store.tasks.listByAssigneeStatus({ assignee_id: user_id, status: 'done', ...PAGE }) },
    { pattern: 'Tasks by bundle', call: 'tasks.listByBundle({ bundle_id })', run: () => store.tasks.listByBundle({ bundle_id, ...PAGE }) },
    { pattern: 'Bundle with tasks, files, instance', call: 'bundles.getWithTasks(bundle_id)', run: () => store.bundles.getWithTasks(bundle_id) },
    { pattern: 'Active bundles (first page)', call: 'bundles.listActive()', run: () => store.bundles.listActive(PAGE) },
    { pattern: 'Bundles by stage (first page)', call: "bundles.listByStage('announced')", run: () => store.bundles.listByStage('announced', PAGE) },
    { pattern: 'Task history', call: 'tasks.history(task_id)', run: () => store.tasks.history(task_id, PAGE) },
    { pattern: 'Files of a task', call: 'files.listForTask(task_id)', run: () => store.files.listForTask(task_id, PAGE) },
    { pattern: 'Schedules due within 60 min', call: 'schedules.listDueSoon({ within_minutes: 60 })', run: () => store.schedules.listDueSoon({ within_minutes: 60, ...PAGE }) },
    { pattern: 'Notifications due (first page)', call: 'notifications.listDue()', run: () => store.notifications.listDue(PAGE) },
    { pattern: 'User by e-mail', call: 'users.getByEmail(email)', run: () => store.users.getByEmail(email) },
    { pattern: 'Task by ID', call: 'tasks.get(task_id)', run: () => store.tasks.get(task_id) },
  ];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

export async function measureAccessPatterns(store: ExecutionStore, log: RequestLog, probe: Dataset['probe'], repetitions: number): Promise<PatternMeasurement[]> {
  const results: PatternMeasurement[] = [];
  for (const { pattern, call, run } of accessPatterns(store, probe)) {
    await run(); // warm the connection and the JIT
    log.reset();
    await run();
    const totals = log.totals();
    const timings: number[] = [];
    for (let i = 0; i < repetitions; i += 1) {
      const started = performance.now();
      await run();
      timings.push(performance.now() - started);
    }
    results.push({
      pattern,
      call,
      requests: totals.requests,
      scanned: totals.scanned,
      returned: totals.returned,
      rcu: totals.read,
      medianMs: percentile(timings, 0.5),
      p95Ms: percentile(timings, 0.95),
    });
  }
  return results;
}
