/**
 * The HTML report in a real browser (headless Chromium from the @sparticuz/chromium npm package, through
 * playwright-core): it renders with no console error, clicking a column header sorts its table, and a
 * screenshot is saved. A browser that cannot start fails the test.
 */
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatHtml } from '../../lib/report';
import { sampleReport } from '../support/sample-drift-report';
import { launchChromium } from '../support/chromium';

const SCREENSHOT = join(tmpdir(), 'iot-registry-sync-test-output', 'drift-report.png');

let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  // Any request at all would be an external resource: the page must be self-contained.
  page.on('request', (request) => problems.push(`request: ${request.url()}`));
  await page.setContent(formatHtml(sampleReport()), { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
});

/** The part of a table row the test reads (the project's TypeScript has no DOM types). */
type Row = { cells: ArrayLike<{ textContent: string | null }> };

/** The text of one column of a table's body, in displayed order. */
const column = (table: string, index: number): Promise<string[]> =>
  page.$$eval(`#${table} tbody tr`, (rows, i) => rows.map((r) => (r as unknown as Row).cells[i]?.textContent ?? ''), index);

describe('the HTML drift report in Chromium', () => {
  it('renders the summary without console errors, page errors or requests, and runs no injected script', async () => {
    expect(await page.textContent('h1')).toBe('Registry drift: us-east-1 → eu-west-1');
    expect(await page.textContent('#summary')).toContain('33.33%');
    expect(await page.evaluate(() => (globalThis as unknown as { injected?: number }).injected)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('sorts the differences by a text column, ascending then descending, when its header is clicked', async () => {
    const keys = await column('difference-list', 2);
    await page.click('#difference-list th:nth-child(3)');
    expect(await column('difference-list', 2)).toEqual([...keys].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
    expect(await page.getAttribute('#difference-list th:nth-child(3)', 'aria-sort')).toBe('ascending');
    await page.click('#difference-list th:nth-child(3)');
    expect(await column('difference-list', 2)).toEqual([...keys].sort((a, b) => b.localeCompare(a, undefined, { numeric: true })));
  });

  it('sorts a numeric column by value, not as text', async () => {
    await page.click('#counts th:nth-child(2)');
    const sources = (await column('counts', 1)).map(Number);
    expect(sources).toEqual([...sources].sort((a, b) => a - b));
    expect(sources.at(-1)).toBeGreaterThanOrEqual(4);
  });

  it('saves a screenshot', async () => {
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  });
});
