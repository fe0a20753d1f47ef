/**
 * The few Service Quotas calls the failover readiness needs, per region (the region from the SigV4
 * scope, on the emulator's one endpoint): ListServiceQuotas and GetServiceQuota for service code
 * `iotcore`, in the awsJson1_1 protocol (`POST /`, `X-Amz-Target: ServiceQuotasV20190624.<Operation>`,
 * errors as `{"__type", "message"}`). Applied values start at the defaults below and are settable per
 * region through `POST /_emulator/service-quotas?region=R` with `{"<quotaCode>": value}`, so a test can
 * lower the secondary's.
 * https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html
 * https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
 */
import { AwsError } from './errors';

/** The awsJson1_1 target prefix of Service Quotas. */
export const SERVICE_QUOTAS_TARGET_PREFIX = 'ServiceQuotasV20190624.';

/**
 * Default IoT Core quotas (TPS of the registry APIs the sync uses), codes and values as in lib/core/iot-quotas.ts
 * (AWS IoT Builder Tools' Thingpress notes and the 2019 developer guide). The quota names are UNCONFIRMED (the live names are
 * not in the project's sources); data-plane quotas (connections, connect and publish rates) are left out
 * because their quota codes are not in the project's sources either.
 */
export const DEFAULT_IOT_CORE_QUOTAS: readonly { code: string; name: string; value: number }[] = [
  { code: 'L-64CBACAC', name: 'CreateThing API TPS', value: 100 },
  { code: 'L-0EF0F5EE', name: 'DescribeThing API TPS', value: 350 },
  { code: 'L-57AAC135', name: 'ListThings API TPS', value: 10 },
  { code: 'L-F64D1AA6', name: 'AttachThingPrincipal API TPS', value: 100 },
  { code: 'L-2904683A', name: 'AddThingToThingGroup API TPS', value: 100 },
  { code: 'L-52E1E197', name: 'DescribeThingGroup API TPS', value: 100 },
  { code: 'L-DDCF8E97', name: 'DescribeThingType API TPS', value: 100 },
  { code: 'L-4671C7C8', name: 'RegisterCertificateWithoutCA API TPS', value: 10 },
  { code: 'L-FC864907', name: 'DescribeCertificate API TPS', value: 10 },
  { code: 'L-CA7D4E3E', name: 'AttachPolicy API TPS', value: 15 },
  { code: 'L-5CE9072D', name: 'GetPolicy API TPS', value: 10 },
];

const SERVICE_CODE = 'iotcore';
const PAGE = 100;

const noSuchResource = (message: string) => new AwsError('NoSuchResourceException', 400, message);
const illegalArgument = (message: string) => new AwsError('IllegalArgumentException', 400, message);

/** Applied values per region, over the defaults. */
export class ServiceQuotaStore {
  private readonly applied = new Map<string, Map<string, number>>();

  constructor(private readonly accountId: string) {}

  /** Sets applied values in a region (admin path); rejects unknown codes and non-positive values. */
  set(region: string, values: Record<string, unknown>): void {
    for (const [code, value] of Object.entries(values)) {
      if (!DEFAULT_IOT_CORE_QUOTAS.some((q) => q.code === code)) throw new RangeError(`Unknown quota code ${code}`);
      if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`${code} must be a non-negative number`);
    }
    const regionValues = this.applied.get(region) ?? new Map<string, number>();
    for (const [code, value] of Object.entries(values)) regionValues.set(code, value as number);
    this.applied.set(region, regionValues);
  }

  /** Back to the defaults in one region (or all). */
  reset(region?: string): void {
    if (region === undefined) this.applied.clear();
    else this.applied.delete(region);
  }

  private quota(region: string, q: { code: string; name: string; value: number }) {
    return {
      ServiceCode: SERVICE_CODE,
      ServiceName: 'AWS IoT',
      QuotaArn: `arn:aws:servicequotas:${region}:${this.accountId}:${SERVICE_CODE}/${q.code}`,
      QuotaCode: q.code,
      QuotaName: q.name,
      Value: this.applied.get(region)?.get(q.code) ?? q.value,
      Unit: 'None',
      Adjustable: true,
      GlobalQuota: false,
    };
  }

  /** Answers one awsJson1_1 operation. */
  handle(operation: string, region: string, input: Record<string, unknown>): Record<string, unknown> {
    const serviceCode = input.ServiceCode;
    if (typeof serviceCode !== 'string' || serviceCode === '') throw illegalArgument('ServiceCode is required');
    if (serviceCode !== SERVICE_CODE) throw noSuchResource(`The service ${serviceCode} is not known to this emulator (only ${SERVICE_CODE})`);
    switch (operation) {
      case 'ListServiceQuotas': {
        const max = typeof input.MaxResults === 'number' ? Math.min(PAGE, Math.max(1, input.MaxResults)) : PAGE;
        const start = typeof input.NextToken === 'string' ? Number.parseInt(input.NextToken, 10) : 0;
        if (!Number.isInteger(start) || start < 0) throw illegalArgument('NextToken is not valid');
        const page = DEFAULT_IOT_CORE_QUOTAS.slice(start, start + max).map((q) => this.quota(region, q));
        const next = start + max < DEFAULT_IOT_CORE_QUOTAS.length ? String(start + max) : undefined;
        return { Quotas: page, ...(next === undefined ? {} : { NextToken: next }) };
      }
      case 'GetServiceQuota': {
        const q = DEFAULT_IOT_CORE_QUOTAS.find((d) => d.code === input.QuotaCode);
        if (!q) throw noSuchResource(`The quota ${String(input.QuotaCode)} does not exist for ${SERVICE_CODE}`);
        return { Quota: this.quota(region, q) };
      }
      default:
        throw new AwsError('UnknownOperationException', 400, `Service Quotas operation ${operation} is not emulated`);
    }
  }
}
