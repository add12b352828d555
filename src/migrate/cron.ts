/**
 * The prototype's cron dialect and its translation into a cron the store runs.
 *
 * The prototype (src/db/recurring.ts, cronMatchesDate and matchCronField) reads a 5-field cron
 * as a test on calendar dates, not as times:
 *  - minute and hour are ignored: a matching date gets one task, whatever those fields say;
 *  - day-of-month, month and day-of-week must ALL match (standard cron fires when day-of-month OR
 *    day-of-week matches, if both are restricted);
 *  - a field is `*`, `*\/N` (values divisible by N, so `*\/2` days are 2, 4, …, where standard cron
 *    starts at 1), or a comma list whose items are read with parseInt (so `1-5` means 1 and `MON`
 *    never matches); weekday 7 never matches (Sunday is 0);
 *  - dates are UTC calendar dates.
 *
 * translatePrototypeCron writes the same set of dates as a cron for croner (what the store's
 * scheduler uses): explicit value lists, and croner's `+` day-of-week modifier for "both must
 * match". describeCronMeaning says whether the original text, read as the store would read it,
 * means something else, with both readings.
 */
import { Cron } from 'croner';
import { addDays, localDate } from '../formats.js';

interface FieldRange {
  name: string;
  min: number;
  max: number;
}

const DAY_OF_MONTH: FieldRange = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRange = { name: 'month', min: 1, max: 12 };
const DAY_OF_WEEK: FieldRange = { name: 'day-of-week', min: 0, max: 6 };
const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The values of one field that the prototype's matcher accepts, within the field's range. */
export function prototypeFieldValues(field: string, range: FieldRange): number[] {
  const values: number[] = [];
  for (let value = range.min; value <= range.max; value += 1) if (prototypeFieldMatches(field, value)) values.push(value);
  return values;
}

/** The prototype's reading of one field for one value (behaviour of matchCronField, re-stated). */
function prototypeFieldMatches(field: string, value: number): boolean {
  if (field === '*') return true;
  if (field.startsWith('*/')) {
    const step = Number.parseInt(field.slice(2), 10);
    return Number.isFinite(step) && step > 0 && value % step === 0;
  }
  return field.split(',').some((part) => Number.parseInt(part.trim(), 10) === value);
}

export interface PrototypeCron {
  /** Exactly five whitespace-separated fields; otherwise the prototype never matches. */
  wellFormed: boolean;
  fields: string[];
  dayOfMonth: number[];
  month: number[];
  dayOfWeek: number[];
}

export function readPrototypeCron(expression: string): PrototypeCron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return { wellFormed: false, fields, dayOfMonth: [], month: [], dayOfWeek: [] };
  return {
    wellFormed: true,
    fields,
    dayOfMonth: prototypeFieldValues(fields[2]!, DAY_OF_MONTH),
    month: prototypeFieldValues(fields[3]!, MONTH),
    dayOfWeek: prototypeFieldValues(fields[4]!, DAY_OF_WEEK),
  };
}

/** Whether the prototype would create a task on this calendar date (YYYY-MM-DD). */
export function prototypeMatchesDate(cron: PrototypeCron, date: string): boolean {
  if (!cron.wellFormed) return false;
  const d = new Date(`${date}T00:00:00.000Z`);
  return cron.dayOfMonth.includes(d.getUTCDate()) && cron.month.includes(d.getUTCMonth() + 1) && cron.dayOfWeek.includes(d.getUTCDay());
}

