/**
 * The scheduler as SAM deploys it: bundled by esbuild with the template's own BuildProperties
 * (format, target, banner, the AWS SDK left to the runtime), then imported and invoked in a fresh
 * Node process against DynamoDB Local. It creates the due recurring task: the bundle loads the
 * SDK's document client the way src/document-client.ts does (require) and works. The same with
 * the SDK bundled in, for a deployment that ships its own SDK.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { entryPointFiles, loadSamTemplate, samFunctions } from '../../infra/sam-template.js';
import { createExecutionStore } from '../../src/index.js';
import { createTestTable, type TestTable } from '../support/table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DAY = 86_400_000;
const tables: TestTable[] = [];
// A bundle that leaves the SDK external is written inside the repository, so it resolves the SDK
// from node_modules (in Lambda: the runtime's). One that bundles the SDK is written outside it,
// where no node_modules can be found: it must need nothing it does not carry.
const outDirs = { external: mkdtempSync(join(ROOT, 'test', 'handlers', '.bundle-')), bundled: mkdtempSync(join(tmpdir(), 'exstate-bundle-')) };

afterAll(async () => {
  for (const dir of Object.values(outDirs)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(tables.map((table) => table.drop()));
});

interface BuildProperties {
  EntryPoints: string[];
  Format: 'esm' | 'cjs';
  Target: string;
  Minify: boolean;
  External?: string[];
  Banner?: string[];
}

async function bundleScheduler(sdk: 'external' | 'bundled'): Promise<string> {
  const template = loadSamTemplate();
  const props = samFunctions(template).SchedulerFunction!.Metadata!.BuildProperties as unknown as BuildProperties;
  const entry = entryPointFiles({ ...template, Resources: { SchedulerFunction: samFunctions(template).SchedulerFunction! } })[0]!;
  const outfile = join(outDirs[sdk], `scheduler-${sdk}.${props.Format === 'esm' ? 'mjs' : 'cjs'}`);
  // Node 20 runs the tests; the template targets the Lambda runtime's Node (newer syntax is fine for 20 at this code's level).
  await build({
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: props.Format,
    target: 'node20',
    minify: props.Minify,
    external: sdk === 'external' ? (props.External ?? []) : [],
    banner: Object.fromEntries((props.Banner ?? []).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])),
    logLevel: 'silent',
  });
  return outfile;
}

function invokeBundle(file: string, table: TestTable, requestId: string): Record<string, unknown> {
  const script = `const { handler } = await import(${JSON.stringify(file)});
const summary = await handler({ id: 'evt-${requestId}', time: new Date().toISOString() }, { functionName: 'bundle-test', awsRequestId: '${requestId}', getRemainingTimeInMillis: () => 30000 });
process.stdout.write('SUMMARY ' + JSON.stringify(summary) + '\\n');`;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('AWS_')) env[key] = value;
  delete env.NODE_PATH;
  Object.assign(env, { DYNAMODB_ENDPOINT: table.endpoint, DATAOPS_EXECUTION_TABLE: table.tableName, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dirname(file), env, encoding: 'utf8' });
  const line = out.split('\n').find((candidate) => candidate.startsWith('SUMMARY '));
  expect(line, out).toBeDefined();
  return JSON.parse(line!.slice('SUMMARY '.length)) as Record<string, unknown>;
}

describe('the scheduler bundle', () => {
  it.each(['external', 'bundled'] as const)('runs as built by SAM (AWS SDK %s) and creates the due recurring task', async (sdk) => {
    const table = await createTestTable(`bundle-${sdk}`);
    tables.push(table);
    const threeDaysAgo = new Date(Date.now() - 3 * DAY);
    const past = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => threeDaysAgo });
    const admin = await past.users.create({ email: `bundle-${sdk}@example.org`, display_name: 'Bundle Admin', role: 'admin', timezone: 'UTC' });
    const schedule = await past.schedules.create({ title: `Daily ${sdk}`, cron: '0 9 * * *', time_zone: 'UTC', assignee_id: admin.user_id, actor: { user_id: admin.user_id, role: 'admin' } });

    const summary = invokeBundle(await bundleScheduler(sdk), table, `req-${sdk}`);
    expect(summary).toMatchObject({ created: 1, errors: 0 });
    const store = createExecutionStore({ client: table.client, tableName: table.tableName });
    const created = (await store.tasks.listByAssigneeStatus({ assignee_id: admin.user_id, status: 'todo' })).items;
    expect(created.map((task) => task.recurring_schedule_id)).toEqual([schedule.schedule_id]);
  }, 60_000);
});
