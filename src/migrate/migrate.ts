/**
 * `exstate migrate`: moves the work-engine prototype's state into the execution-state table, from
 * its DynamoDB tables or from a DataOps v1 export. Both routes read into the same prototype
 * records and run the same steps:
 *
 *  1. the target table must exist; users already in it are looked up by e-mail;
 *  2. users and the migration actor are mapped (the actor is created when nobody has its e-mail);
 *  3. templates become YAML files committed to --templates-repo (once: a re-run finds the commit);
 *  4. uploaded files are measured and hashed in --uploads-dir;
 *  5. everything else is mapped (pure, deterministic IDs), validated, and written without
 *     overwriting anything (writer.ts). --dry-run stops before the Git commit and the writes.
 *
 * Running it again writes nothing new; a run stopped half-way is finished by running it again.
 * See docs/adr/0006-migration-from-prototype.md.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fileSchema } from '../entities/file.js';
import { ValidationError } from '../errors.js';
import { isId } from '../ids.js';
import { checkEmail, checkTimeZone } from '../formats.js';
import { createExecutionStore } from '../store.js';
import { readDataopsExport } from './dataops-export.js';
import { beginMapping, type ExistingUser } from './mapping.js';
import { readPrototypeTables, type PrototypeTablesSource } from './prototype-tables.js';
import { ReportBuilder, type MigrationReport } from './report.js';
import type { PrototypeRecords } from './source-records.js';
import { commitTemplates, type TemplateLocation } from './templates-git.js';
import { templateDocument } from './templates.js';
import { readUpload, type UploadInfo } from './uploads.js';
import { writeGroups } from './writer.js';

export const DEFAULT_FILES_BUCKET = 'dataops-prototype-uploads';

export interface MigrateOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Who the migration acts as: a user ID or an e-mail address (created as an admin when no user has it). */
  actor: string;
  /** IANA time zone for users and schedules (the prototype has none); default UTC, the zone its dates were in. */
  defaultTimeZone?: string;
  /** A Git repository to commit the templates to; without it templates are reported as not migrated. */
  templatesRepo?: string;
  /** A copy of the prototype's upload directory: files' sizes, SHA-256 and content types come from it. */
  uploadsDir?: string;
  /** The S3 bucket the file rows name (copy the uploads there). Default dataops-prototype-uploads. */
  filesBucket?: string;
  /** Read and map everything, write nothing (no commit, no items). */
  dryRun?: boolean;
  now?: () => Date;
  /** After each written group; a throw stops the run there. */
  onProgress?: (done: number, total: number) => void;
}

/** Before anything is committed or written. A missing table surfaces as ResourceNotFoundException (the CLI's "no table" exit code). */
async function assertTableExists(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.TableStatus !== 'ACTIVE') throw new ValidationError(`Table ${tableName} is ${Table?.TableStatus ?? 'in an unknown state'}, not ACTIVE: wait until it is ready`, { field: 'table' });
}

async function assertDirectory(path: string, option: string): Promise<string> {
  const full = resolve(path);
  try {
    if ((await stat(full)).isDirectory()) return full;
  } catch {
    // reported below
  }
  throw new ValidationError(`${option} ${path} is not a directory`, { field: option.replace(/^--/, '').replace(/-/g, '_') });
}

/** Target users by e-mail for every address the migration may use (one Query each). */
async function existingUsers(options: MigrateOptions, records: PrototypeRecords): Promise<{ byEmail: Map<string, ExistingUser>; actorById: ExistingUser | null }> {
  const store = createExecutionStore({ client: options.client, tableName: options.tableName });
  const emails = new Set<string>();
  for (const row of records.users.rows) {
    try {
      emails.add(checkEmail(row.record.email, 'email'));
    } catch {
      // an invalid address is reported by the mapping
    }
  }
  const actor = options.actor.trim();
  if (!isId('user', actor)) emails.add(checkEmail(actor, 'actor'));
  const byEmail = new Map<string, ExistingUser>();
  for (const email of emails) {
    const user = await store.users.getByEmail(email);
    if (user) byEmail.set(email, { user_id: user.user_id, email: user.email, display_name: user.display_name });
  }
  const found = isId('user', actor) ? await store.users.get(actor) : null;
  return { byEmail, actorById: found ? { user_id: found.user_id, email: found.email, display_name: found.display_name } : null };
}

