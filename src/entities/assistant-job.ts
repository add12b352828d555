import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { ASSISTANT_JOB_STATUSES } from '../vocabulary.js';
import { KIND } from '../formats.js';
import { optionalRef, optionalText, ownId, requiredRef, requiredString, timestamps, version } from './attributes.js';

/** Reserved slot: a unit of work for the (future) assistant, optionally about a task. */
export const assistantJobSchema = defineSchema({
  model: { entity: 'assistant_job', version: '1', service: SERVICE_NAME },
  attributes: {
    job_id: ownId('assistant_job'),
    kind: requiredString(KIND),
    status: { type: ASSISTANT_JOB_STATUSES, required: true, default: 'queued' },
    task_id: optionalRef('task'),
    input_ref: optionalText('url'),
    output_ref: optionalText('url'),
    created_by: requiredRef('user'),
    ...timestamps,
    version,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['job_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byTask: {
      index: INDEXES.byTask.indexName,
      collection: 'task_detail',
      pk: { field: INDEXES.byTask.pk, composite: ['task_id'] },
      sk: { field: INDEXES.byTask.sk, composite: [] },
    },
    byStatus: {
      index: INDEXES.byStateTime.indexName,
      pk: { field: INDEXES.byStateTime.pk, composite: ['status'] },
      sk: { field: INDEXES.byStateTime.sk, composite: ['job_id'] },
    },
  },
});

export type AssistantJob = RecordOf<typeof assistantJobSchema>;
