/**
 * The registry model: what "in sync" compares (DESIGN.md, "Resources and what in sync means").
 * Keys are names (certificates: their ID). Region-specific values — ARNs, IDs of things/groups/types,
 * version numbers — are deliberately absent: they differ per region and are never compared.
 */
import { z } from 'zod';

/** A thing name: 1–128 characters of `[a-zA-Z0-9:_-]`. */
export const ThingNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9:_-]+$/, 'must match [a-zA-Z0-9:_-]+');

/** A thing type, thing group or billing group name (same pattern as a thing name). */
export const RegistryNameSchema = ThingNameSchema;

/** A policy name: 1–128 characters of `[\w+=,.@-]`. */
export const PolicyNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w+=,.@-]+$/, 'must match [\\w+=,.@-]+');

/** A certificate ID: the hex SHA-256 of the certificate's DER bytes, identical in every region. */
export const CertificateIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');

/** Attribute map of a thing or group: names and values are strings. */
export const AttributesSchema = z.record(z.string(), z.string());

/**
 * The MQTT 5 user properties IoT adds to messages from things of a type
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_Mqtt5Configuration.html).
 */
export const Mqtt5ConfigurationSchema = z.strictObject({
  propagatingAttributes: z
    .array(z.strictObject({ userPropertyKey: z.string().min(1).max(128), thingAttribute: z.string().optional(), connectionAttribute: z.string().optional() }))
    .max(50)
    .default([]),
});
export type Mqtt5Configuration = z.infer<typeof Mqtt5ConfigurationSchema>;

export const ThingTypeSchema = z.strictObject({
  name: RegistryNameSchema,
  description: z.string().optional(),
  searchableAttributes: z.array(z.string()).default([]),
  deprecated: z.boolean().default(false),
  /** Absent is the same as no propagating attributes. */
  mqtt5Configuration: Mqtt5ConfigurationSchema.optional(),
});
/** A thing type: compared by description, searchable attributes, MQTT 5 propagating attributes and deprecation state. */
export type ThingType = z.infer<typeof ThingTypeSchema>;

export const StaticThingGroupSchema = z.strictObject({
  kind: z.literal('static'),
  name: RegistryNameSchema,
  /** The parent group's name; fixed at creation in AWS. */
  parentName: RegistryNameSchema.optional(),
  description: z.string().optional(),
  attributes: AttributesSchema.default({}),
});

export const DynamicThingGroupSchema = z.strictObject({
  kind: z.literal('dynamic'),
  name: RegistryNameSchema,
  queryString: z.string().min(1),
  description: z.string().optional(),
  attributes: AttributesSchema.default({}),
});

export const ThingGroupSchema = z.discriminatedUnion('kind', [StaticThingGroupSchema, DynamicThingGroupSchema]);
/** A thing group; static groups have members and a parent, dynamic ones a fleet-indexing query. */
export type ThingGroup = z.infer<typeof ThingGroupSchema>;
export type StaticThingGroup = z.infer<typeof StaticThingGroupSchema>;
export type DynamicThingGroup = z.infer<typeof DynamicThingGroupSchema>;

export const ThingSchema = z.strictObject({
  name: ThingNameSchema,
  thingTypeName: RegistryNameSchema.optional(),
  attributes: AttributesSchema.default({}),
  billingGroupName: RegistryNameSchema.optional(),
  /** Names of the static groups the thing is a direct member of (dynamic memberships are never copied). */
  groupNames: z.array(RegistryNameSchema).default([]),
});
/** A thing with what makes it "in sync": type, exact attribute set, billing group, static memberships. */
export type Thing = z.infer<typeof ThingSchema>;

/** Every status AWS reports for a device certificate. */
export const CertificateStatusSchema = z.enum([
  'ACTIVE',
  'INACTIVE',
  'REVOKED',
  'PENDING_TRANSFER',
  'REGISTER_INACTIVE',
  'PENDING_ACTIVATION',
]);
export type CertificateStatus = z.infer<typeof CertificateStatusSchema>;

/** The statuses that can be written to a certificate (UpdateCertificate / registration). */
export const SettableCertificateStatusSchema = z.enum(['ACTIVE', 'INACTIVE', 'REVOKED']);
export type SettableCertificateStatus = z.infer<typeof SettableCertificateStatusSchema>;

