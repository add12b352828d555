/**
 * The entity registry of the portable export: one entry per entity of the ElectroDB service.
 *
 * This is the contract of the export format, written out on purpose rather than derived from the
 * ElectroDB schemas: a schema change must not silently change the files a restore or a Postgres
 * migration depends on. test/export/registry.test.ts cross-checks every entry against the
 * schemas (columns, required flags, enum values, and every attribute whose validator only accepts
 * IDs of one entity must be declared as a foreign key), so drift fails the build instead.
 *
 * Column order is the schema's attribute order (used for DDL and documentation); the JSONL files
 * themselves use sorted keys (see canonical-json.ts).
 */
import { ID_PATTERNS, SESSION_ID_PATTERN, type IdKind } from '../ids.js';
import {
  AUDITED_ENTITY_TYPES,
  ASSISTANT_JOB_STATUSES,
  BUNDLE_STAGES,
  BUNDLE_STATUSES,
  FILE_CATEGORIES,
  NOTIFICATION_STATUSES,
  TASK_SOURCES,
  TASK_STATUSES,
  USER_ROLES,
  USER_STATUSES,
} from '../vocabulary.js';
import type { EntityName } from '../entities/index.js';

/**
 * The format identifier written to every manifest. Bump it on any incompatible change. Distinct
 * from the DataOps work engine's own export (`dataops.execution.v1`), which `exstate migrate
 * dataops-export` reads (ADR 0006).
 */
export const SCHEMA_VERSION = 'dataops.execution-state.v1';

/**
 * durable: exported and restored. ephemeral: never exported (it expires on its own and holds
 * nothing that must survive a restore). derived: never exported, rebuilt on import from durable data.
 */
export type Persistence = 'durable' | 'ephemeral' | 'derived';

/** Logical column types; each maps to one JSON shape, one validator check and one Postgres type. */
export type ColumnType =
  | 'id' // the entity's own ID (string)
  | 'ref' // an ID of another (or the same) entity (string)
  | 'ref_list' // a list of IDs of one entity (string[])
  | 'text'
  | 'enum'
  | 'timestamp' // ISO-8601 UTC with milliseconds
  | 'date' // YYYY-MM-DD
  | 'integer'
  | 'epoch_seconds' // integer seconds since 1970 (DynamoDB TTL)
  | 'boolean'
  | 'text_list' // string[]
  | 'json'; // any JSON value (objects, lists of maps)

export type PgType = 'text' | 'timestamptz' | 'date' | 'integer' | 'bigint' | 'boolean' | 'text[]' | 'jsonb';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  readonly pgType: PgType;
  /** For ref / ref_list: the entity the ID belongs to. */
  readonly references?: EntityName;
  /** For enum: the allowed values. */
  readonly enumValues?: readonly string[];
  /** For id: the pattern the entity's own ID follows. */
  readonly pattern?: RegExp;
}

export interface ForeignKey {
  readonly column: string;
  readonly references: EntityName;
  /** Absent/null allowed (the column is optional). */
  readonly nullable: boolean;
  /** True for a list of IDs (e.g. notification.dismissed_by): every element must resolve. */
  readonly many: boolean;
}

/** How a column is rewritten by the opt-in `pii` redaction profile (see redaction.ts). */
export type RedactionMethod = 'pseudonymize_email' | 'pseudonymize_name';

export interface RedactedColumn {
  readonly column: string;
  readonly method: RedactionMethod;
  readonly reason: string;
}

export interface Retention {
  /** indefinite: kept until deleted by the application; ttl: DynamoDB deletes it after `ttlAttribute`. */
  readonly policy: 'indefinite' | 'ttl' | 'ttl_optional' | 'with_parent';
  readonly ttlAttribute?: string;
  readonly note: string;
}

