import { defineSchema } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { SESSION_ID_PATTERN } from '../ids.js';
import { requiredRef, requiredTimestamp } from './attributes.js';

/**
 * Server-side session state. Keyed by the SHA-256 of the session token: the token itself is
 * never stored, so a leaked table or export cannot be replayed as a login. Ephemeral: not
 * exported, deleted by TTL after `expires_at`.
 */
export const sessionSchema = defineSchema({
  model: { entity: 'session', version: '1', service: SERVICE_NAME },
  attributes: {
    session_id: { type: 'string', required: true, readOnly: true, validate: (value: string) => SESSION_ID_PATTERN.test(value) },
    user_id: requiredRef('user'),
    created_at: { ...requiredTimestamp, readOnly: true },
    last_seen_at: requiredTimestamp,
    expires_at: { type: 'number', required: true, validate: (value: number) => Number.isInteger(value) && value > 0 },
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
