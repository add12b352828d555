/**
 * Batched puts and deletes through an ElectroDB entity (so ElectroDB builds every key and index
 * attribute), retrying unprocessed items with exponential backoff and jitter. Used by the import
 * (and its start over) and by the test fixture loader.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '../document-client.js';
import { PortableExportError } from './errors.js';

type BatchCall = { go(options?: Record<string, unknown>): Promise<{ unprocessed: unknown[] }> };

/** The slice of an ElectroDB entity this module needs (batch put). */
export interface BatchPutEntity {
  put(items: Record<string, unknown>[]): BatchCall;
}

/** The slice of an ElectroDB entity a batch delete needs. */
export interface BatchDeleteEntity {
  delete(keys: Record<string, unknown>[]): BatchCall;
}

export interface BatchPutOptions {
  /** Parallel BatchWriteItem requests per call (see batchGoOptions). */
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

/**
 * The options of an ElectroDB batch `go()` sending `concurrency` BatchWriteItem requests in parallel.
 * ElectroDB 3.9.3 reads only `concurrent` at run time; `concurrency` exists only in its type
 * definitions and is silently ignored (one request at a time). Every batch call goes through here.
 */
export function batchGoOptions(concurrency: number): { concurrent: number } {
  return { concurrent: concurrency };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function batchPutWithRetry(entity: BatchPutEntity, items: Record<string, unknown>[], options: BatchPutOptions = {}): Promise<BatchPutResult> {
  return withRetry((pending, concurrency) => entity.put(pending).go(batchGoOptions(concurrency)), items, options, 'written');
}

/** Deletes the items with these keys (absent ones are no-ops), retrying unprocessed keys like batchPutWithRetry. */
export async function batchDeleteWithRetry(entity: BatchDeleteEntity, keys: Record<string, unknown>[], options: BatchPutOptions = {}): Promise<BatchPutResult> {
  return withRetry((pending, concurrency) => entity.delete(pending).go(batchGoOptions(concurrency)), keys, options, 'deleted');
}

/** BatchWriteItem accepts at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;

/**
 * Puts items that ElectroDB has already built (keys and index attributes included, e.g. by the
 * export validator) with plain BatchWriteItem requests of 25, `concurrency` in flight, retrying
 * unprocessed items like batchPutWithRetry. Each item is built by ElectroDB once, not again here.
 */
export async function batchWriteItemsWithRetry(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  items: Record<string, unknown>[],
  options: BatchPutOptions = {},
): Promise<BatchPutResult> {
  const send = async (pending: Record<string, unknown>[], concurrency: number) => {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < pending.length; i += BATCH_WRITE_LIMIT) chunks.push(pending.slice(i, i + BATCH_WRITE_LIMIT));
    const unprocessed: Record<string, unknown>[] = [];
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: chunk.map((Item) => ({ PutRequest: { Item } })) } }));
        for (const request of out.UnprocessedItems?.[tableName] ?? []) if (request.PutRequest?.Item) unprocessed.push(request.PutRequest.Item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
    return { unprocessed };
  };
  return withRetry(send, items, options, 'written');
}

async function withRetry(
  send: (pending: Record<string, unknown>[], concurrency: number) => Promise<{ unprocessed: unknown[] }>,
  items: Record<string, unknown>[],
  options: BatchPutOptions,
  verb: 'written' | 'deleted',
): Promise<BatchPutResult> {
  const { concurrency = 4, maxRetries = 10, baseDelayMs = 50, maxDelayMs = 5_000, entityName = 'item', sleep = defaultSleep, random = Math.random } = options;
  if (items.length === 0) return { written: 0, retries: 0 };
  let pending = items;
  let retries = 0;
  for (let attempt = 0; ; attempt += 1) {
    const { unprocessed } = await send(pending, concurrency);
    if (!unprocessed || unprocessed.length === 0) return { written: items.length, retries };
    if (attempt >= maxRetries) {
      throw new PortableExportError(
        'IMPORT_INCOMPLETE',
        `${unprocessed.length} ${entityName} item(s) were still not ${verb} after ${maxRetries} retries (DynamoDB throttling?); nothing was skipped silently: the table is partly restored, so resume the import of the same export (resume) once the table has capacity`,
        { entity: entityName, unprocessed: unprocessed.length },
      );
    }
    pending = unprocessed as Record<string, unknown>[];
    retries += 1;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    await sleep(Math.round(random() * cap));
  }
}
