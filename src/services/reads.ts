/**
 * Single-item reads: a get by ID (null when absent) and the strongly consistent read of the
 * item a write decides on (NOT_FOUND when absent). One GetItem each, its key computed by
 * ElectroDB (src/entities/key-requests.ts) and its item read like a list page's (recordOf).
 */
import { GetCommand } from '../document-client.js';
import { NotFoundError } from '../errors.js';
import { itemKey, type Composite } from '../entities/key-requests.js';
import { recordOf, type ReadEntity, type ReadTarget } from './paging.js';
import { translateError } from './store-errors.js';

async function getItem<T>(target: ReadTarget, entity: ReadEntity, key: Composite, consistent = false): Promise<T | null> {
  try {
    const { Item } = await target.client.send(new GetCommand({ TableName: target.table, Key: itemKey(entity, key), ...(consistent ? { ConsistentRead: true } : {}) }));
    return Item === undefined ? null : recordOf<T>(entity, Item);
  } catch (error) {
    throw translateError(error);
  }
}

/** One GetItem: the item, or null when there is none. `consistent` for a read a decision depends on. */
export function getOrNull<T>(target: ReadTarget, entity: ReadEntity, key: Composite, options: { consistent?: boolean } = {}): Promise<T | null> {
  return getItem<T>(target, entity, key, options.consistent);
}

/**
 * One strongly consistent GetItem of an item a decision depends on (the version before a
 * write): NOT_FOUND, naming `field`, when it does not exist.
 */
export async function readExisting<T>(target: ReadTarget, entity: ReadEntity, key: Composite, what: string, field: string): Promise<T> {
  const item = await getItem<T>(target, entity, key, true);
  if (item === null) throw new NotFoundError(`${what} ${Object.values(key).join(' ')} does not exist`, { field });
  return item;
}
