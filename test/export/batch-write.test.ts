/**
 * The batch writer keeps several BatchWriteItem requests in flight (ElectroDB 3.9.3 reads only
 * `concurrent`; the `concurrency` we used to pass was ignored, so batches went one at a time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionService } from '../../src/entities/index.js';
import { batchDeleteWithRetry, batchPutWithRetry, batchWriteItemsWithRetry } from '../../src/export/batch-write.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newId } from '../../src/ids.js';
import { attachRequestLog, type RequestLog } from '../support/request-log.js';
import { createTestTable, type TestTable } from '../support/table.js';

let table: TestTable;
let log: RequestLog;

beforeAll(async () => {
  table = await createTestTable('batch-write');
  log = attachRequestLog(table.client);
});
afterAll(async () => {
  await table.drop();
});

const events = Array.from({ length: 200 }, (_, i) => ({
  event_id: newId('audit_event', new Date(Date.UTC(2026, 0, 1) + i)),
  entity_type: 'task' as const,
  entity_id: `tsk_${String(i)}`,
  actor_id: 'usr_01JBZ5Q0000000000000000000',
  action: 'task.update',
  at: '2026-11-30T10:00:00.000Z',
  changes: { title: { from: `old ${i}`, to: `new ${i}` } },
}));

describe('batchPutWithRetry, batchDeleteWithRetry and batchWriteItemsWithRetry', () => {
  it('keep up to `concurrency` BatchWriteItem requests in flight and write every item', async () => {
    const service = createExecutionService(table.client, table.tableName);
    log.reset();
    const put = await batchPutWithRetry(service.entities.audit_event, events, { concurrency: 4, entityName: 'audit_event' });
    expect(put.written).toBe(200);
    expect(log.countOf('BatchWriteItem')).toBe(8);
    expect(log.maxInFlight('BatchWriteItem')).toBeGreaterThan(1);
    expect(log.maxInFlight('BatchWriteItem')).toBeLessThanOrEqual(4);
    const stored = await service.entities.audit_event.get(events.map((event) => ({ event_id: event.event_id }))).go();
    expect(stored.data.map((event) => event.event_id).sort()).toEqual(events.map((event) => event.event_id).sort());

    log.reset();
    const removed = await batchDeleteWithRetry(service.entities.audit_event, events.map((event) => ({ event_id: event.event_id })), { concurrency: 3 });
    expect(removed.written).toBe(200);
    expect(log.maxInFlight('BatchWriteItem')).toBeGreaterThan(1);
    expect(log.maxInFlight('BatchWriteItem')).toBeLessThanOrEqual(3);
  });

  it('send one request at a time when asked to', async () => {
    const service = createExecutionService(table.client, table.tableName);
    log.reset();
    await batchPutWithRetry(service.entities.audit_event, events.slice(0, 100), { concurrency: 1 });
    expect(log.countOf('BatchWriteItem')).toBe(4);
    expect(log.maxInFlight('BatchWriteItem')).toBe(1);
  });

  it('batchWriteItemsWithRetry writes items ElectroDB built, in requests of 25 with `concurrency` in flight', async () => {
    const service = createExecutionService(table.client, table.tableName);
    const items = events.map((event) => service.entities.audit_event.put(event).params().Item as Record<string, unknown>);
    log.reset();
    const result = await batchWriteItemsWithRetry(DynamoDBDocumentClient.from(table.client), table.tableName, items, { concurrency: 4 });
    expect(result).toEqual({ written: 200, retries: 0 });
    expect(log.countOf('BatchWriteItem')).toBe(8);
    expect(log.maxInFlight('BatchWriteItem')).toBeGreaterThan(1);
    expect(log.maxInFlight('BatchWriteItem')).toBeLessThanOrEqual(4);
    const stored = await service.entities.audit_event.get(events.map((event) => ({ event_id: event.event_id }))).go();
    expect(stored.data.map((event) => event.event_id).sort()).toEqual(events.map((event) => event.event_id).sort());
  });
});
