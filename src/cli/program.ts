/**
 * The `exstate` command line: commander program and command actions.
 *
 * Every command connects with the handlers' configuration (see connect.ts), prints a table for
 * people or one JSON document with --json, and fails with one line and a documented exit code.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isId } from '../ids.js';
import { LOCAL_TABLE_NAME } from '../config.js';
import { localDate } from '../services/common.js';
import type { ExecutionStore } from '../store.js';
import type { User } from '../services/users.js';
import type { Task, TaskTransition } from '../services/tasks.js';
import type { RecurringSchedule } from '../services/schedules.js';
import type { Notification } from '../services/notifications.js';
import { ensureTable, tableExists } from '../local/create-table.js';
import { exportExecutionData, importExecutionData, validateExport, type Finding, type ValidationResult } from '../export/index.js';
import { runScheduler, workerIdFor } from '../handlers/run-scheduler.js';
import { connect, LOCAL_ENDPOINT, type CliConnection } from './connect.js';
import { CliError, describeError, EXIT_CODE_HELP, EXIT_CODES, type ErrorContext } from './errors.js';
import { createOutput, plural, printJson, printList, renderTable, type Column, type Output } from './format.js';
import { DEFAULT_DB_PATH, runLocal } from './local.js';
import { describeFixtureResult, importFixtureLoader, PROJECT_ROOT, tableIsEmpty } from './seed.js';
import { registerMigrateCommands } from './commands/migrate.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Argument parsers (a bad value is a usage error, reported before anything connects)

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function calendarDate(value: string): string {
  const d = new Date(`${value}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError('expected a calendar date like 2026-11-29.');
  }
  return value;
}

function timeZone(value: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    throw new InvalidArgumentError('expected an IANA time zone like Europe/Berlin.');
  }
}

function userRef(value: string): string {
  const trimmed = value.trim();
  if (isId('user', trimmed) || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) return trimmed;
  throw new InvalidArgumentError('expected a user ID (usr_ followed by 26 characters) or an e-mail address.');
}

function idOf(kind: 'task' | 'bundle', label: string) {
  return (value: string): string => {
    if (isId(kind, value.trim())) return value.trim();
    throw new InvalidArgumentError(`expected a ${label} ID like ${kind === 'task' ? 'tsk' : 'bdl'}_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4.`);
  };
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const systemTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

// ---------------------------------------------------------------------------------------------
// Shared pieces

async function resolveUser(store: ExecutionStore, ref: string): Promise<User> {
  if (isId('user', ref)) {
    const user = await store.users.get(ref);
    if (!user) throw new CliError(`No user with ID ${ref}.`, EXIT_CODES.REJECTED);
    return user;
  }
  const email: string = ref;
  const user = await store.users.getByEmail(email);
  if (!user) throw new CliError(`No user with e-mail ${email.toLowerCase()}.`, EXIT_CODES.REJECTED);
  return user;
}

/** Display names of the given users, for tables (one GetItem per distinct user). */
async function namesOf(store: ExecutionStore, ids: Iterable<string | undefined>): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((id): id is string => typeof id === 'string'))];
  const users = await Promise.all(unique.map((id) => store.users.get(id)));
  return new Map(unique.map((id, i) => [id, users[i] ? `${users[i]!.display_name}` : id]));
}

function taskColumns(names: Map<string, string>, options: { assignee?: boolean } = {}): Column<Task>[] {
  return [
    { header: 'Task', value: (t) => t.task_id },
    { header: 'Title', value: (t) => t.title, max: 40 },
    { header: 'Status', value: (t) => t.status },
    { header: 'Due', value: (t) => t.due_date },
    ...(options.assignee === false ? [] : [{ header: 'Assignee', value: (t: Task) => (t.assignee_id ? names.get(t.assignee_id) ?? t.assignee_id : '') , max: 24 }]),
    { header: 'Bundle', value: (t) => t.bundle_id },
  ];
}

function userLabel(user: User): string {
  return `${user.display_name} <${user.email}>`;
}

function publicUser(user: User) {
  return { user_id: user.user_id, email: user.email, display_name: user.display_name, timezone: user.timezone };
}

// ---------------------------------------------------------------------------------------------
// The program

