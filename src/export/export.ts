/**
 * exportExecutionData: the portable, restore-grade export of the execution-state table.
 *
 * A parallel Scan (the one place a Scan belongs) streams every item; each item is attributed to
 * its entity by ElectroDB's identifiers, parsed through that entity with ownership enforced
 * (which drops pk/sk/gsi* and ElectroDB's internal attributes, and hides index-only attributes),
 * checked to live at the key ElectroDB would give it, and written as one canonical JSON line to
 * `<entity>.jsonl`, sorted by primary ID with bounded memory (external-sort.ts). Items that cannot
 * be parsed are counted by reason and copied raw to `_unparsed.jsonl`; they are never dropped
 * silently. manifest.json is written last.
 *
 * The output directory is new, empty, or (with `overwrite`) holds a previous export: then only the
 * files its manifest lists are replaced, never anything else. A failure or an abort removes
 * everything this export wrote (and the directory, if it made it), so a full disk is not left
 * full and no half export looks like one. A table holding a restore marker (an import running or
 * interrupted) is refused: it is not a copy of anything yet.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '../document-client.js';
import { createExecutionService, schemas, type EntityName } from '../entities/index.js';
import { KEY_ATTRIBUTES, TABLE_KEYS } from '../table-layout.js';
import { createConversions } from 'electrodb';
import { plainReader, type PlainReader } from '../entities/plain-read.js';
import { canonicalJson, canonicalJsonPretty, rawItemJson } from './canonical-json.js';
import { fileSystemError } from '../errors.js';
import { PortableExportError } from './errors.js';
import { SortPool, type ExternalSorter } from './external-sort.js';
import { NODE_FILES, isMissing, onPath, type ExportFiles } from './files.js';
import { LineWriter, readText } from './lines.js';
import {
  MANIFEST_FILE,
  UNPARSED_FILE,
  type ExportManifest,
  type ManifestEntity,
  type ManifestOmission,
  type RedactionProfile,
} from './manifest.js';
import { Redactor, REDACTION_PROFILES } from './redaction.js';
import { isRestoreMarker, markerOf, readRestoreMarker, restoreInProgressError, type RestoreMarker } from './restore-marker.js';
import { scanTable } from './scan.js';
import { REGISTRY, SCHEMA_VERSION, durableEntries, exportFileName, type EntityRegistryEntry, type ExportRegistry } from './registry.js';
import { manifestFiles, validateExport, type ValidationResult } from './validate.js';

/** ElectroDB's default identifier attributes (entity name and model version). */
export const ELECTRO_ENTITY_ATTRIBUTE = '__edb_e__';
export const ELECTRO_VERSION_ATTRIBUTE = '__edb_v__';

export const UNPARSED_REASONS = [
  /** No ElectroDB identifiers: written by something other than ElectroDB. */
  'NOT_ELECTRODB_ITEM',
  /** Identifiers name an entity this service does not define. */
  'UNKNOWN_ENTITY',
  /** The entity exists but ElectroDB does not own the item (e.g. another model version). */
  'OWNERSHIP_MISMATCH',
  /** ElectroDB threw while parsing the item. */
  'PARSE_FAILED',
  /** The parsed row lacks its primary ID. */
  'MISSING_PRIMARY_KEY',
  /** The item is not stored at the key ElectroDB computes from its attributes (edited by hand?). */
  'KEY_MISMATCH',
  /** A number JavaScript cannot hold exactly (beyond 2^53 or more than 15 significant digits). */
  'UNSAFE_NUMBER',
] as const;
export type UnparsedReason = (typeof UNPARSED_REASONS)[number];

export interface ExportProgress {
  phase: 'scan' | 'write' | 'validate' | 'done';
  scannedItems: number;
  /** Rows written so far in the write phase. */
  writtenRows: number;
  elapsedMs: number;
}

