/**
 * Single-item reads: a get by ID (null when absent) and the strongly consistent read of the
 * item a write decides on (NOT_FOUND when absent).
 */
import { NotFoundError } from '../errors.js';
import { GO, translateError } from './store-errors.js';

interface Gettable {
  go(options: Record<string, unknown>): Promise<{ data: unknown }>;
}

/** One GetItem: the item, or null when there is none. */
export async function getOrNull<T>(get: Gettable): Promise<T | null> {
  try {
    const { data } = await get.go({ ...GO });
    return (data as T | null) ?? null;
  } catch (error) {
    throw translateError(error);
  }
}

/**
 * One strongly consistent GetItem of an item a decision depends on (the version before a
 * write): NOT_FOUND, naming `field`, when it does not exist.
 */
export async function readExisting<T>(get: Gettable, what: string, id: string, field: string): Promise<T> {
  let data: unknown;
  try {
    ({ data } = await get.go({ ...GO, consistent: true }));
  } catch (error) {
    throw translateError(error);
  }
  if (!data) throw new NotFoundError(`${what} ${id} does not exist`, { field });
  return data as T;
}
