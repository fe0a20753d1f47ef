import attachPolicy from '../fixtures/events/cloudtrail-attach-policy.json';
import createKeys from '../fixtures/events/cloudtrail-create-keys-and-certificate.json';
import membershipAdded from '../fixtures/events/registry-thing-group-membership-added.json';
import { normaliseEvent, SYNCED_API_CALLS } from '../../lib/events/normalise';

const CERT = 'a'.repeat(64);
const ARN_PREFIX = 'arn:aws:iot:us-east-1:123456789012';

/** An EventBridge envelope of a CloudTrail IoT call with the given detail fields. */
function cloudTrail(eventName: string, requestParameters: Record<string, unknown>, responseElements: Record<string, unknown> | null = null) {
  return {
    ...attachPolicy,
    detail: { ...attachPolicy.detail, eventName, requestParameters, responseElements },
  };
}

/** An EventBridge envelope of a forwarded registry event on the given topic. */
function registryEvent(topic: string, eventType = 'THING_EVENT', operation = 'UPDATED') {
  return { ...membershipAdded, detail: { ...membershipAdded.detail, topic, eventType, operation } };
}

describe('normaliseEvent', () => {
  it('names the policy target of AttachPolicy given as `target` (the request’s name) as well as `principal` (AWS’s sample record)', () => {
    const viaTarget = normaliseEvent(cloudTrail('AttachPolicy', { policyName: 'p', target: `${ARN_PREFIX}:cert/${CERT}` }));
    const viaPrincipal = normaliseEvent(cloudTrail('DetachPolicy', { policyName: 'p', principal: `${ARN_PREFIX}:thinggroup/g-1` }));
    expect(viaTarget).toMatchObject({ status: 'change', change: { ref: { kind: 'policyAttachments', target: { kind: 'certificate', certificateId: CERT } } } });
    expect(viaPrincipal).toMatchObject({ status: 'change', change: { ref: { kind: 'policyAttachments', target: { kind: 'thingGroup', groupName: 'g-1' } } } });
  });

  it('names the policy target of a CloudTrail AttachPolicy call, keyed by certificate ID', () => {
    const result = normaliseEvent(attachPolicy);
    expect(result).toEqual({
      status: 'change',
      change: {
        eventId: 'd8f2b0a4-7c35-4e0c-9f7e-0a6b2c1d3e4f',
        eventTime: '2026-11-23T10:15:29Z',
        sourceRegion: 'us-east-1',
        origin: 'cloudtrail',
        operation: 'AttachPolicy',
        ref: { kind: 'policyAttachments', target: { kind: 'certificate', certificateId: '3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a' } },
      },
    });
  });

  it('takes a new certificate ID from the response elements', () => {
    const result = normaliseEvent(createKeys);
    expect(result.status === 'change' && result.change.ref).toEqual({
      kind: 'certificate',
      certificateId: '9c1f0e2d3b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716051a2b3c4d5e6',
    });
  });

  it('takes the certificate ID from the certificate ARN when the response elements carry only the ARN', () => {
    const result = normaliseEvent(cloudTrail('CreateCertificateFromCsr', { setAsActive: true }, { certificateArn: `${ARN_PREFIX}:cert/${CERT}` }));
    expect(result).toMatchObject({ status: 'change', change: { ref: { kind: 'certificate', certificateId: CERT } } });
  });

  it.each([
    ['omitted', null],
    ['redacted to an empty object', {}],
  ])('reports a certificate creation whose response elements are %s as unresolved, not as an error', (_how, responseElements) => {
    const result = normaliseEvent({ ...createKeys, detail: { ...createKeys.detail, responseElements } });
    expect(result).toEqual({
      status: 'unresolved',
      reason: expect.stringContaining('CreateKeysAndCertificate: the record carries no certificate ID'),
      eventId: createKeys.detail.eventID,
      operation: 'CreateKeysAndCertificate',
      eventTime: createKeys.detail.eventTime,
    });
  });

  it('takes the thing name of a membership event from its topic (the payload carries only ARNs)', () => {
    const result = normaliseEvent(membershipAdded);
    expect(result).toMatchObject({
      status: 'change',
      change: { origin: 'registry', operation: 'THING_GROUP_MEMBERSHIP_EVENT:ADDED', ref: { kind: 'thing', name: 'sensor-0042' }, eventTime: new Date(1795428999123).toISOString() },
    });
  });

  it.each([
    ['CreateThing', { thingName: 't-1' }, null, { kind: 'thing', name: 't-1' }],
    ['UpdateThing', { thingName: 't-1', attributePayload: { attributes: { a: '1' } } }, null, { kind: 'thing', name: 't-1' }],
    ['DeleteThing', { thingName: 't-1' }, null, { kind: 'thing', name: 't-1' }],
    ['AddThingToThingGroup', { thingArn: `${ARN_PREFIX}:thing/t-2`, thingGroupName: 'g' }, null, { kind: 'thing', name: 't-2' }],
    ['RemoveThingFromThingGroup', { thingName: 't-3', thingGroupName: 'g' }, null, { kind: 'thing', name: 't-3' }],
    ['DeprecateThingType', { thingTypeName: 'sensor', undoDeprecate: false }, null, { kind: 'thingType', name: 'sensor' }],
    ['CreateThingGroup', { thingGroupName: 'floor-1', parentGroupName: 'building-7' }, null, { kind: 'thingGroup', name: 'floor-1' }],
    ['CreateDynamicThingGroup', { thingGroupName: 'low-battery', queryString: 'attributes.battery:low' }, null, { kind: 'thingGroup', name: 'low-battery' }],
    ['UpdateCertificate', { certificateId: CERT, newStatus: 'REVOKED' }, null, { kind: 'certificate', certificateId: CERT }],
    ['RegisterCertificateWithoutCA', { status: 'ACTIVE' }, { certificateId: CERT }, { kind: 'certificate', certificateId: CERT }],
    ['RegisterCACertificate', {}, { certificateId: CERT }, { kind: 'caCertificate', certificateId: CERT }],
    ['CreatePolicyVersion', { policyName: 'p.1', setAsDefault: true }, null, { kind: 'policy', name: 'p.1' }],
    ['SetDefaultPolicyVersion', { policyName: 'p.1', policyVersionId: '3' }, null, { kind: 'policy', name: 'p.1' }],
    ['DetachPolicy', { policyName: 'p', target: `${ARN_PREFIX}:thinggroup/floor-1` }, null, { kind: 'policyAttachments', target: { kind: 'thingGroup', groupName: 'floor-1' } }],
    ['AttachPrincipalPolicy', { policyName: 'p', principal: `${ARN_PREFIX}:cert/${CERT}` }, null, { kind: 'policyAttachments', target: { kind: 'certificate', certificateId: CERT } }],
    ['AttachThingPrincipal', { thingName: 't-1', principal: `${ARN_PREFIX}:cert/${CERT}`, thingPrincipalType: 'EXCLUSIVE_THING' }, null, { kind: 'thingPrincipals', thingName: 't-1' }],
    ['DetachThingPrincipal', { thingName: 't-1', principal: `${ARN_PREFIX}:cert/${CERT}` }, null, { kind: 'thingPrincipals', thingName: 't-1' }],
  ])('maps the CloudTrail call %s to the resource it changed', (eventName, request, response, ref) => {
    const result = normaliseEvent(cloudTrail(eventName, request, response));
    expect(result.status === 'change' && result.change.ref).toEqual(ref);
  });

  it.each([
    ['$aws/events/thing/t-9/deleted', { kind: 'thing', name: 't-9' }],
    ['$aws/events/thingType/sensor/updated', { kind: 'thingType', name: 'sensor' }],
    ['$aws/events/thingTypeAssociation/thing/t-9/thingType/sensor/removed', { kind: 'thing', name: 't-9' }],
    ['$aws/events/thingTypeAssociation/thing/t-9/sensor', { kind: 'thing', name: 't-9' }],
    ['$aws/events/thingGroup/floor-1/created', { kind: 'thingGroup', name: 'floor-1' }],
    ['$aws/events/thingGroupHierarchy/thingGroup/building-7/childThingGroup/floor-1/added', { kind: 'thingGroup', name: 'floor-1' }],
  ])('maps the registry topic %s to the resource it changed', (topic, ref) => {
    const result = normaliseEvent(registryEvent(topic));
    expect(result.status === 'change' && result.change.ref).toEqual(ref);
  });

  it('names the thing a RegisterThing call provisioned (the whole device), else its certificate', () => {
    const both = cloudTrail('RegisterThing', { templateBody: '{}' }, { resourceArns: { thing: `${ARN_PREFIX}:thing/dev-1`, certificate: `${ARN_PREFIX}:cert/${CERT}` } });
    const certOnly = cloudTrail('RegisterThing', { templateBody: '{}' }, { resourceArns: { certificate: `${ARN_PREFIX}:cert/${CERT}` } });
    const r1 = normaliseEvent(both);
    const r2 = normaliseEvent(certOnly);
    expect(r1.status === 'change' && r1.change.ref).toEqual({ kind: 'thing', name: 'dev-1' });
    expect(r2.status === 'change' && r2.change.ref).toEqual({ kind: 'certificate', certificateId: CERT });
  });

  it('rejects a RegisterThing record without resource ARNs, naming the field', () => {
    expect(() => normaliseEvent(cloudTrail('RegisterThing', { templateBody: '{}' }, {}))).toThrow(/detail\.responseElements\.resourceArns/);
    expect(() => normaliseEvent(cloudTrail('RegisterThing', {}, { resourceArns: { policy: `${ARN_PREFIX}:policy/p` } }))).toThrow(/names neither a thing nor a certificate/);
  });

  it.each(['CreateProvisioningTemplate', 'UpdateProvisioningTemplate', 'DeleteProvisioningTemplate', 'CreateProvisioningTemplateVersion', 'DeleteProvisioningTemplateVersion'])(
    'names the provisioning template a %s call changed, and refuses a malformed template name by field',
    (eventName) => {
      const r = normaliseEvent(cloudTrail(eventName, { templateName: 'fleet-claim' }));
      expect(r.status === 'change' && r.change.ref).toEqual({ kind: 'provisioningTemplate', name: 'fleet-claim' });
      expect(() => normaliseEvent(cloudTrail(eventName, { templateName: 'no spaces allowed' }))).toThrow(/requestParameters\.templateName/);
    },
  );

  it.each(['CreateRoleAlias', 'UpdateRoleAlias', 'DeleteRoleAlias'])('names the role alias a %s call changed', (eventName) => {
    const r = normaliseEvent(cloudTrail(eventName, { roleAlias: 'device-creds' }));
    expect(r.status === 'change' && r.change.ref).toEqual({ kind: 'roleAlias', name: 'device-creds' });
    expect(() => normaliseEvent(cloudTrail(eventName, {}))).toThrow(/requestParameters\.roleAlias/);
  });

  it('names the bulk registration task a StartThingRegistrationTask call started, from its response', () => {
    const r = normaliseEvent(cloudTrail('StartThingRegistrationTask', { templateBody: '{}', inputFileBucket: 'b', inputFileKey: 'k', roleArn: 'r' }, { taskId: 'd4a3c2b1-task' }));
    expect(r.status === 'change' && r.change.ref).toEqual({ kind: 'thingRegistrationTask', taskId: 'd4a3c2b1-task' });
    expect(() => normaliseEvent(cloudTrail('StartThingRegistrationTask', {}, {}))).toThrow(/responseElements\.taskId/);
  });

  it('covers the deprecated principal-policy calls and every write API of the design', () => {
    expect(Object.keys(SYNCED_API_CALLS)).toEqual(expect.arrayContaining(['AttachPrincipalPolicy', 'DetachPrincipalPolicy', 'RegisterCertificateWithoutCA', 'DeletePolicyVersion']));
  });

  it.each([
    ['a read call', cloudTrail('DescribeThing', { thingName: 't' }), 'DescribeThing changes nothing'],
    ['another service', { ...attachPolicy, source: 'aws.s3' }, 'not an event this sync handles'],
    ['a failed call', { ...attachPolicy, detail: { ...attachPolicy.detail, errorCode: 'AccessDenied' } }, 'failed with AccessDenied'],
    ['a presence event', registryEvent('$aws/events/presence/connected/sensor-1'), 'not one this sync replicates'],
  ])('ignores %s with a reason', (_what, event, reason) => {
    const result = normaliseEvent(event);
    expect(result.status).toBe('ignored');
    expect(result.status === 'ignored' && result.reason).toContain(reason);
  });

  it('ignores events from a region other than the configured source', () => {
    const result = normaliseEvent({ ...attachPolicy, region: 'eu-west-1' }, { sourceRegion: 'us-east-1' });
    expect(result).toMatchObject({ status: 'ignored', reason: expect.stringContaining('eu-west-1') });
  });

  it.each([
    ['the envelope id', { ...attachPolicy, id: undefined }, 'id'],
    ['the event name', { ...attachPolicy, detail: { ...attachPolicy.detail, eventName: 7 } }, 'detail.eventName'],
    ['a thing name over 128 characters', cloudTrail('CreateThing', { thingName: 'x'.repeat(129) }), 'detail.requestParameters.thingName'],
    ['a certificate ID that is not SHA-256 hex', cloudTrail('UpdateCertificate', { certificateId: 'nope', newStatus: 'REVOKED' }), 'detail.requestParameters.certificateId'],
    ['a malformed new certificate ID', cloudTrail('CreateKeysAndCertificate', {}, { certificateId: 'nope' }), 'detail.responseElements.certificateId'],
    ['a policy target that is a Cognito identity', cloudTrail('AttachPolicy', { policyName: 'p', target: 'us-east-1:1234-abcd' }), 'detail.requestParameters.target'],
  ])('rejects an event with a malformed %s, naming the field', (_what, event, fieldPath) => {
    expect(() => normaliseEvent(event)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(fieldPath) }));
  });

  it('rejects input that is not an object', () => {
    expect(() => normaliseEvent('CreateThing')).toThrow(/invalid input: \(root\)/);
  });
});
