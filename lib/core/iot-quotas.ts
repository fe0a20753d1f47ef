/**
 * AWS IoT control-plane quotas: default transactions per second per API, per account and per region
 * (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#throttling-limits; where the current page
 * could not be read, the 2019 developer guide's throttling table and AWS IoT Builder Tools' notes, the
 * values no source confirms today being taken as stated and marked in the project's AWS facts). One table for the adapter that paces at them, the emulator that enforces them and the
 * benchmarks that compute the bound they impose. Quotas are adjustable: scale them, per region.
 */

/** Default TPS per API. */
export const IOT_DEFAULT_TPS: Readonly<Record<string, number>> = {
  CreateThing: 100,
  UpdateThing: 100, // UNCONFIRMED
  DeleteThing: 100, // UNCONFIRMED
  DescribeThing: 350,
  ListThings: 10,
  AttachThingPrincipal: 100,
  DetachThingPrincipal: 100, // UNCONFIRMED
  ListThingPrincipals: 10,
  ListThingPrincipalsV2: 10, // UNCONFIRMED, no value: 10
  ListPrincipalThings: 10,
  ListPrincipalThingsV2: 10, // UNCONFIRMED, no value: 10
  AddThingToThingGroup: 100,
  RemoveThingFromThingGroup: 100, // UNCONFIRMED
  ListThingGroupsForThing: 100, // UNCONFIRMED
  ListThingsInThingGroup: 25,
  CreateThingType: 15,
  DescribeThingType: 100,
  DeprecateThingType: 15,
  DeleteThingType: 15,
  CreateThingGroup: 25,
  UpdateThingGroup: 15,
  DescribeThingGroup: 100,
  CreateDynamicThingGroup: 5,
  CreateKeysAndCertificate: 10, // UNCONFIRMED, no value: 10
  CreateCertificateFromCsr: 15, // D19, UNCONFIRMED now
  RegisterCertificate: 10, // D19, UNCONFIRMED now
  RegisterCertificateWithoutCA: 10,
  UpdateCertificate: 10, // D19, UNCONFIRMED now
  DeleteCertificate: 10, // D19, UNCONFIRMED now
  DescribeCertificate: 10,
  ListCertificates: 10, // D19, UNCONFIRMED now
  CreatePolicy: 10,
  CreatePolicyVersion: 10,
  SetDefaultPolicyVersion: 10,
  DeletePolicy: 10,
  DeletePolicyVersion: 10,
  GetPolicy: 10,
  GetPolicyVersion: 15,
  ListPolicies: 10,
  ListPolicyVersions: 10,
  AttachPolicy: 15,
  DetachPolicy: 15,
  ListTargetsForPolicy: 10,
  ListAttachedPolicies: 15,
  UpdateEventConfigurations: 10, // UNCONFIRMED, no value: 10
  SearchIndex: 15, // D19, UNCONFIRMED now
};

/** The rate assumed for an API the table does not list. */
export const UNLISTED_OPERATION_TPS = 10;

/** The default TPS of an IoT API. */
export function defaultIotTps(operation: string): number {
  return IOT_DEFAULT_TPS[operation] ?? UNLISTED_OPERATION_TPS;
}
