/**
 * Paging and cursors: every list call is one Query per page, and a cursor is only ever the one
 * the previous page of the same list returned.
 */
import { ValidationError } from '../errors.js';
import { checkValue, integerRule } from '../formats.js';
import { KEY_ATTRIBUTES, TABLE_KEYS } from '../table-layout.js';
import { assertObject } from './input.js';
import { GO, translateError } from './store-errors.js';

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

interface Goable<T> {
  go(options: Record<string, unknown>): Promise<{ data: T[]; cursor: string | null }>;
}

/**
 * Runs an ElectroDB query one page at a time. With a limit: exactly one Query request for the
 * page. Without: every page, one request each. Items are never filtered after reading.
 */
export async function page<T>(query: Goable<T>, options?: PageOptions, extra: Record<string, unknown> = {}): Promise<Page<T>> {
  const { limit, cursor } = assertPageOptions(options);
  try {
    if (limit !== undefined) {
      const result = await query.go({ ...GO, ...extra, limit, cursor, pages: 1 });
      return { items: result.data, cursor: result.cursor ?? null };
    }
    const result = await query.go({ ...GO, ...extra, cursor, pages: 'all' });
    return { items: result.data, cursor: null };
  } catch (error) {
    if (cursor !== null && rejectedStartKey(error)) throw new ValidationError(CURSOR_MESSAGE, { field: 'cursor' }, { cause: error });
    throw translateError(error);
  }
}

/** The paging options of a list call's input. */
export function pageOf(input: PageOptions): PageOptions {
  return { limit: input.limit, cursor: input.cursor };
}
