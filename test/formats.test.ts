/**
 * The calendar rules decide by arithmetic (src/formats.ts isRealDay), not by a Date round trip:
 * for dates and timestamps drawn across the whole field ranges (month 00-19, day 00-39, hour
 * 00-29, leap and century years, year 0000) they agree with the round trip they replaced.
 * localDate's fast path (`format`) gives what the date's parts give, in every year and zone.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isCalendarDate, isIsoTimestamp, localDate } from '../src/formats.js';

/** The earlier definitions: a value is valid when Date reads it back unchanged (years 0001-9999). */
function roundTripDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || value < '0001-01-01') return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
function roundTripTimestamp(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) || value < '0001-01-01') return false;
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString() === value;
}

const digits = (max: number, width: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
const year = fc.oneof(digits(9999, 4), fc.constantFrom('0000', '0001', '1900', '2000', '2024', '2100', '2400', '9999'));
const date = fc.tuple(year, digits(19, 2), digits(39, 2)).map(([y, m, d]) => `${y}-${m}-${d}`);
const timestamp = fc
  .tuple(date, digits(29, 2), digits(69, 2), digits(69, 2), digits(999, 3))
  .map(([day, h, min, s, ms]) => `${day}T${h}:${min}:${s}.${ms}Z`);

describe('calendar rules', () => {
  it('isCalendarDate agrees with the Date round trip', () => {
    fc.assert(fc.property(date, (value) => {
      expect(isCalendarDate(value)).toBe(roundTripDate(value));
    }), { seed: 20_261_201, numRuns: 20_000 });
  });

  it('isIsoTimestamp agrees with the Date round trip', () => {
    fc.assert(fc.property(timestamp, (value) => {
      expect(isIsoTimestamp(value)).toBe(roundTripTimestamp(value));
    }), { seed: 20_261_201, numRuns: 20_000 });
  });

  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['1900-02-29', false],
    ['2000-02-29', true],
    ['2026-04-31', false],
    ['2026-12-31', true],
    ['0000-01-01', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
  ])('isCalendarDate(%s) is %s', (value, valid) => {
    expect(isCalendarDate(value)).toBe(valid);
    expect(isIsoTimestamp(`${value}T12:00:00.000Z`)).toBe(valid);
  });

  it.each(['2026-01-31T24:00:00.000Z', '2026-06-30T23:59:60.000Z', '2026-01-31T09:60:00.000Z', '2026-01-31T09:00:00Z', '2026-01-31T09:00:00.000+00:00'])('isIsoTimestamp refuses %s', (value) => {
    expect(isIsoTimestamp(value)).toBe(false);
  });
});

describe('localDate', () => {
  const ZONES = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns'];
  function fromParts(instant: Date, timeZone: string): string {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    return `${get('year').padStart(4, '0')}-${get('month')}-${get('day')}`;
  }

  it('gives the date of the instant in the zone, for instants from year 1 to 9999', () => {
    const instant = fc.date({ min: new Date('0001-01-02T00:00:00.000Z'), max: new Date('9999-12-30T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (at, zone) => {
        expect(localDate(at, zone)).toBe(fromParts(at, zone));
      }),
      { seed: 20_261_201, numRuns: 3_000 },
    );
  });

  it('turns the date at local midnight, not at UTC midnight', () => {
    expect(localDate(new Date('2026-11-29T22:59:59.999Z'), 'Europe/Berlin')).toBe('2026-11-29');
    expect(localDate(new Date('2026-11-29T23:00:00.000Z'), 'Europe/Berlin')).toBe('2026-11-30');
    expect(localDate(new Date('2026-11-30T07:59:59.999Z'), 'America/Los_Angeles')).toBe('2026-11-29');
    // Years before 1000 keep four digits (ICU writes "999").
    expect(localDate(new Date('0999-06-01T12:00:00.000Z'), 'UTC')).toBe('0999-06-01');
    expect(localDate(new Date('0001-01-01T20:00:00.000Z'), 'Asia/Tokyo')).toBe('0001-01-02'); // local mean time, +09:18:59
  });
});
