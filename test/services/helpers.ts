/**
 * Shared helpers of the services test suite: a seeded PRNG, a raw byte-for-byte table snapshot
 * (a Scan through a separate client: test harness only, never the store's client), a bounded
 * parallel runner for seeding, page walking and typed-error assertions.
 */
import { createHash } from 'node:crypto';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { expect } from 'vitest';
import { isExecutionStoreError, type ErrorCode, type Page, type PageOptions } from '../../src/index.js';
import type { RequestLog, LoggedRequest } from '../support/request-log.js';
import { localClient } from '../support/table.js';

/** mulberry32: small, fast, good enough to make a reproducible data set from one seed. */
export function createRng(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** Integer in [min, max]. */
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!,
    chance: (p: number): boolean => next() < p,
    weighted: <T extends string>(weights: Record<T, number>): T => {
      const entries = Object.entries(weights) as [T, number][];
      let r = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [value, w] of entries) {
        r -= w;
        if (r < 0) return value;
      }
      return entries[entries.length - 1]![0];
    },
    shuffle: <T>(values: readonly T[]): T[] => {
      const out = [...values];
      for (let i = out.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}

export type Rng = ReturnType<typeof createRng>;

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let cursor = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (cursor < items.length) {
      const i = cursor;
      cursor += 1;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export interface RawItem {
  raw: Record<string, AttributeValue>;
  item: Record<string, unknown>;
}

/** Every raw item of the table (consistent Scan, separate client: the store never scans). */
export async function scanRaw(endpoint: string, tableName: string): Promise<RawItem[]> {
  const client = localClient(endpoint);
  const out: RawItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  try {
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const raw of page.Items ?? []) out.push({ raw, item: unmarshall(raw) });
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return out;
}

/**
 * The whole table as one canonical string: items sorted by key, attributes sorted by name,
 * raw DynamoDB attribute values (type tags included). Equal strings = byte-for-byte equal table.
 */
export async function snapshotTable(endpoint: string, tableName: string): Promise<{ text: string; count: number; digest: string }> {
  const items = await scanRaw(endpoint, tableName);
  const lines = items
    .map(({ raw }) => JSON.stringify(canonical(raw)))
    .sort();
  const text = lines.join('\n');
  return { text, count: lines.length, digest: createHash('sha256').update(text).digest('hex') };
}

/** Awaits `promise` and asserts it rejects with an ExecutionStoreError of `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await promise };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) throw new Error(`expected ${code}, but the call succeeded with ${JSON.stringify(outcome.value)?.slice(0, 300)}`);
  const { error } = outcome;
  if (!isExecutionStoreError(error)) {
    throw new Error(`expected a typed ${code} error, got an untyped ${(error as Error)?.name}: ${(error as Error)?.message}`);
  }
  expect(error.code, error.message).toBe(code);
  return error;
}

/** Records the requests `fn` sends (the log must be attached to the store's client). */
export async function measure<T>(log: RequestLog, fn: () => Promise<T>): Promise<{ result: T; requests: LoggedRequest[]; commands: string[] }> {
  log.reset();
  const result = await fn();
  const requests = [...log.requests];
  return { result, requests, commands: requests.map((r) => r.command) };
}

/** Every Query read exactly the items it returned. */
export function expectNoDiscardedReads(requests: readonly LoggedRequest[]): void {
  for (const r of requests) {
    expect(r.command).not.toBe('Scan');
    if (r.command === 'Query') {
      expect(typeof r.scannedCount).toBe('number');
      expect(r.scannedCount, `Query on ${String(r.input.IndexName ?? 'table')} read items it discarded`).toBe(r.count);
    }
  }
}

export interface Walk<T> {
  items: T[];
  pages: Page<T>[];
  requests: LoggedRequest[];
}

/** Walks every page with `limit`, recording the requests of each page. */
export async function walkPages<T>(log: RequestLog, fetch: (options: PageOptions) => Promise<Page<T>>, limit: number, maxPages = 10_000): Promise<Walk<T>> {
  const pages: Page<T>[] = [];
  const requests: LoggedRequest[] = [];
  let cursor: string | null = null;
  do {
    const { result, requests: sent } = await measure(log, () => fetch({ limit, cursor }));
    // Exactly one Query per page.
    expect(sent.map((r) => r.command)).toEqual(['Query']);
    expect(result.items.length).toBeLessThanOrEqual(limit);
    pages.push(result);
    requests.push(...sent);
    cursor = result.cursor;
    if (pages.length > maxPages) throw new Error('page walk does not terminate');
  } while (cursor !== null);
  return { items: pages.flatMap((p) => p.items), pages, requests };
}

/** Asserts `call` rejects with `code` and leaves every item of the table byte-for-byte as it was. */
export async function expectRejectedUnchanged(
  target: { endpoint: string; tableName: string },
  call: () => Promise<unknown>,
  code: ErrorCode,
): Promise<Error> {
  const before = await snapshotTable(target.endpoint, target.tableName);
  const error = await expectCode(call(), code);
  const after = await snapshotTable(target.endpoint, target.tableName);
  expect(after.count, `${code} rejection changed the number of items`).toBe(before.count);
  expect(after.text === before.text, `${code} rejection changed the table`).toBe(true);
  return error;
}

type Plain = string | { S?: string } | undefined;
const plain = (value: Plain) => (typeof value === 'string' ? value : value?.S);

/**
 * What a TransactWriteItems request holds, one "<operation> <entity>" per item in order (e.g.
 * "Put task", "ConditionCheck user"), read from the logged input (plain or marshalled values).
 */
export function transactionItems(request: LoggedRequest): string[] {
  const items = request.input.TransactItems as Record<string, { Item?: Record<string, Plain>; Key?: Record<string, Plain> }>[];
  return items.map((item) => {
    const [operation, body] = Object.entries(item)[0]!;
    const entity = plain(body.Item?.__edb_e__) ?? /^\$dataops#([a-z_]+?)_id_/.exec(plain(body.Key?.pk) ?? '')?.[1] ?? '?';
    return `${operation} ${entity}`;
  });
}
