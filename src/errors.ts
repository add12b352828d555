/**
 * Typed errors. Every failure a caller can act on is an ExecutionStoreError with a stable `code`.
 * Handlers map codes to HTTP statuses (see HTTP_STATUS_BY_CODE); messages are written for a person.
 */

export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_TRANSITION',
  'GUARD_FAILED',
  'FORBIDDEN',
  'CONFIG',
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
};

export interface ErrorDetails {
  /** The input field at fault, when there is one. */
  field?: string;
  [key: string]: unknown;
}

export class ExecutionStoreError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutionStoreError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export class ValidationError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('VALIDATION', message, details, options);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('NOT_FOUND', message, details);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('CONFLICT', message, details, options);
    this.name = 'ConflictError';
  }
}

export class InvalidTransitionError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('INVALID_TRANSITION', message, details);
    this.name = 'InvalidTransitionError';
  }
}

export class GuardFailedError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('GUARD_FAILED', message, details);
    this.name = 'GuardFailedError';
  }
}

export class ForbiddenError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('FORBIDDEN', message, details);
    this.name = 'ForbiddenError';
  }
}

export class ConfigError extends ExecutionStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('CONFIG', message, details);
    this.name = 'ConfigError';
  }
}

export function isExecutionStoreError(error: unknown, code?: ErrorCode): error is ExecutionStoreError {
  return error instanceof ExecutionStoreError && (code === undefined || error.code === code);
}
