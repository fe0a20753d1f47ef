/** The drift report as Markdown, for a ticket: summary, counts per kind, devices not ready, differences. */
import { DIFFERENCE_KINDS } from '../core/keys';
import type { DriftReport } from '../core/drift';
import { fieldsText, headline } from './values';
import { quotaLines } from './quotas';

/** Options of {@link formatMarkdown}. */
export interface MarkdownOptions {
  /** Rows per table before a "… and N more" line (default 200: tickets have size limits). */
  maxRows?: number;
}

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/([`*_<>[\]])/g, '\\$1');
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** Renders the report as GitHub-flavoured Markdown. */
export function formatMarkdown(report: DriftReport, options: MarkdownOptions = {}): string {
  const maxRows = options.maxRows ?? 200;
  const r = report.readiness;
  const more = (total: number) => (total > maxRows ? ['', `… and ${total - maxRows} more (see the JSON report).`] : []);
  const lines = [
    `# Registry drift: ${report.sourceRegion} → ${report.targetRegion}`,
    '',
    `**${cell(headline(report))}**`,
    '',
    `Generated ${report.generatedAt}.`,
    '',
    '## Readiness',
    '',
    ...table(
      ['devices', 'ready', 'not ready', 'not applicable', 'readiness'],
      [[String(r.devices), String(r.ready), String(r.notReady), String(r.notApplicable), `${r.readinessPercent}%`]],
    ),
    '',
    '## Counts per kind',
    '',
    ...table(
      ['kind', 'source', 'target', 'missing', 'different', 'extra', 'invalid'],
      DIFFERENCE_KINDS.map((kind) => {
        const c = report.byKind[kind];
        return [kind, c.source, c.target, c.missing, c.different, c.extra, c.invalid].map(String);
      }),
    ),
  ];
  const notReady = report.devices.filter((d) => d.status === 'not-ready');
  if (notReady.length > 0) {
    lines.push('', `## Devices not ready (${notReady.length})`, '');
    lines.push(...table(['device', 'reasons'], notReady.slice(0, maxRows).map((d) => [d.thingName, d.reasons.join('; ')])), ...more(notReady.length));
  }
  if (report.differences.length > 0) {
    lines.push('', `## Differences (${report.differences.length})`, '');
    lines.push(
      ...table(
        ['change', 'kind', 'key', 'details'],
        report.differences.slice(0, maxRows).map((d) => [d.change, d.kind, d.key, d.fields ? fieldsText(d.fields, 200) : (d.detail ?? '')]),
      ),
      ...more(report.differences.length),
    );
  }
  const quotas = quotaLines(report.quotas);
  if (quotas.length > 0) lines.push('', `## ${quotas[0]}`, '', ...quotas.slice(1).map((l) => `- ${cell(l)}`));
  if (report.notes.length > 0) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${cell(n)}`));
  return `${lines.join('\n')}\n`;
}
