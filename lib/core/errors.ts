/**
 * Domain errors. Their `name`s are a contract with `statemachine/*.asl.json` (Retry/Catch match the
 * Lambda error's name), so each class sets `this.name` explicitly and a test checks that every name an
 * ASL file mentions is defined here.
 */

/** Base of every error this system throws on purpose. */
export class RegistrySyncError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistrySyncError';
  }
}

/** The IoT API kept answering ThrottlingException after the client's own backoff. Retryable. */
export class ThrottledError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThrottledError';
  }
}

/** A 5xx, a timeout or a dropped connection: the same call may succeed later. Retryable. */
export class TransientServiceError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientServiceError';
  }
}

/** The resource a write needs does not exist in the region (e.g. a thing type not yet created). */
export class ResourceNotFoundError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceNotFoundError';
  }
}

/** The region refused a write because of another resource's state (exists differently, still attached, version conflict). */
export class ResourceConflictError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceConflictError';
  }
}

/** The region rejected the content (malformed policy, invalid PEM, a name or attribute out of bounds). */
export class InvalidResourceError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidResourceError';
  }
}

/** A certificate's status forbids the operation (deleting an ACTIVE cert, activating a REVOKED one). */
export class CertificateStateError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateStateError';
  }
}

/** A policy already has its 5 versions; one must be deleted before another is created. */
export class PolicyVersionLimitError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolicyVersionLimitError';
  }
}

/** The credentials in use may not make the call. Not retryable: fix IAM. */
export class AccessDeniedError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccessDeniedError';
  }
}

/** A safety rule refused a change (status widening, a mass delete without the override). */
export class SafetyRuleError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SafetyRuleError';
  }
}

/** Input that arrived at a boundary (an event, a config, a CLI option) failed validation; the message names the field. */
export class InvalidInputError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}

/** An error the adapter could not classify; it keeps the service's error name in the message. Not retryable. */
export class UnexpectedServiceError extends RegistrySyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnexpectedServiceError';
  }
}

/** Every domain error class, by name: the set the ASL files may mention. */
export const DOMAIN_ERRORS = {
  RegistrySyncError,
  ThrottledError,
  TransientServiceError,
  ResourceNotFoundError,
  ResourceConflictError,
  InvalidResourceError,
  CertificateStateError,
  PolicyVersionLimitError,
  AccessDeniedError,
  SafetyRuleError,
  InvalidInputError,
  UnexpectedServiceError,
} as const;

/** Names of the errors worth retrying: decided here and nowhere else. */
export const RETRYABLE_ERROR_NAMES: readonly string[] = ['ThrottledError', 'TransientServiceError'];

/**
 * Names after which re-running the whole sync of a resource may succeed: the retryable ones; a
 * conflict with a concurrent writer (two executions creating the same policy); a dependency another
 * execution is still creating. The re-run re-reads both regions and sees the other writer's result.
 * The sync Lambdas throw these for the state machine's Retry; every other failure is returned as data.
 */
export const RERUNNABLE_ERROR_NAMES: readonly string[] = [...RETRYABLE_ERROR_NAMES, 'ResourceConflictError', 'ResourceNotFoundError'];

/** Whether an error (by its name) is worth retrying later. */
export function isRetryable(error: unknown): boolean {
  return error instanceof Error && RETRYABLE_ERROR_NAMES.includes(error.name);
}

/** The `name` of anything thrown, for outcomes and logs. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/** The message of anything thrown, for outcomes and logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
