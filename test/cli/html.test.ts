/**
 * `tcpscope analyze --format html` opened in a real headless browser
 * (Debian's chromium driven by playwright-core): the table has one row per
 * connection, sorting and filtering work, each row links to its diagram, and
 * every diagram has one arrow per segment. A screenshot is left in
 * $TCPSCOPE_SCREENSHOTS (default: the temporary folder) for a human to look at.
 *
 * Without chromium the browser part is skipped with a message, except in CI
 * (CI set), where it fails: CI installs chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { ConnectionReport } from '../../src/report/types.ts';
import { capture, tcpscope } from '../helpers/cli.ts';

const CHROMIUM = process.env.TCPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = !!process.env.CI;
const tmp = mkdtempSync(join(tmpdir(), 'tcpscope-html-'));
const shots = process.env.TCPSCOPE_SCREENSHOTS ?? tmp;
const files = ['client-close.pcap', 'four-way-close.pcap', 'lost-fin.pcap', 'simultaneous-close.pcap', 'timewait-reuse.pcap', 'half-close.pcap', 'rst-abort.pcap'].map(capture);

async function report(lang: 'en' | 'zh'): Promise<{ path: string; conns: (ConnectionReport & { file: string })[] }> {
  const path = join(tmp, `report-${lang}.html`);
  const r = await tcpscope(['analyze', '--os', 'linux', '--lang', lang, '--format', 'html', '--output', path, ...files]);
  assert.equal(r.code, 0, r.stderr);
  const nd = await tcpscope(['analyze', '--os', 'linux', '--format', 'ndjson', ...files]);
  const conns = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ConnectionReport & { file: string });
  return { path, conns };
}

describe('analyze --format html: the page itself', () => {
  it('is one self-contained file: nothing to fetch', async () => {
    const { path } = await report('en');
    const html = readFileSync(path, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /<link\b|<script\s+src|<img\b|@import|url\((?!#)/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
  });
});

describe('analyze --format html in a headless browser', { skip: !haveChromium && !inCI ? `chromium not found at ${CHROMIUM} (apt-get install chromium); browser test skipped` : false }, () => {
  type Browser = import('playwright-core').Browser;
  let browser: Browser;

  before(async () => {
    assert.ok(haveChromium, `CI is set but chromium is missing at ${CHROMIUM}: CI must apt-get install chromium`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('shows one row per connection, sorts, filters, links each row to a diagram with one arrow per segment', async () => {
    const { path, conns } = await report('en');
    const page = await browser.newPage({ viewport: { width: 1320, height: 1000 } });
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) external.push(req.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path).href);

    const rows = page.locator('#connections tbody tr');
    assert.equal(await rows.count(), conns.length);
    // Every row: its stream, client and active closer, and a link to its diagram.
    const table = await rows.evaluateAll((trs) => trs.map((tr) => ({
      cells: Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent ?? ''),
      href: tr.querySelector('a')?.getAttribute('href') ?? '',
    })));
    const byKey = new Map(conns.map((c) => [`${c.file}#${c.stream}`, c]));
    for (const r of table) {
      const c = byKey.get(`${r.cells[0]}#${r.cells[1]}`);
      assert.ok(c, r.cells.join(' | '));
      assert.equal(r.cells[2], `${c.client.ip}:${c.client.port}`);
      assert.equal(r.cells[6], c.close.activeCloser ?? '-');
      // The diagram the row links to has one arrow per segment of the connection.
      const arrows = await page.locator(`${r.href} svg.ladder g.seg line.arrow`).count();
      assert.equal(arrows, c.packets, `${r.href}: ${arrows} arrows for ${c.packets} segments`);
      assert.ok(await page.locator(`${r.href} svg.ladder text.state`).count() >= 4);
    }
    // Retransmitted FINs are drawn as retransmissions, TIME_WAIT as a band.
    const lostFin = table.find((r) => r.cells[0].endsWith('lost-fin.pcap'))!;
    assert.equal(await page.locator(`${lostFin.href} g.seg.k-retx`).count(), 1);
    assert.equal(await page.locator(`${lostFin.href} rect.tw`).count(), 1);

    // Sort by stream, descending on the second click.
    const streamHead = page.locator('#connections thead th', { hasText: 'stream' });
    await streamHead.click();
    await streamHead.click();
    const streams = await rows.evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLTableRowElement).cells[1].textContent)));
    assert.deepEqual(streams, [...streams].sort((a, b) => b - a));
    // Filter: only the connection whose TIME_WAIT was cut short.
    await page.fill('#filter', 'cut short');
    assert.equal(await page.locator('#connections tbody tr:not([hidden])').count(), conns.filter((c) => c.timeWait.verdict === 'cut-short').length);
    await page.fill('#filter', '');

    // The link goes to the diagram.
    await page.locator(`#connections a[href="${lostFin.href}"]`).click();
    assert.equal(new URL(page.url()).hash, lostFin.href);
    assert.ok(await page.locator(lostFin.href).isVisible());

    mkdirSync(shots, { recursive: true });
    await page.locator(lostFin.href).screenshot({ path: join(shots, 'html-lost-fin.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'html-table.png') });
    assert.deepEqual(external, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('--lang zh: the page and its diagrams in Chinese', async () => {
    const { path } = await report('zh');
    const page = await browser.newPage({ viewport: { width: 1320, height: 1000 } });
    await page.goto(pathToFileURL(path).href);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    const text = await page.locator('body').innerText();
    for (const s of ['主动关闭方', '第一次挥手', '第四次挥手', '等待计时器', '半关闭']) assert.ok(text.includes(s), s);
    await page.locator('section.conn').nth(1).screenshot({ path: join(shots, 'html-zh-four-way.png') });
    await page.close();
  });
});

describe('analyze --format html of a large capture', () => {
  it('has a row for every connection and ladder diagrams for the first 1 000, and says so', async () => {
    const { generateTo } = await import('../../src/bench/generate.ts');
    const gen = join(tmp, 'many.pcap');
    const meta = generateTo(gen, { segments: 50_000, seed: 5 });
    assert.ok(meta.connections > 1000);
    const path = join(tmp, 'many.html');
    const r = await tcpscope(['analyze', '--format', 'html', '--output', path, gen]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`first 1000 of ${meta.connections} connections`));
    const html = readFileSync(path, 'utf8');
    assert.equal(html.match(/<tr data-verdict=/g)?.length, meta.connections);
    assert.equal(html.match(/<section class="conn"/g)?.length, 1000);
    assert.equal(html.match(/<td><a href="#c0-s\d+">/g)?.length, 1000);
    assert.match(html, new RegExp(`Ladder diagrams of the first 1000 of ${meta.connections} connections`));
  });
});
