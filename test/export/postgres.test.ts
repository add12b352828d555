/**
 * The Postgres proof: the fixture's export loads into a real PostgreSQL (embedded PGlite, no
 * server) with every constraint of the generated DDL enforced, and Postgres itself rejects a
 * deliberately dangling row, even when the export's manifest has been re-sealed to match it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { newId } from '../../src/ids.js';
import {
  durableEntries,
  enumColumns,
  foreignKeys,
  generatePostgresDdl,
  isPortableExportError,
  loadExportIntoPostgres,
  pgConstraints,
  pgTableName,
  PortableExportError,
  REGISTRY,
  requiredColumns,
  validateExport,
} from '../../src/export/index.js';
import { copyExport, exportedFixture, readLinesOf, removeTempDirs, resealManifest, writeLines, type ExportedFixture } from './support.js';

let exported: ExportedFixture;
let db: PGlite;

beforeAll(async () => {
  [exported, db] = await Promise.all([exportedFixture('postgres'), PGlite.create()]);
});
afterAll(async () => {
  await db?.close();
  await exported.table.drop();
  await removeTempDirs();
});

async function count(schema: string, table: string): Promise<number> {
  const result = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
  return result.rows[0]!.n;
}

/** Tamper with one row and re-seal the manifest, so only Postgres' own constraints stand in the way. */
async function tampered(label: string, file: string, edit: (row: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
  const dir = await copyExport(exported.dir, label);
  const lines = await readLinesOf(dir, file);
  lines[0] = JSON.stringify(edit(JSON.parse(lines[0]!) as Record<string, unknown>));
  await writeLines(dir, file, lines);
  await resealManifest(dir);
  return dir;
}

describe('loadExportIntoPostgres (PGlite)', () => {
  it('loads the fixture export with all constraints enforced and row counts equal to the manifest', async () => {
    const result = await loadExportIntoPostgres(db, exported.dir, { schema: 'restore', batchSize: 3 });
    const manifestRows = Object.fromEntries(Object.entries(exported.result.manifest.entities).map(([name, entity]) => [name, entity.rows]));
    expect(result.counts).toEqual(manifestRows);
    for (const entry of durableEntries()) expect(await count('restore', pgTableName(entry)), pgTableName(entry)).toBe(manifestRows[entry.exportName]);

    // The constraints really exist in the database, not just in the DDL text.
    const constraints = await db.query<{ contype: string; n: number }>(
      `SELECT c.contype, count(*)::int AS n FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace WHERE s.nspname = 'restore' GROUP BY c.contype`,
    );
    const byType = Object.fromEntries(constraints.rows.map((row) => [row.contype, row.n]));
    const durable = durableEntries();
    expect(byType.p).toBe(durable.length);
    expect(byType.f).toBe(durable.flatMap((entry) => foreignKeys(entry).filter((fk) => !fk.many)).length);
    expect(byType.u).toBe(1); // users.email
    const enumChecks = durable.flatMap((entry) => Object.keys(enumColumns(entry))).length;
    // Every column whose rule has a Postgres check (own and referenced IDs, text, patterns, dates, numbers).
    const ruleChecks = durable.flatMap((entry) => entry.columns.filter((spec) => spec.rule?.pgCheck)).length;
    expect(byType.c).toBe(enumChecks + ruleChecks);
    for (const entry of durable) expect(pgConstraints(entry).map((constraint) => constraint.name), entry.exportName).toContain(`${pgTableName(entry)}_${entry.primaryKey}_format`);
    expect(ruleChecks).toBeGreaterThan(durable.length * 3);
    const notNull = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'restore' AND is_nullable = 'NO'`,
    );
    expect(notNull.rows[0]!.n).toBe(durable.flatMap((entry) => requiredColumns(entry)).length);

    // Types survive: dates, timestamps, arrays and JSON are queryable as such.
    const overdue = await db.query<{ task_id: string; email: string }>(
      `SELECT t.task_id, u.email FROM restore.tasks t JOIN restore.users u ON u.user_id = t.assignee_id
       WHERE t.status IN ('todo', 'in_progress', 'waiting') AND t.due_date < DATE '2026-12-01' ORDER BY t.task_id`,
    );
    expect(overdue.rows.length).toBeGreaterThanOrEqual(3);
    const dismissed = await db.query<{ n: number }>(`SELECT cardinality(dismissed_by)::int AS n FROM restore.notifications WHERE recipient_id IS NULL`);
    expect(dismissed.rows[0]!.n).toBe(2);
    const audit = await db.query<{ to: string }>(`SELECT changes->'status'->>'to' AS "to" FROM restore.audit_events`);
    expect(audit.rows[0]!.to).toBe('done');
    const stamp = await db.query<{ ok: boolean }>(
      `SELECT bool_and(created_at <= updated_at) AS ok FROM restore.tasks`,
    );
    expect(stamp.rows[0]!.ok).toBe(true);
  });

  it('rejects a deliberately dangling row (foreign key), rolls the whole load back, and the validator agrees', async () => {
    const dir = await tampered('pg-dangling', 'tasks.jsonl', (row) => ({ ...row, bundle_id: newId('bundle') }));
    const error = await loadExportIntoPostgres(db, dir, { schema: 'dangling' }).catch((e: unknown) => e);
    expect(isPortableExportError(error, 'POSTGRES_LOAD_FAILED')).toBe(true);
    expect((error as PortableExportError).details).toMatchObject({ postgres_code: '23503', constraint: 'tasks_bundle_id_fkey' });
    // Refused at COMMIT (deferred), yet the refusal names the export file, line and field.
    expect((error as PortableExportError).details).toMatchObject({ file: 'tasks.jsonl', line: 1, field: 'bundle_id' });
    expect((error as Error).message).toContain('tasks.jsonl line 1 field bundle_id');
    for (const entry of durableEntries()) expect(await count('dangling', pgTableName(entry)), pgTableName(entry)).toBe(0);
    expect((await validateExport(dir)).findingCounts).toEqual({ DANGLING_REFERENCE: 1 });
  });

  it('rejects a bad enum value (CHECK), a missing required value (NOT NULL) and a duplicate e-mail (UNIQUE)', async () => {
    const badEnum = await tampered('pg-enum', 'tasks.jsonl', (row) => ({ ...row, status: 'finished' }));
    await expect(loadExportIntoPostgres(db, badEnum, { schema: 'bad_enum' })).rejects.toSatisfy(
      (error) => (error as PortableExportError).details?.postgres_code === '23514' && (error as PortableExportError).details?.constraint === 'tasks_status_check',
    );
    const missing = await tampered('pg-null', 'bundles.jsonl', ({ owner_id: _owner, ...row }) => row);
    await expect(loadExportIntoPostgres(db, missing, { schema: 'not_null' })).rejects.toSatisfy(
      (error) => (error as PortableExportError).details?.postgres_code === '23502',
    );
    const users = await readLinesOf(exported.dir, 'users.jsonl');
    const duplicate = await tampered('pg-unique', 'users.jsonl', (row) => ({ ...row, email: (JSON.parse(users[1]!) as { email: string }).email }));
    await expect(loadExportIntoPostgres(db, duplicate, { schema: 'unique_email' })).rejects.toSatisfy(
      (error) => (error as PortableExportError).details?.constraint === 'users_email_key',
    );
  });

  it('names the export file, line and field of every refusal, found within the refused batch', async () => {
    const refusal = async (dir: string, schema: string) => {
      const error = await loadExportIntoPostgres(db, dir, { schema, batchSize: 4 }).catch((e: unknown) => e);
      expect(isPortableExportError(error, 'POSTGRES_LOAD_FAILED'), String(error)).toBe(true);
      return error as PortableExportError;
    };
    // A CHECK on the third line of a batch (tasks.jsonl line 7 = batch 2, row 3).
    const badEnumDir = await copyExport(exported.dir, 'pg-where-enum');
    const tasks = await readLinesOf(badEnumDir, 'tasks.jsonl');
    tasks[6] = JSON.stringify({ ...(JSON.parse(tasks[6]!) as object), status: 'finished' });
    await writeLines(badEnumDir, 'tasks.jsonl', tasks);
    await resealManifest(badEnumDir);
    expect((await refusal(badEnumDir, 'where_enum')).details).toMatchObject({ file: 'tasks.jsonl', line: 7, field: 'status', constraint: 'tasks_status_check', entity: 'tasks' });

    // NOT NULL: Postgres names the column.
    const missing = await tampered('pg-where-null', 'bundles.jsonl', ({ owner_id: _owner, ...row }) => row);
    expect((await refusal(missing, 'where_null')).details).toMatchObject({ file: 'bundles.jsonl', line: 1, field: 'owner_id', postgres_code: '23502' });

    // UNIQUE: the second of the two rows is the one refused.
    const users = await readLinesOf(exported.dir, 'users.jsonl');
    const duplicate = await tampered('pg-where-unique', 'users.jsonl', (row) => ({ ...row, email: (JSON.parse(users[1]!) as { email: string }).email }));
    const unique = await refusal(duplicate, 'where_unique');
    expect(unique.details).toMatchObject({ file: 'users.jsonl', line: 2, field: 'email', constraint: 'users_email_key' });
    expect(unique.message).toMatch(/^Postgres refused users\.jsonl line 2 field email \(constraint users_email_key\)/);

    // Values Postgres cannot even convert (no constraint involved): found column by column.
    const year0 = await tampered('pg-where-date', 'tasks.jsonl', (row) => ({ ...row, due_date: '0000-01-01' }));
    expect((await refusal(year0, 'where_date')).details).toMatchObject({ file: 'tasks.jsonl', line: 1, field: 'due_date' });
    const nul = await tampered('pg-where-nul', 'tasks.jsonl', (row) => ({ ...row, title: 'Book \u0000 the venue' }));
    expect((await refusal(nul, 'where_nul')).details).toMatchObject({ file: 'tasks.jsonl', line: 1, field: 'title' });
    const surrogate = await tampered('pg-where-surrogate', 'tasks.jsonl', (row) => ({ ...row, description: 'half \ud83d an emoji' }));
    expect((await refusal(surrogate, 'where_surrogate')).details).toMatchObject({ file: 'tasks.jsonl', line: 1, field: 'description' });

    // The rules' CHECKs hold the same line as JavaScript: blank by trim(), length in UTF-16 code units, the calendar's last day.
    for (const [label, field, value] of [
      ['blank', 'title', ' \t\u00a0\u3000'],
      ['long', 'title', '\u{1F389}'.repeat(101)],
      ['year', 'due_date', '10000-01-01'],
    ] as const) {
      const dir = await tampered(`pg-where-${label}`, 'tasks.jsonl', (row) => ({ ...row, [field]: value }));
      expect((await refusal(dir, `where_${label}`)).details, label).toMatchObject({ file: 'tasks.jsonl', line: 1, field, constraint: `tasks_${field}_format`, postgres_code: '23514' });
    }
  });

  it('refuses files that do not match the manifest before touching Postgres', async () => {
    const dir = await copyExport(exported.dir, 'pg-checksum');
    const lines = await readLinesOf(dir, 'tasks.jsonl');
    await writeLines(dir, 'tasks.jsonl', lines.slice(1));
    await expect(loadExportIntoPostgres(db, dir, { schema: 'checksum' })).rejects.toSatisfy((error) => isPortableExportError(error, 'EXPORT_INVALID'));
    const schemas = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'checksum'`);
    expect(schemas.rows).toHaveLength(0);
  });

  it('generates DDL that Postgres accepts on its own (default schema) and that mirrors the registry', async () => {
    const fresh = await PGlite.create();
    try {
      await fresh.exec(generatePostgresDdl());
      const tables = await fresh.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(durableEntries().map((entry) => pgTableName(entry)).sort());
      const types = await fresh.query<{ column_name: string; data_type: string; udt_name: string }>(
        `SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'notifications'`,
      );
      const byColumn = Object.fromEntries(types.rows.map((row) => [row.column_name, row.udt_name]));
      expect(byColumn).toMatchObject({ dismissed_by: '_text', expires_at: 'int8', due_at: 'timestamptz', version: 'int4', notification_id: 'text' });
      expect(Object.keys(byColumn).sort()).toEqual(REGISTRY.notification.columns.map((column) => column.name).sort());
    } finally {
      await fresh.close();
    }
  });
});
