/**
 * Typed errors: one hierarchy for the whole store. Every failure a caller can act on is an
 * ExecutionStoreError with a stable `code`; handlers map codes to HTTP statuses
 * (HTTP_STATUS_BY_CODE), the CLI to exit codes. Messages are written for a person. Every
 * constructor takes ErrorOptions, so a cause (an AWS SDK error, a file-system error) chains.
 */

/** The codes of export, validation, import and the Postgres load (src/export, PortableExportError). */
export const PORTABLE_EXPORT_ERROR_CODES = [
  /** The output directory already holds an export (or other files) and overwrite was not allowed. */
  'OUTPUT_NOT_EMPTY',
  /** The DynamoDB table does not exist (or is not ACTIVE). */
  'TABLE_NOT_FOUND',
  /** Import target already holds items and allowNonEmpty was not set. */
  'TABLE_NOT_EMPTY',
  /** The export directory failed validation; details.findings lists why. */
  'EXPORT_INVALID',
  /** The export was made with a redaction profile; restoring it would overwrite real data with pseudonyms. */
  'EXPORT_REDACTED',
  /** Some items stayed unprocessed after every retry, or the post-import verification failed. */
  'IMPORT_INCOMPLETE',
  /** Postgres rejected the load (a constraint, a type); details name the file, line and field. */
  'POSTGRES_LOAD_FAILED',
  /** Wrong options (e.g. segments out of range). */
  'INVALID_OPTIONS',
  /** The table holds a restore marker: an import is running or was interrupted (details say how to resume or start over). */
  'RESTORE_IN_PROGRESS',
] as const;

export const ERROR_CODES = [
  // Requests to the services
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_TRANSITION',
  'GUARD_FAILED',
  'FORBIDDEN',
  'CONFIG',
  ...PORTABLE_EXPORT_ERROR_CODES,
  /** A local-only action (demo seeding, table creation) or an unconfirmed import was aimed at a table that is not on a loopback DynamoDB Local. */
  'NON_LOCAL_TARGET',
  // The machine (src/errors.ts fileSystemError): each names the path and the cause
  /** ENOSPC / EDQUOT: no space left on the device (or quota). */
  'DISK_FULL',
  /** EACCES / EPERM: the user may not read or write the path. */
  'PERMISSION_DENIED',
  /** EROFS: the file system is mounted read-only. */
  'READ_ONLY_FILESYSTEM',
  /** ENOENT / ENOTDIR: a directory on the path does not exist. */
  'PATH_NOT_FOUND',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  GUARD_FAILED: 422,
  FORBIDDEN: 403,
  CONFIG: 500,
  OUTPUT_NOT_EMPTY: 409,
  TABLE_NOT_FOUND: 500,
  TABLE_NOT_EMPTY: 409,
  EXPORT_INVALID: 422,
  EXPORT_REDACTED: 422,
  IMPORT_INCOMPLETE: 500,
  POSTGRES_LOAD_FAILED: 422,
  INVALID_OPTIONS: 400,
  RESTORE_IN_PROGRESS: 503,
  NON_LOCAL_TARGET: 400,
  DISK_FULL: 507,
  PERMISSION_DENIED: 500,
  READ_ONLY_FILESYSTEM: 500,
  PATH_NOT_FOUND: 500,
};

export interface ErrorDetails {
  /** The input field at fault, when there is one. */
  field?: string;
  [key: string]: unknown;
}

export class ExecutionStoreError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExecutionStoreError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** A subclass per service code, so `instanceof` and `error.name` read naturally in handlers. */
function codedError<C extends ErrorCode>(code: C, name: string) {
  return class extends ExecutionStoreError {
    declare readonly code: C;
    constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
      super(code, message, details, options);
      this.name = name;
    }
  };
}

export class ValidationError extends codedError('VALIDATION', 'ValidationError') {}
export class NotFoundError extends codedError('NOT_FOUND', 'NotFoundError') {}
export class ConflictError extends codedError('CONFLICT', 'ConflictError') {}
export class InvalidTransitionError extends codedError('INVALID_TRANSITION', 'InvalidTransitionError') {}
export class GuardFailedError extends codedError('GUARD_FAILED', 'GuardFailedError') {}
export class ForbiddenError extends codedError('FORBIDDEN', 'ForbiddenError') {}
export class ConfigError extends codedError('CONFIG', 'ConfigError') {}

export function isExecutionStoreError(error: unknown, code?: ErrorCode): error is ExecutionStoreError {
  return error instanceof ExecutionStoreError && (code === undefined || error.code === code);
}

/** Node's file-system error codes the store reports as typed errors, with what each means to a person. */
const FILE_SYSTEM_CAUSES: Record<string, { code: ErrorCode; cause: string }> = {
  ENOSPC: { code: 'DISK_FULL', cause: 'no space left on the device' },
  EDQUOT: { code: 'DISK_FULL', cause: 'the disk quota is exhausted' },
  EACCES: { code: 'PERMISSION_DENIED', cause: 'permission denied' },
  EPERM: { code: 'PERMISSION_DENIED', cause: 'operation not permitted' },
  EROFS: { code: 'READ_ONLY_FILESYSTEM', cause: 'the file system is read-only' },
  ENOENT: { code: 'PATH_NOT_FOUND', cause: 'no such file or directory' },
  ENOTDIR: { code: 'PATH_NOT_FOUND', cause: 'a part of the path is not a directory' },
};

/**
 * Turns a Node file-system error into a typed error naming the path and the cause ("Cannot write
 * /backups/x/tasks.jsonl: no space left on the device"); anything else is returned unchanged.
 */
export function fileSystemError(error: unknown, path: string, action: string): unknown {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = errno === undefined ? undefined : FILE_SYSTEM_CAUSES[errno];
  if (!known) return error;
  return new ExecutionStoreError(known.code, `Cannot ${action} ${path}: ${known.cause} (${errno})`, { path, errno }, { cause: error });
}
