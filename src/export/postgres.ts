/**
 * The Postgres proof of the export: DDL generated from the registry (tables, primary keys,
 * NOT NULL, enum and ID-format CHECK constraints, unique columns, foreign keys, FK indexes) and a
 * loader that streams an export into it in one transaction.
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
import { PortableExportError } from './errors.js';
import { readLines, sha256File } from './lines.js';
import { readManifestText, type ExportManifest } from './manifest.js';
import { REGISTRY, SCHEMA_VERSION, durableEntries, type EntityRegistryEntry, type ExportRegistry } from './registry.js';

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

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function tableName(entry: EntityRegistryEntry, schema?: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(entry.pgTable)}` : quoteIdent(entry.pgTable);
}

/** CREATE TABLE … for every durable entity, then every foreign key (deferrable) and FK index. */
export function generatePostgresDdl(registry: ExportRegistry = REGISTRY, options: DdlOptions = {}): string {
  const durable = durableEntries(registry);
  const { schema } = options;
  const statements: string[] = [`-- Generated from the export registry (${SCHEMA_VERSION}); do not edit by hand.`];
  if (schema) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`);

  for (const entry of durable) {
    const lines: string[] = entry.columns.map(
      (column) => `  ${quoteIdent(column.name)} ${column.pgType}${column.required ? ' NOT NULL' : ''}`,
    );
    lines.push(`  CONSTRAINT ${quoteIdent(`${entry.pgTable}_pkey`)} PRIMARY KEY (${quoteIdent(entry.primaryKey)})`);
    for (const column of entry.columns) {
      if (column.enumValues) {
        lines.push(
          `  CONSTRAINT ${quoteIdent(`${entry.pgTable}_${column.name}_check`)} CHECK (${quoteIdent(column.name)} IN (${column.enumValues.map(quoteLiteral).join(', ')}))`,
        );
      }
      if (column.type === 'id' && column.pattern) {
        lines.push(`  CONSTRAINT ${quoteIdent(`${entry.pgTable}_${column.name}_format`)} CHECK (${quoteIdent(column.name)} ~ ${quoteLiteral(column.pattern.source)})`);
      }
    }
    for (const unique of entry.uniqueColumns) {
      lines.push(`  CONSTRAINT ${quoteIdent(`${entry.pgTable}_${unique.join('_')}_key`)} UNIQUE (${unique.map(quoteIdent).join(', ')})`);
    }
    statements.push(`CREATE TABLE ${tableName(entry, schema)} (\n${lines.join(',\n')}\n);`);
  }

  for (const entry of durable) {
    for (const fk of entry.foreignKeys) {
      if (fk.many) {
        statements.push(`-- ${entry.pgTable}.${fk.column} holds ${fk.references} IDs (text[]); checked by the export validator, not by a foreign key.`);
        continue;
      }
      const target = registry[fk.references];
      statements.push(
        `ALTER TABLE ${tableName(entry, schema)} ADD CONSTRAINT ${quoteIdent(`${entry.pgTable}_${fk.column}_fkey`)} FOREIGN KEY (${quoteIdent(fk.column)}) REFERENCES ${tableName(target, schema)} (${quoteIdent(target.primaryKey)}) DEFERRABLE INITIALLY DEFERRED;`,
      );
      if (options.foreignKeyIndexes ?? true) {
        statements.push(`CREATE INDEX ${quoteIdent(`${entry.pgTable}_${fk.column}_idx`)} ON ${tableName(entry, schema)} (${quoteIdent(fk.column)});`);
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

function postgresDetails(error: unknown): Record<string, unknown> {
  const pg = error as { code?: string; constraint?: string; table?: string; detail?: string; message?: string };
  return { postgres_code: pg.code, constraint: pg.constraint, table: pg.table, detail: pg.detail, postgres_message: pg.message };
}

/**
 * Loads an export into Postgres in one transaction: all rows or none. Every constraint of the
 * generated DDL is enforced by Postgres itself; a violation rolls back and throws
 * POSTGRES_LOAD_FAILED with Postgres' code and constraint name. Row counts are then compared
 * with the manifest.
 */
export async function loadExportIntoPostgres(db: PostgresLike, dir: string, options: PostgresLoadOptions = {}): Promise<PostgresLoadResult> {
  const registry = options.registry ?? REGISTRY;
  const root = resolve(dir);
  const batchSize = options.batchSize ?? 500;
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(await readManifestText(root)) as ExportManifest;
  } catch (error) {
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
  let current = '';
  try {
    for (const entry of durable) {
      current = entry.exportName;
      const target = tableName(entry, options.schema);
      const columns = entry.columns.map((column) => quoteIdent(column.name)).join(', ');
      const insert = `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::${target}, $1::jsonb)`;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await db.query(insert, [`[${batch.join(',')}]`]);
        batch = [];
      };
      for await (const { line } of readLines(join(root, manifest.entities[entry.exportName]!.file))) {
        if (line.length === 0) continue;
        batch.push(line);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
    }
    current = 'COMMIT (deferred foreign keys)';
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    const details = postgresDetails(error);
    throw new PortableExportError(
      'POSTGRES_LOAD_FAILED',
      `Postgres rejected the export while loading ${current}: ${(error as Error).message}${details.detail ? ` (${String(details.detail)})` : ''}; the transaction was rolled back`,
      { ...details, entity: current },
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
    tables[entry.pgTable] = n;
    const expected = manifest.entities[entry.exportName]!.rows;
    if (n !== expected) mismatches.push(`${entry.pgTable}: ${n} rows, manifest ${expected}`);
  }
  if (mismatches.length > 0) {
    throw new PortableExportError('POSTGRES_LOAD_FAILED', `Row counts differ from the manifest: ${mismatches.join('; ')}`, { counts });
  }
  return { counts, tables };
}
