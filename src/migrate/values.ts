/**
 * Value conversions from the prototype's loosely checked fields to the store's rules. Each one
 * returns the value to store (or undefined) and says through `note` what it had to change, so
 * nothing is altered or left out without a line in the report.
 */
import { isCalendarDate, LIST_LIMITS, TEXT_LIMITS } from '../formats.js';

export type Note = (code: 'INVALID_VALUE_DROPPED' | 'TEXT_SHORTENED' | 'VALUE_REPLACED', message: string) => void;

/** A non-empty trimmed string, or undefined for null, '', whitespace and non-strings. */
export function presentText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Whether a source value carries information (used to decide whether an unused field was "dropped"). */
export function hasValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A title from free text (the prototype's `description` is what people read as the title): the
 * text itself when it is one line that fits; otherwise its first line, shortened if needed, and
 * the whole text as the description.
 */
export function titleAndDescription(text: string, maxTitle: number = TEXT_LIMITS.title): { title: string; description?: string } {
  const firstLine = text.split(/\r?\n/)[0]!.trim();
  if (firstLine === text && text.length <= maxTitle) return { title: text };
  return { title: shorten(firstLine || text.replace(/\s+/g, ' ').trim(), maxTitle), description: text };
}

/** Text up to `max` characters; longer text is shortened (with a note). */
export function fittedText(value: unknown, max: number, field: string, note: Note): string | undefined {
  const text = presentText(value);
  if (text === undefined) return undefined;
  if (text.length <= max) return text;
  note('TEXT_SHORTENED', `${field} had ${text.length} characters; the store keeps ${max}: shortened`);
  return shorten(text, max);
}

/** A URL (or any reference that is useless when cut): dropped, not shortened, when too long. */
export function urlText(value: unknown, field: string, note: Note): string | undefined {
  const text = presentText(value);
  if (text === undefined) return undefined;
  if (text.length <= TEXT_LIMITS.url) return text;
  note('INVALID_VALUE_DROPPED', `${field} is ${text.length} characters long (the store allows ${TEXT_LIMITS.url}): left out`);
  return undefined;
}

/** A parseable date or timestamp as ISO-8601 UTC with milliseconds. */
export function isoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function optionalTimestamp(value: unknown, field: string, note: Note): string | undefined {
  if (!hasValue(value)) return undefined;
  const timestamp = isoTimestamp(value);
  if (timestamp === undefined) note('INVALID_VALUE_DROPPED', `${field} ${JSON.stringify(value)} is not a date or timestamp: left out`);
  return timestamp;
}

/** YYYY-MM-DD (a timestamp is cut to its UTC date, as the prototype's own dates are UTC dates). */
export function calendarDate(value: unknown, field: string, note: Note): string | undefined {
  if (!hasValue(value)) return undefined;
  if (isCalendarDate(value)) return value;
  const timestamp = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? isoTimestamp(value) : undefined;
  if (timestamp) return timestamp.slice(0, 10);
  note('INVALID_VALUE_DROPPED', `${field} ${JSON.stringify(value)} is not a calendar date YYYY-MM-DD: left out`);
  return undefined;
}

/** Distinct, trimmed tags within the store's limits. */
export function tagList(value: unknown, field: string, note: Note): string[] {
  if (!Array.isArray(value)) {
    if (hasValue(value)) note('INVALID_VALUE_DROPPED', `${field} is not a list: left out`);
    return [];
  }
  const tags: string[] = [];
  for (const tag of value) {
    const text = presentText(tag);
    if (text === undefined || text.length > TEXT_LIMITS.tag) {
      note('INVALID_VALUE_DROPPED', `${field} entry ${JSON.stringify(tag)} is not a tag of 1-${TEXT_LIMITS.tag} characters: left out`);
      continue;
    }
    if (!tags.includes(text)) tags.push(text);
  }
  if (tags.length > LIST_LIMITS.tags) {
    note('INVALID_VALUE_DROPPED', `${field} has ${tags.length} tags; the store keeps ${LIST_LIMITS.tags}: the rest left out`);
    return tags.slice(0, LIST_LIMITS.tags);
  }
  return tags;
}

/** The prototype's kebab-case values (after-event) in the store's snake_case (after_event). */
export function snakeCase(value: string): string {
  return value.trim().replace(/-/g, '_').toLowerCase();
}

/** A value of the store's vocabulary: the mapped source value when known, else the default (with a note). */
export function vocabulary<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string, note: Note): T {
  if (!hasValue(value)) return fallback;
  const mapped = typeof value === 'string' ? snakeCase(value) : '';
  if ((allowed as readonly string[]).includes(mapped)) return mapped as T;
  note('VALUE_REPLACED', `${field} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}: stored as ${fallback}`);
  return fallback;
}
