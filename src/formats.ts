/**
 * The value rules of the execution-state model: each rule is named once here, with its predicate,
 * the message a person reads when a value breaks it, its length limit and the Postgres CHECK that
 * holds the same line in SQL. Every layer asks this module: the entities' `validate`, the
 * services' input checks, the export validator and its Postgres DDL, the CLI's argument parsers.
 * A rule changes here and nowhere else.
 *
 * Two cross-cutting guarantees live here too:
 * - Text is Postgres-safe: no NUL (U+0000), which PostgreSQL `text` cannot hold, and no lone
 *   UTF-16 surrogate, which cannot be encoded as UTF-8 (a restore would silently change it).
 * - Dates and timestamps stay within 0001-01-01 … 9999-12-31: year 0 does not exist in
 *   PostgreSQL, and a five-digit year does not fit the YYYY-MM-DD format.
 */
import { ValidationError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Limits

/** Length limits (UTF-16 code units, as JavaScript counts): far below DynamoDB's 400 KB item limit, generous for people. */
export const TEXT_LIMITS = {
  title: 200,
  description: 10_000,
  message: 2_000,
  note: 2_000,
  comment: 5_000,
  short: 200,
  url: 2_048,
  tag: 64,
  email: 254,
  filename: 255,
  storage_key: 1_024,
  content_type: 255,
  time_zone: 64,
  worker_id: 128,
  emoji: 16,
  cron: 120,
  /** An application ID (or other entity key) referred to as text, e.g. audit_event.entity_id. */
  entity_id: 128,
} as const;

/** How many items a list may hold. */
export const LIST_LIMITS = {
  tags: 50,
  links: 50,
} as const;

/** The calendar the store accepts: what both JavaScript and PostgreSQL represent exactly. */
export const FIRST_DATE = '0001-01-01';
export const LAST_DATE = '9999-12-31';

/** PostgreSQL `integer` (versions) and a safe JavaScript integer (sizes, epoch seconds in `bigint`). */
export const MAX_PG_INTEGER = 2_147_483_647;

// ---------------------------------------------------------------------------------------------
// The rule type

export interface ValueRule<T = string> {
  /** Stable name (used in error details as `rule`). */
  readonly name: string;
  /** What a valid value is, phrased to follow "must be": "an e-mail address like anna@example.org". */
  readonly expected: string;
  /** Maximum length in UTF-16 code units, for text rules. */
  readonly maxLength?: number;
  /** The predicate. Never throws. */
  readonly test: (value: unknown) => value is T;
  /** A PostgreSQL boolean expression over the quoted column name that holds where `test` holds (where one fits). */
  readonly pgCheck?: (column: string) => string;
  /** The regular expression of a patterned rule (for callers that need the pattern itself). */
  readonly pattern?: RegExp;
}

/** Shows a bad value in a message without echoing megabytes or control characters. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown.replace(/[\uD800-\uDFFF]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`));
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return `${typeof value} ${String(value)}`;
}

/** The message for a value that breaks `rule`: "<field> must be <expected>; got <value>". */
export function ruleMessage(rule: ValueRule<unknown>, field: string, value: unknown): string {
  return `${field} must be ${rule.expected}; got ${describeValue(value)}`;
}

/** Returns `value` typed when it satisfies `rule`; otherwise throws VALIDATION naming `field`. */
export function checkValue<T>(rule: ValueRule<T>, value: unknown, field: string): T {
  if (rule.test(value)) return value;
  throw new ValidationError(ruleMessage(rule, field, value), { field, rule: rule.name });
}

/** Like checkValue, but absent (undefined or null) passes as undefined. */
export function checkOptional<T>(rule: ValueRule<T>, value: unknown, field: string): T | undefined {
  return value === undefined || value === null ? undefined : checkValue(rule, value, field);
}

const quote = (column: string) => `"${column.replace(/"/g, '""')}"`;

// ---------------------------------------------------------------------------------------------
// Text

/** True when PostgreSQL can store the string unchanged: no NUL and well-formed UTF-16. */
export function isPostgresSafe(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** Non-blank, Postgres-safe text of at most `max` code units. */
export function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && value.trim().length > 0 && isPostgresSafe(value);
}

/** What String.prototype.trim removes (WhiteSpace and LineTerminator), as a Postgres regex bracket body. */
const PG_JS_WHITESPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** The length JavaScript counts (UTF-16 code units), in SQL: code points plus one per astral character. */
const pgUtf16Length = (column: string) => `(char_length(${column}) + char_length(regexp_replace(${column}, '[^\\U00010000-\\U0010FFFF]', '', 'g')))`;

function textRule(name: string, max: number): ValueRule<string> {
  return {
    name,
    expected: `non-blank text of at most ${max} characters, without NUL characters or unpaired surrogates`,
    maxLength: max,
    test: (value: unknown): value is string => isText(value, max),
    // Exactly isText: JavaScript's length and trim() whitespace (Postgres text cannot hold NUL or lone surrogates at all).
    pgCheck: (column) => `${pgUtf16Length(quote(column))} <= ${max} AND ${quote(column)} ~ '[^${PG_JS_WHITESPACE}]'`,
  };
}

/** A rule for free text of each length class (TEXT_LIMITS). */
export const TEXT = Object.fromEntries(
  Object.entries(TEXT_LIMITS).map(([name, max]) => [name, textRule(`text.${name}`, max)]),
) as { readonly [K in keyof typeof TEXT_LIMITS]: ValueRule<string> };

// ---------------------------------------------------------------------------------------------
// Patterned strings

function patternRule(name: string, pattern: RegExp, expected: string, maxLength?: number): ValueRule<string> & { readonly pattern: RegExp } {
  return {
    name,
    expected,
    maxLength,
    pattern,
    test: (value: unknown): value is string => typeof value === 'string' && (maxLength === undefined || value.length <= maxLength) && pattern.test(value),
    pgCheck: (column) => `${quote(column)} ~ '${pattern.source.replace(/'/g, "''")}'${maxLength === undefined ? '' : ` AND char_length(${quote(column)}) <= ${maxLength}`}`,
  };
}

const EMAIL_PATTERN = /^[^\s@A-Z\u0000]+@[^\s@A-Z\u0000]+\.[^\s@A-Z\u0000]+$/;

export const EMAIL = {
  ...patternRule('email', EMAIL_PATTERN, `an e-mail address like anna@example.org (lower case, at most ${TEXT_LIMITS.email} characters)`, TEXT_LIMITS.email),
  // The pattern refuses ASCII capitals; toLowerCase also catches the others (Ä), which the services would rewrite.
  test: (value: unknown): value is string =>
    typeof value === 'string' && value.length <= TEXT_LIMITS.email && EMAIL_PATTERN.test(value) && value === value.toLowerCase() && isPostgresSafe(value),
} satisfies ValueRule<string>;

/** The stored spelling of an e-mail address: trimmed and lower-cased (addresses are compared case-insensitively). */
export function canonicalEmail(value: string): string {
  return value.trim().toLowerCase();
}

/** Accepts any letter case and surrounding blanks; returns the stored spelling. */
export function checkEmail(value: unknown, field: string): string {
  return checkValue(EMAIL, typeof value === 'string' ? canonicalEmail(value) : value, field);
}

/** What a notification, artifact or assistant job is: a snake_case word. */
export const KIND = patternRule('kind', /^[a-z][a-z0-9_]{0,63}$/, 'a snake_case word of at most 64 characters like task_due');

export const S3_BUCKET = patternRule('s3_bucket', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)');

export const CONTENT_TYPE = patternRule(
  'content_type',
  /^[\w.+-]+\/[\w.+-]+$/,
  `a MIME type like application/pdf (at most ${TEXT_LIMITS.content_type} characters)`,
  TEXT_LIMITS.content_type,
);

export const SHA256_HEX = patternRule('sha256', /^[0-9a-f]{64}$/, 'a SHA-256 digest: 64 lower-case hex characters');

export const GIT_COMMIT = patternRule('git_commit', /^[0-9a-f]{7,64}$/, 'a Git commit SHA (7-64 lower-case hex characters)');

/** Who holds a notification claim (notification.claimed_by): a scheduler run's `<function>:<request id>`. */
export const WORKER_ID = patternRule('worker_id', /^[\w.:@/-]+$/, `a worker ID of at most ${TEXT_LIMITS.worker_id} letters, digits and _ . : @ / -`, TEXT_LIMITS.worker_id);

/**
 * A task's ref in a template file (ADR 0005): unique within the template, it becomes the task's
 * template_task_ref; people type it in URLs, logs and other templates.
 */
export const TEMPLATE_REF = patternRule(
  'template_ref',
  /^[a-z0-9][a-z0-9._-]*$/,
  `lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, like book-venue (at most ${TEXT_LIMITS.short} characters)`,
  TEXT_LIMITS.short,
);

/** What an audit event records, e.g. task.transition. */
export const AUDIT_ACTION = patternRule('audit_action', /^[a-z][a-z0-9_.]{0,63}$/, 'a lower-case dotted action name of at most 64 characters like task.transition');

// ---------------------------------------------------------------------------------------------
// Dates and times

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Days per month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Whether the first ten characters of a DATE_SHAPE or TIMESTAMP_SHAPE string name a real day in
 * the proleptic Gregorian calendar (as JavaScript's Date and Postgres count). Arithmetic, not a
 * Date round trip: an import validates several timestamps per row, and building a Date and its ISO
 * string was the validator's largest cost of its own (test/formats.test.ts holds it to the Date
 * round trip).
 */
function isRealDay(value: string): boolean {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!);
}