export function buildProgram(io: CliIo): { program: Command; context: ErrorContext } {
  const context: ErrorContext = {};
  const program = new Command();
  let connection: CliConnection | undefined;

  /** The store, created on first use (commands that fail argument parsing never connect). */
  const open = (): CliConnection => {
    if (!connection) {
      // Fill in what is known before connect() can throw, so error messages can name it.
      connection = connect(io.env);
      Object.assign(context, { endpoint: connection.endpoint, tableName: connection.tableName, usedLocalDefaults: connection.usedLocalDefaults });
    }
    return connection;
  };
  const out = (json: boolean | undefined): Output => createOutput(json === true, io.stdout);
  const note = (text: string) => void io.stderr.write(`${text}\n`);
  const jsonOption = () => new Option('--json', 'print one JSON document instead of tables (for scripts)');

  program
    .name('exstate')
    .version(packageVersion(), '-V, --version', 'print the version')
    .description('The DataOps execution-state store from the command line: local DynamoDB, demo data, the V1 views, export and import.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
Configuration (the same variables the Lambda handlers read):
  DATAOPS_EXECUTION_TABLE  table name (required outside the local/test stage)
  DYNAMODB_ENDPOINT        DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  DATAOPS_STAGE            local or test: table defaults to dataops-execution-local and, for the
                           CLI, DYNAMODB_ENDPOINT defaults to ${LOCAL_ENDPOINT}
  AWS_REGION, AWS_PROFILE  for a table on AWS
  With none of DATAOPS_STAGE, DATAOPS_EXECUTION_TABLE and DYNAMODB_ENDPOINT set, the CLI uses the
  local stage: the store \`npm start\` runs at ${LOCAL_ENDPOINT}.
  EXSTATE_DEBUG=1 prints stack traces.

${EXIT_CODE_HELP}

Examples:
  npm start                                   # = exstate local
  npx exstate tasks today --assignee anna.schmidt@example.org   # the demo data's admin
  npx exstate tasks overdue --json | jq '.items | length'
  npx exstate export --out ./backup && npx exstate validate-export ./backup`,
    );

  // -- local ---------------------------------------------------------------------------------
  program
    .command('local')
    .description('start DynamoDB Local with the table and demo data, print the environment and the access-pattern report; Ctrl-C stops it (what `npm start` runs)')
    .addOption(new Option('--port <port>', 'port for DynamoDB Local').default(8000).argParser(integer(1, 65535)))
    .option('--in-memory', 'keep the data in memory only (nothing under .local/)', false)
    .option('--db-path <dir>', 'directory for the database file', DEFAULT_DB_PATH)
    .option('--endpoint <url>', 'use a DynamoDB Local that is already running (e.g. Docker) instead of starting one')
    .option('--no-seed', 'do not load the fixture into an empty table')
    .addOption(jsonOption())
    .action(async (options: { port: number; inMemory: boolean; dbPath: string; endpoint?: string; seed: boolean; json?: boolean }, command: Command) => {
      if (options.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(options.endpoint)) {
        command.error(`error: option '--endpoint <url>' argument '${options.endpoint}' is invalid. expected a URL like http://127.0.0.1:8000.`, { exitCode: EXIT_CODES.USAGE, code: 'commander.invalidArgument' });
      }
      context.endpoint = options.endpoint ?? `http://127.0.0.1:${options.port}`;
      context.tableName = io.env.DATAOPS_EXECUTION_TABLE?.trim() || LOCAL_TABLE_NAME;
      process.exitCode = await runLocal(
        { port: options.port, inMemory: options.inMemory, dbPath: options.dbPath, endpoint: options.endpoint, seed: options.seed, json: options.json === true },
        out(options.json),
      );
    });

  // -- seed ----------------------------------------------------------------------------------
  program
    .command('seed')
    .description('load the demo fixture into the configured DynamoDB Local table (creates the table if missing)')
    .addOption(new Option('--rebase-to <date>', 'move the fixture dates so they center on this day (default: today)').argParser(calendarDate))
    .option('--force', 'load even if the table already holds data', false)
    .addOption(jsonOption())
    .action(async (options: { rebaseTo?: string; force: boolean; json?: boolean }) => {
      const { store, client, tableName, endpoint } = open();
      if (!endpoint) {
        throw new CliError('seed writes demo data and only runs against DynamoDB Local: set DYNAMODB_ENDPOINT (or DATAOPS_STAGE=local).', EXIT_CODES.CONFIG);
      }
      const created = await ensureTable(client, tableName);
      if (!options.force && !(await tableIsEmpty(client, tableName))) {
        throw new CliError(`Table ${tableName} already holds data: \`exstate seed --force\` loads the fixture on top of it.`, EXIT_CODES.REJECTED);
      }
      const rebaseTo = options.rebaseTo ?? localDate(new Date(), systemTimeZone());
      const loadFixture = await importFixtureLoader();
      const result = describeFixtureResult(await loadFixture(store.service, { rebaseTo }));
      const o = out(options.json);
      if (o.json) {
        printJson(o, { table: tableName, endpoint, table_created: created, rebased_to: rebaseTo, ...result });
      } else {
        o.write(`Loaded the fixture into ${tableName} at ${endpoint}${result.items !== undefined ? ` (${plural(result.items, 'item')})` : ''}, dates rebased to ${rebaseTo}${created ? '; created the table first' : ''}.`);
        if (result.counts) o.write(renderTable(Object.entries(result.counts), [{ header: 'Entity', value: ([k]) => k }, { header: 'Items', value: ([, v]) => v, align: 'right' }]));
      }
    });

  // -- tasks ---------------------------------------------------------------------------------
  const tasks = program.command('tasks').description("task views: an operator's day, overdue, upcoming, a bundle's tasks, a task's history");

  tasks
    .command('today')
    .description("open tasks due today for an operator (today in the operator's time zone unless --tz)")
    .requiredOption('--assignee <user>', 'user ID or e-mail address', userRef)
    .addOption(new Option('--tz <zone>', 'IANA time zone for "today" (default: the operator\'s)').argParser(timeZone))
    .addOption(jsonOption())
    .action(async (options: { assignee: string; tz?: string; json?: boolean }) => {
      const { store } = open();
      const user = await resolveUser(store, options.assignee);
      const zone = options.tz ?? user.timezone;
      const result = await store.tasks.listToday({ assignee_id: user.user_id, time_zone: zone });
      const o = out(options.json);
      if (o.json) return printJson(o, { assignee: publicUser(user), today: result.today, time_zone: zone, items: result.items });
      printList(o, `Due today (${result.today}, ${zone}) for ${userLabel(user)}: ${plural(result.items.length, 'open task')}`, result.items, taskColumns(new Map(), { assignee: false }));
    });

  tasks
    .command('overdue')
    .description('open tasks due before today: one operator\'s, or the whole team\'s')
    .addOption(new Option('--assignee <user>', 'user ID or e-mail address (default: whole team)').argParser(userRef))
    .addOption(new Option('--tz <zone>', 'IANA time zone for "today" (default: the operator\'s, or this machine\'s for the team)').argParser(timeZone))
    .addOption(new Option('--today <date>', 'take this date as today (YYYY-MM-DD)').argParser(calendarDate))
    .addOption(jsonOption())
    .action(async (options: { assignee?: string; tz?: string; today?: string; json?: boolean }) => {
      const { store } = open();
      const user = options.assignee ? await resolveUser(store, options.assignee) : undefined;
      const zone = options.tz ?? user?.timezone ?? systemTimeZone();
      const today = options.today ?? localDate(new Date(), zone);
      const result = await store.tasks.listOverdue({ today, ...(user ? { assignee_id: user.user_id } : {}) });
      const o = out(options.json);
      if (o.json) return printJson(o, { assignee: user ? publicUser(user) : null, today, items: result.items });
      const names = await namesOf(store, result.items.map((t) => t.assignee_id));
      printList(o, `Overdue before ${today} (${user ? userLabel(user) : 'whole team'}): ${plural(result.items.length, 'open task')}`, result.items, taskColumns(names, { assignee: !user }));
    });

  tasks
    .command('upcoming')
    .description('open tasks of an operator due in the next days, starting today')
    .requiredOption('--assignee <user>', 'user ID or e-mail address', userRef)
    .addOption(new Option('--days <n>', 'how many days, today included').default(7).argParser(integer(1, 366)))
    .addOption(new Option('--from <date>', 'first day (default: today in the operator\'s time zone)').argParser(calendarDate))
    .addOption(new Option('--tz <zone>', 'IANA time zone for "today" (default: the operator\'s)').argParser(timeZone))
    .addOption(jsonOption())
    .action(async (options: { assignee: string; days: number; from?: string; tz?: string; json?: boolean }) => {
      const { store } = open();
      const user = await resolveUser(store, options.assignee);
      const from = options.from ?? localDate(new Date(), options.tz ?? user.timezone);
      const result = await store.tasks.listUpcoming({ assignee_id: user.user_id, from, days: options.days });
      const o = out(options.json);
      if (o.json) return printJson(o, { assignee: publicUser(user), from, days: options.days, items: result.items });
      printList(o, `Upcoming for ${userLabel(user)}, ${plural(options.days, 'day')} from ${from}: ${plural(result.items.length, 'open task')}`, result.items, taskColumns(new Map(), { assignee: false }));
    });

  tasks
    .command('by-bundle')
    .description("a bundle's tasks (with its files and artifacts), from one query")
    .argument('<bundle-id>', 'bundle ID (bdl_…)', idOf('bundle', 'bundle'))
    .addOption(jsonOption())
    .action(async (bundleId: string, options: { json?: boolean }) => {
      const { store } = open();
      const detail = await store.bundles.getWithTasks(bundleId);
      const o = out(options.json);
      if (o.json) {
        return printJson(o, { bundle: detail.bundle, items: detail.tasks, files: detail.files, artifacts: detail.artifacts, template_instance: detail.template_instance });
      }
      const names = await namesOf(store, detail.tasks.map((t) => t.assignee_id));
      const b = detail.bundle;
      printList(
        o,
        `Bundle ${b.bundle_id} "${b.title}" (${b.status}, stage ${b.stage}): ${plural(detail.tasks.length, 'task')}, ${plural(detail.files.length, 'file')}, ${plural(detail.artifacts.length, 'artifact')}`,
        detail.tasks,
        taskColumns(names).filter((c) => c.header !== 'Bundle'),
      );
    });

  tasks
    .command('history')
    .description("a task's status changes, oldest first")
    .argument('<task-id>', 'task ID (tsk_…)', idOf('task', 'task'))
    .addOption(jsonOption())
    .action(async (taskId: string, options: { json?: boolean }) => {
      const { store } = open();
      const [task, history] = await Promise.all([store.tasks.get(taskId), store.tasks.history(taskId)]);
      if (!task) throw new CliError(`Task ${taskId} does not exist.`, EXIT_CODES.REJECTED);
      const o = out(options.json);
      if (o.json) return printJson(o, { task, items: history.items });
      const names = await namesOf(store, history.items.map((t) => t.actor_id));
      printList<TaskTransition>(o, `History of ${task.task_id} "${task.title}" (now ${task.status}, version ${task.version}): ${plural(history.items.length, 'change')}`, history.items, [
        { header: 'At', value: (t) => t.at },
        { header: 'From', value: (t) => t.from_status },
        { header: 'To', value: (t) => t.to_status },
        { header: 'By', value: (t) => names.get(t.actor_id) ?? t.actor_id, max: 24 },
        { header: 'Note', value: (t) => t.note, max: 40 },
      ]);
    });

  // -- schedules -----------------------------------------------------------------------------
  const schedules = program.command('schedules').description('recurring schedules');
  schedules
    .command('due')
    .description('enabled schedules whose next run is due now or within the next minutes')
    .addOption(new Option('--within <minutes>', 'look this many minutes ahead').default(60).argParser(integer(0, 60 * 24 * 366)))
    .addOption(jsonOption())
    .action(async (options: { within: number; json?: boolean }) => {
      const { store } = open();
      const result = await store.schedules.listDueSoon({ within_minutes: options.within });
      const o = out(options.json);
      if (o.json) return printJson(o, { within_minutes: options.within, now: new Date().toISOString(), items: result.items });
      const names = await namesOf(store, result.items.map((s) => s.assignee_id));
      printList<RecurringSchedule>(o, `Schedules due within ${plural(options.within, 'minute')}: ${result.items.length}`, result.items, [
        { header: 'Schedule', value: (s) => s.schedule_id },
        { header: 'Title', value: (s) => s.title, max: 36 },
        { header: 'Cron', value: (s) => s.cron },
        { header: 'Time zone', value: (s) => s.time_zone },
        { header: 'Next run (UTC)', value: (s) => s.next_run_at },
        { header: 'Assignee', value: (s) => (s.assignee_id ? names.get(s.assignee_id) : ''), max: 24 },
      ]);
    });

  const scheduler = program.command('scheduler').description('the scheduler Lambda\'s work, run from here');
  scheduler
    .command('run')
    .description('run the scheduler once against the configured table (creates due recurring tasks, claims due notifications), as the Lambda does')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      const { store } = open();
      const o = out(options.json);
      const summary = await runScheduler(store, {
        workerId: workerIdFor({ functionName: 'exstate', awsRequestId: `${process.pid}-${Date.now()}` }),
        // The JSON log lines go to stderr; stdout carries the summary.
        log: (record) => void io.stderr.write(`${JSON.stringify(record)}\n`),
      });
      if (o.json) printJson(o, summary);
      else o.write(`Scheduler run: ${plural(summary.created, 'task')} created (${summary.skipped} skipped), ${plural(summary.claimed, 'notification')} claimed (${summary.lost} lost to another worker)${summary.errors ? `, ${plural(summary.errors, 'error')}` : ''}.`);
      if (summary.errors) throw new CliError(`The scheduler run had ${plural(summary.errors, 'error')}; see the log lines above.`, EXIT_CODES.REJECTED);
    });

  // -- notifications -------------------------------------------------------------------------
  const notifications = program.command('notifications').description('reminders and notices');
  notifications
    .command('due')
    .description('pending notifications that are due now, oldest first')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      const { store } = open();
      const result = await store.notifications.listDue();
      const o = out(options.json);
      if (o.json) return printJson(o, { now: new Date().toISOString(), items: result.items });
      const names = await namesOf(store, result.items.map((n) => n.recipient_id));
      printList<Notification>(o, `Due notifications: ${result.items.length}`, result.items, [
        { header: 'Notification', value: (n) => n.notification_id },
        { header: 'Kind', value: (n) => n.kind },
        { header: 'Due (UTC)', value: (n) => n.due_at },
        { header: 'Recipient', value: (n) => (n.recipient_id ? names.get(n.recipient_id) : 'everyone'), max: 24 },
        { header: 'Message', value: (n) => n.message, max: 40 },
      ]);
    });

  // -- export / validate / import ------------------------------------------------------------
  function printFindings(o: Output, result: ValidationResult): void {
    if (result.findings.length === 0) return;
    o.write(
      renderTable<Finding>(result.findings.slice(0, 20), [
        { header: 'Code', value: (f) => f.code },
        { header: 'File', value: (f) => (f.line ? `${f.file}:${f.line}` : f.file) },
        { header: 'Message', value: (f) => f.message, max: 80 },
      ]),
    );
    if (result.totalFindings > 20) o.write(`  … and ${result.totalFindings - 20} more (--json lists up to 1000)`);
  }

  function countsTable(counts: Record<string, number>): string {
    return renderTable(Object.entries(counts), [
      { header: 'Entity', value: ([k]) => k },
      { header: 'Rows', value: ([, v]) => v, align: 'right' },
    ]);
  }

  program
    .command('export')
    .description('write the table\'s durable data as a portable, validated export (JSONL per entity + manifest.json)')
    .requiredOption('--out <dir>', 'output directory (must be empty or new)')
    .option('--overwrite', 'replace an existing export in the directory', false)
    .addOption(new Option('--redact <profile>', 'pii: pseudonymize personal data (not restorable)').choices(['none', 'pii']).default('none'))
    .addOption(new Option('--segments <n>', 'parallel scan segments').default(4).argParser(integer(1, 64)))
    .addOption(jsonOption())
    .action(async (options: { out: string; overwrite: boolean; redact: 'none' | 'pii'; segments: number; json?: boolean }) => {
      const { client, tableName } = open();
      const result = await exportExecutionData({
        client,
        tableName,
        outDir: resolve(options.out),
        overwrite: options.overwrite,
        redaction: options.redact,
        segments: options.segments,
        progress: options.json ? false : undefined,
      });
      const o = out(options.json);
      const validation = result.validation;
      if (o.json) {
        printJson(o, {
          out_dir: result.outDir,
          manifest_path: result.manifestPath,
          counts: result.counts,
          scanned_items: result.scannedItems,
          unparsed: result.unparsed,
          omitted: result.omitted,
          validation: validation ? { ok: validation.ok, total_findings: validation.totalFindings, findings: validation.findings } : null,
        });
      } else {
        const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
        o.write(`Exported ${plural(rows, 'row')} from ${tableName} (${plural(result.scannedItems, 'item')} scanned) to ${result.outDir}`);
        o.write(countsTable(result.counts));
        if (result.unparsed.count) o.write(`  ${plural(result.unparsed.count, 'item')} could not be parsed: see ${result.unparsed.file}`);
        if (validation) {
          o.write(validation.ok ? '  Validation: ok.' : `  Validation: ${plural(validation.totalFindings, 'finding')}.`);
          printFindings(o, validation);
        }
      }
      if (validation && !validation.ok) throw new CliError(`The export in ${result.outDir} did not validate (${plural(validation.totalFindings, 'finding')}).`, EXIT_CODES.REJECTED);
    });

  program
    .command('validate-export')
    .description('check an export directory: manifest, checksums, every row against the registry, references')
    .argument('<dir>', 'export directory')
    .addOption(jsonOption())
    .action(async (dir: string, options: { json?: boolean }) => {
      const result = await validateExport(resolve(dir));
      const o = out(options.json);
      if (o.json) printJson(o, { ok: result.ok, dir: result.dir, counts: result.counts, total_findings: result.totalFindings, finding_counts: result.findingCounts, findings: result.findings, truncated: result.truncated });
      else {
        o.write(result.ok ? `${result.dir}: valid export (${plural(Object.values(result.counts).reduce((a, b) => a + b, 0), 'row')}).` : `${result.dir}: ${plural(result.totalFindings, 'finding')}.`);
        if (Object.keys(result.counts).length) o.write(countsTable(result.counts));
        printFindings(o, result);
      }
      if (!result.ok) throw new CliError(`${result.dir} is not a valid export (${plural(result.totalFindings, 'finding')}).`, EXIT_CODES.REJECTED);
    });

  program
    .command('import')
    .description('restore a validated export into the configured table (which must be empty)')
    .argument('<dir>', 'export directory')
    .option('--dry-run', 'validate and check the table, write nothing', false)
    .option('--allow-non-empty', 'write into a table that already holds items (re-running an interrupted import)', false)
    .option('--allow-redacted', 'restore a pseudonymized (pii) export', false)
    .addOption(jsonOption())
    .action(async (dir: string, options: { dryRun: boolean; allowNonEmpty: boolean; allowRedacted: boolean; json?: boolean }) => {
      const { client, tableName, endpoint } = open();
      // Locally, a missing table is created from the template; on AWS, CloudFormation owns it.
      let created = false;
      if (endpoint && !options.dryRun && !(await tableExists(client, tableName))) created = await ensureTable(client, tableName);
      const result = await importExecutionData({
        client,
        tableName,
        dir: resolve(dir),
        dryRun: options.dryRun,
        allowNonEmpty: options.allowNonEmpty,
        allowRedacted: options.allowRedacted,
        onProgress: options.json || !(io.stderr as { isTTY?: boolean }).isTTY ? undefined : (p) => note(`[import] ${p.entity}: ${p.written}/${p.total}`),
      });
      const o = out(options.json);
      if (o.json) {
        printJson(o, {
          dir: result.dir,
          table: result.tableName,
          table_created: created,
          dry_run: result.dryRun,
          counts: result.counts,
          written: result.written,
          retries: result.retries,
          verification: result.verification ?? null,
        });
      } else {
        o.write(
          result.dryRun
            ? `Dry run: ${result.dir} is valid and would write ${plural(Object.values(result.counts).reduce((a, b) => a + b, 0), 'item')} into ${result.tableName}.`
            : `Imported ${plural(result.written, 'item')} from ${result.dir} into ${result.tableName}${created ? ' (created the table first)' : ''}${result.verification ? (result.verification.ok ? '; verified.' : '; verification FAILED.') : '.'}`,
        );
        o.write(countsTable(result.counts));
      }
    });

  registerMigrateCommands(program, { io, open, out });

  // Every leaf command's help ends with the configuration and exit codes too.
  for (const command of [program, ...program.commands.flatMap((c) => [c, ...c.commands])]) {
    if (command !== program && command.commands.length === 0) command.addHelpText('after', `\nConfiguration and exit codes: exstate --help`);
  }

  return { program, context };
}

/** Runs the CLI; resolves with the exit code (never throws, never exits the process itself). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { program, context } = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (and the usage hint).
      return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }
    const { message, exitCode } = describeError(error, context);
    io.stderr.write(`exstate: ${message}\n`);
    if (io.env.EXSTATE_DEBUG === '1' || io.env.EXSTATE_DEBUG === 'true') io.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    return exitCode;
  }
}
