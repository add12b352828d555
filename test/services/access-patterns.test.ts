/**
 * Every read access pattern against a seeded random data set (several hundred tasks over
 * several operators, time zones, bundles and statuses), compared with a plain in-memory
 * computation of the same question. The store's client carries a request log that forbids Scan,
 * so each pattern's request count and `ScannedCount == Count` are asserted on every call.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_STAGES,
  TASK_STATUSES,
  createExecutionStore,
  isOpenTaskStatus,
  type Actor,
  type Artifact,
  type Bundle,
  type ExecutionStore,
  type FileRecord,
  type Notification,
  type Page,
  type PageOptions,
  type RecurringSchedule,
  type Task,
  type TaskStatus,
  type TaskTransition,
  newId,
  type TemplateInstance,
  type User,
} from '../../src/index.js';
import { attachRequestLog, type RequestLog } from '../support/request-log.js';
import { batchGoOptions } from '../../src/export/batch-write.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { createRng, expectNoDiscardedReads, measure, pool, scanRaw, walkPages } from './helpers.js';

const SEED = 20_261_129;
/** 22:30 UTC: already the 11th in Auckland, Kiritimati and Kolkata. */
const NOW_A = new Date('2026-03-10T22:30:00.000Z');
/** 05:00 UTC on the 11th: still the 10th in Los Angeles and Honolulu. */
const NOW_B = new Date('2026-03-11T05:00:00.000Z');
const BASE_DATE = '2026-03-10';
const TASK_COUNT = 420;
const CONCURRENCY = 16;

const OPERATOR_ZONES = ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Auckland', 'Pacific/Kiritimati', 'Asia/Kolkata', 'Pacific/Honolulu'] as const;

// ---- The model's own calendar arithmetic (deliberately not the store's helpers). ----
const localDateOf = (instant: Date, timeZone: string): string => instant.toLocaleDateString('en-CA', { timeZone });
const plusDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);

let table: TestTable;
let store: ExecutionStore;
let log: RequestLog;
let clock = NOW_A;

const rng = createRng(SEED);
let admin: User;
let adminActor: Actor;
let operators: User[] = [];
const model = {
  tasks: new Map<string, Task>(),
  history: new Map<string, { from_status: TaskStatus; to_status: TaskStatus; actor_id: string }[]>(),
  bundles: new Map<string, Bundle>(),
  instances: new Map<string, TemplateInstance>(),
  files: [] as FileRecord[],
  artifacts: [] as Artifact[],
  notifications: new Map<string, Notification>(),
  schedules: new Map<string, RecurringSchedule>(),
};
const requestCounts: { pattern: string; requests: string }[] = [];
let seedMs = 0;

const actorOf = (user: User): Actor => ({ user_id: user.user_id, role: user.role });
const byId = <T extends { task_id: string }>(a: T, b: T) => (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0);
/** The model's tasks in a fixed order (by title: unique), whatever order the seed wrote them in. */
const tasks = () => [...model.tasks.values()].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));

/** The path of transitions that leads a new (todo) task to `target`. */
function pathTo(target: TaskStatus): TaskStatus[] {
  switch (target) {
    case 'todo':
      return rng.pick([[], [], ['done', 'todo'], ['in_progress', 'todo'], ['cancelled', 'todo']] as TaskStatus[][]);
    case 'in_progress':
      return rng.pick([['in_progress'], ['waiting', 'in_progress']] as TaskStatus[][]);
    case 'waiting':
      return rng.pick([['waiting'], ['in_progress', 'waiting']] as TaskStatus[][]);
    case 'done':
      return rng.pick([['done'], ['in_progress', 'done'], ['done', 'todo', 'done']] as TaskStatus[][]);
    case 'cancelled':
      return rng.pick([['cancelled'], ['waiting', 'cancelled']] as TaskStatus[][]);
    case 'archived':
      return rng.pick([['done', 'archived'], ['cancelled', 'archived']] as TaskStatus[][]);
  }
}