export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && DATE_SHAPE.test(value) && value >= FIRST_DATE && isRealDay(value);
}

export function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !TIMESTAMP_SHAPE.test(value) || value < FIRST_DATE || !isRealDay(value)) return false;
  // 24:00:00.000 and leap seconds are valid ISO-8601 but not canonical (toISOString never writes them).
  return Number(value.slice(11, 13)) <= 23 && Number(value.slice(14, 16)) <= 59 && Number(value.slice(17, 19)) <= 59;
}

export const CALENDAR_DATE: ValueRule<string> = {
  name: 'calendar_date',
  expected: `a calendar date YYYY-MM-DD from ${FIRST_DATE} to ${LAST_DATE}`,
  test: isCalendarDate,
  // Postgres refuses year 0 itself but accepts five-digit years.
  pgCheck: (column) => `${quote(column)} BETWEEN DATE '${FIRST_DATE}' AND DATE '${LAST_DATE}'`,
};

export const TIMESTAMP: ValueRule<string> = {
  name: 'timestamp',
  expected: 'an ISO-8601 UTC timestamp with milliseconds like 2026-01-31T09:00:00.000Z',
  test: isIsoTimestamp,
  pgCheck: (column) => `${quote(column)} BETWEEN TIMESTAMPTZ '${FIRST_DATE} 00:00:00+00' AND TIMESTAMPTZ '${LAST_DATE} 23:59:59.999+00'`,
};

