/**
 * `--format html`: one self-contained page (inline CSS, JS and data;
 * nothing fetched). The summary and captures are written here; the table
 * of connections and the ladder diagrams are built in the browser from
 * compact data (html/data.ts) by the page script (html/page.ts): a row
 * click opens that connection's diagram, drawn then (html/ladder-svg.ts),
 * the table sorts (numeric columns as numbers) and filters with the
 * `--filter` language, run by the same parser as the command line
 * (report/filter.ts).
 *
 * The page's code is tcpscope's own functions, embedded as their source
 * (Function.prototype.toString): each is written self-contained for that.
 * The data goes in a `<script type="application/json">` element through
 * escape/script.ts, so nothing in it (a file name holding `</script>`)
 * can end the element.
 */
import { FILTER_VOCABULARY, filterLanguage } from '../report/filter.ts';
import type { AnalysisDocument } from '../report/types.ts';
import { html } from './escape/html.ts';
import { scriptJson } from './escape/script.ts';
import { termText } from './escape/terminal.ts';
import { type Lang, t, warningLine } from './i18n.ts';
import type { PageData } from './html/data.ts';
import { ladderHtml } from './html/ladder-svg.ts';
import { reportPage } from './html/page.ts';
import { CSS } from './html/style.ts';
import { decodeLine, summarize, summaryLines, allConnections } from './rows.ts';
import { duration } from './text.ts';

const esc = html;

/**
 * The source of a self-contained function, to embed in a page's script.
 * Under tsx (the tests' loader) named inner functions come wrapped in
 * `__name(fn, "name")`; the page defines that as the identity. The built
 * package's functions are as written.
 */
export function functionSource(f: (...args: never[]) => unknown): string {
  const src = f.toString();
  // Our own code, but a `</script` in it would end the element early.
  if (/<\/script|<!--/i.test(src)) throw new Error(`internal error: ${f.name}'s source cannot be embedded in a <script> element`);
  return src;
}

/** The page's script: the embedded functions, called with the page's data. */
export function pageScript(main: string, args: string[]): string {
  return `"use strict";var __name=function(f){return f};(${main})(${args.join(',')});`;
}

/** The filter language and html escaping, as the page's script gets them. */
export function sharedScriptParts(): { language: string; esc: string; ladder: string } {
  return {
    language: `(${functionSource(filterLanguage)})(${scriptJson(FILTER_VOCABULARY)})`,
    esc: functionSource(html),
    ladder: functionSource(ladderHtml),
  };
}

/** A page's start, to its <body>: language, character set, viewport, generator, title, the style sheet. */
export function pageHead(lang: Lang, title: string, version: string): string {
  return `<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tcpscope ${esc(version)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
`;
}

export function renderHtml(doc: AnalysisDocument, data: PageData): string {
  const lang: Lang = data.lang;
  const l = data.text;
  const total = data.connections.length;
  const sum = summaryLines(summarize(allConnections(doc)), doc.settings, lang);
  const capLines = doc.captures.map((cap) => {
    const decode = decodeLine(cap, lang);
    return `<li>${esc(t(lang, 'sum.capture', { file: termText(cap.file), format: cap.format, frames: cap.frames, segments: cap.tcpSegments, n: cap.connections.length }))}` +
      (decode !== null ? `<div class="skipped">${esc(decode)}</div>` : '') +
      (cap.warnings.length ? `<ul class="warn">${cap.warnings.map((w) => `<li>${esc(warningLine(lang, cap.file, w))}</li>`).join('')}</ul>` : '') + '</li>';
  });
  const parts = sharedScriptParts();
  const script = pageScript(functionSource(reportPage), [
    'document', "JSON.parse(document.getElementById('tcpscope-data').textContent)", parts.language, parts.esc, parts.ladder,
  ]);
  const some = data.drawn < total
    ? `<p class="hint some">${esc(l.some.replace('{shown}', String(data.drawn)).replace('{total}', String(total)))}</p>\n` : '';

  return `${pageHead(lang, l.title, doc.tool.version)}<header id="top">
<h1>${esc(l.title)}</h1>
<p class="settings">${esc(l.settings)}: --os ${esc(doc.settings.os)}, MSL ${esc(duration(doc.settings.msl))}, 2MSL ${esc(duration(doc.settings.timeWaitSeconds))} · tcpscope ${esc(doc.tool.version)}</p>
<h2>${esc(l.captures)}</h2>
<ul class="captures">${capLines.join('')}</ul>
<ul class="summary">${sum.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
</header>
<main>
<h2>${esc(l.connections)}</h2>
<div class="controls"><label>${esc(l.filter)} <input id="filter" type="search" autocomplete="off" spellcheck="false" placeholder="${esc(l.filterHint)}"></label> <span id="count" class="count"></span> <span class="hint">${esc(l.rowHint)}</span></div>
<p id="filter-error" class="error" role="alert" hidden></p>
<noscript><p class="error">${esc(l.noScript)}</p></noscript>
<table id="connections">
<thead><tr></tr></thead>
<tbody></tbody>
</table>
<p id="empty" hidden>${esc(l.noRows)}</p>
${some}</main>
<dialog id="conn" aria-labelledby="conn-title">
<div class="dialog-head"><h3 id="conn-title"></h3><button id="conn-close" type="button">${esc(l.close)}</button></div>
<div id="conn-body"></div>
</dialog>
<footer>${esc(l.generated)} ${esc(doc.tool.version)}</footer>
<script type="application/json" id="tcpscope-data">${scriptJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
