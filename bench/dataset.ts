/**
 * A deterministic, relationally consistent data set for the benchmarks: N tasks with users,
 * bundles, schedules, notifications, transitions and files in proportion. The same seed gives
 * the same rows (IDs included), so runs compare like with like.
 */
import { monotonicFactory } from 'ulidx';
import { ID_PREFIXES, type IdKind } from '../src/ids.js';
import { OPEN_TASK_STATUSES, type TaskStatus } from '../src/vocabulary.js';
import type { ExecutionService } from '../src/entities/index.js';
import { batchPutWithRetry, type BatchPutEntity } from '../src/export/batch-write.js';

/** Mulberry32: small, fast, good enough to spread benchmark data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BENCH_NOW = new Date('2026-11-29T10:00:00.000Z');
export const BENCH_TODAY = '2026-11-29';
const TIME_ZONES = ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Auckland', 'UTC', 'Asia/Calcutta'];
const STAGES = ['preparation', 'announced', 'after_event', 'done'] as const;
/** Status mix of a team some months in: most work is closed. */
const STATUS_WEIGHTS: [TaskStatus, number][] = [
  ['todo', 0.2],
  ['in_progress', 0.1],
  ['waiting', 0.05],
  ['done', 0.4],
  ['cancelled', 0.1],
  ['archived', 0.15],
];

export interface DatasetShape {
  tasks: number;
  users: number;
  bundles: number;
  schedules: number;
  notifications: number;
  transitions: number;
  files: number;
}