async function seed(): Promise<void> {
  const started = performance.now();
  admin = await store.users.create({ email: 'admin@example.org', display_name: 'Admin', role: 'admin', timezone: 'UTC' });
  adminActor = actorOf(admin);
  operators = await Promise.all(
    OPERATOR_ZONES.map((timezone, i) => store.users.create({ email: `op${i}@example.org`, display_name: `Operator ${i}`, role: 'operator', timezone })),
  );
  const assignees = [admin, ...operators];

  // Recurring schedules, created six hours before "now" so that some are already due.
  clock = new Date(NOW_A.getTime() - 6 * 3_600_000);
  const crons = ['0 * * * *', '*/30 * * * *', '15 9 * * *', '0 18 * * 1-5', '0 0 * * *', '45 22 * * *', '10 20 * * *'];
  // Every random choice is drawn up front, in order, so the data set does not depend on which
  // parallel request finishes first.
  const scheduleInputs = Array.from({ length: 14 }, (_, i) => ({
    title: `Schedule ${i}`,
    cron: crons[i % crons.length]!,
    time_zone: rng.pick([...OPERATOR_ZONES, 'UTC']),
    assignee_id: rng.chance(0.7) ? rng.pick(assignees).user_id : undefined,
    enabled: !rng.chance(0.25),
    actor: adminActor,
  }));
  const schedules = await pool(scheduleInputs, 4, (input) => store.schedules.create(input));
  for (const s of schedules) model.schedules.set(s.schedule_id, s);
  clock = NOW_A;

  // Bundles in every stage, one of them archived; one more from a template.
  const bundleInputs = Array.from({ length: 7 }, (_, i) => ({ title: `Bundle ${i}`, owner_id: rng.pick(assignees).user_id, stage: BUNDLE_STAGES[i % BUNDLE_STAGES.length], actor: adminActor }));
  const bundles = await pool(bundleInputs, 4, (input) => store.bundles.create(input));
  for (const b of bundles) model.bundles.set(b.bundle_id, b);
  const archived = await store.bundles.archive({ bundle_id: bundles[6]!.bundle_id, actor: adminActor });
  model.bundles.set(archived.bundle_id, archived);
  const instantiated = await store.bundles.instantiateTemplate({
    template: {
      template_id: 'templates/meetup.yaml',
      template_version: 'a1b2c3d4e5f6',
      tasks: Array.from({ length: 8 }, (_, i) => ({ ref: `step-${i}`, title: `Step ${i}`, offset_days: rng.int(-4, 6), assignee_id: rng.chance(0.8) ? rng.pick(assignees).user_id : undefined })),
    },
    title: 'Meetup from template',
    owner_id: operators[0]!.user_id,
    anchor_date: BASE_DATE,
    actor: adminActor,
  });
  model.bundles.set(instantiated.bundle.bundle_id, instantiated.bundle);
  model.instances.set(instantiated.template_instance.template_instance_id, instantiated.template_instance);
  for (const t of instantiated.tasks) model.tasks.set(t.task_id, t);
  const activeBundles = [...model.bundles.values()];

  // Tasks: random assignee, due date, bundle and target status, plus for every operator two open
  // tasks due on each of its local "today" at NOW_A and NOW_B and the UTC date at NOW_A, so the
  // zone matters and every today view has something to page through.
  const plans = Array.from({ length: TASK_COUNT }, (_, i) => {
    const assignee = rng.chance(0.85) ? rng.pick(assignees) : undefined;
    const target = rng.weighted<TaskStatus>({ todo: 30, in_progress: 14, waiting: 10, done: 20, cancelled: 10, archived: 16 });
    return {
      title: `Task ${i}`,
      assignee,
      due_date: rng.chance(0.88) ? plusDays(BASE_DATE, rng.int(-12, 12)) : undefined,
      bundle_id: rng.chance(0.4) ? rng.pick(activeBundles).bundle_id : undefined,
      creator: assignee && assignee.role === 'operator' && rng.chance(0.3) ? assignee : admin,
      path: pathTo(target).map((to) => ({ to, by: assignee && assignee.role === 'operator' && rng.chance(0.5) ? assignee : admin })),
    };
  });
  for (const op of operators) {
    const dues = [localDateOf(NOW_A, op.timezone), localDateOf(NOW_B, op.timezone), NOW_A.toISOString().slice(0, 10)];
    for (const [k, due] of [...dues, ...dues].entries()) {
      plans.push({ title: `Pinned ${op.display_name} #${k} ${due}`, assignee: op, due_date: due, bundle_id: undefined, creator: op, path: [] as { to: TaskStatus; by: User }[] });
    }
  }
  // An eighth of the random tasks (and every pinned one) go through the services with their
  // transitions; the rest are batch-written through the same ElectroDB entity (which computes
  // the same sparse-index attributes) with their history, so several hundred load in seconds.
  const viaService = plans.filter((plan, i) => i % 8 === 0 || plan.title.startsWith('Pinned'));
  const batched = plans.filter((plan, i) => !(i % 8 === 0 || plan.title.startsWith('Pinned')));
  const serviceTasks = async () => {
    await pool(viaService, CONCURRENCY, async (plan) => {
      let task = await store.tasks.create({
        title: plan.title,
        assignee_id: plan.assignee?.user_id,
        due_date: plan.due_date,
        bundle_id: plan.bundle_id,
        actor: actorOf(plan.creator),
      });
      const history: { from_status: TaskStatus; to_status: TaskStatus; actor_id: string }[] = [];
      for (const { to, by: actor } of plan.path) {
        const moved = await store.tasks.transition({ task_id: task.task_id, to, actor: actorOf(actor), expected_version: task.version });
        expect(moved.task.status).toBe(to);
        history.push({ from_status: task.status, to_status: to, actor_id: actor.user_id });
        task = moved.task;
      }
      model.tasks.set(task.task_id, task);
      model.history.set(task.task_id, history);
    });
  };
  const at = clock.toISOString();
  const batchTasks: Task[] = [];
  const batchTransitions: TaskTransition[] = [];
  for (const plan of batched) {
    const task: Task = {
      task_id: newId('task', clock),
      title: plan.title,
      status: 'todo',
      ...(plan.assignee ? { assignee_id: plan.assignee.user_id } : {}),
      ...(plan.bundle_id ? { bundle_id: plan.bundle_id } : {}),
      ...(plan.due_date ? { due_date: plan.due_date } : {}),
      source: 'manual',
      requires_file: false,
      tags: [],
      created_by: plan.creator.user_id,
      created_at: at,
      updated_at: at,
      version: 1,
    };
    const history: { from_status: TaskStatus; to_status: TaskStatus; actor_id: string }[] = [];
    for (const { to } of plan.path) {
      const transition_id = newId('task_transition', clock);
      batchTransitions.push({ transition_id, task_id: task.task_id, from_status: task.status, to_status: to, actor_id: admin.user_id, at });
      history.push({ from_status: task.status, to_status: to, actor_id: admin.user_id });
      task.status = to;
      task.version += 1;
      if (to === 'done') task.completed_at = at;
      if (to === 'todo') delete task.completed_at;
    }
    batchTasks.push(task);
    model.tasks.set(task.task_id, task);
    model.history.set(task.task_id, history);
  }
  const batchWrites = async () => {
    const entities = store.service.entities;
    const [putTasks, putTransitions] = await Promise.all([
      entities.task.put(batchTasks).go(batchGoOptions(4)),
      entities.task_transition.put(batchTransitions).go(batchGoOptions(4)),
    ]);
    expect(putTasks.unprocessed).toEqual([]);
    expect(putTransitions.unprocessed).toEqual([]);
  };
  const notificationsPhase = async () => {
    // Notifications with distinct due times around now; some claimed, sent or dismissed. Its own
    // PRNG: this phase runs alongside the task writes.
    const nrng = createRng(SEED + 2);
    const inputs = Array.from({ length: 32 }, (_, i) => ({
      kind: nrng.pick(['task_due', 'follow_up', 'announcement']),
      message: `Notice ${i}`,
      due_at: new Date(NOW_A.getTime() + (i * 53 - 900) * 60_000 + nrng.int(0, 59) * 1000).toISOString(),
      recipient_id: nrng.chance(0.7) ? (nrng.chance(0.4) ? operators[0]! : nrng.pick(assignees)).user_id : undefined,
    }));
    const notifications = await pool(inputs, 4, (input) => store.notifications.create(input));
    for (const n of notifications) model.notifications.set(n.notification_id, n);
    const due = notifications.filter((n) => Date.parse(n.due_at) <= NOW_A.getTime());
    for (const n of nrng.shuffle(due).slice(0, 6)) {
      expect(await store.notifications.claim({ notification_id: n.notification_id, worker_id: 'seed-worker' })).toBe(true);
      const sent = nrng.chance(0.5) ? await store.notifications.markSent({ notification_id: n.notification_id, worker_id: 'seed-worker' }) : undefined;
      model.notifications.set(n.notification_id, sent ?? (await store.notifications.get(n.notification_id))!);
    }
    for (const n of notifications.filter((x) => x.recipient_id).slice(0, 4)) {
      const recipient = assignees.find((u) => u.user_id === n.recipient_id)!;
      if (model.notifications.get(n.notification_id)!.status !== 'pending') continue;
      model.notifications.set(n.notification_id, await store.notifications.dismiss({ notification_id: n.notification_id, actor: actorOf(recipient) }));
    }
    for (const n of notifications.filter((x) => !x.recipient_id).slice(0, 3)) {
      if (model.notifications.get(n.notification_id)!.status !== 'pending') continue;
      model.notifications.set(n.notification_id, await store.notifications.dismiss({ notification_id: n.notification_id, actor: actorOf(nrng.pick(operators)) }));
    }
  };
  // The three are independent: run them at once.
  await Promise.all([serviceTasks(), batchWrites(), notificationsPhase()]);

  // Files and artifacts on some tasks.
  const all = tasks();
  const fileTargets = Array.from({ length: 14 }, () => rng.pick(all));
  const artifactTargets = Array.from({ length: 8 }, () => rng.pick(all));
  const files = await pool(fileTargets, 4, (task, i) =>
    store.files.register({
      task_id: task.task_id,
      storage_bucket: 'dataops-files',
      storage_key: `uploads/${i}.pdf`,
      filename: `file-${i}.pdf`,
      content_type: 'application/pdf',
      size_bytes: 1000 + i,
      sha256: 'ab'.repeat(32),
      actor: adminActor,
    }),
  );
  model.files.push(...files);
  const artifacts = await pool(artifactTargets, 4, (task, i) =>
    store.artifacts.create({ task_id: task.task_id, kind: 'generated_doc', uri: `https://example.org/a/${i}`, actor: adminActor }),
  );
  model.artifacts.push(...artifacts);

  seedMs = performance.now() - started;
}

