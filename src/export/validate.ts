/**
 * validateExport: checks an export directory without touching any database.
 *
 * The steps, in order (each a function below):
 * 1. manifest: present, parseable, of the schema version this tool reads; its own summary
 *    (redaction profile, unparsed items, dropped attributes).
 * 2. checksums of the raw unparsed items, when there are any.
 * 3. files: every durable entity listed and its file present; nothing listed that is not one;
 *    no stray files beside them (a warning, or an error when named like an entity's file).
 * 4. rows: each entity file streamed once: one JSON object per line, no unknown fields, required
 *    fields present, every value against its column's rule (src/formats.ts, the same rule the
 *    entities and services apply), then the entity's own ElectroDB validation; the file's row
 *    count, SHA-256 and final newline against the manifest.
 * 5. uniqueness, during the same pass: duplicate IDs, sort order, unique columns.
 * 6. references: the files streamed again; every relationship ID (including each element of ID
 *    lists such as notification.dismissed_by) resolves to an exported row; optional references
 *    may be absent, never null.
 * Findings name the file, line and field. A file that cannot be read (permission denied, …) is a
 * typed error naming the path, not a finding.
 *
 * Memory: one ID set per referenced entity (user, bundle, template_instance, recurring_schedule,
 * task) and the set of user e-mails; other entities are checked for duplicates by adjacency,
 * which is exact because files must be sorted (an out-of-order row is itself a finding).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createEntities, type EntityName } from '../entities/index.js';
import { fileSystemError } from '../errors.js';
import { ruleMessage, type ValueRule } from '../formats.js';
import { NODE_FILES, isMissing, onPath, type ExportFiles } from './files.js';
import { readLines, sha256File, type LineReadSummary } from './lines.js';
import { MANIFEST_FILE, readManifestText, type ExportManifest } from './manifest.js';
import { REDACTION_PROFILES } from './redaction.js';
import { dataopsExportMessage } from '../migrate/detect.js';
import {
  REGISTRY,
  SCHEMA_VERSION,
  durableEntries,
  entryByExportName,
  exportFileName,
  foreignKeys,
  registryEntries,
  type ColumnSpec,
  type EntityRegistryEntry,
  type ExportRegistry,
  type ForeignKey,
} from './registry.js';

export const FINDING_CODES = [
  'MANIFEST_MISSING',
  'MANIFEST_INVALID',
  'SCHEMA_VERSION_UNSUPPORTED',
  'ENTITY_MISSING',
  'UNKNOWN_ENTITY',
  'FILE_MISSING',
  'STRAY_FILE',
  'CHECKSUM_MISMATCH',
  'COUNT_MISMATCH',
  'TRUNCATED_LINE',
  'INVALID_JSON',
  'INVALID_ROW',
  'UNKNOWN_FIELD',
  'REQUIRED_FIELD',
  'INVALID_TYPE',
  'INVALID_VALUE',
  'INVALID_ENUM',
  'INVALID_ID',
  'DUPLICATE_ID',
  'DUPLICATE_VALUE',
  'UNSORTED',
  'DANGLING_REFERENCE',
  'UNPARSED_ITEMS',
  'DROPPED_ATTRIBUTES',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/** error: the export is not valid (import refuses it). warning: worth a look, the export is still valid. */
export type FindingSeverity = 'error' | 'warning';

export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  /** File name inside the export directory (manifest.json for manifest-level findings). */
  file: string;
  /** 1-based line number, for row-level findings. */
  line?: number;
  field?: string;
  entity?: string;
  /** The row's primary ID, when known. */
  id?: string;
  message: string;
}

export interface ValidationResult {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  dir: string;
  manifest: ExportManifest | null;
  /** Rows read per entity file. */
  counts: Record<string, number>;
  /** At most maxFindings findings, in discovery order. */
  findings: Finding[];
  /** Every finding counted by code, including those beyond maxFindings. */
  findingCounts: Partial<Record<FindingCode, number>>;
  totalFindings: number;
  errors: number;
  warnings: number;
  truncated: boolean;
}

