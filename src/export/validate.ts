/**
 * validateExport: checks an export directory without touching any database.
 *
 * Pass 1 streams every entity file once: SHA-256 and row count against the manifest, one JSON
 * object per line, no unknown fields, required fields present, types, enum values, ID formats,
 * duplicate IDs, sort order, unique columns, and finally the entity's own ElectroDB validation
 * (exactly what the import would enforce). It keeps the IDs of entities that are referenced.
 * Pass 2 streams the files again and checks that every relationship ID (including each element of
 * ID lists such as notification.dismissed_by) resolves to an exported row; optional references
 * may be absent, never null. Findings name the file, line and field.
 *
 * Memory: one ID set per referenced entity (user, bundle, template_instance, recurring_schedule,
 * task) and the set of user e-mails; other entities are checked for duplicates by adjacency,
 * which is exact because files must be sorted (an out-of-order row is itself a finding).
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Service } from 'electrodb';
import { createEntities, type EntityName } from '../entities/index.js';
import { isCalendarDate, isIsoTimestamp } from '../entities/attributes.js';
import { ID_PATTERNS, type IdKind } from '../ids.js';
import { readLines, sha256File, type LineReadSummary } from './lines.js';
import { MANIFEST_FILE, readManifestText, type ExportManifest } from './manifest.js';
import { REDACTION_PROFILES } from './redaction.js';
import { dataopsExportMessage } from '../migrate/detect.js';
import { REGISTRY, SCHEMA_VERSION, durableEntries, entryByExportName, type ColumnSpec, type EntityRegistryEntry, type ExportRegistry } from './registry.js';

export const FINDING_CODES = [
  'MANIFEST_MISSING',
  'MANIFEST_INVALID',
  'SCHEMA_VERSION_UNSUPPORTED',
  'ENTITY_MISSING',
  'UNKNOWN_ENTITY',
  'FILE_MISSING',
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

export interface Finding {
  code: FindingCode;
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
  truncated: boolean;
}

export interface ValidateOptions {
  registry?: ExportRegistry;
  /** Findings kept in `findings` (all are counted); default 1000. */
  maxFindings?: number;
}

/** One line for a terminal or a log: `tasks.jsonl:14 bundle_id: … [DANGLING_REFERENCE]`. */
export function formatFinding(finding: Finding): string {
  const where = `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ''}${finding.field ? ` ${finding.field}` : ''}`;
  return `${where}: ${finding.message} [${finding.code}]`;
}

class FindingCollector {
  readonly findings: Finding[] = [];
  readonly counts: Partial<Record<FindingCode, number>> = {};
  total = 0;

  constructor(private readonly max: number) {}

  add(finding: Finding): void {
    this.total += 1;
    this.counts[finding.code] = (this.counts[finding.code] ?? 0) + 1;
    if (this.findings.length < this.max) this.findings.push(finding);
  }
}

const describe = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

function idPattern(entity: EntityName): RegExp | undefined {
  return (ID_PATTERNS as Record<string, RegExp>)[entity as IdKind];
}

