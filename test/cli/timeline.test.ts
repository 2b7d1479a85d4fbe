/**
 * `tcpscope timeline` and `tcpscope key` as a user runs them, on the kernel
 * captures. Sequence numbers are checked against the capture's own
 * frames.tsv (tshark's view), never hard-coded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANSI, capture, tcpscope } from '../helpers/cli.ts';
import { capturesDir, handmadeDir } from '../helpers/paths.ts';

interface TsvFrame { frame: number; src: string; seq: number; ack: number; flags: number; len: number }

function frames(stem: string): TsvFrame[] {
  const [head, ...lines] = readFileSync(join(capturesDir, `${stem}.frames.tsv`), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => {
    const v = Object.fromEntries(l.split('\t').map((x, i) => [cols[i], x]));
    return { frame: Number(v.frame), src: v.src, seq: Number(v.seq_raw), ack: Number(v.ack_raw), flags: Number(v.flags), len: Number(v.tcp_len) };
  });
}

/** The timeline's lines for one frame: the arrow line and the lines under it up to the next frame. */
function block(out: string, frame: number): string {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*${frame}\\s+\\d+\\.\\d+\\s`).test(l));
  assert.ok(start >= 0, `no row for frame ${frame}\n${out}`);
  let end = start + 1;
  while (end < lines.length && !/^\s*\d+\s+\d+\.\d+\s/.test(lines[end]) && !/┴/.test(lines[end])) end++;
  return lines.slice(start, end).join('\n');
}

describe('timeline', () => {
  it('draws the handshake and the four waves in textbook notation with relative and absolute numbers', async () => {
    const r = await tcpscope(['timeline', '--os', 'linux', capture('four-way-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, ANSI);
    const f = frames('four-way-close');
    const syn = f.find((x) => x.flags === 0x002)!;
    const fins = f.filter((x) => x.flags & 0x001);
    const b1 = block(r.stdout, syn.frame);
    assert.match(b1, /── SYN seq=x ─+>│/);
    assert.match(b1, new RegExp(`\\[SYN\\] seq=0 +\\(abs ${syn.seq}\\)`));
    assert.match(b1, /1st handshake/);
    assert.match(b1, /SYN_SENT │/);
    assert.match(block(r.stdout, syn.frame + 1), /<─+ SYN\+ACK seq=y ack=x\+1 ──│ SYN_RCVD/);
    assert.match(block(r.stdout, syn.frame + 2), /ACK seq=x\+1 ack=y\+1/);
    const [finU, finW] = fins;
    const bu = block(r.stdout, finU.frame);
    assert.match(bu, /FIN_WAIT_1 │── FIN seq=u ─+>│ CLOSE_WAIT/);
    assert.match(bu, new RegExp(`\\(abs ${finU.seq}/${finU.ack}\\)`));
    assert.match(bu, /1st wave: active closer \(client\) sends FIN/);
    const bv = block(r.stdout, finU.frame + 1);
    assert.match(bv, /FIN_WAIT_2 │<─+ ACK seq=v ack=u\+1 ──│/);
    assert.match(bv, /2nd wave/);
    const bw = block(r.stdout, finW.frame);
    assert.match(bw, /TIME_WAIT │<─+ FIN\+ACK seq=w ack=u\+1 ──│ LAST_ACK/);
    assert.match(bw, /3rd wave/);
    assert.match(bw, /client enters TIME_WAIT: 2MSL = 60 s, deadline \+60\.\d{6} s/);
    const b4 = block(r.stdout, finW.frame + 1);
    assert.match(b4, /│── ACK seq=u\+1 ack=w\+1 ─+>│ CLOSED/);
    assert.match(b4, /4th wave/);
    assert.match(r.stdout, /client TIME_WAIT: the capture ends at \+\d+\.\d+ s, \d+ µs after entry, before the 2MSL deadline: inconclusive/);
    // Data is folded into one line with counts.
    assert.match(r.stdout, /⋮ \d+ segments folded \(frames \d+-\d+\): client->server 1 data segment \(100 B\)/);
  });

  it('--data draws one arrow per segment', async () => {
    const r = await tcpscope(['timeline', '--data', capture('data-transfer.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^\s*\d+\s+\d+\.\d+\s/.test(l));
    assert.equal(rows.length, frames('data-transfer').length);
    assert.doesNotMatch(r.stdout, /folded/);
  });

  it('notes retransmitted FINs with the frame they repeat', async () => {
    const f = frames('lost-fin').filter((x) => x.flags & 0x001 && x.src === '192.0.2.1');
    assert.equal(f.length, 2);
    const r = await tcpscope(['timeline', capture('lost-fin.pcap')]);
    assert.match(block(r.stdout, f[1].frame), new RegExp(`FIN seq=u[\\s\\S]*retransmission of frame ${f[0].frame} \\(\\+\\d+(\\.\\d+)? ms after the previous copy\\)`));
  });

  it('says which tunnel the connection came in, per direction, and when one direction came in two', async () => {
    const vx = await tcpscope(['timeline', capture('vxlan-ipv6.pcap')]);
    assert.equal(vx.code, 0, vx.stderr);
    assert.match(vx.stdout, /^inside vxlan 200$/m);
    const gtp = await tcpscope(['timeline', join(handmadeDir, 'gtp-u.pcap')]);
    assert.match(gtp.stdout, /^inside gtp-u 4660 \(the other way gtp-u 22136\)$/m);
    const two = await tcpscope(['timeline', '--lang', 'zh', join(handmadeDir, 'vxlan-two-vnis.pcap')]);
    assert.match(two.stdout, /^封装于 vxlan 100；同一方向的报文段来自不同的隧道：可能是地址和端口相同的多条连接$/m);
    const plain = await tcpscope(['timeline', capture('client-close.pcap')]);
    assert.doesNotMatch(plain.stdout, /inside|tunnel/);
  });

  it('shows a TIME_WAIT cut short by reuse of the 4-tuple', async () => {
    const r = await tcpscope(['timeline', '--os', 'linux', '--stream', '0', capture('timewait-reuse.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /server TIME_WAIT: frame \d+ reuses the 4-tuple after \d+(\.\d+)? ms \(< 2MSL = 60 s\): cut short/);
    assert.doesNotMatch(r.stdout, /stream 1/);
  });

  it('--lang zh: 第一次挥手 ... 第四次挥手, 主动关闭方, 被动关闭方, 等待计时器', async () => {
    const r = await tcpscope(['timeline', '--lang', 'zh', capture('four-way-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of ['第一次挥手：主动关闭方（客户端）发送 FIN', '第二次挥手：被动关闭方（服务器）确认 FIN', '第三次挥手：被动关闭方（服务器）发送 FIN',
      '第四次挥手：主动关闭方（客户端）确认 FIN', '等待计时器', '第一次握手', 'FIN_WAIT_2', 'ACK seq=v ack=u+1']) {
      assert.ok(r.stdout.includes(s), `missing ${s}`);
    }
  });

  it('a missing stream and a bad file are usage errors', async () => {
    const r = await tcpscope(['timeline', '--stream', '3', capture('client-close.pcap')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: no stream 3 in fixtures/captures/client-close.pcap (streams 0-0)\n');
    const bad = await tcpscope(['timeline', capture('client-close.frames.tsv')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: fixtures\/captures\/client-close\.frames\.tsv: not a pcap or pcapng file \(starts with 0x6672616d\)\n$/);
  });

  it('reads standard input', async () => {
    const r = await tcpscope(['timeline', '-'], { input: readFileSync(join(capturesDir, 'client-close.pcap')) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Timeline of stream 0 in -/);
    assert.match(r.stdout, /FIN\+ACK seq=w ack=u\+1/);
  });
});

describe('key', () => {
  it('gives x, y, u, v, w absolute and relative, checks ack=u+1 and ack=w+1, and the state sequences', async () => {
    const r = await tcpscope(['key', capture('four-way-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    const f = frames('four-way-close');
    const syn = f.find((x) => x.flags === 0x002)!;
    const synAck = f.find((x) => x.flags === 0x012)!;
    const [finU, finW] = f.filter((x) => x.flags & 0x001);
    const ackU = f.find((x) => x.frame > finU.frame && x.src !== finU.src)!;
    const cell = (sym: string): string[] => {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`│ ${sym} `));
      assert.ok(line, `${sym}\n${r.stdout}`);
      return line.split('│').map((c) => c.trim()).filter((c) => c !== '');
    };
    assert.deepEqual([cell('x')[2], cell('x')[3], cell('x')[4]], [String(syn.seq), '0', String(syn.frame)]);
    assert.deepEqual([cell('y')[2], cell('y')[4]], [String(synAck.seq), String(synAck.frame)]);
    assert.deepEqual([cell('u')[2], cell('u')[3], cell('u')[4]], [String(finU.seq), String(finU.seq - syn.seq), String(finU.frame)]);
    assert.deepEqual([cell('v')[2], cell('v')[4]], [String(ackU.seq), String(ackU.frame)]);
    assert.deepEqual([cell('w')[2], cell('w')[4]], [String(finW.seq), String(finW.frame)]);
    assert.deepEqual([cell('u+1')[2], cell('u+1')[5]], [String(finU.seq + 1), 'ok']);
    assert.deepEqual([cell('w+1')[2], cell('w+1')[5]], [String(finW.seq + 1), 'ok']);
    assert.match(r.stdout, /Active closer: client {3}Passive closer: server/);
    assert.match(r.stdout, /client: CLOSED -> SYN_SENT \(\d+\) -> ESTABLISHED \(\d+\) -> FIN_WAIT_1 \(\d+\) -> FIN_WAIT_2 \(\d+\) -> TIME_WAIT \(\d+\)/);
    assert.match(r.stdout, /server: CLOSED -> LISTEN \(\d+, deduced\) -> SYN_RCVD \(\d+\) -> ESTABLISHED \(\d+\) -> CLOSE_WAIT \(\d+\) -> LAST_ACK \(\d+\) -> CLOSED \(\d+\)/);
  });

  it('--lang zh names 主动关闭方 and 被动关闭方', async () => {
    const r = await tcpscope(['key', '--lang', 'zh', capture('server-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /主动关闭方：服务器　被动关闭方：客户端/);
    assert.ok(r.stdout.includes('第一次挥手的序号（FIN=1，seq=u）'));
  });
});

describe('timelines in groups', () => {
  it('are the same text whatever the group of connections read at once', async () => {
    const { timelineParts } = await import('../../src/cli/actions.ts');
    const { analyzeFile } = await import('../../src/analyze/analyze.ts');
    const { makeSettings } = await import('../../src/report/settings.ts');
    for (const name of ['timewait-reuse.pcap', 'simultaneous-close.pcap', 'lost-fin.pcap']) {
      const file = capture(name);
      const conns = (await analyzeFile(file, makeSettings({ os: 'linux' }))).connections;
      const text = async (group: number): Promise<string> => {
        let s = '';
        for await (const part of timelineParts(file, conns, { lang: 'en', color: false, file, data: true }, group)) s += part;
        return s;
      };
      const whole = await text(Infinity);
      assert.ok(whole.length > 0);
      for (const group of [1, 2]) assert.equal(await text(group), whole, `${name} groups of ${group}`);
    }
    // Several connections in one capture, so groups of one did split it.
    assert.ok((await analyzeFile(capture('timewait-reuse.pcap'), makeSettings({}))).connections.length > 1);
  });
});
