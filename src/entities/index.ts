/**
 * Every entity of the execution-state model over one table, each built by ElectroDB on first use.
 * Schemas are plain data in one file each, each with the record type derived from it; this
 * module assembles them and re-exports the record types.
 */
import { Entity, Service, createWriteTransaction, type DocumentClient, type EntityConfiguration } from 'electrodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '../document-client.js';
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

type EntityConfig = { client?: DynamoDBClient | DynamoDBDocumentClient; table?: string };

/** How each entity is built; one function per entity keeps each one's precise ElectroDB type. */
const builders = {
  user: (config: EntityConfig) => new Entity(userSchema, config as EntityConfiguration),
  user_email: (config: EntityConfig) => new Entity(userEmailSchema, config as EntityConfiguration),
  bundle: (config: EntityConfig) => new Entity(bundleSchema, config as EntityConfiguration),
  template_instance: (config: EntityConfig) => new Entity(templateInstanceSchema, config as EntityConfiguration),
  task: (config: EntityConfig) => new Entity(taskSchema, config as EntityConfiguration),
  task_transition: (config: EntityConfig) => new Entity(taskTransitionSchema, config as EntityConfiguration),
  recurring_schedule: (config: EntityConfig) => new Entity(recurringScheduleSchema, config as EntityConfiguration),
  file: (config: EntityConfig) => new Entity(fileSchema, config as EntityConfiguration),
  notification: (config: EntityConfig) => new Entity(notificationSchema, config as EntityConfiguration),
  session: (config: EntityConfig) => new Entity(sessionSchema, config as EntityConfiguration),
  artifact: (config: EntityConfig) => new Entity(artifactSchema, config as EntityConfiguration),
  assistant_job: (config: EntityConfig) => new Entity(assistantJobSchema, config as EntityConfiguration),
  audit_event: (config: EntityConfig) => new Entity(auditEventSchema, config as EntityConfiguration),
} satisfies Record<keyof typeof schemas, unknown>;

export type ExecutionEntities = { [K in keyof typeof builders]: ReturnType<(typeof builders)[K]> };

/**
 * The entities, each built (and validated by ElectroDB) on first use. A handler pays only for
 * the entities it touches: ElectroDB validates every model with a JSON-schema library when an
 * Entity is built, several milliseconds per model on a cold start (bench/RESULTS.md §4).
 */
export function createEntities(config: EntityConfig = {}): ExecutionEntities {
  const entities = {} as ExecutionEntities;
  for (const name of Object.keys(builders) as (keyof ExecutionEntities)[]) {
    let built: unknown;
    Object.defineProperty(entities, name, { enumerable: true, get: () => (built ??= builders[name](config)) });
  }
  return entities;
}

/** Which entities share each collection (read from the schemas, so a new member cannot be missed). */
const COLLECTION_MEMBERS: Record<string, (keyof ExecutionEntities)[]> = {};
for (const [name, schema] of Object.entries(schemas)) {
  for (const index of Object.values(schema.indexes) as { collection?: string }[]) {
    if (index.collection) (COLLECTION_MEMBERS[index.collection] ??= []).push(name as keyof ExecutionEntities);
  }
}

type FullService = Service<ExecutionEntities>;

export function createExecutionService(client: DynamoDBClient | DynamoDBDocumentClient, table: string) {
  const entities = createEntities({ client, table });
  const collectionServices = new Map<string, FullService>();
  // A collection needs an ElectroDB Service; one over the collection's members only, built on first use.
  const collectionOf = (name: string) => {
    let service = collectionServices.get(name);
    if (!service) {
      const members = Object.fromEntries(COLLECTION_MEMBERS[name]!.map((member) => [member, entities[member]]));
      service = new Service(members as ExecutionEntities, { client: client as DocumentClient, table });
      collectionServices.set(name, service);
    }
    return service.collections[name as keyof FullService['collections']];
  };
  const collections = Object.fromEntries(
    Object.keys(COLLECTION_MEMBERS).map((name) => [name, (...args: unknown[]) => (collectionOf(name) as (...a: unknown[]) => unknown)(...args)]),
  ) as unknown as FullService['collections'];
  return {
    entities,
    collections,
    /** The document client and table the entities use (for requests the store assembles from ElectroDB's keys). */
    client: client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client),
    table,
    transaction: {
      /**
       * ElectroDB's public createWriteTransaction over only the entities the callback used
       * (its first entity sends the request; passing all thirteen would build all thirteen).
       */
      write(fn: Parameters<FullService['transaction']['write']>[0]): ReturnType<FullService['transaction']['write']> {
        const used: Record<string, unknown> = {};
        const tracking = new Proxy(entities, {
          get(target, name, receiver) {
            const entity = Reflect.get(target, name, receiver);
            if (typeof name === 'string' && Object.hasOwn(target, name)) used[name] = entity;
            return entity;
          },
        });
        const commits = fn(tracking as never);
        return createWriteTransaction(used as never, () => commits as never) as never;
      },
    },
  };
}

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
