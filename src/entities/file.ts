import { defineSchema } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { FILE_CATEGORIES } from '../vocabulary.js';
import { optionalRef, ownId, requiredRef, requiredText, tags, timestamps } from './attributes.js';

/** Metadata of a file stored in S3 (never the bytes): where it is, what it is, who uploaded it. */
export const fileSchema = defineSchema({
  model: { entity: 'file', version: '1', service: SERVICE_NAME },
  attributes: {
    file_id: ownId('file'),
    task_id: requiredRef('task'),
    bundle_id: optionalRef('bundle'),
    storage_bucket: { type: 'string', required: true, validate: (value: string) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) },
    storage_key: requiredText(1024),
    filename: requiredText(255),
    content_type: { type: 'string', required: true, validate: (value: string) => /^[\w.+-]+\/[\w.+-]+$/.test(value) && value.length <= 255 },
    size_bytes: { type: 'number', required: true, validate: (value: number) => Number.isInteger(value) && value >= 0 },
    sha256: { type: 'string', required: true, validate: (value: string) => /^[0-9a-f]{64}$/.test(value) },
    category: { type: FILE_CATEGORIES, required: true, default: 'document' },
    tags,
    uploaded_by: requiredRef('user'),
    ...timestamps,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['file_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byTask: {
      index: INDEXES.byTask.indexName,
      collection: 'task_detail',
      pk: { field: INDEXES.byTask.pk, composite: ['task_id'] },
      sk: { field: INDEXES.byTask.sk, composite: ['file_id'] },
    },
    byBundle: {
      index: INDEXES.byBundle.indexName,
      collection: 'bundle_detail',
      pk: { field: INDEXES.byBundle.pk, composite: ['bundle_id'] },
      sk: { field: INDEXES.byBundle.sk, composite: [] },
    },
  },
});
