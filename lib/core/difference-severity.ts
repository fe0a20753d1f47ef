/**
 * How much a difference matters for a failover, highest where the target grants more than the source
 * (a policy widened, an extra attachment, a credential the source revoked still ACTIVE): that is a
 * tampering signal, not cosmetic drift. Then what stops devices working (missing credentials, policies,
 * attachments), then what changes behaviour, then the cosmetic. Pure.
 */
import type { ReportDifference } from './drift';
import { diffPolicyStatements, type PolicyStatementDiff } from './policy-statement-diff';

/** Severity levels, highest first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** One severity level. */
export type Severity = (typeof SEVERITIES)[number];

/** A difference's severity and the reason for it. */
export interface SeverityAssessment {
  severity: Severity;
  why: string;
  /** For a policy document difference: the statements added, removed and changed. */
  policyDiff?: PolicyStatementDiff;
}

const statusChange = (d: ReportDifference): { source: unknown; target: unknown } | undefined => d.fields?.find((f) => f.field === 'status');

/** The severity of one reported difference. */
export function differenceSeverity(d: ReportDifference): SeverityAssessment {
  if (d.change === 'invalid') return { severity: 'medium', why: 'could not be compared' };
  switch (d.kind) {
    case 'policy': {
      if (d.change === 'missing') return { severity: 'high', why: 'devices relying on it lose its permissions' };
      if (d.change === 'extra') return { severity: 'medium', why: 'only the target has it (it grants nothing until attached)' };
      const doc = d.fields?.find((f) => f.field === 'document');
      if (typeof doc?.source !== 'string' || typeof doc.target !== 'string') return { severity: 'high', why: 'the policy differs' };
      const policyDiff = diffPolicyStatements(doc.source, doc.target);
      if (policyDiff.targetGrantsMore) return { severity: 'critical', why: 'the target grants more than the source', policyDiff };
      return { severity: 'high', why: 'the target grants less than the source: devices may be refused', policyDiff };
    }
    case 'policyAttachment':
      return d.change === 'extra'
        ? { severity: 'critical', why: 'the target attaches a policy the source does not: it grants more' }
        : { severity: 'high', why: 'a policy the source attaches is not attached in the target' };
    case 'certificate': {
      if (d.change === 'missing') return { severity: 'high', why: 'devices with this certificate cannot connect to the target' };
      if (d.change === 'extra') {
        return d.detail === 'status ACTIVE'
          ? { severity: 'critical', why: 'an ACTIVE certificate only the target has: a credential the source does not trust' }
          : { severity: 'low', why: 'a certificate only the target has, not ACTIVE' };
      }
      const status = statusChange(d);
      if (status?.target === 'ACTIVE' && status.source !== 'ACTIVE') {
        return { severity: 'critical', why: `a certificate ${String(status.source)} in the source is ACTIVE in the target` };
      }
      return { severity: 'high', why: 'the certificate differs: its devices may be refused' };
    }
    case 'caCertificate': {
      const status = statusChange(d);
      if (d.change === 'different' && status?.target === 'ACTIVE' && status.source !== 'ACTIVE') {
        return { severity: 'critical', why: 'a CA INACTIVE in the source is ACTIVE in the target' };
      }
      return d.change === 'extra' ? { severity: 'medium', why: 'a CA only the target has' } : { severity: 'high', why: 'devices signed by this CA may be refused' };
    }
    case 'thingPrincipalAttachment':
      return d.change === 'extra'
        ? { severity: 'high', why: 'the target attaches a certificate to a thing the source does not (thing-variable and group policies then apply)' }
        : { severity: 'high', why: 'thing-variable and group policies no longer apply to this certificate' };
    case 'groupMembership':
      return d.change === 'extra'
        ? { severity: 'high', why: "the thing is in a group only in the target: that group's policies apply" }
        : { severity: 'medium', why: "the thing is missing from a group: its policies and jobs no longer reach it" };
    case 'thing':
      if (d.change === 'missing') return { severity: 'high', why: 'the device has no thing in the target' };
      if (d.change === 'extra') return { severity: 'low', why: 'a thing only the target has' };
      return { severity: 'medium', why: 'the thing differs (attributes feed thing policy variables)' };
    case 'thingGroup':
      return d.change === 'missing' ? { severity: 'medium', why: 'a group the source has is missing' } : { severity: 'low', why: 'a group differs or only the target has it' };
    case 'thingType':
      return { severity: 'low', why: d.change === 'missing' ? 'a thing type the source has is missing' : 'a thing type differs or only the target has it' };
    default:
      return { severity: 'medium', why: 'differs' };
  }
}
