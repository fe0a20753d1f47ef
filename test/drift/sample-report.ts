/**
 * Transitional: the sample drift report moved to test/support/sample-drift-report.ts. This re-export keeps
 * test/infra/metrics-contract.test.ts (another branch's file) compiling until the merge points it there.
 */
export { sampleReport } from '../support/sample-drift-report';
