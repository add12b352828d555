/**
 * Section 2: consumed write capacity of the store's writes, against the floor the item sizes
 * and index memberships allow (a transactional write costs 2 WCU per started KB per copy: the
 * table copy plus one per GSI the item is in, plus the old GSI entry when its key moved).
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionStore } from '../src/store.js';
import type { RequestLog } from '../src/local/request-log.js';
import { SECONDARY_INDEXES } from '../src/table-layout.js';
import { BENCH_TODAY } from './dataset.js';

export interface WriteMeasurement {
  operation: string;
  requests: string;
  /** What DynamoDB Local reported (it under-reports transactions with several puts on one table). */
  reportedWcu: number;
  byIndex: Record<string, number>;
  /** DynamoDB's documented rules applied to the items this operation actually wrote and checked. */
  modelWcu: number;
  /** The unavoidable part: the written items' table and GSI copies, transactional. */
  floorWcu: number;
  conditionChecks: number;
  note: string;
}

/** DynamoDB's item size: attribute names plus values, per the documented sizing rules. */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  return 0;
}

async function rawItem(client: DynamoDBClient, tableName: string, pk: string, sk: string): Promise<Record<string, AttributeValue>> {
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } } }));
  if (!Item) throw new Error(`no item ${pk}`);
  return Item;
}

/** Copies of an item: the table plus every GSI whose keys it carries. */
function copies(item: Record<string, AttributeValue>): number {
  return 1 + SECONDARY_INDEXES.filter((index) => item[index.pk] && item[index.sk]).length;
}

/** Floor for writing `item` transactionally: 2 WCU per started KB per copy, plus old GSI entries removed. */
function transactionalFloor(item: Record<string, AttributeValue>, movedIndexEntries = 0): number {
  const kb = Math.max(1, Math.ceil(itemSizeBytes(item) / 1024));
  return 2 * kb * (copies(item) + movedIndexEntries);
}

/** GSI entries whose key changed between two versions of an item (each costs a delete on that index). */
function movedEntries(before: Record<string, AttributeValue>, after: Record<string, AttributeValue>): number {
  return SECONDARY_INDEXES.filter((index) => before[index.pk] && (before[index.pk]?.S !== after[index.pk]?.S || before[index.sk]?.S !== after[index.sk]?.S)).length;
}

const key = (entity: string, attribute: string, id: string) => ({ pk: `$dataops#${attribute}_${id.toLowerCase()}`, sk: `$${entity}_1` });

/**
 * Runs on a fresh table (so the schedule materialization finds exactly the one schedule it
 * made); `makeStore(now)` builds a store on the logged client with a fixed clock.
 */
