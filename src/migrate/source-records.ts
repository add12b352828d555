/**
 * The intermediate shape both migration routes produce and the mapping consumes: the records of
 * the work-engine prototype (github.com/alexeygrigorev/datatasks) as its code stores them,
 * camelCase, one collection per kind of record.
 *
 * Shapes follow the prototype's src/types.ts (Task, Bundle, Template, RecurringConfig, User,
 * Session, FileRecord, Notification) and the writers in src/db/*.ts. The DataOps work engine
 * (github.com/DataTalksClub/dataops) stores the same records with a few more fields (waitingFor,
 * followUpAt, completedAt, createdBy, …) and calls bundles "cards"; its export reader renames them
 * back to these names, so the mapping sees one shape whatever the route. Fields the mapping does
 * not use stay in the record and are reported as dropped.
 */

/** Where a record came from, for the report: a table ("Tasks") or an export file ("tasks.jsonl"). */
export interface SourceRow<T> {
  /** The prototype's own ID (a UUID). */
  id: string;
  /** Table name or file name (with line) the record was read from. */
  origin: string;
  /** The record itself, without the prototype's PK/SK key attributes. */
  record: T & Record<string, unknown>;
}

/** src/types.ts `User` (src/db/users.ts): PK USER#<id>; passwordHash is an unsalted SHA-256. */
export interface PrototypeUser {
  id: string;
  name?: string;
  email?: string;
  createdAt?: string;
  passwordHash?: string;
}

/** src/types.ts `BundleLink`: a named URL; bundle link slots start with url ''. */
export interface PrototypeLink {
  name?: string;
  url?: string;
}

/** src/types.ts `Bundle` (src/db/bundles.ts, table Projects, PK BUNDLE#<id>). Stage values are kebab-case (after-event). */
export interface PrototypeBundle {
  id: string;
  title?: string;
  description?: string | null;
  anchorDate?: string;
  templateId?: string;
  references?: PrototypeLink[];
  bundleLinks?: PrototypeLink[];
  emoji?: string;
  tags?: string[];
  stage?: string;
  status?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** src/types.ts `TaskDefinition`. */
export interface PrototypeTaskDefinition {
  refId?: string;
  description?: string;
  offsetDays?: number;
  isMilestone?: boolean;
  stageOnComplete?: string;
  assigneeId?: string;
  instructionsUrl?: string;
  requiredLinkName?: string;
  requiresFile?: boolean;
}

/** src/types.ts `Template` (src/db/templates.ts, table Templates, PK TEMPLATE#<id>). */
export interface PrototypeTemplate {
  id: string;
  name?: string;
  type?: string;
  emoji?: string;
  tags?: string[];
  defaultAssigneeId?: string;
  references?: PrototypeLink[];
  bundleLinkDefinitions?: { name?: string }[];
  triggerType?: string;
  triggerSchedule?: string;
  triggerLeadDays?: number;
  taskDefinitions?: PrototypeTaskDefinition[];
  createdAt?: string;
  updatedAt?: string;
}

/** src/types.ts `Task` (src/db/tasks.ts, table Tasks, PK TASK#<id>); the DataOps work engine adds the last four fields. */
export interface PrototypeTask {
  id: string;
  description?: string;
  date?: string;
  status?: string;
  source?: string;
  comment?: string | null;
  instructionsUrl?: string;
  link?: string;
  requiredLinkName?: string;
  requiresFile?: boolean;
  assigneeId?: string;
  tags?: string[];
  bundleId?: string;
  templateTaskRef?: string;
  stageOnComplete?: string;
  recurringConfigId?: string;
  createdAt?: string;
  updatedAt?: string;
  waitingFor?: string;
  followUpAt?: string;
  completedAt?: string;
  createdBy?: string;
}

/** src/types.ts `RecurringConfig` (src/db/recurring.ts, table Tasks, PK RECURRING#<id>). */
export interface PrototypeRecurringConfig {
  id: string;
  description?: string;
  cronExpression?: string;
  assigneeId?: string;
  enabled?: boolean;
  instructionsUrl?: string;
  tags?: string[];
  createdAt?: string;
  updatedAt?: string;
}

/**
 * src/types.ts `FileRecord` (src/db/files.ts, table Files, PK FILE#<id>). storagePath is relative
 * to the prototype's upload directory (src/storage.ts: "<taskId>/<filename>"). The DataOps
 * export may also carry contentType, sizeBytes and checksum.
 */
export interface PrototypeFile {
  id: string;
  taskId?: string;
  filename?: string;
  category?: string;
  tags?: string[];
  storagePath?: string;
  createdAt?: string;
  contentType?: string;
  sizeBytes?: number;
  checksum?: string;
}

/**
 * src/types.ts `Notification` (src/db/notifications.ts, table Notifications): `dismissed` is one
 * flag for everybody. The DataOps work engine adds type, taskId and dueAt.
 */
export interface PrototypeNotification {
  id: string;
  message?: string;
  bundleId?: string;
  templateId?: string;
  userId?: string;
  dismissed?: boolean;
  createdAt?: string;
  type?: string;
  taskId?: string;
  dueAt?: string;
}

/** The collections the mapping migrates, in the prototype's terms. */
export const SOURCE_COLLECTIONS = ['users', 'bundles', 'templates', 'recurring_configs', 'tasks', 'files', 'notifications', 'sessions'] as const;
export type SourceCollection = (typeof SOURCE_COLLECTIONS)[number];

export interface SourceCollectionRows<T> {
  /** Where the collection was read from ("Tasks", "cards.jsonl", …). */
  source: string;
  rows: SourceRow<T>[];
}

/** A record that is not part of the migration (a DataOps-only entity, an unknown key prefix). */
export interface UnsupportedRow {
  source: string;
  id: string;
  reason: string;
}

export interface PrototypeRecords {
  route: 'prototype' | 'dataops-export';
  /** A one-line description of the source (endpoint and tables, or the export directory). */
  description: string;
  users: SourceCollectionRows<PrototypeUser>;
  bundles: SourceCollectionRows<PrototypeBundle>;
  templates: SourceCollectionRows<PrototypeTemplate>;
  recurring_configs: SourceCollectionRows<PrototypeRecurringConfig>;
  tasks: SourceCollectionRows<PrototypeTask>;
  files: SourceCollectionRows<PrototypeFile>;
  notifications: SourceCollectionRows<PrototypeNotification>;
  /**
   * Sessions are never migrated (plaintext tokens): only counted, each by the user it belonged to.
   * `id` is a short SHA-256 prefix of the token, never the token.
   */
  sessions: SourceCollectionRows<{ id: string; userId?: string }>;
  /** Rows read that belong to no migrated collection, each with the reason. */
  unsupported: UnsupportedRow[];
  /** Notes about the source itself (a missing table, an export's redactions). */
  notes: string[];
}

export function emptyCollection<T>(source: string): SourceCollectionRows<T> {
  return { source, rows: [] };
}
