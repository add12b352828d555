import { defineSchema, type RecordOf } from './define-schema.js';
import { INDEXES, SERVICE_NAME, TABLE_KEYS } from '../table-layout.js';
import { BUNDLE_STAGES, TASK_SOURCES, TASK_STATUSES, isOpenTaskStatus } from '../vocabulary.js';
import {
  optionalDate,
  optionalRef,
  optionalText,
  optionalTimestamp,
  ownId,
  requiredRef,
  requiredText,
  tags,
  timestamps,
  version,
} from './attributes.js';

interface TaskIndexInput {
  status?: string;
  assignee_id?: string;
  due_date?: string;
}

/**
 * Index-only attributes. ElectroDB writes an index's keys only when every composite attribute of
 * that index is present, so each sparse view gets attributes that exist exactly when the item
 * belongs to the view. They are hidden (never returned, never exported) and recomputed on every
 * write: task writes are always full-item conditional puts (see ADR 0001).
 */
const openAssigned = (item: TaskIndexInput) => isOpenTaskStatus(item.status) && !!item.assignee_id && !!item.due_date;
const openDated = (item: TaskIndexInput) => isOpenTaskStatus(item.status) && !!item.due_date;

export const taskSchema = defineSchema({
  model: { entity: 'task', version: '1', service: SERVICE_NAME },
  attributes: {
    task_id: ownId('task'),
    title: requiredText('title'),
    description: optionalText('description'),
    status: { type: TASK_STATUSES, required: true, default: 'todo' },
    assignee_id: optionalRef('user'),
    bundle_id: optionalRef('bundle'),
    parent_task_id: optionalRef('task'),
    template_instance_id: optionalRef('template_instance'),
    template_task_ref: optionalText('short'),
    recurring_schedule_id: optionalRef('recurring_schedule'),
    occurrence_date: optionalDate,
    due_date: optionalDate,
    source: { type: TASK_SOURCES, required: true, default: 'manual' },
    /** The name of the link that must be set before the task can be done (e.g. "Meetup page"). */
    required_link_name: optionalText('short'),
    link: optionalText('url'),
    requires_file: { type: 'boolean', required: true, default: false },
    /** Completing the task moves its bundle to this stage. */
    stage_on_complete: { type: BUNDLE_STAGES },
    instructions_url: optionalText('url'),
    comment: optionalText('comment'),
    waiting_for: optionalText('short'),
    follow_up_at: optionalTimestamp,
    completed_at: optionalTimestamp,
    tags,
    created_by: requiredRef('user'),
    ...timestamps,
    version,

    // Index-only (hidden) attributes: see the comment above.
    open_assignee_id: {
      type: 'string',
      hidden: true,
      watch: ['status', 'assignee_id', 'due_date'],
      set: (_: unknown, item: TaskIndexInput) => (openAssigned(item) ? item.assignee_id : undefined),
    },
    open_due_date: {
      type: 'string',
      hidden: true,
      watch: ['status', 'assignee_id', 'due_date'],
      set: (_: unknown, item: TaskIndexInput) => (openAssigned(item) ? item.due_date : undefined),
    },
    team_open_due_date: {
      type: 'string',
      hidden: true,
      watch: ['status', 'due_date'],
      set: (_: unknown, item: TaskIndexInput) => (openDated(item) ? item.due_date : undefined),
    },
    assigned_status: {
      type: 'string',
      hidden: true,
      watch: ['status', 'assignee_id'],
      set: (_: unknown, item: TaskIndexInput) => (item.assignee_id ? item.status : undefined),
    },
  },
  indexes: {
    byId: {
      pk: { field: TABLE_KEYS.pk, composite: ['task_id'] },
      sk: { field: TABLE_KEYS.sk, composite: [] },
    },
    detail: {
      index: INDEXES.byTask.indexName,
      collection: 'task_detail',
      pk: { field: INDEXES.byTask.pk, composite: ['task_id'] },
      sk: { field: INDEXES.byTask.sk, composite: [] },
    },
    byBundle: {
      index: INDEXES.byBundle.indexName,
      collection: 'bundle_detail',
      pk: { field: INDEXES.byBundle.pk, composite: ['bundle_id'] },
      sk: { field: INDEXES.byBundle.sk, composite: [] },
    },
    /** Sparse: open, assigned, dated tasks by assignee and due date (today, overdue, upcoming). */
    openByAssigneeDue: {
      index: INDEXES.openByAssigneeDue.indexName,
      pk: { field: INDEXES.openByAssigneeDue.pk, composite: ['open_assignee_id'] },
      sk: { field: INDEXES.openByAssigneeDue.sk, composite: ['open_due_date'] },
    },
    /** Assigned tasks by assignee and status (any status). */
    byAssigneeStatus: {
      index: INDEXES.byOwner.indexName,
      pk: { field: INDEXES.byOwner.pk, composite: ['assignee_id'] },
      sk: { field: INDEXES.byOwner.sk, composite: ['assigned_status'] },
    },
    /** Sparse: every open, dated task of the team by due date (team-wide overdue). */
    openByDue: {
      index: INDEXES.byStateTime.indexName,
      condition: (item: { team_open_due_date?: string }) => item.team_open_due_date !== undefined,
      pk: { field: INDEXES.byStateTime.pk, composite: [], template: 'open_tasks' },
      sk: { field: INDEXES.byStateTime.sk, composite: ['team_open_due_date'] },
    },
  },
});

/** A task as stored and returned (the hidden index-only attributes are never part of it). */
export type Task = RecordOf<typeof taskSchema>;

/** Task attributes the store manages itself: identity, status and its history, provenance, timestamps, version. */
export type StoreManagedTaskField =
  | 'task_id'
  | 'status'
  | 'completed_at'
  | 'source'
  | 'bundle_id'
  | 'parent_task_id'
  | 'template_instance_id'
  | 'template_task_ref'
  | 'recurring_schedule_id'
  | 'occurrence_date'
  | 'stage_on_complete'
  | 'created_by'
  | 'created_at'
  | 'updated_at'
  | 'version';

/**
 * The fields a person may edit with tasks.update (`null` clears an optional one), checked
 * against the record type: each is a task attribute the store does not manage.
 */
export const USER_EDITABLE_TASK_FIELDS = [
  'title',
  'description',
  'assignee_id',
  'due_date',
  'tags',
  'link',
  'comment',
  'waiting_for',
  'follow_up_at',
  'instructions_url',
  'required_link_name',
  'requires_file',
] as const satisfies readonly Exclude<keyof Task, StoreManagedTaskField>[];

export type UserEditableTaskField = (typeof USER_EDITABLE_TASK_FIELDS)[number];

/** Every task attribute is either editable or store-managed: a new attribute must be classified here. */
const everyTaskFieldClassified: [Exclude<keyof Task, UserEditableTaskField | StoreManagedTaskField>] extends [never] ? true : never = true;
void everyTaskFieldClassified;
