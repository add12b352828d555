/**
 * Attribute definitions shared by several entities, as plain ElectroDB attribute data. Every
 * value rule comes from src/formats.ts (the services check input against the same rules first
 * and name the caller's field); here they are the last line of defence: nothing that breaks a
 * rule can be written through an entity, whichever path writes it.
 */
import { ID_PATTERNS, type IdKind } from '../ids.js';
import { CALENDAR_DATE, EPOCH_SECONDS, TAGS, TEXT, TIMESTAMP, VERSION, describeValue, type ValueRule } from '../formats.js';

/**
 * An ElectroDB validator for `rule`. ElectroDB reports a thrown message (and the attribute) in
 * its validation error, so the rule's own wording reaches the caller instead of "Invalid value".
 */
export function validates<T>(rule: ValueRule<T>) {
  return (value: unknown): boolean => {
    if (rule.test(value)) return true;
    throw new Error(`must be ${rule.expected}; got ${describeValue(value)}`);
  };
}

/** A required string attribute that satisfies `rule`. */
export function requiredString(rule: ValueRule<string>) {
  return { type: 'string', required: true, validate: validates(rule) } as const;
}

/** An optional string attribute that satisfies `rule` when present. */
export function optionalString(rule: ValueRule<string>) {
  const check = validates(rule);
  return { type: 'string', validate: (value: string | undefined) => value === undefined || check(value) } as const;
}

function idRule(kind: IdKind): ValueRule<string> {
  return {
    name: `${kind}_id`,
    expected: `a ${kind} ID`,
    test: (value: unknown): value is string => typeof value === 'string' && ID_PATTERNS[kind].test(value),
  };
}

/** The entity's own ID: required, immutable, validated against its prefix. */
export function ownId<K extends IdKind>(kind: K) {
  return { ...requiredString(idRule(kind)), readOnly: true } as const;
}

/** A required reference to another entity's ID. */
export function requiredRef(kind: IdKind) {
  return requiredString(idRule(kind));
}

/** An optional reference to another entity's ID. */
export function optionalRef(kind: IdKind) {
  return optionalString(idRule(kind));
}

/** A list item (a string) that satisfies `rule`. */
export function stringItem(rule: ValueRule<string>) {
  return { type: 'string', validate: validates(rule) } as const;
}

/** A list of IDs of one kind (e.g. notification.dismissed_by). */
export function refList(kind: IdKind) {
  return { type: 'list', required: true, default: () => [], items: stringItem(idRule(kind)) } as const;
}

export const requiredTimestamp = requiredString(TIMESTAMP);
export const optionalTimestamp = optionalString(TIMESTAMP);
export const requiredDate = requiredString(CALENDAR_DATE);
export const optionalDate = optionalString(CALENDAR_DATE);

/** Free text of one length class of TEXT_LIMITS (title, description, url, …). */
export function requiredText(kind: keyof typeof TEXT) {
  return requiredString(TEXT[kind]);
}
export function optionalText(kind: keyof typeof TEXT) {
  return optionalString(TEXT[kind]);
}

export const tags = {
  type: 'list',
  required: true,
  default: () => [],
  items: stringItem(TEXT.tag),
  validate: validates(TAGS),
} as const;

/** Creation and last-change times, set by the services from the store's clock. */
export const timestamps = {
  created_at: { ...requiredTimestamp, readOnly: true },
  updated_at: requiredTimestamp,
} as const;

/** Optimistic-locking counter: every write conditions on the version it read and adds one. */
export const version = { type: 'number', required: true, validate: validates(VERSION) } as const;

/** TTL attribute in epoch seconds (DynamoDB deletes the item some time after it passes). */
export const requiredEpochSeconds = { type: 'number', required: true, validate: validates(EPOCH_SECONDS) } as const;
export const optionalEpochSeconds = {
  type: 'number',
  validate: (value: number | undefined) => value === undefined || validates(EPOCH_SECONDS)(value),
} as const;
