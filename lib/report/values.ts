/** How report values are shown in text: strings as they are, other values as JSON, long ones shortened. */
import type { FieldDifference } from '../core/diff';
import type { DriftReport } from '../core/drift';

/** A field value as text; `max` shortens it with an ellipsis (0: never). */
export function valueText(value: unknown, max = 0): string {
  const text = value === null || value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
  return max > 0 && text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

/** The fields of a difference as one line: `field: source → target; …`. */
export function fieldsText(fields: readonly FieldDifference[] | undefined, max = 0): string {
  return (fields ?? []).map((f) => `${f.field}: ${valueText(f.source, max)} → ${valueText(f.target, max)}`).join('; ');
}

/** The one-line verdict of a report. */
export function headline(report: DriftReport): string {
  const r = report.readiness;
  const applicable = r.devices - r.notApplicable;
  const drift = report.inSync ? 'in sync' : `${report.totals.differences} difference${report.totals.differences === 1 ? '' : 's'}`;
  return `${report.sourceRegion} → ${report.targetRegion}: ${drift}; readiness ${r.readinessPercent}% (${r.ready} of ${applicable} devices ready, ${r.notApplicable} not applicable)`;
}
