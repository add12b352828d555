/**
 * What the CLI does only on a DynamoDB Local on this machine (127.0.0.0/8, localhost, [::1]):
 * demo seeding, table creation, `local --endpoint`; and import into any other table only with
 * --target-table naming it, never creating a table there. Refusals come before the first
 * request: the child processes run with a network tripwire that reports (and blocks) any
 * outgoing connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { exportExecutionData } from '../../src/export/index.js';
import { loadFixture } from '../../src/local/demo-fixture.js';
import { createExecutionStore } from '../../src/store.js';
import { createTestTable, localClient, type TestTable } from '../support/table.js';
import { cliEnv, exstate, parseJson, withTripwire, type CliResult } from './support/cli.js';
import { recordCommands, runWithConnection } from './support/in-process.js';

const REMOTE = 'http://dynamodb.eu-west-1.amazonaws.com';
const NON_LOCAL_TARGET = 5;
const USAGE = 64;

/** What the issue reported: a production stage, real-looking AWS keys and an endpoint on AWS. */
const awsEnv = (table = 'dataops-execution-prod') =>
  withTripwire(
    cliEnv({
      DYNAMODB_ENDPOINT: REMOTE,
      DATAOPS_STAGE: 'prod',
      DATAOPS_EXECUTION_TABLE: table,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    }),
  );

function expectRefusedBeforeSending(result: CliResult, ...fragments: string[]): void {
  expect(result.code, result.stderr).toBe(NON_LOCAL_TARGET);
  expect(result.stderr).not.toContain('network tripwire');
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^exstate: /);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
}

let source: TestTable;
let exportDir: string;

beforeAll(async () => {
  source = await createTestTable('cli-local-only');
  await loadFixture(createExecutionStore({ client: source.client, tableName: source.tableName }).service);
  exportDir = join(mkdtempSync(join(tmpdir(), 'exstate-local-only-')), 'export');
  await exportExecutionData({ client: source.client, tableName: source.tableName, outDir: exportDir, progress: false });
});

afterAll(async () => {
  rmSync(join(exportDir, '..'), { recursive: true, force: true });
  await source?.drop();
});

describe('refused before any request when the endpoint is not on this machine', () => {
  it('seed: no table created, no demo data written (exit 5)', async () => {
    const result = await exstate(['seed'], awsEnv());
    expectRefusedBeforeSending(result, `Refusing to load demo data into dataops-execution-prod at ${REMOTE}`, '127.0.0.0/8, localhost or [::1]');
  });

  it('local --endpoint: neither creates nor seeds a table there (exit 5)', async () => {
    const result = await exstate(['local', '--endpoint', 'https://dynamodb.eu-west-1.amazonaws.com', '--json'], withTripwire(cliEnv()));
    expectRefusedBeforeSending(result, 'Refusing to create and seed the local store at https://dynamodb.eu-west-1.amazonaws.com');
  });

  it('import without --target-table, or with one that names another table (exit 5)', async () => {
    const [missing, other, dryRun] = await Promise.all([
      exstate(['import', exportDir], awsEnv()),
      exstate(['import', exportDir, '--target-table', 'dataops-execution-dev'], awsEnv()),
      exstate(['import', exportDir, '--dry-run'], awsEnv()),
    ]);
    expectRefusedBeforeSending(missing, `Refusing to import into dataops-execution-prod at ${REMOTE}`, '--target-table dataops-execution-prod');
    expectRefusedBeforeSending(other, '--target-table dataops-execution-dev does not name the configured table dataops-execution-prod');
    expectRefusedBeforeSending(dryRun, '--target-table dataops-execution-prod');
  });

  it('the tripwire does catch a command that sends (so the refusals above are real)', async () => {
    const result = await exstate(['tasks', 'overdue'], awsEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('network tripwire: connect');
  });
});

describe('import into a table that is not on a DynamoDB Local on this machine', () => {
  // A real DynamoDB Local the CLI is told is on AWS: the decision under test is the CLI's.
  const onAws = (tableName: string) => {
    const client = localClient();
    return { client, tableName, endpoint: REMOTE, sent: recordCommands(client) };
  };

  it('never creates the table: a missing one is TABLE_NOT_FOUND (exit 3) and stays missing', async () => {
    const target = onAws(`cli-never-created-${Date.now()}`);
    const result = await runWithConnection(['import', exportDir, '--target-table', target.tableName], target);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`Table ${target.tableName} does not exist`);
    expect(target.sent).not.toContain('CreateTableCommand');
    await expect(localClient().send(new DescribeTableCommand({ TableName: target.tableName }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('writes into an existing empty table when --target-table names it', async () => {
    const table = await createTestTable('cli-confirmed');
    try {
      const target = onAws(table.tableName);
      const result = await runWithConnection(['import', exportDir, '--target-table', table.tableName, '--json'], target);
      expect(result.code, result.stderr).toBe(0);
      expect(parseJson({ ...result, signal: null, ms: 0 })).toMatchObject({ table: table.tableName, table_created: false, dry_run: false, verification: { ok: true } });
      expect(target.sent).not.toContain('CreateTableCommand');
    } finally {
      await table.drop();
    }
  });

  it('a --target-table that names another table is a usage error on DynamoDB Local too (exit 64), nothing written', async () => {
    const table = await createTestTable('cli-mismatch');
    try {
      const client = localClient();
      const sent = recordCommands(client);
      const result = await runWithConnection(['import', exportDir, '--target-table', 'something-else'], { client, tableName: table.tableName, endpoint: table.endpoint });
      expect(result.code, result.stderr).toBe(USAGE);
      expect(result.stderr).toBe(`exstate: --target-table something-else does not name the configured table ${table.tableName} (DATAOPS_EXECUTION_TABLE at ${table.endpoint}): nothing was written.\n`);
      expect(sent).toEqual([]);
    } finally {
      await table.drop();
    }
  });
});
