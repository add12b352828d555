import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { GIT_COMMIT, TEXT } from '../formats.js';
import { ownId, requiredDate, requiredRef, requiredString, requiredText, requiredTimestamp, stringItem } from './attributes.js';

/**
 * A runtime instance of a Git-backed template. The template itself (its tasks, SOP links) stays
 * in the process-knowledge repository; this records which template at which commit produced
 * which tasks, so the bundle can be traced back to the exact definition.
 */
export const templateInstanceSchema = defineSchema({
  model: { entity: 'template_instance', version: '1', service: SERVICE_NAME },
  attributes: {
    template_instance_id: ownId('template_instance'),
    /** Path of the template in the process-knowledge repository, e.g. templates/meetup.yaml. */
    template_id: requiredText('url'),
    /** Git commit SHA of the template definition that was instantiated. */
    template_version: requiredString(GIT_COMMIT),
    bundle_id: requiredRef('bundle'),
    anchor_date: requiredDate,
    instantiated_by: requiredRef('user'),
    instantiated_at: requiredTimestamp,
    /** The template task refs this instance produced, in template order. */
    task_refs: {
      type: 'list',
      required: true,
      items: stringItem(TEXT.short),
    },
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['template_instance_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    byBundle: {
      index: INDEXES.byBundle.indexName,
      collection: 'bundle_detail',
      pk: { field: INDEXES.byBundle.pk, composite: ['bundle_id'] },
      sk: { field: INDEXES.byBundle.sk, composite: [] },
    },
  },
});

/** A template instance as stored and returned. */
export type TemplateInstance = RecordOf<typeof templateInstanceSchema>;
