/**
 * Per-region, per-API token buckets at AWS IoT's default TPS (aws-facts §5, "best source" column;
 * values marked UNCONFIRMED there are taken as stated, and APIs missing from the table get 10).
 * `quotaScale` multiplies every rate; 0 turns quotas off. Burst = one second's worth, at least 1.
 */

/** Default transactions per second per API, per account and region. */
export const DEFAULT_TPS: Readonly<Record<string, number>> = {
  CreateThing: 100,
  UpdateThing: 100, // UNCONFIRMED in aws-facts
  DeleteThing: 100, // UNCONFIRMED in aws-facts
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
};

/** The rate used for an API that aws-facts does not list. */
export const FALLBACK_TPS = 10;

/** The default TPS of `operation`. */
export const defaultTps = (operation: string): number => DEFAULT_TPS[operation] ?? FALLBACK_TPS;

interface Bucket {
  tokens: number;
  last: number;
}

/** Token buckets keyed by region and operation. */
export class QuotaBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private scale: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Changes the factor (0 = off); buckets restart full at the new rate. */
  setScale(scale: number): void {
    this.scale = scale;
    this.buckets.clear();
  }

  /** Takes one token for the call; false when the call is over quota. */
  take(region: string, operation: string): boolean {
    if (this.scale <= 0) return true;
    const rate = defaultTps(operation) * this.scale;
    const burst = Math.max(1, rate);
    const key = `${region}\u0000${operation}`;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, last: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * rate);
    b.last = t;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets the buckets of `region` (or all). */
  reset(region?: string): void {
    if (region === undefined) return this.buckets.clear();
    for (const key of [...this.buckets.keys()]) if (key.startsWith(`${region}\u0000`)) this.buckets.delete(key);
  }
}
