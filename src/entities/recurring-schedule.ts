import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { TIME_ZONE } from '../formats.js';
import {
  optionalRef,
  optionalText,
  optionalTimestamp,
  ownId,
  requiredRef,
  requiredString,
  requiredText,
  requiredTimestamp,
  tags,
  timestamps,
  version,
} from './attributes.js';

/**
 * Recurring work: a 5-field cron in an IANA time zone. The scheduler creates one task per
 * occurrence and advances `next_run_at` in the same transaction (see the schedules service).
 */
export const recurringScheduleSchema = defineSchema({
  model: { entity: 'recurring_schedule', version: '1', service: SERVICE_NAME },
  attributes: {
    schedule_id: ownId('recurring_schedule'),
    title: requiredText('title'),
    cron: requiredText('cron'),
    /** IANA time zone in its canonical spelling: the cron fires and occurrence dates are counted in it. */
    time_zone: requiredString(TIME_ZONE),
    assignee_id: optionalRef('user'),
    bundle_id: optionalRef('bundle'),
    description: optionalText('description'),
    tags,
    instructions_url: optionalText('url'),
    enabled: { type: 'boolean', required: true, default: true },
    next_run_at: requiredTimestamp,
    last_run_at: optionalTimestamp,
    created_by: requiredRef('user'),
    ...timestamps,
    version,
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['schedule_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    /** Sparse: enabled schedules by next run time (due soon, due now). */
    enabledByNextRun: {
      index: INDEXES.byStateTime.indexName,
      condition: (item: { enabled?: boolean }) => item.enabled === true,
      pk: { field: INDEXES.byStateTime.pk, composite: [], template: 'enabled_schedules' },
      sk: { field: INDEXES.byStateTime.sk, composite: ['next_run_at', 'schedule_id'] },
    },
  },
});

/** A recurring schedule as stored and returned. */
export type RecurringSchedule = RecordOf<typeof recurringScheduleSchema>;
