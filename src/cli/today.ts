/**
 * The one place the CLI reads the clock for a calendar date.
 *
 * listToday derives "today" itself from a time zone, while listOverdue and listUpcoming still
 * take the caller's date; so the CLI computes it here for them, for the demo data's rebase day
 * and for the access-pattern report. Once every date-relative list call takes `time_zone`, the
 * list commands pass the zone instead and only the rebase day still needs this.
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
