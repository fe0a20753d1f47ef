/** Small builders for core tests: model items with defaults, and empty snapshots to fill. */
import {
  emptySnapshot,
  type CaCertificate,
  type Certificate,
  type RegistrySnapshot,
  type StaticThingGroup,
  type Thing,
  type ThingType,
} from '../../lib/core/model';
import { ACCOUNT } from './constants';

/** A PEM with the right shape for pure tests (the in-memory registry needs real ones). */
export const FAKE_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQmZha2U=\n-----END CERTIFICATE-----\n';

/** A 64-hex certificate ID made from one character. */
export const certId = (c: string): string => c.repeat(64);

export const thingType = (name: string, extra: Partial<ThingType> = {}): ThingType => ({
  name,
  searchableAttributes: [],
  deprecated: false,
  ...extra,
});

export const staticGroup = (name: string, extra: Partial<StaticThingGroup> = {}): StaticThingGroup => ({
  kind: 'static',
  name,
  attributes: {},
  ...extra,
});

export const thing = (name: string, extra: Partial<Thing> = {}): Thing => ({ name, attributes: {}, groupNames: [], ...extra });

export const certificate = (id: string, extra: Partial<Certificate> = {}): Certificate => ({
  certificateId: id,
  status: 'ACTIVE',
  certificatePem: FAKE_PEM,
  ...extra,
});

export const caCertificate = (id: string, extra: Partial<CaCertificate> = {}): CaCertificate => ({
  certificateId: id,
  status: 'ACTIVE',
  certificatePem: FAKE_PEM,
  autoRegistration: false,
  ...extra,
});

/** A policy document allowing connect on one client ARN of `region`. */
export const policyDocument = (region: string, account = ACCOUNT): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${region}:${account}:client/\${iot:Connection.Thing.ThingName}` }],
  });

/** A snapshot with the given parts, the rest empty. */
export const snapshot = (parts: Partial<RegistrySnapshot> = {}): RegistrySnapshot => ({ ...emptySnapshot(), ...parts });

export const REGIONS = { sourceRegion: 'us-east-1', targetRegion: 'eu-west-1' } as const;
