/**
 * AWS IoT Core policy evaluation for the data plane: which policies apply to a connection, the resource
 * ARN of each data-plane action, the policy variables of a connection, and the decision (explicit Deny
 * first, then any Allow, else implicit deny). The evaluation itself is @cloud-copilot/iam-simulate, an
 * IAM policy evaluator, fed the IoT policy variables as request context keys. Pure: no SDK, no I/O.
 *
 * Sources:
 * - actions and their resources: https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html
 * - basic variables (iot:ClientId): https://docs.aws.amazon.com/iot/latest/developerguide/basic-policy-variables.html
 * - thing variables: https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
 *   ("If the device certificate is not associated with the thing, this variable won't be resolved",
 *   https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-examples.html)
 * - certificate variables: https://docs.aws.amazon.com/iot/latest/developerguide/cert-policy-variables.html
 * - thing-group policies apply to the thing whose name is the client ID:
 *   https://docs.aws.amazon.com/iot/latest/developerguide/thing-groups.html#group-attach-policy
 */
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

/**
 * Why a device cannot connect. The emulator's data plane refuses with these words and the drill,
 * which only sees a closed connection or a CONNACK, diagnoses the same words from the registry.
 */
export type ConnectRefusalReason =
  | 'no SNI'
  | 'unknown SNI name'
  | 'domain configuration disabled'
  | 'no client certificate'
  | 'certificate not registered'
  | 'certificate INACTIVE'
  | 'certificate REVOKED'
  | 'certificate not ACTIVE'
  | 'CA certificate not ACTIVE'
  | 'region unavailable'
  | 'no policy allows iot:Connect for this client'
  | 'a policy denies iot:Connect for this client';

/** The data-plane actions the emulator authorizes. */
export type IotDataAction = 'iot:Connect' | 'iot:Publish' | 'iot:Receive' | 'iot:Subscribe';

/** The resource type each action is evaluated on (iot-policy-actions.html). */
const RESOURCE_TYPE: Record<IotDataAction, string> = {
  'iot:Connect': 'client',
  'iot:Publish': 'topic',
  'iot:Receive': 'topic',
  'iot:Subscribe': 'topicfilter',
};

/** `arn:aws:iot:REGION:ACCOUNT:client/ID`, `…:topic/NAME` or `…:topicfilter/FILTER` for an action. */
export function iotDataResourceArn(action: IotDataAction, region: string, accountId: string, name: string): string {
  return `arn:aws:iot:${region}:${accountId}:${RESOURCE_TYPE[action]}/${name}`;
}

/** The registry facts about one connection that policy variables resolve to. */
export interface ConnectionFacts {
  region: string;
  accountId: string;
  clientId: string;
  certificateId: string;
  /** Certificate subject and issuer attributes by short name (CN, O, OU, C, ST, L…). */
  certificateSubject?: Record<string, string>;
  certificateIssuer?: Record<string, string>;
  certificateSerialNumber?: string;
  /** The thing named like the client ID, when one exists in the region. */
  thing?: { name: string; typeName?: string; attributes: Record<string, string>; attachedToCertificate: boolean };
}

/** One policy document with its name (named so a decision can say which policy decided). */
export interface NamedPolicyDocument {
  name: string;
  document: string;
}

/** An evaluation's outcome. */
export interface IotDecision {
  decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** Policies whose document is not valid JSON (they grant nothing). */
  unreadablePolicies: string[];
}

/** Certificate attribute short names → the names AWS uses in `iot:Certificate.Subject.*` variables. */
const DN_NAMES: Record<string, string> = {
  C: 'Country',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  ST: 'State',
  CN: 'CommonName',
  L: 'Locality',
  serialNumber: 'SerialNumber',
  title: 'Title',
  SN: 'Surname',
  GN: 'GivenName',
  initials: 'Initials',
  pseudonym: 'Pseudonym',
  generationQualifier: 'GenerationQualifier',
  dnQualifier: 'DistinguishedNameQualifier',
};

