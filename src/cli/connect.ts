/**
 * How the CLI connects: with exactly the configuration the handlers read (src/config.ts and
 * createDynamoDbClient: DYNAMODB_ENDPOINT, DATAOPS_EXECUTION_TABLE, DATAOPS_STAGE, AWS_*), plus
 * two local conveniences that can never point at a production table:
 *
 *  - in the local/test stage (DATAOPS_STAGE=local) DYNAMODB_ENDPOINT defaults to the
 *    `npm start` store, http://127.0.0.1:8000;
 *  - when none of DATAOPS_STAGE, DATAOPS_EXECUTION_TABLE and DYNAMODB_ENDPOINT is set, the CLI
 *    behaves as if DATAOPS_STAGE=local (a production table always needs its name configured).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isLocalEnvironment, resolveTableName } from '../config.js';
import { createDynamoDbClient, createExecutionStore, type ExecutionStore } from '../store.js';
import type { ErrorContext } from './errors.js';

export const LOCAL_ENDPOINT = 'http://127.0.0.1:8000';

type Env = Record<string, string | undefined>;

export interface CliConnection extends ErrorContext {
  store: ExecutionStore;
  client: DynamoDBClient;
  tableName: string;
  endpoint: string | undefined;
  usedLocalDefaults: boolean;
}

function set(env: Env, name: string): boolean {
  return (env[name]?.trim() ?? '') !== '';
}

/** The environment the CLI connects with: the process's, plus the local defaults described above. */
export function cliEnvironment(env: Env = process.env): { env: Env; usedLocalDefaults: boolean } {
  const effective: Env = { ...env };
  let usedLocalDefaults = false;
  if (!set(env, 'DATAOPS_STAGE') && !set(env, 'DATAOPS_EXECUTION_TABLE') && !set(env, 'DYNAMODB_ENDPOINT') && !isLocalEnvironment(env)) {
    effective.DATAOPS_STAGE = 'local';
    usedLocalDefaults = true;
  }
  if (isLocalEnvironment(effective) && !set(effective, 'DYNAMODB_ENDPOINT')) {
    effective.DYNAMODB_ENDPOINT = LOCAL_ENDPOINT;
  }
  return { env: effective, usedLocalDefaults };
}

/** A DynamoDB client from the environment, failing fast when nothing answers. */
export function createCliClient(env: Env): DynamoDBClient {
  const client = createDynamoDbClient(env);
  // A black-holed endpoint would otherwise hang for the OS's TCP timeout.
  const handler = client.config.requestHandler as { updateHttpClientConfig?: (key: string, value: unknown) => void };
  handler.updateHttpClientConfig?.('connectionTimeout', 5_000);
  return client;
}

/** The store the CLI commands use. Sends no request. */
export function connect(env: Env = process.env): CliConnection {
  const { env: effective, usedLocalDefaults } = cliEnvironment(env);
  const tableName = resolveTableName(effective);
  const client = createCliClient(effective);
  const store = createExecutionStore({ client, tableName });
  return { store, client, tableName, endpoint: effective.DYNAMODB_ENDPOINT?.trim() || undefined, usedLocalDefaults };
}
