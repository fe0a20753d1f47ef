import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListCACertificatesCommand,
  ListCertificatesByCACommand,
  ListCertificatesCommand,
  ListTargetsForPolicyCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  ResourceAlreadyExistsException,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { csr, failure, iot, makeCa, policyDocument, PRIMARY, SECONDARY, selfSigned, start, uniqueName } from '../support/emulator';

const sha256OfDer = (pem: string): string => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

describe('emulator: certificates', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;
  let secondary: IoTClient;

  beforeAll(async () => {
    emulator = await start();
    client = iot(emulator, PRIMARY);
    secondary = iot(emulator, SECONDARY);
  });
  afterAll(async () => {
    client.destroy();
    secondary.destroy();
    await emulator.close();
  });

  it('CreateKeysAndCertificate issues a real X.509 certificate whose ID is the SHA-256 of its DER, and returns the key once', async () => {
    const created = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    expect(created.keyPair?.PrivateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(created.keyPair?.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const pem = created.certificatePem as string;
    expect(created.certificateId).toBe(sha256OfDer(pem));
    expect(new X509Certificate(pem).checkPrivateKey(createPrivateKey(created.keyPair?.PrivateKey as string))).toBe(true);
    const described = await client.send(new DescribeCertificateCommand({ certificateId: created.certificateId }));
    expect(described.certificateDescription).toMatchObject({ status: 'ACTIVE', certificateMode: 'DEFAULT', certificatePem: pem });
    expect(JSON.stringify(described)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(emulator.dump(PRIMARY))).not.toContain('PRIVATE KEY');
    expect(described.certificateDescription?.validity?.notAfter?.toISOString()).toBe('2049-12-31T23:59:59.000Z');
  });

  it('CreateKeysAndCertificate without setAsActive gives an INACTIVE certificate', async () => {
    const created = await client.send(new CreateKeysAndCertificateCommand({}));
    expect((await client.send(new DescribeCertificateCommand({ certificateId: created.certificateId }))).certificateDescription?.status).toBe('INACTIVE');
  });

  it('CreateCertificateFromCsr certifies the CSR key and rejects a bad CSR', async () => {
    const created = await client.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: await csr('device-1'), setAsActive: true }));
    expect(created.certificateId).toBe(sha256OfDer(created.certificatePem as string));
    expect((await failure(client.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'not a csr' })))).name).toBe('InvalidRequestException');
  });

  it('registers the same PEM in two regions with the same ID, in SNI_ONLY mode, once per region', async () => {
    const pem = (await client.send(new CreateKeysAndCertificateCommand({}))).certificatePem as string;
    const id = sha256OfDer(pem);
    expect((await failure(client.send(new RegisterCertificateWithoutCACommand({ certificatePem: pem })))).name).toBe('ResourceAlreadyExistsException');
    const registered = await secondary.send(new RegisterCertificateWithoutCACommand({ certificatePem: pem, status: 'ACTIVE' }));
    expect(registered.certificateId).toBe(id);
    expect(registered.certificateArn).toBe(`arn:aws:iot:${SECONDARY}:123456789012:cert/${id}`);
    const described = await secondary.send(new DescribeCertificateCommand({ certificateId: id }));
    expect(described.certificateDescription).toMatchObject({ status: 'ACTIVE', certificateMode: 'SNI_ONLY' });
    expect(described.certificateDescription?.caCertificateId).toBeUndefined();
    const again = await failure(secondary.send(new RegisterCertificateWithoutCACommand({ certificatePem: pem })));
    expect(again).toBeInstanceOf(ResourceAlreadyExistsException);
    expect((again as ResourceAlreadyExistsException).resourceId).toBe(id);
  });

  it('answers an invalid or expired PEM with CertificateValidationException', async () => {
    const invalid = await failure(client.send(new RegisterCertificateWithoutCACommand({ certificatePem: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----' })));
    expect(invalid.name).toBe('CertificateValidationException');
    expect(invalid.$metadata.httpStatusCode).toBe(400);
    const expired = await selfSigned('old', new Date(Date.now() - 86400_000));
    expect((await failure(client.send(new RegisterCertificateWithoutCACommand({ certificatePem: expired })))).name).toBe('CertificateValidationException');
  });

  it('RegisterCertificate requires the issuing CA registered and ACTIVE in the region, and records it', async () => {
    const ca = await makeCa(uniqueName('ca'));
    const leaf = await ca.issue('leaf-1');
    expect((await failure(client.send(new RegisterCertificateCommand({ certificatePem: leaf })))).name).toBe('CertificateValidationException');
    const caReg = await client.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY' }));
    expect((await failure(client.send(new RegisterCertificateCommand({ certificatePem: leaf })))).message).toMatch(/not ACTIVE/);
    await client.send(new UpdateCACertificateCommand({ certificateId: caReg.certificateId, newStatus: 'ACTIVE' }));
    const reg = await client.send(new RegisterCertificateCommand({ certificatePem: leaf, setAsActive: true }));
    const described = await client.send(new DescribeCertificateCommand({ certificateId: reg.certificateId }));
    expect(described.certificateDescription).toMatchObject({ caCertificateId: caReg.certificateId, status: 'ACTIVE', certificateMode: 'SNI_ONLY' });
    const byCa = await client.send(new ListCertificatesByCACommand({ caCertificateId: caReg.certificateId }));
    expect(byCa.certificates?.map((c) => c.certificateId)).toEqual([reg.certificateId]);
    expect((await failure(secondary.send(new RegisterCertificateCommand({ certificatePem: leaf })))).name).toBe('CertificateValidationException');
  });

  it('RegisterCACertificate: SNI_ONLY needs no verification certificate, DEFAULT requires one signed by the CA', async () => {
    const ca = await makeCa(uniqueName('ca-default'));
    expect((await failure(client.send(new RegisterCACertificateCommand({ caCertificate: ca.pem })))).name).toBe('InvalidRequestException');
    const other = await makeCa(uniqueName('other'));
    const wrongVerification = await other.issue('code');
    expect((await failure(client.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: wrongVerification })))).name).toBe(
      'CertificateValidationException',
    );
    const reg = await client.send(
      new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: await ca.issue('registration-code'), setAsActive: true, allowAutoRegistration: true }),
    );
    const described = await client.send(new DescribeCACertificateCommand({ certificateId: reg.certificateId }));
    expect(described.certificateDescription).toMatchObject({ status: 'ACTIVE', certificateMode: 'DEFAULT', autoRegistrationStatus: 'ENABLE' });
    expect(reg.certificateArn).toBe(`arn:aws:iot:${PRIMARY}:123456789012:cacert/${reg.certificateId}`);
    expect((await failure(client.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY' })))).name).toBe(
      'ResourceAlreadyExistsException',
    );
    const leafPem = await selfSigned('not-a-ca');
    expect((await failure(client.send(new RegisterCACertificateCommand({ caCertificate: leafPem, certificateMode: 'SNI_ONLY' })))).name).toBe(
      'CertificateValidationException',
    );
  });

  it('deletes a CA certificate only when not ACTIVE and lists CA certificates', async () => {
    const ca = await makeCa(uniqueName('ca-del'));
    const reg = await client.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY', setAsActive: true }));
    expect((await client.send(new ListCACertificatesCommand({ pageSize: 250 }))).certificates?.map((c) => c.certificateId)).toContain(reg.certificateId);
    expect((await failure(client.send(new DeleteCACertificateCommand({ certificateId: reg.certificateId })))).name).toBe('CertificateStateException');
    await client.send(new UpdateCACertificateCommand({ certificateId: reg.certificateId, newStatus: 'INACTIVE' }));
    await client.send(new DeleteCACertificateCommand({ certificateId: reg.certificateId }));
    expect((await failure(client.send(new DescribeCACertificateCommand({ certificateId: reg.certificateId })))).name).toBe('ResourceNotFoundException');
  });

  it('never lets a REVOKED certificate become ACTIVE or INACTIVE', async () => {
    const { certificateId } = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await client.send(new UpdateCertificateCommand({ certificateId, newStatus: 'REVOKED' }));
    for (const newStatus of ['ACTIVE', 'INACTIVE'] as const) {
      const err = await failure(client.send(new UpdateCertificateCommand({ certificateId, newStatus })));
      expect(err.name).toBe('CertificateStateException');
      expect(err.$metadata.httpStatusCode).toBe(406);
    }
    expect((await failure(client.send(new UpdateCertificateCommand({ certificateId, newStatus: 'PENDING_TRANSFER' })))).name).toBe('InvalidRequestException');
  });

  it('refuses DeleteCertificate while ACTIVE, attached to a thing or (without forceDelete) to a policy', async () => {
    const { certificateId, certificateArn } = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    expect((await failure(client.send(new DeleteCertificateCommand({ certificateId })))).name).toBe('CertificateStateException');
    await client.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
    const thing = uniqueName('holder');
    await client.send(new CreateThingCommand({ thingName: thing }));
    await client.send(new AttachThingPrincipalCommand({ thingName: thing, principal: certificateArn }));
    expect((await failure(client.send(new DeleteCertificateCommand({ certificateId, forceDelete: true })))).name).toBe('DeleteConflictException');
    await client.send(new DetachThingPrincipalCommand({ thingName: thing, principal: certificateArn }));
    const policy = uniqueName('p');
    await client.send(new CreatePolicyCommand({ policyName: policy, policyDocument: policyDocument() }));
    await client.send(new AttachPolicyCommand({ policyName: policy, target: certificateArn }));
    const conflict = await failure(client.send(new DeleteCertificateCommand({ certificateId })));
    expect(conflict.name).toBe('DeleteConflictException');
    expect(conflict.$metadata.httpStatusCode).toBe(409);
    await client.send(new DeleteCertificateCommand({ certificateId, forceDelete: true }));
    expect((await client.send(new ListTargetsForPolicyCommand({ policyName: policy }))).targets).toEqual([]);
    expect((await failure(client.send(new DescribeCertificateCommand({ certificateId })))).name).toBe('ResourceNotFoundException');
  });

  it('lists certificates newest first by default and oldest first with ascendingOrder', async () => {
    const fresh = await start();
    const c = iot(fresh);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await c.send(new CreateKeysAndCertificateCommand({}))).certificateId as string);
      const desc = await c.send(new ListCertificatesCommand({}));
      expect(desc.certificates?.map((x) => x.certificateId)).toEqual([...ids].reverse());
      const asc = await c.send(new ListCertificatesCommand({ ascendingOrder: true }));
      expect(asc.certificates?.map((x) => x.certificateId)).toEqual(ids);
      expect(asc.certificates?.[0]).toMatchObject({ status: 'INACTIVE', certificateMode: 'DEFAULT', creationDate: expect.any(Date) });
    } finally {
      c.destroy();
      await fresh.close();
    }
  });
});
