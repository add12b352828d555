/**
 * Exit codes and the translation of any failure into one line a person can act on.
 *
 * Nothing here prints a stack trace unless EXSTATE_DEBUG=1 is set: the CLI's users are
 * developers and on-call operators, and the message says what to do next.
 */
import { ExecutionStoreError } from '../errors.js';
import { PortableExportError } from '../export/errors.js';
import { DynamoDbLocalError } from '../local/dynamodb-local.js';

export const EXIT_CODES = {
  /** Success. */
  OK: 0,
  /** The store refused the request (invalid input, not found, conflict, guard) or an export is invalid. */
  REJECTED: 1,
  /** DynamoDB cannot be reached (endpoint down, DNS, credentials), or DynamoDB Local cannot start (Java missing, port in use). */
  UNREACHABLE: 2,
  /** The table does not exist at the endpoint. */
  NO_TABLE: 3,
  /** Configuration is missing or contradictory (table name, region). */
  CONFIG: 4,
  /** Bad command-line arguments. */
  USAGE: 64,
  /** A bug: an error nobody anticipated (EXSTATE_DEBUG=1 prints its stack). */
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit-code table printed by --help. */
export const EXIT_CODE_HELP = `Exit codes:
  0   success
  1   the store refused the request (invalid input, not found, conflict), the export is invalid, or a template
      is refused (invalid, not committed, unknown assignee, commit not in the repository)
  2   DynamoDB unreachable (endpoint down, no credentials), or DynamoDB Local cannot start (Java missing, port in use)
  3   the table does not exist or does not match the template (locally: \`npm start\`, or \`exstate seed\` against your own DynamoDB Local)
  4   configuration missing (DATAOPS_EXECUTION_TABLE, AWS region; git for the template commands)
  64  bad command-line arguments
  70  unexpected internal error (set EXSTATE_DEBUG=1 for the stack trace)`;

/** A failure the CLI itself detected, with its exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Where the CLI was talking to, so messages can name the endpoint and the table. */
export interface ErrorContext {
  endpoint?: string;
  tableName?: string;
  /** True when the CLI fell back to the local defaults because nothing was configured. */
  usedLocalDefaults?: boolean;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT']);
const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
]);

/** The error and its causes, outermost first (ElectroDB wraps the SDK's error in `cause`). */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && out.length < 8 && !out.includes(current)) {
    out.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

function field(error: unknown, key: string): string | undefined {
  const value = (error as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : undefined;
}

function where(context: ErrorContext): string {
  return context.endpoint ? context.endpoint : 'the AWS regional endpoint';
}

/** One line and an exit code for any error. */
export function describeError(error: unknown, context: ErrorContext = {}): { message: string; exitCode: ExitCode } {
  const links = chain(error);
  for (const link of links) {
    if (link instanceof CliError) return { message: link.message, exitCode: link.exitCode };
    if (link instanceof DynamoDbLocalError) return { message: link.message, exitCode: EXIT_CODES.UNREACHABLE };
    if (link instanceof ExecutionStoreError) {
      return { message: link.message, exitCode: link.code === 'CONFIG' ? EXIT_CODES.CONFIG : EXIT_CODES.REJECTED };
    }
    if (link instanceof PortableExportError) {
      if (link.code === 'TABLE_NOT_FOUND') return { message: `${link.message} (locally: \`npm start\` creates it)`, exitCode: EXIT_CODES.NO_TABLE };
      // The library names its options; the CLI's flags are spelled differently.
      const message = link.message
        .replace(/\ballowNonEmpty\b/g, '--allow-non-empty')
        .replace(/\ballowRedacted\b/g, '--allow-redacted')
        .replace(/\boverwrite: true\b|\boverwrite\b(?= to)/g, '--overwrite');
      if (link.code === 'INVALID_OPTIONS') return { message, exitCode: EXIT_CODES.USAGE };
      return { message, exitCode: EXIT_CODES.REJECTED };
    }
  }
  const names = links.map((link) => field(link, 'name') ?? '');
  const codes = links.map((link) => field(link, 'code') ?? '');
  const messages = links.map((link) => field(link, 'message') ?? '');
  if (names.includes('ResourceNotFoundException')) {
    const table = context.tableName ? `Table "${context.tableName}"` : 'The table';
    return {
      message: `${table} does not exist at ${where(context)}: start the local store with \`npm start\` (it creates and seeds the table), run \`exstate seed\` against your own DynamoDB Local, or deploy the stack (README: Deploy).`,
      exitCode: EXIT_CODES.NO_TABLE,
    };
  }
  const missingIndex = messages.map((m) => /does not have the specified index: (\S+)/.exec(m)?.[1]).find((m) => m !== undefined);
  if (missingIndex) {
    const table = context.tableName ? `Table "${context.tableName}"` : 'The table';
    return {
      message: `${table} at ${where(context)} has no index ${missingIndex}: it was created from an older template. Locally, recreate it (stop \`npm start\`, \`rm -rf .local/dynamodb\`, start again); on AWS, deploy the stack.`,
      exitCode: EXIT_CODES.NO_TABLE,
    };
  }
  const connectionCode = codes.find((code) => CONNECTION_CODES.has(code)) ?? (names.includes('TimeoutError') ? 'timeout' : undefined) ?? messages.map((m) => /\b(E[A-Z_]{4,})\b|socket hang up/.exec(m)?.[0]).find((m) => m !== undefined && (CONNECTION_CODES.has(m) || m === 'socket hang up'));
  if (connectionCode) {
    const hint = context.usedLocalDefaults
      ? 'nothing is configured, so the CLI tried the local store: start it with `npm start`, or set DYNAMODB_ENDPOINT and DATAOPS_EXECUTION_TABLE'
      : 'check DYNAMODB_ENDPOINT (locally: is `npm start` running?) and your network';
    return { message: `Cannot reach DynamoDB at ${where(context)} (${connectionCode}): ${hint}.`, exitCode: EXIT_CODES.UNREACHABLE };
  }
  const credentialName = names.find((name) => CREDENTIAL_NAMES.has(name));
  if (credentialName) {
    return {
      message: `DynamoDB at ${where(context)} rejected the request (${credentialName}): check your AWS credentials (AWS_PROFILE, aws sso login) and their permissions on the table.`,
      exitCode: EXIT_CODES.UNREACHABLE,
    };
  }
  if (messages.some((m) => /Region is missing|Region not accepted/i.test(m))) {
    return { message: 'No valid AWS region is configured: set AWS_REGION (e.g. eu-central-1), or DYNAMODB_ENDPOINT for DynamoDB Local.', exitCode: EXIT_CODES.CONFIG };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `Unexpected error: ${message.replace(/\s+/g, ' ').trim()} (set EXSTATE_DEBUG=1 for the stack trace)`, exitCode: EXIT_CODES.INTERNAL };
}