/** Checks one present, non-null value against its column; returns [code, message] or null. */
function checkValue(column: ColumnSpec, value: unknown): [FindingCode, string] | null {
  const isString = typeof value === 'string';
  switch (column.type) {
    case 'id':
      if (!isString) return ['INVALID_TYPE', `must be a string ID; got ${describe(value)}`];
      return column.pattern && !column.pattern.test(value) ? ['INVALID_ID', `is not a valid ID (${column.pattern.source}); got ${describe(value)}`] : null;
    case 'ref': {
      if (!isString) return ['INVALID_TYPE', `must be a ${column.references} ID string; got ${describe(value)}`];
      const pattern = idPattern(column.references!);
      return pattern && !pattern.test(value) ? ['INVALID_ID', `must be a ${column.references} ID; got ${describe(value)}`] : null;
    }
    case 'ref_list': {
      if (!Array.isArray(value)) return ['INVALID_TYPE', `must be a list of ${column.references} IDs; got ${describe(value)}`];
      const pattern = idPattern(column.references!);
      const bad = value.findIndex((element) => typeof element !== 'string' || (pattern !== undefined && !pattern.test(element)));
      return bad === -1 ? null : ['INVALID_ID', `element ${bad} must be a ${column.references} ID; got ${describe(value[bad])}`];
    }
    case 'text':
      if (!isString) return ['INVALID_TYPE', `must be a string; got ${describe(value)}`];
      return value.length === 0 ? ['INVALID_VALUE', 'must not be empty'] : null;
    case 'enum':
      if (!isString || !column.enumValues!.includes(value)) return ['INVALID_ENUM', `must be one of ${column.enumValues!.join(', ')}; got ${describe(value)}`];
      return null;
    case 'timestamp':
      return isIsoTimestamp(value) ? null : ['INVALID_VALUE', `must be an ISO-8601 UTC timestamp with milliseconds; got ${describe(value)}`];
    case 'date':
      return isCalendarDate(value) ? null : ['INVALID_VALUE', `must be a calendar date YYYY-MM-DD; got ${describe(value)}`];
    case 'integer':
    case 'epoch_seconds':
      return Number.isInteger(value) ? null : ['INVALID_TYPE', `must be an integer; got ${describe(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? null : ['INVALID_TYPE', `must be true or false; got ${describe(value)}`];
    case 'text_list':
      return Array.isArray(value) && value.every((element) => typeof element === 'string') ? null : ['INVALID_TYPE', `must be a list of strings; got ${describe(value)}`];
    case 'json':
      return null;
  }
}

interface EntityFileState {
  entry: EntityRegistryEntry;
  file: string;
  path: string;
  readable: boolean;
}

type ValidatingEntity = { put(row: Record<string, unknown>): { params(): unknown } };

function electroFinding(error: unknown): { field?: string; message: string } {
  const electro = error as { fields?: { field?: string; reason?: string }[]; field?: string; _message?: string; message?: string };
  const field = electro.field ?? electro.fields?.find((candidate) => candidate.field)?.field;
  const message = (electro._message ?? electro.message ?? 'invalid').replace(/ - For more detail on this error reference: .*$/, '');
  return { field, message };
}

export type RowProblem = Pick<Finding, 'code' | 'field' | 'message'>;

/** One row against its registry entry: unknown fields, required fields, types, enum values and ID formats. */
export function rowProblems(entry: EntityRegistryEntry, record: Record<string, unknown>): RowProblem[] {
  const problems: RowProblem[] = [];
  const add = (problem: RowProblem) => problems.push(problem);
  const columns = new Set(entry.columns.map((column) => column.name));
  for (const key of Object.keys(record)) {
    if (!columns.has(key)) add({ code: 'UNKNOWN_FIELD', field: key, message: `field "${key}" is not a column of ${entry.exportName}` });
  }
  for (const column of entry.columns) {
    const value = record[column.name];
    if (value === undefined) {
      if (column.required) add({ code: 'REQUIRED_FIELD', field: column.name, message: `required field "${column.name}" is missing` });
      continue;
    }
    if (value === null) {
      add(
        column.required
          ? { code: 'REQUIRED_FIELD', field: column.name, message: `required field "${column.name}" is null` }
          : { code: 'INVALID_TYPE', field: column.name, message: `"${column.name}" is null: absent optional fields are omitted, never null` },
      );
      continue;
    }
    const problem = checkValue(column, value);
    if (problem) add({ code: problem[0], field: column.name, message: `"${column.name}" ${problem[1]}` });
  }
  return problems;
}

export type RowValidator = Record<EntityName, ValidatingEntity>;

/** The ElectroDB entities, for checking rows exactly as the import would write them (no table is touched). */
export function createRowValidator(): RowValidator {
  return new Service(createEntities(), { table: '__export_validation__' }).entities as unknown as Record<EntityName, ValidatingEntity>;
}

/** The entity's own validation of a row that passed rowProblems: null when ElectroDB accepts it. */
export function entityProblem(validating: RowValidator, entry: EntityRegistryEntry, record: Record<string, unknown>): RowProblem | null {
  try {
    validating[entry.entity].put(record).params();
    return null;
  } catch (error) {
    const { field, message } = electroFinding(error);
    return { code: 'INVALID_VALUE', field, message: `rejected by the ${entry.entity} entity${field ? ` (${field})` : ''}: ${message}` };
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function validateExport(dir: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const registry = options.registry ?? REGISTRY;
  const root = resolve(dir);
  const collector = new FindingCollector(options.maxFindings ?? 1000);
  const counts: Record<string, number> = {};
  const done = (manifest: ExportManifest | null): ValidationResult => ({
    ok: collector.total === 0,
    dir: root,
    manifest,
    counts,
    findings: collector.findings,
    findingCounts: collector.counts,
    totalFindings: collector.total,
    truncated: collector.total > collector.findings.length,
  });

  // ---- manifest
  let manifestText: string;
  try {
    manifestText = await readManifestText(root);
  } catch {
    collector.add({ code: 'MANIFEST_MISSING', file: MANIFEST_FILE, message: `${MANIFEST_FILE} not found in ${root}: not an export, or an export that did not finish` });
    return done(null);
  }
  const foreign = dataopsExportMessage(manifestText, root);
  if (foreign) {
    collector.add({ code: 'SCHEMA_VERSION_UNSUPPORTED', file: MANIFEST_FILE, field: 'schema_version', message: foreign });
    return done(null);
  }
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(manifestText) as ExportManifest;
    if (manifest === null || typeof manifest !== 'object' || typeof manifest.entities !== 'object' || manifest.entities === null) {
      throw new Error('missing "entities"');
    }
  } catch (error) {
    collector.add({ code: 'MANIFEST_INVALID', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is not a valid manifest: ${(error as Error).message}` });
    return done(null);
  }
  if (manifest.schema_version !== SCHEMA_VERSION) {
    collector.add({
      code: 'SCHEMA_VERSION_UNSUPPORTED',
      file: MANIFEST_FILE,
      field: 'schema_version',
      message: `schema_version is ${describe(manifest.schema_version)}; this tool reads ${SCHEMA_VERSION}`,
    });
    return done(manifest);
  }
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
  if (manifest.unparsed?.file) {
    const unparsedPath = join(root, manifest.unparsed.file);
    if (!(await exists(unparsedPath))) {
      collector.add({ code: 'FILE_MISSING', file: manifest.unparsed.file, message: `${manifest.unparsed.file} (the raw unparsed items) is missing` });
    } else if ((await sha256File(unparsedPath)) !== manifest.unparsed.sha256) {
      collector.add({ code: 'CHECKSUM_MISMATCH', file: manifest.unparsed.file, message: `${manifest.unparsed.file} does not match its manifest checksum` });
    }
  }
  const dropped = Object.entries(manifest.dropped_attributes ?? {});
  if (dropped.length > 0) {
    collector.add({
      code: 'DROPPED_ATTRIBUTES',
      file: MANIFEST_FILE,
      field: 'dropped_attributes',
      message: `stored attributes outside the entity schemas were not exported: ${dropped.map(([name, n]) => `${name} (${n})`).join(', ')}`,
    });
  }

  const durable = durableEntries(registry);
  for (const name of Object.keys(manifest.entities)) {
    const entry = entryByExportName(name, registry);
    if (!entry || entry.persistence !== 'durable') {
      collector.add({ code: 'UNKNOWN_ENTITY', file: MANIFEST_FILE, field: `entities.${name}`, message: `manifest lists "${name}", which is not a durable entity of ${SCHEMA_VERSION}` });
    }
  }
  const files: EntityFileState[] = [];
  for (const entry of durable) {
    const listed = manifest.entities[entry.exportName];
    if (!listed) {
      collector.add({ code: 'ENTITY_MISSING', file: MANIFEST_FILE, field: `entities.${entry.exportName}`, message: `manifest has no entry for entity "${entry.exportName}"` });
      continue;
    }
    const file = listed.file;
    const path = join(root, file);
    const readable = typeof file === 'string' && !file.includes('/') && !file.includes('\\') && (await exists(path));
    if (!readable) collector.add({ code: 'FILE_MISSING', file: String(file), entity: entry.exportName, message: `${String(file)} (entity ${entry.exportName}) is missing` });
    files.push({ entry, file, path, readable });
  }

  // ---- pass 1: rows
  const referenced = new Set<EntityName>(durable.flatMap((entry) => entry.foreignKeys.map((fk) => fk.references)));
  const idSets = new Map<EntityName, Map<string, number>>();
  for (const entity of referenced) idSets.set(entity, new Map());
  const validating = createRowValidator();

  for (const state of files) {
    if (!state.readable) continue;
    const { entry, file } = state;
    const ids = idSets.get(entry.entity);
    const uniques = entry.uniqueColumns.map((set) => ({ columns: set, seen: new Map<string, number>() }));
    const summary: Partial<LineReadSummary> = {};
    let rows = 0;
    let previousId: string | undefined;
    let previousLine = 0;
    for await (const { line, lineNumber } of readLines(state.path, summary)) {
      rows += 1;
      const at = { file, line: lineNumber, entity: entry.exportName };
      if (line.length === 0) {
        collector.add({ ...at, code: 'INVALID_JSON', message: 'empty line (one JSON object per line expected)' });
        continue;
      }
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        collector.add({ ...at, code: 'INVALID_JSON', message: `not valid JSON (${(error as Error).message}): corrupted or truncated line` });
        continue;
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        collector.add({ ...at, code: 'INVALID_ROW', message: `expected a JSON object; got ${describe(row)}` });
        continue;
      }
      const record = row as Record<string, unknown>;
      const rawId = record[entry.primaryKey];
      const id = typeof rawId === 'string' ? rawId : undefined;
      let rowFindings = 0;
      const add = (finding: Omit<Finding, 'file' | 'line' | 'entity' | 'id'>) => {
        rowFindings += 1;
        collector.add({ ...at, id, ...finding });
      };
      for (const problem of rowProblems(entry, record)) add(problem);
      if (id !== undefined) {
        if (ids) {
          const first = ids.get(id);
          if (first !== undefined) add({ code: 'DUPLICATE_ID', field: entry.primaryKey, message: `${entry.primaryKey} ${id} already appears on line ${first}` });
          else ids.set(id, lineNumber);
        } else if (previousId === id) {
          add({ code: 'DUPLICATE_ID', field: entry.primaryKey, message: `${entry.primaryKey} ${id} already appears on line ${previousLine}` });
        }
        if (previousId !== undefined && id < previousId) {
          add({ code: 'UNSORTED', field: entry.primaryKey, message: `rows must be sorted by ${entry.primaryKey}: ${id} comes after ${previousId} (line ${previousLine})` });
        }
        previousId = id;
        previousLine = lineNumber;
      }
      for (const unique of uniques) {
        const values = unique.columns.map((name) => record[name]);
        if (values.some((value) => value === undefined || value === null)) continue;
        const key = JSON.stringify(values);
        const first = unique.seen.get(key);
        if (first !== undefined) {
          add({ code: 'DUPLICATE_VALUE', field: unique.columns.join(','), message: `${unique.columns.join(', ')} ${describe(values.length === 1 ? values[0] : values)} already used on line ${first}` });
        } else unique.seen.set(key, lineNumber);
      }
      if (rowFindings === 0) {
        const rejected = entityProblem(validating, entry, record);
        if (rejected) add(rejected);
      }
    }
    counts[entry.exportName] = rows;
    const listed = manifest.entities[entry.exportName]!;
    if (summary.unterminatedLastLine) {
      collector.add({ file, line: summary.lines, entity: entry.exportName, code: 'TRUNCATED_LINE', message: 'the last line has no newline: the file was cut off' });
    }
    if (listed.rows !== rows) {
      collector.add({ file, entity: entry.exportName, code: 'COUNT_MISMATCH', message: `manifest says ${describe(listed.rows)} rows, the file has ${rows}` });
    }
    if (listed.sha256 !== summary.sha256) {
      collector.add({ file, entity: entry.exportName, code: 'CHECKSUM_MISMATCH', message: `SHA-256 is ${summary.sha256}, manifest says ${describe(listed.sha256)}: the file changed after the export` });
    }
  }

  // ---- pass 2: relationships
  const missingTargets = new Set(durable.filter((entry) => !files.some((state) => state.entry === entry && state.readable)).map((entry) => entry.entity));
  for (const state of files) {
    if (!state.readable || state.entry.foreignKeys.length === 0) continue;
    const { entry, file } = state;
    for await (const { line, lineNumber } of readLines(state.path)) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // reported in pass 1
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
      const id = typeof record[entry.primaryKey] === 'string' ? (record[entry.primaryKey] as string) : undefined;
      for (const fk of entry.foreignKeys) {
        if (missingTargets.has(fk.references)) continue; // the missing file is reported already
        const value = record[fk.column];
        if (value === undefined || value === null) continue; // required-ness is checked in pass 1
        const targets = idSets.get(fk.references)!;
        const values = fk.many ? (Array.isArray(value) ? value : []) : [value];
        const pattern = idPattern(fk.references);
        values.forEach((target, index) => {
          // A malformed ID is reported as INVALID_ID in pass 1, not again as dangling.
          if (typeof target !== 'string' || targets.has(target) || (pattern !== undefined && !pattern.test(target))) return;
          const field = fk.many ? `${fk.column}[${index}]` : fk.column;
          collector.add({
            file,
            line: lineNumber,
            entity: entry.exportName,
            id,
            field,
            code: 'DANGLING_REFERENCE',
            message: `${field} ${target} does not resolve to any exported ${fk.references}`,
          });
        });
      }
    }
  }
  return done(manifest);
}
