/**
 * importExecutionData: restores an export into a table, normally a new, empty one.
 *
 * 1. Re-validates the export (validate.ts): any error finding aborts before a single write.
 * 2. Refuses a redacted export (pseudonyms must never overwrite real data) unless allowRedacted.
 * 3. Checks the table: it exists; it holds no restore marker (restore-marker.ts) unless this is
 *    the same export resuming or starting over; it is empty unless allowNonEmpty.
 * 4. dryRun stops here and reports what would be written.
 * 5. Claims the table with a conditional write of the restore marker, so a second import is
 *    refused (RESTORE_IN_PROGRESS) instead of mixing two data sets into one table.
 * 6. Writes the items the validation's ElectroDB check built (step 1 stages them, one file per
 *    entity in a temporary directory, so ElectroDB builds every key and index attribute of each
 *    row once), in BatchWriteItem requests with several in flight, retrying unprocessed items
 *    with backoff; users are written together with their rebuilt user_email claims. Sessions
 *    are not in an export.
 * 7. Verifies by counting the table's items per entity (a Scan) against the export: fewer or MORE
 *    items than the export holds fails. Only then is the marker removed.
 *
 * An import that stops (an error, an abort, a crash) leaves the marker: every later import and
 * export says the table is partly restored. `resume` (same export) writes everything again
 * (every write is a full-item put keyed by the row's own ID, so it converges on the export);
 * `startOver` first removes the items that export holds; abandonImport only removes them and the
 * marker. Neither ever touches an item the export does not hold.
 */
import { DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient } from '../document-client.js';
import { createEntities, createExecutionService, type EntityName } from '../entities/index.js';
import { TABLE_KEYS } from '../table-layout.js';
import { batchDeleteWithRetry, batchWriteItemsWithRetry, type BatchDeleteEntity } from './batch-write.js';
import { PortableExportError } from './errors.js';
import { ELECTRO_ENTITY_ATTRIBUTE } from './export.js';
import { NODE_FILES, type ExportFiles } from './files.js';
import { LineWriter, readLines, sha256File } from './lines.js';
import { MANIFEST_FILE, type ExportManifest } from './manifest.js';
import {
  RESTORE_HEARTBEAT_MS,
  claimRestoreMarker,
  isLive,
  isRestoreMarker,
  newImportId,
  readRestoreMarker,
  releaseRestoreMarker,
  renewRestoreMarker,
  restoreInProgressError,
  takeOverRestoreMarker,
  type RestoreMarker,
} from './restore-marker.js';
import { scanTable, tableHoldsItems } from './scan.js';
import { REGISTRY, durableEntries, registryEntries, type EntityRegistryEntry, type ExportRegistry } from './registry.js';
import { formatFinding, validateExport, type ValidationResult } from './validate.js';

/** The name countTableItems gives the restore marker (it is not an entity). */
export const RESTORE_MARKER_COUNT = 'restore_marker';

export interface ImportProgress {
  entity: string;
  written: number;
  total: number;
}

/** @internal Test hooks: pause after the claim, fail after a batch (a crash half-way). */
export interface ImportHooks {
  afterClaim?: () => Promise<void> | void;
  afterBatch?: (progress: { entity: string; batches: number; written: number }) => Promise<void> | void;
}

export interface ImportOptions {
  client: DynamoDBClient;
  tableName: string;
  dir: string;
  /** Validate and check the table, write nothing (default false). */
  dryRun?: boolean;
  /** Write into a table that already has items (they must be this export's, or verification fails). Default false. */
  allowNonEmpty?: boolean;
  /** Restore an export made with a redaction profile (its personal data is pseudonymized). Default false. */
  allowRedacted?: boolean;
  /** Finish an interrupted import of this same export (the table holds its restore marker). Default false. */
  resume?: boolean;
  /** Remove what an interrupted import of this same export wrote (its items and the marker), then import it again. Default false. */
  startOver?: boolean;
  /** Count the table's items per entity after writing and compare with the export (default true). */
  verify?: boolean;
  /** Rows per write batch (with their derived items; split into BatchWriteItem requests of 25, `concurrency` in flight; fewer batches, fewer pauses for the slowest request). Default 1000. */
  batchSize?: number;
  /** Parallel BatchWriteItem requests (default 4). */
  concurrency?: number;
  /** Retries of unprocessed items (default 10, exponential backoff with jitter). */
  maxRetries?: number;
  onProgress?: (progress: ImportProgress) => void;
  registry?: ExportRegistry;
  /** Stops the import between batches (e.g. on SIGINT); the table keeps its marker and can be resumed. */
  signal?: AbortSignal;
  now?: () => Date;
  /** @internal The file operations (tests simulate a denied path). */
  files?: ExportFiles;
  /** @internal */
  hooks?: ImportHooks;
}