export async function measureWriteCosts(makeStore: (now: Date) => ExecutionStore, raw: DynamoDBClient, log: RequestLog): Promise<WriteMeasurement[]> {
  const store = makeStore(new Date(`${BENCH_TODAY}T10:00:00.000Z`));
  const admin = await store.users.create({ email: 'wcu-admin@bench.example.org', display_name: 'Admin', role: 'admin', timezone: 'UTC' });
  const operator = await store.users.create({ email: 'wcu-operator@bench.example.org', display_name: 'Operator', role: 'operator', timezone: 'Europe/Berlin' });
  const probeBundle = await store.bundles.create({ title: 'Write-cost bundle', owner_id: admin.user_id, actor: { user_id: admin.user_id, role: 'admin' } });
  const ids = { admin: admin.user_id, operator: operator.user_id, bundle_id: probeBundle.bundle_id };
  const actor = { user_id: ids.admin, role: 'admin' as const };
  const results: WriteMeasurement[] = [];
  /** 2 WCU per started KB of each item a transaction's ConditionChecks read. */
  const conditionCheckUnits = async (): Promise<{ count: number; units: number }> => {
    let count = 0;
    let units = 0;
    for (const request of log.requests) {
      const items = (request.input.TransactItems ?? []) as { ConditionCheck?: { Key: Record<string, unknown> } }[];
      for (const { ConditionCheck } of items) {
        if (!ConditionCheck) continue;
        count += 1;
        const plain = (value: unknown) => (typeof value === 'string' ? value : (value as { S: string }).S);
        const item = await rawItem(raw, store.tableName, plain(ConditionCheck.Key.pk), plain(ConditionCheck.Key.sk));
        units += 2 * Math.max(1, Math.ceil(itemSizeBytes(item) / 1024));
      }
    }
    return { count, units };
  };
  const record = async (operation: string, floorWcu: number, note: string) => {
    const checks = await conditionCheckUnits();
    const byIndex: Record<string, number> = {};
    for (const request of log.requests) for (const [index, units] of Object.entries(request.capacityByIndex ?? {})) byIndex[index] = (byIndex[index] ?? 0) + units;
    const counts = new Map<string, number>();
    for (const command of log.commands()) counts.set(command, (counts.get(command) ?? 0) + 1);
    results.push({
      operation,
      requests: [...counts].map(([command, n]) => `${n} ${command}`).join(' + '),
      reportedWcu: log.totals().write,
      byIndex,
      modelWcu: floorWcu + checks.units,
      floorWcu,
      conditionChecks: checks.count,
      note,
    });
  };

  // Task create: the task, plus ConditionChecks that the assignee and bundle exist.
  log.reset();
  const task = await store.tasks.create({ title: 'Write-cost probe', assignee_id: ids.operator, bundle_id: ids.bundle_id, due_date: BENCH_TODAY, tags: ['bench'], actor });
  const taskKey = key('task', 'task_id', task.task_id);
  const created = await rawItem(raw, store.tableName, taskKey.pk, taskKey.sk);
  await record('Task create (assigned, dated, in a bundle)', transactionalFloor(created), 'floor = the task in the table and in the GSIs it belongs to; the checks confirm the assignee and bundle exist');

  // Transition with its history record.
  log.reset();
  const { transition } = await store.tasks.transition({ task_id: task.task_id, to: 'in_progress', actor });
  const moved = await rawItem(raw, store.tableName, taskKey.pk, taskKey.sk);
  const transitionItem = await rawItem(raw, store.tableName, `$dataops#transition_id_${transition.transition_id.toLowerCase()}`, '$task_transition_1');
  await record('Transition todo → in_progress (+ history record)', transactionalFloor(moved, movedEntries(created, moved)) + transactionalFloor(transitionItem), 'floor = new task copies + the gsi4 entry whose key moved (status) + the transition item and its gsi1 copy; 1 GetItem reads the version first');

  // Template instantiation of 20 tasks.
  log.reset();
  const template = {
    template_id: 'templates/bench.yaml',
    template_version: '0123456789abcdef0123456789abcdef01234567',
    tasks: Array.from({ length: 20 }, (_, i) => ({ ref: `step-${i}`, title: `Step ${i}`, offset_days: i - 10, assignee_id: ids.operator })),
  };
  const instantiated = await store.bundles.instantiateTemplate({ template, title: 'Bench bundle', owner_id: ids.admin, anchor_date: BENCH_TODAY, actor });
  let floor = 0;
  const bundleItem = await rawItem(raw, store.tableName, `$dataops#bundle_id_${instantiated.bundle.bundle_id.toLowerCase()}`, '$bundle_1');
  floor += transactionalFloor(bundleItem);
  const instanceItem = await rawItem(raw, store.tableName, `$dataops#template_instance_id_${instantiated.template_instance.template_instance_id.toLowerCase()}`, '$template_instance_1');
  floor += transactionalFloor(instanceItem);
  for (const t of instantiated.tasks) {
    const k = key('task', 'task_id', t.task_id);
    floor += transactionalFloor(await rawItem(raw, store.tableName, k.pk, k.sk));
  }
  await record('Template instantiation, 20 tasks', floor, 'floor = bundle + instance + 20 tasks with their GSI copies; the checks confirm the owner and assignee exist');

  // Schedule materialization: one due schedule → one task + the schedule advanced.
  const schedule = await store.schedules.create({ title: 'Bench recurring', cron: '*/5 * * * *', time_zone: 'Europe/Berlin', assignee_id: ids.operator, actor });
  const scheduleKey = key('recurring_schedule', 'schedule_id', schedule.schedule_id);
  const scheduleBefore = await rawItem(raw, store.tableName, scheduleKey.pk, scheduleKey.sk);
  // Materialize exactly this schedule: a store whose clock is just past its next run.
  const later = makeStore(new Date(Date.parse(schedule.next_run_at) + 1000));
  log.reset();
  const result = await later.schedules.materializeDue();
  const scheduleAfter = await rawItem(raw, store.tableName, scheduleKey.pk, scheduleKey.sk);
  let materializeFloor = transactionalFloor(scheduleAfter, movedEntries(scheduleBefore, scheduleAfter));
  for (const t of result.created) {
    const k = key('task', 'task_id', t.task_id);
    materializeFloor += transactionalFloor(await rawItem(raw, store.tableName, k.pk, k.sk));
  }
  await record(`Schedule materialization (${result.created.length} due occurrence${result.created.length === 1 ? '' : 's'})`, materializeFloor, 'floor = the new task(s) + the schedule with its moved enabled_schedules entry; 1 Query finds the due schedules');
  return results;
}
