/**
 * ElectroDB and DynamoDB failures as the store's typed errors: a rejected value becomes
 * VALIDATION (naming the attribute), a failed condition CONFLICT; anything else (throttling,
 * a missing table) passes through as the SDK threw it.
 */
import { ConflictError, ExecutionStoreError, ValidationError } from '../errors.js';

/**
 * Options for every ElectroDB call: `originalErr` skips ElectroDB's per-call capture of a stack
 * trace for a possible AWS error (about a tenth of a list call's CPU time, bench/RESULTS.md §3);
 * AWS errors then arrive as the SDK threw them, which translateError handles by name.
 */
export const GO = { originalErr: true } as const;

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

/** A conditional write (or a transaction with one) was refused because a condition no longer held. */
export function conditionFailed(error: unknown): boolean {
  const names = [errorName(error), errorName((error as { cause?: unknown } | undefined)?.cause)];
  return names.some((name) => name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException');
}

/** ElectroDB validation failures become VALIDATION; lost condition races become CONFLICT. */
export function translateError(error: unknown, conflictMessage = 'Another writer changed this item first: read it again and retry'): unknown {
  if (error instanceof ExecutionStoreError) return error;
  const electro = error as { isElectroError?: boolean; code?: number; _message?: string; message?: string; field?: string; fields?: { field?: string; reason?: string }[] };
  if (electro?.isElectroError && typeof electro.code === 'number' && electro.code >= 1000 && electro.code < 4000) {
    const fault = electro.fields?.find((f) => f.field);
    const field = electro.field ?? fault?.field;
    const reason = fault?.reason ?? (electro._message ?? electro.message ?? 'Invalid value').replace(/ - For more detail on this error reference: .*$/, '');
    return new ValidationError(field ? `${field}: ${reason}` : `Invalid input: ${reason}`, field ? { field } : {}, { cause: error });
  }
  if (conditionFailed(error)) return new ConflictError(conflictMessage, {}, { cause: error });
  return error;
}

/** Runs a write and translates its failure; nothing else. */
export async function runWrite<T>(run: () => Promise<T>, conflictMessage?: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateError(error, conflictMessage);
  }
}