export interface ValidateOptions {
  registry?: ExportRegistry;
  /** Findings kept in `findings` (all are counted); default 1000. */
  maxFindings?: number;
  /** @internal The file operations (tests simulate a denied path). */
  files?: ExportFiles;
  /**
   * Receives the item ElectroDB built for each row its entity accepted (keys and index attributes
   * included), so the import writes exactly what was validated without building it again.
   */
  onItem?: (entity: EntityName, item: Record<string, unknown>) => void | Promise<void>;
}

/** One line for a terminal or a log: `tasks.jsonl:14 bundle_id: … [DANGLING_REFERENCE]`. */
export function formatFinding(finding: Finding): string {
  const where = `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ''}${finding.field ? ` ${finding.field}` : ''}`;
  return `${where}: ${finding.message} [${finding.code}${finding.severity === 'warning' ? ', warning' : ''}]`;
}

type NewFinding = Omit<Finding, 'severity'> & { severity?: FindingSeverity };

class FindingCollector {
  readonly findings: Finding[] = [];
  readonly counts: Partial<Record<FindingCode, number>> = {};
  total = 0;
  errors = 0;

  constructor(private readonly max: number) {}

  add(finding: NewFinding): void {
    const complete: Finding = { ...finding, severity: finding.severity ?? 'error' };
    this.total += 1;
    if (complete.severity === 'error') this.errors += 1;
    this.counts[complete.code] = (this.counts[complete.code] ?? 0) + 1;
    if (this.findings.length < this.max) this.findings.push(complete);
  }
}

/** What every step shares: where the export is, what it is checked against, and what was found. */
interface Validation {
  root: string;
  registry: ExportRegistry;
  files: ExportFiles;
  collector: FindingCollector;
  counts: Record<string, number>;
  onItem?: ValidateOptions['onItem'];
}

interface EntityFile {
  entry: EntityRegistryEntry;
  file: string;
  path: string;
  readable: boolean;
}

const describe = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

export async function validateExport(dir: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const validation: Validation = {
    root: resolve(dir),
    registry: options.registry ?? REGISTRY,
    files: options.files ?? NODE_FILES,
    collector: new FindingCollector(options.maxFindings ?? 1000),
    counts: {},
    onItem: options.onItem,
  };
  await requireDirectory(validation.root);
  const manifest = await readManifest(validation);
  if (manifest && checkSchemaVersion(validation, manifest)) {
    checkManifestSummary(validation, manifest);
    await checkUnparsedChecksum(validation, manifest);
    checkDroppedAttributes(validation, manifest);
    const files = await listEntityFiles(validation, manifest);
    await reportStrayFiles(validation, manifest);
    const ids = new ReferencedIds(validation.registry);
    for (const entityFile of files) if (entityFile.readable) await checkRows(validation, manifest, entityFile, ids);
    await checkReferences(validation, files, ids);
  }
  return resultOf(validation, manifest);
}

function resultOf(validation: Validation, manifest: ExportManifest | null): ValidationResult {
  const { collector } = validation;
  return {
    ok: collector.errors === 0,
    dir: validation.root,
    manifest,
    counts: validation.counts,
    findings: collector.findings,
    findingCounts: collector.counts,
    totalFindings: collector.total,
    errors: collector.errors,
    warnings: collector.total - collector.errors,
    truncated: collector.total > collector.findings.length,
  };
}

