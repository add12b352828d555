import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { SHA256_HEX } from '../formats.js';
import { requiredEpochSeconds, requiredRef, requiredString, requiredTimestamp } from './attributes.js';

/**
 * Server-side session state. Keyed by the SHA-256 of the session token: the token itself is
 * never stored, so a leaked table or export cannot be replayed as a login. Ephemeral: not
 * exported, deleted by TTL after `expires_at`.
 */
export const sessionSchema = defineSchema({
  model: { entity: 'session', version: '1', service: SERVICE_NAME },
  attributes: {
    /** The SHA-256 (hex) of the session token. */
    session_id: { ...requiredString(SHA256_HEX), readOnly: true },
    user_id: requiredRef('user'),
    created_at: { ...requiredTimestamp, readOnly: true },
    last_seen_at: requiredTimestamp,
    expires_at: requiredEpochSeconds,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['session_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byUser: {
      index: INDEXES.byOwner.indexName,
      pk: { field: INDEXES.byOwner.pk, composite: ['user_id'] },
      sk: { field: INDEXES.byOwner.sk, composite: ['session_id'] },
    },
  },
});

/** A session as stored and returned (never the token itself). */
export type Session = RecordOf<typeof sessionSchema>;
