/**
 * The entity registry of the portable export: one entry per entity of the ElectroDB service.
 *
 * This is the contract of the export format, written out on purpose rather than derived from the
 * ElectroDB schemas: a schema change must not silently change the files a restore or a Postgres
 * migration depends on. test/export/registry.test.ts cross-checks every entry against the
 * schemas (columns, required flags, enum values, each column's rule against the attribute's
 * validator, and every attribute whose validator only accepts IDs of one entity must be declared
 * as a foreign key), so drift fails the build instead.
 *
 * Each column names the value rule its values obey (src/formats.ts; IDs: src/ids.ts), so the
 * validator, the Postgres CHECK constraints and the entities judge a value alike. Everything else
 * (foreign keys, required and enum columns, Postgres names and types) is derived by functions.
 *
 * Column order is the schema's attribute order (used for DDL and documentation); the JSONL files
 * themselves use sorted keys (see canonical-json.ts).
 */
import { ID_PATTERNS, ID_PREFIXES, SESSION_ID_PATTERN, isId, type IdKind } from '../ids.js';
import {
  AUDIT_ACTION,
  BOOLEAN,
  CALENDAR_DATE,
  CONTENT_TYPE,
  EMAIL,
  EPOCH_SECONDS,
  GIT_COMMIT,
  KIND,
  LINKS,
  S3_BUCKET,
  SHA256_HEX,
  SIZE_BYTES,
  TAGS,
  TEXT,
  TIMESTAMP,
  TIME_ZONE,
  VERSION,
  WORKER_ID,
  type ValueRule,
} from '../formats.js';
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

/** Logical column types: each is one JSON shape (the validator) and one Postgres type (postgres.ts). */
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

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  /** The rule every value obeys (for lists: the whole list); absent for enums (their values are the rule) and free-form JSON. */
  readonly rule?: ValueRule<unknown>;
  /** For lists: the rule of every element. */
  readonly itemRule?: ValueRule<unknown>;
  /** For ref / ref_list: the entity the ID belongs to. */
  readonly references?: EntityName;
  /** For enum: the allowed values. */
  readonly enumValues?: readonly string[];
}

export interface ForeignKey {
  readonly column: string;
  readonly references: EntityName;
  /** Absent allowed (the column is optional). */
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
  /** File base name in an export (`<exportName>.jsonl`), manifest key and Postgres table; plural, as in docs/schema.md. */
  readonly exportName: string;
  readonly persistence: Persistence;
  /** Why a non-durable entity is left out of the export (written to the manifest). */
  readonly omissionReason?: string;
  /** For derived entities: the durable entity they are rebuilt from. */
  readonly derivedFrom?: EntityName;
  readonly primaryKey: string;
  readonly columns: readonly ColumnSpec[];
  /** Columns holding personal data, rewritten only when an export is made with the `pii` profile. */
  readonly redactedColumns: readonly RedactedColumn[];
  /** Column sets that are unique across the entity (besides the primary key). */
  readonly uniqueColumns: readonly (readonly string[])[];
  readonly retention: Retention;
}

// ---------------------------------------------------------------------------------------------
// Column constructors: keep the declarations below one line per column.

type Req = 'required' | 'optional';
const isReq = (req: Req) => req === 'required';
type IdEntity = IdKind & EntityName;

/** The ID rule of src/ids.ts as a value rule (same pattern, its own Postgres check). */
function idRule(kind: IdKind): ValueRule<string> {
  const pattern = ID_PATTERNS[kind];
  return {
    name: `${kind}_id`,
    expected: `a ${kind} ID like ${ID_PREFIXES[kind]}_01J9Z8Q4X6V7W8Y9Z0A1B2C3D4`,
    test: (value: unknown): value is string => isId(kind, value),
    pgCheck: (name) => `"${name}" ~ '${pattern.source}'`,
  };
}

const SESSION_ID: ValueRule<string> = {
  name: 'session_id',
  expected: 'a session ID: the 64 lower-case hex characters of a SHA-256',
  test: (value: unknown): value is string => typeof value === 'string' && SESSION_ID_PATTERN.test(value),
  pgCheck: (name) => `"${name}" ~ '${SESSION_ID_PATTERN.source}'`,
};

