/**
 * The Postgres proof of the export: DDL generated from the registry (tables, primary keys,
 * NOT NULL, enum CHECKs, a CHECK from every column rule that has one (src/formats.ts
 * `pgCheck`), unique columns, foreign keys, FK indexes) and a loader that streams an export into
 * it in one transaction. The mapping of column types to Postgres types lives here too.
 *
 * Foreign keys are DEFERRABLE INITIALLY DEFERRED: the model has cycles (bundle <-> template
 * instance, task -> parent task), so the constraints are checked at COMMIT, once every row is in.
 * ID lists (notification.dismissed_by) are text[]; Postgres cannot put a foreign key on array
 * elements, so the export validator checks them (a normalized schema would use a join table).
 *
 * Production code never imports a Postgres driver: the loader takes anything with `query` and
 * `exec` (PGlite in the tests; a thin wrapper around `pg` for a real migration).
 */
import { join, resolve } from 'node:path';
import { isExecutionStoreError } from '../errors.js';
import { MAX_PG_INTEGER } from '../formats.js';
import { PortableExportError } from './errors.js';
import { readLines, sha256File } from './lines.js';
import { readManifestText, type ExportManifest } from './manifest.js';
import {
  REGISTRY,
  SCHEMA_VERSION,
  durableEntries,
  foreignKeys,
  type ColumnSpec,
  type ColumnType,
  type EntityRegistryEntry,
  type ExportRegistry,
} from './registry.js';

/** The database surface the loader needs (PGlite and a `pg` wrapper both fit). */
export interface PostgresLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  exec(sql: string): Promise<unknown>;
}

export interface DdlOptions {
  /** Postgres schema to create the tables in (default: the search path, usually public). */
  schema?: string;
  /** Also create an index on every foreign-key column (default true). */
  foreignKeyIndexes?: boolean;
}

export type PgType = 'text' | 'timestamptz' | 'date' | 'integer' | 'bigint' | 'boolean' | 'text[]' | 'jsonb';

const PG_TYPE_BY_COLUMN_TYPE: Record<Exclude<ColumnType, 'integer' | 'epoch_seconds'>, PgType> = {
  id: 'text',
  ref: 'text',
  ref_list: 'text[]',
  text: 'text',
  enum: 'text',
  timestamp: 'timestamptz',
  date: 'date',
  boolean: 'boolean',
  text_list: 'text[]',
  json: 'jsonb',
};

/** The Postgres type of a column: whole numbers get `integer` only when their rule stays within it. */
export function pgColumnType(spec: ColumnSpec): PgType {
  if (spec.type === 'integer' || spec.type === 'epoch_seconds') return spec.rule && !spec.rule.test(MAX_PG_INTEGER + 1) ? 'integer' : 'bigint';
  return PG_TYPE_BY_COLUMN_TYPE[spec.type];
}

