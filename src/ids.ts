/**
 * Application IDs: type-prefixed ULIDs (`tsk_01J…`). They never contain a key delimiter, so a
 * validated ID can be placed in a key without escaping, and the prefix makes an ID of the wrong
 * entity fail validation instead of silently reading something else.
 */
import { createHash } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulidx';
import { ValidationError } from './errors.js';
import { SHA256_HEX } from './formats.js';

export const ID_PREFIXES = {
  user: 'usr',
  task: 'tsk',
  bundle: 'bdl',
  template_instance: 'tpi',
  recurring_schedule: 'sch',
  notification: 'ntf',
  file: 'fil',
  task_transition: 'trn',
  artifact: 'art',
  assistant_job: 'job',
  audit_event: 'aud',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Crockford base32 as ULID uses it (no I, L, O, U), 26 characters, upper case. */
const ULID_BODY = '[0-9A-HJKMNP-TV-Z]{26}';

export const ID_PATTERNS: Record<IdKind, RegExp> = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}_${ULID_BODY}$`)]),
) as Record<IdKind, RegExp>;

/** Session IDs are the lower-case hex SHA-256 of the session token. */
export const SESSION_ID_PATTERN: RegExp = SHA256_HEX.pattern;

// Monotonic within a millisecond, so IDs made in one burst (a template's tasks, a transition
// history) still sort in creation order.
const nextUlid = monotonicFactory();

export function newId(kind: IdKind, now: Date = new Date()): string {
  return `${ID_PREFIXES[kind]}_${nextUlid(now.getTime())}`;
}

/** Crockford base32, the alphabet of a ULID. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A reproducible ID for data migrated from another system: the same (kind, sourceKey) always
 * gives the same ID, so a re-run finds what an earlier run wrote instead of duplicating it. The
 * ULID's 48-bit time part is `createdAt` (so IDs still sort by creation); its 80 random bits are
 * the first 80 bits of SHA-256("<kind>:<sourceKey>").
 */
export function deterministicId(kind: IdKind, sourceKey: string, createdAt: Date): string {
  const ms = createdAt.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > 2 ** 48 - 1) {
    throw new ValidationError(`createdAt must be a valid date after 1970 for a ${kind} ID; got ${String(createdAt)}`, { field: 'createdAt' });
  }
  const digest = createHash('sha256').update(`${kind}:${sourceKey}`).digest();
  // 80 bits = 16 base32 characters of 5 bits each, read from the first 10 bytes.
  let bits = 0n;
  for (const byte of digest.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let random = '';
  for (let i = 15; i >= 0; i -= 1) random += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${ID_PREFIXES[kind]}_${encodeTime(ms, 10)}${random}`;
}

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERNS[kind].test(value);
}

/** Throws VALIDATION unless `value` is an ID of the given kind; returns it typed. */
export function assertId(kind: IdKind, value: unknown, field: string = `${kind}_id`): string {
  if (isId(kind, value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value) : typeof value;
  throw new ValidationError(
    `${field} must be a ${kind} ID like "${ID_PREFIXES[kind]}_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4" (prefix "${ID_PREFIXES[kind]}_" and a 26-character ULID); got ${shown}`,
    { field },
  );
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
