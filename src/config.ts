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

export interface ExecutionStoreConfig {
  tableName: string;
  /** DynamoDB endpoint override (DynamoDB Local); undefined means the AWS regional endpoint. */
  endpoint: string | undefined;
  /** AWS region; DynamoDB Local accepts any. */
  region: string;
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

export function loadConfig(env: Env = process.env): ExecutionStoreConfig {
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  const isLocal = isLocalEnvironment(env);
  return {
    tableName: resolveTableName(env),
    endpoint,
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || (endpoint || isLocal ? 'local' : 'us-east-1'),
    stage: env.DATAOPS_STAGE?.trim() || undefined,
    isLocal,
  };
}
