/**
 * The flags the kernel fixtures and the corpus never show (window full,
 * zero window, zero-window probe and its ACK, a fast retransmission...), on
 * a hand-built capture (test/helpers/analysis-capture.ts), against tshark
 * 4.0's reading of it, stored here: `bash fixtures/tools/analysis-tsv.sh
 * a.pcap` with tshark 4.0.17 on the bytes analysisCapture() writes. Then
 * the same analysis as the JSON, the table's notes and the timeline give it,
 * in English and Chinese, and fitted to 80 columns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { analysisCapture } from '../helpers/analysis-capture.ts';
import { tcpscope } from '../helpers/cli.ts';
import { compareAnalysis, ourAnalysis, parseAnalysisTsv } from '../helpers/tshark-analysis.ts';

const TSHARK = `frame\tstream\tflags\tdupack_num\tdupack_frame
5\t0\twindow_full\t\t
6\t0\tzero_window\t\t
7\t0\tzero_window_probe\t\t
8\t0\tzero_window,zero_window_probe_ack\t\t
9\t0\twindow_update\t\t
11\t0\twindow_full\t\t
13\t0\tduplicate_ack\t1\t12
14\t0\tduplicate_ack\t2\t12
15\t0\tretransmission,fast_retransmission\t\t
17\t0\tkeep_alive\t\t
18\t0\tkeep_alive_ack\t\t
19\t0\tlost_segment\t\t
20\t0\tout_of_order\t\t
22\t0\tack_lost_segment\t\t
23\t0\tretransmission,spurious_retransmission\t\t
24\t0\tlost_segment\t\t
25\t0\tretransmission\t\t
# initial_rtt 0:0.002000000
`;

describe('every analysis flag on a hand-built capture', () => {
  let dir = '';
  let cap = '';
  let conn: ConnectionReport;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-analysis-'));
    cap = join(dir, 'a.pcap');
    writeFileSync(cap, analysisCapture());
    writeFileSync(join(dir, 'a.analysis.tsv'), TSHARK);
    const report = await analyzeFile(cap, makeSettings());
    conn = report.connections[0];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('flags every frame as tshark 4.0 does', async () => {
    const t = parseAnalysisTsv(join(dir, 'a.analysis.tsv'));
    const o = await ourAnalysis(cap);
    for (const [field, tally] of compareAnalysis(t.frames, o.frames)) {
      assert.deepEqual(tally.differ, [], field);
    }
    assert.equal(o.rtt.get(0), 0.002);
  });

  it('reports them in the JSON: frames, duplicate ACK numbers, counts per side', () => {
    const a = conn.analysis;
    assert.equal(a.frames.length, 17);
    assert.equal(a.framesOmitted, 0);
    const f15 = a.frames.find((f) => f.frame === 15);
    assert.deepEqual(f15?.flags, ['retransmission', 'fast-retransmission']);
    assert.equal(f15?.from, 'client');
    assert.deepEqual(a.frames.find((f) => f.frame === 14)?.duplicateAck, { number: 2, of: 12 });
    assert.deepEqual(a.frames.find((f) => f.frame === 8)?.flags, ['zero-window', 'zero-window-probe-ack']);
    assert.equal(a.counts.client.retransmission, 3);
    assert.equal(a.counts.client.fastRetransmission, 1);
    assert.equal(a.counts.client.spuriousRetransmission, 1);
    assert.equal(a.counts.server.duplicateAck, 2);
    assert.equal(a.counts.server.zeroWindow, 2);
    assert.equal(a.counts.client.zeroWindowProbe, 1);
    assert.equal(a.counts.client.windowFull, 2);
    assert.equal(a.counts.client.previousSegmentNotCaptured, 2);
    assert.equal(a.counts.server.ackedUnseenSegment, 1);
    assert.equal(a.counts.client.keepAlive, 1);
    assert.equal(a.counts.server.keepAliveAck, 1);
  });

  it('times the handshake and says which options took effect', () => {
    const a = conn.analysis;
    assert.deepEqual(a.handshakeRtt, { initialSeconds: 0.002, synToSynAckSeconds: 0.001, synAckToAckSeconds: 0.001, ackFrame: 3 });
    assert.deepEqual(a.options.client, { frame: 1, mss: 1460, windowScale: 7, sackPermitted: false, timestamps: false });
    assert.deepEqual(a.options.server, { frame: 2, mss: 1460, windowScale: 0, sackPermitted: false, timestamps: false });
    assert.equal(a.options.windowScaling, true);
    assert.equal(a.options.sackPermitted, false);
    assert.equal(a.options.timestamps, false);
    assert.deepEqual(a.options.windowScale, { client: 7, server: 0 });
    assert.deepEqual(a.options.maxSegmentSize, { client: 1460, server: 1460 });
  });

  it('counts them in the table\'s notes, wrapped within 80 columns, in English and Chinese', async () => {
    const en = await tcpscope(['analyze', '--width', '80', '--columns', 'stream,closer,notes', cap]);
    assert.equal(en.code, 0, en.stderr);
    const text = en.stdout.replace(/[│\s]+/g, ' ');
    for (const s of ['3 retransmissions (1 fast, 1 spurious)', '1 out-of-order segment', '2 segments not captured',
      '1 ACK of unseen data', '2 duplicate ACKs', '2 zero windows', '1 zero-window probe', '2 windows full', '1 keep-alive']) {
      assert.ok(text.includes(s), `${s} in ${en.stdout}`);
    }
    const zh = await tcpscope(['analyze', '--lang', 'zh', '--width', '80', cap]);
    assert.equal(zh.code, 0, zh.stderr);
    for (const out of [en.stdout, zh.stdout]) {
      for (const line of out.split('\n')) assert.ok([...line].reduce((n, ch) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0) <= 80, line);
    }
    const full = await tcpscope(['analyze', '--lang', 'zh', '--columns', 'stream,notes', cap]);
    assert.ok(full.stdout.includes('3 次重传（快速重传 1，虚假重传 1）'), full.stdout);
    assert.ok(full.stdout.includes('2 个重复 ACK'), full.stdout);
  });

  it('shows them in the timeline at their frames, as Wireshark\'s Info column brackets them', async () => {
    const en = await tcpscope(['timeline', '--data', cap]);
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stdout, /handshake RTT 2 ms \(SYN to SYN\+ACK 1 ms, SYN\+ACK to ACK 1 ms; tcp\.analysis\.initial_rtt\)/);
    assert.match(en.stdout, /SYN options: client MSS 1460, window scale 7; server MSS 1460, window scale 0; in effect: window scale client 7 \/ server 0/);
    const lines = en.stdout.split('\n');
    const at = (frame: number): string => {
      const i = lines.findIndex((l) => new RegExp(`^\\s*${frame}\\s`).test(l));
      assert.ok(i >= 0, `frame ${frame} in ${en.stdout}`);
      let j = i + 1;
      while (j < lines.length && !/^\s*\d+\s/.test(lines[j]) && lines[j].trim() !== '') j++;
      return lines.slice(i, j).join('\n');
    };
    assert.match(at(14), /Wireshark: \[TCP Dup ACK 12#2\]/);
    assert.match(at(15), /Wireshark: \[TCP Fast Retransmission\]/);
    assert.doesNotMatch(at(15), /\[TCP Retransmission\]/);
    assert.match(at(8), /Wireshark: \[TCP ZeroWindow\] \[TCP ZeroWindowProbeAck\]/);
    assert.match(at(19), /\[TCP Previous segment not captured\]/);
    assert.match(at(22), /\[TCP ACKed unseen segment\]/);
    // Window updates are routine: in the JSON, not in the timeline.
    assert.doesNotMatch(at(9), /Wireshark/);
    const zh = await tcpscope(['timeline', '--data', '--lang', 'zh', '--width', '80', cap]);
    assert.equal(zh.code, 0, zh.stderr);
    assert.match(zh.stdout, /Wireshark 分析：\[TCP 快速重传\]/);
    assert.match(zh.stdout, /握手 RTT 2 ms/);
  });
});