/** The Postgres table of an entity: its export name (plural, which also avoids the reserved word "user"). */
export function pgTableName(entry: EntityRegistryEntry): string {
  return entry.exportName;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function tableName(entry: EntityRegistryEntry, schema?: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(pgTableName(entry))}` : quoteIdent(pgTableName(entry));
}

export interface PgConstraint {
  name: string;
  /** The columns it is about (first: the one a refusal names as its field). */
  columns: string[];
  /** The SQL after `CONSTRAINT <name>` (inside CREATE TABLE) or after ADD CONSTRAINT <name>. */
  definition: string;
  kind: 'primary_key' | 'check' | 'unique' | 'foreign_key';
}

/** Every constraint of an entity's table, named as the DDL names it. */
export function pgConstraints(entry: EntityRegistryEntry, registry: ExportRegistry = REGISTRY, schema?: string): PgConstraint[] {
  const table = pgTableName(entry);
  const constraints: PgConstraint[] = [
    { name: `${table}_pkey`, columns: [entry.primaryKey], definition: `PRIMARY KEY (${quoteIdent(entry.primaryKey)})`, kind: 'primary_key' },
  ];
  for (const spec of entry.columns) {
    if (spec.enumValues) {
      constraints.push({
        name: `${table}_${spec.name}_check`,
        columns: [spec.name],
        definition: `CHECK (${quoteIdent(spec.name)} IN (${spec.enumValues.map(quoteLiteral).join(', ')}))`,
        kind: 'check',
      });
    }
    if (spec.rule?.pgCheck) {
      constraints.push({ name: `${table}_${spec.name}_format`, columns: [spec.name], definition: `CHECK (${spec.rule.pgCheck(spec.name)})`, kind: 'check' });
    }
  }
  for (const unique of entry.uniqueColumns) {
    constraints.push({ name: `${table}_${unique.join('_')}_key`, columns: [...unique], definition: `UNIQUE (${unique.map(quoteIdent).join(', ')})`, kind: 'unique' });
  }
  for (const fk of foreignKeys(entry)) {
    if (fk.many) continue;
    const target = registry[fk.references];
    constraints.push({
      name: `${table}_${fk.column}_fkey`,
      columns: [fk.column],
      definition: `FOREIGN KEY (${quoteIdent(fk.column)}) REFERENCES ${tableName(target, schema)} (${quoteIdent(target.primaryKey)}) DEFERRABLE INITIALLY DEFERRED`,
      kind: 'foreign_key',
    });
  }
  return constraints;
}

/** CREATE TABLE … for every durable entity, then every foreign key (deferrable) and FK index. */
export function generatePostgresDdl(registry: ExportRegistry = REGISTRY, options: DdlOptions = {}): string {
  const durable = durableEntries(registry);
  const { schema } = options;
  const statements: string[] = [`-- Generated from the export registry (${SCHEMA_VERSION}); do not edit by hand.`];
  if (schema) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`);

  for (const entry of durable) {
    const lines: string[] = entry.columns.map((spec) => `  ${quoteIdent(spec.name)} ${pgColumnType(spec)}${spec.required ? ' NOT NULL' : ''}`);
    for (const constraint of pgConstraints(entry, registry, schema)) {
      if (constraint.kind !== 'foreign_key') lines.push(`  CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`);
    }
    statements.push(`CREATE TABLE ${tableName(entry, schema)} (\n${lines.join(',\n')}\n);`);
  }

  for (const entry of durable) {
    const constraints = new Map(pgConstraints(entry, registry, schema).map((constraint) => [constraint.name, constraint]));
    for (const fk of foreignKeys(entry)) {
      if (fk.many) {
        statements.push(`-- ${pgTableName(entry)}.${fk.column} holds ${fk.references} IDs (text[]); checked by the export validator, not by a foreign key.`);
        continue;
      }
      const constraint = constraints.get(`${pgTableName(entry)}_${fk.column}_fkey`)!;
      statements.push(`ALTER TABLE ${tableName(entry, schema)} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition};`);
      if (options.foreignKeyIndexes ?? true) {
        statements.push(`CREATE INDEX ${quoteIdent(`${pgTableName(entry)}_${fk.column}_idx`)} ON ${tableName(entry, schema)} (${quoteIdent(fk.column)});`);
      }
    }
  }
  return `${statements.join('\n\n')}\n`;
}

export interface PostgresLoadOptions {
  registry?: ExportRegistry;
  /** Run the generated DDL first (default true); false loads into existing tables. */
  createSchema?: boolean;
  schema?: string;
  /** Rows per INSERT (default 500). */
  batchSize?: number;
  /** Check each file's SHA-256 against the manifest before loading (default true). */
  verifyChecksums?: boolean;
}

export interface PostgresLoadResult {
  /** Rows in each table after the load, by export name. */
  counts: Record<string, number>;
  /** The same, by Postgres table name. */
  tables: Record<string, number>;
}

interface PostgresErrorFields {
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  detail?: string;
  message?: string;
}

function postgresDetails(error: unknown): Record<string, unknown> {
  const pg = error as PostgresErrorFields;
  return { postgres_code: pg.code, constraint: pg.constraint, table: pg.table, detail: pg.detail, postgres_message: pg.message };
}

/** Where in the export Postgres' refusal points: the file, its 1-based line and the column. */
export interface RefusalLocation {
  file: string;
  line?: number;
  field?: string;
}

interface NumberedLine {
  line: number;
  text: string;
}

/**
 * Loads an export into Postgres in one transaction: all rows or none. Every constraint of the
 * generated DDL is enforced by Postgres itself; a violation rolls back and throws
 * POSTGRES_LOAD_FAILED naming the export file, line and field Postgres refused, with Postgres'
 * code and constraint name. Rows go in batches (one INSERT … jsonb_populate_recordset each, under
 * a savepoint); a refused batch is replayed row by row to find the line, and a refused row
 * column by column to find the field. Row counts are then compared with the manifest.
 */
