/** The drift report as a terminal table: the verdict, counts per kind, devices not ready, differences. */
import { DIFFERENCE_KINDS } from '../core/keys';
import type { DriftReport } from '../core/drift';
import { fieldsText, headline } from './values';
import { quotaLines } from './quotas';

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Rows listed per section before "… and N more" (default 50). */
  maxRows?: number;
}

const COUNT_COLUMNS = ['source', 'target', 'missing', 'different', 'extra', 'invalid'] as const;

/** Renders the report for a terminal (plain text, no colour codes). */
export function formatTable(report: DriftReport, options: TableOptions = {}): string {
  const maxRows = options.maxRows ?? 50;
  const lines = [headline(report), `generated ${report.generatedAt}`, ''];
  lines.push(['kind'.padEnd(26), ...COUNT_COLUMNS.map((c) => c.padStart(10))].join(''));
  for (const kind of DIFFERENCE_KINDS) {
    const c = report.byKind[kind];
    lines.push([kind.padEnd(26), ...COUNT_COLUMNS.map((col) => String(c[col]).padStart(10))].join(''));
  }
  const more = (total: number) => (total > maxRows ? [`  … and ${total - maxRows} more (use --format json for all)`] : []);
  const notReady = report.devices.filter((d) => d.status === 'not-ready');
  if (notReady.length > 0) {
    lines.push('', `devices not ready (${notReady.length}):`);
    for (const d of notReady.slice(0, maxRows)) lines.push(`  ${d.thingName}: ${d.reasons.join('; ')}`);
    lines.push(...more(notReady.length));
  }
  if (report.differences.length > 0) {
    lines.push('', `differences (${report.differences.length}):`);
    for (const d of report.differences.slice(0, maxRows)) {
      const extra = d.fields ? `  ${fieldsText(d.fields, 60)}` : d.detail ? `  ${d.detail}` : '';
      lines.push(`  ${d.change.padEnd(9)} ${d.kind.padEnd(24)} ${d.key}${extra}`);
    }
    lines.push(...more(report.differences.length));
  }
  lines.push(...quotaLines(report.quotas).map((l, i) => (i === 0 ? `\n${l}` : `  ${l}`)));
  for (const note of report.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
