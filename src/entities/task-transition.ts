import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { TASK_STATUSES } from '../vocabulary.js';
import { optionalText, ownId, requiredRef, requiredTimestamp } from './attributes.js';

/**
 * One status change of a task. Append-only: written in the same transaction as the task's
 * version bump, never updated or deleted. ULID IDs keep the history in order.
 */
export const taskTransitionSchema = defineSchema({
  model: { entity: 'task_transition', version: '1', service: SERVICE_NAME },
  attributes: {
    transition_id: ownId('task_transition'),
    task_id: requiredRef('task'),
    from_status: { type: TASK_STATUSES, required: true },
    to_status: { type: TASK_STATUSES, required: true },
    actor_id: requiredRef('user'),
    at: requiredTimestamp,
    note: optionalText('note'),
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['transition_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byTask: {
      index: INDEXES.byTask.indexName,
      collection: 'task_detail',
      pk: { field: INDEXES.byTask.pk, composite: ['task_id'] },
      sk: { field: INDEXES.byTask.sk, composite: ['transition_id'] },
    },
  },
});

/** One status change of a task, as stored and returned. */
export type TaskTransition = RecordOf<typeof taskTransitionSchema>;