export interface ExportOptions {
  client: DynamoDBClient;
  tableName: string;
  outDir: string;
  /** Parallel scan segments (1-64, default 4). */
  segments?: number;
  /** Items per Scan page (DynamoDB's Limit); default: DynamoDB's 1 MB pages. */
  pageSize?: number;
  /** Strongly consistent scan (default true: twice the read cost, no stale items). */
  consistentRead?: boolean;
  /** `none` (default, restore-grade) or `pii` (pseudonymized personal data, not restorable by default). */
  redaction?: RedactionProfile;
  /**
   * Replace a previous export in outDir (default false: refuse a non-empty directory). Only the
   * files its manifest lists are removed; a directory without an export manifest is refused.
   */
  overwrite?: boolean;
  /** Validate the written export (default true); findings are returned, not thrown. */
  validate?: boolean;
  /** Progress: true prints to stderr, a function receives events; default: print when stderr is a terminal. */
  progress?: boolean | ((progress: ExportProgress) => void);
  /** Memory budget for sorting, in bytes (default 64 MiB); beyond it sorted runs spill to disk. */
  sortMemoryBytes?: number;
  registry?: ExportRegistry;
  now?: () => Date;
  /** Stops the export (e.g. on SIGINT): the scan is aborted, everything written so far removed, and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** @internal The file operations (tests simulate a full disk or a read-only mount). */
  files?: ExportFiles;
}

export interface ExportResult {
  outDir: string;
  manifestPath: string;
  manifest: ExportManifest;
  /** Rows per exported entity (same as the manifest). */
  counts: Record<string, number>;
  scannedItems: number;
  unparsed: { count: number; byReason: Partial<Record<UnparsedReason, number>>; file: string | null };
  omitted: ManifestOmission[];
  /** Sorted runs spilled to disk (0 when everything fitted the memory budget). */
  sortSpills: number;
  /** Present unless validate: false. */
  validation?: ValidationResult;
}

interface ScanContext {
  service: ReturnType<typeof createExecutionService>;
  registry: ExportRegistry;
  sorters: Map<EntityName, ExternalSorter>;
  unparsedSorter: ExternalSorter;
  unparsedByReason: Map<UnparsedReason, number>;
  omittedSeen: Map<EntityName, number>;
  droppedAttributes: Map<string, number>;
  knownFields: Map<EntityName, Set<string>>;
  redactor: Redactor;
  readings: Map<EntityName, EntityReading>;
  tableName: string;
  now: () => Date;
}

/** A DynamoDB number JavaScript cannot represent exactly; kept as its decimal string. */
export class UnsafeNumber {
  constructor(readonly value: string) {}
  toJSON(): { $number: string } {
    return { $number: this.value };
  }
}

/** unmarshall's wrapNumbers: plain numbers when exact, an UnsafeNumber marker otherwise (never a throw). */
export function toExactNumber(value: string): number | UnsafeNumber {
  const n = Number(value);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return new UnsafeNumber(value);
  const digits = value.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
  return digits.length <= 15 || String(n) === value ? n : new UnsafeNumber(value);
}

function containsUnsafeNumber(value: unknown): boolean {
  if (value instanceof UnsafeNumber) return true;
  if (Array.isArray(value)) return value.some(containsUnsafeNumber);
  if (value instanceof Set) return [...value].some(containsUnsafeNumber);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.values(value).some(containsUnsafeNumber);
  return false;
}

const STRUCTURAL_FIELDS = new Set<string>([...KEY_ATTRIBUTES, ELECTRO_ENTITY_ATTRIBUTE, ELECTRO_VERSION_ATTRIBUTE]);

function schemaFields(entity: EntityName): Set<string> {
  const attributes = schemas[entity].attributes as Record<string, { field?: string }>;
  return new Set(Object.entries(attributes).map(([name, definition]) => definition.field ?? name));
}

