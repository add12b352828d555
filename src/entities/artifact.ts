import { defineSchema } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';

import { optionalRef, ownId, requiredRef, requiredText, timestamps } from './attributes.js';
import { TEXT_LIMITS } from '../formats.js';

/** Reserved slot: an output attached to a task (a generated document, a published page). */
export const artifactSchema = defineSchema({
  model: { entity: 'artifact', version: '1', service: SERVICE_NAME },
  attributes: {
    artifact_id: ownId('artifact'),
    task_id: requiredRef('task'),
    bundle_id: optionalRef('bundle'),
    kind: { type: 'string', required: true, validate: (value: string) => /^[a-z][a-z0-9_]{0,63}$/.test(value) },
    uri: requiredText(TEXT_LIMITS.url),
    created_by: requiredRef('user'),
    ...timestamps,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['artifact_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byTask: {
      index: INDEXES.byTask.indexName,
      collection: 'task_detail',
      pk: { field: INDEXES.byTask.pk, composite: ['task_id'] },
      sk: { field: INDEXES.byTask.sk, composite: ['artifact_id'] },
    },
    byBundle: {
      index: INDEXES.byBundle.indexName,
      collection: 'bundle_detail',
      pk: { field: INDEXES.byBundle.pk, composite: ['bundle_id'] },
      sk: { field: INDEXES.byBundle.sk, composite: [] },
    },
  },
});
