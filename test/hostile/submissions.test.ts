/**
 * Issue 19, "How to prove it": a submissions folder filled by students who
 * want a better mark, or a worse one for a classmate. Links to files outside
 * it (one to read, ones to write through), a loop of links, a link to a
 * folder outside, a FIFO, names with escape sequences, a bidi override,
 * formula prefixes, a newline, C1 and DEL, markup, bytes that are not UTF-8,
 * a gzip bomb, a gzip of zeros, a gzip bomb inside a gzip, a real capture
 * gzipped twice, two submissions with one student id, and an enormous
 * (sparse) capture. `tcpscope grade` in every gradebook format with
 * feedback, and `tcpscope analyze` of the folder in every format, through
 * the CLI. Checked:
 *  - each hostile name, in each output, byte for byte as the escaping rules
 *    say (the expected texts are written out here, not computed by the
 *    escapers under test); every output but JSON is UTF-8 with no control,
 *    C1 or bidi character left; CSV cells never start a formula;
 *  - nothing outside the folder changes (checksums of every file and link
 *    target beside it, before and after), the planted links are replaced,
 *    not written through, and no file outside is read into any output;
 *  - peak RSS of grade and analyze (-j 2) stays under a fixed bound,
 *    measured from the child's rusage by GNU time: never a timing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync,
  symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { capturesDir } from '../helpers/paths.ts';
import { type RunResult, TIME, tcpscope } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'tcpscope-hostile-'));
const subs = join(root, 'subs');
const names = join(subs, 'names');
const big = join(subs, 'big');
const outside = join(root, 'outside');
const out = join(root, 'out');

/**
 * A hostile file name (the stem; `.pcap` is added) and how each output must
 * show it: `term` (terminal, feedback), `csv` (the cell as written),
 * `md` (Markdown), `html`, and `json` (the raw text value).
 */
interface Hostile {
  stem: Buffer;
  capture: string;
  term: string;
  csv: string;
  md: string;
  html: string;
  json: string;
}

function h(stem: string | Buffer, capture: string, e: Omit<Hostile, 'stem' | 'capture' | 'json'> & { json?: string }): Hostile {
  const b = typeof stem === 'string' ? Buffer.from(stem) : stem;
  return { stem: b, capture, json: e.json ?? b.toString('utf8'), ...e };
}

const HOSTILE: Hostile[] = [
  // Sets the window title, clears the screen.
  h('esc\x1b]0;pwned\x07\x1b[2Jx', 'client-close.pcap', {
    term: 'esc\\x1b]0;pwned\\x07\\x1b[2Jx', csv: 'esc\\x1b]0;pwned\\x07\\x1b[2Jx',
    md: 'esc\\\\x1b\\]0;pwned\\\\x07\\\\x1b\\[2Jx', html: 'esc\\x1b]0;pwned\\x07\\x1b[2Jx',
  }),
  // Right-to-left override: shows as "bidiexe.png".
  h('bidi\u202egnp.exe', 'data-transfer.pcap', {
    term: 'bidi\\u202egnp.exe', csv: 'bidi\\u202egnp.exe', md: 'bidi\\\\u202egnp.exe', html: 'bidi\\u202egnp.exe',
  }),
  // Spreadsheet formulas (OWASP CSV injection), and the tab and CR variants.
  h('=1+2', 'fin-wait-2-timeout.pcap', { term: '=1+2', csv: `"'=1+2"`, md: '=1+2', html: '=1+2' }),
  h('+SUM(A1)', 'fin-with-data.pcap', { term: '+SUM(A1)', csv: `"'+SUM(A1)"`, md: '+SUM(A1)', html: '+SUM(A1)' }),
  h('-1-1', 'four-way-close.pcap', { term: '-1-1', csv: `"'-1-1"`, md: '-1-1', html: '-1-1' }),
  h('@cmd', 'half-close.pcap', { term: '@cmd', csv: `"'@cmd"`, md: '@cmd', html: '@cmd' }),
  h('\tTAB', 'ipv6-close.pcap', { term: '\\tTAB', csv: `"'\\tTAB"`, md: '\\\\tTAB', html: '\\tTAB' }),
  h('\rCR', 'lost-fin.pcap', { term: '\\rCR', csv: `"'\\rCR"`, md: '\\\\rCR', html: '\\rCR' }),
  // A newline would start a row of its own.
  h('new\nline', 'lost-final-ack.pcap', { term: 'new\\nline', csv: 'new\\nline', md: 'new\\\\nline', html: 'new\\nline' }),
  // Not UTF-8: shown (and named in JSON) as \xNN.
  h(Buffer.concat([Buffer.from('bad'), Buffer.from([0xff, 0xfe]), Buffer.from('utf8')]), 'refused.pcap', {
    term: 'bad\\xff\\xfeutf8', csv: 'bad\\xff\\xfeutf8', md: 'bad\\\\xff\\\\xfeutf8', html: 'bad\\xff\\xfeutf8', json: 'bad\\xff\\xfeutf8',
  }),
  // Markup: a table cell's end, HTML, emphasis, code.
  h('<b>|x*y_z`q`', 'rst-after-time-wait.pcap', {
    term: '<b>|x*y_z`q`', csv: '<b>|x*y_z`q`', md: '&lt;b&gt;\\|x\\*y\\_z\\`q\\`', html: '&lt;b&gt;|x*y_z`q`',
  }),
  // C1 CSI (an 8-bit ESC [) and DEL.
  h('c1\u009b31m', 'server-close.pcap', { term: 'c1\\x9b31m', csv: 'c1\\x9b31m', md: 'c1\\\\x9b31m', html: 'c1\\x9b31m' }),
  h('del\x7f', 'simultaneous-close.pcap', { term: 'del\\x7f', csv: 'del\\x7f', md: 'del\\\\x7f', html: 'del\\x7f' }),
];

