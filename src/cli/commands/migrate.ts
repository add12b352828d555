/**
 * `exstate migrate prototype` and `exstate migrate dataops-export <dir>`: move the work-engine
 * prototype's state into the configured execution-state table (src/migrate, ADR 0006), print the
 * migration report (tables, or one JSON document with --json) and optionally save it as JSON.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isLoopbackEndpoint } from '../../config.js';
import { ensureTable, tableExists } from '../../local/create-table.js';
import {
  DEFAULT_FILES_BUCKET,
  PROTOTYPE_TABLES,
  migrateRecords,
  parseSourceTables,
  readDataopsExport,
  readPrototypeTables,
  skippedForReview,
  type MigrationReport,
  type PrototypeRecords,
} from '../../migrate/index.js';
import { createCliClient } from '../connect.js';
import { timeZoneArg, userRefArg } from '../args.js';
import type { CliDeps } from '../deps.js';
import { describeError, EXIT_CODES } from '../errors.js';
import { plural, printJson, renderTable, type Output } from '../format.js';


interface CommonOptions {
  actor: string;
  defaultTimeZone: string;
  templatesRepo?: string;
  uploadsDir?: string;
  filesBucket: string;
  dryRun: boolean;
  report?: string;
  strict: boolean;
  json?: boolean;
}

/** Rows shown per list in the tables (everything is in --json and the report file). */
const SHOWN = 50;

function url(value: string): string {
  if (/^https?:\/\/[^\s/]+/.test(value)) return value;
  throw new InvalidArgumentError('expected a URL like http://127.0.0.1:4567.');
}

