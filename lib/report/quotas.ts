/** The quota section's lines, shared by the formats: a title, then one line per lower or uncompared quota. */
import { describeLowerQuota, type QuotaComparison } from '../core/quota-readiness';

/** Empty when the quotas were not read. */
export function quotaLines(quotas: QuotaComparison | undefined): string[] {
  if (quotas === undefined) return [];
  const title =
    quotas.lower.length === 0
      ? `Quotas (${quotas.serviceCode}): none of ${quotas.compared} lower in the target`
      : `Quotas (${quotas.serviceCode}): ${quotas.lower.length} of ${quotas.compared} lower in the target`;
  return [
    title,
    ...quotas.lower.map(describeLowerQuota),
    ...quotas.missingInTarget.map((q) => `${q.name} (${q.code}): not reported by the target, not compared`),
  ];
}
