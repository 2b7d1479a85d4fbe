/**
 * `grade -f html`: the class on one self-contained page. The gradebook
 * table (each student linking to their part), then for each student their
 * marks (every criterion with its points), the feedback they get
 * (feedback.ts, as --feedback writes it) and the ladder diagram of the
 * connection they were graded on, drawn when opened by the HTML report's
 * own drawing code (render/html/ladder-svg.ts) from the same compact data
 * (render/html/data.ts).
 *
 * Everything from the submissions (student ids, file names, reasons) is
 * escaped: markup by escape/html.ts (controls shown, never obeyed), the
 * data through escape/script.ts.
 */
import { htmlText, html as esc } from '../render/escape/html.ts';
import { scriptJson } from '../render/escape/script.ts';
import { functionSource, pageHead, pageScript, sharedScriptParts } from '../render/html.ts';
import { PageDataBuilder } from '../render/html/data.ts';
import { ladderHtml } from '../render/html/ladder-svg.ts';
import { PAGE_TEXT } from '../render/html/text.ts';
import type { Lang } from '../render/i18n.ts';
import { buildLadder } from '../render/ladder.ts';
import { duration } from '../render/text.ts';
import type { Gradebook } from './batch.ts';
import { feedbackText } from './feedback.ts';
import { gt } from './i18n.ts';
import { gradePage } from './grade-page.ts';

function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export function renderGradebookHtml(gb: Gradebook, lang: Lang): string {
  const text = PAGE_TEXT[lang];
  const data = new PageDataBuilder(lang, gb.settings.timeWaitSeconds);
  // Student i's diagram is connection ladderOf[i] of the data (-1: none).
  const ladderOf = gb.students.map((s) => {
    const g = s.graded;
    if (!g) return -1;
    const file = data.addCapture({ file: s.file ?? s.student });
    data.addConnection(file, g.report, buildLadder(g.report, g.segments, { lang, data: false }), 1000);
    return file;
  });
  const criteria = gb.rubric.criteria;
  const mark = (pass: boolean | undefined): string => (pass === undefined ? '-' : pass ? '✓' : '✗');

  const head = [gt(lang, 'gb.student'), gt(lang, 'gb.file'), gt(lang, 'gb.score'), ...criteria.map((c) => `${c.id} (${num(c.points)})`), gt(lang, 'gb.note')];
  const rows = gb.students.map((s, i) => {
    const byId = new Map(s.criteria.map((c) => [c.id, c.pass]));
    const note = s.status === 'graded' ? (s.duplicateId ? gt(lang, 'gb.duplicate') : '') : s.reason ?? s.status;
    return `<tr><td><a href="#student-${i}">${htmlText(s.student)}</a></td><td>${htmlText(s.file ?? '-')}</td><td class="num">${num(s.score)}/${num(s.max)}</td>` +
      criteria.map((c) => `<td class="${byId.get(c.id) === undefined ? '' : byId.get(c.id) ? 'pass' : 'fail'}">${mark(byId.get(c.id))}</td>`).join('') +
      `<td>${htmlText(note)}</td></tr>`;
  });

  const sections = gb.students.map((s, i) => {
    const byId = new Map(s.criteria.map((c) => [c.id, c]));
    const marks = criteria.map((c) => {
      const r = byId.get(c.id);
      return `<tr><td><code>${esc(c.id)}</code></td><td>${esc(c.description[lang])}</td><td class="num">${r ? num(r.earned) : '0'}/${num(c.points)}</td>` +
        `<td class="${r === undefined ? '' : r.pass ? 'pass' : 'fail'}">${mark(r?.pass)}</td></tr>`;
    });
    const k = ladderOf[i];
    const ladder = k < 0 ? '' : `<details class="ladder" data-k="${k}"><summary>${esc(text.ladder)} · ${esc(gt(lang, 'gb.stream'))} ${s.graded?.report.stream ?? ''}</summary><div class="ladder-body"></div></details>`;
    return `<section class="student" id="student-${i}">
<h2>${htmlText(s.student)} <small>${num(s.score)} / ${num(s.max)}</small></h2>
<table class="marks"><thead><tr><th>id</th><th>${esc(text.criterion)}</th><th class="num">${esc(gt(lang, 'gb.score'))}</th><th></th></tr></thead><tbody>${marks.join('')}</tbody></table>
<details class="feedback" open><summary>${esc(text.feedback)}</summary><pre>${esc(feedbackText(gb, s, lang))}</pre></details>
${ladder}
</section>`;
  });

  const scores = gb.students.map((s) => s.score).sort((a, b) => a - b);
  const n = scores.length;
  const stats = gt(lang, 'gb.stats', {
    mean: (n ? scores.reduce((a, b) => a + b, 0) / n : 0).toFixed(2), max: num(gb.rubric.max),
    median: num(n === 0 ? 0 : n % 2 ? scores[(n - 1) / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2),
    zero: scores.filter((x) => x === 0).length, broken: gb.students.filter((s) => s.status !== 'graded').length,
  });
  const copies = gb.copies.length === 0 ? [`<p>${esc(gt(lang, 'gb.noCopies'))}</p>`]
    : ['<ul>', ...gb.copies.map((g) => `<li>${htmlText(gt(lang, 'gb.copyLine', { students: g.students.join(', '), how: gt(lang, `copy.${g.kind}`, { files: g.files.join(', '), detail: g.detail }) }))}</li>`), '</ul>'];
  const parts = sharedScriptParts();
  const script = pageScript(functionSource(gradePage), ['document', "JSON.parse(document.getElementById('tcpscope-data').textContent)", parts.esc, parts.ladder]);
  const title = gt(lang, 'gb.title', { rubric: gb.rubric.title[lang], n: gb.students.length, files: gb.files });

  return `${pageHead(lang, title, gb.tool.version)}<header>
<h1>${esc(title)}</h1>
<p class="settings">--os ${esc(gb.settings.os)}, 2MSL ${esc(duration(gb.settings.timeWaitSeconds))} · tcpscope ${esc(gb.tool.version)}</p>
<p>${esc(stats)}</p>
</header>
<main>
<div class="diagram"><table id="gradebook"><thead><tr>${head.map((h, i) => `<th${i === 2 ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>
<h2>${esc(gt(lang, 'gb.copyTitle'))}</h2>
${copies.join('\n')}
${sections.join('\n')}
</main>
<footer>${esc(text.generated)} ${esc(gb.tool.version)}</footer>
<script type="application/json" id="tcpscope-data">${scriptJson(data.build())}</script>
<script>${script}</script>
</body>
</html>
`;
}
