/**
 * Typed failures of export, validation, import and the Postgres load. Every one carries a stable
 * `code` (for scripts and the CLI's exit path) and a message written for the person on call.
 */

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
  /** Some items stayed unprocessed after every retry, or the post-import verification counted fewer items. */
  'IMPORT_INCOMPLETE',
  /** Postgres rejected the load (a constraint, a type); details carries Postgres' code and constraint. */
  'POSTGRES_LOAD_FAILED',
  /** Wrong options (e.g. segments out of range). */
  'INVALID_OPTIONS',
] as const;

export type PortableExportErrorCode = (typeof PORTABLE_EXPORT_ERROR_CODES)[number];

export class PortableExportError extends Error {
  readonly code: PortableExportErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: PortableExportErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PortableExportError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: PortableExportErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isPortableExportError(error: unknown, code?: PortableExportErrorCode): error is PortableExportError {
  return error instanceof PortableExportError && (code === undefined || error.code === code);
}