/** A directory that does not exist (or is not one) is a typed error, not a finding: there is nothing to validate. */
async function requireDirectory(root: string): Promise<void> {
  const info = await onPath(root, 'read the export directory', () => stat(root));
  if (!info.isDirectory()) throw fileSystemError(Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' }), root, 'read the export directory');
}

// ---- 1. manifest

async function readManifest(validation: Validation): Promise<ExportManifest | null> {
  const { root, collector } = validation;
  let text: string;
  try {
    text = await readManifestText(root, validation.files);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    if ((cause as NodeJS.ErrnoException).code === 'EISDIR') {
      collector.add({ code: 'MANIFEST_INVALID', file: MANIFEST_FILE, message: `${MANIFEST_FILE} in ${root} is a directory, not a manifest` });
      return null;
    }
    if (!isMissing(cause)) throw error;
    collector.add({ code: 'MANIFEST_MISSING', file: MANIFEST_FILE, message: `${MANIFEST_FILE} not found in ${root}: not an export, or an export that did not finish` });
    return null;
  }
  // A DataOps v1 export (another format under a similar name) is pointed at `exstate migrate`.
  const foreign = dataopsExportMessage(text, root);
  if (foreign) {
    collector.add({ code: 'SCHEMA_VERSION_UNSUPPORTED', file: MANIFEST_FILE, field: 'schema_version', message: foreign });
    return null;
  }
  try {
    const manifest = JSON.parse(text) as ExportManifest;
    if (manifest === null || typeof manifest !== 'object' || typeof manifest.entities !== 'object' || manifest.entities === null) {
      throw new Error('missing "entities"');
    }
    return manifest;
  } catch (error) {
    collector.add({ code: 'MANIFEST_INVALID', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is not a valid manifest: ${(error as Error).message}` });
    return null;
  }
}

/** False (and a finding) when this tool cannot read the export's format at all. */
function checkSchemaVersion(validation: Validation, manifest: ExportManifest): boolean {
  if (manifest.schema_version === SCHEMA_VERSION) return true;
  validation.collector.add({
    code: 'SCHEMA_VERSION_UNSUPPORTED',
    file: MANIFEST_FILE,
    field: 'schema_version',
    message: `schema_version is ${describe(manifest.schema_version)}; this tool reads ${SCHEMA_VERSION}`,
  });
  return false;
}

function checkManifestSummary(validation: Validation, manifest: ExportManifest): void {
  const { collector } = validation;
  if (!REDACTION_PROFILES.includes(manifest.redaction_profile)) {
    collector.add({ code: 'MANIFEST_INVALID', file: MANIFEST_FILE, field: 'redaction_profile', message: `unknown redaction_profile ${describe(manifest.redaction_profile)}` });
  }
  if ((manifest.unparsed?.count ?? 0) > 0) {
    collector.add({
      code: 'UNPARSED_ITEMS',
      file: MANIFEST_FILE,
      field: 'unparsed',
      message: `${manifest.unparsed.count} table item(s) could not be parsed (${describe(manifest.unparsed.by_reason)}) and are not in the entity files; they are kept raw in ${manifest.unparsed.file ?? '(no file)'}`,
    });
  }
}

function checkDroppedAttributes(validation: Validation, manifest: ExportManifest): void {
  const dropped = Object.entries(manifest.dropped_attributes ?? {});
  if (dropped.length === 0) return;
  validation.collector.add({
    code: 'DROPPED_ATTRIBUTES',
    file: MANIFEST_FILE,
    field: 'dropped_attributes',
    message: `stored attributes outside the entity schemas were not exported: ${dropped.map(([name, n]) => `${name} (${n})`).join(', ')}`,
  });
}

// ---- 2. checksums (the raw unparsed items; entity files are checked while their rows stream by)

async function checkUnparsedChecksum(validation: Validation, manifest: ExportManifest): Promise<void> {
  const file = manifest.unparsed?.file;
  if (file) {
    const path = join(validation.root, file);
    if (!(await isFile(path))) {
      validation.collector.add({ code: 'FILE_MISSING', file, message: `${file} (the raw unparsed items) is missing` });
    } else if ((await sha256File(path, validation.files)) !== manifest.unparsed.sha256) {
      validation.collector.add({ code: 'CHECKSUM_MISMATCH', file, message: `${file} does not match its manifest checksum` });
    }
  }
}

/** Whether `path` is a file; a path that cannot be examined (permission denied, …) is a typed error. */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw fileSystemError(error, path, 'read');
  }
}

// ---- 3. files

async function listEntityFiles(validation: Validation, manifest: ExportManifest): Promise<EntityFile[]> {
  const { collector, registry, root } = validation;
  for (const name of Object.keys(manifest.entities)) {
    const entry = entryByExportName(name, registry);
    if (!entry || entry.persistence !== 'durable') {
      collector.add({ code: 'UNKNOWN_ENTITY', file: MANIFEST_FILE, field: `entities.${name}`, message: `manifest lists "${name}", which is not a durable entity of ${SCHEMA_VERSION}` });
    }
  }
  const files: EntityFile[] = [];
  for (const entry of durableEntries(registry)) {
    const listed = manifest.entities[entry.exportName];
    if (!listed) {
      collector.add({ code: 'ENTITY_MISSING', file: MANIFEST_FILE, field: `entities.${entry.exportName}`, message: `manifest has no entry for entity "${entry.exportName}"` });
      continue;
    }
    const file = listed.file;
    const path = join(root, file);
    const readable = isPlainFileName(file) && (await isFile(path));
    if (!readable) collector.add({ code: 'FILE_MISSING', file: String(file), entity: entry.exportName, message: `${String(file)} (entity ${entry.exportName}) is missing` });
    files.push({ entry, file, path, readable });
  }
  return files;
}

/** A name inside the export directory itself (the manifest may only list files there). */
export function isPlainFileName(file: unknown): file is string {
  return typeof file === 'string' && file.length > 0 && file !== '.' && file !== '..' && !file.includes('/') && !file.includes('\\');
}

/** The files a manifest lists: its entity files and the raw unparsed items. */
export function manifestFiles(manifest: ExportManifest): string[] {
  const listed = Object.values(manifest.entities ?? {}).map((entity) => entity?.file);
  if (manifest.unparsed?.file) listed.push(manifest.unparsed.file);
  return listed.filter(isPlainFileName);
}

/**
 * Everything in the directory the manifest does not list. A file named like an entity's export
 * file (sessions.jsonl for an omitted entity, tasks.jsonl when tasks are listed under another
 * name) is an error: someone may believe it is part of the export. Anything else is a warning.
 */
async function reportStrayFiles(validation: Validation, manifest: ExportManifest): Promise<void> {
  const names = await onPath(validation.root, 'read the export directory', () => readdir(validation.root));
  // The file of an entity the manifest does not list at all is reported as ENTITY_MISSING already.
  const unlisted = durableEntries(validation.registry).filter((entry) => !manifest.entities[entry.exportName]).map(exportFileName);
  const expected = new Set([MANIFEST_FILE, ...manifestFiles(manifest), ...unlisted]);
  const entityFileNames = new Map(registryEntries(validation.registry).map((entry) => [exportFileName(entry), entry]));
  for (const name of names.sort()) {
    if (expected.has(name)) continue;
    const entry = entityFileNames.get(name);
    validation.collector.add(
      entry
        ? {
            code: 'STRAY_FILE',
            file: name,
            entity: entry.exportName,
            message: `${name} is named like the ${entry.exportName} file but the manifest does not list it: it is not part of this export and is neither validated nor imported${entry.persistence === 'durable' ? '' : ` (${entry.exportName} are ${entry.persistence}, never exported)`}; remove it`,
          }
        : {
            code: 'STRAY_FILE',
            severity: 'warning',
            file: name,
            message: `${name} is not listed in the manifest: it is not part of this export and is neither validated nor imported`,
          },
    );
  }
}

// ---- 4. rows (with 5. uniqueness)

type ValidatingEntity = { put(row: Record<string, unknown>): { params(): { Item: Record<string, unknown> } } };

let validatingEntities: Record<EntityName, ValidatingEntity> | undefined;

/** The entities, for their own validation (no client: `params()` never sends anything). */
function entitiesForValidation(): Record<EntityName, ValidatingEntity> {
  validatingEntities ??= createEntities({ table: '__export_validation__' }) as unknown as Record<EntityName, ValidatingEntity>;
  return validatingEntities;
}

type RowFinding = Omit<NewFinding, 'file' | 'line' | 'entity' | 'id'>;

async function checkRows(validation: Validation, manifest: ExportManifest, entityFile: EntityFile, ids: ReferencedIds): Promise<void> {
  const { entry, file } = entityFile;
  const { collector } = validation;
  const columns = new Map(entry.columns.map((spec) => [spec.name, spec]));
  const uniqueness = new Uniqueness(entry, ids.of(entry.entity));
  const summary: Partial<LineReadSummary> = {};
  let rows = 0;
  for await (const { line, lineNumber } of readLines(entityFile.path, summary, validation.files)) {
    rows += 1;
    const at = { file, line: lineNumber, entity: entry.exportName };
    const record = parseRow(line, (finding) => collector.add({ ...at, ...finding }));
    if (!record) continue;
    const rawId = record[entry.primaryKey];
    const id = typeof rawId === 'string' ? rawId : undefined;
    let rowFindings = 0;
    const add = (finding: RowFinding) => {
      rowFindings += 1;
      collector.add({ ...at, id, ...finding });
    };
    checkFields(entry, columns, record, add);
    uniqueness.check(record, id, lineNumber, add);
    if (rowFindings !== 0) continue;
    const item = checkWithEntity(entry, record, add);
    // Outside the check: a failure of the receiver is not a finding about the row.
    if (item && validation.onItem) await validation.onItem(entry.entity, item);
  }
  validation.counts[entry.exportName] = rows;
  checkFileSummary(validation, entityFile, manifest.entities[entry.exportName]!, summary, rows);
}

/** A row's problems exactly as the validator reports them (fields and rules; when none, the entity's own validation). */
export interface RowProblem {
  code: FindingCode;
  field?: string;
  message: string;
}

/** Checks one row outside a file (e.g. a migration's mapped row) with the validator's own steps. */
export function rowProblems(entry: EntityRegistryEntry, record: Record<string, unknown>): RowProblem[] {
  const problems: RowProblem[] = [];
  const add = (finding: RowFinding) => problems.push({ code: finding.code, field: finding.field, message: finding.message });
  checkFields(entry, new Map(entry.columns.map((spec) => [spec.name, spec])), record, add);
  if (problems.length === 0) checkWithEntity(entry, record, add);
  return problems;
}

/** The row as an object, or undefined (and a finding) when the line is not one. */
function parseRow(line: string, add: (finding: RowFinding) => void): Record<string, unknown> | undefined {
  if (line.length === 0) {
    add({ code: 'INVALID_JSON', message: 'empty line (one JSON object per line expected)' });
    return undefined;
  }
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    add({ code: 'INVALID_JSON', message: `not valid JSON (${(error as Error).message}): corrupted or truncated line` });
    return undefined;
  }
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    add({ code: 'INVALID_ROW', message: `expected a JSON object; got ${describe(row)}` });
    return undefined;
  }
  return row as Record<string, unknown>;
}

/** Unknown fields, then every column: present when required, never null, of its type and rule. */
function checkFields(entry: EntityRegistryEntry, columns: Map<string, ColumnSpec>, record: Record<string, unknown>, add: (finding: RowFinding) => void): void {
  for (const key of Object.keys(record)) {
    if (!columns.has(key)) add({ code: 'UNKNOWN_FIELD', field: key, message: `field "${key}" is not a column of ${entry.exportName}` });
  }
  for (const spec of entry.columns) {
    const value = record[spec.name];
    if (value === undefined) {
      if (spec.required) add({ code: 'REQUIRED_FIELD', field: spec.name, message: `required field "${spec.name}" is missing` });
      continue;
    }
    if (value === null) {
      add(
        spec.required
          ? { code: 'REQUIRED_FIELD', field: spec.name, message: `required field "${spec.name}" is null` }
          : { code: 'INVALID_TYPE', field: spec.name, message: `"${spec.name}" is null: absent optional fields are omitted, never null` },
      );
      continue;
    }
    const problem = checkColumnValue(spec, value);
    if (problem) add({ code: problem[0], field: spec.name, message: problem[1] });
  }
}

/** The JSON shape each column type has (a value of another shape is INVALID_TYPE, whatever its rule says). */
function hasShape(spec: ColumnSpec, value: unknown): boolean {
  switch (spec.type) {
    case 'id':
    case 'ref':
    case 'text':
    case 'enum':
    case 'timestamp':
    case 'date':
      return typeof value === 'string';
    case 'integer':
    case 'epoch_seconds':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'ref_list':
    case 'text_list':
      return Array.isArray(value) && value.every((element) => typeof element === 'string');
    case 'json':
      return true;
  }
}

const SHAPE_EXPECTED: Record<ColumnSpec['type'], string> = {
  id: 'a string ID',
  ref: 'an ID string',
  text: 'a string',
  enum: 'a string',
  timestamp: 'a string',
  date: 'a string',
  integer: 'an integer',
  epoch_seconds: 'an integer',
  boolean: 'true or false',
  ref_list: 'a list of ID strings',
  text_list: 'a list of strings',
  json: 'JSON',
};

/** Checks one present, non-null value against its column's type and rule; returns [code, message] or null. */
function checkColumnValue(spec: ColumnSpec, value: unknown): [FindingCode, string] | null {
  const field = `"${spec.name}"`;
  if (spec.type === 'enum') {
    return typeof value === 'string' && spec.enumValues!.includes(value) ? null : ['INVALID_ENUM', `${field} must be one of ${spec.enumValues!.join(', ')}; got ${describe(value)}`];
  }
  if (!hasShape(spec, value)) return ['INVALID_TYPE', `${field} must be ${SHAPE_EXPECTED[spec.type]}; got ${describe(value)}`];
  const isIdColumn = spec.type === 'id' || spec.type === 'ref' || spec.type === 'ref_list';
  const code: FindingCode = isIdColumn ? 'INVALID_ID' : 'INVALID_VALUE';
  if (spec.itemRule && Array.isArray(value)) {
    const bad = value.findIndex((element) => !spec.itemRule!.test(element));
    if (bad !== -1) return [code, ruleMessage(spec.itemRule, `${field} element ${bad}`, value[bad])];
  }
  if (spec.rule && !spec.rule.test(value)) return [code, ruleMessage(spec.rule as ValueRule<unknown>, field, value)];
  if (!spec.rule && spec.type === 'text' && value === '') return ['INVALID_VALUE', `${field} must not be empty`];
  return null;
}

/** The entity's own ElectroDB validation, exactly what a write through the store enforces: the item it builds, or undefined (and a finding). */
function checkWithEntity(entry: EntityRegistryEntry, record: Record<string, unknown>, add: (finding: RowFinding) => void): Record<string, unknown> | undefined {
  try {
    return entitiesForValidation()[entry.entity].put(record).params().Item;
  } catch (error) {
    const electro = error as { fields?: { field?: string }[]; field?: string; _message?: string; message?: string };
    const field = electro.field ?? electro.fields?.find((candidate) => candidate.field)?.field;
    const message = (electro._message ?? electro.message ?? 'invalid').replace(/ - For more detail on this error reference: .*$/, '');
    add({ code: 'INVALID_VALUE', field, message: `rejected by the ${entry.entity} entity${field ? ` (${field})` : ''}: ${message}` });
    return undefined;
  }
}

/** The file as a whole against its manifest entry: a cut-off last line, the row count, the SHA-256. */
function checkFileSummary(
  validation: Validation,
  entityFile: EntityFile,
  listed: ExportManifest['entities'][string],
  summary: Partial<LineReadSummary>,
  rows: number,
): void {
  const { collector } = validation;
  const at = { file: entityFile.file, entity: entityFile.entry.exportName };
  if (summary.unterminatedLastLine) collector.add({ ...at, line: summary.lines, code: 'TRUNCATED_LINE', message: 'the last line has no newline: the file was cut off' });
  if (listed.rows !== rows) collector.add({ ...at, code: 'COUNT_MISMATCH', message: `manifest says ${describe(listed.rows)} rows, the file has ${rows}` });
  if (listed.sha256 !== summary.sha256) {
    collector.add({ ...at, code: 'CHECKSUM_MISMATCH', message: `SHA-256 is ${summary.sha256}, manifest says ${describe(listed.sha256)}: the file changed after the export` });
  }
}

/** The IDs of every entity something refers to, by entity, with the line each was first seen on. */
class ReferencedIds {
  private readonly byEntity = new Map<EntityName, Map<string, number>>();

  constructor(registry: ExportRegistry) {
    for (const entry of durableEntries(registry)) {
      for (const fk of foreignKeys(entry)) if (!this.byEntity.has(fk.references)) this.byEntity.set(fk.references, new Map());
    }
  }

  /** The ID set of `entity`, when anything refers to it. */
  of(entity: EntityName): Map<string, number> | undefined {
    return this.byEntity.get(entity);
  }
}

/** 5. uniqueness: duplicate IDs (by set, or by adjacency in a sorted file), sort order, unique columns. */
class Uniqueness {
  private previousId: string | undefined;
  private previousLine = 0;
  private readonly uniques: { columns: readonly string[]; seen: Map<string, number> }[];

  constructor(
    private readonly entry: EntityRegistryEntry,
    private readonly ids: Map<string, number> | undefined,
  ) {
    this.uniques = entry.uniqueColumns.map((columns) => ({ columns, seen: new Map() }));
  }

  check(record: Record<string, unknown>, id: string | undefined, line: number, add: (finding: RowFinding) => void): void {
    const key = this.entry.primaryKey;
    if (id !== undefined) {
      if (this.ids) {
        const first = this.ids.get(id);
        if (first !== undefined) add({ code: 'DUPLICATE_ID', field: key, message: `${key} ${id} already appears on line ${first}` });
        else this.ids.set(id, line);
      } else if (this.previousId === id) {
        add({ code: 'DUPLICATE_ID', field: key, message: `${key} ${id} already appears on line ${this.previousLine}` });
      }
      if (this.previousId !== undefined && id < this.previousId) {
        add({ code: 'UNSORTED', field: key, message: `rows must be sorted by ${key}: ${id} comes after ${this.previousId} (line ${this.previousLine})` });
      }
      this.previousId = id;
      this.previousLine = line;
    }
    for (const unique of this.uniques) {
      const values = unique.columns.map((name) => record[name]);
      if (values.some((value) => value === undefined || value === null)) continue;
      const valueKey = JSON.stringify(values);
      const first = unique.seen.get(valueKey);
      if (first !== undefined) {
        add({ code: 'DUPLICATE_VALUE', field: unique.columns.join(','), message: `${unique.columns.join(', ')} ${describe(values.length === 1 ? values[0] : values)} already used on line ${first}` });
      } else unique.seen.set(valueKey, line);
    }
  }
}

// ---- 6. references

async function checkReferences(validation: Validation, files: EntityFile[], ids: ReferencedIds): Promise<void> {
  const missingTargets = new Set(durableEntries(validation.registry).filter((entry) => !files.some((candidate) => candidate.entry === entry && candidate.readable)).map((entry) => entry.entity));
  for (const entityFile of files) {
    // A missing target file is reported already: references to it are not checked against nothing.
    const checked = foreignKeys(entityFile.entry).filter((fk) => !missingTargets.has(fk.references));
    if (!entityFile.readable || checked.length === 0) continue;
    for await (const { line, lineNumber } of readLines(entityFile.path, undefined, validation.files)) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // reported with the rows
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
      for (const fk of checked) checkReference(validation, entityFile, record, lineNumber, fk, ids.of(fk.references)!);
    }
  }
}

function checkReference(validation: Validation, entityFile: EntityFile, record: Record<string, unknown>, line: number, fk: ForeignKey, targets: Map<string, number>): void {
  const value = record[fk.column];
  if (value === undefined || value === null) return; // required-ness is checked with the rows
  const { entry } = entityFile;
  const id = typeof record[entry.primaryKey] === 'string' ? (record[entry.primaryKey] as string) : undefined;
  const spec = entry.columns.find((candidate) => candidate.name === fk.column)!;
  const values = fk.many ? (Array.isArray(value) ? value : []) : [value];
  values.forEach((target, index) => {
    // A malformed ID is reported as INVALID_ID with the rows, not again as dangling.
    const wellFormed = (fk.many ? spec.itemRule : spec.rule)?.test(target) ?? typeof target === 'string';
    if (typeof target !== 'string' || targets.has(target) || !wellFormed) return;
    const field = fk.many ? `${fk.column}[${index}]` : fk.column;
    validation.collector.add({
      file: entityFile.file,
      line,
      entity: entry.exportName,
      id,
      field,
      code: 'DANGLING_REFERENCE',
      message: `${field} ${target} does not resolve to any exported ${fk.references}`,
    });
  });
}
