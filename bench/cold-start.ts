/**
 * Section 4: cold start of the scheduler handler. Both the handler and a baseline module that
 * only constructs a bare DynamoDBClient are bundled the way SAM bundles functions (esbuild,
 * minified, ESM, the AWS SDK external as deployed and, for comparison, bundled), then imported in
 * fresh Node processes; the median import time is the module initialisation a Lambda cold start
 * pays. A ladder of modules between the two (+ lib-dynamodb, + ElectroDB, + croner) shows where
 * the handler's time goes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export interface ColdStartVariant {
  /** How the AWS SDK is packaged. */
  sdk: 'external' | 'bundled';
  handlerBundleBytes: number;
  baselineBundleBytes: number;
  handlerInitMs: number;
  baselineInitMs: number;
  ratio: number;
}

/** One rung of the ladder from the bare client to the handler (AWS SDK from the runtime). */
export interface ColdStartStep {
  step: string;
  initMs: number;
  /** initMs / the bare client's, measured in the same interleaved runs. */
  ratio: number;
}

export interface ColdStartMeasurement {
  runs: number;
  variants: ColdStartVariant[];
  /** Where the handler's initialisation goes: each rung adds one dependency to the bare client. */
  ladder?: ColdStartStep[];
}

/** lib-dynamodb loaded as the store and ElectroDB load it (src/document-client.ts: required, not imported). */
const REQUIRE_LIB = "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nconst { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');\nexport const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));\n";

/** The ladder's intermediate modules: what each rung adds over the one before. */
const LADDER: { step: string; source: string }[] = [
  { step: '+ lib-dynamodb (required, as src/document-client.ts loads it)', source: REQUIRE_LIB },
  { step: '+ ElectroDB loaded (no entity built)', source: `${REQUIRE_LIB}import { Entity } from 'electrodb';\nexport const entity = Entity;\n` },
  { step: '+ croner loaded', source: `${REQUIRE_LIB}import { Entity } from 'electrodb';\nimport { Cron } from 'croner';\nexport const loaded = [Entity, Cron];\n` },
];

const EXTERNAL_SDK = ['@aws-sdk/*']; // as lambda-functions/template.full.yaml

async function bundle(entry: string, outfile: string, sdk: ColdStartVariant['sdk']): Promise<number> {
  await build({
    external: sdk === 'external' ? EXTERNAL_SDK : [],
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // ESM bundles of CommonJS dependencies need a require for Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

function importTimeMs(file: string, env: NodeJS.ProcessEnv): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`import of ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export async function measureColdStart(options: { runs: number }): Promise<ColdStartMeasurement> {
  // Inside the project, so bundles that leave the SDK external resolve it from node_modules
  // (in Lambda the runtime provides it).
  const dir = mkdtempSync(resolve('bench', '.cold-start-'));
  try {
    const baselineEntry = join(dir, 'baseline.ts');
    writeFileSync(baselineEntry, "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({});\nexport const handler = async () => client.config.region;\n");
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'cold',
      AWS_SECRET_ACCESS_KEY: 'start',
      DATAOPS_EXECUTION_TABLE: 'dataops-execution-prod',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const variants: ColdStartVariant[] = [];
    let ladder: ColdStartStep[] | undefined;
    for (const sdk of ['external', 'bundled'] as const) {
      const handlerOut = join(dir, `scheduler-${sdk}.mjs`);
      const baselineOut = join(dir, `baseline-${sdk}.mjs`);
      const handlerBundleBytes = await bundle(resolve('src/handlers/scheduler.ts'), handlerOut, sdk);
      const baselineBundleBytes = await bundle(baselineEntry, baselineOut, sdk);
      // The ladder only for the SDK from the runtime (the deployed packaging).
      const rungs: string[] = [];
      if (sdk === 'external') {
        for (const [i, rung] of LADDER.entries()) {
          writeFileSync(join(dir, `rung-${i}.ts`), rung.source);
          rungs.push(join(dir, `rung-${i}.mjs`));
          await bundle(join(dir, `rung-${i}.ts`), rungs[i]!, sdk);
        }
      }
      const handlerTimes: number[] = [];
      const baselineTimes: number[] = [];
      const rungTimes: number[][] = rungs.map(() => []);
      // Interleaved, so machine noise hits every module alike.
      for (let i = 0; i < options.runs; i += 1) {
        handlerTimes.push(importTimeMs(handlerOut, env));
        baselineTimes.push(importTimeMs(baselineOut, env));
        rungs.forEach((file, r) => rungTimes[r]!.push(importTimeMs(file, env)));
      }
      const handlerInitMs = median(handlerTimes);
      const baselineInitMs = median(baselineTimes);
      variants.push({ sdk, handlerBundleBytes, baselineBundleBytes, handlerInitMs, baselineInitMs, ratio: handlerInitMs / baselineInitMs });
      if (rungs.length > 0) {
        ladder = [
          { step: 'bare DynamoDBClient (the baseline)', initMs: baselineInitMs, ratio: 1 },
          ...LADDER.map(({ step }, r) => ({ step, initMs: median(rungTimes[r]!), ratio: median(rungTimes[r]!) / baselineInitMs })),
          { step: 'the scheduler handler (the store, its services and config)', initMs: handlerInitMs, ratio: handlerInitMs / baselineInitMs },
        ];
      }
    }
    return { runs: options.runs, variants, ladder };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
