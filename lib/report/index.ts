/** The drift report's formats: a terminal table, JSON for machines, Markdown for a ticket, an HTML page. */
import type { DriftReport } from '../core/drift';
import { formatHtml } from './html';
import { formatJson } from './json';
import { formatMarkdown } from './markdown';
import { formatTable } from './table';

export { formatHtml, escapeHtml } from './html';
export { formatJson } from './json';
export { formatMarkdown } from './markdown';
export { formatTable } from './table';

/** The formats a report renders to. */
export const REPORT_FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Renders a report in one format. */
export function formatReport(report: DriftReport, format: ReportFormat): string {
  switch (format) {
    case 'table':
      return formatTable(report);
    case 'json':
      return formatJson(report);
    case 'markdown':
      return formatMarkdown(report);
    case 'html':
      return formatHtml(report);
  }
}