beforeAll(async () => {
  table = await createTestTable('patterns');
  log = attachRequestLog(table.client, { forbid: ['Scan', 'CreateTable', 'DeleteTable', 'UpdateTable'] });
  store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
  await seed();
  clock = NOW_A;
}, 120_000);

afterAll(async () => {
  if (requestCounts.length > 0) {
    const width = Math.max(...requestCounts.map((r) => r.pattern.length));
    console.log(
      [`seeded ${model.tasks.size} tasks in ${Math.round(seedMs)} ms; requests per call:`, ...requestCounts.map((r) => `  ${r.pattern.padEnd(width)}  ${r.requests}`)].join('\n'),
    );
  }
  await table?.drop();
});

/** Calls a list method, asserts it cost exactly `expected` requests with no discarded reads, and records the count. */
async function costed<T>(pattern: string, expected: string[], call: () => Promise<T>): Promise<T> {
  const { result, requests, commands } = await measure(log, call);
  expect(commands, pattern).toEqual(expected);
  expectNoDiscardedReads(requests);
  if (!requestCounts.some((r) => r.pattern === pattern)) requestCounts.push({ pattern, requests: commands.join(' + ') });
  return result;
}

/** Same tasks, no duplicates, in non-decreasing order of `order` (ties in any order). */
function expectTasks(actual: Task[], expected: Task[], order?: (t: Task) => string): void {
  expect(new Set(actual.map((t) => t.task_id)).size).toBe(actual.length);
  if (order) {
    const keys = actual.map(order);
    expect(keys).toEqual([...keys].sort());
  }
  expect([...actual].sort(byId)).toEqual([...expected].sort(byId));
}

