/**
 * Counts what a store sends: a middleware on the DynamoDB client records every command with
 * its ScannedCount, Count and consumed capacity, so tests, the local report (`npm start`) and
 * the benchmarks measure cost instead of assuming it. Local tooling: not used in production.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface LoggedRequest {
  command: string;
  input: Record<string, unknown>;
  /** The GSI a Query or Scan used; undefined for the table. */
  indexName?: string;
  scannedCount?: number;
  count?: number;
  consumedRead?: number;
  consumedWrite?: number;
  /** Consumed capacity units by `table` and GSI name. */
  capacityByIndex?: Record<string, number>;
  /** How many requests of the same command were in flight when this one was sent (itself included). */
  inFlightAtSend: number;
}

export interface RequestLog {
  requests: LoggedRequest[];
  reset(): void;
  commands(): string[];
  countOf(command: string): number;
  /** The most requests of `command` in flight at once since the last reset. */
  maxInFlight(command: string): number;
  /** Totals over the requests logged since the last reset. */
  totals(): { requests: number; scanned: number; returned: number; read: number; write: number };
  /** Runs `fn` and returns what it sent (run measurements one at a time). */
  measure<T>(fn: () => Promise<T>): Promise<Measurement<T>>;
}

export interface Measurement<T> {
  result: T;
  requests: LoggedRequest[];
  readUnits: number;
  writeUnits: number;
  ms: number;
}

const READS = new Set(['Query', 'Scan', 'GetItem', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Capacity {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

let attachments = 0;

export function attachRequestLog(client: DynamoDBClient, options: { forbid?: string[] } = {}): RequestLog {
  const requests: LoggedRequest[] = [];
  const inFlight = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? 'unknown').replace(/Command$/, '');
      if (options.forbid?.includes(command)) throw new Error(`${command} must never be sent here`);
      const mutableInput = (args as { input: Record<string, unknown> }).input;
      // Ask for capacity per table and index; reading it back costs nothing.
      if (READS.has(command) || WRITES.has(command)) mutableInput.ReturnConsumedCapacity = 'INDEXES';
      const running = (inFlight.get(command) ?? 0) + 1;
      inFlight.set(command, running);
      const entry: LoggedRequest = { command, input: { ...mutableInput }, inFlightAtSend: running };
      if (typeof mutableInput.IndexName === 'string') entry.indexName = mutableInput.IndexName;
      requests.push(entry);
      let result;
      try {
        result = await next(args);
      } finally {
        inFlight.set(command, (inFlight.get(command) ?? 1) - 1);
      }
      const output = (result as unknown as { output?: Record<string, unknown> }).output ?? {};
      if (typeof output.ScannedCount === 'number') entry.scannedCount = output.ScannedCount;
      if (typeof output.Count === 'number') entry.count = output.Count;
      const consumed = output.ConsumedCapacity as Capacity | Capacity[] | undefined;
      const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
      const total = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (list.length > 0) {
        if (READS.has(command)) entry.consumedRead = total;
        if (WRITES.has(command)) entry.consumedWrite = total;
        entry.capacityByIndex = {};
        for (const c of list) {
          if (c.Table?.CapacityUnits) entry.capacityByIndex.table = (entry.capacityByIndex.table ?? 0) + c.Table.CapacityUnits;
          for (const [index, value] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
            entry.capacityByIndex[index] = (entry.capacityByIndex[index] ?? 0) + (value.CapacityUnits ?? 0);
          }
        }
      }
      return result;
    },
    // A unique name per log: several logs may watch one client.
    { step: 'initialize', name: `requestLog${(attachments += 1)}` },
  );
  return {
    requests,
    reset: () => {
      requests.length = 0;
    },
    commands: () => requests.map((r) => r.command),
    countOf: (command) => requests.filter((r) => r.command === command).length,
    maxInFlight: (command) => requests.reduce((max, r) => (r.command === command ? Math.max(max, r.inFlightAtSend) : max), 0),
    totals: () => ({
      requests: requests.length,
      scanned: requests.reduce((sum, r) => sum + (r.scannedCount ?? 0), 0),
      returned: requests.reduce((sum, r) => sum + (r.count ?? 0), 0),
      read: requests.reduce((sum, r) => sum + (r.consumedRead ?? 0), 0),
      write: requests.reduce((sum, r) => sum + (r.consumedWrite ?? 0), 0),
    }),
    async measure<T>(fn: () => Promise<T>): Promise<Measurement<T>> {
      const start = requests.length;
      const started = performance.now();
      const result = await fn();
      const ms = performance.now() - started;
      const sent = requests.slice(start);
      return {
        result,
        requests: sent,
        readUnits: sent.reduce((sum, r) => sum + (r.consumedRead ?? 0), 0),
        writeUnits: sent.reduce((sum, r) => sum + (r.consumedWrite ?? 0), 0),
        ms,
      };
    },
  };
}
