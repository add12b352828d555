/**
 * Failures of export, validation, import and the Postgres load: ExecutionStoreErrors with the
 * export's own codes (see ERROR_CODES in src/errors.ts), so callers and the CLI handle one
 * hierarchy.
 */
import { ExecutionStoreError, type ErrorCode, type ErrorDetails } from '../errors.js';

export const PORTABLE_EXPORT_ERROR_CODES = [
  'OUTPUT_NOT_EMPTY',
  'TABLE_NOT_FOUND',
  'TABLE_NOT_EMPTY',
  'EXPORT_INVALID',
  'EXPORT_REDACTED',
  'IMPORT_INCOMPLETE',
  'POSTGRES_LOAD_FAILED',
  'INVALID_OPTIONS',
  'RESTORE_IN_PROGRESS',
] as const satisfies readonly ErrorCode[];

export type PortableExportErrorCode = (typeof PORTABLE_EXPORT_ERROR_CODES)[number];

export class PortableExportError extends ExecutionStoreError {
  declare readonly code: PortableExportErrorCode;

  constructor(code: PortableExportErrorCode, message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(code, message, details, options);
    this.name = 'PortableExportError';
  }
}

export function isPortableExportError(error: unknown, code?: PortableExportErrorCode): error is PortableExportError {
  return error instanceof PortableExportError && (code === undefined || error.code === code);
}
