/**
 * importExecutionData: restores an export into a table, normally a new, empty one.
 *
 * 1. Re-validates the export (validate.ts): any finding aborts before a single write.
 * 2. Refuses a redacted export (pseudonyms must never overwrite real data) unless allowRedacted.
 * 3. Checks the table exists and is empty; a non-empty table (a second run, a partial earlier
 *    import, the wrong table) is refused unless allowNonEmpty.
 * 4. dryRun stops here and reports what would be written.
 * 5. Streams each entity file and writes it through its ElectroDB entity in batches (ElectroDB
 *    builds every key and index attribute), retrying unprocessed items with backoff; users are
 *    written together with their rebuilt user_email claims. Sessions are not in an export.
 * 6. Verifies by counting the table's items per entity (a Scan) against the manifest.
 *
 * Every write is a full-item put keyed by the row's own ID, so running the same import again
 * (allowNonEmpty) converges on the same table: an interrupted import is finished by re-running it.
 */
import { DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { join, resolve } from 'node:path';
import { createExecutionService, type EntityName } from '../entities/index.js';
import { batchPutWithRetry, type BatchPutEntity } from './batch-write.js';
import { PortableExportError } from './errors.js';
import { ELECTRO_ENTITY_ATTRIBUTE } from './export.js';
import { readLines } from './lines.js';
import type { ExportManifest } from './manifest.js';
import { REGISTRY, durableEntries, registryEntries, type ExportRegistry } from './registry.js';
import { formatFinding, validateExport, type ValidationResult } from './validate.js';

export interface ImportProgress {
  entity: string;
  written: number;
  total: number;
}

export interface ImportOptions {
  client: DynamoDBClient;
  tableName: string;
  dir: string;
  /** Validate and check the table, write nothing (default false). */
  dryRun?: boolean;
  /** Write into a table that already has items (re-running an interrupted import). Default false. */
  allowNonEmpty?: boolean;
  /** Restore an export made with a redaction profile (its personal data is pseudonymized). Default false. */
  allowRedacted?: boolean;
  /** Count the table's items per entity after writing and compare with the manifest (default true). */
  verify?: boolean;
  /** Rows handed to ElectroDB per batch call (split into BatchWriteItem requests of 25). Default 100. */
  batchSize?: number;
  /** Parallel BatchWriteItem requests (default 4). */
  concurrency?: number;
  /** Retries of unprocessed items (default 10, exponential backoff with jitter). */
  maxRetries?: number;
  onProgress?: (progress: ImportProgress) => void;
  registry?: ExportRegistry;
}

export interface ImportVerification {
  ok: boolean;
  /** Items found in the table, by export name (items of other entities, e.g. sessions, by their own name). */
  tableCounts: Record<string, number>;
  /** Items expected per entity (manifest rows; user_email = users). */
  expected: Record<string, number>;
  /** Entities with fewer items than expected. */
  missing: Record<string, number>;
  /** Entities with more items than expected (only possible with allowNonEmpty). */
  extra: Record<string, number>;
}

export interface ImportResult {
  dir: string;
  tableName: string;
  dryRun: boolean;
  /** Rows per entity written (dry run: that would be written), including rebuilt user_email claims. */
  counts: Record<string, number>;
  /** Total items written (0 on a dry run). */
  written: number;
  /** Re-sends of unprocessed items. */
  retries: number;
  /** Whether the table already held items before the import (only possible with allowNonEmpty). */
  preexistingItems: boolean;
  validation: ValidationResult;
  verification?: ImportVerification;
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const description = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const status = description.Table?.TableStatus;
    if (status !== 'ACTIVE') {
      throw new PortableExportError('TABLE_NOT_FOUND', `Table ${tableName} is ${status ?? 'in an unknown state'}, not ACTIVE: wait until it is ready`, {
        tableName,
        status,
      });
    }
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new PortableExportError(
        'TABLE_NOT_FOUND',
        `Table ${tableName} does not exist: create it first from the table stack (local: ensureTable), then import into it`,
        { tableName },
        { cause: error },
      );
    }
    throw error;
  }
}

async function tableHasItems(documentClient: DynamoDBDocumentClient, tableName: string): Promise<boolean> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  // Limit applies before filtering nothing, so one item is enough; loop in case of empty pages.
  do {
    const page: ScanCommandOutput = await documentClient.send(
      new ScanCommand({ TableName: tableName, Limit: 1, ExclusiveStartKey: exclusiveStartKey, ConsistentRead: true }),
    );
    if ((page.Items ?? []).length > 0) return true;
    exclusiveStartKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (exclusiveStartKey);
  return false;
}

/** Items per ElectroDB entity in the table (a projected, parallel-free Scan). */
export async function countTableItems(client: DynamoDBClient, tableName: string): Promise<Record<string, number>> {
  const documentClient = DynamoDBDocumentClient.from(client);
  const counts: Record<string, number> = {};
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page: ScanCommandOutput = await documentClient.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#e',
        ExpressionAttributeNames: { '#e': ELECTRO_ENTITY_ATTRIBUTE },
        ExclusiveStartKey: exclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const name = typeof item[ELECTRO_ENTITY_ATTRIBUTE] === 'string' ? (item[ELECTRO_ENTITY_ATTRIBUTE] as string) : '(not an ElectroDB item)';
      counts[name] = (counts[name] ?? 0) + 1;
    }
    exclusiveStartKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (exclusiveStartKey);
  return counts;
}

