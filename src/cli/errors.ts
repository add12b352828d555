/**
 * Exit codes and the translation of any failure into one line a person can act on.
 *
 * Typed failures are ExecutionStoreErrors (src/errors.ts): the exit code follows from the
 * error's `code` alone (EXIT_CODE_BY_ERROR_CODE), and an option name in the message comes from
 * `details.field` mapped to the option that supplied it (each command says which, see
 * CliDeps.action). Everything else (the AWS SDK's network and credential errors, DynamoDB
 * Local failing to start, a raw file-system error) is classified here too.
 *
 * Nothing here prints a stack trace unless EXSTATE_DEBUG=1 is set: the CLI's users are
 * developers and on-call operators, and the message says what to do next.
 */
import { ExecutionStoreError, fileSystemError, type ErrorCode } from '../errors.js';
import { DynamoDbLocalError } from '../local/dynamodb-local.js';

export const EXIT_CODES = {
  /** Success. */
  OK: 0,
  /** The store refused the request (invalid input, not found, conflict, guard, table not empty) or an export is invalid. */
  REJECTED: 1,
  /** DynamoDB cannot be reached (endpoint down, DNS, credentials), or DynamoDB Local cannot start (Java missing, port in use). */
  UNREACHABLE: 2,
  /** The table does not exist at the endpoint, or does not match the template. */
  NO_TABLE: 3,
  /** Configuration is missing or contradictory (table name, region, endpoint). */
  CONFIG: 4,
  /** Demo seeding, table creation or an unconfirmed import aimed at a table that is not on a DynamoDB Local on this machine. */
  NON_LOCAL_TARGET: 5,
  /** The table holds a restore marker: an import is running or was interrupted. */
  RESTORE_IN_PROGRESS: 6,
  /** Bad command-line arguments (sysexits EX_USAGE). */
  USAGE: 64,
  /** A file or directory the command reads does not exist (sysexits EX_NOINPUT). */
  PATH_NOT_FOUND: 66,
  /** A bug: an error nobody anticipated (EXSTATE_DEBUG=1 prints its stack; sysexits EX_SOFTWARE). */
  INTERNAL: 70,
  /** The file system is mounted read-only (sysexits EX_CANTCREAT). */
  READ_ONLY_FILESYSTEM: 73,
  /** No space left on the device, or the disk quota is exhausted (sysexits EX_IOERR). */
  DISK_FULL: 74,
  /** The user may not read or write the path (sysexits EX_NOPERM). */
  PERMISSION_DENIED: 77,
  /** Stopped by Ctrl-C (SIGINT) during export or import, after cleanup (128 + 2). */
  SIGINT: 130,
  /** Stopped by SIGTERM during export or import, after cleanup (128 + 15). */
  SIGTERM: 143,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit code of every store error code: a new code in src/errors.ts does not compile until it has one. */
export const EXIT_CODE_BY_ERROR_CODE: Record<ErrorCode, ExitCode> = {
  VALIDATION: EXIT_CODES.REJECTED,
  NOT_FOUND: EXIT_CODES.REJECTED,
  CONFLICT: EXIT_CODES.REJECTED,
  INVALID_TRANSITION: EXIT_CODES.REJECTED,
  GUARD_FAILED: EXIT_CODES.REJECTED,
  FORBIDDEN: EXIT_CODES.REJECTED,
  CONFIG: EXIT_CODES.CONFIG,
  OUTPUT_NOT_EMPTY: EXIT_CODES.REJECTED,
  TABLE_NOT_FOUND: EXIT_CODES.NO_TABLE,
  TABLE_NOT_EMPTY: EXIT_CODES.REJECTED,
  EXPORT_INVALID: EXIT_CODES.REJECTED,
  EXPORT_REDACTED: EXIT_CODES.REJECTED,
  IMPORT_INCOMPLETE: EXIT_CODES.REJECTED,
  POSTGRES_LOAD_FAILED: EXIT_CODES.REJECTED,
  INVALID_OPTIONS: EXIT_CODES.USAGE,
  RESTORE_IN_PROGRESS: EXIT_CODES.RESTORE_IN_PROGRESS,
  NON_LOCAL_TARGET: EXIT_CODES.NON_LOCAL_TARGET,
  DISK_FULL: EXIT_CODES.DISK_FULL,
  PERMISSION_DENIED: EXIT_CODES.PERMISSION_DENIED,
  READ_ONLY_FILESYSTEM: EXIT_CODES.READ_ONLY_FILESYSTEM,
  PATH_NOT_FOUND: EXIT_CODES.PATH_NOT_FOUND,
};

/** What each exit code means, for --help and the README (one row per code, in order). */
export const EXIT_CODE_MEANINGS: readonly (readonly [ExitCode, string])[] = [
  [EXIT_CODES.OK, 'success'],
  [EXIT_CODES.REJECTED, 'the store refused the request (invalid input, not found, conflict, table not empty), the export is invalid, or a template is refused (invalid, not committed, unknown assignee, commit not in the repository)'],
  [EXIT_CODES.UNREACHABLE, 'DynamoDB unreachable (endpoint down, no credentials), or DynamoDB Local cannot start (Java missing, port in use)'],
  [EXIT_CODES.NO_TABLE, 'the table does not exist or does not match the template (locally: `npm start`, or `exstate seed` against your own DynamoDB Local)'],
  [EXIT_CODES.CONFIG, 'configuration missing (DATAOPS_EXECUTION_TABLE, AWS region, DYNAMODB_ENDPOINT for seed; git for the template commands)'],
  [EXIT_CODES.NON_LOCAL_TARGET, 'refused: seed, table creation or `local --endpoint` aimed at a DynamoDB that is not on this machine, or an import into one without --target-table'],
  [EXIT_CODES.RESTORE_IN_PROGRESS, 'the table holds a restore marker: an import is running or was interrupted'],
  [EXIT_CODES.USAGE, 'bad command-line arguments'],
  [EXIT_CODES.PATH_NOT_FOUND, 'a file or directory does not exist'],
  [EXIT_CODES.INTERNAL, 'unexpected internal error (set EXSTATE_DEBUG=1 for the stack trace)'],
  [EXIT_CODES.READ_ONLY_FILESYSTEM, 'the file system is read-only'],
  [EXIT_CODES.DISK_FULL, 'no space left on the device (or the disk quota is exhausted)'],
  [EXIT_CODES.PERMISSION_DENIED, 'permission denied on a file or directory'],
  [EXIT_CODES.SIGINT, 'stopped by Ctrl-C (SIGINT) during export or import'],
  [EXIT_CODES.SIGTERM, 'stopped by SIGTERM during export or import'],
];

/** The exit-code table printed by --help. */
export const EXIT_CODE_HELP = `Exit codes:\n${EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padEnd(4)}${meaning}`).join('\n')}`;

/** Where the CLI was talking to, and which option fed which input, so messages can name them. */
export interface ErrorContext {
  endpoint?: string;
  tableName?: string;
  /** True when the CLI fell back to the local defaults because nothing was configured. */
  usedLocalDefaults?: boolean;
  /** Input field (as the library or service names it in details.field) -> the option or argument that supplied it. */
  inputs?: Readonly<Record<string, string>>;
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

/**
 * The library refusals an option overrides, for when details.field does not name that option:
 * the option is what the person can change, so the message names it.
 */
const OVERRIDING_INPUT: Partial<Record<ErrorCode, string>> = {
  TABLE_NOT_EMPTY: 'allowNonEmpty',
  EXPORT_REDACTED: 'allowRedacted',
  OUTPUT_NOT_EMPTY: 'overwrite',
};

/** What a person can do next, added to the message of some codes. */
const NEXT_STEP: Partial<Record<ErrorCode, (error: ExecutionStoreError) => string>> = {
  // A missing table, not one that differs from the template (that message says how to start over).
  TABLE_NOT_FOUND: (error) => (error.details.differences === undefined ? ' (locally: `npm start` creates it)' : ''),
  RESTORE_IN_PROGRESS: (error) => {
    const dir = (error.details.restore_marker as { export_dir?: string } | undefined)?.export_dir ?? '<export dir>';
    return error.details.live ? '' : ` With the CLI: \`exstate import ${dir} --resume\` finishes it, \`--start-over\` removes what it wrote and imports again, \`--abandon\` only removes what it wrote.`;
  },
};

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

