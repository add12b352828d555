/**
 * Counts what the store sends: a middleware on the DynamoDB client (which the store's document
 * client shares) records each command, asks reads for their consumed capacity
 * (ReturnConsumedCapacity: TOTAL; DynamoDB Local reports it too) and keeps Count/ScannedCount.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface MeteredRequest {
  command: string;
  indexName?: string;
  count?: number;
  scannedCount?: number;
  readUnits: number;
  writeUnits: number;
}

export interface Measurement<T> {
  result: T;
  requests: MeteredRequest[];
  readUnits: number;
  ms: number;
}

export interface RequestMeter {
  readonly requests: MeteredRequest[];
  /** Runs `fn` and returns the requests sent while it ran (run measurements one at a time). */
  measure<T>(fn: () => Promise<T>): Promise<Measurement<T>>;
}

const READS = new Set(['Query', 'Scan', 'GetItem', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export function attachRequestMeter(client: DynamoDBClient): RequestMeter {
  const requests: MeteredRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? 'unknown').replace(/Command$/, '');
      const input = (args as { input?: Record<string, unknown> }).input;
      if (input && (READS.has(command) || WRITES.has(command)) && input.ReturnConsumedCapacity === undefined) {
        input.ReturnConsumedCapacity = 'TOTAL';
      }
      const entry: MeteredRequest = { command, readUnits: 0, writeUnits: 0 };
      if (typeof input?.IndexName === 'string') entry.indexName = input.IndexName;
      requests.push(entry);
      const result = await next(args);
      const output = ((result as unknown as { output?: Record<string, unknown> }).output ?? {}) as Record<string, unknown>;
      if (typeof output.Count === 'number') entry.count = output.Count;
      if (typeof output.ScannedCount === 'number') entry.scannedCount = output.ScannedCount;
      const consumed = output.ConsumedCapacity as Capacity | Capacity[] | undefined;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        if (READS.has(command)) entry.readUnits += c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
        else entry.writeUnits += c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'exstateRequestMeter', override: true },
  );
  return {
    requests,
    async measure<T>(fn: () => Promise<T>): Promise<Measurement<T>> {
      const start = requests.length;
      const started = performance.now();
      const result = await fn();
      const ms = performance.now() - started;
      const sent = requests.slice(start);
      return { result, requests: sent, readUnits: sent.reduce((sum, r) => sum + r.readUnits, 0), ms };
    },
  };
}
