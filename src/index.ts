/**
 * Package root: what the portal's Lambda handlers import.
 *
 *   import { createExecutionStore } from 'dataops-execution-state';
 *   const store = createExecutionStore(); // once per container, outside the handler
 */
export { createExecutionStore, createDynamoDbClient, type ExecutionStore, type ExecutionStoreOptions } from './store.js';
export { loadConfig, resolveClientSettings, resolveTableName, LOCAL_TABLE_NAME, type ClientSettings, type ExecutionStoreConfig } from './config.js';
export * from './errors.js';
export { ID_PREFIXES, ID_PATTERNS, isId, assertId, newId, type IdKind } from './ids.js';
export * from './vocabulary.js';
// The value rules (one home: src/formats.ts), for handlers that check input before calling the store.
export * from './formats.js';
export { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE, SECONDARY_INDEXES } from './table-layout.js';
export { createExecutionService, ENTITY_NAMES, schemas, type ExecutionService, type EntityName } from './entities/index.js';
// Record types: derived from the entity schemas (src/entities).
export type {
  Artifact,
  AssistantJob,
  AuditEvent,
  Bundle,
  BundleLink,
  FileRecord,
  Notification,
  RecurringSchedule,
  Session,
  Task,
  TaskTransition,
  TemplateInstance,
  User,
} from './entities/index.js';
export { USER_EDITABLE_TASK_FIELDS } from './entities/index.js';
// Service inputs and results.
export type { Actor } from './services/permissions.js';
export type { Page, PageOptions } from './services/paging.js';
export { TASK_TRANSITIONS, canTransition } from './services/task-status.js';
export type { CreateTaskInput, TaskChanges } from './services/tasks.js';
export type { BundleDetail, CreateBundleInput, InstantiateTemplateInput, TemplateDefinition, TemplateTaskDefinition } from './services/bundles.js';
export type { CreateUserInput } from './services/users.js';
export type { CreateScheduleInput, MaterializeResult } from './services/schedules.js';
export type { ClaimOutcome, CreateNotificationInput } from './services/notifications.js';
export type { CreateArtifactInput, RegisterFileInput } from './services/files.js';
export { MAX_TEMPLATE_TASKS, MILESTONE_TAG, TEMPLATE_OFFSET_DAYS } from './services/bundles.js';
