import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { KIND } from '../formats.js';
import { optionalRef, ownId, requiredRef, requiredString, requiredText, timestamps } from './attributes.js';

/** Reserved slot: an output attached to a task (a generated document, a published page). */
export const artifactSchema = defineSchema({
  model: { entity: 'artifact', version: '1', service: SERVICE_NAME },
  attributes: {
    artifact_id: ownId('artifact'),
    task_id: requiredRef('task'),
    bundle_id: optionalRef('bundle'),
    kind: requiredString(KIND),
    uri: requiredText('url'),
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

/** An output attached to a task, as stored and returned. */
export type Artifact = RecordOf<typeof artifactSchema>;
