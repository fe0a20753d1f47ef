import { diff } from '../../lib/core/diff';
import type { RegistrySnapshot } from '../../lib/core/model';
import { plan, type Operation, type PlanOptions } from '../../lib/core/plan';
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

const A = certId('a');
const B = certId('b');
const CA = certId('c');

const planOf = (source: Partial<RegistrySnapshot>, target: Partial<RegistrySnapshot>, options: Partial<PlanOptions> = {}) =>
  plan(diff(snapshot(source), snapshot(target), REGIONS), { ...REGIONS, ...options });

const ids = (ops: readonly Operation[]) => ops.map((op) => op.id);
const indexOf = (ops: readonly Operation[], id: string): number => {
  const i = ops.findIndex((op) => op.id === id);
  if (i < 0) throw new Error(`no operation ${id} in ${ids(ops).join(', ')}`);
  return i;
};
const phaseOf = (ops: readonly Operation[], id: string): number => (ops[indexOf(ops, id)] as Operation).phase;

/** A small fleet that exercises every creation kind. */
const fleet: Partial<RegistrySnapshot> = {
  thingTypes: [thingType('sensor', { deprecated: true })],
  thingGroups: [staticGroup('floor', { parentName: 'site' }), staticGroup('site'), { kind: 'dynamic', name: 'hot', queryString: 'a:1', attributes: {} }],
  policies: [{ name: 'device', document: policyDocument('us-east-1') }],
  caCertificates: [caCertificate(CA)],
  certificates: [certificate(A, { caCertificateId: CA })],
  things: [thing('t1', { thingTypeName: 'sensor', groupNames: ['floor'] })],
  thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'EXCLUSIVE_THING' }],
  policyAttachments: [{ policyName: 'device', target: { kind: 'certificate', certificateId: A } }],
};

