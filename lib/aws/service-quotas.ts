/**
 * Reads a region's applied IoT Core quotas through Service Quotas (ListServiceQuotas, paginated; a quota the
 * other region lists but this one does not is asked for with GetServiceQuota) and compares both regions.
 * ListServiceQuotas leaves out quotas whose applied value is not available.
 * https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html
 * https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
 */
import { GetServiceQuotaCommand, ListServiceQuotasCommand, NoSuchResourceException, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { compareQuotas, IOT_CORE_SERVICE_CODE, type QuotaComparison, type QuotaValue } from '../core/quota-readiness';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { isLoopbackUrl, ROLE_SESSION_NAME, staticCredentialsFor } from './clients';

/** A Service Quotas client for a region (the emulator's when `endpoint` is given; through `roleArn` when given). */
export function createServiceQuotasClient(region: string, endpoint?: string, roleArn?: string): ServiceQuotasClient {
  const local = endpoint !== undefined && isLoopbackUrl(endpoint) ? staticCredentialsFor({ region, endpoint }, process.env) : undefined;
  const credentials = roleArn === undefined ? local : fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME }, ...(local ? { masterCredentials: local } : {}) });
  return new ServiceQuotasClient({ region, ...(endpoint === undefined ? {} : { endpoint }), ...(credentials ? { credentials } : {}), maxAttempts: 3 });
}

/** Every applied quota of a service in the client's region. */
export async function listAppliedQuotas(client: ServiceQuotasClient, serviceCode = IOT_CORE_SERVICE_CODE): Promise<QuotaValue[]> {
  const out: QuotaValue[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListServiceQuotasCommand({ ServiceCode: serviceCode, MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) }));
    for (const q of page.Quotas ?? []) {
      if (q.QuotaCode === undefined || q.Value === undefined) continue;
      out.push({ code: q.QuotaCode, name: q.QuotaName ?? q.QuotaCode, value: q.Value, ...(q.Unit === undefined ? {} : { unit: q.Unit }) });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

/** Compares the applied quotas of both regions (source = primary, target = secondary). */
export async function compareRegionQuotas(source: ServiceQuotasClient, target: ServiceQuotasClient, serviceCode = IOT_CORE_SERVICE_CODE): Promise<QuotaComparison> {
  const [inSource, inTarget] = await Promise.all([listAppliedQuotas(source, serviceCode), listAppliedQuotas(target, serviceCode)]);
  const listed = new Set(inTarget.map((q) => q.code));
  for (const q of inSource.filter((s) => !listed.has(s.code))) {
    try {
      const got = await target.send(new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: q.code }));
      if (got.Quota?.Value !== undefined) inTarget.push({ code: q.code, name: got.Quota.QuotaName ?? q.name, value: got.Quota.Value });
    } catch (error) {
      if (!(error instanceof NoSuchResourceException)) throw error;
    }
  }
  return compareQuotas(inSource, inTarget, serviceCode);
}