export interface ImportVerification {
  /** True when the table holds exactly the export's items (per entity). */
  ok: boolean;
  /** Items found in the table, by export name (items of other entities, e.g. sessions, by their own name). */
  tableCounts: Record<string, number>;
  /** Items expected per entity (manifest rows; user_email = users). */
  expected: Record<string, number>;
  /** Entities with fewer items than expected. */
  missing: Record<string, number>;
  /** Entities (or non-entity items) the table holds beyond the export. */
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
  /** Whether the table already held items before the import (allowNonEmpty, or a resumed import). */
  preexistingItems: boolean;
  /** This import finished an interrupted one (resume). */
  resumed: boolean;
  /** Items of the interrupted import removed before importing again (startOver; 0 otherwise). */
  removed: number;
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

/** Items per verification Scan segment: about one 1 MB page of this store's items. */
const ITEMS_PER_VERIFY_SEGMENT = 1000;
/** Verification Scan segments running at once (memory: one page each). */
const VERIFY_IN_FLIGHT = 8;

/**
 * Scan segments for counting a table of about `expectedItems` items: one per ~1,000 items (1 to
 * 128). Real DynamoDB answers at most 1 MB per Scan page whatever the segmenting, so small segments
 * cost few extra requests (at most one short last page each), and they bound the work per
 * segment: DynamoDB Local's time per page
 * grows with the segment's size, and counting 110,500 items took 15 s with 4 segments, 2.5 s with
 * 64 or more (bench/RESULTS.md §5).
 */
export function countSegmentsFor(expectedItems: number): number {
  return Math.min(128, Math.max(1, Math.ceil(expectedItems / ITEMS_PER_VERIFY_SEGMENT)));
}

/**
 * Items per ElectroDB entity in the table (a projected, consistent Scan); a restore marker counts
 * as `restore_marker`. `expectedItems` (when known, e.g. an export's rows) sizes the parallel Scan.
 */
export async function countTableItems(client: DynamoDBClient, tableName: string, options: { expectedItems?: number } = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const segments = options.expectedItems === undefined ? 4 : countSegmentsFor(options.expectedItems);
  const scan = scanTable(client, { tableName, consistentRead: true, segments, inFlight: VERIFY_IN_FLIGHT, attributes: [ELECTRO_ENTITY_ATTRIBUTE, TABLE_KEYS.pk, TABLE_KEYS.sk] });
  for await (const items of scan) {
    for (const item of items) {
      const entity = item[ELECTRO_ENTITY_ATTRIBUTE];
      const name = isRestoreMarker(item) ? RESTORE_MARKER_COUNT : typeof entity === 'string' ? entity : '(not an ElectroDB item)';
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}

/** A validated, restorable export: everything an import needs to know about it. */
interface CheckedExport {
  dir: string;
  manifest: ExportManifest;
  manifestSha256: string;
  validation: ValidationResult;
}

async function checkedExport(dir: string, registry: ExportRegistry, files: ExportFiles, stage?: ItemStage): Promise<CheckedExport> {
  const validation = await validateExport(dir, { registry, files, onItem: stage && ((entity, item) => stage.add(entity, item)) });
  await stage?.close();
  if (!validation.ok) {
    const shown = validation.findings.filter((finding) => finding.severity === 'error').slice(0, 10).map(formatFinding);
    throw new PortableExportError(
      'EXPORT_INVALID',
      `${dir} failed validation with ${validation.errors} error(s); nothing was written. First: ${shown.join(' | ')}`,
      { findings: validation.findings, findingCounts: validation.findingCounts },
    );
  }
  return { dir, manifest: validation.manifest as ExportManifest, manifestSha256: await sha256File(join(dir, MANIFEST_FILE), files), validation };
}

/**
 * What to do about a marker found on the table: nothing (none there), take it over to resume
 * or start over (same export, no longer running), or refuse.
 */
function planForMarker(
  tableName: string,
  marker: RestoreMarker | null,
  exported: CheckedExport,
  options: { resume?: boolean; startOver?: boolean },
  now: Date,
): 'fresh' | 'resume' | 'start_over' {
  if (!marker) return 'fresh';
  if (!options.resume && !options.startOver) throw restoreInProgressError(tableName, marker, now, 'Nothing was written. ');
  if (isLive(marker, now)) throw restoreInProgressError(tableName, marker, now, 'Nothing was written. ');
  if (marker.manifest_sha256 !== exported.manifestSha256) {
    throw restoreInProgressError(
      tableName,
      marker,
      now,
      `Nothing was written: ${exported.dir} is not the export being restored (its manifest SHA-256 is ${exported.manifestSha256.slice(0, 12)}…); only that export can resume or start over. `,
    );
  }
  return options.startOver ? 'start_over' : 'resume';
}

/** The marker this import writes. */
function markerFor(exported: CheckedExport, at: string): RestoreMarker {
  return {
    import_id: newImportId(),
    status: 'running',
    manifest_sha256: exported.manifestSha256,
    export_dir: exported.dir,
    exported_at: exported.manifest.exported_at,
    source_table: exported.manifest.source?.table_name ?? '(unknown)',
    started_at: at,
    heartbeat_at: at,
    written: 0,
  };
}

function tableNotEmpty(tableName: string): PortableExportError {
  return new PortableExportError(
    'TABLE_NOT_EMPTY',
    `Table ${tableName} already has items and nothing was written: import into a new, empty table. If those items are this same export's (an import from before restore markers, or a copy), re-run with allowNonEmpty: every write is an idempotent put by ID, and verification fails unless the table ends up equal to the export.`,
    { tableName },
  );
}

export async function importExecutionData(options: ImportOptions): Promise<ImportResult> {
  const registry = options.registry ?? REGISTRY;
  const dir = resolve(options.dir);
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? 1000;
  const now = options.now ?? (() => new Date());
  const files = options.files ?? NODE_FILES;
  const { tableName, signal } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new PortableExportError('INVALID_OPTIONS', `batchSize must be an integer from 1 to 10000; got ${String(batchSize)}`, { field: 'batchSize' });
  }
  if (options.resume && options.startOver) {
    throw new PortableExportError('INVALID_OPTIONS', 'resume and startOver exclude each other: resume finishes the interrupted import, startOver removes what it wrote first', { field: 'startOver' });
  }
  signal?.throwIfAborted();
  // The items the validation builds, written in step 6 (a dry run writes nothing, so stages nothing).
  const stage = dryRun ? undefined : await ItemStage.create(registry, tableName);
  try {
    return await importChecked(options, { registry, dir, dryRun, batchSize, now, files }, stage);
  } finally {
    await stage?.remove();
  }
}

async function importChecked(
  options: ImportOptions,
  settings: { registry: ExportRegistry; dir: string; dryRun: boolean; batchSize: number; now: () => Date; files: ExportFiles },
  stage: ItemStage | undefined,
): Promise<ImportResult> {
  const { registry, dir, dryRun, batchSize, now, files } = settings;
  const { client, tableName, signal } = options;

  // 1. Validate before anything else.
  const exported = await checkedExport(dir, registry, files, stage);
  const { manifest, validation } = exported;

  // 2. Redacted exports are for sharing, not for restoring.
  if (manifest.redaction_profile !== 'none' && !options.allowRedacted) {
    throw new PortableExportError(
      'EXPORT_REDACTED',
      `${dir} was exported with the "${manifest.redaction_profile}" redaction profile (personal data pseudonymized); restoring it would replace real data. Pass allowRedacted only for a non-production table.`,
      { redaction_profile: manifest.redaction_profile },
    );
  }

  // 3. The table: exists, holds no other restore, empty.
  await describeTable(client, tableName);
  const found = await readRestoreMarker(client, tableName);
  const plan = planForMarker(tableName, found, exported, options, now());
  const notMarker = { ignore: isRestoreMarker, signal };
  const preexistingItems = plan !== 'fresh' || (await tableHoldsItems(client, tableName, notMarker));
  if (plan === 'fresh' && preexistingItems && !options.allowNonEmpty) throw tableNotEmpty(tableName);

  const durable = durableEntries(registry);
  const counts: Record<string, number> = {};
  for (const entry of durable) counts[entry.exportName] = manifest.entities[entry.exportName]!.rows;
  const derived = registryEntries(registry).filter((entry) => entry.persistence === 'derived');
  for (const entry of derived) counts[entry.exportName] = entry.derivedFrom ? (counts[registry[entry.derivedFrom].exportName] ?? 0) : 0;
  const base = { dir, tableName, dryRun, counts, preexistingItems, resumed: plan === 'resume', validation };

  // 4. Dry run: everything checked, nothing written.
  if (dryRun) return { ...base, written: 0, retries: 0, removed: 0 };

  // 5. Claim the table.
  const marker = markerFor(exported, now().toISOString());
  if (plan === 'fresh') {
    await claimRestoreMarker(client, tableName, marker, now());
    // Someone may have written (or finished a whole import) between the check and the claim.
    if (!options.allowNonEmpty && (await tableHoldsItems(client, tableName, notMarker))) {
      await releaseRestoreMarker(client, tableName, marker.import_id);
      throw tableNotEmpty(tableName);
    }
  } else {
    await takeOverRestoreMarker(client, tableName, found!, marker, now());
  }
  await options.hooks?.afterClaim?.();

  // 6. Write (after removing what the interrupted import wrote, when starting over).
  const run = new ImportRun(client, tableName, marker, now);
  const service = createExecutionService(client, tableName);
  const writeOptions = { concurrency: options.concurrency ?? 4, maxRetries: options.maxRetries ?? 10 };
  try {
    if (plan === 'start_over') {
      run.touched = true;
      run.removed = await removeExportItems(service, exported, registry, writeOptions, files, run, signal);
    }
    const documentClient = DynamoDBDocumentClient.from(client);
    for (const entry of durable) {
      const listed = manifest.entities[entry.exportName]!;
      let done = 0;
      for await (const { items, rows } of stage!.batchesOf(entry.entity, batchSize)) {
        signal?.throwIfAborted();
        run.touched = true;
        // The entity's items with their derived items (user -> user_email claim) right after them.
        run.add(await batchWriteItemsWithRetry(documentClient, tableName, items, { ...writeOptions, entityName: entry.entity }));
        done += rows;
        options.onProgress?.({ entity: entry.exportName, written: done, total: listed.rows });
        await run.afterBatch(entry.exportName, options.hooks);
      }
    }
  } catch (error) {
    throw await run.stopped(error, plan === 'fresh', signal);
  }

  const result: ImportResult = { ...base, written: run.written, retries: run.retries, removed: run.removed };

  // 7. Verify: the table must hold exactly the export.
  if (options.verify ?? true) {
    result.verification = await verifyTable(client, tableName, registry, counts);
    if (!result.verification.ok) throw await run.failedVerification(result.verification);
  }
  await releaseRestoreMarker(client, tableName, marker.import_id);
  return result;
}

/** The running import's bookkeeping: what it wrote, its heartbeat, and what it leaves behind when it stops. */
class ImportRun {
  written = 0;
  retries = 0;
  removed = 0;
  /** Set before the first write or delete is sent: from then on the table may hold this import's items. */
  touched = false;
  private batches = 0;
  private lastBeat = Date.now();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly marker: RestoreMarker,
    private readonly now: () => Date,
  ) {}

  add(result: { written: number; retries: number }): void {
    this.written += result.written;
    this.retries += result.retries;
  }

  /** Renews the heartbeat now and then (a lost marker stops the import), then runs the test hook. */
  async afterBatch(entity: string, hooks: ImportHooks | undefined): Promise<void> {
    this.batches += 1;
    if (Date.now() - this.lastBeat >= RESTORE_HEARTBEAT_MS) {
      this.lastBeat = Date.now();
      await renewRestoreMarker(this.client, this.tableName, this.marker.import_id, { heartbeat_at: this.now().toISOString(), written: this.written });
    }
    await hooks?.afterBatch?.({ entity, batches: this.batches, written: this.written });
  }

  /**
   * The import stopped before finishing. A fresh claim that wrote nothing is given back; otherwise
   * the marker stays, marked interrupted, and the error says how to go on.
   */
  async stopped(error: unknown, freshClaim: boolean, signal: AbortSignal | undefined): Promise<unknown> {
    if (error instanceof PortableExportError && error.code === 'RESTORE_IN_PROGRESS') return error; // the marker is someone else's now
    const aborted = signal?.aborted === true;
    const reason = aborted ? 'aborted' : error instanceof Error ? error.message.slice(0, 200) : String(error);
    if (freshClaim && !this.touched) {
      await releaseRestoreMarker(this.client, this.tableName, this.marker.import_id).catch(() => undefined);
      return error;
    }
    await this.markInterrupted(reason);
    return new PortableExportError(
      'IMPORT_INCOMPLETE',
      `The import ${aborted ? 'was aborted' : 'stopped'} after writing ${this.written} item(s)${aborted ? '' : `: ${reason}`}. Table ${this.tableName} is partly restored and keeps its restore marker: import the same export with resume to finish it, or with startOver to remove what it wrote and begin again.`,
      { tableName: this.tableName, written: this.written, aborted, import_id: this.marker.import_id },
      { cause: error },
    );
  }

  /** Leaves the marker saying why the import stopped (best effort: the table may be unreachable now). */
  private async markInterrupted(reason: string): Promise<void> {
    await renewRestoreMarker(this.client, this.tableName, this.marker.import_id, {
      heartbeat_at: this.now().toISOString(),
      written: this.written,
      status: 'interrupted',
      stopped_reason: reason,
    }).catch(() => undefined);
  }

  async failedVerification(verification: ImportVerification): Promise<PortableExportError> {
    const extra = Object.entries(verification.extra);
    const missing = Object.entries(verification.missing);
    const reason = `verification failed${missing.length ? `: missing ${missing.map(([name, n]) => `${name} -${n}`).join(', ')}` : ''}${extra.length ? `${missing.length ? ';' : ':'} not in the export ${extra.map(([name, n]) => `${name} +${n}`).join(', ')}` : ''}`;
    await this.markInterrupted(reason);
    const parts: string[] = [];
    if (missing.length) parts.push(`fewer items than the export (${missing.map(([name, n]) => `${name} -${n}`).join(', ')}): resume the import to finish it`);
    if (extra.length) {
      parts.push(
        `items the export does not hold (${extra.map(([name, n]) => `${name} +${n}`).join(', ')}): the table was not empty or someone wrote to it during the import, so it is not a copy of the export; remove those items and resume, or start over / abandonImport (both remove only this export's items)`,
      );
    }
    return new PortableExportError(
      'IMPORT_INCOMPLETE',
      `After the import table ${this.tableName} holds ${parts.join('; and ')}. The restore marker stays until the table equals the export.`,
      { verification, tableName: this.tableName },
    );
  }
}

/** Rows of an entity file in batches of `size`. */
/**
 * The items the validation built, staged in a temporary directory: one file per entity, each
 * row's derived items (user -> user_email claim, built by their entity) right after it.
 */
class ItemStage {
  private readonly writers = new Map<EntityName, LineWriter>();
  private readonly derivedOf: Map<EntityName, EntityRegistryEntry[]>;
  private readonly entities: Record<EntityName, { put(row: Record<string, unknown>): { params(): { Item: Record<string, unknown> } } }>;

