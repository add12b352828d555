/**
 * The one description of the execution-state table's physical key layout.
 *
 * Entities (src/entities) and the CDK stack (infra/) both import this module, so an index name or
 * key attribute cannot be spelled two ways. Index names are generic (`gsi1`…`gsi5`) because each
 * index is overloaded by several entities; `purpose` says which questions each one answers.
 */

export interface KeyFields {
  readonly pk: string;
  readonly sk: string;
}

export interface SecondaryIndexLayout extends KeyFields {
  /** The DynamoDB index name. */
  readonly indexName: string;
  /** The questions this index answers (documentation; also printed by tooling). */
  readonly purpose: string;
}

export const TABLE_KEYS: KeyFields = { pk: 'pk', sk: 'sk' };

export const INDEXES = {
  /** Everything about one task: the task, its status history, files, artifacts, notifications, jobs. */
  byTask: {
    indexName: 'gsi1',
    pk: 'gsi1pk',
    sk: 'gsi1sk',
    purpose: 'task detail collection: task + transitions + files + artifacts + notifications + assistant jobs',
  },
  /** Everything about one bundle: the bundle, its tasks, files, artifacts and template instance. */
  byBundle: {
    indexName: 'gsi2',
    pk: 'gsi2pk',
    sk: 'gsi2sk',
    purpose: 'bundle detail collection: bundle + tasks + files + artifacts + template instance',
  },
  /** Sparse: only open tasks that have an assignee and a due date, ordered by due date. */
  openByAssigneeDue: {
    indexName: 'gsi3',
    pk: 'gsi3pk',
    sk: 'gsi3sk',
    purpose: "an operator's open tasks by due date: today, overdue, upcoming",
  },
  /** Per-person lookups: tasks by assignee and status, user by e-mail, notifications by recipient, audit by entity. */
  byOwner: {
    indexName: 'gsi4',
    pk: 'gsi4pk',
    sk: 'gsi4sk',
    purpose: 'tasks by assignee and status; user by e-mail; notifications by recipient; sessions by user; audit events by entity',
  },
  /** Sparse, state-and-time views: open tasks team-wide, bundles by status/stage, enabled schedules, pending notifications, queued jobs. */
  byStateTime: {
    indexName: 'gsi5',
    pk: 'gsi5pk',
    sk: 'gsi5sk',
    purpose: 'team-wide open tasks by due date; bundles by status and stage; enabled schedules by next run; pending notifications by due time; assistant jobs by status',
  },
} as const satisfies Record<string, SecondaryIndexLayout>;

export type IndexKey = keyof typeof INDEXES;

export const SECONDARY_INDEXES: readonly SecondaryIndexLayout[] = Object.values(INDEXES);

/** Every attribute that is part of a table or index key (all strings). */
export const KEY_ATTRIBUTES: readonly string[] = [
  TABLE_KEYS.pk,
  TABLE_KEYS.sk,
  ...SECONDARY_INDEXES.flatMap((index) => [index.pk, index.sk]),
];

/** The attribute DynamoDB's TTL deletes items by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expires_at';

/** The ElectroDB service name: the first segment of every key. */
export const SERVICE_NAME = 'dataops';

/**
 * The one item that is not an entity: an import's claim on the table while it restores an export
 * (src/export/restore-marker.ts). Its key is outside ElectroDB's (every entity key starts with
 * `$`) and it has no index attributes, so no query of the store ever reads it.
 */
export const RESTORE_MARKER_KEY = { [TABLE_KEYS.pk]: 'restore_marker', [TABLE_KEYS.sk]: 'restore_marker' } as const;