/** `1,2,3,5` -> `1-3,5`; the full range -> `*`. */
function listText(values: number[], range: FieldRange): string {
  if (values.length === range.max - range.min + 1) return '*';
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j += 1;
    parts.push(j - i >= 2 ? `${values[i]}-${values[j]}` : values.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

const singleNumber = (field: string | undefined, max: number) => field !== undefined && /^\d{1,2}$/.test(field) && Number(field) <= max;

export interface CronTranslation {
  /** The cron for the store (croner syntax), or null when the prototype's expression never matches a date. */
  cron: string | null;
}

/**
 * The prototype's schedule as a croner expression with the same dates: minute and hour kept when
 * they are plain numbers (the time the store creates the task), otherwise 00:00.
 */
export function translatePrototypeCron(expression: string): CronTranslation {
  const cron = readPrototypeCron(expression);
  if (!cron.wellFormed || cron.dayOfMonth.length === 0 || cron.month.length === 0 || cron.dayOfWeek.length === 0) return { cron: null };
  const minute = singleNumber(cron.fields[0], 59) ? String(Number(cron.fields[0])) : '0';
  const hour = singleNumber(cron.fields[1], 23) ? String(Number(cron.fields[1])) : '0';
  const dom = listText(cron.dayOfMonth, DAY_OF_MONTH);
  const dow = listText(cron.dayOfWeek, DAY_OF_WEEK);
  // Both restricted: croner's "+" makes day-of-month AND day-of-week, as the prototype did.
  const dowField = dom !== '*' && dow !== '*' ? `+${dow}` : dow;
  const translated = `${minute} ${hour} ${dom} ${listText(cron.month, MONTH)} ${dowField}`;
  // A combination that never occurs (31 February) is a schedule that never runs.
  try {
    if (new Cron(translated, { timezone: 'UTC', mode: '5-part', paused: true }).nextRun(new Date(Date.UTC(2000, 0, 1))) === null) return { cron: null };
  } catch {
    return { cron: null };
  }
  return { cron: translated };
}

// ---------------------------------------------------------------------------------------------
// Readings, for the report

/** The dates the meaning check compares: eight years, so every weekday meets every day of every month. */
const WINDOW_START = '2024-01-01';
const WINDOW_END = '2031-12-31';
const NEXT_DATES = 5;

export interface CronReading {
  /** One sentence a person can check. */
  reading: string;
  /** The next dates (or run times) after the reference date under this reading. */
  next: string[];
}

export interface CronMeaning {
  original: string;
  /** The cron the migrated schedule runs (null: the prototype's expression never matches). */
  migrated: string | null;
  /** True when the original text, run by the store as it is, would create tasks on other dates or more than once a day. */
  changed: boolean;
  /** What differs, one item per rule of the prototype's dialect that applies. */
  differences: string[];
  prototype: CronReading;
  /** The original text as standard cron (what the store would do with it unchanged). */
  standard: CronReading;
}

function describeValues(values: number[], range: FieldRange): string {
  if (values.length === 0) return 'no value (never matches)';
  if (values.length === range.max - range.min + 1) return 'any';
  if (range === DAY_OF_WEEK) return values.map((value) => WEEKDAY_NAMES[value]).join(', ');
  return listText(values, range);
}

function parseStandard(expression: string, timeZone: string): Cron | Error {
  try {
    return new Cron(expression.trim(), { timezone: timeZone, mode: '5-part', paused: true });
  } catch (error) {
    return error as Error;
  }
}

function prototypeDates(cron: PrototypeCron, from: string, to: string, limit = Infinity): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to && dates.length < limit; date = addDays(date, 1, 'date')) if (prototypeMatchesDate(cron, date)) dates.push(date);
  return dates;
}

/** Days on which a croner schedule runs within the window, and whether any day has two runs. */
function standardDates(cron: Cron, timeZone: string, from: string, to: string): { dates: string[]; severalPerDay: boolean } {
  const dates: string[] = [];
  let severalPerDay = false;
  let cursor = new Date(Date.parse(`${from}T00:00:00.000Z`) - 14 * 3_600_000);
  for (;;) {
    const run = cron.nextRun(cursor);
    if (!run) break;
    const date = localDate(run, timeZone);
    if (date > to) break;
    if (date >= from) {
      if (dates[dates.length - 1] === date) {
        severalPerDay = true;
        break;
      }
      dates.push(date);
    }
    cursor = run;
  }
  return { dates, severalPerDay };
}

/** The first runs on a local date after `reference`. */
function standardNext(cron: Cron, timeZone: string, reference: string): string[] {
  const runs: string[] = [];
  let cursor = new Date(Date.parse(`${reference}T00:00:00.000Z`) - 14 * 3_600_000);
  for (let guard = 0; runs.length < NEXT_DATES && guard < 10_000; guard += 1) {
    const run = cron.nextRun(cursor);
    if (!run) break;
    if (localDate(run, timeZone) > reference) runs.push(run.toISOString());
    cursor = run;
  }
  return runs;
}