const c = {
  id: (name: string, rule: ValueRule<unknown>): ColumnSpec => ({ name, type: 'id', required: true, rule }),
  ref: (name: string, references: IdEntity, req: Req): ColumnSpec => ({ name, type: 'ref', required: isReq(req), references, rule: idRule(references) }),
  refList: (name: string, references: IdEntity, req: Req): ColumnSpec => ({ name, type: 'ref_list', required: isReq(req), references, itemRule: idRule(references) }),
  text: (name: string, rule: ValueRule<unknown>, req: Req): ColumnSpec => ({ name, type: 'text', required: isReq(req), rule }),
  enum: (name: string, values: readonly string[], req: Req): ColumnSpec => ({ name, type: 'enum', required: isReq(req), enumValues: values }),
  timestamp: (name: string, req: Req): ColumnSpec => ({ name, type: 'timestamp', required: isReq(req), rule: TIMESTAMP }),
  date: (name: string, req: Req): ColumnSpec => ({ name, type: 'date', required: isReq(req), rule: CALENDAR_DATE }),
  integer: (name: string, rule: ValueRule<unknown>, req: Req): ColumnSpec => ({ name, type: 'integer', required: isReq(req), rule }),
  epoch: (name: string, req: Req): ColumnSpec => ({ name, type: 'epoch_seconds', required: isReq(req), rule: EPOCH_SECONDS }),
  boolean: (name: string, req: Req): ColumnSpec => ({ name, type: 'boolean', required: isReq(req), rule: BOOLEAN }),
  textList: (name: string, itemRule: ValueRule<unknown>, req: Req, rule?: ValueRule<unknown>): ColumnSpec => ({
    name,
    type: 'text_list',
    required: isReq(req),
    itemRule,
    ...(rule ? { rule } : {}),
  }),
  json: (name: string, req: Req, rule?: ValueRule<unknown>): ColumnSpec => ({ name, type: 'json', required: isReq(req), ...(rule ? { rule } : {}) }),
};

const timestamps = [c.timestamp('created_at', 'required'), c.timestamp('updated_at', 'required')];
const version = c.integer('version', VERSION, 'required');
const ownId = (kind: IdEntity, name: string) => c.id(name, idRule(kind));
const tags = c.textList('tags', TEXT.tag, 'required', TAGS);

interface EntityDeclaration {
  entity: EntityName;
  exportName: string;
  persistence: Persistence;
  omissionReason?: string;
  derivedFrom?: EntityName;
  primaryKey: string;
  columns: ColumnSpec[];
  redactedColumns?: RedactedColumn[];
  uniqueColumns?: string[][];
  retention: Retention;
}

function entry(declaration: EntityDeclaration): EntityRegistryEntry {
  const { columns } = declaration;
  const names = columns.map((spec) => spec.name);
  if (new Set(names).size !== names.length) throw new Error(`registry: duplicate column in ${declaration.entity}`);
  if (!names.includes(declaration.primaryKey)) throw new Error(`registry: ${declaration.entity} primary key ${declaration.primaryKey} is not a column`);
  for (const redacted of declaration.redactedColumns ?? []) {
    if (!names.includes(redacted.column)) throw new Error(`registry: ${declaration.entity} redacts unknown column ${redacted.column}`);
  }
  return { ...declaration, redactedColumns: declaration.redactedColumns ?? [], uniqueColumns: declaration.uniqueColumns ?? [] };
}

// ---------------------------------------------------------------------------------------------
// The registry. Order = restore order (referenced entities first where there is no cycle).