const isOpen = (t: Task) => isOpenTaskStatus(t.status);

describe('task views match the in-memory model', () => {
  it('listToday: open tasks due on the operator-local date, default zone = GetItem + Query, explicit zone = Query', async () => {
    let differingZones = 0;
    let nonEmpty = 0;
    for (const instant of [NOW_A, NOW_B]) {
      clock = instant;
      for (const user of [admin, ...operators]) {
        const today = localDateOf(instant, user.timezone);
        if (today !== instant.toISOString().slice(0, 10)) differingZones += 1;
        const expected = tasks().filter((t) => isOpen(t) && t.assignee_id === user.user_id && t.due_date === today);
        const page = await costed('tasks.listToday (own zone)', ['GetItem', 'Query'], () => store.tasks.listToday({ assignee_id: user.user_id }));
        expect(page.today).toBe(today);
        expect(page.cursor).toBeNull();
        expectTasks(page.items, expected);
        if (expected.length > 0) nonEmpty += 1;

        for (const zone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Honolulu']) {
          const zoned = localDateOf(instant, zone);
          const explicit = await costed('tasks.listToday (time_zone given)', ['Query'], () => store.tasks.listToday({ assignee_id: user.user_id, time_zone: zone }));
          expect(explicit.today).toBe(zoned);
          expectTasks(explicit.items, tasks().filter((t) => isOpen(t) && t.assignee_id === user.user_id && t.due_date === zoned));
        }
      }
    }
    // The data set exercises what the test is about: zones whose date differs from UTC, non-empty results.
    expect(differingZones).toBeGreaterThanOrEqual(4);
    expect(nonEmpty).toBeGreaterThanOrEqual(10);
    clock = NOW_A;
  });

  it('listOverdue: team-wide (assigned or not) and per operator, ordered by due date', async () => {
    for (const today of [BASE_DATE, plusDays(BASE_DATE, -6), plusDays(BASE_DATE, 9)]) {
      const team = await costed('tasks.listOverdue (team-wide)', ['Query'], () => store.tasks.listOverdue({ today }));
      const expectedTeam = tasks().filter((t) => isOpen(t) && t.due_date !== undefined && t.due_date < today);
      expect(expectedTeam.length).toBeGreaterThan(0);
      expect(expectedTeam.some((t) => t.assignee_id === undefined)).toBe(true);
      expectTasks(team.items, expectedTeam, (t) => t.due_date!);
      for (const user of [admin, ...operators]) {
        const mine = await costed('tasks.listOverdue (one operator)', ['Query'], () => store.tasks.listOverdue({ today, assignee_id: user.user_id }));
        expectTasks(mine.items, expectedTeam.filter((t) => t.assignee_id === user.user_id), (t) => t.due_date!);
      }
    }
  });

  it('listUpcoming: from <= due_date < from + days', async () => {
    let total = 0;
    for (const user of [admin, ...operators]) {
      for (const [from, days] of [[BASE_DATE, 1], [BASE_DATE, 3], [plusDays(BASE_DATE, -3), 7], [plusDays(BASE_DATE, -12), 30]] as const) {
        const end = plusDays(from, days);
        const page = await costed('tasks.listUpcoming', ['Query'], () => store.tasks.listUpcoming({ assignee_id: user.user_id, from, days }));
        const expected = tasks().filter((t) => isOpen(t) && t.assignee_id === user.user_id && t.due_date !== undefined && t.due_date >= from && t.due_date < end);
        expectTasks(page.items, expected, (t) => t.due_date!);
        total += expected.length;
      }
    }
    expect(total).toBeGreaterThan(50);
  });

  it('listByAssigneeStatus: every operator x every status, closed statuses included', async () => {
    for (const user of [admin, ...operators]) {
      for (const status of TASK_STATUSES) {
        const page = await costed('tasks.listByAssigneeStatus', ['Query'], () => store.tasks.listByAssigneeStatus({ assignee_id: user.user_id, status }));
        expectTasks(page.items, tasks().filter((t) => t.assignee_id === user.user_id && t.status === status));
      }
    }
    // Every status occurs in the data set.
    for (const status of TASK_STATUSES) expect(tasks().some((t) => t.status === status && t.assignee_id)).toBe(true);
  });

  it('listByBundle and bundles.getWithTasks: the bundle with its tasks, files, artifacts and template instance', async () => {
    for (const bundle of model.bundles.values()) {
      const expectedTasks = tasks().filter((t) => t.bundle_id === bundle.bundle_id);
      const page = await costed('tasks.listByBundle', ['Query'], () => store.tasks.listByBundle({ bundle_id: bundle.bundle_id }));
      expectTasks(page.items, expectedTasks);

      const detail = await costed('bundles.getWithTasks', ['Query'], () => store.bundles.getWithTasks(bundle.bundle_id));
      expect(detail.bundle).toEqual(bundle);
      expectTasks(detail.tasks, expectedTasks);
      const sortFiles = (files: FileRecord[]) => [...files].sort((a, b) => a.file_id.localeCompare(b.file_id));
      expect(sortFiles(detail.files)).toEqual(sortFiles(model.files.filter((f) => f.bundle_id === bundle.bundle_id)));
      const sortArtifacts = (list: Artifact[]) => [...list].sort((a, b) => a.artifact_id.localeCompare(b.artifact_id));
      expect(sortArtifacts(detail.artifacts)).toEqual(sortArtifacts(model.artifacts.filter((a) => a.bundle_id === bundle.bundle_id)));
      expect(detail.template_instance).toEqual([...model.instances.values()].find((i) => i.bundle_id === bundle.bundle_id) ?? null);
    }
  });

  it('bundles.listActive and listByStage: active bundles ordered by stage, then ID', async () => {
    const order = (b: Bundle) => `${b.stage}#${b.bundle_id.toLowerCase()}`;
    const active = [...model.bundles.values()].filter((b) => b.status === 'active').sort((a, b) => order(a).localeCompare(order(b)));
    expect(active.length).toBeLessThan(model.bundles.size);
    const page = await costed('bundles.listActive', ['Query'], () => store.bundles.listActive());
    expect(page.items).toEqual(active);
    for (const stage of BUNDLE_STAGES) {
      const staged = await costed('bundles.listByStage', ['Query'], () => store.bundles.listByStage(stage));
      expect(staged.items).toEqual(active.filter((b) => b.stage === stage));
    }
  });

  it('tasks.history: every transition, oldest first, with from/to/actor', async () => {
    let transitions = 0;
    for (const [task_id, expected] of model.history) {
      const page = await costed('tasks.history', ['Query'], () => store.tasks.history(task_id));
      expect(page.items.map(({ from_status, to_status, actor_id }) => ({ from_status, to_status, actor_id }))).toEqual(expected);
      expect(page.items.every((t) => t.task_id === task_id)).toBe(true);
      transitions += expected.length;
    }
    expect(transitions).toBeGreaterThan(300);
  });

  it('files.listForTask and artifacts.listForTask', async () => {
    const withAttachments = new Set([...model.files.map((f) => f.task_id), ...model.artifacts.map((a) => a.task_id)]);
    const sample = [...withAttachments, ...tasks().slice(0, 5).map((t) => t.task_id)];
    for (const task_id of sample) {
      const files = await costed('files.listForTask', ['Query'], () => store.files.listForTask(task_id));
      expect(files.items).toEqual(model.files.filter((f) => f.task_id === task_id).sort((a, b) => a.file_id.localeCompare(b.file_id)));
      const artifacts = await costed('artifacts.listForTask', ['Query'], () => store.artifacts.listForTask(task_id));
      expect(artifacts.items).toEqual(model.artifacts.filter((a) => a.task_id === task_id).sort((a, b) => a.artifact_id.localeCompare(b.artifact_id)));
    }
  });
});

