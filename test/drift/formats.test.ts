/** The report formats: a terminal table, JSON, Markdown and a self-contained HTML page, from one report. */
import { formatHtml, formatJson, formatMarkdown, formatReport, formatTable, REPORT_FORMATS } from '../../lib/report';
import { certId } from '../support/builders';
import { sampleReport } from '../support/sample-drift-report';

const report = sampleReport();
const A = certId('a');

describe('the sample report', () => {
  it('holds what the formatters are tested with', () => {
    expect(report.totals).toEqual({ differences: 4, missing: 0, different: 2, extra: 2, invalid: 0 });
    expect(report.readiness).toEqual({ devices: 4, ready: 1, notReady: 2, notApplicable: 1, readinessPercent: 33.33, connectReady: 2, connectReadinessPercent: 66.67 });
  });
});

describe('formatTable', () => {
  const text = formatTable(report);

  it('opens with the verdict and the readiness', () => {
    expect(text.split('\n')[0]).toBe('us-east-1 → eu-west-1: 4 differences; readiness 33.33% (1 of 3 devices ready, 1 not applicable)');
  });

  it('has a row of counts per kind', () => {
    expect(text).toMatch(/^certificate\s+4\s+4\s+0\s+1\s+0\s+0$/m);
    expect(text).toMatch(/^thing\s+4\s+5\s+0\s+1\s+1\s+0$/m);
  });

  it('lists the devices not ready with their reasons, and each difference with both values', () => {
    expect(text).toContain(`device-1: certificate ${A.slice(0, 12)} is INACTIVE in target`);
    expect(text).toMatch(new RegExp(`different\\s+certificate\\s+${A}\\s+status: ACTIVE → INACTIVE`));
    expect(text).toMatch(/extra\s+thing\s+stray/);
    expect(text).toContain('note: Billing groups were not compared.');
  });

  it('shortens long lists and says how many rows it left out', () => {
    const short = formatTable(report, { maxRows: 1 });
    expect(short).toContain('… and 3 more (use --format json for all)');
    expect(short).not.toMatch(/extra\s+thing\s+stray/);
  });
});

describe('formatJson', () => {
  it('is the whole report, parseable', () => {
    expect(JSON.parse(formatJson(report))).toEqual(report);
  });
});

describe('formatMarkdown', () => {
  const md = formatMarkdown(report);

  it('has a title, a readiness table and a table of counts per kind', () => {
    expect(md).toContain('# Registry drift: us-east-1 → eu-west-1');
    expect(md).toContain('| 4 | 1 | 2 | 1 | 33.33% |');
    expect(md).toContain('| certificate | 4 | 4 | 0 | 1 | 0 | 0 |');
  });

  it('escapes table cells, so a pipe in a key or value does not break the table', () => {
    const row = md.split('\n').find((l) => l.includes('fleet\\|cert:'));
    expect(row).toBe(`| extra | policyAttachment | fleet\\|cert:${certId('b')} |  |`);
    expect(md).toContain('\\<script\\>');
    expect(md).not.toContain('<script>');
  });
});

describe('formatHtml', () => {
  const html = formatHtml(report);

  it('is one complete document with no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('escapes every value from the registry', () => {
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;window.injected = 1&lt;/script&gt;');
  });

  it('holds the summary, the counts per kind, the devices not ready and the differences in sortable tables', () => {
    expect(html).toContain('33.33%');
    expect(html.match(/<table class="sortable"/g)).toHaveLength(3);
    expect(html).toContain(`<td>device-1</td><td>certificate ${A.slice(0, 12)} is INACTIVE in target</td>`);
    expect(html).toContain('<li>Billing groups were not compared.</li>');
  });
});

describe('formatReport', () => {
  it.each(REPORT_FORMATS)('renders the %s format', (format) => {
    expect(formatReport(report, format).length).toBeGreaterThan(100);
  });
});
