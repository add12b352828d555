/**
 * Paging and cursors: every list call is one Query per page, and a cursor is only ever the one
 * the previous page of the same list returned.
 */
import { ValidationError } from '../errors.js';
import { checkValue, integerRule } from '../formats.js';
import { KEY_ATTRIBUTES, TABLE_KEYS } from '../table-layout.js';
import { assertObject, checkInput } from './input.js';
import { GO, translateError } from './store-errors.js';
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

interface Goable {
  go(options: Record<string, unknown>): Promise<unknown>;
}

/** What `data: 'raw'` returns: DynamoDB's own Query output. */
interface RawPage {
  data: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
}

/** The entity a query reads: its model (for plainReader) and ElectroDB's public `parse`. */
export interface ReadEntity {
  schema: PlainReadSchema;
  parse(response: { Item: Record<string, unknown> }, options: { ignoreOwnership: boolean }): { data: unknown } | null;
}

/**
 * Runs an ElectroDB query of `entity` one page at a time. With a limit: exactly one Query request
 * for the page. Without: every page, one request each. Items are never filtered after reading,
 * except another entity's (ElectroDB's ownership check).
 * ElectroDB returns the raw page (`data: 'raw'`) and plainReader reads the items: the same items
 * as ElectroDB's formatting for a fraction of the CPU (bench/RESULTS.md §3); an item it cannot
 * vouch for, and every item of a model it does not cover (bundle), gets ElectroDB's public
 * `entity.parse`. The cursor is base64url(JSON(LastEvaluatedKey)), byte for byte ElectroDB's.
 */
export async function page<T>(entity: ReadEntity, query: Goable, options?: PageOptions): Promise<Page<T>> {
  const { limit, cursor } = assertPageOptions(options);
  const read = plainReader(entity.schema);
  try {
    const items: T[] = [];
    // With data: 'raw' ElectroDB takes the start key itself and stops after one page even with pages: 'all'.
    let key: Record<string, unknown> | null = cursor === null ? null : (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>);
    do {
      const result = (await query.go({ ...GO, data: 'raw', cursor: key, ...(limit !== undefined ? { limit } : {}) })) as RawPage;
      for (const item of result.data.Items ?? []) {
        const record = read?.(item) ?? entity.parse({ Item: item }, { ignoreOwnership: false })?.data ?? null;
        if (record !== null) items.push(record as T);
      }
      key = result.data.LastEvaluatedKey ?? null;
    } while (key !== null && limit === undefined);
    return { items, cursor: key === null ? null : Buffer.from(JSON.stringify(key)).toString('base64url') };
  } catch (error) {
    if (cursor !== null && rejectedStartKey(error)) throw new ValidationError(CURSOR_MESSAGE, { field: 'cursor' }, { cause: error });
    throw translateError(error);
  }
}

/** The paging options of a list call's input. */
export function pageOf(input: PageOptions): PageOptions {
  return { limit: input.limit, cursor: input.cursor };
}
