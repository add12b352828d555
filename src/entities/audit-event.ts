import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { AUDITED_ENTITY_TYPES } from '../vocabulary.js';
import { AUDIT_ACTION } from '../formats.js';
import { ownId, requiredRef, requiredString, requiredText, requiredTimestamp } from './attributes.js';

/** Reserved slot: who did what to which entity, append-only. */
export const auditEventSchema = defineSchema({
  model: { entity: 'audit_event', version: '1', service: SERVICE_NAME },
  attributes: {
    event_id: ownId('audit_event'),
    /** The entity the event is about (entity name, singular: task, bundle, …). */
    entity_type: { type: AUDITED_ENTITY_TYPES, required: true },
    /** The affected entity's application ID. */
    entity_id: requiredText('entity_id'),
    actor_id: requiredRef('user'),
    action: requiredString(AUDIT_ACTION),
    at: requiredTimestamp,
    /** Field-level changes, e.g. { status: { from: 'todo', to: 'done' } }. */
    changes: { type: 'any', required: true },
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['event_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byEntity: {
      index: INDEXES.byOwner.indexName,
      pk: { field: INDEXES.byOwner.pk, composite: ['entity_id'] },
      sk: { field: INDEXES.byOwner.sk, composite: ['event_id'] },
    },
  },
});

export type AuditEvent = RecordOf<typeof auditEventSchema>;
