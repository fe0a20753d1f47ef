/**
 * Readiness includes quotas: a standby with the right registry but lower limits still fails a failover
 * (devices throttled or refused after the flip), which is why the recovery controller's readiness checks
 * compare quotas between cells. This compares the applied IoT Core quotas (Service Quotas, service code
 * `iotcore`) of both regions and lists each one where the secondary's value is lower.
 * https://docs.aws.amazon.com/r53recovery/latest/dg/recovery-readiness.html
 */

/** The Service Quotas service code of AWS IoT Core. */
export const IOT_CORE_SERVICE_CODE = 'iotcore';

/** One applied quota value of one region. */
export interface QuotaValue {
  code: string;
  name: string;
  value: number;
  unit?: string;
}

/** A quota whose secondary value is lower than the primary's. */
export interface LowerQuota {
  code: string;
  name: string;
  source: number;
  target: number;
  unit?: string;
}

/** The quota section of the drift report. */
export interface QuotaComparison {
  serviceCode: string;
  /** Quotas present in both regions and compared. */
  compared: number;
  /** Where the secondary (target) is lower, by quota code. */
  lower: LowerQuota[];
  /** Quotas the primary reports and the secondary does not (not compared). */
  missingInTarget: { code: string; name: string }[];
}

/** Compares two regions' applied quotas; pure. */
export function compareQuotas(source: readonly QuotaValue[], target: readonly QuotaValue[], serviceCode = IOT_CORE_SERVICE_CODE): QuotaComparison {
  const targetByCode = new Map(target.map((q) => [q.code, q]));
  const lower: LowerQuota[] = [];
  const missingInTarget: { code: string; name: string }[] = [];
  let compared = 0;
  for (const s of [...source].sort((a, b) => (a.code < b.code ? -1 : 1))) {
    const t = targetByCode.get(s.code);
    if (t === undefined) {
      missingInTarget.push({ code: s.code, name: s.name });
      continue;
    }
    compared++;
    if (t.value < s.value) lower.push({ code: s.code, name: s.name, source: s.value, target: t.value, ...(s.unit === undefined ? {} : { unit: s.unit }) });
  }
  return { serviceCode, compared, lower, missingInTarget };
}

/** Whether the quotas block a failover (some secondary quota is lower). */
export function quotasReady(comparison: QuotaComparison | undefined): boolean {
  return comparison === undefined || comparison.lower.length === 0;
}

/** One line per lower quota, for terminals, Markdown and logs. */
export function describeLowerQuota(q: LowerQuota): string {
  return `${q.name} (${q.code}): secondary ${q.target} < primary ${q.source}${q.unit && q.unit !== 'None' ? ` ${q.unit}` : ''}`;
}
