/**
 * The one place the CLI reads the clock for a calendar date.
 *
 * Every date-relative list call takes `time_zone` and decides "today" in the store, so the list
 * commands never read the clock; only the demo data's rebase day (seed, npm start) needs it.
 */
import { localDate } from '../formats.js';

/** This machine's IANA time zone (UTC when the runtime does not know it). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The calendar date now in `timeZone` (default: this machine's), YYYY-MM-DD. */
export function todayIn(timeZone: string = systemTimeZone()): string {
  return localDate(new Date(), timeZone);
}
