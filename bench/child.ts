/**
 * One measured operation in a fresh process, so its peak memory (maxRSS) is its own.
 * Prints one JSON line: { ms, rows, maxRssMiB } (and an import's phases). Used by bench/export-import.ts.
 *
 *   tsx bench/child.ts export|scan|import|batch-write  <endpoint> <table> <dir> [segments] [sort budget MiB]
 */
import { readFileSync } from 'node:fs';
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { exportExecutionData, importExecutionData } from '../src/export/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const [mode, endpoint, tableName, dir, segmentsArg, sortBudgetMiB] = process.argv.slice(2);
const segments = Number(segmentsArg ?? 4);
const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 10 });

async function bareScan(): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let rows = 0;
      let key: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: key, ConsistentRead: true }));
        rows += page.Count ?? 0;
        key = page.LastEvaluatedKey;
      } while (key);
      return rows;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** BatchWriteItem of raw items from a JSONL file (one marshalled item per line), 25 per request, 4 in flight. */
async function bareBatchWrite(): Promise<number> {
  const items = readFileSync(dir!, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, AttributeValue>);
  const batches: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        let requests = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt += 1) {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName!]: requests } }));
          requests = (out.UnprocessedItems?.[tableName!] ?? []) as typeof requests;
          if (requests.length > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 20));
        }
      }
    }),
  );
  return items.length;
}

/** Seconds per phase of an import: validation (and the table checks and claim), writes, verification. */
let phases: { phase: string; seconds: number }[] | undefined;

async function main(): Promise<void> {
  const started = performance.now();
  let rows: number;
  switch (mode) {
    case 'export': {
      const result = await exportExecutionData({
        client,
        tableName: tableName!,
        outDir: dir!,
        segments,
        overwrite: true,
        validate: false,
        progress: false,
        ...(sortBudgetMiB ? { sortMemoryBytes: Number(sortBudgetMiB) * 2 ** 20 } : {}),
      });
      rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
      break;
    }
    case 'scan':
      rows = await bareScan();
      break;
    case 'import': {
      // Every guarantee kept: validation first, the restore marker, and the verification Scan.
      let claimed = started;
      let lastWrite = started;
      const result = await importExecutionData({
        client,
        tableName: tableName!,
        dir: dir!,
        hooks: { afterClaim: () => void (claimed = performance.now()) },
        onProgress: () => void (lastWrite = performance.now()),
      });
      const done = performance.now();
      phases = [
        { phase: 'validation, table checks, restore marker', seconds: (claimed - started) / 1000 },
        { phase: 'writes', seconds: (lastWrite - claimed) / 1000 },
        { phase: 'verification Scan, marker released', seconds: (done - lastWrite) / 1000 },
      ];
      rows = result.written;
      break;
    }
    case 'batch-write':
      rows = await bareBatchWrite();
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ms, rows, maxRssMiB: process.resourceUsage().maxRSS / 1024, phases })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
