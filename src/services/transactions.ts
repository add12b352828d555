/**
 * One place that runs an ElectroDB write transaction and turns a cancellation into the typed
 * error a caller can act on: each item of the transaction says what its failed condition means.
 */
import { ConflictError, type ExecutionStoreError } from '../errors.js';
import type { ExecutionService } from '../entities/index.js';
import { GO, translateError } from './store-errors.js';

/**
 * What a failed condition on one transaction item means to the caller. It may read (only on
 * this failure path) to tell causes apart, e.g. a missing user from a disabled one.
 */
export type OnConditionFailed = (() => ExecutionStoreError | Promise<ExecutionStoreError>) | undefined;

export interface TransactionItem {
  /** The ElectroDB `.commit()` of a put/create/update/delete/check. */
  commit: unknown;
  onFailed?: OnConditionFailed;
}

/** The entities as a write transaction's callback receives them (with `check`, and `commit` on every write). */
export type TransactionEntities = Parameters<Parameters<ExecutionService['transaction']['write']>[0]>[0];

interface TransactionResult {
  canceled: boolean;
  data: { rejected: boolean; code: string; message?: string }[];
}

/**
 * Runs the items `build` returns as one TransactWriteItems. ElectroDB reports a cancellation
 * per item; the first item whose own condition failed explains it best.
 */
export async function runTransaction(service: ExecutionService, build: (entities: TransactionEntities) => TransactionItem[]): Promise<void> {
  let items: TransactionItem[] = [];
  let result: TransactionResult;
  try {
    result = (await service.transaction
      .write((entities) => {
        items = build(entities);
        return items.map((item) => item.commit) as never;
      })
      // ElectroDB passes the option through to its driver; its transaction types omit it.
      .go(GO as never)) as unknown as TransactionResult;
  } catch (error) {
    throw translateError(error);
  }
  if (!result.canceled) return;
  for (const [i, outcome] of result.data.entries()) {
    if (outcome.code === 'ConditionalCheckFailed') {
      const onFailed = items[i]?.onFailed;
      throw onFailed ? await onFailed() : new ConflictError('A condition of this write no longer holds: read again and retry', { item: i });
    }
  }
  const codes = result.data.map((outcome) => outcome.code).filter((code) => code !== 'None');
  throw new ConflictError(`A concurrent write to the same items won (${codes.join(', ') || 'transaction canceled'}): read again and retry`, { codes });
}
