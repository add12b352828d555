/**
 * Failures of export, validation, import and the Postgres load: ExecutionStoreErrors with the
 * export's own codes (see ERROR_CODES in src/errors.ts), so callers and the CLI handle one
 * hierarchy.
 */
import { ExecutionStoreError, PORTABLE_EXPORT_ERROR_CODES, type ErrorDetails } from '../errors.js';

export { PORTABLE_EXPORT_ERROR_CODES };

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
