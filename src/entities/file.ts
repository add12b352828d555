import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { FILE_CATEGORIES } from '../vocabulary.js';
import { CONTENT_TYPE, S3_BUCKET, SHA256_HEX, SIZE_BYTES } from '../formats.js';
import { optionalRef, ownId, requiredRef, requiredString, requiredText, tags, timestamps, validates } from './attributes.js';

/** Metadata of a file stored in S3 (never the bytes): where it is, what it is, who uploaded it. */
export const fileSchema = defineSchema({
  model: { entity: 'file', version: '1', service: SERVICE_NAME },
  attributes: {
    file_id: ownId('file'),
    task_id: requiredRef('task'),
    bundle_id: optionalRef('bundle'),
    storage_bucket: requiredString(S3_BUCKET),
    storage_key: requiredText('storage_key'),
    filename: requiredText('filename'),
    content_type: requiredString(CONTENT_TYPE),
    size_bytes: { type: 'number', required: true, validate: validates(SIZE_BYTES) },
    sha256: requiredString(SHA256_HEX),
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

/** A file's metadata (the bytes live in S3), as stored and returned. */
export type FileRecord = RecordOf<typeof fileSchema>;