/**
 * Adds `days` to a calendar date in UTC calendar arithmetic. A result outside the calendar
 * (FIRST_DATE…LAST_DATE) is a VALIDATION error naming `field`: the caller's input that asked for it.
 */
export function addDays(date: string, days: number, field: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  const result = Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10);
  if (!isCalendarDate(result)) {
    throw new ValidationError(`${field}: ${date} ${days < 0 ? '-' : '+'} ${Math.abs(days)} days is outside the calendar the store accepts (${FIRST_DATE} to ${LAST_DATE})`, {
      field,
      rule: CALENDAR_DATE.name,
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Time zones

/** Formatters per canonical zone: building one costs tens of microseconds; a few hundred zones exist. */
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
/** Spellings seen → canonical zone (bounded: callers can vary the letter case of any zone). */
const canonicalZones = new Map<string, string>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The canonical spelling of an IANA time zone (Intl accepts any letter case), or undefined when it is not one. */
export function canonicalTimeZone(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > TEXT_LIMITS.time_zone) return undefined;
  const known = canonicalZones.get(value);
  if (known) return known;
  let canonical: string | undefined;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  dateFormatter(canonical);
  if (canonicalZones.size < 1000) canonicalZones.set(value, canonical);
  return canonical;
}

/** A stored time zone: an IANA zone in its canonical spelling (what every path stores). */
export const TIME_ZONE: ValueRule<string> = {
  name: 'time_zone',
  expected: 'an IANA time zone in its canonical spelling, such as Europe/Berlin',
  maxLength: TEXT_LIMITS.time_zone,
  test: (value: unknown): value is string => typeof value === 'string' && canonicalTimeZone(value) === value,
};

/** Accepts any spelling Intl accepts; returns the canonical one. */
export function checkTimeZone(value: unknown, field: string): string {
  const canonical = canonicalTimeZone(value);
  if (canonical !== undefined) return canonical;
  throw new ValidationError(`${field} must be an IANA time zone such as Europe/Berlin; got ${describeValue(value)}`, { field, rule: TIME_ZONE.name });
}

/**
 * Whether this runtime's ICU formats an en-CA date as YYYY-MM-DD (checked once, on first use, on
 * a known date): then `format` gives the date directly, a third of the cost of `formatToParts`.
 * Not at module load: the first Intl formatter of a process loads ICU data, which a handler's cold
 * start would pay (bench/RESULTS.md §4).
 */
let formatIsIsoDate: boolean | undefined;

/** The calendar date at `instant` in a canonical IANA time zone. */
export function localDate(instant: Date, timeZone: string): string {
  const formatter = dateFormatter(timeZone);
  formatIsIsoDate ??= dateFormatter('UTC').format(new Date(Date.UTC(2001, 1, 3, 12))) === '2001-02-03';
  if (formatIsIsoDate) {
    const formatted = formatter.format(instant);
    if (DATE_SHAPE.test(formatted)) return formatted; // a year outside 1000-9999 takes the parts
  }
  const parts = formatter.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  // ICU writes years before 1000 with fewer digits ("999"); a calendar date has four.
  return `${get('year').padStart(4, '0')}-${get('month')}-${get('day')}`;
}

// ---------------------------------------------------------------------------------------------
// Numbers and lists

export function integerRule(name: string, min: number, max: number): ValueRule<number> {
  return {
    name,
    expected: `a whole number from ${min} to ${max}`,
    test: (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    pgCheck: (column) => `${quote(column)} BETWEEN ${min} AND ${max}`,
  };
}

/** Optimistic-locking counter (PostgreSQL `integer`). */
export const VERSION = integerRule('version', 1, MAX_PG_INTEGER);
/** A byte count. */
export const SIZE_BYTES = integerRule('size_bytes', 0, Number.MAX_SAFE_INTEGER);
/** The last second of LAST_DATE, in epoch seconds. */
export const MAX_EPOCH_SECONDS = 253_402_300_799;
/** TTL attribute: epoch seconds up to the end of LAST_DATE. */
export const EPOCH_SECONDS = integerRule('epoch_seconds', 1, MAX_EPOCH_SECONDS);

export const BOOLEAN: ValueRule<boolean> = {
  name: 'boolean',
  expected: 'true or false',
  test: (value: unknown): value is boolean => typeof value === 'boolean',
};

export const TAGS: ValueRule<string[]> = {
  name: 'tags',
  expected: `a list of at most ${LIST_LIMITS.tags} tags, each non-blank text of at most ${TEXT_LIMITS.tag} characters`,
  test: (value: unknown): value is string[] => Array.isArray(value) && value.length <= LIST_LIMITS.tags && value.every((tag) => TEXT.tag.test(tag)),
};

/** Checks a tag list item by item, so the message names the bad tag (`tags[3]`). Absent is an empty list. */
export function checkTags(value: unknown, field = 'tags'): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > LIST_LIMITS.tags) throw new ValidationError(ruleMessage(TAGS, field, value), { field, rule: TAGS.name });
  return value.map((tag, i) => checkValue(TEXT.tag, tag, `${field}[${i}]`));
}

export interface Link {
  name: string;
  url: string;
}

function isLink(value: unknown): value is Link {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { name, url } = value as Record<string, unknown>;
  return TEXT.short.test(name) && TEXT.url.test(url);
}

/** A bundle's named links (e.g. { name: "Meetup page", url }). */
export const LINKS: ValueRule<Link[]> = {
  name: 'links',
  expected: `a list of at most ${LIST_LIMITS.links} { name, url } objects (name: non-blank text of at most ${TEXT_LIMITS.short} characters; url: at most ${TEXT_LIMITS.url})`,
  test: (value: unknown): value is Link[] => Array.isArray(value) && value.length <= LIST_LIMITS.links && value.every(isLink),
};

/** Checks a link list item by item, so the message names the bad part (`links[2].url`). Absent is an empty list. */
export function checkLinks(value: unknown, field = 'links'): Link[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > LIST_LIMITS.links) throw new ValidationError(ruleMessage(LINKS, field, value), { field, rule: LINKS.name });
  return value.map((link: unknown, i) => {
    if (link === null || typeof link !== 'object' || Array.isArray(link)) {
      throw new ValidationError(`${field}[${i}] must be a { name, url } object; got ${describeValue(link)}`, { field: `${field}[${i}]`, rule: LINKS.name });
    }
    const { name, url } = link as Record<string, unknown>;
    return { name: checkValue(TEXT.short, name, `${field}[${i}].name`), url: checkValue(TEXT.url, url, `${field}[${i}].url`) };
  });
}

export function checkEnum<T extends string>(values: readonly T[], value: unknown, field: string): T {
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  throw new ValidationError(`${field} must be one of ${values.join(', ')}; got ${describeValue(value)}`, { field, rule: 'enum' });
}
