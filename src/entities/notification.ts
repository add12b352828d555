import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { NOTIFICATION_STATUSES } from '../vocabulary.js';
import { KIND, WORKER_ID } from '../formats.js';
import {
  optionalEpochSeconds,
  optionalRef,
  optionalString,
  optionalTimestamp,
  ownId,
  refList,
  requiredString,
  requiredText,
  requiredTimestamp,
  timestamps,
  version,
} from './attributes.js';

/**
 * A reminder or notice. Without `recipient_id` it is for everyone; `dismissed_by` then records
 * who dismissed it, so dismissing hides it for that user only.
 */
export const notificationSchema = defineSchema({
  model: { entity: 'notification', version: '1', service: SERVICE_NAME },
  attributes: {
    notification_id: ownId('notification'),
    recipient_id: optionalRef('user'),
    task_id: optionalRef('task'),
    bundle_id: optionalRef('bundle'),
    /** What kind of notice this is, e.g. task_due, follow_up, announcement. */
    kind: requiredString(KIND),
    message: requiredText('message'),
    due_at: requiredTimestamp,
    status: { type: NOTIFICATION_STATUSES, required: true, default: 'pending' },
    claimed_by: optionalString(WORKER_ID),
    claimed_at: optionalTimestamp,
    sent_at: optionalTimestamp,
    /** Broadcasts only: who dismissed it (each user once, appended without contending with claims). */
    dismissed_by: refList('user'),
    expires_at: optionalEpochSeconds,
    ...timestamps,
    version,

    /** Index-only (hidden): the recipient's view, ordered by due time. */
    recipient_due_at: {
      type: 'string',
      hidden: true,
      watch: ['recipient_id', 'due_at'],
      set: (_: unknown, item: { recipient_id?: string; due_at?: string }) => (item.recipient_id ? item.due_at : undefined),
    },
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['notification_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byTask: {
      index: INDEXES.byTask.indexName,
      collection: 'task_detail',
      pk: { field: INDEXES.byTask.pk, composite: ['task_id'] },
      sk: { field: INDEXES.byTask.sk, composite: [] },
    },
    byRecipient: {
      index: INDEXES.byOwner.indexName,
      pk: { field: INDEXES.byOwner.pk, composite: ['recipient_id'] },
      sk: { field: INDEXES.byOwner.sk, composite: ['recipient_due_at'] },
    },
    /** Sparse: pending notifications by due time; claiming one removes it from this view. */
    pendingByDue: {
      index: INDEXES.byStateTime.indexName,
      condition: (item: { status?: string }) => item.status === 'pending',
      pk: { field: INDEXES.byStateTime.pk, composite: [], template: 'pending_notifications' },
      sk: { field: INDEXES.byStateTime.sk, composite: ['due_at', 'notification_id'] },
    },
  },
});

/** A notification as stored and returned. */
export type Notification = RecordOf<typeof notificationSchema>;
