import { diff, type Difference } from '../../lib/core/diff';
import type { RegistrySnapshot } from '../../lib/core/model';
import {
  REGIONS,
  caCertificate,
  certId,
  certificate,
  policyDocument,
  snapshot,
  staticGroup,
  thing,
  thingType,
} from '../support/builders';


const JITP_ROLE = 'arn:aws:iam::123456789012:role/jitp';
/** A JITP template body embedding a policy document that names `region`. */
const jitpBody = (region: string): string =>
  JSON.stringify({
    Parameters: { 'AWS::IoT::Certificate::Id': { Type: 'String' } },
    Resources: { policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policyDocument(region) } } },
  });

const A = certId('a');
const CA = certId('c');

interface Row {
  name: string;
  source: Partial<RegistrySnapshot>;
  target: Partial<RegistrySnapshot>;
  expected: Partial<Difference>[];
}

// Every row of DESIGN.md's "in sync" table: missing, different (per field) and extra.
const rows: Row[] = [
  { name: 'thing type missing', source: { thingTypes: [thingType('sensor')] }, target: {}, expected: [{ kind: 'thingType', key: 'sensor', change: 'missing' }] },
  { name: 'thing type extra', source: {}, target: { thingTypes: [thingType('sensor')] }, expected: [{ kind: 'thingType', key: 'sensor', change: 'extra' }] },
  {
    name: 'thing type description',
    source: { thingTypes: [thingType('sensor', { description: 'a' })] },
    target: { thingTypes: [thingType('sensor', { description: 'b' })] },
    expected: [{ kind: 'thingType', change: 'different', fields: [{ field: 'description', source: 'a', target: 'b' }] }],
  },
  {
    name: 'thing type searchable attributes',
    source: { thingTypes: [thingType('sensor', { searchableAttributes: ['a', 'b'] })] },
    target: { thingTypes: [thingType('sensor', { searchableAttributes: ['a'] })] },
    expected: [{ kind: 'thingType', change: 'different', fields: [{ field: 'searchableAttributes', source: ['a', 'b'], target: ['a'] }] }],
  },
  {
    name: 'thing type deprecation',
    source: { thingTypes: [thingType('sensor', { deprecated: true })] },
    target: { thingTypes: [thingType('sensor')] },
    expected: [{ kind: 'thingType', change: 'different', fields: [{ field: 'deprecated', source: true, target: false }] }],
  },
  { name: 'static group missing', source: { thingGroups: [staticGroup('floor')] }, target: {}, expected: [{ kind: 'thingGroup', key: 'floor', change: 'missing' }] },
  { name: 'static group extra', source: {}, target: { thingGroups: [staticGroup('floor')] }, expected: [{ kind: 'thingGroup', key: 'floor', change: 'extra' }] },
  {
    name: 'static group parent',
    source: { thingGroups: [staticGroup('site'), staticGroup('floor', { parentName: 'site' })] },
    target: { thingGroups: [staticGroup('site'), staticGroup('floor')] },
    expected: [{ kind: 'thingGroup', key: 'floor', change: 'different', fields: [{ field: 'parentName', source: 'site', target: null }] }],
  },
  {
    name: 'static group description and attributes',
    source: { thingGroups: [staticGroup('floor', { description: 'x', attributes: { level: '1' } })] },
    target: { thingGroups: [staticGroup('floor', { attributes: { level: '2' } })] },
    expected: [{ kind: 'thingGroup', change: 'different', fields: [{ field: 'description', source: 'x', target: null }, { field: 'attributes', source: { level: '1' }, target: { level: '2' } }] }],
  },
  {
    name: 'dynamic group query string',
    source: { thingGroups: [{ kind: 'dynamic', name: 'hot', queryString: 'attributes.t>30', attributes: {} }] },
    target: { thingGroups: [{ kind: 'dynamic', name: 'hot', queryString: 'attributes.t>40', attributes: {} }] },
    expected: [{ kind: 'thingGroup', change: 'different', fields: [{ field: 'queryString', source: 'attributes.t>30', target: 'attributes.t>40' }] }],
  },
  { name: 'thing missing', source: { things: [thing('t1')] }, target: {}, expected: [{ kind: 'thing', key: 't1', change: 'missing' }] },
  { name: 'thing extra', source: {}, target: { things: [thing('t1', { groupNames: ['g'] })] }, expected: [{ kind: 'thing', key: 't1', change: 'extra' }] },
  {
    name: 'thing type of a thing',
    source: { things: [thing('t1', { thingTypeName: 'sensor' })] },
    target: { things: [thing('t1')] },
    expected: [{ kind: 'thing', change: 'different', fields: [{ field: 'thingTypeName', source: 'sensor', target: null }] }],
  },
  {
    name: 'thing attributes (exact set: an extra attribute differs)',
    source: { things: [thing('t1', { attributes: { a: '1' } })] },
    target: { things: [thing('t1', { attributes: { a: '1', b: '2' } })] },
    expected: [{ kind: 'thing', change: 'different', fields: [{ field: 'attributes', source: { a: '1' }, target: { a: '1', b: '2' } }] }],
  },
  {
    name: 'thing billing group',
    source: { things: [thing('t1', { billingGroupName: 'b1' })] },
    target: { things: [thing('t1', { billingGroupName: 'b2' })] },
    expected: [{ kind: 'thing', change: 'different', fields: [{ field: 'billingGroupName', source: 'b1', target: 'b2' }] }],
  },
  {
    name: 'group memberships of a thing',
    source: { things: [thing('t1', { groupNames: ['a'] })] },
    target: { things: [thing('t1', { groupNames: ['b'] })] },
    expected: [
      { kind: 'groupMembership', key: 't1|a', change: 'missing' },
      { kind: 'groupMembership', key: 't1|b', change: 'extra', parentInSource: true },
    ],
  },
  { name: 'certificate missing', source: { certificates: [certificate(A)] }, target: {}, expected: [{ kind: 'certificate', key: A, change: 'missing' }] },
  { name: 'certificate extra', source: {}, target: { certificates: [certificate(A)] }, expected: [{ kind: 'certificate', key: A, change: 'extra' }] },
  {
    name: 'certificate status',
    source: { certificates: [certificate(A, { status: 'REVOKED' })] },
    target: { certificates: [certificate(A)] },
    expected: [{ kind: 'certificate', change: 'different', fields: [{ field: 'status', source: 'REVOKED', target: 'ACTIVE' }] }],
  },
  {
    name: 'certificate PENDING_ACTIVATION vs INACTIVE (in sync after mapping)',
    source: { certificates: [certificate(A, { status: 'PENDING_ACTIVATION' })] },
    target: { certificates: [certificate(A, { status: 'INACTIVE' })] },
    expected: [],
  },
  { name: 'CA certificate missing', source: { caCertificates: [caCertificate(CA)] }, target: {}, expected: [{ kind: 'caCertificate', key: CA, change: 'missing' }] },
  { name: 'CA certificate extra', source: {}, target: { caCertificates: [caCertificate(CA)] }, expected: [{ kind: 'caCertificate', key: CA, change: 'extra' }] },
  {
    name: 'CA certificate status and auto-registration',
    source: { caCertificates: [caCertificate(CA, { autoRegistration: true })] },
    target: { caCertificates: [caCertificate(CA, { status: 'INACTIVE' })] },
    expected: [{ kind: 'caCertificate', change: 'different', fields: [{ field: 'status', source: 'ACTIVE', target: 'INACTIVE' }, { field: 'autoRegistration', source: true, target: false }] }],
  },
  {
    name: 'CA certificate JITP registrationConfig missing in the target',
    source: { caCertificates: [caCertificate(CA, { registrationConfig: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE } })] },
    target: { caCertificates: [caCertificate(CA)] },
    expected: [{ kind: 'caCertificate', change: 'different', fields: [{ field: 'registrationConfig', source: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE }, target: null }] }],
  },
  {
    name: 'CA certificate JITP registrationConfig equal once its embedded policy is rewritten (whitespace aside)',
    source: { caCertificates: [caCertificate(CA, { registrationConfig: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE } })] },
    target: { caCertificates: [caCertificate(CA, { registrationConfig: { templateBody: JSON.stringify(JSON.parse(jitpBody('eu-west-1')), null, 2), roleArn: JITP_ROLE } })] },
    expected: [],
  },
  {
    name: 'CA certificate JITP registrationConfig whose embedded policy still names the source region',
    source: { caCertificates: [caCertificate(CA, { registrationConfig: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE } })] },
    target: { caCertificates: [caCertificate(CA, { registrationConfig: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE } })] },
    expected: [{ kind: 'caCertificate', change: 'different', fields: [{ field: 'registrationConfig', source: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE }, target: { templateBody: jitpBody('us-east-1'), roleArn: JITP_ROLE } }] }],
  },
  {
    name: 'CA certificate whose JITP template body is not JSON (invalid, not compared)',
    source: { caCertificates: [caCertificate(CA, { registrationConfig: { templateBody: '{not json' } })] },
    target: { caCertificates: [caCertificate(CA)] },
    expected: [{ kind: 'caCertificate', key: CA, change: 'invalid' }],
  },
  { name: 'policy missing', source: { policies: [{ name: 'p', document: policyDocument('us-east-1') }] }, target: {}, expected: [{ kind: 'policy', key: 'p', change: 'missing' }] },
  { name: 'policy extra', source: {}, target: { policies: [{ name: 'p', document: policyDocument('eu-west-1') }] }, expected: [{ kind: 'policy', key: 'p', change: 'extra' }] },
  {
    name: 'policy document (the target still has the source region)',
    source: { policies: [{ name: 'p', document: policyDocument('us-east-1') }] },
    target: { policies: [{ name: 'p', document: policyDocument('us-east-1') }] },
    expected: [{ kind: 'policy', key: 'p', change: 'different' }],
  },
  {
    name: 'policy document equal after rewrite',
    source: { policies: [{ name: 'p', document: policyDocument('us-east-1') }] },
    target: { policies: [{ name: 'p', document: JSON.stringify(JSON.parse(policyDocument('eu-west-1')), null, 4) }] },
    expected: [],
  },
  {
    name: 'policy attachment missing',
    source: { policyAttachments: [{ policyName: 'p', target: { kind: 'certificate', certificateId: A } }] },
    target: {},
    expected: [{ kind: 'policyAttachment', key: `p|cert:${A}`, change: 'missing' }],
  },
  {
    name: 'policy attachment extra whose certificate is in the source',
    source: { certificates: [certificate(A)] },
    target: { certificates: [certificate(A)], policyAttachments: [{ policyName: 'p', target: { kind: 'certificate', certificateId: A } }] },
    expected: [{ kind: 'policyAttachment', key: `p|cert:${A}`, change: 'extra', parentInSource: true }],
  },
  {
    name: 'policy attachment extra whose group is absent in the source',
    source: {},
    target: { thingGroups: [staticGroup('g')], policyAttachments: [{ policyName: 'p', target: { kind: 'thingGroup', groupName: 'g' } }] },
    expected: [{ kind: 'thingGroup', change: 'extra' }, { kind: 'policyAttachment', key: 'p|group:g', change: 'extra', parentInSource: false }],
  },
  {
    name: 'thing–principal attachment missing',
    source: { thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'EXCLUSIVE_THING' }] },
    target: {},
    expected: [{ kind: 'thingPrincipalAttachment', key: `t1|${A}`, change: 'missing' }],
  },
  {
    name: 'thing–principal attachment type',
    source: { thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'EXCLUSIVE_THING' }] },
    target: { thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'NON_EXCLUSIVE_THING' }] },
    expected: [{ kind: 'thingPrincipalAttachment', change: 'different', fields: [{ field: 'type', source: 'EXCLUSIVE_THING', target: 'NON_EXCLUSIVE_THING' }] }],
  },
  {
    name: 'thing–principal attachment extra whose thing is absent in the source',
    source: {},
    target: { thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'NON_EXCLUSIVE_THING' }] },
    expected: [{ kind: 'thingPrincipalAttachment', change: 'extra', parentInSource: false }],
  },
];