function stringField(error: unknown, key: string): string | undefined {
  const value = (error as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : undefined;
}

function where(context: ErrorContext): string {
  return context.endpoint ? context.endpoint : 'the AWS regional endpoint';
}

/**
 * The message with the input `field` spelled as the option that supplied it: a message that
 * starts with the field ("segments must be …", the rule messages of src/formats.ts) or names an
 * identifier-like field (allowNonEmpty, assignee_id) gets the option in its place; a message that
 * does not name the option yet gets it added at the end.
 */
function spellOption(message: string, field: string, option: string): string {
  if (message.includes(option)) return message;
  if (message.startsWith(`${field} `)) return `${option}${message.slice(field.length)}`;
  if (/[A-Z_]/.test(field)) {
    const word = new RegExp(`(?<![\\w-])${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g');
    if (word.test(message)) return message.replace(word, option);
  }
  return `${message} (${option})`;
}

function describeStoreError(error: ExecutionStoreError, context: ErrorContext): { message: string; exitCode: ExitCode } {
  const field = typeof error.details.field === 'string' ? error.details.field : OVERRIDING_INPUT[error.code];
  const option = field === undefined ? undefined : context.inputs?.[field];
  const message = option === undefined || field === undefined ? error.message : spellOption(error.message, field, option);
  return { message: `${message}${NEXT_STEP[error.code]?.(error) ?? ''}`, exitCode: EXIT_CODE_BY_ERROR_CODE[error.code] };
}

/** What a person calls a failed file-system call, for "Cannot <verb> <path>: <cause>". */
const SYSCALL_VERBS: Record<string, string> = {
  mkdir: 'create the directory',
  open: 'open',
  write: 'write',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'read the directory',
  opendir: 'read the directory',
  stat: 'read',
  lstat: 'read',
  access: 'access',
  copyfile: 'copy',
};

/**
 * A raw Node file-system error (one no library typed) as the typed error naming its path and
 * cause, or undefined. A write to an open file descriptor carries no path ("a file" then).
 */
function typedFileSystemError(error: unknown): ExecutionStoreError | undefined {
  const errno = error as NodeJS.ErrnoException | null;
  const verb = typeof errno?.syscall === 'string' && Object.hasOwn(SYSCALL_VERBS, errno.syscall) ? SYSCALL_VERBS[errno.syscall] : undefined;
  if (verb === undefined) return undefined;
  const typed = fileSystemError(error, typeof errno?.path === 'string' ? errno.path : 'a file', verb);
  return typed instanceof ExecutionStoreError ? typed : undefined;
}

/** One line and an exit code for any error. */
export function describeError(error: unknown, context: ErrorContext = {}): { message: string; exitCode: ExitCode } {
  const links = chain(error);
  for (const link of links) {
    if (link instanceof ExecutionStoreError) return describeStoreError(link, context);
    if (link instanceof DynamoDbLocalError) return { message: link.message, exitCode: EXIT_CODES.UNREACHABLE };
    const fileSystem = typedFileSystemError(link);
    if (fileSystem) return describeStoreError(fileSystem, context);
  }
  const names = links.map((link) => stringField(link, 'name') ?? '');
  const codes = links.map((link) => stringField(link, 'code') ?? '');
  const messages = links.map((link) => stringField(link, 'message') ?? '');
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
  const connectionCode =
    codes.find((code) => CONNECTION_CODES.has(code)) ??
    (names.includes('TimeoutError') ? 'timeout' : undefined) ??
    messages.map((m) => /\b(E[A-Z_]{4,})\b|socket hang up/.exec(m)?.[0]).find((m) => m !== undefined && (CONNECTION_CODES.has(m) || m === 'socket hang up'));
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
