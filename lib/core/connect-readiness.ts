/**
 * Whether a device could connect to a region right now, decided from that region's registry snapshot
 * the way the data plane decides it (lib/core/iot-policy-evaluation): each of the device's certificates
 * is registered and ACTIVE (and its CA ACTIVE), and the policies on the certificate plus those of the
 * thing's static groups and their ancestors (when the certificate is attached to the thing) allow
 * `iot:Connect` for the client ID, with no explicit Deny. The client ID is taken to be the thing name,
 * which AWS requires for thing policy variables and group policies
 * (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html).
 * The reasons use the drill's words, so a report and a drill can be compared.
 */
import { X509Certificate } from 'node:crypto';
import type { RegistrySnapshot, ThingGroup } from './model';
import { evaluateIotAction, groupsWithAncestors, type ConnectionFacts, type ConnectRefusalReason, type NamedPolicyDocument } from './iot-policy-evaluation';

/** One device's connect check. */
export interface ConnectCheck {
  connectReady: boolean;
  /** Why not, in the drill's words (empty when ready). */
  reasons: ConnectRefusalReason[];
}

/** The account of the first IoT ARN in the region's policies; any value does when none names one. */
function accountIdOf(snapshot: RegistrySnapshot): string {
  for (const p of snapshot.policies) {
    const m = /arn:aws[a-z-]*:iot:[a-z0-9-]*:(\d{12}):/.exec(p.document);
    if (m) return m[1] as string;
  }
  return '000000000000';
}

const dn = (text: string): Record<string, string> =>
  Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/** Builds a checker over one region's snapshot (indexes built once). */
export function connectChecker(region: string, snapshot: RegistrySnapshot): (thingName: string, certificateIds: readonly string[]) => ConnectCheck {
  const accountId = accountIdOf(snapshot);
  const certificates = new Map(snapshot.certificates.map((c) => [c.certificateId, c]));
  const cas = new Map(snapshot.caCertificates.map((c) => [c.certificateId, c]));
  const things = new Map(snapshot.things.map((t) => [t.name, t]));
  const groups = new Map<string, ThingGroup>(snapshot.thingGroups.map((g) => [g.name, g]));
  const documents = new Map(snapshot.policies.map((p) => [p.name, p.document]));
  const byCertificate = new Map<string, string[]>();
  const byGroup = new Map<string, string[]>();
  for (const a of snapshot.policyAttachments) {
    const [map, key] = a.target.kind === 'certificate' ? [byCertificate, a.target.certificateId] : [byGroup, a.target.groupName];
    map.set(key, [...(map.get(key) ?? []), a.policyName]);
  }
  const attached = new Set(snapshot.thingPrincipalAttachments.map((a) => `${a.thingName}|${a.certificateId}`));
  // Certificate variables cost a parse per certificate: only when some policy uses them.
  const usesCertificateVariables = snapshot.policies.some((p) => p.document.includes('iot:Certificate.'));

  const check = (thingName: string, certificateId: string): ConnectRefusalReason | undefined => {
    const cert = certificates.get(certificateId);
    if (!cert) return 'certificate not registered';
    if (cert.status === 'INACTIVE') return 'certificate INACTIVE';
    if (cert.status === 'REVOKED') return 'certificate REVOKED';
    if (cert.status !== 'ACTIVE') return 'certificate not ACTIVE';
    if (cert.caCertificateId !== undefined && cas.get(cert.caCertificateId)?.status !== 'ACTIVE') return 'CA certificate not ACTIVE';
    const thing = things.get(thingName);
    const isAttached = attached.has(`${thingName}|${certificateId}`);
    const facts: ConnectionFacts = { region, accountId, clientId: thingName, certificateId };
    if (thing) facts.thing = { name: thing.name, ...(thing.thingTypeName ? { typeName: thing.thingTypeName } : {}), attributes: thing.attributes, attachedToCertificate: isAttached };
    if (usesCertificateVariables) {
      try {
        const x509 = new X509Certificate(cert.certificatePem);
        facts.certificateSubject = dn(x509.subject);
        facts.certificateIssuer = dn(x509.issuer);
        facts.certificateSerialNumber = x509.serialNumber;
      } catch {
        // A PEM the read did not fetch: certificate variables stay unresolved.
      }
    }
    const names = new Set(byCertificate.get(certificateId) ?? []);
    if (thing && isAttached) {
      const direct = thing.groupNames.filter((g) => groups.get(g)?.kind === 'static');
      for (const g of groupsWithAncestors(direct, (n) => {
        const group = groups.get(n);
        return group ? { name: n, ...(group.kind === 'static' && group.parentName ? { parentName: group.parentName } : {}) } : undefined;
      })) {
        for (const p of byGroup.get(g) ?? []) names.add(p);
      }
    }
    const policies: NamedPolicyDocument[] = [];
    for (const name of names) {
      const document = documents.get(name);
      if (document !== undefined) policies.push({ name, document });
    }
    const decision = evaluateIotAction(policies, 'iot:Connect', thingName, facts).decision;
    if (decision === 'ExplicitDeny') return 'a policy denies iot:Connect for this client';
    if (decision === 'ImplicitDeny') return 'no policy allows iot:Connect for this client';
    return undefined;
  };

  return (thingName, certificateIds) => {
    const reasons = [...new Set(certificateIds.map((id) => check(thingName, id)).filter((r): r is ConnectRefusalReason => r !== undefined))];
    return { connectReady: certificateIds.length > 0 && reasons.length === 0, reasons };
  };
}