/** The policy variables of a connection, as request context keys. */
export function connectionVariables(facts: ConnectionFacts): Record<string, string> {
  const vars: Record<string, string> = {
    'iot:ClientId': facts.clientId,
    // cert-policy-variables.html names the certificate ID under "CertificateId"; UNCONFIRMED that the key is iot:CertificateId.
    'iot:CertificateId': facts.certificateId,
    // UNCONFIRMED: with no thing named like the client ID, AWS is assumed to resolve IsAttached to false.
    'iot:Connection.Thing.IsAttached': String(facts.thing?.attachedToCertificate ?? false),
  };
  for (const [prefix, dn] of [['Subject', facts.certificateSubject], ['Issuer', facts.certificateIssuer]] as const) {
    for (const [short, value] of Object.entries(dn ?? {})) {
      const name = DN_NAMES[short];
      if (name !== undefined) vars[`iot:Certificate.${prefix}.${name}`] = value;
    }
  }
  // UNCONFIRMED: the serial number's key and format (AWS shows colon-separated hex; Node gives plain hex).
  if (facts.certificateSerialNumber !== undefined) vars['iot:Certificate.SerialNumber'] = facts.certificateSerialNumber;
  // Thing variables resolve only for the thing attached to the connecting certificate.
  if (facts.thing?.attachedToCertificate) {
    vars['iot:Connection.Thing.ThingName'] = facts.thing.name;
    if (facts.thing.typeName !== undefined) vars['iot:Connection.Thing.ThingTypeName'] = facts.thing.typeName;
    for (const [k, v] of Object.entries(facts.thing.attributes)) vars[`iot:Connection.Thing.Attributes[${k}]`] = v;
  }
  return vars;
}

function readable(policies: readonly NamedPolicyDocument[]): { parsed: { name: string; policy: unknown }[]; unreadable: string[] } {
  const parsed: { name: string; policy: unknown }[] = [];
  const unreadable: string[] = [];
  for (const p of policies) {
    try {
      const policy: unknown = JSON.parse(p.document);
      if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) unreadable.push(p.name);
      else parsed.push({ name: p.name, policy });
    } catch {
      unreadable.push(p.name);
    }
  }
  return { parsed, unreadable };
}

/**
 * Decides one data-plane action on one resource name (client ID, topic or topic filter) for a
 * connection, under every policy that applies to it (explicit Deny in any policy wins; IAM logic).
 */
export function evaluateIotAction(
  policies: readonly NamedPolicyDocument[],
  action: IotDataAction,
  resourceName: string,
  facts: ConnectionFacts,
): IotDecision {
  const { parsed, unreadable } = readable(policies);
  if (parsed.length === 0) return { decision: 'ImplicitDeny', unreadablePolicies: unreadable };
  const result = runUnsafeSimulation(
    {
      request: {
        principal: `arn:aws:iot:${facts.region}:${facts.accountId}:cert/${facts.certificateId}`,
        action,
        resource: { resource: iotDataResourceArn(action, facts.region, facts.accountId, resourceName), accountId: facts.accountId },
        contextVariables: connectionVariables(facts),
      },
      identityPolicies: parsed,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  const decision = result === 'Allowed' ? 'Allow' : result === 'ExplicitlyDenied' ? 'ExplicitDeny' : 'ImplicitDeny';
  return { decision, unreadablePolicies: unreadable };
}

/** A thing group with its parent, for the ancestor walk. */
export interface GroupLink {
  name: string;
  parentName?: string;
}

/**
 * The thing groups whose policies apply to a thing: its direct static groups and all their ancestors,
 * each once (policies attached to a parent group apply to the children's things; thing-groups.html).
 */
export function groupsWithAncestors(directGroups: readonly string[], groupByName: (name: string) => GroupLink | undefined): string[] {
  const seen = new Set<string>();
  for (const start of directGroups) {
    let name: string | undefined = start;
    while (name !== undefined && !seen.has(name)) {
      seen.add(name);
      name = groupByName(name)?.parentName;
    }
  }
  return [...seen];
}