describe('plan', () => {
  describe('ordering', () => {
    const { operations } = planOf(fleet, {});

    it('is sorted by phase', () => {
      const phases = operations.map((op) => op.phase);
      expect(phases).toEqual([...phases].sort((a, b) => a - b));
    });

    it('creates types and parent groups before child groups and things', () => {
      expect(phaseOf(operations, 'createThingType:sensor')).toBeLessThan(phaseOf(operations, 'createThingGroup:site'));
      expect(phaseOf(operations, 'createThingGroup:site')).toBeLessThan(phaseOf(operations, 'createThingGroup:floor'));
      expect(phaseOf(operations, 'createThingGroup:floor')).toBeLessThan(phaseOf(operations, 'createThing:t1'));
    });

    it('creates policies, CA certificates and certificates before the attachments', () => {
      const attach = phaseOf(operations, `attachPolicy:device|cert:${A}`);
      expect(phaseOf(operations, 'createPolicy:device')).toBeLessThan(phaseOf(operations, `registerCaCertificate:${CA}`));
      expect(phaseOf(operations, `registerCaCertificate:${CA}`)).toBeLessThan(phaseOf(operations, `registerCertificate:${A}`));
      expect(phaseOf(operations, `registerCertificate:${A}`)).toBeLessThan(phaseOf(operations, 'createThing:t1'));
      expect(phaseOf(operations, 'createThing:t1')).toBeLessThan(attach);
      expect(phaseOf(operations, 'createThing:t1')).toBeLessThan(phaseOf(operations, `attachThingPrincipal:t1|${A}`));
      expect(phaseOf(operations, 'createThing:t1')).toBeLessThan(phaseOf(operations, 'addThingToGroup:t1|floor'));
    });

    it('creates a deprecated type undeprecated and deprecates it after its things', () => {
      const create = operations[indexOf(operations, 'createThingType:sensor')];
      expect(create).toMatchObject({ thingType: { deprecated: false } });
      expect(phaseOf(operations, 'setThingTypeDeprecated:sensor:true')).toBeGreaterThan(phaseOf(operations, `attachThingPrincipal:t1|${A}`));
    });

    it('registers the certificate with its CA when the plan registers the CA, and depends on it', () => {
      expect(operations[indexOf(operations, `registerCertificate:${A}`)]).toMatchObject({
        status: 'ACTIVE',
        caCertificatePem: expect.stringContaining('BEGIN CERTIFICATE'),
        requires: [`caCertificate:${CA}`],
      });
    });

    it('writes the rewritten policy document and reports how many ARNs were rewritten', () => {
      const create = operations[indexOf(operations, 'createPolicy:device')];
      expect(create).toMatchObject({ rewrittenArns: 1, document: expect.stringContaining('arn:aws:iot:eu-west-1:') });
      expect(create && 'document' in create && create.document).not.toContain('us-east-1');
    });

    it('makes each attachment require its endpoints', () => {
      expect(operations[indexOf(operations, `attachThingPrincipal:t1|${A}`)]).toMatchObject({ principalType: 'EXCLUSIVE_THING', requires: ['thing:t1', `certificate:${A}`] });
      expect(operations[indexOf(operations, 'addThingToGroup:t1|floor')]?.requires).toEqual(['thing:t1', 'thingGroup:floor']);
    });

    it('creates a dynamic group with the root groups', () => {
      expect(phaseOf(operations, 'createThingGroup:hot')).toBe(phaseOf(operations, 'createThingGroup:site'));
    });
  });

  it('registers a certificate without a CA when the CA is in neither the target nor the plan', () => {
    const { operations } = planOf({ certificates: [certificate(A, { caCertificateId: CA })] }, {});
    expect(operations).toHaveLength(1);
    expect(operations[0]).not.toHaveProperty('caCertificatePem');
  });

  it('registers a PENDING_ACTIVATION certificate as INACTIVE', () => {
    const { operations } = planOf({ certificates: [certificate(A, { status: 'PENDING_ACTIVATION' })] }, {});
    expect(operations[0]).toMatchObject({ type: 'registerCertificate', status: 'INACTIVE' });
  });

  it('skips a status change the safety rule refuses, with the reason', () => {
    const result = planOf({ certificates: [certificate(A)] }, { certificates: [certificate(A, { status: 'REVOKED' })] });
    expect(result.operations).toEqual([]);
    expect(result.skipped).toEqual([{ kind: 'certificate', key: A, reason: expect.stringMatching(/REVOKED.*final/) }]);
  });

  it('revokes a certificate the source revoked', () => {
    const { operations } = planOf({ certificates: [certificate(A, { status: 'REVOKED' })] }, { certificates: [certificate(A)] });
    expect(operations).toEqual([expect.objectContaining({ type: 'updateCertificateStatus', certificateId: A, status: 'REVOKED', action: 'update' })]);
  });

  it('changes the type of a thing–principal attachment by detaching then attaching', () => {
    const { operations } = planOf(
      { thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'EXCLUSIVE_THING' }] },
      { thingPrincipalAttachments: [{ thingName: 't1', certificateId: A, type: 'NON_EXCLUSIVE_THING' }] },
    );
    expect(ids(operations)).toEqual([`detachThingPrincipal:t1|${A}`, `attachThingPrincipal:t1|${A}`]);
    expect(operations[1]?.requires).toContain(`thingPrincipalAttachment:t1|${A}`);
    expect((operations[0] as Operation).phase).toBeLessThan((operations[1] as Operation).phase);
  });

  it('removes memberships before adding new ones, so a thing can move within one hierarchy', () => {
    const { operations } = planOf({ things: [thing('t1', { groupNames: ['b'] })] }, { things: [thing('t1', { groupNames: ['a'] })] });
    expect(ids(operations)).toEqual(['removeThingFromGroup:t1|a', 'addThingToGroup:t1|b']);
    expect((operations[0] as Operation).phase).toBeLessThan((operations[1] as Operation).phase);
  });

  it('updates a policy with a new version when the document differs', () => {
    const { operations } = planOf({ policies: [{ name: 'p', document: policyDocument('us-east-1') }] }, { policies: [{ name: 'p', document: policyDocument('us-east-1') }] });
    expect(operations).toEqual([expect.objectContaining({ type: 'createPolicyVersion', action: 'update', rewrittenArns: 1 })]);
  });

  it('undeprecates a type around the association of a thing when the type is deprecated in both regions', () => {
    const types = [thingType('old', { deprecated: true })];
    const { operations } = planOf({ thingTypes: types, things: [thing('t1', { thingTypeName: 'old' })] }, { thingTypes: types });
    expect(ids(operations)).toEqual(['setThingTypeDeprecated:old:false', 'createThing:t1', 'setThingTypeDeprecated:old:true']);
  });

  it('undeprecates early and does not re-deprecate when only the target is deprecated', () => {
    const { operations } = planOf({ thingTypes: [thingType('old')], things: [thing('t1', { thingTypeName: 'old' })] }, { thingTypes: [thingType('old', { deprecated: true })] });
    expect(ids(operations)).toEqual(['setThingTypeDeprecated:old:false', 'createThing:t1']);
  });

  it('skips a group whose parent differs (AWS cannot move a group) and still updates its other fields', () => {
    const result = planOf(
      { thingGroups: [staticGroup('a'), staticGroup('g', { parentName: 'a', description: 'new' })] },
      { thingGroups: [staticGroup('a'), staticGroup('g')] },
    );
    expect(result.skipped).toEqual([{ kind: 'thingGroup', key: 'g', reason: expect.stringMatching(/parent/) }]);
    expect(ids(result.operations)).toEqual(['updateThingGroup:g']);
  });

  it('turns invalid differences into invalid items, not operations', () => {
    const result = planOf({ policies: [{ name: 'broken', document: '{' }, { name: 'ok', document: '{}' }] }, {});
    expect(result.invalid).toEqual([expect.objectContaining({ kind: 'policy', key: 'broken', errorName: 'InvalidResourceError' })]);
    expect(ids(result.operations)).toEqual(['createPolicy:ok']);
  });

  describe('extra resources', () => {
    // The target holds a whole device the source no longer has, plus its type, group, policy and CA.
    const target: Partial<RegistrySnapshot> = {
      thingTypes: [thingType('gone')],
      thingGroups: [staticGroup('root'), staticGroup('leaf', { parentName: 'root' })],
      policies: [{ name: 'old', document: '{}' }],
      caCertificates: [caCertificate(CA)],
      certificates: [certificate(B, { caCertificateId: CA })],
      things: [thing('t9', { thingTypeName: 'gone', groupNames: ['leaf'] })],
      thingPrincipalAttachments: [{ thingName: 't9', certificateId: B, type: 'NON_EXCLUSIVE_THING' }],
      policyAttachments: [{ policyName: 'old', target: { kind: 'certificate', certificateId: B } }, { policyName: 'old', target: { kind: 'thingGroup', groupName: 'leaf' } }],
    };

    it('keeps them in retain mode and reports each as skipped', () => {
      const result = planOf({}, target);
      expect(result.operations).toEqual([]);
      expect(result.skipped.map((s) => `${s.kind}:${s.key}`).sort()).toEqual(
        ['thingType:gone', 'thingGroup:root', 'thingGroup:leaf', 'policy:old', `caCertificate:${CA}`, `certificate:${B}`, 'thing:t9', `thingPrincipalAttachment:t9|${B}`, `policyAttachment:old|cert:${B}`, 'policyAttachment:old|group:leaf'].sort(),
      );
    });

    const mirrored = planOf({}, target, { deleteMode: 'mirror', allowMassDelete: true }).operations;

    it('deletes them last in mirror mode, in reverse dependency order', () => {
      // One inner list per phase (operations of one phase run concurrently, so their order is free).
      const byPhase = [...new Set(mirrored.map((op) => op.phase))].map((phase) =>
        mirrored.filter((op) => op.phase === phase).map((op) => op.id).sort(),
      );
      expect(byPhase).toEqual([
        [`detachPolicy:old|cert:${B}`, 'detachPolicy:old|group:leaf'],
        ['setThingTypeDeprecated:gone:true', `updateCaCertificate:${CA}`, `updateCertificateStatus:${B}`],
        [`detachThingPrincipal:t9|${B}`],
        ['deleteThing:t9'],
        [`deleteCertificate:${B}`],
        [`deleteCaCertificate:${CA}`],
        ['deletePolicy:old'],
        ['deleteThingGroup:leaf'],
        ['deleteThingGroup:root'],
        ['deleteThingType:gone'],
      ]);
    });

    it('makes an ACTIVE certificate INACTIVE before deleting it and makes each delete require its detaches', () => {
      expect(mirrored[indexOf(mirrored, `updateCertificateStatus:${B}`)]).toMatchObject({ status: 'INACTIVE', deletePreparation: true });
      expect(mirrored[indexOf(mirrored, `deleteCertificate:${B}`)]?.requires.sort()).toEqual(
        [`certificate:${B}`, `thingPrincipalAttachment:t9|${B}`, `policyAttachment:old|cert:${B}`].sort(),
      );
      expect(mirrored[indexOf(mirrored, 'deleteThing:t9')]?.requires).toEqual([`thingPrincipalAttachment:t9|${B}`]);
      expect(mirrored[indexOf(mirrored, 'deleteThingGroup:root')]?.requires).toEqual(['thingGroup:leaf']);
      expect(mirrored[indexOf(mirrored, 'deleteThingType:gone')]?.requires.sort()).toEqual(['thing:t9', 'thingType:gone']);
      expect(mirrored[indexOf(mirrored, `deleteCaCertificate:${CA}`)]?.requires.sort()).toEqual([`caCertificate:${CA}`, `certificate:${B}`]);
    });

    it('detaches relationships whose parent exists in the source in both modes (the source says they are gone)', () => {
      const source: Partial<RegistrySnapshot> = { certificates: [certificate(B)], things: [thing('t1')] };
      const withExtras: Partial<RegistrySnapshot> = {
        certificates: [certificate(B)],
        things: [thing('t1')],
        thingPrincipalAttachments: [{ thingName: 't1', certificateId: B, type: 'NON_EXCLUSIVE_THING' }],
        policyAttachments: [{ policyName: 'p', target: { kind: 'certificate', certificateId: B } }],
      };
      for (const deleteMode of ['retain', 'mirror'] as const) {
        expect(ids(planOf(source, withExtras, { deleteMode }).operations)).toEqual([`detachPolicy:p|cert:${B}`, `detachThingPrincipal:t1|${B}`]);
      }
    });
  });

  describe('mass-delete guard', () => {
    const extraThings = (n: number) => ({ things: Array.from({ length: n }, (_, i) => thing(`x${i}`)) });

    it('lets a plan delete exactly the limit', () => {
      const result = planOf({}, extraThings(3), { deleteMode: 'mirror', targetThingCount: 30 });
      expect(result.refused).toBeUndefined();
      expect(result.operations.filter((op) => op.type === 'deleteThing')).toHaveLength(3);
    });

    it('refuses the deletes above the limit but keeps the other operations', () => {
      const result = planOf({ things: [thing('new')] }, extraThings(4), { deleteMode: 'mirror', targetThingCount: 30 });
      expect(result.refused).toEqual({ reason: expect.stringMatching(/4 deletes exceed the limit of 3/), deletes: 4, limit: 3 });
      expect(ids(result.operations)).toEqual(['createThing:new']);
      expect(result.skipped.filter((s) => s.reason.includes('mass-delete'))).toHaveLength(4);
    });

    it('removes the preparations of refused deletes too', () => {
      const result = planOf({}, { certificates: [certificate(A), certificate(B)] }, { deleteMode: 'mirror', targetThingCount: 1 });
      expect(result.refused?.deletes).toBe(2);
      expect(result.operations).toEqual([]);
    });

    it('lets the override through', () => {
      const result = planOf({}, extraThings(4), { deleteMode: 'mirror', targetThingCount: 30, allowMassDelete: true });
      expect(result.refused).toBeUndefined();
      expect(result.operations).toHaveLength(4);
    });

    it('uses the configured percentage and ceiling', () => {
      const result = planOf({}, extraThings(4), { deleteMode: 'mirror', targetThingCount: 30, massDelete: { percent: 50, max: 4 } });
      expect(result.refused).toBeUndefined();
    });
  });
});
