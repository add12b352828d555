import { defineSchema } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { BUNDLE_STAGES, BUNDLE_STATUSES, TEXT_LIMITS } from '../vocabulary.js';
import { isText, optionalDate, optionalRef, optionalText, ownId, requiredRef, requiredText, tags, timestamps, version } from './attributes.js';

/** A workflow bundle (a project such as an event): groups tasks, files and a template instance. */
export const bundleSchema = defineSchema({
  model: { entity: 'bundle', version: '1', service: SERVICE_NAME },
  attributes: {
    bundle_id: ownId('bundle'),
    title: requiredText(TEXT_LIMITS.title),
    description: optionalText(TEXT_LIMITS.description),
    stage: { type: BUNDLE_STAGES, required: true, default: 'preparation' },
    status: { type: BUNDLE_STATUSES, required: true, default: 'active' },
    owner_id: requiredRef('user'),
    template_instance_id: optionalRef('template_instance'),
    /** The date the template offsets count from (e.g. the event day). */
    anchor_date: optionalDate,
    links: {
      type: 'list',
      required: true,
      default: () => [],
      validate: (value: unknown[]) => value.length <= TEXT_LIMITS.links,
      items: {
        type: 'map',
        properties: {
          name: { type: 'string', required: true, validate: (value: string) => isText(value, TEXT_LIMITS.short) },
          url: { type: 'string', required: true, validate: (value: string) => isText(value, TEXT_LIMITS.url) },
        },
      },
    },
    tags,
    emoji: optionalText(TEXT_LIMITS.emoji),
    created_by: requiredRef('user'),
    ...timestamps,
    version,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['bundle_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    detail: {
      index: INDEXES.byBundle.indexName,
      collection: 'bundle_detail',
      pk: { field: INDEXES.byBundle.pk, composite: ['bundle_id'] },
      sk: { field: INDEXES.byBundle.sk, composite: [] },
    },
    /** Active (or archived) bundles, grouped by stage: listActive and listByStage. */
    byStatusStage: {
      index: INDEXES.byStateTime.indexName,
      pk: { field: INDEXES.byStateTime.pk, composite: ['status'] },
      sk: { field: INDEXES.byStateTime.sk, composite: ['stage', 'bundle_id'] },
    },
  },
});
