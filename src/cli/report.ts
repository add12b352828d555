/**
 * The access-pattern report `exstate local` prints: every V1 read of the portal run once against
 * the data, with the rows it returned, the requests it took and the read units DynamoDB charged.
 *
 * The subjects (operators, a bundle, a task with history, files and artifacts) are discovered
 * from the data first; discovery requests are not part of the report.
 */
import type { User, Task } from '../entities/index.js';
import { BUNDLE_STAGES } from '../vocabulary.js';
import type { ExecutionStore } from '../store.js';
import type { Bundle, TemplateInstance } from '../entities/index.js';
import type { RequestLog } from '../local/request-log.js';
import { renderTable } from './format.js';

export interface ReportRow {
  pattern: string;
  call: string;
  /** Where the requests went: `table` for the base table, else the index names. */
  index: string;
  rows: number;
  requests: number;
  /** The DynamoDB commands sent (Query, GetItem, ...). */
  commands: string[];
  read_units: number;
  ms: number;
}

export interface ReportSubjects {
  operators: User[];
  bundle: Bundle | null;
  historyTask: Task | null;
  fileTask: string | null;
  artifactTask: string | null;
  /** A bundle instantiated from a Git template (the `npm start` demo), reported on its own rows. */
  template?: { bundle: Bundle; template_instance: TemplateInstance } | null;
}

/** Operators, a bundle and interesting tasks, found from the open-task and active-bundle views. */
export async function discoverSubjects(store: ExecutionStore, options: { skipBundles?: readonly string[] } = {}): Promise<ReportSubjects> {
  const { data: openTasks } = (await store.service.entities.task.query.openByDue({}).go({ pages: 'all' })) as unknown as { data: Task[] };
  const bundles = (await store.bundles.listActive()).items;
  const ids = new Set<string>();
  for (const task of openTasks) if (task.assignee_id) ids.add(task.assignee_id);
  for (const bundle of bundles) ids.add(bundle.owner_id);
  const operators = (await Promise.all([...ids].map((id) => store.users.get(id))))
    .filter((user): user is User => user !== null && user.status === 'active')
    .sort((a, b) => a.display_name.localeCompare(b.display_name) || a.user_id.localeCompare(b.user_id));

  let bundle: Bundle | null = null;
  let historyTask: Task | null = null;
  let fileTask: string | null = null;
  let artifactTask: string | null = null;
  let bestTaskCount = -1;
  for (const candidate of bundles.filter((b) => !options.skipBundles?.includes(b.bundle_id)).slice(0, 20)) {
    const detail = await store.bundles.getWithTasks(candidate.bundle_id);
    if (detail.tasks.length > bestTaskCount) {
      bestTaskCount = detail.tasks.length;
      bundle = detail.bundle;
    }
    fileTask ??= detail.files[0]?.task_id ?? null;
    artifactTask ??= detail.artifacts[0]?.task_id ?? null;
    historyTask ??= detail.tasks.find((task) => task.version > 1 && task.status !== 'todo') ?? detail.tasks.find((task) => task.version > 1) ?? null;
  }
  historyTask ??= openTasks.find((task) => task.version > 1) ?? openTasks[0] ?? null;
  return { operators, bundle, historyTask, fileTask, artifactTask };
}

function rowsOf(result: unknown): number {
  if (result === null || result === undefined) return 0;
  if (Array.isArray(result)) return result.length;
  const value = result as { items?: unknown[]; bundle?: unknown; tasks?: unknown[]; files?: unknown[]; artifacts?: unknown[]; template_instance?: unknown };
  if (Array.isArray(value.items)) return value.items.length;
  if (value.bundle !== undefined && Array.isArray(value.tasks)) {
    return 1 + value.tasks.length + (value.files?.length ?? 0) + (value.artifacts?.length ?? 0) + (value.template_instance ? 1 : 0);
  }
  return 1;
}

function shortName(user: User): string {
  return user.display_name.length > 24 ? `${user.display_name.slice(0, 23)}…` : user.display_name;
}

