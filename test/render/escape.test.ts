/**
 * The escaping modules (src/render/escape), one per output kind, and the
 * renderers that show a file name or a capture's text: nothing a name holds
 * reaches a terminal, a spreadsheet, a Markdown page or an HTML page as
 * anything but text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { segmentsOf } from '../../src/analyze/segments.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { AnalysisDocument } from '../../src/report/types.ts';
import { csvCell } from '../../src/render/escape/csv.ts';
import { html, htmlText } from '../../src/render/escape/html.ts';
import { mdCell, mdText } from '../../src/render/escape/markdown.ts';
import { termLines, termText } from '../../src/render/escape/terminal.ts';
import { renderCsv } from '../../src/render/csv.ts';
import { renderHtml } from '../../src/render/html.ts';
import { PageDataBuilder } from '../../src/render/html/data.ts';
import { scriptJson } from '../../src/render/escape/script.ts';
import { warningLine } from '../../src/render/i18n.ts';
import { renderKey } from '../../src/render/key.ts';
import { buildLadder } from '../../src/render/ladder.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { renderTable } from '../../src/render/table.ts';
import { renderTimeline } from '../../src/render/timeline.ts';
import { capture } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';
import { join } from 'node:path';

/** Controls, C1, the bidi controls and line separators: none may be left in terminal text. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

describe('escape: terminal', () => {
  it('shows C0, ESC, DEL and C1 as \\xNN, tab, newline and CR as \\t \\n \\r', () => {
    assert.equal(termText('a\u001b[2Jb'), 'a\\x1b[2Jb');
    assert.equal(termText('\u0000\u0007\u0008\u007f'), '\\x00\\x07\\x08\\x7f');
    assert.equal(termText('t\tn\nr\r'), 't\\tn\\nr\\r');
    assert.equal(termText('\u009b31m\u0085'), '\\x9b31m\\x85');
  });

  it('shows bidi overrides, isolates, marks and the line separators as \\uNNNN', () => {
    assert.equal(termText('a\u202eb\u2066c\u2069d\u200fe\u061cf\u2028g\u2029'), 'a\\u202eb\\u2066c\\u2069d\\u200fe\\u061cf\\u2028g\\u2029');
  });

  it('shows invisible format characters escaped: an id cannot pass for another', () => {
    assert.equal(termText('s02\u200b'), 's02\\u200b');
    assert.equal(termText('a\ufeffb\u00adc\u2060d'), 'a\\ufeffb\\xadc\\u2060d');
    assert.equal(termText('hide\u{e0041}\u{e0042}'), 'hide\\u{e0041}\\u{e0042}');
  });

  it('shows a lone surrogate escaped and leaves letters, CJK, emoji and backslashes alone', () => {
    assert.equal(termText('x\ud800y'), 'x\\ud800y');
    assert.equal(termText('主动关闭方 😀 é \\x1b'), '主动关闭方 😀 é \\x1b');
  });

  it('keeps the line breaks of a message of its own and escapes the rest', () => {
    assert.equal(termLines('2 problems:\n  a\u001b[31m\n  b'), '2 problems:\n  a\\x1b[31m\n  b');
  });
});

describe('escape: CSV', () => {
  it("neutralises formula prefixes with a leading ' and quotes the cell (OWASP)", () => {
    for (const s of ['=1+2', '+1', '-1', '@SUM(A1)']) assert.equal(csvCell(s), `"'${s}"`);
    assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvCell('\tTAB'), `"'\\tTAB"`);
    assert.equal(csvCell('\rCR'), `"'\\rCR"`);
  });

  it('quotes commas and quotes (RFC 4180), shows line breaks and controls escaped', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('a\nb'), 'a\\nb');
    assert.equal(csvCell('a\u001bb'), 'a\\x1bb');
    assert.equal(csvCell('a=b'), 'a=b');
  });

  it('writes numbers, booleans and null as they are (a negative number is not a formula)', () => {
    assert.equal(csvCell(-1), '-1');
    for (const n of [0, -0, 1, 1023, 1024, 65535, 0.5, 2 ** 32, NaN]) assert.equal(csvCell(n), String(n));
    assert.equal(csvCell(true), 'true');
    assert.equal(csvCell(null), '');
  });

  it('gives a cell of plain text (found without the regular expressions) as the rules above do', () => {
    // The rules, spelt out: formula prefix, terminal escapes, RFC 4180 quoting.
    const byTheRules = (v: string): string => {
      const formula = /^[=+\-@\t\r]/.test(v);
      const s = (formula ? "'" : '') + termText(v);
      return formula || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const chars = ['a', 'Z', '0', ' ', '.', ':', '|', '=', '+', '-', '@', ',', '"', "'", '\t', '\r', '\n', '\u001b', '\u007f', '\u0085', 'é', '\u202e', '\u200b', '\ud800', '😀', '~', '\\'];
    let seed = 3;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    for (let i = 0; i < 20000; i++) {
      let s = '';
      for (let k = rnd(8); k > 0; k--) s += chars[rnd(chars.length)];
      assert.equal(csvCell(s), byTheRules(s), JSON.stringify(s));
    }
  });
});

describe('escape: Markdown', () => {
  it('escapes |, <, >, &, backticks, emphasis, links and newlines', () => {
    assert.equal(mdText('a|b'), 'a\\|b');
    assert.equal(mdText('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(mdText('&amp;'), '&amp;amp;');
    assert.equal(mdText('`code`'), '\\`code\\`');
    assert.equal(mdText('*a* _b_ ~c~ [l](http://x) #h'), '\\*a\\* \\_b\\_ \\~c\\~ \\[l\\](http://x) \\#h');
    assert.equal(mdText('a\nb'), 'a\\\\nb');
    assert.equal(mdText('back\\slash'), 'back\\\\slash');
  });

  it('turns its own line breaks into <br> in a cell', () => {
    assert.equal(mdCell('a|b\nc'), 'a\\|b<br>c');
  });
});

describe('escape: JSON in a script element', () => {
  it('writes <, >, & and the line separators as \\u escapes that JSON.parse reads back', () => {
    const v = { name: '</script><!--<script>&\u2028\u2029' };
    const text = scriptJson(v);
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(text), v);
  });
});

describe('escape: HTML', () => {
  it('escapes markup, quotes and apostrophes; names also show controls escaped', () => {
    assert.equal(html(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    assert.equal(htmlText('a\u202e<b>\u001b'), 'a\\u202e&lt;b&gt;\\x1b');
  });
});

const EVIL = 'caps/ev\u001b]0;pwned\u0007il\u202e</script><script>alert(1)</script>|`x`\n=1+2.pcap';

async function doc(): Promise<AnalysisDocument> {
  const settings = makeSettings({ os: 'linux' });
  const cap = await analyzeFile(join(repoRoot, capture('four-way-close.pcap')), settings);
  cap.file = EVIL;
  cap.warnings.push({ frame: 3, offset: 40, skippedBytes: 0, message: 'frame 3 at offset 40: odd \u001b[31m text' });
  return { tool: { name: 'tcpscope', version: '0.0.0' }, settings, captures: [cap] };
}

describe('renderers: a hostile file name', () => {
  it('the table, the key, the timeline and warning lines show it escaped, with colour on', async () => {
    const d = await doc();
    const name = 'caps/ev\\x1b]0;pwned\\x07il\\u202e</script><script>alert(1)</script>|`x`\\n=1+2.pcap';
    const table = renderTable(d, { lang: 'en', color: true });
    assert.ok(table.includes(`${name}: pcap, `), table);
    const conn = d.captures[0].connections[0];
    const key = renderKey(conn, { lang: 'en', color: true, file: EVIL });
    assert.ok(key.includes(name));
    const segs = await segmentsOf(join(repoRoot, capture('four-way-close.pcap')), [conn]);
    const tl = renderTimeline(buildLadder(conn, segs.get(conn.stream) ?? [], { lang: 'en', data: false }), { lang: 'en', color: true, file: EVIL });
    assert.ok(tl.includes(name));
    const w = warningLine('en', EVIL, d.captures[0].warnings[0]);
    assert.equal(w, `warning: ${name}: frame 3 (byte offset 40): odd \\x1b[31m text`);
    // With colour on, the only ESC left are tcpscope's own SGR sequences.
    for (const text of [table, key, tl]) assert.doesNotMatch(text.replace(/\u001b\[[0-9;]*m/g, ''), RAW);
  });

  it('CSV quotes the cell and shows the newline escaped; Markdown keeps it in its row and cell', async () => {
    const d = await doc();
    const csv = renderCsv(d).split('\r\n');
    assert.equal(csv.length, 3);
    assert.ok(csv[1].startsWith('caps/ev\\x1b]0;pwned\\x07il\\u202e</script><script>alert(1)</script>|`x`\\n=1+2.pcap,0,'), csv[1]);
    const md = renderMarkdown(d, { lang: 'en' });
    assert.doesNotMatch(md, RAW);
    assert.ok(md.startsWith('### caps/ev\\\\x1b\\]0;pwned\\\\x07il\\\\u202e&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\|\\`x\\`\\\\n=1+2.pcap\n'), md);
    assert.ok(!md.includes('<script>'));
  });

  it('HTML: no markup from the name, no </script> breakout from the embedded data; the only scripts are its own', async () => {
    const d = await doc();
    const builder = new PageDataBuilder('en', d.settings.timeWaitSeconds);
    const f = builder.addCapture(d.captures[0]);
    for (const c of d.captures[0].connections) builder.addConnection(f, c, null, 100);
    const page = renderHtml(d, builder.build());
    // The data element and the code element, nothing else: the name ended neither.
    assert.equal(page.split('<script').length, 3);
    assert.equal(page.split('</script>').length, 3);
    const data = /<script type="application\/json" id="tcpscope-data">(.*?)<\/script>/s.exec(page)?.[1] ?? '';
    assert.doesNotMatch(data, /[<>&]/);
    // The name, read back from the data as the page reads it, is the terminal-escaped name.
    assert.deepEqual((JSON.parse(data) as { files: string[] }).files, ['caps/ev\\x1b]0;pwned\\x07il\\u202e</script><script>alert(1)</script>|`x`\\n=1+2.pcap']);
    assert.ok(page.includes('<li>caps/ev\\x1b]0;pwned\\x07il\\u202e&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;|`x`\\n=1+2.pcap: pcap,'));
    assert.doesNotMatch(page, RAW);
  });
});

