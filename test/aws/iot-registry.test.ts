/**
 * IotRegistry behaviour that a working emulator cannot show: a service without the V2 principal
 * listings, Cognito principals and targets, registration races. Everything else is in the contract test.
 */
import {
  AttachPolicyCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  InvalidRequestException,
  IoTClient,
  IoTServiceException,
  ListAttachedPoliciesCommand,
  ListPrincipalThingsCommand,
  ListPrincipalThingsV2Command,
  ListTargetsForPolicyCommand,
  ListThingGroupsForThingCommand,
  ListThingPrincipalsCommand,
  ListThingPrincipalsV2Command,
  RegisterCertificateWithoutCACommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { partitionOf } from '../../lib/aws/arns';
import { certificateIdOfPem } from '../../lib/core/certificate-id';
import { IotRegistry, type IotRegistryOptions } from '../../lib/aws/iot-registry';
import { ACCOUNT } from '../support/constants';

const iot = mockClient(IoTClient);
const CERT_A = 'a'.repeat(64);
const CERT_B = 'b'.repeat(64);
const certArn = (id: string, region = 'eu-west-1'): string => `arn:aws:iot:${region}:${ACCOUNT}:cert/${id}`;
const unknownOperation = (): IoTServiceException =>
  new IoTServiceException({ name: 'UnknownOperationException', $fault: 'client', message: 'no such op', $metadata: { httpStatusCode: 404 } });

/** A syntactically valid PEM (its DER is arbitrary bytes: the adapter only hashes it). */
const PEM = `-----BEGIN CERTIFICATE-----\n${Buffer.from('not really DER, but bytes').toString('base64')}\n-----END CERTIFICATE-----\n`;

function registry(options: Partial<IotRegistryOptions> = {}): IotRegistry {
  return new IotRegistry({
    client: new IoTClient({ region: options.region ?? 'eu-west-1', maxAttempts: 1 }),
    region: 'eu-west-1',
    quotas: { scale: 0 },
    ...options,
  });
}

beforeEach(() => iot.reset());

describe('IotRegistry principal listings', () => {
  it('reads the attachment type from ListThingPrincipalsV2 and skips principals that are not certificates', async () => {
    iot.on(ListThingPrincipalsV2Command).resolves({
      thingPrincipalObjects: [
        { principal: certArn(CERT_A), thingPrincipalType: 'EXCLUSIVE_THING' },
        { principal: 'eu-west-1:5f0b3f8e-1111-2222-3333-444455556666' },
        { principal: certArn(CERT_B) },
      ],
    });
    const warn = jest.fn();
    const r = registry({ accountId: ACCOUNT, logger: { warn } });

    const attachments = await r.listThingPrincipals('t1');

    expect(attachments).toEqual([
      { thingName: 't1', certificateId: CERT_A, type: 'EXCLUSIVE_THING' },
      { thingName: 't1', certificateId: CERT_B, type: 'NON_EXCLUSIVE_THING' },
    ]);
    expect(r.stats().skipped.principals).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('not a certificate'), expect.objectContaining({ thingName: 't1' }));
  });

  it('falls back to ListThingPrincipals when the service does not know V2, and remembers it', async () => {
    iot.on(ListThingPrincipalsV2Command).rejects(unknownOperation());
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [certArn(CERT_A)] });
    const r = registry({ accountId: ACCOUNT });

    const first = await r.listThingPrincipals('t1');
    const second = await r.listThingPrincipals('t2');

    expect(first).toEqual([{ thingName: 't1', certificateId: CERT_A, type: 'NON_EXCLUSIVE_THING' }]);
    expect(second).toEqual([{ thingName: 't2', certificateId: CERT_A, type: 'NON_EXCLUSIVE_THING' }]);
    expect(iot.commandCalls(ListThingPrincipalsV2Command)).toHaveLength(1);
    expect(r.stats().principalListingV1).toBe(true);
  });

  it('falls back to ListPrincipalThings for the reverse listing on InvalidRequestException from V2', async () => {
    iot.on(ListPrincipalThingsV2Command).rejects(new InvalidRequestException({ message: 'unknown', $metadata: { httpStatusCode: 400 } }));
    iot.on(ListPrincipalThingsCommand).resolves({ things: ['t1', 't2'] });

    const things = await registry({ accountId: ACCOUNT }).listPrincipalThings(CERT_A);

    expect(things.map((a) => a.thingName)).toEqual(['t1', 't2']);
    expect(iot.commandCalls(ListPrincipalThingsCommand)[0]?.args[0].input.principal).toBe(certArn(CERT_A));
  });

  it('decides the fallback once for both listings: after ListThingPrincipals, the reverse listing goes to V1 at once', async () => {
    iot.on(ListThingPrincipalsV2Command).rejects(unknownOperation());
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [certArn(CERT_A)] });
    iot.on(ListPrincipalThingsCommand).resolves({ things: ['t1'] });
    const r = registry({ accountId: ACCOUNT });

    await r.listThingPrincipals('t1');
    const things = await r.listPrincipalThings(CERT_A);

    expect(things).toEqual([{ thingName: 't1', certificateId: CERT_A, type: 'NON_EXCLUSIVE_THING' }]);
    expect(iot.commandCalls(ListPrincipalThingsV2Command)).toHaveLength(0);
  });

  it('does not remember the fallback when V1 finds the thing missing', async () => {
    iot.on(ListThingPrincipalsV2Command).rejects(unknownOperation());
    iot.on(ListThingPrincipalsCommand).rejects(new ResourceNotFoundException({ message: 'no thing', $metadata: { httpStatusCode: 404 } }));
    const warn = jest.fn();
    const r = registry({ accountId: ACCOUNT, logger: { warn } });

    await expect(r.listThingPrincipals('ghost')).resolves.toEqual([]);

    expect(r.stats().principalListingV1).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('does not fall back when V2 says the thing is missing: it has no principals', async () => {
    iot.on(ListThingPrincipalsV2Command).rejects(new ResourceNotFoundException({ message: 'no thing', $metadata: { httpStatusCode: 404 } }));

    const r = registry({ accountId: ACCOUNT });

    await expect(r.listThingPrincipals('ghost')).resolves.toEqual([]);
    expect(iot.commandCalls(ListThingPrincipalsCommand)).toHaveLength(0);
    expect(r.stats().principalListingV1).toBe(false);
  });
});

