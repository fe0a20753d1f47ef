import { certificateIdOf, selfSignedCertificate } from '../../lib/local/certificates';
import { InMemoryRegistry } from '../support/in-memory-registry';

const registry = (now = () => 0) => new InMemoryRegistry({ region: 'eu-west-1', now });

describe('InMemoryRegistry (the AWS rules the core depends on)', () => {
  it('computes certificate IDs as the SHA-256 of the DER, as AWS does', async () => {
    const cert = await selfSignedCertificate();
    const r = registry();
    await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    expect(cert.certificateId).toBe(certificateIdOf(cert.certificatePem));
    expect(await r.getCertificate(cert.certificateId)).toMatchObject({ status: 'ACTIVE', certificateMode: 'SNI_ONLY' });
  });

  it('refuses an invalid PEM, an unknown type, and a deprecated type for a new thing', async () => {
    const r = registry();
    await expect(r.registerCertificate({ certificatePem: 'garbage', status: 'ACTIVE' })).rejects.toThrow(expect.objectContaining({ name: 'InvalidResourceError' }));
    await expect(r.createThing({ name: 't', thingTypeName: 'nope', attributes: {} })).rejects.toThrow(expect.objectContaining({ name: 'ResourceNotFoundError' }));
    await r.createThingType({ name: 'old', searchableAttributes: [], deprecated: false });
    await r.setThingTypeDeprecated('old', true);
    await expect(r.createThing({ name: 't', thingTypeName: 'old', attributes: {} })).rejects.toThrow(expect.objectContaining({ name: 'InvalidResourceError' }));
  });

  it('keeps REVOKED final and refuses to delete an ACTIVE or attached certificate', async () => {
    const r = registry();
    const cert = await selfSignedCertificate();
    await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    await expect(r.deleteCertificate(cert.certificateId)).rejects.toThrow(expect.objectContaining({ name: 'CertificateStateError' }));
    await r.createThing({ name: 't', attributes: {} });
    await r.attachThingPrincipal('t', cert.certificateId, 'NON_EXCLUSIVE_THING');
    await r.updateCertificateStatus(cert.certificateId, 'REVOKED');
    await expect(r.updateCertificateStatus(cert.certificateId, 'ACTIVE')).rejects.toThrow(expect.objectContaining({ name: 'CertificateStateError' }));
    await expect(r.deleteCertificate(cert.certificateId)).rejects.toThrow(expect.objectContaining({ name: 'ResourceConflictError' }));
    await expect(r.deleteThing('t')).rejects.toThrow(expect.objectContaining({ name: 'ResourceConflictError' }));
  });

  it('limits a policy to 5 versions and refuses to delete an attached policy', async () => {
    const r = registry();
    const cert = await selfSignedCertificate();
    await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    await r.createPolicy('p', '{}');
    for (let i = 0; i < 4; i += 1) await r.createPolicyVersion('p', `{"v":${i}}`);
    await expect(r.createPolicyVersion('p', '{}')).rejects.toThrow(expect.objectContaining({ name: 'PolicyVersionLimitError' }));
    await r.attachPolicy('p', { kind: 'certificate', certificateId: cert.certificateId });
    await expect(r.deletePolicy('p')).rejects.toThrow(expect.objectContaining({ name: 'ResourceConflictError' }));
  });

  it('refuses to delete a group with children and a type deprecated less than 5 minutes ago', async () => {
    let clock = 0;
    const r = registry(() => clock);
    await r.createThingGroup({ kind: 'static', name: 'root', attributes: {} });
    await r.createThingGroup({ kind: 'static', name: 'leaf', parentName: 'root', attributes: {} });
    await expect(r.deleteThingGroup('root', 'static')).rejects.toThrow(expect.objectContaining({ name: 'ResourceConflictError' }));
    await r.createThingType({ name: 'old', searchableAttributes: [], deprecated: false });
    await r.setThingTypeDeprecated('old', true);
    clock += 4 * 60 * 1000;
    await expect(r.deleteThingType('old')).rejects.toThrow(expect.objectContaining({ name: 'ResourceConflictError' }));
    clock += 60 * 1000;
    await r.deleteThingType('old');
    expect(await r.getThingType('old')).toBeUndefined();
  });

  it('refuses a thing in two groups of one hierarchy', async () => {
    const r = registry();
    await r.createThingGroup({ kind: 'static', name: 'root', attributes: {} });
    await r.createThingGroup({ kind: 'static', name: 'a', parentName: 'root', attributes: {} });
    await r.createThingGroup({ kind: 'static', name: 'b', parentName: 'root', attributes: {} });
    await r.createThing({ name: 't', attributes: {} });
    await r.addThingToGroup('t', { name: 'a' });
    await expect(r.addThingToGroup('t', { name: 'b' })).rejects.toThrow(expect.objectContaining({ name: 'ResourceConflictError' }));
  });

  it('logs every call and tells write calls apart', async () => {
    const r = registry();
    await r.getThing('x');
    await r.createThing({ name: 'x', attributes: {} });
    expect(r.calls.map((c) => c.method)).toEqual(['getThing', 'createThing']);
    expect(r.writeCalls()).toEqual([{ method: 'createThing', args: [{ name: 'x', attributes: {} }] }]);
  });
});