describe('schedule, notification and user views match the in-memory model', () => {
  it('schedules.listDueSoon: enabled schedules with next_run_at <= now + within, by next run', async () => {
    const order = (s: RecurringSchedule) => `${s.next_run_at}#${s.schedule_id}`;
    for (const within of [0, 30, 120, 24 * 60]) {
      const bound = NOW_A.getTime() + within * 60_000;
      const expected = [...model.schedules.values()]
        .filter((s) => s.enabled && Date.parse(s.next_run_at) <= bound)
        .sort((a, b) => order(a).localeCompare(order(b)));
      const page = await costed('schedules.listDueSoon', ['Query'], () => store.schedules.listDueSoon({ within_minutes: within }));
      expect(page.items).toEqual(expected);
      if (within === 0) expect(expected.length).toBeGreaterThan(0);
    }
  });

  it('notifications.listDue: pending and due, oldest first; listForRecipient: a recipient’s notifications by due time', async () => {
    const all = [...model.notifications.values()];
    const expected = all.filter((n) => n.status === 'pending' && Date.parse(n.due_at) <= NOW_A.getTime()).sort((a, b) => a.due_at.localeCompare(b.due_at));
    expect(all.some((n) => n.status !== 'pending' && Date.parse(n.due_at) <= NOW_A.getTime())).toBe(true);
    const page = await costed('notifications.listDue', ['Query'], () => store.notifications.listDue());
    expect(page.items).toEqual(expected);
    for (const user of [admin, ...operators]) {
      const mine = await costed('notifications.listForRecipient', ['Query'], () => store.notifications.listForRecipient(user.user_id));
      expect(mine.items).toEqual(all.filter((n) => n.recipient_id === user.user_id).sort((a, b) => a.due_at.localeCompare(b.due_at)));
    }
  });

  it('users.getByEmail is one Query; get-by-ID reads are one GetItem', async () => {
    for (const user of operators) {
      expect(await costed('users.getByEmail', ['Query'], () => store.users.getByEmail(user.email.toUpperCase()))).toEqual(user);
      expect(await costed('users.get', ['GetItem'], () => store.users.get(user.user_id))).toEqual(user);
    }
    const some = tasks()[0]!;
    expect(await costed('tasks.get', ['GetItem'], () => store.tasks.get(some.task_id))).toEqual(some);
    const bundle = [...model.bundles.values()][0]!;
    expect(await costed('bundles.get', ['GetItem'], () => store.bundles.get(bundle.bundle_id))).toEqual(bundle);
  });
});