  private constructor(
    readonly dir: string,
    registry: ExportRegistry,
    tableName: string,
  ) {
    this.derivedOf = new Map();
    for (const entry of registryEntries(registry)) {
      if (entry.persistence === 'derived' && entry.derivedFrom) this.derivedOf.set(entry.derivedFrom, [...(this.derivedOf.get(entry.derivedFrom) ?? []), entry]);
    }
    this.entities = createEntities({ table: tableName }) as unknown as ItemStage['entities'];
  }

  static async create(registry: ExportRegistry, tableName: string): Promise<ItemStage> {
    return new ItemStage(await mkdtemp(join(tmpdir(), 'exstate-import-')), registry, tableName);
  }

  async add(entity: EntityName, item: Record<string, unknown>): Promise<void> {
    let writer = this.writers.get(entity);
    if (!writer) {
      writer = await LineWriter.create(join(this.dir, `${entity}.jsonl`));
      this.writers.set(entity, writer);
    }
    await writer.write(JSON.stringify(item));
    for (const derived of this.derivedOf.get(entity) ?? []) {
      await writer.write(JSON.stringify(this.entities[derived.entity].put(deriveRow(derived.entity, item)).params().Item));
    }
  }

  async close(): Promise<void> {
    for (const writer of this.writers.values()) await writer.close();
  }