/** Runs every V1 read once; `today` is the team's calendar date (default: the store's, in UTC). */
export async function runAccessPatternReport(
  store: ExecutionStore,
  meter: RequestLog,
  options: { today?: string; subjects?: ReportSubjects } = {},
): Promise<ReportRow[]> {
  const subjects = options.subjects ?? (await discoverSubjects(store));
  const rows: ReportRow[] = [];

  async function run(pattern: string, call: string, fn: () => Promise<unknown>): Promise<void> {
    const m = await meter.measure(fn);
    const indexes = [...new Set(m.requests.map((r) => r.indexName ?? 'table'))];
    rows.push({
      pattern,
      call,
      index: indexes.join('+') || '-',
      rows: rowsOf(m.result),
      requests: m.requests.length,
      commands: [...new Set(m.requests.map((r) => r.command))],
      read_units: Math.round(m.readUnits * 10) / 10,
      ms: Math.round(m.ms),
    });
  }

  const { operators, bundle, historyTask, fileTask, artifactTask } = subjects;
  for (const user of operators) {
    await run(`Tasks due today: ${shortName(user)}`, 'tasks.listToday', () => store.tasks.listToday({ assignee_id: user.user_id }));
  }
  for (const user of operators) {
    await run(`Overdue: ${shortName(user)}`, 'tasks.listOverdue', () => store.tasks.listOverdue({ time_zone: user.timezone, assignee_id: user.user_id }));
  }
  await run('Overdue: whole team', 'tasks.listOverdue', () => store.tasks.listOverdue(options.today ? { today: options.today } : {}));
  for (const user of operators) {
    await run(`Upcoming 7 days: ${shortName(user)}`, 'tasks.listUpcoming', () => store.tasks.listUpcoming({ assignee_id: user.user_id, time_zone: user.timezone, days: 7 }));
  }
  const first = operators[0];
  if (first) {
    for (const status of ['in_progress', 'done'] as const) {
      await run(`By assignee + status: ${shortName(first)}, ${status}`, 'tasks.listByAssigneeStatus', () =>
        store.tasks.listByAssigneeStatus({ assignee_id: first.user_id, status }),
      );
    }
  }
  if (bundle) {
    await run(`Tasks of bundle "${bundle.title.slice(0, 30)}"`, 'tasks.listByBundle', () => store.tasks.listByBundle({ bundle_id: bundle.bundle_id }));
    await run(`Bundle detail "${bundle.title.slice(0, 30)}"`, 'bundles.getWithTasks', () => store.bundles.getWithTasks(bundle.bundle_id));
  }
  if (subjects.template) {
    const { bundle: fromGit, template_instance: instance } = subjects.template;
    await run(`Template instance ${instance.template_id}@${instance.template_version.slice(0, 7)}`, 'bundles.getTemplateInstance', () => store.bundles.getTemplateInstance(instance.template_instance_id));
    await run(`Bundle detail "${fromGit.title.slice(0, 30)}"`, 'bundles.getWithTasks', () => store.bundles.getWithTasks(fromGit.bundle_id));
  }
  await run('Active bundles', 'bundles.listActive', () => store.bundles.listActive());
  for (const stage of BUNDLE_STAGES) {
    await run(`Active bundles in stage ${stage}`, 'bundles.listByStage', () => store.bundles.listByStage(stage));
  }
  await run('Schedules due within 24 h', 'schedules.listDueSoon', () => store.schedules.listDueSoon({ within_minutes: 24 * 60 }));
  await run('Notifications due now', 'notifications.listDue', () => store.notifications.listDue());
  if (first) {
    await run(`Notifications for ${shortName(first)}`, 'notifications.listForRecipient', () => store.notifications.listForRecipient(first.user_id));
  }
  if (historyTask) {
    await run('Task by ID', 'tasks.get', () => store.tasks.get(historyTask.task_id));
    await run('Task status history', 'tasks.history', () => store.tasks.history(historyTask.task_id));
    await run('Task with everything attached', 'collections.task_detail', async () => {
      const { data } = (await store.service.collections.task_detail({ task_id: historyTask.task_id }).go({ pages: 'all' })) as unknown as { data: Record<string, unknown[]> };
      return Object.values(data).flat();
    });
  }
  if (fileTask) await run('Files of a task', 'files.listForTask', () => store.files.listForTask(fileTask));
  if (artifactTask) await run('Artifacts of a task', 'artifacts.listForTask', () => store.artifacts.listForTask(artifactTask));
  if (first) await run('User by e-mail', 'users.getByEmail', () => store.users.getByEmail(first.email));
  return rows;
}

export function renderReport(rows: readonly ReportRow[]): string {
  const table = renderTable(rows, [
    { header: 'Access pattern', value: (r) => r.pattern, max: 48 },
    { header: 'Service call', value: (r) => r.call },
    { header: 'Index', value: (r) => r.index },
    { header: 'Rows', value: (r) => r.rows, align: 'right' },
    { header: 'Requests', value: (r) => r.requests, align: 'right' },
    { header: 'Read units', value: (r) => r.read_units, align: 'right' },
  ]);
  const requests = rows.reduce((sum, r) => sum + r.requests, 0);
  const units = Math.round(rows.reduce((sum, r) => sum + r.read_units, 0) * 10) / 10;
  const scans = rows.filter((r) => r.commands.includes('Scan')).length;
  return `${table}\n  ${rows.length} access patterns, ${requests} requests, ${units} read units, ${scans === 0 ? 'no Scan' : `${scans} used Scan`}.`;
}