describe('paging', () => {
  /** The list calls to page through, each with its unpaged result computed by the store. */
  function pagedCalls(): { name: string; fetch: (options: PageOptions) => Promise<Page<unknown>> }[] {
    const busiest = [admin, ...operators].map((u) => ({ u, n: tasks().filter((t) => t.assignee_id === u.user_id).length })).sort((a, b) => b.n - a.n)[0]!.u;
    const bigBundle = [...model.bundles.values()].map((b) => ({ b, n: tasks().filter((t) => t.bundle_id === b.bundle_id).length })).sort((a, b) => b.n - a.n)[0]!.b;
    const todayCase = [admin, ...operators]
      .flatMap((u) => [u.timezone, 'UTC'].map((zone) => ({ u, zone, n: tasks().filter((t) => isOpen(t) && t.assignee_id === u.user_id && t.due_date === localDateOf(clock, zone)).length })))
      .sort((a, b) => b.n - a.n)[0]!;
    const longHistory = tasks().map((t) => ({ id: t.task_id, n: model.history.get(t.task_id)?.length ?? 0 })).sort((a, b) => b.n - a.n)[0]!.id;
    const recipients = [...model.notifications.values()].map((n) => n.recipient_id).filter((id): id is string => id !== undefined);
    const busiestRecipient = [...new Set(recipients)].sort((a, b) => recipients.filter((r) => r === b).length - recipients.filter((r) => r === a).length)[0]!;
    return [
      { name: 'listOverdue team', fetch: (o) => store.tasks.listOverdue({ today: plusDays(BASE_DATE, 9), ...o }) },
      { name: 'listOverdue operator', fetch: (o) => store.tasks.listOverdue({ today: plusDays(BASE_DATE, 9), assignee_id: busiest.user_id, ...o }) },
      { name: 'listUpcoming', fetch: (o) => store.tasks.listUpcoming({ assignee_id: busiest.user_id, from: plusDays(BASE_DATE, -12), days: 30, ...o }) },
      { name: 'listToday', fetch: (o) => store.tasks.listToday({ assignee_id: todayCase.u.user_id, time_zone: todayCase.zone, ...o }) },
      { name: 'listByAssigneeStatus', fetch: (o) => store.tasks.listByAssigneeStatus({ assignee_id: busiest.user_id, status: 'todo', ...o }) },
      { name: 'listByBundle', fetch: (o) => store.tasks.listByBundle({ bundle_id: bigBundle.bundle_id, ...o }) },
      { name: 'history', fetch: (o) => store.tasks.history(longHistory, o) },
      { name: 'listActive', fetch: (o) => store.bundles.listActive(o) },
      { name: 'listDueSoon', fetch: (o) => store.schedules.listDueSoon({ within_minutes: 24 * 60, ...o }) },
      { name: 'listDue', fetch: (o) => store.notifications.listDue(o) },
      { name: 'listForRecipient', fetch: (o) => store.notifications.listForRecipient(busiestRecipient, o) },
    ];
  }

  it('walking with a small limit and cursors yields exactly the unpaged result, one Query per page, no duplicates', async () => {
    const pagingRng = createRng(SEED + 1);
    for (const { name, fetch } of pagedCalls()) {
      const unpaged = await fetch({});
      expect(unpaged.cursor, name).toBeNull();
      expect(unpaged.items.length, `${name} has something to page through`).toBeGreaterThan(2);
      for (const limit of [1, pagingRng.int(2, 4), pagingRng.int(5, 13)]) {
        const walk = await walkPages(log, fetch, limit);
        expect(walk.items, `${name} limit ${limit}`).toEqual(unpaged.items);
        expect(new Set(walk.items.map((item) => JSON.stringify(item))).size, `${name}: duplicates across pages`).toBe(walk.items.length);
        expectNoDiscardedReads(walk.requests);
        // Every page but the last is full; the last page (cursor null) ends the walk. When the
        // result is a multiple of the limit DynamoDB cannot know it is done: one empty last page.
        for (const p of walk.pages.slice(0, -1)) expect(p.items.length).toBe(limit);
        expect(walk.pages.length).toBeLessThanOrEqual(Math.floor(unpaged.items.length / limit) + 1);
        expect(walk.pages.length).toBeGreaterThanOrEqual(Math.ceil(unpaged.items.length / limit));
        // Each page's request asks DynamoDB for `limit` items, not more.
        for (const r of walk.requests) expect(r.input.Limit).toBe(limit);
      }
    }
  });

  it('a page can be resumed from its cursor by a fresh store instance (stateless cursors)', async () => {
    const other = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => clock });
    const first = await store.tasks.listOverdue({ today: plusDays(BASE_DATE, 9), limit: 5 });
    expect(first.cursor).not.toBeNull();
    const rest = await other.tasks.listOverdue({ today: plusDays(BASE_DATE, 9), cursor: first.cursor });
    const all = await store.tasks.listOverdue({ today: plusDays(BASE_DATE, 9) });
    expect([...first.items, ...rest.items]).toEqual(all.items);
  });
});

