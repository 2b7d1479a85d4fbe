/**
 * `grade -f html`: one page for the class, a section per student with
 * their marks, the feedback --feedback writes for them, and the ladder of
 * the connection they were graded on, drawn when opened. Opened in
 * headless Chromium (skipped without it, except in CI).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type { Gradebook } from '../../src/grade/batch.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { tcpscope } from '../helpers/cli.ts';
import { fixture } from './class.ts';

const CHROMIUM = process.env.TCPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = !!process.env.CI;

describe('grade -f html', { skip: !haveChromium && !inCI ? `chromium not found at ${CHROMIUM}; skipped` : false }, () => {
  it("shows each student's marks, feedback and graded connection's ladder, names escaped", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-gradehtml-'));
    const subs = join(dir, 'subs');
    mkdirSync(subs);
    copyFileSync(fixture('client-close'), join(subs, 's01.pcap'));
    copyFileSync(fixture('rst-abort'), join(subs, 's02.pcap'));
    copyFileSync(fixture('four-way-close'), join(subs, '<img src=x onerror="window.pwned=1">.pcap'));
    const page = join(dir, 'class.html');
    const fb = join(dir, 'feedback');
    const r = await tcpscope(['grade', subs, '--rubric', 'lifecycle-lab', '-f', 'html', '-o', page, '--feedback', fb]);
    assert.equal(r.code, 0, r.stderr);
    const gb = JSON.parse((await tcpscope(['grade', subs, '--rubric', 'lifecycle-lab', '-f', 'json'])).stdout) as Gradebook;

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(pathToFileURL(page).href);
      assert.equal(await p.locator('#gradebook tbody tr').count(), gb.students.length);
      assert.equal(await p.locator('section.student').count(), gb.students.length);
      assert.equal(await p.locator('img').count(), 0);
      assert.equal(await p.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
      for (const [i, s] of gb.students.entries()) {
        const sec = p.locator(`#student-${i}`);
        assert.equal((await sec.locator('h2').textContent())?.startsWith(s.student), true, s.student);
        assert.equal(await sec.locator('table.marks tbody tr').count(), gb.rubric.criteria.length);
        assert.equal(await sec.locator('table.marks td.pass').count(), s.criteria.filter((c) => c.pass).length);
        // The feedback is the --feedback file's text.
        const name = readFileSync(join(fb, `${s.student.replace(/[\\/:*?"<>|]/g, '_')}.txt`), 'utf8');
        assert.equal(await sec.locator('details.feedback pre').textContent(), name);
        // Its ladder, drawn when opened: every segment of the graded connection, as an arrow or in a fold.
        assert.equal(await sec.locator('svg').count(), 0);
        await sec.locator('details.ladder summary').click();
        await sec.locator('svg.ladder').waitFor();
        const arrows = await sec.locator('g.seg').count();
        const folded = await sec.locator('g.fold').evaluateAll((gs) => gs.reduce((n, g) => n + Number(g.getAttribute('data-segments')), 0));
        const nd = await tcpscope(['analyze', '--format', 'ndjson', '--stream', String(s.stream), s.file ?? '']);
        const conn = JSON.parse(nd.stdout) as ConnectionReport;
        assert.equal(arrows + folded, conn.packets, s.student);
      }
      assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
      await p.screenshot({ path: join(process.env.TCPSCOPE_SCREENSHOTS ?? dir, 'grade-html.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