describe('diff', () => {
  it.each(rows.map((r) => [r.name, r] as const))('reports %s', (_name, row) => {
    const result = diff(snapshot(row.source), snapshot(row.target), REGIONS);
    expect(result).toHaveLength(row.expected.length);
    row.expected.forEach((expected, i) => expect(result[i]).toMatchObject(expected));
  });

  it('reports nothing for identical snapshots', () => {
    const s = snapshot({ things: [thing('t1', { attributes: { a: '1' }, groupNames: ['g'] })], thingGroups: [staticGroup('g')], certificates: [certificate(A)] });
    expect(diff(s, structuredClone(s), REGIONS)).toEqual([]);
  });

  it('carries the source and target items', () => {
    const [d] = diff(snapshot({ things: [thing('t1', { attributes: { a: '1' } })] }), snapshot({ things: [thing('t1')] }), REGIONS);
    expect(d?.source).toEqual(thing('t1', { attributes: { a: '1' } }));
    expect(d?.target).toEqual(thing('t1'));
  });

  it('orders differences by kind (creation order) then key, whatever the input order', () => {
    const source = snapshot({ things: [thing('b'), thing('a')], thingTypes: [thingType('z')], policies: [{ name: 'p', document: '{}' }] });
    const result = diff(source, snapshot(), REGIONS).map((d) => `${d.kind}:${d.key}`);
    expect(result).toEqual(['thingType:z', 'policy:p', 'thing:a', 'thing:b']);
  });

  it('attaches the source CA to a certificate difference and says whether the target holds it', () => {
    const source = snapshot({ caCertificates: [caCertificate(CA)], certificates: [certificate(A, { caCertificateId: CA })] });
    const [, cert] = diff(source, snapshot(), REGIONS);
    expect(cert).toMatchObject({ kind: 'certificate', sourceCa: { inTarget: false } });
    const [certOnly] = diff(source, snapshot({ caCertificates: [caCertificate(CA)] }), REGIONS);
    expect(certOnly).toMatchObject({ kind: 'certificate', sourceCa: { inTarget: true } });
  });

  it('flags a thing whose type is deprecated in the target', () => {
    const both = [thingType('old', { deprecated: true })];
    const result = diff(snapshot({ thingTypes: both, things: [thing('t1', { thingTypeName: 'old' })] }), snapshot({ thingTypes: both }), REGIONS);
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ kind: 'thing', change: 'missing', targetTypeDeprecated: true });
  });

  it('gives each static group its depth', () => {
    const source = snapshot({ thingGroups: [staticGroup('a'), staticGroup('b', { parentName: 'a' }), staticGroup('c', { parentName: 'b' })] });
    expect(diff(source, snapshot(), REGIONS).map((d) => (d.kind === 'thingGroup' ? d.depth : -1))).toEqual([0, 1, 2]);
  });

  describe('with invalid items', () => {
    it('reports a name over 128 characters as invalid, naming the item and field, and still compares the rest', () => {
      const long = 'x'.repeat(129);
      const result = diff(snapshot({ things: [thing(long), thing('ok')] }), snapshot(), REGIONS);
      expect(result).toHaveLength(2);
      const invalid = result.find((d) => d.change === 'invalid');
      expect(invalid?.error?.message).toMatch(/thing "x{60}… \(129 characters\)" in the source region us-east-1 is invalid: name:/);
      expect(result.find((d) => d.key === 'ok')).toMatchObject({ change: 'missing' });
    });

    it('reports an unknown enum value as invalid and does not call the target item extra', () => {
      const bad = { ...certificate(A), status: 'LOST' } as never;
      const result = diff(snapshot({ certificates: [bad] }), snapshot({ certificates: [certificate(A)] }), REGIONS);
      expect(result).toEqual([expect.objectContaining({ kind: 'certificate', key: A, change: 'invalid', error: expect.objectContaining({ name: 'InvalidResourceError', message: expect.stringMatching(/status/) }) })]);
    });

    it('reports a certificate whose PEM is not a PEM as invalid', () => {
      const result = diff(snapshot({ certificates: [certificate(A, { certificatePem: 'not a pem' })] }), snapshot(), REGIONS);
      expect(result[0]).toMatchObject({ change: 'invalid', error: { message: expect.stringMatching(/certificatePem: is not a PEM certificate/) } });
    });

    it('reports a malformed source policy document as invalid, naming the policy', () => {
      const result = diff(snapshot({ policies: [{ name: 'broken', document: '{"Statement": [' }] }), snapshot({ policies: [{ name: 'broken', document: '{}' }] }), REGIONS);
      expect(result).toEqual([expect.objectContaining({ kind: 'policy', change: 'invalid', error: expect.objectContaining({ name: 'InvalidResourceError', message: expect.stringMatching(/policy "broken"/) }) })]);
    });
  });
});
