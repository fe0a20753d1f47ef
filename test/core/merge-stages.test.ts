/** Merging the stages of several changes of a batch: each resource once, every change's order kept. */
import { foldParentsIntoRelationships, mergeStages } from '../../lib/core/merge-stages';
import type { StageItem } from '../../lib/core/change-stages';
import type { ResourceRef } from '../../lib/core/resource-ref';

const converge = (ref: ResourceRef): StageItem => ({ ref, mode: 'converge' });
const ensure = (ref: ResourceRef): StageItem => ({ ref, mode: 'ensure' });
const type = (name: string): ResourceRef => ({ kind: 'thingType', name });
const group = (name: string): ResourceRef => ({ kind: 'thingGroup', name });
const thing = (name: string): ResourceRef => ({ kind: 'thing', name });
const principals = (thingName: string): ResourceRef => ({ kind: 'thingPrincipals', thingName });
const cert = (certificateId: string): ResourceRef => ({ kind: 'certificate', certificateId });
const certPolicies = (certificateId: string): ResourceRef => ({ kind: 'policyAttachments', target: { kind: 'certificate', certificateId } });
const ID = 'a'.repeat(64);

describe('mergeStages', () => {
  it('keeps each resource once, converged when any change converges it', () => {
    const merged = mergeStages([
      [[ensure(type('sensor'))], [converge(thing('t'))]],
      [[converge(type('sensor'))]],
    ]);
    expect(merged).toEqual([[converge(type('sensor'))], [converge(thing('t'))]]);
  });

  it('places a resource after everything any change puts before it', () => {
    const merged = mergeStages([
      [[ensure(group('site'))], [ensure(group('floor'))], [converge(thing('t'))]],
      [[ensure(type('sensor'))], [converge(thing('t'))]],
      [[converge(group('floor'))]],
    ]);
    expect(merged).toEqual([[ensure(group('site')), ensure(type('sensor'))], [converge(group('floor'))], [converge(thing('t'))]]);
  });

  it('runs the changes one after the other when two order the same resources both ways', () => {
    const a = [[converge(thing('x'))], [converge(thing('y'))]];
    const b = [[converge(thing('y'))], [converge(thing('x'))]];
    expect(mergeStages([a, b])).toEqual([...a, ...b]);
  });
});

describe('foldParentsIntoRelationships', () => {
  it('lets the relationships converge their thing and certificate, certificate policies before thing principals', () => {
    const folded = foldParentsIntoRelationships([
      [ensure(type('sensor'))],
      [converge(cert(ID)), converge(thing('t'))],
      [converge(principals('t')), converge(certPolicies(ID))],
    ]);
    expect(folded).toEqual([[ensure(type('sensor'))], [converge(certPolicies(ID))], [converge(principals('t'))]]);
  });

  it('keeps a thing or certificate whose relationship is not converged (a deleted thing, a lone certificate)', () => {
    const stages = [[converge(thing('gone')), converge(cert(ID))]];
    expect(foldParentsIntoRelationships(stages)).toEqual(stages);
  });
});