  /** Batches of `rows` of the entity's rows (at most `size`), each with the items derived from them. */
  async *batchesOf(entity: EntityName, size: number): AsyncGenerator<{ items: Record<string, unknown>[]; rows: number }> {
    if (!this.writers.has(entity)) return;
    let items: Record<string, unknown>[] = [];
    let rows = 0;
    for await (const { line } of readLines(join(this.dir, `${entity}.jsonl`))) {
      const item = JSON.parse(line) as Record<string, unknown>;
      const own = item[ELECTRO_ENTITY_ATTRIBUTE] === entity;
      if (own && rows === size) {
        yield { items, rows };
        items = [];
        rows = 0;
      }
      items.push(item);
      if (own) rows += 1;
    }
    if (items.length > 0) yield { items, rows };
  }

  async remove(): Promise<void> {
    for (const writer of this.writers.values()) await writer.abort();
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function* batchesOf(path: string, size: number, files: ExportFiles): AsyncGenerator<Record<string, unknown>[]> {
  let batch: Record<string, unknown>[] = [];
  for await (const { line } of readLines(path, undefined, files)) {
    batch.push(JSON.parse(line) as Record<string, unknown>);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Counts the table's items by export name and compares them with the export: any difference fails. */
async function verifyTable(client: DynamoDBClient, tableName: string, registry: ExportRegistry, expected: Record<string, number>): Promise<ImportVerification> {
  const expectedItems = Object.values(expected).reduce((sum, n) => sum + n, 0);
  const byEntity = await countTableItems(client, tableName, { expectedItems });
  const tableCounts: Record<string, number> = {};
  for (const [name, n] of Object.entries(byEntity)) {
    if (name === RESTORE_MARKER_COUNT) continue; // this import's own claim
    const entry = Object.hasOwn(registry, name) ? registry[name as EntityName] : undefined;
    tableCounts[entry ? entry.exportName : name] = n;
  }
  const missing: Record<string, number> = {};
  const extra: Record<string, number> = {};
  for (const name of new Set([...Object.keys(expected), ...Object.keys(tableCounts)])) {
    const actual = tableCounts[name] ?? 0;
    const wanted = expected[name] ?? 0;
    if (actual < wanted) missing[name] = wanted - actual;
    if (actual > wanted) extra[name] = actual - wanted;
  }
  return { ok: Object.keys(missing).length === 0 && Object.keys(extra).length === 0, tableCounts, expected, missing, extra };
}

/** Builds the derived row an entity's row implies (today: the user's e-mail claim). */
export function deriveRow(entity: EntityName, source: Record<string, unknown>): Record<string, unknown> {
  if (entity === 'user_email') return { email: source.email, user_id: source.user_id, created_at: source.created_at };
  throw new PortableExportError('INVALID_OPTIONS', `no derivation defined for ${entity}`, { entity });
}

/** The key attributes of a row (and of what it derives), as ElectroDB's delete takes them. */
function keyOf(entry: EntityRegistryEntry, row: Record<string, unknown>): Record<string, unknown> {
  return { [entry.primaryKey]: row[entry.primaryKey] };
}

/**
 * Deletes every item the export holds (and the claims derived from it), by key: exactly what an
 * import of it writes, whether or not it got that far. Nothing else is touched.
 */
async function removeExportItems(
  service: ReturnType<typeof createExecutionService>,
  exported: CheckedExport,
  registry: ExportRegistry,
  writeOptions: { concurrency: number; maxRetries: number },
  files: ExportFiles,
  run: ImportRun | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  const entities = service.entities as unknown as Record<EntityName, BatchDeleteEntity>;
  const derived = registryEntries(registry).filter((entry) => entry.persistence === 'derived');
  let removed = 0;
  for (const entry of durableEntries(registry)) {
    for await (const rows of batchesOf(join(exported.dir, exported.manifest.entities[entry.exportName]!.file), 100, files)) {
      signal?.throwIfAborted();
      removed += (await batchDeleteWithRetry(entities[entry.entity], rows.map((row) => keyOf(entry, row)), { ...writeOptions, entityName: entry.entity })).written;
      for (const derivedEntry of derived.filter((candidate) => candidate.derivedFrom === entry.entity)) {
        const keys = rows.map((row) => keyOf(derivedEntry, deriveRow(derivedEntry.entity, row)));
        removed += (await batchDeleteWithRetry(entities[derivedEntry.entity], keys, { ...writeOptions, entityName: derivedEntry.entity })).written;
      }
      if (run) run.removed = removed;
    }
  }
  return removed;
}

export interface AbandonImportOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The export whose interrupted import is abandoned (the one the restore marker names). */
  dir: string;
  registry?: ExportRegistry;
  signal?: AbortSignal;
  now?: () => Date;
  /** @internal */
  files?: ExportFiles;
}

/**
 * Gives up an interrupted import: removes the items the export holds (exactly what an import of
 * it writes) and then the restore marker. Items the export does not hold stay. Refused while the
 * import is still running, and for any export but the one the marker names.
 */
export async function abandonImport(options: AbandonImportOptions): Promise<{ removed: number }> {
  const registry = options.registry ?? REGISTRY;
  const now = options.now ?? (() => new Date());
  const files = options.files ?? NODE_FILES;
  const { client, tableName } = options;
  const exported = await checkedExport(resolve(options.dir), registry, files);
  await describeTable(client, tableName);
  const found = await readRestoreMarker(client, tableName);
  if (!found) {
    throw new PortableExportError('INVALID_OPTIONS', `Table ${tableName} holds no restore marker: there is no interrupted import to abandon, and nothing was removed`, { tableName });
  }
  planForMarker(tableName, found, exported, { startOver: true }, now());
  const marker = { ...markerFor(exported, now().toISOString()), stopped_reason: 'abandoning' };
  await takeOverRestoreMarker(client, tableName, found, marker, now());
  const service = createExecutionService(client, tableName);
  let removed: number;
  try {
    removed = await removeExportItems(service, exported, registry, { concurrency: 4, maxRetries: 10 }, files, undefined, options.signal);
  } catch (error) {
    await renewRestoreMarker(client, tableName, marker.import_id, { heartbeat_at: now().toISOString(), written: 0, status: 'interrupted', stopped_reason: 'abandoning stopped half-way' }).catch(() => undefined);
    throw error;
  }
  await releaseRestoreMarker(client, tableName, marker.import_id);
  return { removed };
}
