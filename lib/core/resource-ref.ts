/**
 * A resource ref: what a sync reads and converges, named as events and the CLI name it. Its kinds are the
 * resources plus the relationship sets of one parent (`thingPrincipals`, `policyAttachments`) and a bulk
 * registration task (expanded into its devices), which is why they are not the diff's kinds (`./keys`).
 */
import { z } from 'zod';
import {
  CertificateIdSchema,
  PolicyNameSchema,
  PolicyTargetSchema,
  ProvisioningTemplateNameSchema,
  RoleAliasNameSchema,
  RegistryNameSchema,
  ThingNameSchema,
} from './model';

/** Validates a ref arriving at a boundary (Lambda input, CLI). */
export const ResourceRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('thingType'), name: RegistryNameSchema }),
  z.strictObject({ kind: z.literal('thingGroup'), name: RegistryNameSchema }),
  z.strictObject({ kind: z.literal('policy'), name: PolicyNameSchema }),
  z.strictObject({ kind: z.literal('caCertificate'), certificateId: CertificateIdSchema }),
  z.strictObject({ kind: z.literal('provisioningTemplate'), name: ProvisioningTemplateNameSchema }),
  z.strictObject({ kind: z.literal('roleAlias'), name: RoleAliasNameSchema }),
  /** The region's fleet-indexing configuration (one per region). */
  z.strictObject({ kind: z.literal('indexingConfiguration') }),
  /** The devices a bulk registration task registered (expanded into their stages; never read as a resource). */
  z.strictObject({ kind: z.literal('thingRegistrationTask'), taskId: z.string().min(1).max(40) }),
  z.strictObject({ kind: z.literal('certificate'), certificateId: CertificateIdSchema }),
  /** The thing with its static group memberships. */
  z.strictObject({ kind: z.literal('thing'), name: ThingNameSchema }),
  /** The thing–principal attachments of one thing (and the thing). */
  z.strictObject({ kind: z.literal('thingPrincipals'), thingName: ThingNameSchema }),
  /** The policies attached to one certificate or group (and that certificate or group). */
  z.strictObject({ kind: z.literal('policyAttachments'), target: PolicyTargetSchema }),
]);
/** A reference to one resource, or to the relationships of one parent, to read and converge. */
export type ResourceRef = z.infer<typeof ResourceRefSchema>;