function syntaxDifferences(cron: PrototypeCron): string[] {
  if (!cron.wellFormed) return [`it has ${cron.fields.length} fields, not 5: the prototype never matched it`];
  const [minute, hour, dom, month, dow] = cron.fields as [string, string, string, string, string];
  const notes: string[] = [];
  if (!singleNumber(minute, 59) || !singleNumber(hour, 23)) {
    notes.push(`minute "${minute}" and hour "${hour}": the prototype ignored them (one task per matching date); as standard cron they select the times of day`);
  }
  if (dom !== '*' && dow !== '*') notes.push('day-of-month and day-of-week are both restricted: the prototype required both to match, standard cron runs when either matches');
  for (const [field, range] of [
    [dom, DAY_OF_MONTH],
    [month, MONTH],
    [dow, DAY_OF_WEEK],
  ] as const) {
    if (/^\*\/\d+$/.test(field) && range.min === 1 && Number(field.slice(2)) > 1) {
      notes.push(`${range.name} "${field}": the prototype took values divisible by ${field.slice(2)}; standard cron counts from ${range.min}`);
    }
    if (!field.startsWith('*/') && field !== '*' && /[-/]/.test(field)) {
      notes.push(`${range.name} "${field}": the prototype read only the first number of each comma-separated item (no ranges or steps)`);
    }
    if (/[a-z]/i.test(field)) notes.push(`${range.name} "${field}": the prototype did not understand names (they never matched)`);
    if (range === DAY_OF_WEEK && field.split(',').some((part) => Number.parseInt(part, 10) === 7)) {
      notes.push('day-of-week 7: never matched in the prototype (Sunday is 0); standard cron reads it as Sunday');
    }
  }
  return notes;
}

/**
 * Both readings of a prototype schedule. `reference` is the calendar date the "next" lists start
 * after (the last date the prototype generated, so the report is the same on every run).
 */
export function describeCronMeaning(expression: string, timeZone: string, reference: string): CronMeaning {
  const prototype = readPrototypeCron(expression);
  const { cron: migrated } = translatePrototypeCron(expression);
  const prototypeReading: CronReading = {
    reading: prototype.wellFormed
      ? `one task per calendar date whose day-of-month is ${describeValues(prototype.dayOfMonth, DAY_OF_MONTH)}, month is ${describeValues(prototype.month, MONTH)} and weekday is ${describeValues(prototype.dayOfWeek, DAY_OF_WEEK)} (minute and hour ignored)`
      : 'never (not 5 fields)',
    next: prototypeDates(prototype, addDays(reference, 1, 'reference'), addDays(reference, 3 * 366, 'reference'), NEXT_DATES),
  };
  const standard = parseStandard(expression, timeZone);
  let standardReading: CronReading;
  let changed: boolean;
  if (standard instanceof Error) {
    standardReading = { reading: `not a valid cron expression for the store: ${standard.message}`, next: [] };
    changed = true;
  } else {
    const fields = expression.trim().split(/\s+/);
    standardReading = {
      reading: `standard cron in ${timeZone}: minute ${fields[0]}, hour ${fields[1]}, on days where day-of-month is ${fields[2]} ${fields[2] !== '*' && fields[4] !== '*' ? 'OR' : 'and'} weekday is ${fields[4]}, month ${fields[3]}`,
      next: standardNext(standard, timeZone, reference),
    };
    const inWindow = standardDates(standard, timeZone, WINDOW_START, WINDOW_END);
    const expected = prototypeDates(prototype, WINDOW_START, WINDOW_END);
    changed = inWindow.severalPerDay || inWindow.dates.length !== expected.length || inWindow.dates.some((date, i) => date !== expected[i]);
  }
  return {
    original: expression,
    migrated,
    changed,
    differences: changed ? syntaxDifferences(prototype) : [],
    prototype: prototypeReading,
    standard: standardReading,
  };
}
