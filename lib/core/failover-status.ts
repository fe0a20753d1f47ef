/**
 * The failover's state as `failover status` reports it, and its verdict, pure: where the domain resolves,
 * each health check, the last canary run per region, the secondary's last readiness against the threshold,
 * the sync lag and the quotas. Ready when both canaries succeed, readiness is known and at or above the
 * threshold, and no secondary quota is lower.
 */
import type { QuotaComparison } from './quota-readiness';

/** One health check as Route 53 observes it. */
export interface HealthCheckState {
  /** Which check: the record's role and what it follows. */
  role: string;
  id: string;
  type?: string;
  /** Healthy when most Route 53 observers report success; undefined when none report. */
  healthy?: boolean;
  /** One observer's last status text, for the operator. */
  detail?: string;
}

/** The last canary run of a region. */
export interface CanaryState {
  region: string;
  /** Alarm state of the canary alarm (OK, ALARM, INSUFFICIENT_DATA), when found. */
  alarm?: string;
  /** Last CanarySuccess value (1 or 0) and when, when any. */
  lastSuccess?: number;
  lastAt?: string;
  lastLatencyMs?: number;
}

/** Everything `failover status` reports. */
export interface FailoverStatus {
  domainName: string;
  hostedZoneId: string;
  sourceRegion: string;
  targetRegion: string;
  /** What Route 53 answers for the domain now (the CNAME target), and which record that is. */
  resolvesTo?: { value: string; record?: 'PRIMARY' | 'SECONDARY' };
  records: { failover: 'PRIMARY' | 'SECONDARY'; value: string; healthCheckId?: string }[];
  healthChecks: HealthCheckState[];
  canaries: CanaryState[];
  readiness: { percent?: number; at?: string; threshold: number };
  /** The domain configuration of each region: its status, or that it is missing. */
  domainConfigurations: { region: string; name: string; status: 'ENABLED' | 'DISABLED' | 'missing'; domainName?: string }[];
  /** interval × failure threshold + TTL, from the primary canary alarm and the PRIMARY record, when both were read. */
  expectedFailoverSeconds?: number;
  /** Longest sync execution in the last hour, when the sync state machine was named. */
  syncLagSeconds?: number;
  quotas?: QuotaComparison;
  /** Why the failover is not ready (empty when it is). */
  problems: string[];
}

/** The reasons a failover would not work now (empty when healthy and ready). */
export function failoverProblems(status: Omit<FailoverStatus, 'problems'>): string[] {
  const problems: string[] = [];
  if (status.records.length < 2) problems.push(`expected a PRIMARY and a SECONDARY record for ${status.domainName}, found ${status.records.map((r) => r.failover).join(', ') || 'none'}`);
  for (const check of status.healthChecks) {
    if (check.healthy === false) problems.push(`health check ${check.role} (${check.id}) is unhealthy${check.detail ? `: ${check.detail}` : ''}`);
    if (check.healthy === undefined) problems.push(`health check ${check.role} (${check.id}) has no observation`);
  }
  for (const d of status.domainConfigurations) {
    if (d.status !== 'ENABLED') problems.push(`the domain configuration ${d.name} in ${d.region} is ${d.status === 'missing' ? 'missing' : 'DISABLED'}`);
    else if (d.domainName !== undefined && d.domainName !== status.domainName) problems.push(`the domain configuration ${d.name} in ${d.region} serves ${d.domainName}, not ${status.domainName}`);
  }
  for (const canary of status.canaries) {
    if (canary.lastSuccess === undefined) problems.push(`no canary result in ${canary.region} in the last 10 minutes`);
    else if (canary.lastSuccess < 1) problems.push(`the last canary run in ${canary.region} failed (${canary.lastAt})`);
  }
  const r = status.readiness;
  if (r.percent === undefined) problems.push(`no readiness measured for ${status.targetRegion} in the last 2 days`);
  else if (r.percent < r.threshold) problems.push(`readiness of ${status.targetRegion} is ${r.percent} %, below the threshold ${r.threshold} %`);
  for (const q of status.quotas?.lower ?? []) problems.push(`quota ${q.name} (${q.code}) is ${q.target} in ${status.targetRegion}, lower than ${q.source} in ${status.sourceRegion}`);
  return problems;
}

/** The command's exit code: 0 healthy and ready, 2 not ready. */
export function failoverExitCode(status: FailoverStatus): 0 | 2 {
  return status.problems.length === 0 ? 0 : 2;
}

/** Route 53's observer reports read as one verdict: healthy when most start with "Success". UNCONFIRMED wording. */
export function observedHealth(statuses: readonly string[]): boolean | undefined {
  if (statuses.length === 0) return undefined;
  const ok = statuses.filter((s) => s.startsWith('Success')).length;
  return ok * 2 > statuses.length;
}
