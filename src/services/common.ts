/**
 * Small helpers every service uses: input checks that produce VALIDATION errors, actor rules,
 * pagination, and translation of ElectroDB/DynamoDB failures into the store's typed errors.
 */
import { ConflictError, ExecutionStoreError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { assertId } from '../ids.js';
import { isCalendarDate, isIsoTimestamp } from '../formats.js';
import { KEY_ATTRIBUTES, TABLE_KEYS } from '../table-layout.js';
import { USER_ROLES, type UserRole } from '../vocabulary.js';

/** The authenticated caller, as the portal established it. */
export interface Actor {
  user_id: string;
  role: UserRole;
}

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

export function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(`${field} must be an object`, { field });
  }
}

export function assertActor(actor: unknown): Actor {
  assertObject(actor, 'actor');
  const user_id = assertId('user', actor.user_id, 'actor.user_id');
  if (!(USER_ROLES as readonly unknown[]).includes(actor.role)) {
    throw new ValidationError(`actor.role must be one of ${USER_ROLES.join(', ')}`, { field: 'actor.role' });
  }
  return { user_id, role: actor.role as UserRole };
}

/** Viewers read; operators and admins write. */
export function assertCanMutate(actor: Actor, what: string): void {
  if (actor.role === 'viewer') {
    throw new ForbiddenError(`Viewers cannot ${what}: ask an operator or admin`, { actor_id: actor.user_id });
  }
}

export function assertAdmin(actor: Actor, what: string): void {
  if (actor.role !== 'admin') {
    throw new ForbiddenError(`Only admins can ${what}`, { actor_id: actor.user_id });
  }
}

/** Operators may change tasks assigned to them or unassigned; admins any task. */
export function assertCanChangeTask(actor: Actor, task: { task_id: string; assignee_id?: string }, what: string): void {
  assertCanMutate(actor, what);
  if (actor.role === 'operator' && task.assignee_id !== undefined && task.assignee_id !== actor.user_id) {
    throw new ForbiddenError(`Operators can only ${what} on tasks assigned to them or unassigned; ${task.task_id} is assigned to ${task.assignee_id}`, {
      task_id: task.task_id,
      actor_id: actor.user_id,
    });
  }
}

/** Operators assign work only to themselves (or nobody); admins to anyone. */
export function assertCanAssign(actor: Actor, assignee_id: string | undefined, what: string): void {
  if (actor.role === 'operator' && assignee_id !== undefined && assignee_id !== actor.user_id) {
    throw new ForbiddenError(`Operators can only ${what} themselves (or nobody); ask an admin to assign work to ${assignee_id}`, {
      field: 'assignee_id',
      actor_id: actor.user_id,
    });
  }
}

export function assertEnum<T extends string>(values: readonly T[], value: unknown, field: string): T {
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  throw new ValidationError(`${field} must be one of ${values.join(', ')}; got ${JSON.stringify(value)}`, { field });
}

