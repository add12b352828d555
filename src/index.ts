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
export { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE, SECONDARY_INDEXES } from './table-layout.js';
export { createExecutionService, ENTITY_NAMES, schemas, type ExecutionService, type EntityName } from './entities/index.js';
export type { Actor, Page, PageOptions } from './services/common.js';
export { TASK_TRANSITIONS, canTransition } from './services/task-status.js';
export type { Task, TaskTransition, CreateTaskInput, TaskChanges } from './services/tasks.js';
export { USER_EDITABLE_TASK_FIELDS } from './services/tasks.js';
export type { Bundle, BundleDetail, BundleLink, TemplateDefinition, TemplateInstance, TemplateTaskDefinition } from './services/bundles.js';
export { MAX_TEMPLATE_TASKS, MILESTONE_TAG, TEMPLATE_OFFSET_DAYS } from './services/bundles.js';
export type { User, CreateUserInput } from './services/users.js';
export type { RecurringSchedule, MaterializeResult } from './services/schedules.js';
export type { Notification } from './services/notifications.js';
export type { FileRecord, Artifact } from './services/files.js';
export type { Session } from './services/sessions.js';