const SECRET = 'SECRET-OF-ANOTHER-FILE';
const ZEROS = Buffer.alloc(64 << 20);

/** Every file and link beside the submissions (not them, not the outputs), with a checksum of what it is. */
function snapshot(): Map<string, string> {
  const m = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (p === subs || p === out) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) m.set(p, `link ${readlinkSync(p)}`);
      else if (st.isDirectory()) visit(p);
      else m.set(p, `${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  visit(root);
  m.set('/etc/passwd', createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex'));
  return m;
}

let before0: Map<string, string>;
const haveTime = existsSync(TIME);

before(() => {
  for (const d of [names, big, outside, out]) mkdirSync(d, { recursive: true });
  const fixture = (n: string): Buffer => readFileSync(join(capturesDir, n));
  for (const x of HOSTILE) writeFileSync(Buffer.concat([Buffer.from(`${names}/`), x.stem, Buffer.from('.pcap')]), fixture(x.capture));

  // Outside the folder: a capture to steal, files to overwrite, and a folder of captures.
  writeFileSync(join(outside, 'secret.pcap'), fixture('timewait-60s.pcap'));
  writeFileSync(join(outside, 'victim-feedback.txt'), `${SECRET} feedback target\n`);
  writeFileSync(join(outside, 'victim-gradebook.csv'), `${SECRET} gradebook target\n`);
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  symlinkSync(join(outside, 'secret.pcap'), join(names, 'steal.pcap'));
  symlinkSync(join(outside, 'secret.txt'), join(names, 'text.pcap'));
  symlinkSync('/etc/passwd', join(names, 'passwd.pcap'));
  symlinkSync('loop-b.pcap', join(names, 'loop-a.pcap'));
  symlinkSync('loop-a.pcap', join(names, 'loop-b.pcap'));
  symlinkSync('.', join(names, 'self'));
  symlinkSync(outside, join(names, 'outdir'));
  // The feedback of `write-me` and the gradebook go where a student planted links.
  copyFileSync(join(capturesDir, 'three-way-close.pcap'), join(names, 'write-me.pcap'));
  symlinkSync(join(outside, 'victim-feedback.txt'), join(names, 'write-me.txt'));
  symlinkSync(join(outside, 'victim-gradebook.csv'), join(names, 'grades.csv'));
  execFileSync('mkfifo', [join(names, 'fifo.pcap')]);
  // One student id from three submissions' names: `dup` twice, and `dup-2` whose feedback name a clash would take.
  copyFileSync(join(capturesDir, 'timewait-reuse.pcap'), join(names, 'dup.pcap'));
  writeFileSync(join(names, 'dup.pcap.gz'), gzipSync(fixture('unread-data-rst.pcap')));
  copyFileSync(join(capturesDir, 'unanswered-syn.pcap'), join(names, 'dup-2.pcap'));

  // Bombs: members of 64 MiB of zeros each (gzip -9: about 1030:1).
  const member = gzipSync(ZEROS, { level: 9 });
  const header = fixture('four-way-close.pcap').subarray(0, 24);
  const bomb = Buffer.concat([gzipSync(Buffer.concat([header, ZEROS]), { level: 9 }), ...Array.from({ length: 31 }, () => member)]);
  writeFileSync(join(big, 'bomb.pcap.gz'), bomb); // a pcap header and 2 GiB of zeros
  writeFileSync(join(big, 'zeros.pcap.gz'), Buffer.concat(Array.from({ length: 16 }, () => member))); // 1 GiB of zeros
  writeFileSync(join(big, 'nested.pcap.gz'), gzipSync(bomb)); // the bomb inside a gzip
  writeFileSync(join(big, 'twice.pcap.gz'), gzipSync(gzipSync(fixture('timewait-reuse-client.pcap')))); // a real one
  // 300 MiB, sparse: a pcap header and nothing.
  const fd = openSync(join(big, 'enormous.pcap'), 'w');
  writeFileSync(fd, header);
  closeSync(fd);
  execFileSync('truncate', ['-s', '300M', join(big, 'enormous.pcap')]);

  before0 = snapshot();
});

after(() => rmSync(root, { recursive: true, force: true }));

const path = (x: Hostile, dir = names): string => `${dir}/${x.stem.toString('utf8')}.pcap`;
/** The path as each output shows it: the folder part has nothing to escape. */
const shown = (x: Hostile, form: 'term' | 'csv' | 'md' | 'html' | 'json'): string => {
  const dir = form === 'md' ? names.replaceAll('_', '\\_') : names;
  const v = x[form];
  // A cell of a path is quoted for the same reasons as the name's, but never a formula (it starts with /).
  if (form === 'csv') return v.startsWith('"') ? `${dir}/${v.slice(2, -1)}.pcap` : `${dir}/${v}.pcap`;
  return `${dir}/${v}.pcap`;
};

/** Output that must hold no control, C1 or bidi character and be UTF-8 (all but JSON). */
function assertClean(what: string, bytes: Buffer, opts: { crlf?: boolean } = {}): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    assert.fail(`${what}: not UTF-8`);
  }
  const body = opts.crlf ? text.replaceAll('\r\n', '\n') : text;
  const bad = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u.exec(body);
  assert.equal(bad, null, `${what}: raw U+${bad?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} at ${bad?.index}: ${JSON.stringify(body.slice(Math.max(0, (bad?.index ?? 0) - 40), (bad?.index ?? 0) + 40))}`);
  assert.ok(!body.includes(SECRET), `${what}: holds bytes of a file outside the folder`);
}

/** RFC 4180: rows of cells (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'CSV ends with CRLF');
  return rows;
}

function assertCsv(what: string, r: Buffer): string[][] {
  assertClean(what, r, { crlf: true });
  const rows = parseCsv(r.toString('utf8'));
  for (const row of rows) {
    assert.equal(row.length, rows[0].length, `${what}: a row with ${row.length} cells, the header ${rows[0].length}`);
    for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `${what}: a cell starts a formula: ${cell}`);
  }
  return rows;
}

/** Two workers where memory is measured (the bound must hold with -j N); one elsewhere (a worker's start costs a second through tsx). */
const grade = (args: string[], measureRss = false): Promise<RunResult> =>
  tcpscope(['grade', subs, '--rubric', 'lifecycle-lab', '-j', measureRss ? '2' : '1', ...args], { measureRss });
const STATUS = new Map<string, string>();

describe('grade: a hostile submissions folder', () => {
  it('reads no file outside the folder, writes through no link, and grades the rest', async (t) => {
    const r = await grade(['--format', 'csv', '-o', join(names, 'grades.csv'), '--feedback', names], haveTime);
    assert.equal(r.code, 0, r.stderr);
    assertClean('grade stderr', r.stderrBytes);
    assert.equal(r.stdout, '');
    // The links planted where outputs go are replaced by the outputs; their targets are as they were.
    assert.ok(lstatSync(join(names, 'grades.csv')).isFile());
    assert.ok(lstatSync(join(names, 'write-me.txt')).isFile());
    assert.match(readFileSync(join(names, 'write-me.txt'), 'utf8'), /^Feedback for write-me: /);
    assert.deepEqual(snapshot(), before0);
    // No temporary file left beside the outputs.
    assert.deepEqual(readdirSync(names).filter((n) => n.includes('.tcpscope-')), []);

    const rows = assertCsv('gradebook CSV', readFileSync(join(names, 'grades.csv')));
    const head = rows[0];
    const col = (n: string): number => head.indexOf(n);
    for (const row of rows.slice(1)) STATUS.set(row[col('file')], `${row[col('status')]}: ${row[col('reason')]}`);
    const reason = (file: string): string | undefined => STATUS.get(file);
    // Links and the FIFO: graded 0 with the reason, never read.
    assert.equal(reason(`${names}/steal.pcap`), `unreadable: a symbolic link to ${outside}/secret.pcap: not followed`);
    assert.equal(reason(`${names}/text.pcap`), `unreadable: a symbolic link to ${outside}/secret.txt: not followed`);
    assert.equal(reason(`${names}/passwd.pcap`), 'unreadable: a symbolic link to /etc/passwd: not followed');
    assert.equal(reason(`${names}/loop-a.pcap`), 'unreadable: a symbolic link to loop-b.pcap: not followed');
    assert.equal(reason(`${names}/fifo.pcap`), 'unreadable: not a regular file (FIFO, socket or device): not read');
    // The bombs stop at their limits (a ratio of about 1030 trips --max-inflate-ratio at 64 MiB).
    assert.equal(reason(`${big}/bomb.pcap.gz`), 'unreadable: gzip: decompresses to more than 1000 times its compressed size (--max-inflate-ratio): a gzip bomb?; not read further');
    assert.equal(reason(`${big}/nested.pcap.gz`), 'unreadable: gzip: decompresses to more than 1000 times its compressed size (--max-inflate-ratio): a gzip bomb?; not read further');
    assert.equal(reason(`${big}/zeros.pcap.gz`), 'unreadable: not a pcap or pcapng file (starts with 0x00000000)');
    assert.equal(reason(`${big}/enormous.pcap`), 'unreadable: the file is 300 MiB, more than --max-file-size 256 MiB; not read');
    assert.equal(reason(`${big}/twice.pcap.gz`), 'graded: ');
    assert.equal(reason(`${names}/write-me.pcap`), 'graded: ');
    // Nothing under the linked folders was taken.
    assert.ok(![...STATUS.keys()].some((f) => f.includes('/outdir/') || f.includes('/self/')));
    // Each hostile name: its row, the name escaped as CSV says.
    const lines = readFileSync(join(names, 'grades.csv'), 'utf8').split('\r\n');
    for (const x of HOSTILE) {
      const line = lines.find((l) => l.startsWith(`${x.csv},${shown(x, 'csv')},`));
      assert.ok(line, `no CSV row starting ${x.csv},${shown(x, 'csv')},\n${lines.join('\n')}`);
      assert.match(line, /,graded,/);
    }
    // The warnings name each link with its target, escaped.
    for (const w of [
      `warning: ${names}/steal.pcap: symbolic link to ${outside}/secret.pcap: not followed`,
      `warning: ${names}/loop-a.pcap: symbolic link to loop-b.pcap: not followed`,
      `warning: ${names}/self: symbolic link to .: not followed`,
      `warning: ${names}/outdir: symbolic link to ${outside}: not followed`,
      `warning: ${names}/fifo.pcap: not a regular file (FIFO, socket or device): not read`,
    ]) assert.ok(r.stderr.includes(`${w}\n`), `missing: ${w}\n${r.stderr}`);
    if (haveTime) {
      // Measured: about 200 MB (two workers); reading the bomb's 2 GiB whole took more than 1 GB before.
      t.diagnostic(`grade -j 2: peak RSS ${Math.round((r.maxRssKb ?? 0) / 1024)} MiB`);
      assert.ok(r.maxRssKb !== null && r.maxRssKb < 400 * 1024, `peak RSS ${r.maxRssKb} KiB`);
    } else t.diagnostic(`${TIME} not found: peak RSS not measured`);
  });

  it('warns about one student id from several submissions, keeps and marks them all, and gives each its own feedback', async () => {
    const r = await grade(['--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`warning: student id 'dup' comes from 2 submissions (${names}/dup.pcap, ${names}/dup.pcap.gz): each is graded and marked DUPLICATE in the gradebook\n`), r.stderr);
    const gb = JSON.parse(r.stdout) as { students: { student: string; file: string; duplicateId: boolean; score: number }[]; duplicateIds: { student: string }[] };
    const dups = gb.students.filter((s) => s.student === 'dup');
    assert.deepEqual(dups.map((s) => [s.file, s.duplicateId]), [[`${names}/dup.pcap`, true], [`${names}/dup.pcap.gz`, true]]);
    assert.equal(gb.students.find((s) => s.student === 'dup-2')?.duplicateId, false);
    assert.deepEqual(gb.duplicateIds.map((d) => d.student), ['dup']);
    // Three feedback files, none over another: the second `dup` and the student `dup-2`.
    const fb = (n: string): string => readFileSync(join(names, n), 'utf8');
    assert.match(fb('dup.txt'), new RegExp(`^Feedback for dup: [^]*Graded file: ${names}/dup\\.pcap \\(`));
    assert.match(fb('dup-2.txt'), new RegExp(`^Feedback for dup: [^]*Graded file: ${names}/dup\\.pcap\\.gz \\(`));
    assert.match(fb('dup-2-2.txt'), /^Feedback for dup-2: /);
    // Raw values in JSON: the names as they are (bytes that are not UTF-8 as \xNN).
    for (const x of HOSTILE) {
      const s = gb.students.find((y) => y.student === x.json);
      assert.ok(s, `no student ${JSON.stringify(x.json)}`);
      assert.equal(s.file, `${names}/${x.json}.pcap`);
    }
  });

  it('escapes every name in the terminal table, the Markdown gradebook and the feedback files', async () => {
    const table = await grade(['--format', 'table']);
    assert.equal(table.code, 0, table.stderr);
    assertClean('gradebook table', table.stdoutBytes);
    const md = await grade(['--format', 'markdown']);
    assert.equal(md.code, 0, md.stderr);
    assertClean('gradebook Markdown', md.stdoutBytes);
    const mdLines = md.stdout.split('\n');
    const cells = mdLines[2].split(/(?<!\\)\|/).length;
    for (const x of HOSTILE) {
      assert.ok(table.stdout.includes(`│ ${x.term} `) && table.stdout.includes(`│ ${shown(x, 'term')} `), `table: ${x.term}`);
      const row = mdLines.find((l) => l.startsWith(`| ${x.md} | ${shown(x, 'md')} |`));
      assert.ok(row, `markdown: no row | ${x.md} | ${shown(x, 'md')} |\n${md.stdout}`);
      // As many cells as the header: no name ends a cell or a row.
      assert.equal(row.split(/(?<!\\)\|/).length, cells, row);
      const feedback = readFileSync(join(names, `${feedbackName(x)}.txt`));
      assertClean(`feedback of ${x.term}`, feedback);
      assert.ok(feedback.toString('utf8').startsWith(`Feedback for ${x.term}: `), feedback.toString('utf8'));
    }
    for (const f of readdirSync(names).filter((n) => n.endsWith('.txt'))) assertClean(`feedback ${f}`, readFileSync(join(names, f)));
    assert.deepEqual(snapshot(), before0);
  });

  it('grades --per folder without following a student folder that is a link', async () => {
    const cls = join(root, 'subs', 'class');
    mkdirSync(join(cls, 'alice'), { recursive: true });
    mkdirSync(join(cls, 'mallory'));
    copyFileSync(join(capturesDir, 'four-way-close.pcap'), join(cls, 'alice', 'lab.pcap'));
    symlinkSync(join(outside, 'secret.pcap'), join(cls, 'mallory', 'lab.pcap'));
    symlinkSync(outside, join(cls, 'eve'));
    try {
      const r = await tcpscope(['grade', cls, '--per', 'folder', '--rubric', 'lifecycle-lab', '--format', 'json', '-j', '1']);
      assert.equal(r.code, 0, r.stderr);
      const gb = JSON.parse(r.stdout) as { students: { student: string; status: string; reason: string | null }[] };
      assert.deepEqual(gb.students.map((s) => [s.student, s.status, s.reason]), [
        ['alice', 'graded', null],
        ['mallory', 'unreadable', `a symbolic link to ${outside}/secret.pcap: not followed`],
      ]);
      assert.ok(r.stderr.includes(`warning: ${cls}/eve: symbolic link to ${outside}: not followed\n`), r.stderr);
    } finally {
      rmSync(cls, { recursive: true, force: true });
    }
  });
});

/** The feedback file of a hostile name (what feedbackStem makes of it). */
function feedbackName(x: Hostile): string {
  return x.json.replace(/[\\/:*?"<>|\u0000-\u001f\u007f-\u009f\u202e]/gu, '_');
}

describe('analyze: the same folder', () => {
  it('stops the bombs, streams the enormous capture, and stays under the memory bound', async (t) => {
    const r = await tcpscope(['analyze', subs, '-j', '2'], { measureRss: haveTime });
    assert.equal(r.code, 2, r.stderr);
    assertClean('analyze stdout', r.stdoutBytes);
    assertClean('analyze stderr', r.stderrBytes);
    assert.ok(r.stderr.includes(`error: ${big}/bomb.pcap.gz: gzip: decompresses to more than 1000 times its compressed size (--max-inflate-ratio): a gzip bomb?; not read further\n`), r.stderr);
    assert.ok(r.stderr.includes(`error: ${big}/zeros.pcap.gz: not a pcap or pcapng file (starts with 0x00000000)\n`), r.stderr);
    assert.ok(r.stdout.includes(`${big}/enormous.pcap: pcap, 19660798 frames, 0 TCP segments, 0 connections`), r.stdout);
    assert.ok(r.stdout.includes(`${big}/twice.pcap.gz: pcap, `), r.stdout);
    for (const x of HOSTILE) assert.ok(r.stdout.includes(`${shown(x, 'term')}: pcap, `), `table heading of ${x.term}`);
    for (const l of ['steal.pcap', 'loop-a.pcap', 'self', 'outdir']) assert.match(r.stderr, new RegExp(`warning: ${names}/${l}: symbolic link to .*: not followed\\n`));
    assert.ok(!r.stdout.includes('secret'), 'a file behind a link was read');
    if (haveTime) {
      // Measured: about 200 MB; the bombs' output is never held, the enormous capture is streamed.
      t.diagnostic(`analyze -j 2: peak RSS ${Math.round((r.maxRssKb ?? 0) / 1024)} MiB`);
      assert.ok(r.maxRssKb !== null && r.maxRssKb < 400 * 1024, `peak RSS ${r.maxRssKb} KiB`);
    } else t.diagnostic(`${TIME} not found: peak RSS not measured`);
  });

  it('escapes every name in CSV, Markdown, HTML and the warnings; JSON and NDJSON keep the raw names', async () => {
    const run = async (format: string): Promise<RunResult> => {
      const r = await tcpscope(['analyze', names, '--format', format, '-j', '1']);
      assert.equal(r.code, 0, r.stderr);
      assertClean(`analyze -f ${format} stderr`, r.stderrBytes);
      return r;
    };
    const csv = await run('csv');
    const rows = assertCsv('analyze CSV', csv.stdoutBytes);
    for (const x of HOSTILE) assert.ok(rows.some((row) => row[0] === csvValue(shown(x, 'csv'))), `CSV: ${shown(x, 'csv')}`);
    for (const x of HOSTILE.filter((y) => y.csv.startsWith('"'))) assert.ok(csv.stdout.includes(`\r\n${shown(x, 'csv')},`), `CSV line of ${x.csv}`);

    const md = await run('markdown');
    assertClean('analyze Markdown', md.stdoutBytes);
    for (const x of HOSTILE) assert.ok(`\n${md.stdout}`.includes(`\n### ${shown(x, 'md')}\n`), `Markdown heading of ${x.md}`);

    const html = await run('html');
    assertClean('analyze HTML', html.stdoutBytes);
    // Each name in the list of captures, markup escaped; in the page's data (from which the
    // table is built, markup-escaped again there) as the terminal shows it.
    for (const x of HOSTILE) assert.ok(html.stdout.includes(`<li>${shown(x, 'html')}: pcap, `), `HTML capture line of ${x.html}`);
    const data = JSON.parse(/<script type="application\/json" id="tcpscope-data">(.*?)<\/script>/s.exec(html.stdout)?.[1] ?? 'null') as { files: string[] };
    for (const x of HOSTILE) assert.ok(data.files.includes(shown(x, 'term')), `HTML data of ${x.term}`);
    // Only tcpscope's own script elements (its data and its code) and tags; no markup from a name.
    assert.equal(html.stdout.split('<script').length, 3);
    assert.ok(!html.stdout.includes('<b>'));

    const json = await run('json');
    const doc = JSON.parse(json.stdout) as { captures: { file: string }[] };
    const nd = await run('ndjson');
    const files = new Set(nd.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { file: string }).file));
    for (const x of HOSTILE) {
      assert.ok(doc.captures.some((c) => c.file === path({ ...x, stem: Buffer.from(x.json) })), `JSON: ${JSON.stringify(x.json)}`);
      assert.ok(files.has(`${names}/${x.json}.pcap`), `NDJSON: ${JSON.stringify(x.json)}`);
    }
    assert.deepEqual(snapshot(), before0);
  });
});

/** A CSV cell's value from its written form (quotes removed, doubled quotes undone). */
function csvValue(written: string): string {
  return written.startsWith('"') ? written.slice(1, -1).replaceAll('""', '"') : written;
}