export function assertText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`, { field });
  }
  if (value.length > max) throw new ValidationError(`${field} must be at most ${max} characters (got ${value.length})`, { field });
  return value;
}

export function optionalText(value: unknown, field: string, max: number): string | undefined {
  return value === undefined || value === null ? undefined : assertText(value, field, max);
}

export function assertDate(value: unknown, field: string): string {
  if (isCalendarDate(value)) return value;
  throw new ValidationError(`${field} must be a calendar date YYYY-MM-DD; got ${JSON.stringify(value)}`, { field });
}

export function assertTimestamp(value: unknown, field: string): string {
  if (isIsoTimestamp(value)) return value;
  throw new ValidationError(`${field} must be an ISO-8601 UTC timestamp like 2026-01-31T09:00:00.000Z; got ${JSON.stringify(value)}`, { field });
}

export function assertBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new ValidationError(`${field} must be true or false`, { field });
}

export function assertInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  throw new ValidationError(`${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`, { field });
}

export function assertTags(value: unknown, field = 'tags'): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 50) throw new ValidationError(`${field} must be a list of at most 50 strings`, { field });
  return value.map((tag, i) => assertText(tag, `${field}[${i}]`, 64));
}

/**
 * Formatters per canonical time zone. Building an Intl.DateTimeFormat costs tens of
 * microseconds, more than the rest of a list call's own work; there are a few hundred zones at
 * most, and only canonical names (assertTimeZone's result) are keys, so the cache is bounded.
 */
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Validates an IANA time zone and returns its canonical spelling (Intl accepts any letter case). */
const canonicalZones = new Map<string, string>();

export function assertTimeZone(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 64) {
    const known = canonicalZones.get(value);
    if (known) return known;
    let canonical: string | undefined;
    try {
      canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      // not a zone
    }
    if (canonical) {
      dateFormatter(canonical);
      // Spellings seen (bounded: callers can vary the letter case of any zone).
      if (canonicalZones.size < 1000) canonicalZones.set(value, canonical);
      return canonical;
    }
  }
  throw new ValidationError(`${field} must be an IANA time zone such as Europe/Berlin; got ${JSON.stringify(value)}`, { field });
}

/** Rejects fields the method does not know, so a typo is an error rather than silently ignored. */
export function assertKnownFields(input: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(input).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(`${where}: unknown field(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`, { field: unknown[0] });
  }
}

export function assertPageOptions(options: PageOptions | undefined): { limit?: number; cursor: string | null } {
  if (options === undefined) return { cursor: null };
  assertObject(options, 'page options');
  const limit = options.limit === undefined ? undefined : assertInteger(options.limit, 'limit', 1, MAX_PAGE_SIZE);
  const cursor = options.cursor ?? null;
  if (cursor !== null && (typeof cursor !== 'string' || cursor.length > 2048 || !/^[A-Za-z0-9+/=_-]+$/.test(cursor) || !isKeyCursor(cursor))) {
    throw new ValidationError(CURSOR_MESSAGE, { field: 'cursor' });
  }
  return { limit, cursor };
}

const CURSOR_MESSAGE = 'cursor must be the cursor string returned with the previous page of this same list, unchanged';

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

/**
 * Options for every ElectroDB call: `originalErr` skips ElectroDB's per-call capture of a stack
 * trace for a possible AWS error (about a tenth of a list call's CPU time, bench/RESULTS.md §3);
 * AWS errors then arrive as the SDK threw them, which translateError handles by name.
 */
export const GO = { originalErr: true } as const;

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
 * write): NOT_FOUND when it does not exist.
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

export function conditionFailed(error: unknown): boolean {
  const name = (error as { name?: string; cause?: { name?: string } } | undefined)?.name;
  const causeName = (error as { cause?: { name?: string } } | undefined)?.cause?.name;
  return (
    name === 'ConditionalCheckFailedException' ||
    causeName === 'ConditionalCheckFailedException' ||
    name === 'TransactionCanceledException' ||
    causeName === 'TransactionCanceledException'
  );
}

/** ElectroDB validation failures become VALIDATION; lost condition races become CONFLICT. */
export function translateError(error: unknown, conflictMessage = 'Another writer changed this item first: read it again and retry'): unknown {
  if (error instanceof ExecutionStoreError) return error;
  const electro = error as { isElectroError?: boolean; code?: number; _message?: string; message?: string; field?: string; fields?: { field?: string }[] };
  if (electro?.isElectroError && typeof electro.code === 'number' && electro.code >= 1000 && electro.code < 4000) {
    const field = electro.field ?? electro.fields?.find((f) => f.field)?.field;
    const message = (electro._message ?? electro.message ?? 'Invalid value').replace(/ - For more detail on this error reference: .*$/, '');
    return new ValidationError(`Invalid input: ${message}`, field ? { field } : {}, { cause: error });
  }
  if (conditionFailed(error)) return new ConflictError(conflictMessage, {}, { cause: error });
  return error;
}

/** Runs a write and translates its failure; nothing else. */
export async function write<T>(run: () => Promise<T>, conflictMessage?: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateError(error, conflictMessage);
  }
}

/** Adds `days` to a calendar date (YYYY-MM-DD), in UTC calendar arithmetic. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The calendar date at `instant` in an IANA time zone. */
export function localDate(instant: Date, timeZone: string): string {
  const parts = dateFormatter(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Drops undefined values so ElectroDB puts never see them. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