describe('sparse indexes', () => {
  it('only open items are in the open-task, pending-notification and enabled-schedule views', async () => {
    const raw = await scanRaw(table.endpoint, table.tableName);
    const byEntity = (name: string) => raw.map((r) => r.item).filter((i) => i.__edb_e__ === name);
    const rawTasks = byEntity('task');
    expect(rawTasks).toHaveLength(model.tasks.size);
    for (const item of rawTasks) {
      const task = model.tasks.get(item.task_id as string)!;
      const open = isOpen(task);
      expect('gsi3pk' in item, `${task.status} task in the per-operator open view`).toBe(open && !!task.assignee_id && !!task.due_date);
      expect('gsi3sk' in item).toBe(open && !!task.assignee_id && !!task.due_date);
      expect(item.gsi5pk === 'open_tasks', `${task.status} task in the team open view`).toBe(open && !!task.due_date);
    }
    for (const item of byEntity('notification')) {
      expect('gsi5pk' in item, `${String(item.status)} notification in the pending view`).toBe(item.status === 'pending');
    }
    for (const item of byEntity('recurring_schedule')) {
      expect('gsi5pk' in item, `schedule enabled=${String(item.enabled)} in the enabled view`).toBe(item.enabled === true);
    }
    // The data set has closed tasks, non-pending notifications and disabled schedules to leave the views.
    expect(rawTasks.some((i) => !isOpenTaskStatus(i.status))).toBe(true);
    expect(byEntity('notification').some((i) => i.status !== 'pending')).toBe(true);
    expect(byEntity('recurring_schedule').some((i) => i.enabled === false)).toBe(true);
  });
});

describe('no Scan in the services', () => {
  it('no file under src/services (or the store) mentions Scan', () => {
    const dir = join(import.meta.dirname, '../../src/services');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
    files.push(join(import.meta.dirname, '../../src/store.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/ScanCommand|\.scan\b|\bScan\(/);
    }
  });
});