export async function importExecutionData(options: ImportOptions): Promise<ImportResult> {
  const registry = options.registry ?? REGISTRY;
  const dir = resolve(options.dir);
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new PortableExportError('INVALID_OPTIONS', `batchSize must be an integer from 1 to 10000; got ${String(batchSize)}`, { field: 'batchSize' });
  }

  // 1. Validate before anything else.
  const validation = await validateExport(dir, { registry });
  if (!validation.ok) {
    const shown = validation.findings.slice(0, 10).map(formatFinding);
    throw new PortableExportError(
      'EXPORT_INVALID',
      `${dir} failed validation with ${validation.totalFindings} finding(s); nothing was written. First: ${shown.join(' | ')}`,
      { findings: validation.findings, findingCounts: validation.findingCounts },
    );
  }
  const manifest = validation.manifest as ExportManifest;

  // 2. Redacted exports are for sharing, not for restoring.
  if (manifest.redaction_profile !== 'none' && !options.allowRedacted) {
    throw new PortableExportError(
      'EXPORT_REDACTED',
      `${dir} was exported with the "${manifest.redaction_profile}" redaction profile (personal data pseudonymized); restoring it would replace real data. Pass allowRedacted only for a non-production table.`,
      { redaction_profile: manifest.redaction_profile },
    );
  }

  // 3. The table: exists, active, empty.
  await describeTable(options.client, options.tableName);
  const documentClient = DynamoDBDocumentClient.from(options.client);
  const preexistingItems = await tableHasItems(documentClient, options.tableName);
  if (preexistingItems && !options.allowNonEmpty) {
    throw new PortableExportError(
      'TABLE_NOT_EMPTY',
      `Table ${options.tableName} already has items: import into a new, empty table. To finish an interrupted import of this same export, re-run with allowNonEmpty (every write is an idempotent put by ID).`,
      { tableName: options.tableName },
    );
  }

  const durable = durableEntries(registry);
  const counts: Record<string, number> = {};
  for (const entry of durable) counts[entry.exportName] = manifest.entities[entry.exportName]!.rows;
  const derived = registryEntries(registry).filter((entry) => entry.persistence === 'derived');
  for (const entry of derived) counts[entry.exportName] = entry.derivedFrom ? (counts[registry[entry.derivedFrom].exportName] ?? 0) : 0;

  if (dryRun) {
    return { dir, tableName: options.tableName, dryRun, counts, written: 0, retries: 0, preexistingItems, validation };
  }

  // 5. Write.
  const service = createExecutionService(options.client, options.tableName);
  const entities = service.entities as unknown as Record<EntityName, BatchPutEntity>;
  let written = 0;
  let retries = 0;
  const putBatch = async (entity: EntityName, rows: Record<string, unknown>[]) => {
    const result = await batchPutWithRetry(entities[entity], rows, {
      concurrency: options.concurrency ?? 4,
      maxRetries: options.maxRetries ?? 10,
      entityName: entity,
    });
    written += result.written;
    retries += result.retries;
  };

  for (const entry of durable) {
    const listed = manifest.entities[entry.exportName]!;
    let batch: Record<string, unknown>[] = [];
    let done = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await putBatch(entry.entity, rows);
      // Derived rows of this entity (user -> user_email claim), after their source rows.
      for (const derivedEntry of derived.filter((candidate) => candidate.derivedFrom === entry.entity)) {
        await putBatch(derivedEntry.entity, rows.map((row) => deriveRow(derivedEntry.entity, row)));
      }
      done += rows.length;
      options.onProgress?.({ entity: entry.exportName, written: done, total: listed.rows });
    };
    for await (const { line } of readLines(join(dir, listed.file))) {
      batch.push(JSON.parse(line) as Record<string, unknown>);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  }

  const result: ImportResult = { dir, tableName: options.tableName, dryRun, counts, written, retries, preexistingItems, validation };

  // 6. Verify.
  if (options.verify ?? true) {
    // countTableItems counts by ElectroDB entity name; the manifest speaks export names.
    const byEntity = await countTableItems(options.client, options.tableName);
    const tableCounts: Record<string, number> = {};
    for (const [name, n] of Object.entries(byEntity)) {
      const entry = Object.hasOwn(registry, name) ? registry[name as EntityName] : undefined;
      tableCounts[entry ? entry.exportName : name] = n;
    }
    const missing: Record<string, number> = {};
    const extra: Record<string, number> = {};
    for (const [entity, expected] of Object.entries(counts)) {
      const actual = tableCounts[entity] ?? 0;
      if (actual < expected) missing[entity] = expected - actual;
      if (actual > expected) extra[entity] = actual - expected;
    }
    result.verification = { ok: Object.keys(missing).length === 0, tableCounts, expected: counts, missing, extra };
    if (Object.keys(missing).length > 0) {
      throw new PortableExportError(
        'IMPORT_INCOMPLETE',
        `After the import the table has fewer items than the export: ${Object.entries(missing)
          .map(([entity, n]) => `${entity} -${n}`)
          .join(', ')}. Re-run the import with allowNonEmpty to finish it.`,
        { verification: result.verification },
      );
    }
  }
  return result;
}

/** Builds the derived row an entity's row implies (today: the user's e-mail claim). */
export function deriveRow(entity: EntityName, source: Record<string, unknown>): Record<string, unknown> {
  if (entity === 'user_email') return { email: source.email, user_id: source.user_id, created_at: source.created_at };
  throw new PortableExportError('INVALID_OPTIONS', `no derivation defined for ${entity}`, { entity });
}