export const CertificateModeSchema = z.enum(['DEFAULT', 'SNI_ONLY']);

export const CertificateSchema = z.strictObject({
  certificateId: CertificateIdSchema,
  status: CertificateStatusSchema,
  /** Public certificate PEM. A private key is never part of the model. */
  certificatePem: z.string().min(1).max(65536),
  /** The registered CA that signed it, when it was registered with one. */
  caCertificateId: CertificateIdSchema.optional(),
  certificateMode: CertificateModeSchema.optional(),
});
/** A device certificate, keyed by its ID (the same in every region). */
export type Certificate = z.infer<typeof CertificateSchema>;

export const CaCertificateStatusSchema = z.enum(['ACTIVE', 'INACTIVE']);

/**
 * A CA's just-in-time provisioning configuration: the template body (or the name of a JITP provisioning
 * template) and the role IoT assumes to run it. Limits from
 * https://docs.aws.amazon.com/iot/latest/apireference/API_RegistrationConfig.html.
 */
export const RegistrationConfigSchema = z.strictObject({
  templateBody: z.string().max(10240).optional(),
  templateName: z.string().regex(/^[0-9A-Za-z_-]{1,36}$/, 'must match [0-9A-Za-z_-]{1,36}').optional(),
  roleArn: z.string().min(20).max(2048).optional(),
});
/** What JITP runs for a certificate signed by the CA. */
export type RegistrationConfig = z.infer<typeof RegistrationConfigSchema>;

export const CaCertificateSchema = z.strictObject({
  certificateId: CertificateIdSchema,
  status: CaCertificateStatusSchema,
  certificatePem: z.string().min(1).max(65536),
  autoRegistration: z.boolean().default(false),
  certificateMode: CertificateModeSchema.optional(),
  /** JITP configuration; absent when the CA has none. */
  registrationConfig: RegistrationConfigSchema.optional(),
});
/** A registered CA certificate. */
export type CaCertificate = z.infer<typeof CaCertificateSchema>;

/** A provisioning template name: 1–36 characters of `[0-9A-Za-z_-]`. */
export const ProvisioningTemplateNameSchema = z.string().regex(/^[0-9A-Za-z_-]{1,36}$/, 'must match [0-9A-Za-z_-]{1,36}');

export const ProvisioningTemplateSchema = z.strictObject({
  name: ProvisioningTemplateNameSchema,
  description: z.string().max(500).optional(),
  /** The default version's body (version numbers are per region and never compared). */
  templateBody: z.string().min(1).max(10240),
  type: z.enum(['FLEET_PROVISIONING', 'JITP']).default('FLEET_PROVISIONING'),
  enabled: z.boolean().default(false),
  provisioningRoleArn: z.string().min(20).max(2048),
  /** A Lambda that IoT calls before provisioning a device (fleet provisioning templates only). */
  preProvisioningHook: z.strictObject({ targetArn: z.string().min(1).max(2048), payloadVersion: z.string().optional() }).optional(),
});
/**
 * A fleet provisioning (or JITP) template: compared by its default version's body (after the region
 * rewrite of the policies it embeds), type, enabled flag, description, role and pre-provisioning hook.
 * Limits from https://docs.aws.amazon.com/iot/latest/apireference/API_CreateProvisioningTemplate.html.
 */
export type ProvisioningTemplate = z.infer<typeof ProvisioningTemplateSchema>;

/** A role alias name: 1–128 characters of `[\w=,@-]`. */
export const RoleAliasNameSchema = z.string().min(1).max(128).regex(/^[\w=,@-]+$/, 'must match [\\w=,@-]+');

export const RoleAliasSchema = z.strictObject({
  name: RoleAliasNameSchema,
  /** An IAM role ARN: IAM is global, so the same ARN serves both regions. */
  roleArn: z.string().min(20).max(2048),
  credentialDurationSeconds: z.number().int().min(900).max(43200).default(3600),
});
/**
 * A role alias of the credentials provider: compared by role ARN and credential duration. Limits from
 * https://docs.aws.amazon.com/iot/latest/apireference/API_CreateRoleAlias.html.
 */
export type RoleAlias = z.infer<typeof RoleAliasSchema>;

export const IndexingFieldSchema = z.strictObject({ name: z.string().min(1), type: z.enum(['Number', 'String', 'Boolean']) });
/** A custom field of the fleet index. */
export type IndexingField = z.infer<typeof IndexingFieldSchema>;

