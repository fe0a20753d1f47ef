/**
 * Translation of `@aws-sdk/client-iot` errors into the domain errors of `lib/core/errors`, done at this
 * edge only. Classes are matched with `instanceof`; names where the SDK has no class (a bare 429, an
 * unknown operation, a socket error). Retryability stays with `isRetryable` in the core: this file only
 * picks the domain class.
 */
import {
  CertificateConflictException,
  CertificateStateException,
  CertificateValidationException,
  ConflictException,
  ConflictingResourceUpdateException,
  DeleteConflictException,
  InternalException,
  InternalFailureException,
  InternalServerException,
  InvalidQueryException,
  InvalidRequestException,
  InvalidStateTransitionException,
  LimitExceededException,
  MalformedPolicyException,
  RegistrationCodeValidationException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  UnauthorizedException,
  ValidationException,
  VersionConflictException,
  VersionsLimitExceededException,
} from '@aws-sdk/client-iot';
import {
  AccessDeniedError,
  CertificateStateError,
  InvalidResourceError,
  PolicyVersionLimitError,
  RegistrySyncError,
  ResourceConflictError,
  ResourceNotFoundError,
  ThrottledError,
  TransientServiceError,
  UnexpectedServiceError,
} from '../core/errors';

/** How the quota layer treats a failed attempt: back off slowly, retry quickly, or give up. */
export type FailureClass = 'throttle' | 'transient' | 'final';

/** Where an error happened: the IoT operation and the resource key it was about (e.g. `thing/t1`). */
export interface ErrorContext {
  operation: string;
  key: string;
}

/** Socket-level error codes that mean "the same call may work on a new connection". */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Error names (no SDK class) that mean throttling. */
const THROTTLING_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);

/** Error names (no SDK class) that mean a timeout or a dropped connection. */
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Names that mean the service does not know the operation (an older endpoint or an emulator without it). */
const UNKNOWN_OPERATION_NAMES = new Set(['UnknownOperationException', 'UnknownOperation', 'UnsupportedOperation']);

/**
 * IoT answers `LimitExceededException` both for a rate and for a resource count ("too many policies on
 * this certificate", "too many CAs with this subject"). Only writes that add something can hit a count
 * limit, so for them it is a conflict; for every other operation it is a rate limit.
 */
const COUNT_LIMITED_OPERATION = /^(Create|Register|Attach|Add|Update|Accept|Transfer)/;

/** Whether `LimitExceededException` from this operation is a rate limit (else a resource-count limit). */
export function isRateLimitOperation(operation: string): boolean {
  return !COUNT_LIMITED_OPERATION.test(operation);
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

function httpStatusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}

/** Whether the error is a throttling answer for this operation (the quota layer backs off on these). */
export function isThrottling(error: unknown, operation: string): boolean {
  if (error instanceof ThrottlingException) return true;
  if (error instanceof LimitExceededException) return isRateLimitOperation(operation);
  if (THROTTLING_NAMES.has(nameOf(error))) return true;
  return httpStatusOf(error) === 429;
}

/** Whether the error is a 5xx, a timeout or a network failure: the same call may succeed soon. */
export function isTransient(error: unknown): boolean {
  if (
    error instanceof InternalFailureException ||
    error instanceof ServiceUnavailableException ||
    error instanceof InternalServerException ||
    error instanceof InternalException
  ) {
    return true;
  }
  if (TRANSIENT_NAMES.has(nameOf(error)) || isNetworkError(error)) return true;
  const status = httpStatusOf(error);
  return status !== undefined && status >= 500;
}

/** How the quota layer should treat this failed attempt of `operation`. */
export function classifyFailure(error: unknown, operation: string): FailureClass {
  if (isThrottling(error, operation)) return 'throttle';
  if (isTransient(error)) return 'transient';
  return 'final';
}

/** Whether the service said the resource does not exist (a `get*` then answers `undefined`). */
export function isResourceNotFound(error: unknown): boolean {
  return error instanceof ResourceNotFoundException || nameOf(error) === 'ResourceNotFoundException';
}

/** Whether the service said it already has the resource. */
export function isResourceAlreadyExists(error: unknown): boolean {
  return error instanceof ResourceAlreadyExistsException || nameOf(error) === 'ResourceAlreadyExistsException';
}

/**
 * Whether the service does not know the operation at all (rather than the resource): an unknown-operation
 * name, a 404 that is not ResourceNotFoundException, or InvalidRequestException. Used to fall back from
 * the V2 principal listings to V1.
 */
export function isUnknownOperation(error: unknown): boolean {
  if (UNKNOWN_OPERATION_NAMES.has(nameOf(error))) return true;
  if (error instanceof InvalidRequestException) return true;
  return httpStatusOf(error) === 404 && !isResourceNotFound(error);
}

type DomainErrorClass = new (message: string, options?: { cause?: unknown }) => RegistrySyncError;

function domainClassOf(error: unknown, operation: string): DomainErrorClass {
  if (isThrottling(error, operation)) return ThrottledError;
  if (error instanceof LimitExceededException) return ResourceConflictError;
  if (isTransient(error)) return TransientServiceError;
  if (isResourceNotFound(error)) return ResourceNotFoundError;
  if (
    error instanceof ResourceAlreadyExistsException ||
    error instanceof DeleteConflictException ||
    error instanceof VersionConflictException ||
    error instanceof ConflictingResourceUpdateException ||
    error instanceof ConflictException ||
    error instanceof CertificateConflictException ||
    error instanceof InvalidStateTransitionException ||
    error instanceof ServiceQuotaExceededException
  ) {
    return ResourceConflictError;
  }
  if (
    error instanceof InvalidRequestException ||
    error instanceof MalformedPolicyException ||
    error instanceof CertificateValidationException ||
    error instanceof InvalidQueryException ||
    error instanceof ValidationException ||
    error instanceof RegistrationCodeValidationException
  ) {
    return InvalidResourceError;
  }
  if (error instanceof CertificateStateException) return CertificateStateError;
  if (error instanceof VersionsLimitExceededException) return PolicyVersionLimitError;
  if (error instanceof UnauthorizedException || nameOf(error) === 'AccessDeniedException') return AccessDeniedError;
  return UnexpectedServiceError;
}

/**
 * The domain error for an SDK error raised by `operation` on the resource `key`. The message names the
 * operation, the key and the service's error name; the SDK error is kept as `cause`. A domain error
 * passes through unchanged.
 */
export function translateServiceError(error: unknown, context: ErrorContext): RegistrySyncError {
  if (error instanceof RegistrySyncError) return error;
  const DomainError = domainClassOf(error, context.operation);
  const detail = error instanceof Error ? error.message : String(error);
  const status = httpStatusOf(error);
  const statusText = status === undefined ? '' : ` (HTTP ${status})`;
  return new DomainError(`${context.operation} ${context.key}: ${nameOf(error)}${statusText}: ${detail}`, {
    cause: error,
  });
}
