/**
 * Batched puts through an ElectroDB entity (so ElectroDB builds every key and index attribute),
 * retrying unprocessed items with exponential backoff and jitter. Used by the import and by the
 * test fixture loader.
 */
import { PortableExportError } from './errors.js';

/** The slice of an ElectroDB entity this module needs (batch put). */
export interface BatchPutEntity {
  put(items: Record<string, unknown>[]): { go(options?: Record<string, unknown>): Promise<{ unprocessed: unknown[] }> };
}

export interface BatchPutOptions {
  /** Parallel BatchWriteItem requests per call (ElectroDB `concurrency`). */
  concurrency?: number;
  /** Retries for unprocessed items before giving up with IMPORT_INCOMPLETE. */
  maxRetries?: number;
  /** First backoff delay; doubles per retry (with full jitter), capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Name for error messages. */
  entityName?: string;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface BatchPutResult {
  written: number;
  /** How many times unprocessed items had to be sent again. */
  retries: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function batchPutWithRetry(entity: BatchPutEntity, items: Record<string, unknown>[], options: BatchPutOptions = {}): Promise<BatchPutResult> {
  const { concurrency = 4, maxRetries = 10, baseDelayMs = 50, maxDelayMs = 5_000, entityName = 'item', sleep = defaultSleep, random = Math.random } = options;
  if (items.length === 0) return { written: 0, retries: 0 };
  let pending = items;
  let retries = 0;
  for (let attempt = 0; ; attempt += 1) {
    const { unprocessed } = await entity.put(pending).go({ concurrency });
    if (!unprocessed || unprocessed.length === 0) return { written: items.length, retries };
    if (attempt >= maxRetries) {
      throw new PortableExportError(
        'IMPORT_INCOMPLETE',
        `${unprocessed.length} ${entityName} item(s) were still unprocessed after ${maxRetries} retries (DynamoDB throttling?); nothing was skipped silently: re-run the import with allowNonEmpty (puts are idempotent) once the table has capacity`,
        { entity: entityName, unprocessed: unprocessed.length },
      );
    }
    pending = unprocessed as Record<string, unknown>[];
    retries += 1;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    await sleep(Math.round(random() * cap));
  }
}
