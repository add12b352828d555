/**
 * Section 5: export and import throughput and peak memory, each against the bare DynamoDB
 * operation it is built on (a parallel Scan, BatchWriteItem), every run in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../src/local/dynamodb-local.js';
import { ensureTable } from '../src/local/create-table.js';

export interface ThroughputRun {
  operation: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  maxRssMiB: number;
  /** Where an import's time went (bench/child.ts). */
  phases?: { phase: string; seconds: number }[];
}

function runChild(operation: string, args: string[]): ThroughputRun {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/child.ts', ...args], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`${operation} failed: ${result.stderr}`);
  const { ms, rows, maxRssMiB, phases } = JSON.parse(result.stdout.trim().split('\n').pop()!) as { ms: number; rows: number; maxRssMiB: number; phases?: ThroughputRun['phases'] };
  return { operation, rows, seconds: ms / 1000, rowsPerSecond: rows / (ms / 1000), maxRssMiB, ...(phases ? { phases } : {}) };
}

async function dumpRawItems(client: DynamoDBClient, tableName: string, file: string): Promise<number> {
  const lines: string[] = [];
  let key: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: key }));
    for (const item of page.Items ?? []) lines.push(JSON.stringify(item));
    key = page.LastEvaluatedKey;
  } while (key);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return lines.length;
}

export interface ExportAtSize {
  tasks: number;
  tableItems: number;
  scan: ThroughputRun;
  export: ThroughputRun;
  /** The same export with an 8 MiB sort budget: the memory bound shows at every size. */
  exportSmallBudget: ThroughputRun;
}

/** Export and the bare parallel Scan of the same table, at its current size. */
export async function measureExport(options: { endpoint: string; tableName: string; tasks: number; exportDir: string; segments?: number }): Promise<ExportAtSize> {
  const segments = String(options.segments ?? 4);
  // DynamoDB Local's JVM is still collecting after a large load: scan before and after the
  // export and keep the faster scan, so the ratio compares the export with a settled Scan.
  const scanBefore = runChild('Bare parallel Scan (4 segments)', ['scan', options.endpoint, options.tableName, '-', segments]);
  const exported = runChild('exportExecutionData (4 segments)', ['export', options.endpoint, options.tableName, options.exportDir, segments]);
  const scanAfter = runChild('Bare parallel Scan (4 segments)', ['scan', options.endpoint, options.tableName, '-', segments]);
  const scan = scanAfter.seconds < scanBefore.seconds ? scanAfter : scanBefore;
  const exportSmallBudget = runChild('exportExecutionData, 8 MiB sort budget', ['export', options.endpoint, options.tableName, `${options.exportDir}-8mib`, segments, '8']);
  return { tasks: options.tasks, tableItems: scan.rows, scan, export: exported, exportSmallBudget };
}

/**
 * Import of an export into a fresh table, against BatchWriteItem of the same raw items. Each
 * runs on its own fresh DynamoDB Local: one that already held the benchmark's tables spends
 * most of its time collecting garbage, which would measure the JVM, not the import.
 */
export async function measureImport(options: {
  admin: DynamoDBClient;
  tableName: string;
  exportDir: string;
  workDir: string;
  createClient: (endpoint: string) => DynamoDBClient;
  /** Called once the source table is dumped (e.g. to stop its DynamoDB Local and free memory). */
  sourceDone?: () => Promise<void>;
}): Promise<{ batchWrite: ThroughputRun; import: ThroughputRun }> {
  const rawFile = join(options.workDir, 'raw.jsonl');
  await dumpRawItems(options.admin, options.tableName, rawFile);
  await options.sourceDone?.();
  const onFreshDynamo = async (operation: string, mode: string, source: string): Promise<ThroughputRun> => {
    const dynamo = await startDynamoDbLocal();
    try {
      await ensureTable(options.createClient(dynamo.endpoint), options.tableName);
      return runChild(operation, [mode, dynamo.endpoint, options.tableName, source]);
    } finally {
      await dynamo.stop();
    }
  };
  const batchWrite = await onFreshDynamo('Bare BatchWriteItem of the raw items (4 in flight)', 'batch-write', rawFile);
  const imported = await onFreshDynamo('importExecutionData (validates first)', 'import', options.exportDir);
  return { batchWrite, import: imported };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'exstate-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
