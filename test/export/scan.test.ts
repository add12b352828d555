/**
 * The one table-scan loop (src/export/scan.ts): every item exactly once whatever the segment
 * count and page size, projections, early stop, abort, and the emptiness check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanTable, tableHoldsItems } from '../../src/export/scan.js';
import { attachRequestLog } from '../support/request-log.js';
import { createTestTable, type TestTable } from '../support/table.js';

let table: TestTable;
let empty: TestTable;
const KEYS = Array.from({ length: 130 }, (_, i) => `item#${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  [table, empty] = await Promise.all([createTestTable('scan'), createTestTable('scan-empty')]);
  const documents = DynamoDBDocumentClient.from(table.client);
  for (let i = 0; i < KEYS.length; i += 25) {
    await documents.send(
      new BatchWriteCommand({
        RequestItems: { [table.tableName]: KEYS.slice(i, i + 25).map((pk, n) => ({ PutRequest: { Item: { pk, sk: 'x', n: i + n, note: 'hello' } } })) },
      }),
    );
  }
});
afterAll(async () => {
  await Promise.all([table.drop(), empty.drop()]);
});

async function collect(pages: AsyncIterable<Record<string, unknown>[]>): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let count = 0;
  for await (const page of pages) {
    items.push(...page);
    count += 1;
  }
  return { items, pages: count };
}

describe('scanTable', () => {
  it('yields every item exactly once, with one or many segments and any page size', async () => {
    for (const [segments, pageSize] of [
      [1, undefined],
      [1, 9],
      [4, 7],
      [7, 50],
    ] as const) {
      const { items, pages } = await collect(scanTable(table.client, { tableName: table.tableName, segments, pageSize, consistentRead: true }));
      expect(items.map((item) => item.pk).sort(), `${segments} segments, page ${String(pageSize)}`).toEqual(KEYS);
      if (pageSize) expect(pages).toBeGreaterThanOrEqual(Math.ceil(KEYS.length / pageSize));
    }
  });

  it('sends one Scan per page and segment, with the segment, limit, consistency and projection asked for', async () => {
    const log = attachRequestLog(table.client);
    const { items } = await collect(scanTable(table.client, { tableName: table.tableName, segments: 3, pageSize: 40, consistentRead: true, attributes: ['pk', 'n'] }));
    expect(items.every((item) => Object.keys(item).sort().join() === 'n,pk')).toBe(true);
    const scans = log.requests.filter((request) => request.command === 'Scan');
    expect(new Set(scans.map((request) => request.input.Segment))).toEqual(new Set([0, 1, 2]));
    for (const request of scans) expect(request.input).toMatchObject({ TotalSegments: 3, Limit: 40, ConsistentRead: true, ProjectionExpression: '#a0, #a1' });
    expect(scans.reduce((sum, request) => sum + (request.count ?? 0), 0)).toBe(KEYS.length);
  });

  it('runs at most inFlight segments at once and still reads every segment', async () => {
    let running = 0;
    let most = 0;
    const name = 'count-scans-in-flight';
    table.client.middlewareStack.add(
      (next) => async (args) => {
        running += 1;
        most = Math.max(most, running);
        try {
          return await next(args);
        } finally {
          running -= 1;
        }
      },
      { step: 'initialize', name },
    );
    const log = attachRequestLog(table.client);
    try {
      const { items } = await collect(scanTable(table.client, { tableName: table.tableName, segments: 9, inFlight: 2, pageSize: 10, consistentRead: true }));
      expect(items.map((item) => item.pk).sort()).toEqual(KEYS);
      expect(most).toBe(2);
      const scans = log.requests.filter((request) => request.command === 'Scan');
      expect(new Set(scans.map((request) => request.input.Segment))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    } finally {
      table.client.middlewareStack.remove(name);
    }
  });

  it('a request that fails while the caller is busy with the previous page is the scan\'s error, never an unhandled rejection', async () => {
    const name = 'fail-later-scans';
    let scans = 0;
    table.client.middlewareStack.add(
      (next) => async (args) => {
        scans += 1;
        if (scans > 1) throw new Error('throttled on a later page');
        return next(args);
      },
      { step: 'initialize', name },
    );
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = (async () => {
        for await (const page of scanTable(table.client, { tableName: table.tableName, pageSize: 5 })) {
          expect(page).toHaveLength(5);
          // Real work between pages (the export spills to disk here): the next request fails meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      await expect(run).rejects.toThrow('throttled on a later page');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      table.client.middlewareStack.remove(name);
    }
  });

  it('refuses an inFlight that is not a whole number of at least 1', async () => {
    for (const inFlight of [0, 2.5, Number.NaN]) {
      await expect(collect(scanTable(table.client, { tableName: table.tableName, segments: 2, inFlight }))).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    }
  });

  it('stops when the caller stops, and throws the abort reason when its signal fires', async () => {
    let seen = 0;
    for await (const page of scanTable(table.client, { tableName: table.tableName, segments: 2, pageSize: 5 })) {
      seen += page.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(5);

    const controller = new AbortController();
    const reason = new Error('stop scanning');
    const pages: number[] = [];
    const run = (async () => {
      for await (const page of scanTable(table.client, { tableName: table.tableName, pageSize: 5, signal: controller.signal })) {
        pages.push(page.length);
        if (pages.length === 2) controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(pages).toHaveLength(2);
  });
});

describe('tableHoldsItems', () => {
  it('tells an empty table from one with items, ignoring the items it is told to ignore', async () => {
    expect(await tableHoldsItems(empty.client, empty.tableName)).toBe(false);
    expect(await tableHoldsItems(table.client, table.tableName)).toBe(true);
    expect(await tableHoldsItems(table.client, table.tableName, { ignore: (item) => String(item.pk).startsWith('item#') })).toBe(false);
    expect(await tableHoldsItems(table.client, table.tableName, { ignore: (item) => item.pk === 'item#000' })).toBe(true);
  });
});