export async function migrateRecords(records: PrototypeRecords, options: MigrateOptions): Promise<MigrationReport> {
  const now = (options.now ?? (() => new Date()))();
  const dryRun = options.dryRun ?? false;
  const timeZone = checkTimeZone(options.defaultTimeZone ?? 'UTC', 'default_time_zone');
  const templatesRepo = options.templatesRepo === undefined ? null : await assertDirectory(options.templatesRepo, '--templates-repo');
  const uploadsDir = options.uploadsDir === undefined ? null : await assertDirectory(options.uploadsDir, '--uploads-dir');
  const filesBucket = options.filesBucket ?? DEFAULT_FILES_BUCKET;
  if (!fileSchema.attributes.storage_bucket.validate(filesBucket)) throw new ValidationError(`--files-bucket ${JSON.stringify(filesBucket)} is not an S3 bucket name`, { field: 'files_bucket' });
  await assertTableExists(options.client, options.tableName);

  const report = new ReportBuilder();
  for (const note of records.notes) report.warn({ code: 'SOURCE_NOTE', message: note });
  const existing = await existingUsers(options, records);
  const mapping = beginMapping(
    { records, timeZone, actor: options.actor, existingUsersByEmail: existing.byEmail, existingActorById: existing.actorById, now },
    report,
  );

  // Templates: to Git, or reported as not migrated.
  let templates: Map<string, TemplateLocation> | null = null;
  const templateRefs = new Map<string, ReadonlyMap<string, string>>();
  const templateCounts = report.collection('templates', records.templates.source);
  const templateRows = [...records.templates.rows].sort((a, b) => (a.id < b.id ? -1 : 1));
  templateCounts.read += templateRows.length;
  if (templatesRepo === null) {
    for (const row of templateRows) report.skip({ collection: 'templates', source: records.templates.source, source_id: row.id, reason: 'templates live in Git: pass --templates-repo to write it as a template file' });
    if (templateRows.length > 0) {
      report.warn({ code: 'TEMPLATES_NOT_MIGRATED', collection: 'templates', message: `${templateRows.length} template(s) not migrated (no --templates-repo); bundles made from them get no template instance` });
    }
  } else {
    const documents = templateRows.map((row) => templateDocument(row, mapping.emailOf, report, records.templates.source)).filter((document) => document !== null);
    for (const document of documents) templateRefs.set(document.sourceId, document.refs);
    const committed = await commitTemplates({ repoDir: templatesRepo, documents, author: { name: mapping.actor.display_name, email: mapping.actor.email }, dryRun });
    templates = committed.locations;
    report.templates.push(...committed.outcomes);
    for (const outcome of committed.outcomes) {
      if (outcome.status === 'unchanged') templateCounts.unchanged += 1;
      else templateCounts.written += 1;
    }
  }

  // Uploads: size, checksum and content type of each file's bytes.
  let uploads: Map<string, UploadInfo | null> | null = null;
  if (uploadsDir !== null) {
    uploads = new Map();
    for (const row of records.files.rows) {
      const storagePath = typeof row.record.storagePath === 'string' ? row.record.storagePath : undefined;
      uploads.set(row.id, storagePath ? await readUpload(uploadsDir, storagePath, String(row.record.filename ?? '')) : null);
    }
  }

  const { actor, groups } = mapping.finish({ templates, templateRefs, uploads, filesBucket });
  await writeGroups(groups, { client: options.client, tableName: options.tableName, dryRun, onGroup: options.onProgress }, report);

  return report.build({
    route: records.route,
    source: records.description,
    target_table: options.tableName,
    dry_run: dryRun,
    started_at: now.toISOString(),
    actor: { user_id: actor.user_id, email: actor.email, created: actor.created },
    default_time_zone: timeZone,
    templates_repo: templatesRepo,
    uploads_dir: uploadsDir,
  });
}

export async function migratePrototypeTables(options: MigrateOptions & { source: PrototypeTablesSource }): Promise<MigrationReport> {
  return migrateRecords(await readPrototypeTables(options.source), options);
}

export async function migrateDataopsExport(options: MigrateOptions & { dir: string }): Promise<MigrationReport> {
  return migrateRecords(await readDataopsExport(options.dir), options);
}
