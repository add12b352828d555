import { defineSchema, type RecordOf } from './define-schema.js';
import { SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { EMAIL } from '../formats.js';
import { requiredRef, requiredString, requiredTimestamp } from './attributes.js';

/**
 * Uniqueness claim for a user's e-mail address: its primary key is the address, so a second
 * user with the same address fails the `attribute_not_exists` condition of the transaction that
 * creates the user. Derived data: the export omits it and the import rebuilds it from users.
 */
export const userEmailSchema = defineSchema({
  model: { entity: 'user_email', version: '1', service: SERVICE_NAME },
  attributes: {
    email: { ...requiredString(EMAIL), readOnly: true },
    user_id: requiredRef('user'),
    created_at: requiredTimestamp,
  },
  indexes: {
    byEmail: {
      pk: { field: TABLE_KEYS.pk, composite: ['email'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
  },
});

export type UserEmailClaim = RecordOf<typeof userEmailSchema>;