export const IndexingConfigurationSchema = z.strictObject({
  thingIndexingMode: z.enum(['OFF', 'REGISTRY', 'REGISTRY_AND_SHADOW']).default('OFF'),
  thingConnectivityIndexingMode: z.enum(['OFF', 'STATUS']).default('OFF'),
  deviceDefenderIndexingMode: z.enum(['OFF', 'VIOLATIONS']).default('OFF'),
  namedShadowIndexingMode: z.enum(['OFF', 'ON']).default('OFF'),
  customFields: z.array(IndexingFieldSchema).default([]),
  /** The named shadows indexed (the thing index's filter). */
  namedShadowNames: z.array(z.string()).default([]),
  thingGroupIndexingMode: z.enum(['OFF', 'ON']).default('OFF'),
  thingGroupCustomFields: z.array(IndexingFieldSchema).default([]),
});
/**
 * A region's fleet-indexing configuration, as far as dynamic thing groups depend on it
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateIndexingConfiguration.html). Managed
 * fields are the service's; the geolocation and connectivity filters are not compared.
 */
export type IndexingConfiguration = z.infer<typeof IndexingConfigurationSchema>;

export const PolicyVersionInfoSchema = z.strictObject({
  versionId: z.string(),
  isDefault: z.boolean(),
  createDate: z.string().optional(),
});
export type PolicyVersionInfo = z.infer<typeof PolicyVersionInfoSchema>;

export const PolicySchema = z.strictObject({
  name: PolicyNameSchema,
  /** The default version's document, as the service returned it (a JSON string). */
  document: z.string().min(1),
});
/** A policy: compared by its default document after the region rewrite, never by version ID. */
export type Policy = z.infer<typeof PolicySchema>;

export const PolicyTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('certificate'), certificateId: CertificateIdSchema }),
  z.strictObject({ kind: z.literal('thingGroup'), groupName: RegistryNameSchema }),
]);
/** What a policy is attached to, by key (never by region-specific ARN). */
export type PolicyTarget = z.infer<typeof PolicyTargetSchema>;

export const PolicyAttachmentSchema = z.strictObject({
  policyName: PolicyNameSchema,
  target: PolicyTargetSchema,
});
/** A policy attached to a certificate or a thing group. */
export type PolicyAttachment = z.infer<typeof PolicyAttachmentSchema>;

export const ThingPrincipalTypeSchema = z.enum(['EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING']);
export type ThingPrincipalType = z.infer<typeof ThingPrincipalTypeSchema>;

export const ThingPrincipalAttachmentSchema = z.strictObject({
  thingName: ThingNameSchema,
  certificateId: CertificateIdSchema,
  type: ThingPrincipalTypeSchema.default('NON_EXCLUSIVE_THING'),
});
/** A certificate attached to a thing, with its exclusive or non-exclusive type. */
export type ThingPrincipalAttachment = z.infer<typeof ThingPrincipalAttachmentSchema>;

/**
 * What was read of one region. A snapshot may be partial (one thing and what hangs off it, or a
 * scope of a reconcile); `diff` compares exactly what both snapshots hold, so callers read both
 * regions with the same scope.
 */
export interface RegistrySnapshot {
  thingTypes: ThingType[];
  thingGroups: ThingGroup[];
  things: Thing[];
  certificates: Certificate[];
  caCertificates: CaCertificate[];
  policies: Policy[];
  policyAttachments: PolicyAttachment[];
  thingPrincipalAttachments: ThingPrincipalAttachment[];
  /** Provisioning templates; absent in a snapshot that did not read them (then never compared). */
  provisioningTemplates?: ProvisioningTemplate[];
  /** Role aliases; absent in a snapshot that did not read them (then never compared). */
  roleAliases?: RoleAlias[];
  /** The region's fleet-indexing configuration; absent in a snapshot that did not read it (then never compared). */
  indexingConfiguration?: IndexingConfiguration;
}

/** A snapshot with nothing in it. */
export function emptySnapshot(): RegistrySnapshot {
  return {
    thingTypes: [],
    thingGroups: [],
    things: [],
    certificates: [],
    caCertificates: [],
    policies: [],
    policyAttachments: [],
    thingPrincipalAttachments: [],
  };
}
