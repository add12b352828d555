/**
 * `exstate local` (what `npm start` runs): DynamoDB Local with the production table, demo data,
 * the environment a handler needs and the access-pattern report; then it waits for Ctrl-C and
 * stops DynamoDB Local cleanly.
 */
import { tableHoldsItems } from '../export/scan.js';
import { relative, resolve } from 'node:path';
import { assertLoopbackEndpoint, resolveTableName } from '../config.js';
import { ExecutionStoreError } from '../errors.js';
import { addDays } from '../formats.js';
import { createExecutionStore } from '../store.js';
import { ensureTable, SYNTHESIZED_TEMPLATE_PATH, tableSchemaDifferences } from '../local/create-table.js';
import { loadFixture, summarizeLoad } from '../local/demo-fixture.js';
import { createDirectory } from '../local/directories.js';
import { DynamoDbLocalError, javaVersion, portIsFree, startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local.js';
import { attachRequestLog } from '../local/request-log.js';
import { createCliClient } from './connect.js';
import { EXIT_CODES, type ExitCode } from './errors.js';
import { printJson, renderFields, type Output } from './format.js';
import { PROJECT_ROOT } from './project.js';
import { discoverSubjects, renderReport, runAccessPatternReport, type ReportRow } from './report.js';
import { todayIn } from './today.js';
import type { DemoTemplate } from '../local/demo-template.js';

export const DEFAULT_DB_PATH = resolve(PROJECT_ROOT, '.local/dynamodb');

/** The Git-to-runtime demo: an example template committed to a throwaway repository, instantiated two weeks out. */
const DEMO_TEMPLATE = {
  source: resolve(PROJECT_ROOT, 'examples/templates/meetup.yaml'),
  repoDir: resolve(PROJECT_ROOT, '.local/template-repo'),
  path: 'templates/meetup.yaml',
  ownerEmail: 'anna.schmidt@example.org',
  anchorDaysFromToday: 14,
};

export interface LocalOptions {
  port: number;
  inMemory: boolean;
  dbPath: string;
  /** Use a DynamoDB Local that is already running (e.g. Docker) instead of starting the jar. */
  endpoint?: string;
  seed: boolean;
  json: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function explainStartFailure(error: unknown, port: number): never {
  if (error instanceof DynamoDbLocalError) {
    if (error.code === 'JAVA_MISSING') {
      throw new DynamoDbLocalError(error.code, `${error.message} With Docker: \`docker run -p 8000:8000 amazon/dynamodb-local\`, then \`npm start -- --endpoint http://127.0.0.1:8000\`.`, { cause: error });
    }
    if (error.code === 'PORT_IN_USE') {
      const alt = port === 8000 ? 8001 : port + 1;
      throw new DynamoDbLocalError(error.code, `${error.message.replace(/\.$/, '')} (is \`npm start\` already running in another terminal? Otherwise: \`npm start -- --port ${alt}\`).`, { cause: error });
    }
    throw new DynamoDbLocalError(error.code, `DynamoDB Local did not start: ${error.message}`, { cause: error });
  }
  throw error;
}

export async function runLocal(options: LocalOptions, output: Output): Promise<ExitCode> {
  const started = performance.now();
  let db: DynamoDbLocal | undefined;
  let stopping = false;

  // Installed before DynamoDB Local starts, so they run before the harness's own exit hooks and
  // stop Java with SIGTERM (a clean shutdown) instead of SIGKILL. A second Ctrl-C forces it.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping || !db) {
      // Still starting (the harness's exit hook kills Java), or a second Ctrl-C.
      if (db) {
        try {
          process.kill(db.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      process.exit(130);
    }
    stopping = true;
    const instance = db;
    log(`\n${signal}: stopping DynamoDB Local (pid ${instance.pid})…`);
    instance.stop().then(
      () => {
        log('DynamoDB Local stopped.');
        process.exit(EXIT_CODES.OK);
      },
      (error: unknown) => {
        log(`Could not stop DynamoDB Local cleanly: ${(error as Error).message}`);
        process.exit(EXIT_CODES.UNREACHABLE);
      },
    );
  };
  if (!options.endpoint) for (const signal of SIGNALS) process.on(signal, onSignal);

  try {
    let endpoint: string;
    let dataPath: string | null = null;
    if (options.endpoint) {
      // It creates the table and loads demo data (admin users, a session): never anywhere but here.
      assertLoopbackEndpoint(options.endpoint, 'create and seed the local store');
      endpoint = options.endpoint;
      log(`Using the DynamoDB at ${endpoint} (not started by exstate)…`);
    } else {
      dataPath = options.inMemory ? null : resolve(options.dbPath);
      // First, so an unusable directory (read-only, full, not writable) is the only line printed.
      if (dataPath) createDirectory(dataPath, 'create the data directory');
      // Announce the start only when it can work, so a missing Java or a taken port is one line.
      const java = javaVersion();
      if (java !== null && java >= 17 && (await portIsFree(options.port))) {
        log(`Starting DynamoDB Local on port ${options.port} (${dataPath ? `data in ${relative(process.cwd(), dataPath) || '.'}` : 'in memory'})…`);
      }
      try {
        db = await startDynamoDbLocal({ port: options.port, ...(dataPath ? { dbPath: dataPath } : {}), startTimeoutMs: 45_000 });
      } catch (error) {
        explainStartFailure(error, options.port);
      }
      endpoint = db.endpoint;
    }

    const env = { ...process.env, DATAOPS_STAGE: 'local', DYNAMODB_ENDPOINT: endpoint };
    const tableName = resolveTableName(env);
    const admin = createCliClient(env);
    const created = await ensureTable(admin, tableName);
    const drift = created ? [] : await tableSchemaDifferences(admin, tableName);
    const startOver = dataPath
      ? `stop, \`rm -rf ${relative(process.cwd(), dataPath) || '.'}\` and start again (or use --in-memory)`
      : `delete the table (\`aws dynamodb delete-table --table-name ${tableName} --endpoint-url ${endpoint}\`) and start again`;
    if (drift.length > 0) {
      throw new ExecutionStoreError('TABLE_NOT_FOUND', `Table ${tableName} at ${endpoint} does not match the template (${drift.join('; ')}): ${startOver}.`, { tableName, differences: drift });
    }
    const client = createCliClient(env);
    const meter = attachRequestLog(client);
    const store = createExecutionStore({ client, tableName });

    const today = todayIn();
    let seeded: { loaded: boolean; rebased_to?: string; items?: number; counts?: Record<string, number>; reason?: string };
    if (!options.seed) {
      seeded = { loaded: false, reason: 'skipped (--no-seed)' };
    } else if ((await tableHoldsItems(admin, tableName))) {
      seeded = { loaded: false, reason: 'the table already holds data (kept as it is)' };
    } else {
      log(`Loading the fixture (dates rebased to ${today})…`);
      const result = await loadFixture(store.service, { rebaseTo: today });
      seeded = { loaded: true, rebased_to: today, ...summarizeLoad(result) };
    }

    const { anchorDaysFromToday, ...demoOptions } = DEMO_TEMPLATE;
    // Imported here: the template library (yaml, ajv) is not loaded by the CLI's other commands.
    const { demoTemplateOrReason } = await import('../local/demo-template.js');
    const templateDemo: DemoTemplate | { skipped: string } = options.seed
      ? await demoTemplateOrReason(store, { ...demoOptions, anchorDate: addDays(today, anchorDaysFromToday, 'anchorDaysFromToday'), freshTable: seeded.loaded })
      : { skipped: 'skipped (--no-seed)' };
    const demo = 'skipped' in templateDemo ? undefined : templateDemo;
    const subjects = await discoverSubjects(store, { skipBundles: demo ? [demo.bundle.bundle_id] : [] });
    subjects.template = demo ? { bundle: demo.bundle, template_instance: demo.template_instance } : null;
    const report: ReportRow[] = await runAccessPatternReport(store, meter, { today, subjects });
    const readyMs = Math.round(performance.now() - started);
    const handlerEnv = { DYNAMODB_ENDPOINT: endpoint, DATAOPS_EXECUTION_TABLE: tableName };

    if (output.json) {
      printJson(output, {
        endpoint,
        port: db?.port ?? null,
        pid: db?.pid ?? null,
        data_path: dataPath,
        table: tableName,
        table_created: created,
        fixture: seeded,
        template_demo: demo
          ? { repository: demo.repository, template_id: demo.template_id, template_version: demo.template_version, bundle_id: demo.bundle.bundle_id, template_instance_id: demo.template_instance.template_instance_id, tasks: demo.tasks, created: demo.created }
          : templateDemo,
        env: handlerEnv,
        report,
        ready_ms: readyMs,
      });
    } else {
      const template = relative(process.cwd(), SYNTHESIZED_TEMPLATE_PATH) || SYNTHESIZED_TEMPLATE_PATH;
      output.write('');
      output.write('DataOps execution-state store (local)');
      output.write(
        renderFields([
          ['endpoint', db ? `${endpoint}  (DynamoDB Local, pid ${db.pid})` : endpoint],
          ['data', dataPath ?? (db ? 'in memory (gone when stopped)' : 'managed by that DynamoDB')],
          ['table', `${tableName}  (${created ? 'created from' : 'schema from'} ${template})`],
          [
            'fixture',
            seeded.loaded
              ? `loaded${seeded.items !== undefined ? ` ${seeded.items} items` : ''}, dates rebased to ${seeded.rebased_to}`
              : `not loaded: ${seeded.reason}`,
          ],
          [
            'template',
            demo
              ? `${demo.template_id} at ${demo.template_version.slice(0, 7)} in ${relative(process.cwd(), demo.repository) || '.'} -> bundle ${demo.bundle.bundle_id}, ${demo.tasks} tasks (${demo.created ? 'instantiated now' : 'from an earlier start'})`
              : `not instantiated: ${'skipped' in templateDemo ? templateDemo.skipped : ''}`,
          ],
        ]),
      );
      output.write('');
      output.write('Environment for a handler or the CLI in another terminal:');
      output.write(Object.entries(handlerEnv).map(([k, v]) => `  export ${k}=${v}`).join('\n'));
      output.write('');
      output.write('V1 access patterns against this data:');
      output.write(renderReport(report));
      output.write('');
      const someone = subjects.operators.find((u) => u.role === 'operator') ?? subjects.operators[0];
      const example = someone ? `tasks upcoming --assignee ${someone.email}` : 'tasks overdue';
      output.write(`Ready in ${(readyMs / 1000).toFixed(1)} s. In another terminal: npx exstate ${example}   (npx exstate --help lists every command)`);
      if (demo) output.write(`The Git template behind bundle ${demo.bundle.bundle_id}: npx exstate templates show ${demo.template_instance.template_instance_id} --repo ${relative(process.cwd(), demo.repository) || '.'}`);
    }

    if (!db) return EXIT_CODES.OK;
    log('DynamoDB Local is running. Press Ctrl-C to stop it.');
    const instance = db;
    // Keep running until a signal; notice when Java dies underneath us.
    await new Promise<never>((_, reject) => {
      setInterval(() => {
        try {
          process.kill(instance.pid, 0);
        } catch {
          if (!stopping) reject(new DynamoDbLocalError('EXITED', `DynamoDB Local (pid ${instance.pid}) exited unexpectedly.`));
        }
      }, 2_000);
    });
    return EXIT_CODES.OK;
  } catch (error) {
    stopping = true;
    await db?.stop();
    throw error;
  }
}