/** Proportions: ~40 tasks per operator, 20 per bundle, one schedule per 50 tasks, a notification per 2. */
export function shapeFor(tasks: number): DatasetShape {
  return {
    tasks,
    users: Math.max(10, Math.round(tasks / 50)),
    bundles: Math.max(5, Math.round(tasks / 20)),
    schedules: Math.max(5, Math.round(tasks / 50)),
    notifications: Math.round(tasks / 2),
    transitions: Math.round(tasks / 2),
    files: Math.round(tasks / 10),
  };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

type Row = Record<string, unknown>;

export interface Dataset {
  shape: DatasetShape;
  rows: Record<string, Row[]>;
  /** Handy probes for the access-pattern benchmark. */
  probe: { user_id: string; email: string; timezone: string; bundle_id: string; task_id: string };
}

/**
 * Rows for tasks [from, to) of a data set of shape `shape`, so a larger data set is the smaller
 * one plus more rows (the benchmark grows one table: 1k, then 10k, then 50k).
 */
export function generateSlice(seed: number, shape: DatasetShape, previous?: DatasetShape): Dataset {
  const random = seededRandom(seed + (previous?.tasks ?? 0));
  const ulid = monotonicFactory(random);
  const at = BENCH_NOW.toISOString();
  const id = (kind: IdKind, index: number) => `${ID_PREFIXES[kind]}_${ulid(BENCH_NOW.getTime() - 86_400_000 * 30 + index)}`;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const weighted = (): TaskStatus => {
    let r = random();
    for (const [status, weight] of STATUS_WEIGHTS) if ((r -= weight) < 0) return status;
    return 'done';
  };
  const from = previous ?? { tasks: 0, users: 0, bundles: 0, schedules: 0, notifications: 0, transitions: 0, files: 0 };
  const rows: Record<string, Row[]> = { user: [], user_email: [], bundle: [], task: [], task_transition: [], recurring_schedule: [], notification: [], file: [] };

  // Users are needed by every slice for references: regenerate the full list deterministically.
  const allUsers: Row[] = [];
  const userRandom = seededRandom(seed * 7 + 1);
  const userUlid = monotonicFactory(userRandom);
  for (let i = 0; i < shape.users; i += 1) {
    allUsers.push({
      user_id: `${ID_PREFIXES.user}_${userUlid(BENCH_NOW.getTime() - 86_400_000 * 365 + i)}`,
      email: `operator${i}@bench.example.org`,
      display_name: `Operator ${i}`,
      role: i === 0 ? 'admin' : 'operator',
      timezone: TIME_ZONES[i % TIME_ZONES.length]!,
      status: 'active',
      created_at: at,
      updated_at: at,
      version: 1,
    });
  }
  for (const user of allUsers.slice(from.users)) {
    rows.user!.push(user);
    rows.user_email!.push({ email: user.email, user_id: user.user_id, created_at: at });
  }
  const allBundles: string[] = [];
  const bundleRandom = seededRandom(seed * 13 + 3);
  const bundleUlid = monotonicFactory(bundleRandom);
  for (let i = 0; i < shape.bundles; i += 1) allBundles.push(`${ID_PREFIXES.bundle}_${bundleUlid(BENCH_NOW.getTime() - 86_400_000 * 200 + i)}`);
  for (let i = from.bundles; i < shape.bundles; i += 1) {
    rows.bundle!.push({
      bundle_id: allBundles[i],
      title: `Bundle ${i}`,
      stage: STAGES[i % STAGES.length],
      status: i % 5 === 4 ? 'archived' : 'active',
      owner_id: allUsers[i % allUsers.length]!.user_id,
      links: [],
      tags: ['bench'],
      created_by: allUsers[0]!.user_id,
      created_at: at,
      updated_at: at,
      version: 1,
    });
  }
  const taskIds: string[] = [];
  for (let i = from.tasks; i < shape.tasks; i += 1) {
    const status = weighted();
    const assigned = random() < 0.85;
    const dated = random() < 0.8;
    const task_id = id('task', i);
    taskIds.push(task_id);
    const task: Row = {
      task_id,
      title: `Task ${i}`,
      status,
      source: 'manual',
      requires_file: false,
      tags: i % 3 === 0 ? ['ops'] : [],
      created_by: allUsers[0]!.user_id,
      created_at: at,
      updated_at: at,
      version: 1,
    };
    if (assigned) task.assignee_id = pick(allUsers).user_id;
    if (dated) task.due_date = addDays(BENCH_TODAY, Math.floor(random() * 120) - 60);
    if (random() < 0.6) task.bundle_id = pick(allBundles);
    if (!(OPEN_TASK_STATUSES as readonly string[]).includes(status) && status !== 'cancelled') task.completed_at = at;
    rows.task!.push(task);
  }
  const transitionCount = shape.transitions - from.transitions;
  for (let i = 0; i < transitionCount && taskIds.length > 0; i += 1) {
    rows.task_transition!.push({
      transition_id: id('task_transition', i),
      task_id: taskIds[i % taskIds.length],
      from_status: 'todo',
      to_status: 'in_progress',
      actor_id: allUsers[0]!.user_id,
      at,
    });
  }
  for (let i = from.files; i < shape.files && taskIds.length > 0; i += 1) {
    rows.file!.push({
      file_id: id('file', i),
      task_id: taskIds[i % taskIds.length],
      storage_bucket: 'dataops-bench',
      storage_key: `files/${i}.pdf`,
      filename: `${i}.pdf`,
      content_type: 'application/pdf',
      size_bytes: 1000 + i,
      sha256: 'a'.repeat(64),
      category: 'document',
      tags: [],
      uploaded_by: allUsers[0]!.user_id,
      created_at: at,
      updated_at: at,
    });
  }
  for (let i = from.schedules; i < shape.schedules; i += 1) {
    const minutes = Math.floor(random() * 60 * 24 * 7) - 30;
    rows.recurring_schedule!.push({
      schedule_id: id('recurring_schedule', i),
      title: `Recurring ${i}`,
      cron: '0 9 * * 1',
      time_zone: pick(TIME_ZONES),
      assignee_id: pick(allUsers).user_id,
      tags: [],
      enabled: i % 10 !== 9,
      next_run_at: new Date(BENCH_NOW.getTime() + minutes * 60_000).toISOString(),
      created_by: allUsers[0]!.user_id,
      created_at: at,
      updated_at: at,
      version: 1,
    });
  }
  for (let i = from.notifications; i < shape.notifications; i += 1) {
    const pending = random() < 0.1;
    const minutes = Math.floor(random() * 60 * 24 * 14) - 60 * 24 * 7;
    const notification: Row = {
      notification_id: id('notification', i),
      kind: 'task_due',
      message: `Reminder ${i}`,
      due_at: new Date(BENCH_NOW.getTime() + minutes * 60_000).toISOString(),
      status: pending ? 'pending' : 'sent',
      dismissed_by: [],
      created_at: at,
      updated_at: at,
      version: 1,
    };
    if (random() < 0.8) notification.recipient_id = pick(allUsers).user_id;
    if (taskIds.length > 0 && random() < 0.5) notification.task_id = pick(taskIds);
    rows.notification!.push(notification);
  }
  const probeUser = allUsers[1]!;
  return {
    shape,
    rows,
    probe: {
      user_id: probeUser.user_id as string,
      email: probeUser.email as string,
      timezone: probeUser.timezone as string,
      bundle_id: allBundles[1]!,
      task_id: (rows.task![0]?.task_id as string) ?? '',
    },
  };
}

/** Writes rows through the ElectroDB entities (keys and sparse-index attributes built by ElectroDB), 4 batches in flight. */
export async function loadRows(service: ExecutionService, rows: Record<string, Row[]>): Promise<number> {
  let written = 0;
  for (const [entity, list] of Object.entries(rows)) {
    if (list.length === 0) continue;
    const target = service.entities[entity as keyof ExecutionService['entities']] as unknown as BatchPutEntity;
    written += (await batchPutWithRetry(target, list, { entityName: entity, concurrency: 4 })).written;
  }
  return written;
}
