/**
 * The ElectroDB service: every entity of the execution-state model over one table.
 * Schemas are plain data in one file each, each with the record type derived from it; this
 * module assembles them and re-exports the record types.
 */
import { Entity, Service } from 'electrodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { artifactSchema } from './artifact.js';
export type { Artifact } from './artifact.js';
export type { AssistantJob } from './assistant-job.js';
export type { AuditEvent } from './audit-event.js';
export type { Bundle, BundleLink } from './bundle.js';
export type { FileRecord } from './file.js';
export type { Notification } from './notification.js';
export type { RecurringSchedule } from './recurring-schedule.js';
export type { Session } from './session.js';
export type { Task, StoreManagedTaskField, UserEditableTaskField } from './task.js';
export { USER_EDITABLE_TASK_FIELDS } from './task.js';
export type { TaskTransition } from './task-transition.js';
export type { TemplateInstance } from './template-instance.js';
export type { User } from './user.js';
export type { UserEmailClaim } from './user-email.js';
export type { RecordOf } from './define-schema.js';
import { assistantJobSchema } from './assistant-job.js';
import { auditEventSchema } from './audit-event.js';
import { bundleSchema } from './bundle.js';
import { fileSchema } from './file.js';
import { notificationSchema } from './notification.js';
import { recurringScheduleSchema } from './recurring-schedule.js';
import { sessionSchema } from './session.js';
import { taskSchema } from './task.js';
import { taskTransitionSchema } from './task-transition.js';
import { templateInstanceSchema } from './template-instance.js';
import { userSchema } from './user.js';
import { userEmailSchema } from './user-email.js';

export const schemas = {
  user: userSchema,
  user_email: userEmailSchema,
  bundle: bundleSchema,
  template_instance: templateInstanceSchema,
  task: taskSchema,
  task_transition: taskTransitionSchema,
  recurring_schedule: recurringScheduleSchema,
  file: fileSchema,
  notification: notificationSchema,
  session: sessionSchema,
  artifact: artifactSchema,
  assistant_job: assistantJobSchema,
  audit_event: auditEventSchema,
} as const;

export interface CreateEntitiesOptions {
  /**
   * Run ElectroDB's JSON-schema validation of each model (when building each Entity, and when
   * adding it to the Service). The models are constants, validated by the test suite
   * (test/entities), so production skips it: it is most of the cost of building the service,
   * paid on every Lambda cold start (see bench/RESULTS.md). Default: false.
   */
  validateModels?: boolean;
}

type ModelValidator = { _validateModel?: (model: unknown) => unknown };

export function createEntities(options: CreateEntitiesOptions = {}) {
  const prototype = Entity.prototype as unknown as ModelValidator;
  const original = prototype._validateModel;
  // Only skip when the hook looks as expected; an ElectroDB that changed it keeps validating.
  const skip = !options.validateModels && typeof original === 'function';
  if (skip) prototype._validateModel = () => undefined;
  try {
    return {
      user: new Entity(userSchema),
      user_email: new Entity(userEmailSchema),
      bundle: new Entity(bundleSchema),
      template_instance: new Entity(templateInstanceSchema),
      task: new Entity(taskSchema),
      task_transition: new Entity(taskTransitionSchema),
      recurring_schedule: new Entity(recurringScheduleSchema),
      file: new Entity(fileSchema),
      notification: new Entity(notificationSchema),
      session: new Entity(sessionSchema),
      artifact: new Entity(artifactSchema),
      assistant_job: new Entity(assistantJobSchema),
      audit_event: new Entity(auditEventSchema),
    };
  } finally {
    if (skip) prototype._validateModel = original;
  }
}

export function createExecutionService(client: DynamoDBClient | DynamoDBDocumentClient, table: string, options: CreateEntitiesOptions = {}) {
  const entities = createEntities(options);
  // Adding an entity to a Service first asks whether it is a raw model by running the full
  // JSON-schema model validation on the Entity instance (which fails, as it should): several
  // milliseconds per entity, the largest part of a cold start (bench/RESULTS.md §4). For an
  // Entity instance ElectroDB's answer is the instance itself, so answer that directly.
  const prototype = Service.prototype as unknown as JoinInference;
  const original = prototype._inferJoinEntity;
  const skip = !options.validateModels && typeof original === 'function';
  if (skip) {
    prototype._inferJoinEntity = function inferJoinEntity(this: unknown, instance: unknown, joinOptions?: unknown) {
      return instance instanceof Entity ? instance : original!.call(this, instance, joinOptions);
    };
  }
  try {
    return new Service(entities, { client, table });
  } finally {
    if (skip) prototype._inferJoinEntity = original;
  }
}

type JoinInference = { _inferJoinEntity?: (this: unknown, instance: unknown, options?: unknown) => unknown };

export type ExecutionService = ReturnType<typeof createExecutionService>;
export type EntityName = keyof typeof schemas;
export const ENTITY_NAMES = Object.keys(schemas) as EntityName[];

export {
  artifactSchema,
  assistantJobSchema,
  auditEventSchema,
  bundleSchema,
  fileSchema,
  notificationSchema,
  recurringScheduleSchema,
  sessionSchema,
  taskSchema,
  taskTransitionSchema,
  templateInstanceSchema,
  userSchema,
  userEmailSchema,
};
