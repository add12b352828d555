/**
 * Argument parsers: thin commander adapters over the value rules (src/formats.ts) and the ID
 * rules (src/ids.ts), so the CLI accepts exactly what the store accepts and says so in the
 * store's words. A bad value is a usage error (exit 64), reported before anything connects.
 */
import { InvalidArgumentError, Option } from 'commander';
import { isExecutionStoreError } from '../errors.js';
import { CALENDAR_DATE, checkEmail, checkTimeZone, checkValue, describeValue, EMAIL, integerRule } from '../formats.js';
import { assertId, ID_PREFIXES, isId, type IdKind } from '../ids.js';

/** A command-line value parser, given the name the person typed (`--tz`, `<task-id>`) for its message. */
export type ArgParser<T> = (name: string) => (value: string) => T;

/** Runs a rule check; its VALIDATION error becomes commander's usage error with the rule's message. */
function viaRule<T>(check: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return check(value.trim());
    } catch (error) {
      if (isExecutionStoreError(error, 'VALIDATION')) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/** A calendar date YYYY-MM-DD within the calendar the store accepts. */
export const calendarDateArg: ArgParser<string> = (name) => viaRule((value) => checkValue(CALENDAR_DATE, value, name));

/** An IANA time zone in any spelling Intl accepts; returns the canonical one. */
export const timeZoneArg: ArgParser<string> = (name) => viaRule((value) => checkTimeZone(value, name));

/** A whole number from `min` to `max`. */
export function integerArg(min: number, max: number): ArgParser<number> {
  return (name) => {
    const rule = integerRule(name, min, max);
    return viaRule((value) => checkValue(rule, /^\d+$/.test(value) ? Number(value) : value, name));
  };
}

/** An ID of the given kind (`tsk_…`, `bdl_…`): the prefix comes from src/ids.ts. */
export function idArg(kind: IdKind): ArgParser<string> {
  return (name) => viaRule((value) => assertId(kind, value, name));
}

/** A user: a user ID, or an e-mail address (returned in its stored, lower-case spelling). */
export const userRefArg: ArgParser<string> = (name) => (raw) => {
  const value = raw.trim();
  if (isId('user', value)) return value;
  try {
    return checkEmail(value, name);
  } catch {
    throw new InvalidArgumentError(`${name} must be a user ID ("${ID_PREFIXES.user}_" and a 26-character ULID) or ${EMAIL.expected}; got ${describeValue(value)}`);
  }
};

/** An option whose value `parser` checks; the parser's messages name the option's long flag. */
export function ruleOption<T>(flags: string, description: string, parser: ArgParser<T>): Option {
  const option = new Option(flags, description);
  return option.argParser(parser(option.long ?? option.name()));
}
