/**
 * The execution store: one DynamoDB client, one ElectroDB service, thin services on top.
 *
 * Create it once per Lambda container (outside the handler). Creating it sends no request; it
 * never creates, updates or deletes tables (CloudFormation owns the table, see ADR 0002).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from './document-client.js';
import { resolveClientSettings, resolveTableName } from './config.js';
import { ValidationError } from './errors.js';
import { createExecutionService, type ExecutionService } from './entities/index.js';
import type { ServiceContext } from './services/context.js';
import { createBundlesService } from './services/bundles.js';
import { createFilesService, createArtifactsService } from './services/files.js';
import { createNotificationsService } from './services/notifications.js';
import { createSchedulesService } from './services/schedules.js';
import { createSessionsService } from './services/sessions.js';
import { createTasksService } from './services/tasks.js';
import { createUsersService } from './services/users.js';

export interface ExecutionStoreOptions {
  /** A DynamoDB client; middleware added to it sees every request the store sends. Default: one built from the environment. */
  client?: DynamoDBClient;
  /** Table name. Default: DATAOPS_EXECUTION_TABLE (or the local default in local/test stages). */
  tableName?: string;
  /** The clock for timestamps and "today". Default: the system clock. */
  now?: () => Date;
}

/** A DynamoDB client configured from the environment (see resolveClientSettings in src/config.ts). */
export function createDynamoDbClient(env: Record<string, string | undefined> = process.env): DynamoDBClient {
  const { endpoint, region, localCredentials } = resolveClientSettings(env);
  return new DynamoDBClient({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(localCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

export function createExecutionStore(options: ExecutionStoreOptions = {}) {
  const tableName = options.tableName ?? resolveTableName();
  if (typeof tableName !== 'string' || tableName.trim() === '') {
    throw new ValidationError('tableName must be a non-empty string', { field: 'tableName' });
  }
  const client = options.client ?? createDynamoDbClient();
  const now = options.now ?? (() => new Date());
  // The document client shares the wrapped client's middleware stack, so middleware on `client` sees every request.
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const service: ExecutionService = createExecutionService(documentClient, tableName);
  const ctx: ServiceContext = { service, entities: service.entities, tableName, now };
  const tasks = createTasksService(ctx);

  return {
    tableName,
    client,
    /** The ElectroDB entities (built on first use), collections and write transactions, for queries the services below do not cover (ADR 0001, 10). */
    service,
    users: createUsersService(ctx),
    tasks,
    bundles: createBundlesService(ctx),
    schedules: createSchedulesService(ctx),
    notifications: createNotificationsService(ctx),
    files: createFilesService(ctx),
    artifacts: createArtifactsService(ctx),
    sessions: createSessionsService(ctx),
  };
}

export type ExecutionStore = ReturnType<typeof createExecutionStore>;