describe('IotRegistry policy targets', () => {
  it('keeps certificate and thing-group targets as keys and skips the others', async () => {
    iot.on(ListTargetsForPolicyCommand).resolves({
      targets: [
        certArn(CERT_A),
        `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/floor-1`,
        'eu-west-1:5f0b3f8e-1111-2222-3333-444455556666',
      ],
    });
    const r = registry();

    const targets = await r.listPolicyTargets('p1');

    expect(targets).toEqual([
      { kind: 'certificate', certificateId: CERT_A },
      { kind: 'thingGroup', groupName: 'floor-1' },
    ]);
    expect(r.stats().skipped.policyTargets).toBe(1);
  });
});

describe('IotRegistry account ID', () => {
  it('learns the account ID with one describe of the certificate it attaches, then builds ARNs itself', async () => {
    iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { certificateId: CERT_A, certificateArn: certArn(CERT_A) } });
    iot.on(AttachPolicyCommand).resolves({});
    const r = registry();

    await r.attachPolicy('p1', { kind: 'certificate', certificateId: CERT_A });
    await r.attachPolicy('p2', { kind: 'certificate', certificateId: CERT_B });

    expect(iot.commandCalls(DescribeCertificateCommand)).toHaveLength(1);
    expect(iot.commandCalls(AttachPolicyCommand).map((c) => c.args[0].input.target)).toEqual([certArn(CERT_A), certArn(CERT_B)]);
  });

  it('learns the account ID from an ARN in any earlier response', async () => {
    iot.on(DescribeThingCommand).resolves({ thingName: 't1', thingArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:thing/t1` });
    iot.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [] });
    iot.on(ListAttachedPoliciesCommand).resolves({ policies: [{ policyName: 'p1' }] });
    const r = registry();

    await r.getThing('t1');
    const policies = await r.listAttachedPolicies({ kind: 'thingGroup', groupName: 'g1' });

    expect(policies).toEqual(['p1']);
    expect(iot.commandCalls(DescribeThingGroupCommand)).toHaveLength(0);
    expect(iot.commandCalls(ListAttachedPoliciesCommand)[0]?.args[0].input.target).toBe(
      `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/g1`,
    );
  });

  it('builds ARNs in the partition of the region', async () => {
    iot.on(AttachPolicyCommand).resolves({});
    const r = registry({ region: 'cn-north-1', accountId: ACCOUNT });

    await r.attachPolicy('p1', { kind: 'thingGroup', groupName: 'g1' });

    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(iot.commandCalls(AttachPolicyCommand)[0]?.args[0].input.target).toBe(`arn:aws-cn:iot:cn-north-1:${ACCOUNT}:thinggroup/g1`);
  });

  it('answers ResourceNotFoundError for an attach to a certificate that does not exist', async () => {
    iot.on(DescribeCertificateCommand).rejects(new ResourceNotFoundException({ message: 'none', $metadata: { httpStatusCode: 404 } }));

    await expect(registry().attachThingPrincipal('t1', CERT_A, 'EXCLUSIVE_THING')).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      message: expect.stringContaining(`t1|${CERT_A}`),
    });
    expect(iot.commandCalls(AttachPolicyCommand)).toHaveLength(0);
  });
});

describe('IotRegistry.registerCertificate', () => {
  it('treats ResourceAlreadyExistsException for the same ID as success', async () => {
    const id = certificateIdOfPem(PEM);
    iot.on(RegisterCertificateWithoutCACommand).rejects(
      new ResourceAlreadyExistsException({ message: 'exists', resourceId: id, $metadata: { httpStatusCode: 409 } }),
    );

    await expect(registry().registerCertificate({ certificatePem: PEM, status: 'INACTIVE' })).resolves.toBeUndefined();
  });

  it('reports a conflict when the existing resource has another ID', async () => {
    iot.on(RegisterCertificateWithoutCACommand).rejects(
      new ResourceAlreadyExistsException({ message: 'exists', resourceId: CERT_B, $metadata: { httpStatusCode: 409 } }),
    );

    await expect(registry().registerCertificate({ certificatePem: PEM, status: 'ACTIVE' })).rejects.toMatchObject({
      name: 'ResourceConflictError',
    });
  });
});

describe('IotRegistry.getThing', () => {
  it('keeps static memberships and describes each unknown group once', async () => {
    iot.on(DescribeThingCommand).resolves({ thingName: 't1', attributes: { a: '1' } });
    iot.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: 'static-1' }, { groupName: 'dyn-1' }] });
    iot.on(DescribeThingGroupCommand, { thingGroupName: 'static-1' }).resolves({ thingGroupName: 'static-1' });
    iot
      .on(DescribeThingGroupCommand, { thingGroupName: 'dyn-1' })
      .resolves({ thingGroupName: 'dyn-1', queryString: 'attributes.a:1', indexName: 'AWS_Things' });
    const r = registry({ accountId: ACCOUNT });

    const first = await r.getThing('t1');
    const second = await r.getThing('t1');

    expect(first).toEqual({ name: 't1', attributes: { a: '1' }, groupNames: ['static-1'] });
    expect(second).toEqual(first);
    expect(iot.commandCalls(DescribeThingGroupCommand)).toHaveLength(2);
  });
});