export async function loadExportIntoPostgres(db: PostgresLike, dir: string, options: PostgresLoadOptions = {}): Promise<PostgresLoadResult> {
  const registry = options.registry ?? REGISTRY;
  const root = resolve(dir);
  const batchSize = options.batchSize ?? 500;
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(await readManifestText(root)) as ExportManifest;
  } catch (error) {
    // The machine's failures (permission denied, …) stay typed; a missing or broken manifest is the export's fault.
    if (isExecutionStoreError(error) && error.code !== 'PATH_NOT_FOUND') throw error;
    throw new PortableExportError('EXPORT_INVALID', `${root} has no readable manifest.json: ${(error as Error).message}`, { dir: root }, { cause: error });
  }
  if (manifest.schema_version !== SCHEMA_VERSION) {
    throw new PortableExportError('EXPORT_INVALID', `manifest schema_version is ${String(manifest.schema_version)}; this loader reads ${SCHEMA_VERSION}`, {
      dir: root,
    });
  }
  const durable = durableEntries(registry);
  for (const entry of durable) {
    const listed = manifest.entities?.[entry.exportName];
    if (!listed) throw new PortableExportError('EXPORT_INVALID', `manifest has no entry for ${entry.exportName}`, { entity: entry.exportName });
    if (options.verifyChecksums ?? true) {
      const actual = await sha256File(join(root, listed.file));
      if (actual !== listed.sha256) {
        throw new PortableExportError('EXPORT_INVALID', `${listed.file} does not match the manifest checksum: run validate-export`, {
          file: listed.file,
          expected: listed.sha256,
          actual,
        });
      }
    }
  }

  if (options.createSchema ?? true) {
    try {
      await db.exec(generatePostgresDdl(registry, { schema: options.schema }));
    } catch (error) {
      throw new PortableExportError('POSTGRES_LOAD_FAILED', `Creating the tables failed: ${(error as Error).message}`, postgresDetails(error), { cause: error });
    }
  }

  await db.exec('BEGIN');
  let current: EntityRegistryEntry | undefined;
  let location: RefusalLocation | undefined;
  try {
    for (const entry of durable) {
      current = entry;
      const file = manifest.entities[entry.exportName]!.file;
      const insert = insertStatement(entry, options.schema);
      let batch: NumberedLine[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const lines = batch;
        batch = [];
        await db.exec('SAVEPOINT export_batch');
        try {
          await db.query(insert, [`[${lines.map((candidate) => candidate.text).join(',')}]`]);
        } catch (error) {
          await db.exec('ROLLBACK TO SAVEPOINT export_batch');
          location = await locateRowRefusal(db, registry, entry, file, lines, error, options.schema);
          throw error;
        }
        await db.exec('RELEASE SAVEPOINT export_batch');
      };
      for await (const { line, lineNumber } of readLines(join(root, file))) {
        if (line.length === 0) continue;
        batch.push({ line: lineNumber, text: line });
        if (batch.length >= batchSize) await flush();
      }
      await flush();
    }
    current = undefined;
    try {
      await db.exec('COMMIT');
    } catch (error) {
      location = await locateDeferredRefusal(root, manifest, registry, error);
      throw error;
    }
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    const details = postgresDetails(error);
    const where = location
      ? `${location.file}${location.line !== undefined ? ` line ${location.line}` : ''}${location.field ? ` field ${location.field}` : ''}`
      : current
        ? `while loading ${current.exportName}`
        : 'at COMMIT (deferred foreign keys)';
    throw new PortableExportError(
      'POSTGRES_LOAD_FAILED',
      `Postgres refused ${where}${details.constraint ? ` (constraint ${String(details.constraint)})` : ''}: ${(error as Error).message}${details.detail ? ` (${String(details.detail)})` : ''}; the transaction was rolled back`,
      { ...details, entity: current?.exportName ?? (location ? entryByFile(manifest, registry, location.file)?.exportName : undefined), file: location?.file, line: location?.line, field: location?.field },
      { cause: error },
    );
  }

  const counts: Record<string, number> = {};
  const tables: Record<string, number> = {};
  const mismatches: string[] = [];
  for (const entry of durable) {
    const result = await db.query(`SELECT count(*)::int AS n FROM ${tableName(entry, options.schema)}`);
    const n = Number((result.rows[0] as { n: number | string }).n);
    counts[entry.exportName] = n;
    tables[pgTableName(entry)] = n;
    const expected = manifest.entities[entry.exportName]!.rows;
    if (n !== expected) mismatches.push(`${pgTableName(entry)}: ${n} rows, manifest ${expected}`);
  }
  if (mismatches.length > 0) {
    throw new PortableExportError('POSTGRES_LOAD_FAILED', `Row counts differ from the manifest: ${mismatches.join('; ')}`, { counts });
  }
  return { counts, tables };
}

