/**
 * Counts what a store sends: a middleware on the DynamoDB client records every command with
 * its ScannedCount, Count and consumed capacity, so tests assert cost instead of assuming it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface LoggedRequest {
  command: string;
  input: Record<string, unknown>;
  scannedCount?: number;
  count?: number;
  consumedRead?: number;
  consumedWrite?: number;
}

export interface RequestLog {
  requests: LoggedRequest[];
  reset(): void;
  commands(): string[];
  /** Commands other than the listed ones (e.g. anything but Query). */
  countOf(command: string): number;
}

export function attachRequestLog(client: DynamoDBClient, options: { forbid?: string[] } = {}): RequestLog {
  const requests: LoggedRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? 'unknown').replace(/Command$/, '');
      if (options.forbid?.includes(command)) throw new Error(`${command} must never be sent here`);
      const input = { ...((args as { input: Record<string, unknown> }).input ?? {}) };
      if (command === 'Query' || command === 'Scan' || command === 'GetItem' || command === 'TransactWriteItems' || command === 'PutItem' || command === 'BatchWriteItem') {
        input.ReturnConsumedCapacity = 'TOTAL';
        (args as { input: Record<string, unknown> }).input.ReturnConsumedCapacity = 'TOTAL';
      }
      const entry: LoggedRequest = { command, input };
      requests.push(entry);
      const result = await next(args);
      const output = (result as unknown as { output?: Record<string, unknown> }).output ?? {};
      if (typeof output.ScannedCount === 'number') entry.scannedCount = output.ScannedCount;
      if (typeof output.Count === 'number') entry.count = output.Count;
      const capacity = output.ConsumedCapacity as { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number } | { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }[] | undefined;
      const list = Array.isArray(capacity) ? capacity : capacity ? [capacity] : [];
      for (const c of list) {
        entry.consumedRead = (entry.consumedRead ?? 0) + (c.ReadCapacityUnits ?? (command === 'Query' || command === 'GetItem' || command === 'Scan' ? c.CapacityUnits ?? 0 : 0));
        entry.consumedWrite = (entry.consumedWrite ?? 0) + (c.WriteCapacityUnits ?? (command === 'Query' || command === 'GetItem' || command === 'Scan' ? 0 : c.CapacityUnits ?? 0));
      }
      return result;
    },
    { step: 'initialize', name: 'requestLog' },
  );
  return {
    requests,
    reset: () => {
      requests.length = 0;
    },
    commands: () => requests.map((r) => r.command),
    countOf: (command) => requests.filter((r) => r.command === command).length,
  };
}
