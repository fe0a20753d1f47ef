/**
 * Transitional: the reference fleet moved to test/support/reference-fleet.ts. This re-export keeps
 * test/reconcile/streaming.test.ts (another branch's file) compiling until the merge points it there.
 */
export { buildReferenceFleet as buildFleet, registries, SOURCE_REGION, TARGET_REGION, type ReferenceFleet as Fleet } from '../support/reference-fleet';
