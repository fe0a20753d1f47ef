/**
 * What the data plane asks the region's registry: which region an SNI name reaches, whether a client
 * certificate may connect (authentication), and which policies apply to a connection (authorization).
 */
import { createHash, type X509Certificate } from 'node:crypto';
import {
  evaluateIotAction,
  type ConnectRefusalReason,
  groupsWithAncestors,
  type ConnectionFacts,
  type IotDataAction,
  type IotDecision,
  type NamedPolicyDocument,
} from '../../../core/iot-policy-evaluation';
import type { RegionState } from '../state';

/** `<anything>-ats.iot.<region>.amazonaws.com` (and the legacy `<prefix>.iot.<region>.amazonaws.com`). */
const AWS_ENDPOINT = /^[a-z0-9-]+\.iot\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/i;

/** Why a connection was refused; the drill reports the same words. */
export type RefusalReason = ConnectRefusalReason;

/** The region an SNI host name reaches, or the reason it reaches none. */
export function regionForServerName(
  serverName: string | undefined,
  regions: ReadonlyMap<string, RegionState>,
  defaultRegion?: string,
): { region: string; viaDomainConfiguration?: string } | { refused: RefusalReason } {
  if (serverName === undefined || serverName === '') return defaultRegion !== undefined ? { region: defaultRegion } : { refused: 'no SNI' };
  const aws = AWS_ENDPOINT.exec(serverName);
  if (aws) return { region: (aws[1] as string).toLowerCase() };
  // A custom domain reaches the region whose domain configuration holds it.
  // https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-configurable-custom.html
  for (const [region, state] of regions) {
    for (const config of state.domainConfigurations.values()) {
      if (config.serviceType !== 'DATA' || config.domainName.toLowerCase() !== serverName.toLowerCase()) continue;
      if (config.status !== 'ENABLED') return { refused: 'domain configuration disabled' };
      return { region, viaDomainConfiguration: config.name };
    }
  }
  return { refused: 'unknown SNI name' };
}

/** An authenticated client certificate. */
export interface AuthenticatedCertificate {
  id: string;
  arn: string;
  subject: Record<string, string>;
  issuer: Record<string, string>;
  serialNumber: string;
}

const dn = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
};

/**
 * Authentication as AWS does it: the certificate's ID (SHA-256 of its DER) is registered in the region
 * and ACTIVE; one registered without a CA (SNI_ONLY) needs SNI; one tied to a registered CA needs that
 * CA ACTIVE. https://docs.aws.amazon.com/iot/latest/developerguide/x509-client-certs.html
 * https://docs.aws.amazon.com/iot/latest/developerguide/register-device-cert.html
 */
export function authenticateCertificate(
  state: RegionState,
  peer: X509Certificate | undefined,
  hadSni: boolean,
): AuthenticatedCertificate | { refused: RefusalReason; certificateId?: string } {
  if (peer === undefined) return { refused: 'no client certificate' };
  const id = createHash('sha256').update(peer.raw).digest('hex');
  const refused = (reason: RefusalReason) => ({ refused: reason, certificateId: id });
  const record = state.certificates.get(id);
  if (!record) return refused('certificate not registered');
  if (record.status === 'INACTIVE') return refused('certificate INACTIVE');
  if (record.status === 'REVOKED') return refused('certificate REVOKED');
  if (record.status !== 'ACTIVE') return refused('certificate not ACTIVE');
  if (record.mode === 'SNI_ONLY' && !hadSni) return refused('no SNI');
  if (record.caCertificateId !== undefined) {
    const ca = state.caCertificates.get(record.caCertificateId);
    if (ca?.status !== 'ACTIVE') return refused('CA certificate not ACTIVE');
  }
  return { id, arn: record.arn, subject: dn(peer.subject), issuer: dn(peer.issuer), serialNumber: peer.serialNumber };
}

/** The registry facts of a connection (the thing named like the client ID, if any). */
export function connectionFacts(state: RegionState, region: string, accountId: string, cert: AuthenticatedCertificate, clientId: string): ConnectionFacts {
  const thing = state.things.get(clientId);
  return {
    region,
    accountId,
    clientId,
    certificateId: cert.id,
    certificateSubject: cert.subject,
    certificateIssuer: cert.issuer,
    certificateSerialNumber: cert.serialNumber,
    ...(thing
      ? {
          thing: {
            name: thing.name,
            ...(thing.typeName !== undefined ? { typeName: thing.typeName } : {}),
            attributes: { ...thing.attributes },
            attachedToCertificate: state.thingPrincipals.get(thing.name)?.has(cert.arn) ?? false,
          },
        }
      : {}),
  };
}

/**
 * The policies that apply: those on the certificate, plus those of the static thing groups (and their
 * ancestors) of the thing named like the client ID when that thing is attached to the certificate.
 * Dynamic thing groups are not considered (UNCONFIRMED whether their policies apply at connect time).
 */
export function applicablePolicies(state: RegionState, cert: AuthenticatedCertificate, facts: ConnectionFacts): NamedPolicyDocument[] {
  const names = new Set(state.targetPolicies.get(cert.arn) ?? []);
  if (facts.thing?.attachedToCertificate) {
    const direct = [...state.thingGroups.values()].filter((g) => !g.dynamic && g.members.has(facts.thing!.name)).map((g) => g.name);
    for (const group of groupsWithAncestors(direct, (n) => state.thingGroups.get(n))) {
      const arn = state.thingGroups.get(group)?.arn;
      for (const p of (arn !== undefined ? state.targetPolicies.get(arn) : undefined) ?? []) names.add(p);
    }
  }
  const out: NamedPolicyDocument[] = [];
  for (const name of names) {
    const policy = state.policies.get(name);
    const version = policy?.versions.get(policy.defaultVersionId);
    if (version) out.push({ name, document: version.document });
  }
  return out;
}

/** Decides one action for a connection against the region's current registry. */
export function authorize(state: RegionState, cert: AuthenticatedCertificate, facts: ConnectionFacts, action: IotDataAction, resourceName: string): IotDecision {
  return evaluateIotAction(applicablePolicies(state, cert, facts), action, resourceName, facts);
}
