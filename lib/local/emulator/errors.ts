/**
 * AWS IoT control-plane errors as the service sends them: the name goes in `x-amzn-ErrorType`, the status
 * code is the one the IoT API model declares for that shape, the body is `{"message": …}` plus any
 * extra members the shape has (ResourceAlreadyExistsException carries resourceId/resourceArn).
 */

/** An error the emulator answers with, exactly as AWS IoT would. */
export class AwsError extends Error {
  constructor(
    /** The AWS error shape name, e.g. `ResourceNotFoundException`. */
    readonly code: string,
    /** HTTP status code the IoT model assigns to the shape. */
    readonly statusCode: number,
    message: string,
    /** Extra body members of the shape (never secrets). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** The request is not valid (400). */
export const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequestException', 400, message);
/** The resource does not exist (404). */
export const resourceNotFound = (message: string): AwsError => new AwsError('ResourceNotFoundException', 404, message);
/** The resource already exists (409), naming the existing one. */
export const resourceAlreadyExists = (message: string, resourceId?: string, resourceArn?: string): AwsError =>
  new AwsError('ResourceAlreadyExistsException', 409, message, {
    ...(resourceId !== undefined ? { resourceId } : {}),
    ...(resourceArn !== undefined ? { resourceArn } : {}),
  });
/** Over the API's rate (AWS IoT answers 400, not 429). */
export const throttling = (message = 'Rate exceeded'): AwsError => new AwsError('ThrottlingException', 400, message);
/** An unexpected server-side error (500). */
export const internalFailure = (message = 'An unexpected error has occurred.'): AwsError =>
  new AwsError('InternalFailureException', 500, message);
/** The service is temporarily unavailable (503). */
export const serviceUnavailable = (message = 'The service is temporarily unavailable.'): AwsError =>
  new AwsError('ServiceUnavailableException', 503, message);
/** An `expectedVersion` that no longer matches (409). */
export const versionConflict = (message: string): AwsError => new AwsError('VersionConflictException', 409, message);
/** A PEM or CSR that is not a valid certificate for the call (400). */
export const certificateValidation = (message: string): AwsError =>
  new AwsError('CertificateValidationException', 400, message);
/** The certificate's status forbids the operation (406). */
export const certificateState = (message: string): AwsError => new AwsError('CertificateStateException', 406, message);
/** The resource is still referenced by another one (409). */
export const deleteConflict = (message: string): AwsError => new AwsError('DeleteConflictException', 409, message);
/** The policy document is not valid (400). */
export const malformedPolicy = (message: string): AwsError => new AwsError('MalformedPolicyException', 400, message);
/** The policy already has its 5 versions (409). */
export const versionsLimitExceeded = (message: string): AwsError =>
  new AwsError('VersionsLimitExceededException', 409, message);
/** A numeric limit was reached (410, as the IoT model declares). */
export const limitExceeded = (message: string): AwsError => new AwsError('LimitExceededException', 410, message);
/** A fleet-indexing query the service cannot parse (400). */
export const invalidQuery = (message: string): AwsError => new AwsError('InvalidQueryException', 400, message);
/** No operation matches the method and path (404). */
export const unknownOperation = (method: string, path: string): AwsError =>
  new AwsError('UnknownOperationException', 404, `No operation matches ${method} ${path}`);
/** A request without a SigV4 Authorization header (403). */
export const missingAuthenticationToken = (): AwsError =>
  new AwsError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token');
/**
 * IAM denied the call (403). AWS's wording: "User: <principal> is not authorized to perform: <action> on
 * resource: <arn>" (https://docs.aws.amazon.com/iot/latest/developerguide/security_iam_troubleshoot.html).
 * UNCONFIRMED: the 403 status and the `AccessDeniedException` type name for IoT's control plane (IoT's
 * model declares only UnauthorizedException/401; AccessDeniedException is the name IAM denials carry in AWS's APIs).
 */
export const accessDenied = (message: string): AwsError => new AwsError('AccessDeniedException', 403, message);
