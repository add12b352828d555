import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { USER_ROLES, USER_STATUSES } from '../vocabulary.js';
import { EMAIL, TIME_ZONE } from '../formats.js';
import { ownId, requiredString, requiredText, timestamps, version } from './attributes.js';

/** An operator identity. Authentication (passwords, SSO) lives elsewhere; no secrets here. */
export const userSchema = defineSchema({
  model: { entity: 'user', version: '1', service: SERVICE_NAME },
  attributes: {
    user_id: ownId('user'),
    /** Lower-cased; unique through the user_email claim written in the same transaction. */
    email: requiredString(EMAIL),
    display_name: requiredText('short'),
    role: { type: USER_ROLES, required: true },
    /** IANA time zone in its canonical spelling, e.g. Europe/Berlin: "today" for this operator is computed in it. */
    timezone: requiredString(TIME_ZONE),
    status: { type: USER_STATUSES, required: true, default: 'active' },
    ...timestamps,
    version,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['user_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byEmail: {
      index: INDEXES.byOwner.indexName,
      pk: { field: INDEXES.byOwner.pk, composite: ['email'] },
      sk: { field: INDEXES.byOwner.sk, composite: [] },
    },
  },
});

/** A user as stored and returned. */
export type User = RecordOf<typeof userSchema>;
