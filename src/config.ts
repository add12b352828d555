/**
 * Configuration, read from the environment in this one place.
 *
 * Production reads the table name from DATAOPS_EXECUTION_TABLE (set by the SAM template from the
 * table stack's output). A local default exists only for local and test stages, so a production
 * function that lost its variable fails loudly at store creation instead of writing elsewhere.
 */
import { isIPv4 } from 'node:net';
import { ConfigError, ExecutionStoreError } from './errors.js';

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

/**
 * True when `endpoint` is a DynamoDB on this machine: an http(s) URL whose host is in the IPv4
 * loopback range 127.0.0.0/8, `localhost`, or the IPv6 loopback [::1]. The one rule for "is this
 * DynamoDB Local": demo seeding, table creation and an unconfirmed import run only where it holds.
 * Judged from the URL alone (no DNS lookup): a name that merely resolves to 127.0.0.1 does not count.
 */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // WHATWG URL parsing already lower-cases names and normalizes IPv4 (0x7f.1 -> 127.0.0.1) and IPv6 ([0:…:1] -> [::1]).
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || (isIPv4(host) && host.startsWith('127.'));
}

/**
 * Refuses `action` unless `endpoint` is a loopback DynamoDB Local (isLoopbackEndpoint); sends
 * nothing, so call it before the first request.
 */
export function assertLoopbackEndpoint(endpoint: string | undefined, action: string): void {
  if (isLoopbackEndpoint(endpoint)) return;
  throw new ExecutionStoreError(
    'NON_LOCAL_TARGET',
    `Refusing to ${action} at ${endpoint ?? 'the AWS regional endpoint'}: that is done only on a DynamoDB Local on this machine (an endpoint on 127.0.0.0/8, localhost or [::1]).`,
    { field: 'endpoint', endpoint: endpoint ?? null },
  );
}

export function loadConfig(env: Env = process.env): ExecutionStoreConfig {
  return {
    ...resolveClientSettings(env),
    tableName: resolveTableName(env),
    stage: env.DATAOPS_STAGE?.trim() || undefined,
    isLocal: isLocalEnvironment(env),
  };
}