function sourceTables(value: string) {
  try {
    return parseSourceTables(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function addCommonOptions(command: Command): Command {
  return command
    .requiredOption('--actor <user>', 'who the migration acts as (owner and creator of what the prototype did not record): a user ID, or an e-mail address (a prototype user, a user of the table, or else a new admin user with that address)', userRefArg('--actor'))
    .addOption(new Option('--default-time-zone <zone>', 'IANA time zone for users and recurring schedules (the prototype has none; its dates were UTC)').default('UTC').argParser(timeZoneArg('--default-time-zone')))
    .option('--templates-repo <dir>', 'Git repository to commit the prototype templates to as template files (without it, templates are reported as not migrated)')
    .option('--uploads-dir <dir>', "a copy of the prototype's upload directory: file sizes, SHA-256 and content types are read from it (files need it)")
    .option('--files-bucket <bucket>', 'the S3 bucket the migrated file rows point at (copy the uploads there)', DEFAULT_FILES_BUCKET)
    .option('--dry-run', 'read, map and check everything and print the full report; write nothing (no items, no commit)', false)
    .option('--report <file>', 'also write the report (including the full ID mapping) to this file as JSON')
    .option('--strict', 'exit 1 when anything was skipped (sessions, never migrated by design, do not count)', false)
    .addOption(new Option('--json', 'print the report as one JSON document instead of tables'));
}

function printReport(o: Output, report: MigrationReport): void {
  const verb = report.dry_run ? 'Dry run: would migrate' : 'Migrated';
  o.write(
    `${verb} ${report.source} into ${report.target_table} as ${report.actor.email} (${report.actor.user_id}${report.actor.created ? ', a new admin user' : ''}): ${plural(report.items_written, 'item')} ${report.dry_run ? 'to write' : 'written'}.`,
  );
  o.write(
    renderTable(report.counts, [
      { header: 'Source', value: (c) => c.source },
      { header: 'Records', value: (c) => c.collection },
      { header: 'Read', value: (c) => c.read, align: 'right' },
      { header: report.dry_run ? 'To write' : 'Written', value: (c) => c.written, align: 'right' },
      { header: 'Unchanged', value: (c) => c.unchanged, align: 'right' },
      { header: 'Differs', value: (c) => c.differs, align: 'right' },
      { header: 'Skipped', value: (c) => c.skipped, align: 'right' },
    ]),
  );
  const never = report.never_migrated;
  o.write(`Never migrated: ${plural(never.password_hashes, 'password hash', 'password hashes')}, ${plural(never.sessions, 'session')} (tokens), ${plural(never.empty_link_slots, 'empty bundle link slot')}.`);
  if (report.templates.length) {
    o.write(`Templates (${report.templates_repo}):`);
    o.write(
      renderTable(report.templates, [
        { header: 'Template', value: (t) => t.name, max: 40 },
        { header: 'File', value: (t) => t.path },
        { header: 'Commit', value: (t) => (t.commit ? t.commit.slice(0, 12) : '(not committed)') },
        { header: 'Status', value: (t) => t.status },
      ]),
    );
  }
  const list = <T>(title: string, rows: readonly T[], columns: Parameters<typeof renderTable<T>>[1]) => {
    if (rows.length === 0) return;
    o.write(`${title} (${rows.length}):`);
    o.write(renderTable(rows.slice(0, SHOWN), columns));
    if (rows.length > SHOWN) o.write(`  … and ${rows.length - SHOWN} more: see --json or --report`);
  };
  list('Skipped', report.skipped, [
    { header: 'Records', value: (s) => s.collection },
    { header: 'Source ID', value: (s) => s.source_id },
    { header: 'Reason', value: (s) => s.reason, max: 90 },
  ]);
  list('Dropped fields', report.dropped_fields, [
    { header: 'Records', value: (d) => d.collection },
    { header: 'Field', value: (d) => d.field },
    { header: 'Count', value: (d) => d.count, align: 'right' },
    { header: 'Why', value: (d) => d.reason, max: 80 },
  ]);
  list('Warnings', report.warnings, [
    { header: 'Code', value: (w) => w.code },
    { header: 'Message', value: (w) => w.message, max: 110 },
  ]);
  for (const warning of report.warnings) {
    if (!warning.cron) continue;
    o.write(`  Schedule ${warning.source_id}: "${warning.cron.original}" -> ${warning.cron.migrated === null ? 'disabled' : `"${warning.cron.migrated}"`}`);
    o.write(`    prototype: ${warning.cron.prototype.reading}; next: ${warning.cron.prototype.next.join(', ') || '-'}`);
    o.write(`    as cron:   ${warning.cron.standard.reading}; next: ${warning.cron.standard.next.join(', ') || '-'}`);
  }
  list('ID mapping', report.id_map, [
    { header: 'Records', value: (m) => m.collection },
    { header: 'Prototype ID', value: (m) => m.source_id },
    { header: 'New ID', value: (m) => m.target_id },
    { header: 'Note', value: (m) => m.note, max: 40 },
  ]);
}

export function registerMigrateCommands(program: Command, deps: CliDeps): void {
  const { io } = deps;
  const open = () => deps.connect();
  const out = (json: boolean | undefined) => deps.output(json);

  /** Migrates the records into the configured table, prints and saves the report, applies --strict. */
  const migrate = async (records: PrototypeRecords, options: CommonOptions) => {
    const { client, tableName, endpoint } = open();
    // On DynamoDB Local a missing table is created from the template (as import does); elsewhere CloudFormation owns it.
    let created = false;
    if (endpoint && isLoopbackEndpoint(endpoint) && !options.dryRun && !(await tableExists(client, tableName))) created = await ensureTable(client, tableName);
    const report = await migrateRecords(records, {
      client,
      tableName,
      actor: options.actor,
      defaultTimeZone: options.defaultTimeZone,
      templatesRepo: options.templatesRepo,
      uploadsDir: options.uploadsDir,
      filesBucket: options.filesBucket,
      dryRun: options.dryRun,
    });
    if (options.report) await writeFile(resolve(options.report), `${JSON.stringify(report, null, 2)}\n`, 'utf8');
    const o = out(options.json);
    if (o.json) printJson(o, { ...report, table_created: created });
    else {
      printReport(o, report);
      if (created) o.write(`Created the table ${tableName} first.`);
      if (options.report) o.write(`Report written to ${resolve(options.report)}.`);
    }
    const skipped = skippedForReview(report);
    if (options.strict && skipped.length > 0) {
      deps.finish(EXIT_CODES.REJECTED, `${plural(skipped.length, 'source row was', 'source rows were')} skipped (--strict): see the report`);
    }
  };

  const command = program
    .command('migrate')
    .description("move the work-engine prototype's state into the configured table: from its DynamoDB tables, or from a DataOps v1 export");

  addCommonOptions(
    command
      .command('prototype')
      .description("read the prototype's seven DynamoDB tables (paginated Scans) and migrate them")
      .requiredOption('--source-endpoint <url>', "the prototype's DynamoDB endpoint (its dynalite or DynamoDB Local), e.g. http://127.0.0.1:4567", url)
      .option('--source-region <region>', "the source's region", 'us-east-1')
      .addOption(new Option('--source-tables <list>', `actual table names, e.g. Tasks=dev-Tasks,Projects=dev-Projects (the prototype's: ${PROTOTYPE_TABLES.join(', ')})`).argParser(sourceTables)),
  ).action(async (options: CommonOptions & { sourceEndpoint: string; sourceRegion: string; sourceTables?: ReturnType<typeof parseSourceTables> }) => {
    const client = createCliClient({ ...io.env, DYNAMODB_ENDPOINT: options.sourceEndpoint, AWS_REGION: options.sourceRegion });
    let records: PrototypeRecords;
    try {
      records = await readPrototypeTables({ client, tables: options.sourceTables, label: options.sourceEndpoint });
    } catch (error) {
      const { exitCode } = describeError(error, { endpoint: options.sourceEndpoint });
      if (exitCode === EXIT_CODES.UNREACHABLE) {
        deps.finish(EXIT_CODES.UNREACHABLE, `Cannot reach the prototype's DynamoDB at ${options.sourceEndpoint}: check --source-endpoint (is its dynalite or DynamoDB Local running?) and --source-region.`);
        return;
      }
      throw error;
    }
    await migrate(records, options);
  });

  addCommonOptions(
    command
      .command('dataops-export')
      .description('read a DataOps v1 export (checksums verified first) and migrate it')
      .argument('<dir>', 'the export directory (manifest.json and the JSONL entity files)'),
  ).action(async (dir: string, options: CommonOptions) => {
    await migrate(await readDataopsExport(resolve(dir)), options);
  });

}