function insertStatement(entry: EntityRegistryEntry, schema?: string): string {
  const target = tableName(entry, schema);
  const columns = entry.columns.map((spec) => quoteIdent(spec.name)).join(', ');
  return `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::${target}, $1::jsonb)`;
}

function entryByFile(manifest: ExportManifest, registry: ExportRegistry, file: string): EntityRegistryEntry | undefined {
  return durableEntries(registry).find((entry) => manifest.entities[entry.exportName]?.file === file);
}

/** The column a constraint is about, by the names generatePostgresDdl gives. */
function constraintColumn(entry: EntityRegistryEntry, registry: ExportRegistry, name: string | undefined): string | undefined {
  if (!name) return undefined;
  return pgConstraints(entry, registry).find((constraint) => constraint.name === name)?.columns[0];
}

/** Runs `sql` under a savepoint and says whether Postgres accepted it; a refusal leaves the transaction usable. */
async function accepted(db: PostgresLike, sql: string, params: unknown[]): Promise<{ ok: true } | { ok: false; error: unknown }> {
  await db.exec('SAVEPOINT export_probe');
  try {
    await db.query(sql, params);
  } catch (error) {
    await db.exec('ROLLBACK TO SAVEPOINT export_probe');
    return { ok: false, error };
  }
  await db.exec('RELEASE SAVEPOINT export_probe');
  return { ok: true };
}

/**
 * A refused batch, replayed row by row (earlier rows stay in, so a duplicate within the batch is
 * refused where it occurs): the first refused line, and the field from the constraint, the
 * column Postgres names, or by converting the row's values one column at a time.
 */
async function locateRowRefusal(
  db: PostgresLike,
  registry: ExportRegistry,
  entry: EntityRegistryEntry,
  file: string,
  lines: NumberedLine[],
  batchError: unknown,
  schema?: string,
): Promise<RefusalLocation> {
  const insert = insertStatement(entry, schema);
  for (const candidate of lines) {
    const outcome = await accepted(db, insert, [`[${candidate.text}]`]);
    if (outcome.ok) continue;
    const pg = outcome.error as PostgresErrorFields;
    const field = constraintColumn(entry, registry, pg.constraint) ?? pg.column ?? (await refusedColumn(db, entry, candidate.text, schema));
    return { file, line: candidate.line, field };
  }
  const pg = batchError as PostgresErrorFields;
  return { file, field: constraintColumn(entry, registry, pg.constraint) ?? pg.column };
}

/** The first column whose value alone Postgres cannot convert to the column's type (NUL, lone surrogate, year 0, …). */
async function refusedColumn(db: PostgresLike, entry: EntityRegistryEntry, text: string, schema?: string): Promise<string | undefined> {
  let row: Record<string, unknown>;
  try {
    row = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const target = tableName(entry, schema);
  for (const spec of entry.columns) {
    if (row[spec.name] === undefined) continue;
    const single = JSON.stringify({ [spec.name]: row[spec.name] });
    const outcome = await accepted(db, `SELECT ${quoteIdent(spec.name)} FROM jsonb_populate_record(NULL::${target}, $1::jsonb)`, [single]);
    if (!outcome.ok) return spec.name;
  }
  return undefined;
}

/** A foreign key refused at COMMIT: the constraint names the table and column, Postgres' detail the value; find its first line. */
async function locateDeferredRefusal(root: string, manifest: ExportManifest, registry: ExportRegistry, error: unknown): Promise<RefusalLocation | undefined> {
  const pg = error as PostgresErrorFields;
  for (const entry of durableEntries(registry)) {
    const field = constraintColumn(entry, registry, pg.constraint);
    if (!field) continue;
    const file = manifest.entities[entry.exportName]!.file;
    const value = /^Key \([^)]*\)=\((.*)\) is not present/.exec(pg.detail ?? '')?.[1];
    if (value === undefined) return { file, field };
    for await (const { line, lineNumber } of readLines(join(root, file))) {
      try {
        if ((JSON.parse(line) as Record<string, unknown>)[field] === value) return { file, line: lineNumber, field };
      } catch {
        // not this line
      }
    }
    return { file, field };
  }
  return undefined;
}