export const EXPORT_REGISTRY = {
  user: entry({
    entity: 'user',
    persistence: 'durable',
    primaryKey: 'user_id',
    exportName: 'users',
    columns: [
      ownId('user', 'user_id'),
      c.text('email', EMAIL, 'required'),
      c.text('display_name', TEXT.short, 'required'),
      c.enum('role', USER_ROLES, 'required'),
      c.text('timezone', TIME_ZONE, 'required'),
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
    exportName: 'user_emails',
    columns: [c.id('email', EMAIL), c.ref('user_id', 'user', 'required'), c.timestamp('created_at', 'required')],
    retention: { policy: 'with_parent', note: 'Lives exactly as long as its user (written and deleted in the same transaction).' },
  }),
  bundle: entry({
    entity: 'bundle',
    persistence: 'durable',
    primaryKey: 'bundle_id',
    exportName: 'bundles',
    columns: [
      ownId('bundle', 'bundle_id'),
      c.text('title', TEXT.title, 'required'),
      c.text('description', TEXT.description, 'optional'),
      c.enum('stage', BUNDLE_STAGES, 'required'),
      c.enum('status', BUNDLE_STATUSES, 'required'),
      c.ref('owner_id', 'user', 'required'),
      c.ref('template_instance_id', 'template_instance', 'optional'),
      c.date('anchor_date', 'optional'),
      c.json('links', 'required', LINKS),
      tags,
      c.text('emoji', TEXT.emoji, 'optional'),
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
    exportName: 'template_instances',
    columns: [
      ownId('template_instance', 'template_instance_id'),
      c.text('template_id', TEXT.url, 'required'),
      c.text('template_version', GIT_COMMIT, 'required'),
      c.ref('bundle_id', 'bundle', 'required'),
      c.date('anchor_date', 'required'),
      c.ref('instantiated_by', 'user', 'required'),
      c.timestamp('instantiated_at', 'required'),
      c.textList('task_refs', TEXT.short, 'required'),
    ],
    retention: { policy: 'with_parent', note: 'Kept with its bundle.' },
  }),
  recurring_schedule: entry({
    entity: 'recurring_schedule',
    persistence: 'durable',
    primaryKey: 'schedule_id',
    exportName: 'recurring_schedules',
    columns: [
      ownId('recurring_schedule', 'schedule_id'),
      c.text('title', TEXT.title, 'required'),
      c.text('cron', TEXT.cron, 'required'),
      c.text('time_zone', TIME_ZONE, 'required'),
      c.ref('assignee_id', 'user', 'optional'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('description', TEXT.description, 'optional'),
      tags,
      c.text('instructions_url', TEXT.url, 'optional'),
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
    exportName: 'tasks',
    columns: [
      ownId('task', 'task_id'),
      c.text('title', TEXT.title, 'required'),
      c.text('description', TEXT.description, 'optional'),
      c.enum('status', TASK_STATUSES, 'required'),
      c.ref('assignee_id', 'user', 'optional'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.ref('parent_task_id', 'task', 'optional'),
      c.ref('template_instance_id', 'template_instance', 'optional'),
      c.text('template_task_ref', TEXT.short, 'optional'),
      c.ref('recurring_schedule_id', 'recurring_schedule', 'optional'),
      c.date('occurrence_date', 'optional'),
      c.date('due_date', 'optional'),
      c.enum('source', TASK_SOURCES, 'required'),
      c.text('required_link_name', TEXT.short, 'optional'),
      c.text('link', TEXT.url, 'optional'),
      c.boolean('requires_file', 'required'),
      c.enum('stage_on_complete', BUNDLE_STAGES, 'optional'),
      c.text('instructions_url', TEXT.url, 'optional'),
      c.text('comment', TEXT.comment, 'optional'),
      c.text('waiting_for', TEXT.short, 'optional'),
      c.timestamp('follow_up_at', 'optional'),
      c.timestamp('completed_at', 'optional'),
      tags,
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
    exportName: 'task_transitions',
    columns: [
      ownId('task_transition', 'transition_id'),
      c.ref('task_id', 'task', 'required'),
      c.enum('from_status', TASK_STATUSES, 'required'),
      c.enum('to_status', TASK_STATUSES, 'required'),
      c.ref('actor_id', 'user', 'required'),
      c.timestamp('at', 'required'),
      c.text('note', TEXT.note, 'optional'),
    ],
    retention: { policy: 'with_parent', note: 'Append-only status history, kept as long as its task.' },
  }),
  file: entry({
    entity: 'file',
    persistence: 'durable',
    primaryKey: 'file_id',
    exportName: 'files',
    columns: [
      ownId('file', 'file_id'),
      c.ref('task_id', 'task', 'required'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('storage_bucket', S3_BUCKET, 'required'),
      c.text('storage_key', TEXT.storage_key, 'required'),
      c.text('filename', TEXT.filename, 'required'),
      c.text('content_type', CONTENT_TYPE, 'required'),
      c.integer('size_bytes', SIZE_BYTES, 'required'),
      c.text('sha256', SHA256_HEX, 'required'),
      c.enum('category', FILE_CATEGORIES, 'required'),
      tags,
      c.ref('uploaded_by', 'user', 'required'),
      ...timestamps,
    ],
    retention: { policy: 'with_parent', note: 'As its task. Metadata only: the bytes live in S3 under their own lifecycle and are not part of the export.' },
  }),
  notification: entry({
    entity: 'notification',
    persistence: 'durable',
    primaryKey: 'notification_id',
    exportName: 'notifications',
    columns: [
      ownId('notification', 'notification_id'),
      c.ref('recipient_id', 'user', 'optional'),
      c.ref('task_id', 'task', 'optional'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('kind', KIND, 'required'),
      c.text('message', TEXT.message, 'required'),
      c.timestamp('due_at', 'required'),
      c.enum('status', NOTIFICATION_STATUSES, 'required'),
      c.text('claimed_by', WORKER_ID, 'optional'),
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
    exportName: 'sessions',
    columns: [
      c.id('session_id', SESSION_ID),
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
    exportName: 'artifacts',
    columns: [
      ownId('artifact', 'artifact_id'),
      c.ref('task_id', 'task', 'required'),
      c.ref('bundle_id', 'bundle', 'optional'),
      c.text('kind', KIND, 'required'),
      c.text('uri', TEXT.url, 'required'),
      c.ref('created_by', 'user', 'required'),
      ...timestamps,
    ],
    retention: { policy: 'with_parent', note: 'Kept as long as its task.' },
  }),
  assistant_job: entry({
    entity: 'assistant_job',
    persistence: 'durable',
    primaryKey: 'job_id',
    exportName: 'assistant_jobs',
    columns: [
      ownId('assistant_job', 'job_id'),
      c.text('kind', KIND, 'required'),
      c.enum('status', ASSISTANT_JOB_STATUSES, 'required'),
      c.ref('task_id', 'task', 'optional'),
      c.text('input_ref', TEXT.url, 'optional'),
      c.text('output_ref', TEXT.url, 'optional'),
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
    exportName: 'audit_events',
    columns: [
      ownId('audit_event', 'event_id'),
      // Polymorphic reference (entity_type + entity_id): deliberately not a foreign key, because an
      // audit event outlives the entity it describes.
      c.enum('entity_type', AUDITED_ENTITY_TYPES, 'required'),
      c.text('entity_id', TEXT.entity_id, 'required'),
      c.ref('actor_id', 'user', 'required'),
      c.text('action', AUDIT_ACTION, 'required'),
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

/** The entity's relationships: every ref and ref_list column. */
export function foreignKeys(entryValue: EntityRegistryEntry): ForeignKey[] {
  return entryValue.columns
    .filter((spec) => spec.references !== undefined)
    .map((spec) => ({ column: spec.name, references: spec.references!, nullable: !spec.required, many: spec.type === 'ref_list' }));
}

/** Names of the columns every row must have. */
export function requiredColumns(entryValue: EntityRegistryEntry): string[] {
  return entryValue.columns.filter((spec) => spec.required).map((spec) => spec.name);
}

/** Allowed values of every enum column, by column. */
export function enumColumns(entryValue: EntityRegistryEntry): Record<string, readonly string[]> {
  return Object.fromEntries(entryValue.columns.filter((spec) => spec.enumValues).map((spec) => [spec.name, spec.enumValues!]));
}
