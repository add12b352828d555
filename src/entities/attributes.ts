/**
 * Attribute definitions shared by several entities, as plain ElectroDB attribute data.
 * Validation here is the last line of defence: services validate input first and give the
 * friendlier message, but nothing that breaks these rules can be written through an entity.
 */
import { ID_PATTERNS, type IdKind } from '../ids.js';
import { LIST_LIMITS, TEXT_LIMITS, isCalendarDate, isIsoTimestamp, isText } from '../formats.js';


/** The entity's own ID: required, immutable, validated against its prefix. */
export function ownId<K extends IdKind>(kind: K) {
  const pattern = ID_PATTERNS[kind];
  return { type: 'string', required: true, readOnly: true, validate: (value: string) => pattern.test(value) } as const;
}

/** A required reference to another entity's ID. */
export function requiredRef(kind: IdKind) {
  const pattern = ID_PATTERNS[kind];
  return { type: 'string', required: true, validate: (value: string) => pattern.test(value) } as const;
}

/** An optional reference to another entity's ID. */
export function optionalRef(kind: IdKind) {
  const pattern = ID_PATTERNS[kind];
  return { type: 'string', validate: (value: string | undefined) => value === undefined || pattern.test(value) } as const;
}

export const requiredTimestamp = { type: 'string', required: true, validate: (value: string) => isIsoTimestamp(value) } as const;
export const optionalTimestamp = {
  type: 'string',
  validate: (value: string | undefined) => value === undefined || isIsoTimestamp(value),
} as const;
export const optionalDate = {
  type: 'string',
  validate: (value: string | undefined) => value === undefined || isCalendarDate(value),
} as const;
export const requiredDate = { type: 'string', required: true, validate: (value: string) => isCalendarDate(value) } as const;

export function requiredText(max: number) {
  return { type: 'string', required: true, validate: (value: string) => isText(value, max) } as const;
}
export function optionalText(max: number) {
  return { type: 'string', validate: (value: string | undefined) => value === undefined || isText(value, max) } as const;
}

export const tags = {
  type: 'list',
  required: true,
  default: () => [],
  items: { type: 'string', validate: (value: string) => isText(value, TEXT_LIMITS.tag) },
  validate: (value: string[]) => value.length <= LIST_LIMITS.tags,
} as const;

/** Creation and last-change times, set by the services from the store's clock. */
export const timestamps = {
  created_at: { ...requiredTimestamp, readOnly: true },
  updated_at: requiredTimestamp,
} as const;

/** Optimistic-locking counter: every write conditions on the version it read and adds one. */
export const version = {
  type: 'number',
  required: true,
  validate: (value: number) => Number.isInteger(value) && value >= 1,
} as const;

/** TTL attribute in epoch seconds (DynamoDB deletes the item some time after it passes). */
export const optionalEpochSeconds = {
  type: 'number',
  validate: (value: number | undefined) => value === undefined || (Number.isInteger(value) && value > 0),
} as const;
