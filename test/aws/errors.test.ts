import {
  AttachPolicyCommand,
  CertificateStateException,
  CertificateValidationException,
  ConflictingResourceUpdateException,
  CreateDynamicThingGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DescribeThingCommand,
  GetPolicyCommand,
  InternalFailureException,
  InvalidQueryException,
  InvalidRequestException,
  IoTClient,
  IoTServiceException,
  LimitExceededException,
  ListThingsCommand,
  MalformedPolicyException,
  RegisterCertificateWithoutCACommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
  UnauthorizedException,
  UpdateCertificateCommand,
  UpdateThingCommand,
  UpdateThingGroupCommand,
  VersionConflictException,
  VersionsLimitExceededException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { translateServiceError } from '../../lib/aws/errors';
import { IotRegistry } from '../../lib/aws/iot-registry';
import { DOMAIN_ERRORS, isRetryable, ResourceNotFoundError, ThrottledError } from '../../lib/core/errors';

const CERT_ID = 'a'.repeat(64);
const meta = (httpStatusCode = 400): { httpStatusCode: number } => ({ httpStatusCode });

const iot = mockClient(IoTClient);

function registry(): IotRegistry {
  // scale 0: no pacing; the mock replaces `send`, so the pacer's retries do not run here anyway.
  return new IotRegistry({
    client: new IoTClient({ region: 'eu-west-1', maxAttempts: 1 }),
    region: 'eu-west-1',
    accountId: '123456789012',
    quotas: { scale: 0 },
  });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

beforeEach(() => iot.reset());

describe('IotRegistry error translation', () => {
  const cases: Array<{
    exception: Error;
    /** The mocked command that fails. */
    stub: () => { rejects(error: unknown): unknown };
    act: (r: IotRegistry) => Promise<unknown>;
    domain: keyof typeof DOMAIN_ERRORS;
    operation: string;
    key: string;
  }> = [
    {
      exception: new ThrottlingException({ message: 'Rate exceeded', $metadata: meta() }),
      stub: () => iot.on(DescribeThingCommand),
      act: (r) => r.getThing('t1'),
      domain: 'ThrottledError',
      operation: 'DescribeThing',
      key: 'thing/t1',
    },
    {
      exception: new LimitExceededException({ message: 'Rate exceeded', $metadata: meta(410) }),
      stub: () => iot.on(ListThingsCommand),
      act: (r) => r.listThingNames({}),
      domain: 'ThrottledError',
      operation: 'ListThings',
      key: 'things',
    },
    {
      exception: new LimitExceededException({ message: 'too many policies', $metadata: meta(410) }),
      stub: () => iot.on(AttachPolicyCommand),
      act: (r) => r.attachPolicy('p1', { kind: 'certificate', certificateId: CERT_ID }),
      domain: 'ResourceConflictError',
      operation: 'AttachPolicy',
      key: `p1|cert:${CERT_ID}`,
    },
    {
      exception: new InternalFailureException({ message: 'oops', $metadata: meta(500) }),
      stub: () => iot.on(CreateThingCommand),
      act: (r) => r.createThing({ name: 't1', attributes: {} }),
      domain: 'TransientServiceError',
      operation: 'CreateThing',
      key: 'thing/t1',
    },
    {
      exception: new ServiceUnavailableException({ message: 'later', $metadata: meta(503) }),
      stub: () => iot.on(GetPolicyCommand),
      act: (r) => r.getPolicy('p1'),
      domain: 'TransientServiceError',
      operation: 'GetPolicy',
      key: 'policy/p1',
    },
    {
      exception: new IoTServiceException({ name: 'Unknown', $fault: 'server', message: 'bad gateway', $metadata: meta(502) }),
      stub: () => iot.on(GetPolicyCommand),
      act: (r) => r.getPolicy('p1'),
      domain: 'TransientServiceError',
      operation: 'GetPolicy',
      key: 'policy/p1',
    },
    {
      exception: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      stub: () => iot.on(DescribeThingCommand),
      act: (r) => r.getThing('t1'),
      domain: 'TransientServiceError',
      operation: 'DescribeThing',
      key: 'thing/t1',
    },
    {
      exception: Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
      stub: () => iot.on(DescribeThingCommand),
      act: (r) => r.getThing('t1'),
      domain: 'TransientServiceError',
      operation: 'DescribeThing',
      key: 'thing/t1',
    },
    {
      exception: new ResourceNotFoundException({ message: 'no type', $metadata: meta(404) }),
      stub: () => iot.on(CreateThingCommand),
      act: (r) => r.createThing({ name: 't1', thingTypeName: 'sensor', attributes: {} }),
      domain: 'ResourceNotFoundError',
      operation: 'CreateThing',
      key: 'thing/t1',
    },
    {
      exception: new ResourceAlreadyExistsException({ message: 'exists', $metadata: meta(409) }),
      stub: () => iot.on(CreateThingTypeCommand),
      act: (r) => r.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false }),
      domain: 'ResourceConflictError',
      operation: 'CreateThingType',
      key: 'thingType/sensor',
    },
    {
      exception: new DeleteConflictException({ message: 'attached', $metadata: meta(409) }),
      stub: () => iot.on(DeleteCertificateCommand),
      act: (r) => r.deleteCertificate(CERT_ID),
      domain: 'ResourceConflictError',
      operation: 'DeleteCertificate',
      key: `cert/${CERT_ID}`,
    },
    {
      exception: new VersionConflictException({ message: 'stale', $metadata: meta(409) }),
      stub: () => iot.on(UpdateThingCommand),
      act: (r) => r.updateThing({ name: 't1', attributes: {} }),
      domain: 'ResourceConflictError',
      operation: 'UpdateThing',
      key: 'thing/t1',
    },
    {
      exception: new ConflictingResourceUpdateException({ message: 'concurrent', $metadata: meta(409) }),
      stub: () => iot.on(UpdateThingGroupCommand),
      act: (r) => r.updateThingGroup({ kind: 'static', name: 'g1', attributes: {} }),
      domain: 'ResourceConflictError',
      operation: 'UpdateThingGroup',
      key: 'thingGroup/g1',
    },
    {
      exception: new InvalidRequestException({ message: 'bad attribute', $metadata: meta() }),
      stub: () => iot.on(CreateThingCommand),
      act: (r) => r.createThing({ name: 't1', attributes: { a: 'b' } }),
      domain: 'InvalidResourceError',
      operation: 'CreateThing',
      key: 'thing/t1',
    },
    {
      exception: new MalformedPolicyException({ message: 'bad json', $metadata: meta() }),
      stub: () => iot.on(CreatePolicyCommand),
      act: (r) => r.createPolicy('p1', '{'),
      domain: 'InvalidResourceError',
      operation: 'CreatePolicy',
      key: 'policy/p1',
    },
    {
      exception: new CertificateValidationException({ message: 'bad pem', $metadata: meta() }),
      stub: () => iot.on(RegisterCertificateWithoutCACommand),
      act: (r) => r.registerCertificate({ certificatePem: 'not a pem', status: 'ACTIVE' }),
      domain: 'InvalidResourceError',
      operation: 'RegisterCertificateWithoutCA',
      key: 'cert/',
    },
    {
      exception: new InvalidQueryException({ message: 'bad query', $metadata: meta() }),
      stub: () => iot.on(CreateDynamicThingGroupCommand),
      act: (r) => r.createThingGroup({ kind: 'dynamic', name: 'd1', queryString: 'x:', attributes: {} }),
      domain: 'InvalidResourceError',
      operation: 'CreateDynamicThingGroup',
      key: 'thingGroup/d1',
    },
    {
      exception: new CertificateStateException({ message: 'revoked', $metadata: meta(406) }),
      stub: () => iot.on(UpdateCertificateCommand),
      act: (r) => r.updateCertificateStatus(CERT_ID, 'ACTIVE'),
      domain: 'CertificateStateError',
      operation: 'UpdateCertificate',
      key: `cert/${CERT_ID}`,
    },
    {
      exception: new VersionsLimitExceededException({ message: 'five', $metadata: meta(409) }),
      stub: () => iot.on(CreatePolicyVersionCommand),
      act: (r) => r.createPolicyVersion('p1', '{}'),
      domain: 'PolicyVersionLimitError',
      operation: 'CreatePolicyVersion',
      key: 'policy/p1',
    },
    {
      exception: new UnauthorizedException({ message: 'no', $metadata: meta(401) }),
      stub: () => iot.on(GetPolicyCommand),
      act: (r) => r.getPolicy('p1'),
      domain: 'AccessDeniedError',
      operation: 'GetPolicy',
      key: 'policy/p1',
    },
    {
      exception: new IoTServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: meta(403) }),
      stub: () => iot.on(GetPolicyCommand),
      act: (r) => r.getPolicy('p1'),
      domain: 'AccessDeniedError',
      operation: 'GetPolicy',
      key: 'policy/p1',
    },
    {
      exception: new IoTServiceException({ name: 'TotallyMadeUpException', $fault: 'client', message: 'huh', $metadata: meta() }),
      stub: () => iot.on(GetPolicyCommand),
      act: (r) => r.getPolicy('p1'),
      domain: 'UnexpectedServiceError',
      operation: 'GetPolicy',
      key: 'policy/p1',
    },
  ];

  /** How a case reads in its title: the service's error name, or the socket error code. */
  const labelled = cases.map((c) => {
    const code = (c.exception as { code?: string }).code;
    const status = (c.exception as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const label = code ?? (c.exception.name === 'Unknown' ? `an untyped HTTP ${status}` : c.exception.name);
    return { ...c, label };
  });

  it.each(labelled)('turns $label from $operation into $domain', async ({ exception, stub, act, domain, operation, key }) => {
    stub().rejects(exception);

    const error = await failureOf(act(registry()));

    expect(error.name).toBe(domain);
    expect(error).toBeInstanceOf(DOMAIN_ERRORS[domain]);
    expect(error.message).toContain(operation);
    expect(error.message).toContain(key);
    expect(error.message).toContain(exception.name);
    expect(error.cause).toBe(exception);
  });

  it('answers undefined from a get* when the resource is missing', async () => {
    iot.on(DescribeThingCommand).rejects(new ResourceNotFoundException({ message: 'none', $metadata: meta(404) }));
    iot.on(GetPolicyCommand).rejects(new ResourceNotFoundException({ message: 'none', $metadata: meta(404) }));

    await expect(registry().getThing('t1')).resolves.toBeUndefined();
    await expect(registry().getPolicy('p1')).resolves.toBeUndefined();
  });

  it('keeps retryability with the core: throttled and transient are retryable, the rest are not', () => {
    const throttled = translateServiceError(new ThrottlingException({ message: 'x', $metadata: meta() }), {
      operation: 'ListThings',
      key: 'things',
    });
    const missing = translateServiceError(new ResourceNotFoundException({ message: 'x', $metadata: meta(404) }), {
      operation: 'DescribeThing',
      key: 'thing/t1',
    });

    expect(throttled).toBeInstanceOf(ThrottledError);
    expect(isRetryable(throttled)).toBe(true);
    expect(missing).toBeInstanceOf(ResourceNotFoundError);
    expect(isRetryable(missing)).toBe(false);
  });

  it('passes a domain error through unchanged', () => {
    const original = new ThrottledError('already translated');

    expect(translateServiceError(original, { operation: 'ListThings', key: 'things' })).toBe(original);
  });
});
