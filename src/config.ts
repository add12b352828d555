/**
 * Configuration, read from the environment in this one place.
 *
 * Production reads the table name from DATAOPS_EXECUTION_TABLE (set by the SAM template from the
 * table stack's output). A local default exists only for local and test stages, so a production
 * function that lost its variable fails loudly at store creation instead of writing elsewhere.
 */
import { ConfigError } from './errors.js';

export const LOCAL_TABLE_NAME = 'dataops-execution-local';
export const LOCAL_STAGES = ['local', 'test'] as const;
export const LOCAL_NODE_ENVS = ['test', 'development'] as const;

export interface ClientSettings {
  /** DynamoDB endpoint override (DynamoDB Local); undefined means the AWS regional endpoint. */
  endpoint: string | undefined;
  /** AWS region; undefined leaves it to the AWS SDK (Lambda always sets AWS_REGION). DynamoDB Local accepts any. */
  region: string | undefined;
  /**
   * Use dummy credentials: an endpoint override is set and AWS_ACCESS_KEY_ID is not (DynamoDB
   * Local accepts any credentials; a profile or SSO session is not consulted for it).
   */
  localCredentials: boolean;
}

export interface ExecutionStoreConfig extends ClientSettings {
  tableName: string;
  stage: string | undefined;
  /** True when local defaults are allowed (local/test stage or NODE_ENV). */
  isLocal: boolean;
}

type Env = Record<string, string | undefined>;

export function isLocalEnvironment(env: Env = process.env): boolean {
  const stage = env.DATAOPS_STAGE?.trim();
  const nodeEnv = env.NODE_ENV?.trim();
  return (
    (stage !== undefined && (LOCAL_STAGES as readonly string[]).includes(stage)) ||
    (nodeEnv !== undefined && (LOCAL_NODE_ENVS as readonly string[]).includes(nodeEnv))
  );
}

export function resolveTableName(env: Env = process.env): string {
  const configured = env.DATAOPS_EXECUTION_TABLE?.trim();
  if (configured) return configured;
  if (isLocalEnvironment(env)) return LOCAL_TABLE_NAME;
  throw new ConfigError(
    'DATAOPS_EXECUTION_TABLE is not set: set it to the execution-state table name (the SAM template passes the ExecutionTableName output), or set DATAOPS_STAGE=local for the local default table.',
    { variable: 'DATAOPS_EXECUTION_TABLE' },
  );
}

/** How to reach DynamoDB: DYNAMODB_ENDPOINT, AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID. */
export function resolveClientSettings(env: Env = process.env): ClientSettings {
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  return {
    endpoint,
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || (endpoint ? 'local' : undefined),
    localCredentials: endpoint !== undefined && !env.AWS_ACCESS_KEY_ID?.trim(),
  };
}

export function loadConfig(env: Env = process.env): ExecutionStoreConfig {
  return {
    ...resolveClientSettings(env),
    tableName: resolveTableName(env),
    stage: env.DATAOPS_STAGE?.trim() || undefined,
    isLocal: isLocalEnvironment(env),
  };
}
