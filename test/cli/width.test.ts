/**
 * Every command's human output fits the terminal it runs in: at 80 and 120
 * columns, in English and Chinese (a Chinese character takes two columns),
 * every line is at most the width, and the columns that matter most are
 * there. A pipe keeps the full layout unless COLUMNS or --width asks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { displayWidth } from '../../src/render/text.ts';
import { abbreviateEndpoint, fitColumns, wrapText } from '../../src/render/fit.ts';
import { parseColumns } from '../../src/render/columns.ts';
import { resolveWidth } from '../../src/cli/width.ts';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir } from '../helpers/paths.ts';
import { buildClass } from '../grade/class.ts';

const cap = (name: string): string => join(capturesDir, name);
const REUSE = cap('timewait-reuse.pcap');
const IPV6 = cap('ipv6-close.pcap');
const RST = cap('rst-abort.pcap');
const LOST_FIN = cap('lost-fin.pcap');
const HALF = cap('half-close.pcap');

function widest(text: string): { width: number; line: string } {
  let best = { width: 0, line: '' };
  for (const line of text.split('\n')) {
    const w = displayWidth(line);
    if (w > best.width) best = { width: w, line };
  }
  return best;
}

function assertFits(text: string, width: number, what: string): void {
  const w = widest(text);
  assert.ok(w.width <= width, `${what}: a line of ${w.width} columns in ${width}:\n${w.line}`);
}

describe('every line fits the width, in English and Chinese', () => {
  for (const width of [80, 120]) {
    for (const lang of ['en', 'zh'] as const) {
      it(`analyze at ${width} columns (${lang}) keeps stream, client, server, closer and TIME_WAIT`, async () => {
        const r = await tcpscope(['analyze', '--width', String(width), '--lang', lang, REUSE, IPV6, RST, LOST_FIN, HALF]);
        assert.equal(r.code, 0, r.stderr);
        assertFits(r.stdout, width, 'analyze');
        const heads = lang === 'en' ? ['stream', 'client', 'server', 'closer', 'TIME_WAIT'] : ['流', '客户端', '服务器', '主动关', 'TIME_WAIT'];
        for (const h of heads) assert.ok(r.stdout.includes(h), `${h} missing:\n${r.stdout}`);
        assert.ok(r.stdout.includes('192.0.2.1:40000'), 'an IPv4 endpoint is whole');
        assert.ok(r.stdout.includes(lang === 'en' ? 'cut short' : '提前结束'), 'the verdict is shown');
      });
      it(`timeline at ${width} columns (${lang})`, async () => {
        for (const file of [REUSE, LOST_FIN, HALF, IPV6]) {
          const r = await tcpscope(['timeline', '--width', String(width), '--lang', lang, file]);
          assert.equal(r.code, 0, r.stderr);
          assertFits(r.stdout, width, `timeline ${file}`);
          assert.ok(r.stdout.includes('TIME_WAIT'));
        }
      });
      it(`key at ${width} columns (${lang})`, async () => {
        for (const file of [REUSE, RST, LOST_FIN]) {
          const r = await tcpscope(['key', '--width', String(width), '--lang', lang, file]);
          assert.equal(r.code, 0, r.stderr);
          assertFits(r.stdout, width, `key ${file}`);
          assert.match(r.stdout, /│ w\+1 /);
        }
      });
    }
  }

  for (const width of [80, 120]) {
    for (const lang of ['en', 'zh'] as const) {
      it(`grade's table at ${width} columns (${lang}) keeps student, score and every criterion`, async () => {
        const { classDir } = buildClass();
        const r = await tcpscope(['grade', classDir, '--rubric', 'lifecycle-lab', '-q', '--width', String(width), '--lang', lang]);
        assert.equal(r.code, 0, r.stderr);
        assertFits(r.stdout, width, 'grade');
        assert.ok(r.stdout.includes(lang === 'en' ? 'student' : '学生'));
        assert.match(r.stdout, /10\/10/);
        assert.match(r.stdout, /1 handshake \(2\)/, 'the legend names the criteria');
      });
    }
  }

  it('COLUMNS sets the width of a pipe; without it a pipe gets the full layout', async () => {
    const full = await tcpscope(['analyze', REUSE]);
    assert.ok(widest(full.stdout).width > 150, 'the full layout');
    assert.ok(full.stdout.includes('half-close'));
    const fitted = await tcpscope(['analyze', REUSE], { env: { COLUMNS: '80' } });
    assertFits(fitted.stdout, 80, 'COLUMNS=80');
    const wide = await tcpscope(['analyze', '--wide', REUSE], { env: { COLUMNS: '80' } });
    assert.equal(wide.stdout, full.stdout, '--wide is the full layout');
  });

  it('--columns picks the columns, in the order given, and a wrong name is a one-line usage error', async () => {
    const r = await tcpscope(['analyze', '--columns', 'stream,states,closer', REUSE]);
    assert.equal(r.code, 0, r.stderr);
    const head = r.stdout.split('\n').find((l) => l.includes('stream')) ?? '';
    assert.ok(head.indexOf('final states') < head.indexOf('active'), head);
    assert.ok(!r.stdout.includes('192.0.2.1'));
    const bad = await tcpscope(['analyze', '--columns', 'stream,bogus', REUSE]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /--columns: unknown column 'bogus' \(valid: stream, client, server, handshake, close, closer, states, time-wait, fin-retx, half-close, reset, notes\)/);
  });

  it('--width below 40 is a usage error', async () => {
    const r = await tcpscope(['analyze', '--width', '20', REUSE]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--width/);
  });
});

describe('the width rule', () => {
  it('a terminal: its width, else COLUMNS, else 80', () => {
    assert.equal(resolveWidth({}, false, { isTTY: true, columns: 100 }, {}), 100);
    assert.equal(resolveWidth({}, false, { isTTY: true }, { COLUMNS: '90' }), 90);
    assert.equal(resolveWidth({}, false, { isTTY: true }, {}), 80);
  });
  it('a pipe or a file: the full layout unless COLUMNS or --width', () => {
    assert.equal(resolveWidth({}, false, { isTTY: false }, {}), null);
    assert.equal(resolveWidth({}, false, { isTTY: false }, { COLUMNS: '100' }), 100);
    assert.equal(resolveWidth({}, true, { isTTY: true, columns: 100 }, {}), null);
    assert.equal(resolveWidth({ width: '120' }, true, { isTTY: false }, {}), 120);
  });
  it('--wide wins', () => {
    assert.equal(resolveWidth({ wide: true, width: '80' }, false, { isTTY: true, columns: 80 }, {}), null);
  });
});

describe('fitting text', () => {
  it('a Chinese character takes two columns and may break anywhere', () => {
    const lines = wrapText('TIME_WAIT 等待计时器（2MSL = 240 s）：满 2MSL 0，提前结束 1，无法判定 1', 20);
    for (const l of lines) assert.ok(displayWidth(l) <= 20, l);
    assert.ok(lines.every((l) => !l.startsWith('，')), 'no line starts with a comma');
  });
  it('a number stays with its unit', () => {
    const lines = wrapText('client: inconclusive, 12 µs of 240 s', 16);
    assert.ok(lines.some((l) => l.includes('12 µs')), lines.join('|'));
  });
  it('an IPv6 endpoint keeps its port and both ends of the address', () => {
    const a = abbreviateEndpoint('[2001:db8:85a3::8a2e:370:7334]:443', 22);
    assert.equal(displayWidth(a), 22);
    assert.match(a, /^\[2001:.*….*7334\]:443$/);
    assert.equal(abbreviateEndpoint('192.0.2.1:40000', 15), '192.0.2.1:40000');
  });
  it('columns are dropped from the least important', () => {
    const w = fitColumns([{ natural: 6, min: 6 }, { natural: 30, min: 10 }, { natural: 20, min: 20 }], 40);
    assert.deepEqual(w, [6, 27, null]);
  });
  it('--columns names', () => {
    assert.deepEqual(parseColumns('stream, time-wait,closer'), ['stream', 'timeWait', 'activeCloser']);
    assert.throws(() => parseColumns('nope'), /valid: stream/);
  });
});
