/**
 * Writes mapped rows into the execution-state table without ever overwriting anything.
 *
 * 1. Every row is checked with the export validator's row checks (registry columns, then the
 *    ElectroDB entity's own validation); a row that fails is a mapping bug, and nothing is written.
 * 2. Each item's key is read first (strongly consistent): absent items are to be written, an
 *    identical item is "unchanged", a different one "differs" (changed in the store since an
 *    earlier run: kept as it is and reported).
 * 3. Absent items are created through their ElectroDB entity (which builds every key and hidden
 *    index attribute) with an attribute_not_exists condition; a group (a user and its e-mail
 *    claim, a bundle and its template instance) is one transaction. A lost condition is read
 *    again and classified, never overwritten.
 *
 * Groups go in order (users before the bundles and tasks that name them), so a run stopped
 * anywhere leaves no dangling reference, and running again writes exactly what is missing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '../document-client.js';
import { createExecutionService, type ExecutionService } from '../entities/index.js';
import { ExecutionStoreError } from '../errors.js';
import { canonicalJson } from '../export/canonical-json.js';
import { REGISTRY } from '../export/registry.js';
import { rowProblems } from '../export/validate.js';
import { GO, conditionFailed, translateError } from '../services/store-errors.js';
import type { MappedItem, Row, WriteGroup } from './mapping.js';
import type { ReportBuilder } from './report.js';

export interface WriteOptions {
  client: DynamoDBClient;
  tableName: string;
  dryRun: boolean;
  /** Groups written in parallel within one collection (default 8). */
  concurrency?: number;
  /** Called after each group; a throw stops the run there (tests use it to interrupt one). */
  onGroup?: (done: number, total: number) => void;
}

type ItemState = 'absent' | 'same' | 'differs';

type KeyedEntity = {
  get(key: Row): { go(options: Record<string, unknown>): Promise<{ data: Row | null }> };
  create(row: Row): { go(options: Record<string, unknown>): Promise<unknown>; commit(): unknown };
};

/** Throws (nothing written) when a mapped row would not pass the export validator. */
export function assertValidRows(groups: readonly WriteGroup[]): void {
  const problems: string[] = [];
  for (const group of groups) {
    for (const { entity, row } of group.items) {
      const entry = REGISTRY[entity];
      for (const problem of rowProblems(entry, row)) {
        problems.push(`${group.collection} ${group.sourceId} -> ${entity} ${String(row[entry.primaryKey])}: ${problem.message} [${problem.code}]`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ExecutionStoreError('VALIDATION', `${problems.length} migrated row(s) would not be valid store data; nothing was written (a bug in the mapping: please report it). First: ${problems.slice(0, 5).join(' | ')}`, {
      problems: problems.slice(0, 100),
    });
  }
}

function keyOf({ entity, row }: MappedItem): Row {
  const key = REGISTRY[entity].primaryKey;
  return { [key]: row[key] };
}

async function stateOf(service: ExecutionService, item: MappedItem): Promise<ItemState> {
  const entity = service.entities[item.entity] as unknown as KeyedEntity;
  let data: Row | null;
  try {
    ({ data } = await entity.get(keyOf(item)).go({ ...GO, consistent: true }));
  } catch (error) {
    throw translateError(error);
  }
  if (!data) return 'absent';
  return canonicalJson(data) === canonicalJson(item.row) ? 'same' : 'differs';
}

async function createItems(service: ExecutionService, items: MappedItem[]): Promise<boolean> {
  try {
    if (items.length === 1) {
      const entity = service.entities[items[0]!.entity] as unknown as KeyedEntity;
      await entity.create(items[0]!.row).go(GO);
      return true;
    }
    const result = (await service.transaction
      .write((entities) => items.map(({ entity, row }) => (entities[entity] as unknown as KeyedEntity).create(row).commit()) as never)
      .go(GO as never)) as unknown as { canceled: boolean };
    return !result.canceled;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw translateError(error);
  }
}

/** Runs `work` over `items` with at most `limit` at a time, in order of start; the first failure stops every worker. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  await Promise.all(workers);
}

export async function writeGroups(groups: readonly WriteGroup[], options: WriteOptions, report: ReportBuilder): Promise<void> {
  assertValidRows(groups);
  const documentClient = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  const service = createExecutionService(documentClient, options.tableName);
  let done = 0;

  const handle = async (group: WriteGroup) => {
    let states = await Promise.all(group.items.map((item) => stateOf(service, item)));
    let written = 0;
    // Create what is missing; a lost condition (someone else, or an earlier interrupted run)
    // means the item exists now: read it again and classify it.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const missing = group.items.filter((_, i) => states[i] === 'absent');
      if (missing.length === 0) break;
      if (options.dryRun) {
        written += missing.length;
        states = states.map((state) => (state === 'absent' ? 'same' : state));
        break;
      }
      if (await createItems(service, missing)) {
        written += missing.length;
        states = states.map((state) => (state === 'absent' ? 'same' : state));
        break;
      }
      states = await Promise.all(group.items.map((item) => stateOf(service, item)));
    }
    report.itemsWritten += written;
    const differing = group.items.filter((_, i) => states[i] === 'differs');
    for (const item of differing) {
      report.warn({
        code: 'TARGET_DIFFERS',
        collection: group.collection === 'actor' ? undefined : group.collection,
        source_id: group.sourceId,
        message: `${item.entity} ${String(item.row[REGISTRY[item.entity].primaryKey])} already exists with other content (changed since an earlier run?): kept as it is, not overwritten`,
      });
    }
    if (group.collection !== 'actor') {
      const counts = report.collection(group.collection, group.source);
      if (differing.length > 0) counts.differs += 1;
      else if (written > 0) counts.written += 1;
      else counts.unchanged += 1;
    }
    done += 1;
    options.onGroup?.(done, groups.length);
  };

  // One collection at a time (its references are written by then), groups within it in parallel.
  for (let start = 0; start < groups.length; ) {
    let end = start;
    while (end < groups.length && groups[end]!.collection === groups[start]!.collection) end += 1;
    await pool(groups.slice(start, end), options.concurrency ?? 8, handle);
    start = end;
  }
}

