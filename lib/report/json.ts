/** The drift report for machines: the whole report as JSON. */
import type { DriftReport } from '../core/drift';

/** Renders the report as indented JSON (every difference and every device that is not ready). */
export function formatJson(report: DriftReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
