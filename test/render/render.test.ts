/**
 * The pure parts of the output: i18n, the filter language, text helpers, CSV
 * quoting, and the ladder model on every kernel capture (one row per segment,
 * textbook labels where the textbook names the segment).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { segmentsOf } from '../../src/analyze/segments.ts';
import { parseFilter } from '../../src/cli/filter.ts';
import { colorWanted } from '../../src/cli/common.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { csvCell } from '../../src/render/escape/csv.ts';
import { allMessages, langFromEnv, t } from '../../src/render/i18n.ts';
import { buildLadder } from '../../src/render/ladder.ts';
import { renderKey } from '../../src/render/key.ts';
import { mdCell } from '../../src/render/escape/markdown.ts';
import { displayWidth, duration, parseIso, relTime } from '../../src/render/text.ts';
import { capturesDir } from '../helpers/paths.ts';

const captures = readdirSync(capturesDir)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => (JSON.parse(readFileSync(join(capturesDir, f), 'utf8')) as { capture: string }).capture)
  .sort();

describe('i18n', () => {
  it('has every message in both languages, with the same placeholders', () => {
    for (const [key, m] of Object.entries(allMessages())) {
      assert.ok(m.en.length > 0 && m.zh.length > 0, key);
      const ph = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
      assert.deepEqual(ph(m.zh), ph(m.en), key);
    }
  });

  it('uses the lecture notes\' terms and keeps RFC state names', () => {
    assert.equal(t('zh', 'tl.wave1', { side: '客户端' }), '第一次挥手：主动关闭方（客户端）发送 FIN');
    assert.match(t('zh', 'tl.wave4', { side: '客户端' }), /^第四次挥手/);
    assert.equal(t('zh', 'col.activeCloser'), '主动关闭方');
    assert.equal(t('zh', 'key.passive'), '被动关闭方');
    assert.equal(t('zh', 'col.halfClose'), '半关闭');
    assert.match(t('zh', 'col.timeWait'), /等待计时器.*2MSL/);
    assert.match(t('zh', 'key.u'), /FIN=1，seq=u/);
  });

  it('takes the language from LC_ALL, LC_MESSAGES, LANG', () => {
    assert.equal(langFromEnv({ LANG: 'zh_CN.UTF-8' }), 'zh');
    assert.equal(langFromEnv({ LANG: 'zh_TW' }), 'zh');
    assert.equal(langFromEnv({ LANG: 'en_US.UTF-8' }), 'en');
    assert.equal(langFromEnv({ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }), 'en');
    assert.equal(langFromEnv({}), 'en');
    assert.equal(langFromEnv({ LANG: 'zu_ZA' }), 'en');
  });
});

describe('text helpers', () => {
  it('durations for people', () => {
    assert.equal(duration(60), '60 s');
    assert.equal(duration(61.741825), '61.742 s');
    assert.equal(duration(0.619095), '619.095 ms');
    assert.equal(duration(0.000014), '14 µs');
    assert.equal(duration(0.000013956), '13.956 µs');
    assert.equal(duration(0), '0 s');
  });

  it('relative times exact to the nanosecond', () => {
    const a = parseIso('2026-11-22T00:30:58.483494Z');
    assert.equal(relTime(a, parseIso('2026-11-22T00:31:58.488341Z'), 6), '60.004847');
    assert.equal(relTime(a, parseIso('2026-11-22T00:30:58.483494001Z'), 9), '0.000000001');
  });

  it('terminal width counts CJK as two columns, ANSI as none', () => {
    assert.equal(displayWidth('主动关闭方'), 10);
    assert.equal(displayWidth('\u001b[31mFIN\u001b[39m'), 3);
  });

  it('CSV and Markdown cells are quoted', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(3), '3');
    assert.equal(mdCell('a|b\nc'), 'a\\|b<br>c');
  });

  it('colour: only on a terminal; NO_COLOR and --no-color win; FORCE_COLOR forces', () => {
    assert.equal(colorWanted(true, true, {}), true);
    assert.equal(colorWanted(true, false, {}), false);
    assert.equal(colorWanted(false, true, {}), false);
    assert.equal(colorWanted(true, true, { NO_COLOR: '1' }), false);
    assert.equal(colorWanted(true, true, { NO_COLOR: '' }), true);
    assert.equal(colorWanted(true, false, { FORCE_COLOR: '1' }), true);
    assert.equal(colorWanted(true, false, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
  });
});

describe('filter expressions', () => {
  const conn = (o: { closer?: ConnectionReport['close']['activeCloser']; verdict?: ConnectionReport['timeWait']['verdict']; finRetx?: number; port?: number }): ConnectionReport => ({
    stream: 2,
    client: { ip: '2001:db8::1', port: 40000 },
    server: { ip: '10.0.0.1', port: o.port ?? 80 },
    close: { activeCloser: o.closer ?? 'client', kind: 'four-way', finRetransmissions: { client: o.finRetx ?? 0, server: 0 }, halfClose: null, reset: null },
    handshake: { kind: 'three-way', synRetransmissions: { client: 0, server: 0 } },
    timeWait: { verdict: o.verdict ?? 'full', endpoint: 'client' },
    endpoints: { client: { finalState: 'TIME_WAIT' }, server: { finalState: 'CLOSED' } },
    compat: { wireshark: { completeness: 31 } },
  }) as unknown as ConnectionReport;

  it('readable words, and, or, not, parentheses', () => {
    const c = conn({});
    const yes = ['host 10.0.0.1', 'host 2001:DB8::1', 'port 80', 'server port 80', 'client port 40000', 'stream 2', 'closed-by client',
      'close four-way', 'verdict full', 'time-wait client', 'state TIME_WAIT', 'client state time-wait', 'server state CLOSED',
      'not retransmitted-fin', 'handshake three-way', 'port 81 or port 80', 'port 80 and (closed-by server or verdict full)', '! reset'];
    for (const e of yes) assert.equal(parseFilter(e)(c), true, e);
    const no = ['host 10.0.0.2', 'client port 80', 'closed-by server', 'verdict cut-short', 'retransmitted-fin', 'half-close', 'reset', 'not port 80'];
    for (const e of no) assert.equal(parseFilter(e)(c), false, e);
    assert.equal(parseFilter('retransmitted-fin client')(conn({ finRetx: 1 })), true);
    assert.equal(parseFilter('retransmitted-fin server')(conn({ finRetx: 1 })), false);
    assert.equal(parseFilter('verdict cut_short')(conn({ verdict: 'cut-short' })), true);
  });

  it('Wireshark-style equivalents', () => {
    const c = conn({});
    for (const e of ['ip.addr == 10.0.0.1', 'ipv6.addr eq 2001:db8::1', 'tcp.port == 80', 'tcp.dstport == 80', 'tcp.srcport == 40000',
      'tcp.stream eq 2', 'tcp.stream != 3', 'tcp.completeness == 31', 'tcp.flags.fin == 1', 'tcp.flags.reset == 0',
      'tcp.port == 443 || tcp.port == 80', 'ip.addr == 10.0.0.1 && !tcp.flags.reset == 1']) {
      assert.equal(parseFilter(e)(c), true, e);
    }
  });

  it('says what is wrong', () => {
    assert.throws(() => parseFilter('closed-by nobody'), /--filter: 'closed-by nobody': expected one of client, server, both, none/);
    assert.throws(() => parseFilter('port eighty'), /'port' needs a number, got 'eighty'/);
    assert.throws(() => parseFilter('frob'), /unknown word 'frob'/);
    assert.throws(() => parseFilter('(port 80'), /missing '\)'|unexpected end/);
    assert.throws(() => parseFilter('port 80 port 81'), /unexpected 'port'/);
    assert.throws(() => parseFilter('tcp.port 80'), /needs == or !=/);
    assert.throws(() => parseFilter('', '--fail-on'), /--fail-on: empty expression/);
  });
});

describe('ladder model on the kernel captures', () => {
  for (const file of captures) {
    it(`${file}: one row per segment, states and textbook labels`, async () => {
      const path = join(capturesDir, file);
      const rep = await analyzeFile(path, makeSettings({ os: 'linux' }));
      const segs = await segmentsOf(path, rep.connections);
      for (const c of rep.connections) {
        const list = segs.get(c.stream) ?? [];
        assert.equal(list.length, c.packets, `stream ${c.stream}`);
        const ladder = buildLadder(c, list, { lang: 'en', data: true });
        assert.equal(ladder.rows.length, c.packets);
        assert.deepEqual(ladder.final, { client: c.endpoints.client.finalState, server: c.endpoints.server.finalState });
        const labels = ladder.rows.map((r) => r.label);
        if (c.handshake.synFrames.length) assert.equal(labels[0], 'SYN seq=x');
        // A capture of one direction holds half of the textbook's segments.
        const both = c.capture.directions === 'both';
        // (With data on the SYN, TCP Fast Open, the SYN+ACK acknowledges x+1+len.)
        const synLen = list.find((g) => g.frame === c.handshake.synFrames[0]?.frame)?.len ?? 0;
        if (c.handshake.kind === 'three-way' && both) assert.ok(labels.includes(`SYN+ACK seq=y ack=x+${1 + synLen}`), labels.join(', '));
        // A FIN riding on data is labelled `FIN seq=u-784 (784 B + FIN at u)`.
        const has = (l: string): boolean => labels.some((x) => x !== null && x.replace(/-\d+ \(\d+ B \+ FIN at [uw]\)/, '') === l);
        // The close may lie in a later stream's frames (syn-in-window: the old connection takes them, Tracker.forOld).
        const closeHere = [...c.close.finFrames.client, ...c.close.finFrames.server].every((k) => k.frame <= c.lastFrame);
        if (c.close.kind === 'four-way' && both && closeHere) {
          for (const l of ['FIN seq=u', 'ACK seq=v ack=u+1', 'FIN+ACK seq=w ack=u+1', 'ACK seq=u+1 ack=w+1']) assert.ok(has(l), `${l} in ${labels.join(', ')}`);
        }
        if (c.close.kind === 'three-way' && both && closeHere) {
          for (const l of ['FIN seq=u', 'FIN+ACK seq=w ack=u+1', 'ACK seq=u+1 ack=w+1']) assert.ok(has(l), `${l} in ${labels.join(', ')}`);
        }
        const retx = c.close.finRetransmissions.client + c.close.finRetransmissions.server;
        assert.equal(ladder.rows.filter((r) => r.notes.some((n) => n.startsWith('retransmission of frame')) && r.flags.includes('FIN')).length, retx);
        // Folding keeps every segment: rows + folded counts = segments.
        const folded = buildLadder(c, list, { lang: 'zh', data: false });
        const n = folded.items.reduce((k, it) => k + (it.type === 'fold' ? it.count : 1), 0);
        assert.equal(n, c.packets);
      }
    });
  }
});

describe('answer key: ICMP errors that changed a state', () => {
  const keyOf = async (file: string, stream: number, lang: 'en' | 'zh'): Promise<string> => {
    const rep = await analyzeFile(join(capturesDir, file), makeSettings());
    const c = rep.connections.find((x) => x.stream === stream);
    assert.ok(c !== undefined);
    return renderKey(c, { lang, color: false, file });
  };
  const section = (text: string, heading: string): string[] => {
    const lines = text.split('\n');
    const at = lines.indexOf(heading);
    if (at < 0) return [];
    const end = lines.findIndex((l, i) => i > at && l === '');
    return lines.slice(at + 1, end < 0 ? undefined : end);
  };

  it('the ICMP error that rejected the SYN is under its own heading, not among the segments that changed no state', async () => {
    // icmp-reject stream 1: frame 4 not taken (the SYN went again), frame 6 aborted the connect.
    const en = await keyOf('icmp-reject.pcap', 1, 'en');
    assert.deepEqual(section(en, 'ICMP errors that changed a state (inferred)').map((l) => l.split(':')[0]), ['  frame 6 (client)']);
    assert.deepEqual(section(en, 'Segments that changed no state').map((l) => l.split(':')[0]), ['  frame 4 (client)']);
    const zh = await keyOf('icmp-reject.pcap', 1, 'zh');
    assert.equal(section(zh, '改变了状态的 ICMP 差错（推断）').length, 1);
    assert.match(section(zh, '改变了状态的 ICMP 差错（推断）')[0], /帧 6/);
    assert.equal(section(zh, '未改变状态的报文段').length, 1);
    // Stream 0: its only note aborted: no "changed no state" heading at all.
    const only = await keyOf('icmp-reject.pcap', 0, 'en');
    assert.ok(!only.includes('Segments that changed no state'));
    assert.equal(section(only, 'ICMP errors that changed a state (inferred)').length, 1);
  });

  it('the ICMP errors that dropped the server\'s half-open connection (icmp-reject-synack)', async () => {
    const en = await keyOf('icmp-reject-synack.pcap', 1, 'en');
    const moved = section(en, 'ICMP errors that changed a state (inferred)');
    assert.deepEqual(moved.map((l) => l.split(':')[0]), ['  frame 11 (server)', '  frame 14 (server)']);
    assert.ok(moved.every((l) => l.endsWith('it dropped the half-open connection (SYN-RECEIVED -> LISTEN)')));
    assert.ok(!en.includes('Segments that changed no state'));
    assert.match(en, /server: CLOSED -> LISTEN \(10, deduced\) -> SYN_RCVD \(10\) -> LISTEN \(11\) -> SYN_RCVD \(13\) -> LISTEN \(14\)/);
    // Stream 0: port unreachable, the listener kept it: soft, no state changed.
    const kept = await keyOf('icmp-reject-synack.pcap', 0, 'en');
    assert.ok(!kept.includes('ICMP errors that changed a state'));
    assert.equal(section(kept, 'Segments that changed no state').length, 3);
  });
});
