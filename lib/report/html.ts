/**
 * The drift report as one self-contained HTML page: summary, readiness, counts per kind, devices not
 * ready and differences, every table sortable by clicking a column header (a small inline script). No
 * external resource of any kind, so it opens from a report bucket, a mail attachment or a file.
 */
import { DIFFERENCE_KINDS } from '../core/keys';
import type { DriftReport, ReportDifference } from '../core/drift';
import { differenceSeverity, SEVERITIES, type SeverityAssessment } from '../core/difference-severity';
import { statementText } from '../core/policy-statement-diff';
import { fieldsText, headline } from './values';
import { quotaLines } from './quotas';

/** Options of {@link formatHtml}. */
export interface HtmlOptions {
  /** Rows per table before a "… and N more" line (default 5,000: the page stays responsive). */
  maxRows?: number;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2330;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#5b6478}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d5d9e2;border-radius:6px;padding:.75rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}.ok{color:#1a7f37}.bad{color:#b42318}
table{border-collapse:collapse;width:100%;margin:.25rem 0}th,td{border:1px solid #d5d9e2;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f9;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.n{text-align:right;font-variant-numeric:tabular-nums}td code{white-space:pre-wrap;word-break:break-all}
.more,.note{color:#5b6478}
.sev{font-weight:600;text-transform:uppercase;font-size:.8rem}.sev-critical{color:#fff;background:#b42318;padding:0 .3rem;border-radius:3px}
.sev-high{color:#b42318}.sev-medium{color:#b54708}.sev-low{color:#5b6478}
ul.pd{margin:.25rem 0;padding-left:1.1rem}ul.pd li{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}
.pd-add{color:#1a7f37}.pd-rem{color:#b42318}.pd-chg{color:#b54708}`;

/** Sorts a table's body by the clicked header's column, numerically when every value is a number. */
const SCRIPT = `
(function(){
  function key(row,i){var c=row.cells[i];return c?(c.getAttribute('data-sort')||c.textContent||'').trim():'';}
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click',function(){
      var table=th.closest('table'),body=table.tBodies[0],i=th.cellIndex;
      var asc=th.getAttribute('aria-sort')!=='ascending';
      table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var rows=Array.prototype.slice.call(body.rows);
      var numeric=rows.every(function(r){var v=key(r,i);return v!==''&&!isNaN(Number(v));});
      rows.sort(function(a,b){
        var x=key(a,i),y=key(b,i);
        var d=numeric?Number(x)-Number(y):x.localeCompare(y,undefined,{numeric:true});
        return asc?d:-d;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
})();`;

/** A cell whose HTML is built (and escaped) by the caller, with the text it sorts by. */
interface RawCell {
  html: string;
  sort: string;
}

function sortableTable(id: string, header: string[], rows: (string | RawCell)[][], numericColumns: ReadonlySet<number> = new Set()): string {
  const head = `<thead><tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const cell = (c: string | RawCell, i: number) =>
    typeof c !== 'string'
      ? `<td data-sort="${escapeHtml(c.sort)}">${c.html}</td>`
      : numericColumns.has(i)
        ? `<td class="n">${escapeHtml(c)}</td>`
        : `<td>${escapeHtml(c)}</td>`;
  const body = rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
  return `<table class="sortable" id="${id}">${head}<tbody>\n${body}\n</tbody></table>`;
}

/** The severity cell: sorts critical first (0) to low (3). */
function severityCell(a: SeverityAssessment): RawCell {
  return { html: `<span class="sev sev-${a.severity}" title="${escapeHtml(a.why)}">${a.severity}</span>`, sort: String(SEVERITIES.indexOf(a.severity)) };
}

/** A difference's details: a policy document as statements added, removed and changed; other fields as text. */
function detailsCell(d: ReportDifference, a: SeverityAssessment): RawCell | string {
  const pd = a.policyDiff;
  if (!pd || pd.unreadable) return d.fields ? fieldsText(d.fields, 500) : (d.detail ?? '');
  const items = [
    ...pd.added.map((st) => `<li class="pd-add">+ added: ${escapeHtml(statementText(st))}</li>`),
    ...pd.removed.map((st) => `<li class="pd-rem">− removed: ${escapeHtml(statementText(st))}</li>`),
    ...pd.changed.map(
      (c) => `<li class="pd-chg">~ changed ${escapeHtml(c.members.join(', '))}: ${escapeHtml(statementText(c.source))} → ${escapeHtml(statementText(c.target))}</li>`,
    ),
  ];
  const text = `${pd.added.length} added, ${pd.removed.length} removed, ${pd.changed.length} changed`;
  return { html: `${escapeHtml(a.why)}: ${escapeHtml(text)}<ul class="pd">${items.join('')}</ul>`, sort: text };
}

/** Renders the report as a complete HTML document. */
export function formatHtml(report: DriftReport, options: HtmlOptions = {}): string {
  const maxRows = options.maxRows ?? 5000;
  const r = report.readiness;
  const more = (total: number) => (total > maxRows ? `<p class="more">… and ${total - maxRows} more (see the JSON report).</p>` : '');
  const card = (label: string, value: string, good?: boolean) =>
    `<div class="card">${escapeHtml(label)}<b class="${good === undefined ? '' : good ? 'ok' : 'bad'}">${escapeHtml(value)}</b></div>`;
  const notReady = report.devices.filter((d) => d.status === 'not-ready');
  const drill = report.drill;
  const drillRefusal = new Map((drill?.refused ?? []).map((x) => [x.thingName, x.reason]));
  const drillCell = (thingName: string) => (drillRefusal.has(thingName) ? `refused: ${drillRefusal.get(thingName)}` : 'connected');
  const applicable = r.devices - r.notApplicable;
  const connectReady = r.connectReady ?? applicable - report.devices.filter((d) => d.status === 'not-ready' && d.connectReady === false).length;
  const connectPercent = r.connectReadinessPercent ?? (applicable === 0 ? 100 : Math.round((connectReady / applicable) * 10_000) / 100);
  const assessed = report.differences.slice(0, maxRows).map((d) => ({ d, a: differenceSeverity(d) }));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<(typeof SEVERITIES)[number], number>;
  for (const d of report.differences) bySeverity[differenceSeverity(d).severity] += 1;
  const notApplicable = report.devices.filter((d) => d.status === 'not-applicable');
  const counts = sortableTable(
    'counts',
    ['kind', 'source', 'target', 'missing', 'different', 'extra', 'invalid'],
    DIFFERENCE_KINDS.map((kind) => {
      const c = report.byKind[kind];
      return [kind, c.source, c.target, c.missing, c.different, c.extra, c.invalid].map(String);
    }),
    new Set([1, 2, 3, 4, 5, 6]),
  );
  const sections = [
    `<h1>Registry drift: ${escapeHtml(report.sourceRegion)} → ${escapeHtml(report.targetRegion)}</h1>`,
    `<p class="meta">${escapeHtml(headline(report))}<br>Generated ${escapeHtml(report.generatedAt)}</p>`,
    `<section id="summary"><div class="cards">${[
      card('Differences', String(report.totals.differences), report.inSync),
      card('Connect-ready', `${connectPercent}%`, connectReady === applicable),
      card('Fully ready', `${r.readinessPercent}%`, r.notReady === 0),
      ...(drill ? [card(`Drill (${drill.region})`, `${drill.connected}/${drill.devices} connected`, drill.refused.length === 0)] : []),
      ...(bySeverity.critical > 0 ? [card('Critical differences', String(bySeverity.critical), false)] : []),
      card('Devices', String(r.devices)),
      card('Ready', String(r.ready)),
      card('Not ready', String(r.notReady), r.notReady === 0),
      card('Not applicable', String(r.notApplicable)),
    ].join('')}</div></section>`,
    `<section id="kinds"><h2>Counts per kind</h2>${counts}</section>`,
    `<section id="readiness"><h2>Devices not ready (${notReady.length})</h2>${
      notReady.length === 0
        ? '<p class="ok">Every applicable device could connect in the target.</p>'
        : sortableTable(
            'devices',
            ['device', 'reasons', 'connect-ready', 'fully ready', ...(drill ? ['drill'] : [])],
            notReady
              .slice(0, maxRows)
              .map((d) => [
                d.thingName,
                d.reasons.join('; '),
                d.connectReady === false ? `no: ${(d.connectReasons ?? []).join('; ')}` : d.connectReady === true ? 'yes' : 'unknown',
                d.fullyReady === true ? 'yes' : 'no',
                ...(drill ? [drillCell(d.thingName)] : []),
              ]),
          ) + more(notReady.length)
    }${
      notApplicable.length === 0 ? '' : `<p class="note">${notApplicable.length} device(s) without an ACTIVE certificate in the source are not applicable.</p>`
    }</section>`,
    `<section id="differences"><h2>Differences (${report.differences.length})</h2>${
      report.differences.length === 0
        ? '<p class="ok">None.</p>'
        : sortableTable(
            'difference-list',
            ['severity', 'change', 'kind', 'key', 'details'],
            assessed.map(({ d, a }) => [severityCell(a), d.change, d.kind, d.key, detailsCell(d, a)]),
          ) + more(report.differences.length)
    }</section>`,
    quotaSection(report.quotas),
    drill === undefined
      ? ''
      : `<section id="drill"><h2>Connection drill in ${escapeHtml(drill.region)}: ${drill.connected}/${drill.devices} connected</h2>${
          drill.refused.length === 0
            ? '<p class="ok">Every device connected.</p>'
            : sortableTable('drill-refused', ['device', 'refused because'], drill.refused.slice(0, maxRows).map((x) => [x.thingName, x.reason])) + more(drill.refused.length)
        }</section>`,
    report.notes.length === 0 ? '' : `<section id="notes"><h2>Notes</h2><ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Registry drift ${escapeHtml(report.sourceRegion)} → ${escapeHtml(report.targetRegion)}</title>
<style>${STYLE}</style></head>
<body>
${sections.join('\n')}
<script>${SCRIPT}</script>
</body></html>
`;
}

/** The quota section: the verdict, then each lower quota (nothing when quotas were not read). */
function quotaSection(quotas: DriftReport['quotas']): string {
  const [title, ...items] = quotaLines(quotas);
  if (title === undefined) return '';
  return `<section id="quotas"><h2>${escapeHtml(title)}</h2>${items.length === 0 ? '' : `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`}</section>`;
}