export interface EntityRegistryEntry {
  /** The ElectroDB entity name (key of service.entities). */
  readonly entity: EntityName;
  /** File base name in an export (`<exportName>.jsonl`) and manifest key; plural, as in docs/schema.md. */
  readonly exportName: string;
  readonly persistence: Persistence;
  /** Why a non-durable entity is left out of the export (written to the manifest). */
  readonly omissionReason?: string;
  /** For derived entities: the durable entity they are rebuilt from. */
  readonly derivedFrom?: EntityName;
  readonly primaryKey: string;
  readonly columns: readonly ColumnSpec[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly enumColumns: Readonly<Record<string, readonly string[]>>;
  readonly requiredColumns: readonly string[];
  /** Columns holding personal data, rewritten only when an export is made with the `pii` profile. */
  readonly redactedColumns: readonly RedactedColumn[];
  /** Column sets that are unique across the entity (besides the primary key). */
  readonly uniqueColumns: readonly (readonly string[])[];
  readonly retention: Retention;
  /** Postgres table name: the export name (plural, which also avoids the reserved word "user"). */
  readonly pgTable: string;
  /** Postgres column types, by column (same information as columns[].pgType). */
  readonly pgColumnTypes: Readonly<Record<string, PgType>>;
}

// ---------------------------------------------------------------------------------------------
// Column constructors: keep the declarations below one line per column.

const PG_BY_TYPE: Record<Exclude<ColumnType, 'integer'>, PgType> = {
  id: 'text',
  ref: 'text',
  ref_list: 'text[]',
  text: 'text',
  enum: 'text',
  timestamp: 'timestamptz',
  date: 'date',
  epoch_seconds: 'bigint',
  boolean: 'boolean',
  text_list: 'text[]',
  json: 'jsonb',
};

type Req = 'required' | 'optional';
const isReq = (req: Req) => req === 'required';

const c = {
  id: (name: string, pattern: RegExp): ColumnSpec => ({ name, type: 'id', required: true, pgType: 'text', pattern }),
  ref: (name: string, references: EntityName, req: Req): ColumnSpec => ({ name, type: 'ref', required: isReq(req), pgType: 'text', references }),
  refList: (name: string, references: EntityName, req: Req): ColumnSpec => ({
    name,
    type: 'ref_list',
    required: isReq(req),
    pgType: 'text[]',
    references,
  }),
  text: (name: string, req: Req): ColumnSpec => ({ name, type: 'text', required: isReq(req), pgType: 'text' }),
  enum: (name: string, values: readonly string[], req: Req): ColumnSpec => ({
    name,
    type: 'enum',
    required: isReq(req),
    pgType: 'text',
    enumValues: values,
  }),
  timestamp: (name: string, req: Req): ColumnSpec => ({ name, type: 'timestamp', required: isReq(req), pgType: PG_BY_TYPE.timestamp }),
  date: (name: string, req: Req): ColumnSpec => ({ name, type: 'date', required: isReq(req), pgType: 'date' }),
  integer: (name: string, req: Req, pgType: 'integer' | 'bigint' = 'integer'): ColumnSpec => ({ name, type: 'integer', required: isReq(req), pgType }),
  epoch: (name: string, req: Req): ColumnSpec => ({ name, type: 'epoch_seconds', required: isReq(req), pgType: 'bigint' }),
  boolean: (name: string, req: Req): ColumnSpec => ({ name, type: 'boolean', required: isReq(req), pgType: 'boolean' }),
  textList: (name: string, req: Req): ColumnSpec => ({ name, type: 'text_list', required: isReq(req), pgType: 'text[]' }),
  json: (name: string, req: Req): ColumnSpec => ({ name, type: 'json', required: isReq(req), pgType: 'jsonb' }),
};

const timestamps = [c.timestamp('created_at', 'required'), c.timestamp('updated_at', 'required')];
const version = c.integer('version', 'required');
const idOf = (kind: IdKind, name: string) => c.id(name, ID_PATTERNS[kind]);
/** The user_email claim is keyed by the (lower-cased) address itself. */
const EMAIL_PATTERN = /^[^\s@A-Z]+@[^\s@A-Z]+$/;

interface EntityDeclaration {
  entity: EntityName;
  persistence: Persistence;
  omissionReason?: string;
  derivedFrom?: EntityName;
  primaryKey: string;
  columns: ColumnSpec[];
  redactedColumns?: RedactedColumn[];
  uniqueColumns?: string[][];
  retention: Retention;
  pgTable: string;
}

function entry(declaration: EntityDeclaration): EntityRegistryEntry {
  const { columns } = declaration;
  const names = columns.map((column) => column.name);
  if (new Set(names).size !== names.length) throw new Error(`registry: duplicate column in ${declaration.entity}`);
  if (!names.includes(declaration.primaryKey)) throw new Error(`registry: ${declaration.entity} primary key ${declaration.primaryKey} is not a column`);
  for (const redacted of declaration.redactedColumns ?? []) {
    if (!names.includes(redacted.column)) throw new Error(`registry: ${declaration.entity} redacts unknown column ${redacted.column}`);
  }
  return {
    entity: declaration.entity,
    exportName: declaration.pgTable,
    persistence: declaration.persistence,
    omissionReason: declaration.omissionReason,
    derivedFrom: declaration.derivedFrom,
    primaryKey: declaration.primaryKey,
    columns,
    foreignKeys: columns
      .filter((column) => column.references !== undefined)
      .map((column) => ({ column: column.name, references: column.references!, nullable: !column.required, many: column.type === 'ref_list' })),
    enumColumns: Object.fromEntries(columns.filter((column) => column.enumValues).map((column) => [column.name, column.enumValues!])),
    requiredColumns: columns.filter((column) => column.required).map((column) => column.name),
    redactedColumns: declaration.redactedColumns ?? [],
    uniqueColumns: declaration.uniqueColumns ?? [],
    retention: declaration.retention,
    pgTable: declaration.pgTable,
    pgColumnTypes: Object.fromEntries(columns.map((column) => [column.name, column.pgType])),
  };
}

// ---------------------------------------------------------------------------------------------
// The registry. Order = restore order (referenced entities first where there is no cycle).

export const EXPORT_REGISTRY = {
  user: entry({
    entity: 'user',
    persistence: 'durable',
    primaryKey: 'user_id',
    pgTable: 'users',
    columns: [
      idOf('user', 'user_id'),
      c.text('email', 'required'),
      c.text('display_name', 'required'),
      c.enum('role', USER_ROLES, 'required'),
      c.text('timezone', 'required'),
      c.enum('status', USER_STATUSES, 'required'),
      ...timestamps,
      version,
    ],
    uniqueColumns: [['email']],
    redactedColumns: [
      { column: 'email', method: 'pseudonymize_email', reason: 'personal data: an e-mail address identifies a person' },
      { column: 'display_name', method: 'pseudonymize_name', reason: 'personal data: a real name identifies a person' },
    ],
    retention: { policy: 'indefinite', note: 'While the team exists; users are disabled, never deleted, so history keeps resolving.' },
  }),
  user_email: entry({
    entity: 'user_email',
    persistence: 'derived',
    derivedFrom: 'user',
    omissionReason: 'derived: the e-mail uniqueness claim of each user; the import rebuilds it from user.email',
    primaryKey: 'email',
    pgTable: 'user_emails',
    columns: [c.id('email', EMAIL_PATTERN), c.ref('user_id', 'user', 'required'), c.timestamp('created_at', 'required')],
    retention: { policy: 'with_parent', note: 'Lives exactly as long as its user (written and deleted in the same transaction).' },
  }),
  bundle: entry({
    entity: 'bundle',
    persistence: 'durable',
    primaryKey: 'bundle_id',
    pgTable: 'bundles',
    columns: [
      idOf('bundle', 'bundle_id'),
      c.text('title', 'required'),
      c.text('description', 'optional'),
      c.enum('stage', BUNDLE_STAGES, 'required'),
      c.enum('status', BUNDLE_STATUSES, 'required'),
      c.ref('owner_id', 'user', 'required'),
      c.ref('template_instance_id', 'template_instance', 'optional'),
      c.date('anchor_date', 'optional'),
      c.json('links', 'required'),
      c.textList('tags', 'required'),
      c.text('emoji', 'optional'),
      c.ref('created_by', 'user', 'required'),
      ...timestamps,
      version,
    ],
    retention: { policy: 'indefinite', note: 'Finished bundles are archived (status), not deleted.' },
  }),
  template_instance: entry({
    entity: 'template_instance',
    persistence: 'durable',
    primaryKey: 'template_instance_id',
    pgTable: 'template_instances',
    columns: [
      idOf('template_instance', 'template_instance_id'),
      c.text('template_id', 'required'),
      c.text('template_version', 'required'),
      c.ref('bundle_id', 'bundle', 'required'),
      c.date('anchor_date', 'required'),
      c.ref('instantiated_by', 'user', 'required'),
      c.timestamp('instantiated_at', 'required'),
      c.textList('task_refs', 'required'),
    ],
    retention: { policy: 'with_parent', note: 'Kept with its bundle.' },
  }),
  recurring_schedule: entry({
    entity: 'recurring_schedule',
    persistence: 'durable',
    primaryKey: 'schedule_id',
    pgTable: 'recurring_schedules',
    columns: [
      idOf('recurring_schedule', 'schedule_id'),
      c.text('title', 'required'),
      c.text('cron', 'required'),
      c.text('time_zone', 'required'),
      c.ref('assignee_id', 'user', 'optional'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('description', 'optional'),
      c.textList('tags', 'required'),
      c.text('instructions_url', 'optional'),
      c.boolean('enabled', 'required'),
      c.timestamp('next_run_at', 'required'),
      c.timestamp('last_run_at', 'optional'),
      c.ref('created_by', 'user', 'required'),
      ...timestamps,
      version,
    ],
    retention: { policy: 'indefinite', note: 'Until an admin deletes it; disabling keeps it.' },
  }),
  task: entry({
    entity: 'task',
    persistence: 'durable',
    primaryKey: 'task_id',
    pgTable: 'tasks',
    columns: [
      idOf('task', 'task_id'),
      c.text('title', 'required'),
      c.text('description', 'optional'),
      c.enum('status', TASK_STATUSES, 'required'),
      c.ref('assignee_id', 'user', 'optional'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.ref('parent_task_id', 'task', 'optional'),
      c.ref('template_instance_id', 'template_instance', 'optional'),
      c.text('template_task_ref', 'optional'),
      c.ref('recurring_schedule_id', 'recurring_schedule', 'optional'),
      c.date('occurrence_date', 'optional'),
      c.date('due_date', 'optional'),
      c.enum('source', TASK_SOURCES, 'required'),
      c.text('required_link_name', 'optional'),
      c.text('link', 'optional'),
      c.boolean('requires_file', 'required'),
      c.enum('stage_on_complete', BUNDLE_STAGES, 'optional'),
      c.text('instructions_url', 'optional'),
      c.text('comment', 'optional'),
      c.text('waiting_for', 'optional'),
      c.timestamp('follow_up_at', 'optional'),
      c.timestamp('completed_at', 'optional'),
      c.textList('tags', 'required'),
      c.ref('created_by', 'user', 'required'),
      ...timestamps,
      version,
    ],
    retention: { policy: 'indefinite', note: 'Finished tasks are archived (status), not deleted.' },
  }),
  task_transition: entry({
    entity: 'task_transition',
    persistence: 'durable',
    primaryKey: 'transition_id',
    pgTable: 'task_transitions',
    columns: [
      idOf('task_transition', 'transition_id'),
      c.ref('task_id', 'task', 'required'),
      c.enum('from_status', TASK_STATUSES, 'required'),
      c.enum('to_status', TASK_STATUSES, 'required'),
      c.ref('actor_id', 'user', 'required'),
      c.timestamp('at', 'required'),
      c.text('note', 'optional'),
    ],
    retention: { policy: 'with_parent', note: 'Append-only status history, kept as long as its task.' },
  }),
  file: entry({
    entity: 'file',
    persistence: 'durable',
    primaryKey: 'file_id',
    pgTable: 'files',
    columns: [
      idOf('file', 'file_id'),
      c.ref('task_id', 'task', 'required'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('storage_bucket', 'required'),
      c.text('storage_key', 'required'),
      c.text('filename', 'required'),
      c.text('content_type', 'required'),
      c.integer('size_bytes', 'required', 'bigint'),
      c.text('sha256', 'required'),
      c.enum('category', FILE_CATEGORIES, 'required'),
      c.textList('tags', 'required'),
      c.ref('uploaded_by', 'user', 'required'),
      ...timestamps,
    ],
    retention: { policy: 'with_parent', note: 'As its task. Metadata only: the bytes live in S3 under their own lifecycle and are not part of the export.' },
  }),
  notification: entry({
    entity: 'notification',
    persistence: 'durable',
    primaryKey: 'notification_id',
    pgTable: 'notifications',
    columns: [
      idOf('notification', 'notification_id'),
      c.ref('recipient_id', 'user', 'optional'),
      c.ref('task_id', 'task', 'optional'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('kind', 'required'),
      c.text('message', 'required'),
      c.timestamp('due_at', 'required'),
      c.enum('status', NOTIFICATION_STATUSES, 'required'),
      c.text('claimed_by', 'optional'),
      c.timestamp('claimed_at', 'optional'),
      c.timestamp('sent_at', 'optional'),
      c.refList('dismissed_by', 'user', 'required'),
      c.epoch('expires_at', 'optional'),
      ...timestamps,
      version,
    ],
    retention: {
      policy: 'ttl_optional',
      ttlAttribute: 'expires_at',
      note: 'Deleted by DynamoDB TTL after expires_at (default 90 days after due_at); kept while expires_at is absent.',
    },
  }),
  session: entry({
    entity: 'session',
    persistence: 'ephemeral',
    omissionReason:
      'ephemeral: login sessions expire by TTL and are keyed by a token hash (a credential lookup key); after a restore every operator signs in again',
    primaryKey: 'session_id',
    pgTable: 'sessions',
    columns: [
      c.id('session_id', SESSION_ID_PATTERN),
      c.ref('user_id', 'user', 'required'),
      c.timestamp('created_at', 'required'),
      c.timestamp('last_seen_at', 'required'),
      c.epoch('expires_at', 'required'),
    ],
    retention: { policy: 'ttl', ttlAttribute: 'expires_at', note: 'Deleted by DynamoDB TTL after expires_at (at most 30 days).' },
  }),
  artifact: entry({
    entity: 'artifact',
    persistence: 'durable',
    primaryKey: 'artifact_id',
    pgTable: 'artifacts',
    columns: [
      idOf('artifact', 'artifact_id'),
      c.ref('task_id', 'task', 'required'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('kind', 'required'),
      c.text('uri', 'required'),
      c.ref('created_by', 'user', 'required'),
      ...timestamps,
    ],
    retention: { policy: 'with_parent', note: 'Kept as long as its task.' },
  }),
  assistant_job: entry({
    entity: 'assistant_job',
    persistence: 'durable',
    primaryKey: 'job_id',
    pgTable: 'assistant_jobs',
    columns: [
      idOf('assistant_job', 'job_id'),
      c.text('kind', 'required'),
      c.enum('status', ASSISTANT_JOB_STATUSES, 'required'),
      c.ref('task_id', 'task', 'optional'),
      c.text('input_ref', 'optional'),
      c.text('output_ref', 'optional'),
      c.ref('created_by', 'user', 'required'),
      ...timestamps,
      version,
    ],
    retention: { policy: 'indefinite', note: 'Reserved: 90 days after completion once the assistant exists; no automatic deletion yet.' },
  }),
  audit_event: entry({
    entity: 'audit_event',
    persistence: 'durable',
    primaryKey: 'event_id',
    pgTable: 'audit_events',
    columns: [
      idOf('audit_event', 'event_id'),
      // Polymorphic reference (entity_type + entity_id): deliberately not a foreign key, because an
      // audit event outlives the entity it describes.
      c.enum('entity_type', AUDITED_ENTITY_TYPES, 'required'),
      c.text('entity_id', 'required'),
      c.ref('actor_id', 'user', 'required'),
      c.text('action', 'required'),
      c.timestamp('at', 'required'),
      c.json('changes', 'required'),
    ],
    retention: { policy: 'indefinite', note: 'Append-only, never updated; reserved retention of at least one year.' },
  }),
} as const satisfies Record<EntityName, EntityRegistryEntry>;

export type ExportRegistry = Readonly<Record<EntityName, EntityRegistryEntry>>;

export const REGISTRY: ExportRegistry = EXPORT_REGISTRY;

/** All entries, in registry (restore) order. */
export function registryEntries(registry: ExportRegistry = REGISTRY): EntityRegistryEntry[] {
  return Object.values(registry);
}

/** Entities that are written to and restored from an export. */
export function durableEntries(registry: ExportRegistry = REGISTRY): EntityRegistryEntry[] {
  return registryEntries(registry).filter((candidate) => candidate.persistence === 'durable');
}

export function entryByExportName(exportName: string, registry: ExportRegistry = REGISTRY): EntityRegistryEntry | undefined {
  return registryEntries(registry).find((candidate) => candidate.exportName === exportName);
}

export function column(entryValue: EntityRegistryEntry, name: string): ColumnSpec | undefined {
  return entryValue.columns.find((candidate) => candidate.name === name);
}

/** The file an entity is written to inside an export directory. */
export function exportFileName(entryValue: EntityRegistryEntry): string {
  return `${entryValue.exportName}.jsonl`;
}
