/**
 * Paging and cursors: every list call is one Query per page, and a cursor is only ever the one
 * the previous page of the same list returned.
 */
import { ValidationError } from '../errors.js';
import { checkValue, integerRule } from '../formats.js';
import { KEY_ATTRIBUTES, TABLE_KEYS } from '../table-layout.js';
import { assertObject, checkInput } from './input.js';
import { translateError } from './store-errors.js';
import { QueryCommand, type DynamoDBDocumentClient } from '../document-client.js';
import { queryRequest, type KeyedEntity, type KeyQuery } from '../entities/key-requests.js';
import { plainReader, type PlainReadSchema } from '../entities/plain-read.js';

export interface PageOptions {
  /** Page size (1-1000). Without it every page is read and returned at once. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  cursor: string | null;
}

export const MAX_PAGE_SIZE = 1000;
const PAGE_SIZE = integerRule('page_size', 1, MAX_PAGE_SIZE);

/** The paging fields of a list call's input (for its input shape). */
export const PAGE_SHAPE = { limit: true, cursor: true } as const;

const CURSOR_MESSAGE = 'cursor must be the cursor string returned with the previous page of this same list, unchanged';

export function assertPageOptions(options: PageOptions | undefined): { limit?: number; cursor: string | null } {
  if (options === undefined) return { cursor: null };
  assertObject(options, 'page options');
  checkInput(options, PAGE_SHAPE, 'page options');
  const limit = options.limit === undefined ? undefined : checkValue(PAGE_SIZE, options.limit, 'limit');
  const cursor = options.cursor ?? null;
  if (cursor !== null && (typeof cursor !== 'string' || cursor.length > 2048 || !/^[A-Za-z0-9+/=_-]+$/.test(cursor) || !isKeyCursor(cursor))) {
    throw new ValidationError(CURSOR_MESSAGE, { field: 'cursor' });
  }
  return { limit, cursor };
}

/**
 * A cursor is ElectroDB's base64url JSON of the last key a page read: table and index key
 * attributes mapped to strings. Anything else (which ElectroDB would pass on as the start key,
 * or treat as "no cursor" when it decodes to null) is not a cursor this store returned.
 */
function isKeyCursor(cursor: string): boolean {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (key === null || typeof key !== 'object' || Array.isArray(key)) return false;
  const entries = Object.entries(key);
  return (
    TABLE_KEYS.pk in key &&
    TABLE_KEYS.sk in key &&
    entries.every(([name, value]) => KEY_ATTRIBUTES.includes(name) && typeof value === 'string' && value.length > 0)
  );
}

/** DynamoDB refused the request's input: with a cursor given, that is the cursor (another list's, or forged). */
function rejectedStartKey(error: unknown): boolean {
  const e = error as { name?: string; cause?: { name?: string } } | undefined;
  return e?.name === 'ValidationException' || e?.cause?.name === 'ValidationException';
}

/** Where a read is sent: the store's document client and table (ExecutionService has both). */
export interface ReadTarget {
  client: Pick<DynamoDBDocumentClient, 'send'>;
  table: string;
}

/** The entity a read is about: its model (keys and plainReader) and ElectroDB's public `parse`. */
export interface ReadEntity extends KeyedEntity {
  schema: KeyedEntity['schema'] & PlainReadSchema;
  parse(response: { Item: Record<string, unknown> }, options: { ignoreOwnership: boolean }): { data: unknown } | null;
}

/**
 * One stored item as its entity's record, or null when it is another entity's (ElectroDB's
 * ownership check). plainReader reads what it can vouch for; every other item (and every item of
 * a model it does not cover, such as bundle) gets ElectroDB's public `entity.parse`.
 */
export function recordOf<T>(entity: ReadEntity, item: Record<string, unknown>): T | null {
  const record = plainReader(entity.schema)?.(item) ?? entity.parse({ Item: item }, { ignoreOwnership: false })?.data ?? null;
  return record as T | null;
}

/**
 * Runs a query of `entity` one page at a time. With a limit: exactly one Query request for the
 * page. Without: every page, one request each. Items are never filtered after reading, except
 * another entity's (ElectroDB's ownership check, kept by recordOf).
 *
 * The request is assembled from ElectroDB's keys (src/entities/key-requests.ts) rather than
 * through its query chain, and items are read by recordOf: the same request, items and cursor as
 * `entity.query.<pattern>(…).go()` for a fraction of the CPU (bench/RESULTS.md §3). The cursor
 * is base64url(JSON(LastEvaluatedKey)), byte for byte ElectroDB's.
 */
export async function page<T>(target: ReadTarget, entity: ReadEntity, query: KeyQuery, options?: PageOptions): Promise<Page<T>> {
  const { limit, cursor } = assertPageOptions(options);
  const request = queryRequest(entity, query);
  try {
    const items: T[] = [];
    let key: Record<string, unknown> | undefined = cursor === null ? undefined : (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>);
    do {
      const out = await target.client.send(new QueryCommand({ TableName: target.table, ...request, ExclusiveStartKey: key, Limit: limit }));
      for (const item of out.Items ?? []) {
        const record = recordOf<T>(entity, item);
        if (record !== null) items.push(record);
      }
      key = out.LastEvaluatedKey;
    } while (key !== undefined && limit === undefined);
    return { items, cursor: key === undefined ? null : Buffer.from(JSON.stringify(key)).toString('base64url') };
  } catch (error) {
    if (cursor !== null && rejectedStartKey(error)) throw new ValidationError(CURSOR_MESSAGE, { field: 'cursor' }, { cause: error });
    throw translateError(error);
  }
}

/** The paging options of a list call's input. */
export function pageOf(input: PageOptions): PageOptions {
  return { limit: input.limit, cursor: input.cursor };
}