/** Reads a previous export's manifest, or null when there is none that lists files. */
async function previousManifest(outDir: string, files: ExportFiles): Promise<ExportManifest | null> {
  try {
    const manifest = JSON.parse(await readText(join(outDir, MANIFEST_FILE), files)) as ExportManifest;
    return manifest !== null && typeof manifest === 'object' && typeof manifest.entities === 'object' && manifest.entities !== null ? manifest : null;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

function listed(entries: string[]): string {
  return `${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}`;
}

/**
 * Makes outDir ready: created when missing (`created: true`), accepted when empty, and with
 * `overwrite` emptied of a previous export's own files only: its manifest first (a crash then
 * leaves no directory that looks complete), then each file that manifest lists. Refused: a
 * directory with other content and no manifest, a manifest listing something that is not a
 * regular file, and a file this export would write that the old manifest does not list.
 */
async function prepareOutDir(outDir: string, overwrite: boolean, willWrite: readonly string[], files: ExportFiles): Promise<{ created: boolean }> {
  let entries: string[];
  try {
    const info = await stat(outDir);
    if (!info.isDirectory()) throw new PortableExportError('OUTPUT_NOT_EMPTY', `${outDir} exists and is not a directory: choose a directory for the export`, { outDir });
    entries = await readdir(outDir);
  } catch (error) {
    if (error instanceof PortableExportError) throw error;
    if (!isMissing(error)) throw fileSystemError(error, outDir, 'read the output directory');
    await onPath(outDir, 'create the output directory', () => files.mkdir(outDir));
    return { created: true };
  }
  if (entries.length === 0) return { created: false };
  const manifest = entries.includes(MANIFEST_FILE) ? await previousManifest(outDir, files) : null;
  if (!manifest) {
    throw new PortableExportError(
      'OUTPUT_NOT_EMPTY',
      `${outDir} is not empty (${listed(entries)}) and holds no export (no readable ${MANIFEST_FILE}), so nothing in it may be replaced: choose a new or empty directory`,
      { outDir, entries: entries.slice(0, 20), holdsExport: false },
    );
  }
  if (!overwrite) {
    throw new PortableExportError(
      'OUTPUT_NOT_EMPTY',
      `${outDir} already holds an export (${listed(entries)}): choose a new directory or pass overwrite to replace the export in it`,
      { outDir, entries: entries.slice(0, 20), holdsExport: true },
    );
  }
  const previous = manifestFiles(manifest).filter((name) => entries.includes(name));
  for (const name of previous) {
    const info = await onPath(join(outDir, name), 'read', () => lstat(join(outDir, name)));
    if (!info.isFile()) {
      throw new PortableExportError('OUTPUT_NOT_EMPTY', `The previous export in ${outDir} lists ${name}, which is not a regular file: nothing was replaced; remove it yourself or choose a new directory`, { outDir, entry: name });
    }
  }
  const foreign = willWrite.filter((name) => name !== MANIFEST_FILE && entries.includes(name) && !previous.includes(name));
  if (foreign.length > 0) {
    throw new PortableExportError(
      'OUTPUT_NOT_EMPTY',
      `${outDir} holds ${listed(foreign)}, which the previous export's manifest does not list: nothing was replaced; move ${foreign.length === 1 ? 'it' : 'them'} away or choose a new directory`,
      { outDir, entries: foreign },
    );
  }
  await onPath(join(outDir, MANIFEST_FILE), 'remove', () => rm(join(outDir, MANIFEST_FILE), { force: true }));
  for (const name of previous) await onPath(join(outDir, name), 'remove', () => rm(join(outDir, name), { force: true }));
  return { created: false };
}

/** What this export has written, so that a failure or an abort removes exactly that. */
class ExportOutput {
  private readonly written: string[] = [];

  constructor(
    readonly dir: string,
    private readonly createdDir: boolean,
    readonly files: ExportFiles,
  ) {}

  /** A new file in the output directory, to be removed if the export does not finish. */
  async create(name: string): Promise<LineWriter> {
    const writer = await LineWriter.create(join(this.dir, name), this.files);
    this.written.push(writer.path);
    return writer;
  }

  /** Best effort: a cleanup failure must not hide why the export failed. */
  async remove(pool: SortPool): Promise<void> {
    await pool.cleanup().catch(() => undefined);
    for (const path of this.written) await rm(path, { force: true }).catch(() => undefined);
    if (this.createdDir) await rmdir(this.dir).catch(() => undefined);
  }
}

async function refuseRestoreInProgress(client: DynamoDBClient, tableName: string, now: () => Date): Promise<void> {
  let marker: RestoreMarker | null;
  try {
    marker = await readRestoreMarker(client, tableName);
  } catch (error) {
    throw tableNotFound(error, tableName) ?? error;
  }
  if (marker) throw restoreInProgressError(tableName, marker, now(), 'Not exported: ');
}

function tableNotFound(error: unknown, tableName: string): PortableExportError | undefined {
  if ((error as { name?: string }).name !== 'ResourceNotFoundException') return undefined;
  return new PortableExportError('TABLE_NOT_FOUND', `Table ${tableName} does not exist (check the table name and region)`, { tableName }, { cause: error });
}

function createProgressReporter(option: ExportOptions['progress'], started: number): (phase: ExportProgress['phase'], scanned: number, written: number, force?: boolean) => void {
  const callback = typeof option === 'function' ? option : undefined;
  const print = option === true || (option === undefined && process.stderr.isTTY === true);
  let last = 0;
  return (phase, scannedItems, writtenRows, force = false) => {
    const now = Date.now();
    if (!force && now - last < 250) return;
    last = now;
    const progress: ExportProgress = { phase, scannedItems, writtenRows, elapsedMs: now - started };
    callback?.(progress);
    if (print) {
      const seconds = (progress.elapsedMs / 1000).toFixed(1);
      process.stderr.write(`\r[export] ${phase}: ${scannedItems} items scanned, ${writtenRows} rows written (${seconds}s)${phase === 'done' ? '\n' : ''}`);
    }
  };
}

/** How the export reads one entity's items, built once per entity and export. */
interface EntityReading {
  /** plainReader's row, or undefined when it cannot vouch for the item (then ElectroDB parses); null for bundle. */
  plain: PlainReader | null;
  /** ElectroDB's own parse, ownership enforced: null when the entity does not own the item. */
  parse(item: Record<string, unknown>): Record<string, unknown> | null;
  /**
   * The table key ElectroDB computes from a row, by its public createConversions: the same key
   * as `entity.get(row).params()` without a query chain per item (half the export's CPU). A
   * missing composite attribute throws, as params() does.
   */
  tableKey(row: Record<string, unknown>): Record<string, unknown>;
}

type KeyConversion = { fromComposite: { toKeys(row: unknown, options: { strict: 'all' }): Record<string, unknown> } };

function readingFor(context: ScanContext, name: EntityName): EntityReading {
  // Typed per entity by ElectroDB; here every entity is handled alike.
  const entity = context.service.entities[name] as unknown as {
    parse(response: { Item: Record<string, unknown> }, options: { ignoreOwnership: boolean }): { data: Record<string, unknown> | null } | null;
  };
  const primary = Object.entries(schemas[name].indexes).find(([, index]) => (index as { index?: string }).index === undefined)![0];
  const conversion = (createConversions(entity as never).byAccessPattern as unknown as Record<string, KeyConversion>)[primary]!;
  const reading: EntityReading = {
    plain: plainReader(schemas[name]),
    parse: (item) => entity.parse({ Item: item }, { ignoreOwnership: false })?.data ?? null,
    tableKey: (row) => conversion.fromComposite.toKeys(row, { strict: 'all' }),
  };
  context.readings.set(name, reading);
  return reading;
}

async function handleItem(context: ScanContext, item: Record<string, unknown>, mayHoldUnsafeNumbers: boolean): Promise<void> {
  const unparsed = async (reason: UnparsedReason, detail?: string) => {
    context.unparsedByReason.set(reason, (context.unparsedByReason.get(reason) ?? 0) + 1);
    const key = `${String(item[TABLE_KEYS.pk])}\u0000${String(item[TABLE_KEYS.sk])}`;
    await context.unparsedSorter.add(key, canonicalJson({ reason, detail, item: JSON.parse(rawItemJson(item)) as unknown }));
  };
  if (isRestoreMarker(item)) {
    // An import claimed the table after the export started: what follows is not a copy of anything.
    throw restoreInProgressError(context.tableName, markerOf(item), context.now(), 'Export stopped: ');
  }
  if (mayHoldUnsafeNumbers && containsUnsafeNumber(item)) return unparsed('UNSAFE_NUMBER');
  const entityName = item[ELECTRO_ENTITY_ATTRIBUTE];
  if (typeof entityName !== 'string' || typeof item[ELECTRO_VERSION_ATTRIBUTE] !== 'string') return unparsed('NOT_ELECTRODB_ITEM');
  if (!Object.hasOwn(context.registry, entityName) || !Object.hasOwn(context.service.entities, entityName)) {
    return unparsed('UNKNOWN_ENTITY', `entity "${entityName}"`);
  }
  const name = entityName as EntityName;
  const entry: EntityRegistryEntry = context.registry[name];
  const reading = context.readings.get(name) ?? readingFor(context, name);
  let row: Record<string, unknown> | null;
  try {
    row = reading.plain?.(item) ?? reading.parse(item);
  } catch (error) {
    return unparsed('PARSE_FAILED', (error as Error).message);
  }
  if (row === null) return unparsed('OWNERSHIP_MISMATCH', `entity "${entityName}" version "${String(item[ELECTRO_VERSION_ATTRIBUTE])}"`);
  const id = row[entry.primaryKey];
  if (typeof id !== 'string' || id.length === 0) return unparsed('MISSING_PRIMARY_KEY', entry.primaryKey);
  try {
    const Key = reading.tableKey(row);
    if (Key[TABLE_KEYS.pk] !== item[TABLE_KEYS.pk] || Key[TABLE_KEYS.sk] !== item[TABLE_KEYS.sk]) {
      return unparsed('KEY_MISMATCH', `expected ${String(Key[TABLE_KEYS.pk])} / ${String(Key[TABLE_KEYS.sk])}`);
    }
  } catch (error) {
    return unparsed('PARSE_FAILED', (error as Error).message);
  }
  if (entry.persistence !== 'durable') {
    context.omittedSeen.set(name, (context.omittedSeen.get(name) ?? 0) + 1);
    return;
  }
  const known = context.knownFields.get(name)!;
  for (const field of Object.keys(item)) {
    if (!known.has(field) && !STRUCTURAL_FIELDS.has(field)) {
      const key = `${name}.${field}`;
      context.droppedAttributes.set(key, (context.droppedAttributes.get(key) ?? 0) + 1);
    }
  }
  const redacted = context.redactor.apply(entry, row);
  await context.sorters.get(name)!.add(id, canonicalJson(redacted));
}

export async function exportExecutionData(options: ExportOptions): Promise<ExportResult> {
  const registry = options.registry ?? REGISTRY;
  const segments = options.segments ?? 4;
  const consistentRead = options.consistentRead ?? true;
  const redaction = options.redaction ?? 'none';
  const now = options.now ?? (() => new Date());
  const files = options.files ?? NODE_FILES;
  const { signal } = options;
  if (!Number.isInteger(segments) || segments < 1 || segments > 64) {
    throw new PortableExportError('INVALID_OPTIONS', `segments must be an integer from 1 to 64; got ${String(segments)}`, { field: 'segments' });
  }
  if (!REDACTION_PROFILES.includes(redaction)) {
    throw new PortableExportError('INVALID_OPTIONS', `redaction must be one of ${REDACTION_PROFILES.join(', ')}; got ${String(redaction)}`, {
      field: 'redaction',
    });
  }
  if (!options.tableName) throw new PortableExportError('INVALID_OPTIONS', 'tableName is required', { field: 'tableName' });
  signal?.throwIfAborted();
  // Nothing is written before the table is known to exist and to hold no restore in progress.
  await refuseRestoreInProgress(options.client, options.tableName, now);
  const durable = durableEntries(registry);
  const outDir = resolve(options.outDir);
  const willWrite = [...durable.map(exportFileName), UNPARSED_FILE, MANIFEST_FILE];
  const { created } = await prepareOutDir(outDir, options.overwrite ?? false, willWrite, files);
  const output = new ExportOutput(outDir, created, files);

  const started = Date.now();
  const report = createProgressReporter(options.progress, started);
  const service = createExecutionService(options.client, options.tableName);
  let unsafeNumbers = 0;
  const documentClient = DynamoDBDocumentClient.from(options.client, {
    unmarshallOptions: {
      wrapNumbers: (value: string) => {
        const n = toExactNumber(value);
        if (n instanceof UnsafeNumber) unsafeNumbers += 1;
        return n;
      },
    },
  });
  const pool = new SortPool(join(outDir, `.export-tmp-${randomBytes(4).toString('hex')}`), options.sortMemoryBytes, files);
  const context: ScanContext = {
    service,
    registry,
    sorters: new Map(durable.map((entry) => [entry.entity, pool.sorter(entry.exportName)])),
    unparsedSorter: pool.sorter('_unparsed'),
    unparsedByReason: new Map(),
    omittedSeen: new Map(),
    droppedAttributes: new Map(),
    knownFields: new Map(durable.map((entry) => [entry.entity, schemaFields(entry.entity)])),
    redactor: new Redactor(redaction),
    readings: new Map(),
    tableName: options.tableName,
    now,
  };

  let result: ExportResult;
  try {
    await pool.prepare();
    let scannedItems = 0;
    const scanStartedAt = now().toISOString();
    try {
      for await (const items of scanTable(documentClient, { tableName: options.tableName, segments, pageSize: options.pageSize, consistentRead, signal })) {
        // Pages are unmarshalled whole before they arrive here; only walk items when a marker was made.
        const mayHoldUnsafeNumbers = unsafeNumbers > 0;
        for (const item of items) await handleItem(context, item, mayHoldUnsafeNumbers);
        scannedItems += items.length;
        report('scan', scannedItems, 0);
      }
    } catch (error) {
      throw tableNotFound(error, options.tableName) ?? error;
    }
    const scanFinishedAt = now().toISOString();
    report('scan', scannedItems, 0, true);

    // Write the sorted entity files.
    let writtenRows = 0;
    const entities: Record<string, ManifestEntity> = {};
    for (const entry of durable) {
      const file = exportFileName(entry);
      const writer = await output.create(file);
      try {
        for await (const row of context.sorters.get(entry.entity)!.sorted()) {
          await writer.write(row.line);
          writtenRows += 1;
          report('write', scannedItems, writtenRows);
          if (writtenRows % 1024 === 0) signal?.throwIfAborted();
        }
      } catch (error) {
        await writer.abort();
        throw error;
      }
      const written = await writer.close();
      entities[entry.exportName] = { file, rows: written.lines, sha256: written.sha256, bytes: written.bytes, primary_key: entry.primaryKey };
    }

    const unparsedCount = [...context.unparsedByReason.values()].reduce((sum, n) => sum + n, 0);
    let unparsedSha: string | null = null;
    if (unparsedCount > 0) {
      const writer = await output.create(UNPARSED_FILE);
      try {
        for await (const row of context.unparsedSorter.sorted()) await writer.write(row.line);
      } catch (error) {
        await writer.abort();
        throw error;
      }
      unparsedSha = (await writer.close()).sha256;
    }

    const omitted: ManifestOmission[] = Object.values(registry)
      .filter((entry) => entry.persistence !== 'durable')
      .map((entry) => ({
        entity: entry.exportName,
        persistence: entry.persistence as 'ephemeral' | 'derived',
        reason: entry.omissionReason ?? entry.persistence,
        items_seen: context.omittedSeen.get(entry.entity) ?? 0,
      }));

    const manifest: ExportManifest = {
      schema_version: SCHEMA_VERSION,
      exported_at: now().toISOString(),
      source: {
        table_name: options.tableName,
        scanned_items: scannedItems,
        segments,
        consistent_read: consistentRead,
        scan_started_at: scanStartedAt,
        scan_finished_at: scanFinishedAt,
      },
      entities,
      redaction_profile: redaction,
      redactions: context.redactor.summary(durable),
      omitted_entities: omitted,
      unparsed: {
        count: unparsedCount,
        by_reason: Object.fromEntries(context.unparsedByReason),
        file: unparsedCount > 0 ? UNPARSED_FILE : null,
        sha256: unparsedSha,
      },
      dropped_attributes: Object.fromEntries(context.droppedAttributes),
    };
    signal?.throwIfAborted();
    // Last: a directory with a manifest is a finished export.
    const manifestWriter = await output.create(MANIFEST_FILE);
    await manifestWriter.write(canonicalJsonPretty(manifest).replace(/\n$/, ''));
    await manifestWriter.close();

    result = {
      outDir,
      manifestPath: manifestWriter.path,
      manifest,
      counts: Object.fromEntries(Object.entries(entities).map(([name, value]) => [name, value.rows])),
      scannedItems,
      unparsed: { count: unparsedCount, byReason: Object.fromEntries(context.unparsedByReason), file: unparsedCount > 0 ? join(outDir, UNPARSED_FILE) : null },
      omitted,
      sortSpills: pool.spills,
    };
  } catch (error) {
    await output.remove(pool);
    throw error;
  }
  // A leftover would show up as a stray file in the validation below.
  await pool.cleanup().catch(() => undefined);
  const writtenRows = Object.values(result.counts).reduce((sum, n) => sum + n, 0);
  if (options.validate ?? true) {
    report('validate', result.scannedItems, writtenRows, true);
    result.validation = await validateExport(outDir, { registry, files });
  }
  report('done', result.scannedItems, writtenRows, true);
  return result;
}
