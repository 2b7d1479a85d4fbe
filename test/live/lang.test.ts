/**
 * `tcpscope live --lang en|zh`: every event line, the kernel-vs-capture lines
 * and the notes under the summary, rendered from constructed events in both
 * languages. The English lines are those `live` has always printed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { summaryText } from '../../src/cli/live-action.ts';
import { timingNote } from '../../src/live/backend.ts';
import type { KernelComparison, LiveEvent, SummaryEvent } from '../../src/live/events.ts';
import { eventLine, kernelLines, kernelNote, type LineOptions } from '../../src/live/format.ts';
import { transitionCauseLabel } from '../../src/render/i18n.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { Cause, ConnectionReport } from '../../src/report/types.ts';
import { capturesDir } from '../helpers/paths.ts';

const en: LineOptions = { timestamps: 'kernel', utc: true, lang: 'en' };
const zh: LineOptions = { timestamps: 'kernel', utc: true, lang: 'zh' };
const settings = makeSettings({ os: 'linux' });
const time = '2024-05-01T10:00:00.123456789Z';
const deadline = '2024-05-01T10:01:00.123456789Z';
const C = { ip: '10.0.0.1', port: 40000 };
const S = { ip: '10.0.0.2', port: 80 };
const conn = { stream: 3, frame: 5, time };

/** Just what the closed line reads of a report. */
const report = (kind: ConnectionReport['close']['kind'], activeCloser: ConnectionReport['close']['activeCloser']): ConnectionReport =>
  ({ close: { kind, activeCloser }, timeWait: { requiredSeconds: 60 } }) as unknown as ConnectionReport;

/** Every event type (and the variants of its line), with the English and the Chinese line. */
const cases: [string, LiveEvent, string, string][] = [
  ['started (tcpdump, filter, kernel, -w)',
    { type: 'started', time, backend: 'tcpdump', interface: 'lo', filter: 'tcp port 80', timestamps: 'kernel', timing: timingNote('tcpdump'), kernel: true, writing: 'lab.pcap', snapLength: 256, settings },
    'tcpscope live on lo (filter: tcp port 80), backend tcpdump: kernel timestamps (ns): TIME_WAIT and retransmission timing are exact to the capture point; TIME_WAIT = 60 s (--os linux); watching the kernel\'s TIME_WAIT table; writing lab.pcap (the first 256 bytes of each packet; --snaplen 0 keeps them whole). Ctrl-C stops.',
    'tcpscope live 正在 lo 上抓包（过滤器：tcp port 80），后端 tcpdump：使用内核时间戳（纳秒），TIME_WAIT 与重传的计时在抓包点上是精确的；TIME_WAIT（2MSL）= 60 s（--os linux）；同时监视内核的 TIME_WAIT 表；抓到的报文同时写入 lab.pcap（每个报文只保留前 256 字节；--snaplen 0 保留完整报文）。按 Ctrl-C 停止。'],
  ['started (tcpdump, -w of whole packets)',
    { type: 'started', time, backend: 'tcpdump', interface: 'lo', filter: '', timestamps: 'kernel', timing: timingNote('tcpdump'), kernel: false, writing: 'lab.pcap', snapLength: 262144, settings },
    'tcpscope live on lo, backend tcpdump: kernel timestamps (ns): TIME_WAIT and retransmission timing are exact to the capture point; TIME_WAIT = 60 s (--os linux); writing lab.pcap. Ctrl-C stops.',
    'tcpscope live 正在 lo 上抓包，后端 tcpdump：使用内核时间戳（纳秒），TIME_WAIT 与重传的计时在抓包点上是精确的；TIME_WAIT（2MSL）= 60 s（--os linux）；抓到的报文同时写入 lab.pcap。按 Ctrl-C 停止。'],
  ['started (cap, receipt times)',
    { type: 'started', time, backend: 'cap', interface: 'eth0', filter: '', timestamps: 'receipt', timing: timingNote('cap'), kernel: false, writing: null, snapLength: 65535, settings },
    'tcpscope live on eth0, backend cap: receipt timestamps: taken when node received each packet (cap gives no kernel timestamp), late by the buffering delay; TIME_WAIT and retransmission gaps are approximate (times marked ~); TIME_WAIT = 60 s (--os linux). Ctrl-C stops.',
    'tcpscope live 正在 eth0 上抓包，后端 cap：使用接收时间戳，即 node 收到每个报文的时刻（cap 不提供内核时间戳），会晚一个缓冲延迟；TIME_WAIT 与重传间隔为近似值（带 ~ 的时间为接收时间）；TIME_WAIT（2MSL）= 60 s（--os linux）。按 Ctrl-C 停止。'],
  ['opened',
    { type: 'opened', ...conn, client: C, server: S, clientFrom: 'syn' },
    '10:00:00.123456  #3 opened: client 10.0.0.1:40000 -> server 10.0.0.2:80',
    '10:00:00.123456  #3 新连接：客户端 10.0.0.1:40000 -> 服务器 10.0.0.2:80'],
  ['opened (client from the SYN+ACK, IPv6)',
    { type: 'opened', ...conn, client: { ip: 'fe80::1', port: 40000 }, server: { ip: 'fe80::2', port: 80 }, clientFrom: 'syn-ack' },
    '10:00:00.123456  #3 opened: client [fe80::1]:40000 -> server [fe80::2]:80 (client chosen by syn-ack)',
    '10:00:00.123456  #3 新连接：客户端 [fe80::1]:40000 -> 服务器 [fe80::2]:80（按抓到的 SYN+ACK 方向判定客户端）'],
  ['opened (client from the ports)',
    { type: 'opened', ...conn, client: C, server: S, clientFrom: 'port' },
    '10:00:00.123456  #3 opened: client 10.0.0.1:40000 -> server 10.0.0.2:80 (client chosen by port)',
    '10:00:00.123456  #3 新连接：客户端 10.0.0.1:40000 -> 服务器 10.0.0.2:80（按端口号判定客户端）'],
  ['opened (client from the first frame)',
    { type: 'opened', ...conn, client: C, server: S, clientFrom: 'first-frame' },
    '10:00:00.123456  #3 opened: client 10.0.0.1:40000 -> server 10.0.0.2:80 (client chosen by first-frame)',
    '10:00:00.123456  #3 新连接：客户端 10.0.0.1:40000 -> 服务器 10.0.0.2:80（按第一个报文的方向判定客户端）'],
  ['transition',
    { type: 'transition', ...conn, side: 'client', endpoint: C, from: 'ESTABLISHED', to: 'FIN_WAIT_1', cause: 'sent FIN', inferred: false },
    '10:00:00.123456  #3 client 10.0.0.1:40000 ESTABLISHED -> FIN_WAIT_1 (sent FIN)',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 ESTABLISHED -> FIN_WAIT_1：发送 FIN'],
  ['transition (inferred)',
    { type: 'transition', ...conn, side: 'server', endpoint: S, from: 'ESTABLISHED', to: 'CLOSE_WAIT', cause: 'FIN not captured (inferred from the ACK of it)', inferred: true },
    '10:00:00.123456  #3 server 10.0.0.2:80 ESTABLISHED -> CLOSE_WAIT (FIN not captured (inferred from the ACK of it)) [inferred]',
    '10:00:00.123456  #3 服务器 10.0.0.2:80 ESTABLISHED -> CLOSE_WAIT：未抓到 FIN（由其 ACK 推断）【推断】'],
  ['transition (simultaneous close)',
    { type: 'transition', ...conn, side: 'server', endpoint: S, from: 'FIN_WAIT_1', to: 'CLOSING', cause: 'received FIN crossing ours (simultaneous close)', inferred: false },
    '10:00:00.123456  #3 server 10.0.0.2:80 FIN_WAIT_1 -> CLOSING (received FIN crossing ours (simultaneous close))',
    '10:00:00.123456  #3 服务器 10.0.0.2:80 FIN_WAIT_1 -> CLOSING：收到与本端 FIN 交叉的 FIN（同时关闭）'],
  ['retracted (the ACK of the FIN was lost)',
    { type: 'retracted', ...conn, side: 'client', endpoint: C, from: 'FIN_WAIT_1', to: 'FIN_WAIT_2', cause: 'received ACK of our FIN' },
    '10:00:00.123456  #3 client 10.0.0.1:40000 FIN_WAIT_1 -> FIN_WAIT_2 undone: that ACK never reached it (it retransmitted its FIN)',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 FIN_WAIT_1 -> FIN_WAIT_2 已撤销：那个 ACK 其实没有到达它（它又重传了 FIN）'],
  ['retracted (FINs crossed)',
    { type: 'retracted', ...conn, side: 'client', endpoint: C, from: 'FIN_WAIT_1', to: 'TIME_WAIT', cause: 'received FIN+ACK of our FIN' },
    '10:00:00.123456  #3 client 10.0.0.1:40000 FIN_WAIT_1 -> TIME_WAIT undone: its FIN crossed the peer\'s (simultaneous close)',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 FIN_WAIT_1 -> TIME_WAIT 已撤销：它的 FIN 与对方的 FIN 交叉（同时关闭）'],
  ['fin-retransmission',
    { type: 'fin-retransmission', ...conn, side: 'server', endpoint: S, copy: 2, gapSeconds: 0.4082468 },
    '10:00:00.123456  #3 server 10.0.0.2:80 retransmitted its FIN (retransmission 2, 0.408 s after the previous copy)',
    '10:00:00.123456  #3 服务器 10.0.0.2:80 重传了 FIN（第 2 次重传，距上一份 0.408 s）'],
  ['time-wait',
    { type: 'time-wait', ...conn, side: 'client', endpoint: C, requiredSeconds: 60, deadline },
    '10:00:00.123456  #3 client 10.0.0.1:40000 entered TIME_WAIT: must hold 60 s, until 10:01:00.123456',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 进入 TIME_WAIT（等待计时器）：须等待 2MSL = 60 s，到 10:01:00.123456 为止'],
  ['time-wait-restart',
    { type: 'time-wait-restart', ...conn, side: 'client', endpoint: C, deadline, answering: 'retransmitted-fin' },
    '10:00:00.123456  #3 client 10.0.0.1:40000 TIME_WAIT restarted (re-acknowledged a retransmitted FIN), now until 10:01:00.123456',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 TIME_WAIT 重新计时（再次确认了重传的 FIN），改为等到 10:01:00.123456'],
  ['time-wait-restart (PAWS)',
    { type: 'time-wait-restart', ...conn, side: 'client', endpoint: C, deadline, answering: 'paws-rejected' },
    '10:00:00.123456  #3 client 10.0.0.1:40000 TIME_WAIT restarted (acknowledged a segment PAWS refused: an old timestamp), now until 10:01:00.123456',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 TIME_WAIT 重新计时（确认了一个被 PAWS 拒绝的报文段：时间戳过旧），改为等到 10:01:00.123456'],
  ['time-wait-end (reuse, cut short)',
    { type: 'time-wait-end', ...conn, side: 'client', endpoint: C, evidence: 'reuse', observedSeconds: 1.5, requiredSeconds: 60, verdict: 'cut-short' },
    '10:00:00.123456  #3 client 10.0.0.1:40000 TIME_WAIT ended by a reuse of the 4-tuple after 1.5 s of 60 s: verdict cut-short',
    '10:00:00.123456  #3 客户端 10.0.0.1:40000 TIME_WAIT 结束（四元组被复用），历时 1.5 s（2MSL = 60 s）：提前结束'],
  ['time-wait-end (RST, full)',
    { type: 'time-wait-end', ...conn, side: 'server', endpoint: S, evidence: 'rst', observedSeconds: 61.25, requiredSeconds: 60, verdict: 'full' },
    '10:00:00.123456  #3 server 10.0.0.2:80 TIME_WAIT ended by its RST after 61.25 s of 60 s: verdict full',
    '10:00:00.123456  #3 服务器 10.0.0.2:80 TIME_WAIT 结束（它回了 RST），历时 61.25 s（2MSL = 60 s）：满 2MSL'],
  ['closed (expired)',
    { type: 'closed', time, stream: 3, reason: 'expired', verdict: 'full', report: report('four-way', 'client') },
    '10:00:00.123456  #3 done (60 s passed with nothing on its 4-tuple): close four-way, closed by client, TIME_WAIT verdict full',
    '10:00:00.123456  #3 连接结束（60 s 内该四元组上没有报文）：关闭方式为四次挥手，客户端主动关闭，TIME_WAIT 判定：满 2MSL'],
  ['closed (replaced, simultaneous)',
    { type: 'closed', time, stream: 3, reason: 'replaced', verdict: 'cut-short', report: report('simultaneous', 'both') },
    '10:00:00.123456  #3 done (its 4-tuple was reused): close simultaneous, closed by both, TIME_WAIT verdict cut-short',
    '10:00:00.123456  #3 连接结束（四元组被新连接复用）：关闭方式为同时关闭，双方主动关闭，TIME_WAIT 判定：提前结束'],
  ['closed (refused: no closer)',
    { type: 'closed', time, stream: 3, reason: 'expired', verdict: 'none', report: report('refused', null) },
    '10:00:00.123456  #3 done (60 s passed with nothing on its 4-tuple): close refused, TIME_WAIT verdict none',
    '10:00:00.123456  #3 连接结束（60 s 内该四元组上没有报文）：关闭方式为连接被拒绝，TIME_WAIT 判定：无'],
  ['drops',
    { type: 'drops', time, received: 1000, dropped: 12, newlyDropped: 5 },
    'warning: libpcap dropped 5 packets (12 of 1000 so far): connections may miss segments; a larger --buffer-size or a narrower capture filter helps',
    '警告：libpcap 丢弃了 5 个报文（到目前为止收到 1000 个，丢弃 12 个）：连接可能缺少报文段；加大 --buffer-size 或收窄抓包过滤器可以缓解'],
  ['kernel-time-wait (entered, seen by the capture)',
    { type: 'kernel-time-wait', time, phase: 'entered', stream: 3, side: 'client', local: C, remote: S, entered: time, remainingSeconds: 59.87, measuredSeconds: null, endedEarly: false, captureEntered: time, entryDeltaSeconds: 0.003 },
    '10:00:00.123456  kernel: #3 client 10.0.0.1:40000 is in TIME_WAIT, 59.87 s left (entered 10:00:00.123456); the capture saw it enter at 10:00:00.123456 (+0.003 s)',
    '10:00:00.123456  内核：#3 客户端 10.0.0.1:40000 处于 TIME_WAIT，剩余 59.87 s（进入于 10:00:00.123456）；抓包看到它在 10:00:00.123456 进入（相差 +0.003 s）'],
  ['kernel-time-wait (entered, not in the capture)',
    { type: 'kernel-time-wait', time, phase: 'entered', stream: 3, side: 'server', local: S, remote: C, entered: time, remainingSeconds: 12, measuredSeconds: null, endedEarly: false, captureEntered: null, entryDeltaSeconds: null },
    '10:00:00.123456  kernel: #3 server 10.0.0.2:80 is in TIME_WAIT, 12.00 s left (entered 10:00:00.123456)',
    '10:00:00.123456  内核：#3 服务器 10.0.0.2:80 处于 TIME_WAIT，剩余 12.00 s（进入于 10:00:00.123456）'],
  ['kernel-time-wait (restart)',
    { type: 'kernel-time-wait', time, phase: 'restart', stream: 3, side: 'client', local: C, remote: S, entered: time, remainingSeconds: 59.5, measuredSeconds: null, endedEarly: false, captureEntered: null, entryDeltaSeconds: null },
    '10:00:00.123456  kernel: #3 client 10.0.0.1:40000 TIME_WAIT timer restarted: 59.50 s left',
    '10:00:00.123456  内核：#3 客户端 10.0.0.1:40000 的 TIME_WAIT 计时器被重置：剩余 59.50 s'],
  ['kernel-time-wait (left early)',
    { type: 'kernel-time-wait', time, phase: 'left', stream: 3, side: 'client', local: C, remote: S, entered: time, remainingSeconds: 0, measuredSeconds: 12.5, endedEarly: true, captureEntered: null, entryDeltaSeconds: null },
    '10:00:00.123456  kernel: #3 client 10.0.0.1:40000 left TIME_WAIT after 12.5 s (before its timer ran out)',
    '10:00:00.123456  内核：#3 客户端 10.0.0.1:40000 在 12.5 s 后离开 TIME_WAIT（计时器尚未到期）'],
  ['kernel-time-wait (left)',
    { type: 'kernel-time-wait', time, phase: 'left', stream: 3, side: 'client', local: C, remote: S, entered: time, remainingSeconds: 0, measuredSeconds: 60.01, endedEarly: false, captureEntered: null, entryDeltaSeconds: null },
    '10:00:00.123456  kernel: #3 client 10.0.0.1:40000 left TIME_WAIT after 60.01 s',
    '10:00:00.123456  内核：#3 客户端 10.0.0.1:40000 在 60.01 s 后离开 TIME_WAIT'],
  ['stopped (Ctrl-C, tcpdump counters)',
    { type: 'stopped', time, reason: 'interrupt', signal: 'SIGINT', frames: 42, stats: { received: 42, dropped: 0, droppedByInterface: 3, captured: 42 }, failure: null },
    'stopped (Ctrl-C) after 42 frames; libpcap: 42 received by the filter, 0 dropped, 3 dropped by the interface',
    '已停止（Ctrl-C），共抓到 42 帧；libpcap：过滤器收到 42 个报文，丢弃 0 个，网卡丢弃 3 个'],
  ['stopped (SIGTERM)',
    { type: 'stopped', time, reason: 'interrupt', signal: 'SIGTERM', frames: 42, stats: { received: 42, dropped: 0, droppedByInterface: null, captured: 42 }, failure: null },
    'stopped (SIGTERM) after 42 frames; libpcap: 42 received by the filter, 0 dropped',
    '已停止（收到 SIGTERM），共抓到 42 帧；libpcap：过滤器收到 42 个报文，丢弃 0 个'],
  ['stopped (SIGHUP)',
    { type: 'stopped', time, reason: 'interrupt', signal: 'SIGHUP', frames: 42, stats: { received: 42, dropped: 0, droppedByInterface: null, captured: 42 }, failure: null },
    'stopped (SIGHUP: the terminal closed) after 42 frames; libpcap: 42 received by the filter, 0 dropped',
    '已停止（收到 SIGHUP：终端已关闭），共抓到 42 帧；libpcap：过滤器收到 42 个报文，丢弃 0 个'],
  ['stopped (--duration, with an error)',
    { type: 'stopped', time, reason: 'duration', signal: null, frames: 42, stats: null, failure: 'tcpdump exited with status 1' },
    'stopped (--duration) after 42 frames; libpcap drop counts: not available with the cap backend\nerror: tcpdump exited with status 1',
    '已停止（已到 --duration 时长），共抓到 42 帧；libpcap 丢包计数：cap 后端无法提供\n错误：tcpdump exited with status 1'],
  ['stopped (--count)',
    { type: 'stopped', time, reason: 'count', signal: null, frames: 1000, stats: { received: 1000, dropped: 2, droppedByInterface: null, captured: 1000 }, failure: null },
    'stopped (--count) after 1000 frames; libpcap: 1000 received by the filter, 2 dropped',
    '已停止（已满 --count 个报文），共抓到 1000 帧；libpcap：过滤器收到 1000 个报文，丢弃 2 个'],
  ['stopped (the backend ended)',
    { type: 'stopped', time, reason: 'backend-ended', signal: null, frames: 0, stats: null, failure: null },
    'stopped (the capture ended) after 0 frames; libpcap drop counts: not available with the cap backend',
    '已停止（抓包已结束），共抓到 0 帧；libpcap 丢包计数：cap 后端无法提供'],
];

/**
 * What may stay in Latin letters in a Chinese line: RFC state names, flags,
 * units, option and program names, and values (addresses, filters, files, errors).
 */
const LATIN_OK = new Set([
  'tcpscope', 'live', 'lo', 'eth0', 'tcp', 'port', 'tcpdump', 'cap', 'node', 'libpcap', 'os', 'linux', 'buffer', 'size', 'duration', 'count',
  'lab', 'pcap', 'ns', 'Linux', 's', 'fe80', 'exited', 'with', 'status', 'MSL', 'f',
  'snaplen', 'SIGTERM', 'SIGHUP',
  'SYN', 'ACK', 'FIN', 'RST', 'PAWS', 'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
]);
function untranslated(line: string): string[] {
  return [...line.replace(/Ctrl-C/g, '').matchAll(/[A-Za-z][A-Za-z0-9_]*/g)].map((m) => m[0]).filter((w) => !LATIN_OK.has(w) && !/^2MSL$/.test(w));
}

describe('live lines in English and Chinese', () => {
  for (const [name, e, enLine, zhLine] of cases) {
    it(name, () => {
      assert.equal(eventLine(e, en), enLine);
      assert.equal(eventLine(e, { timestamps: 'kernel', utc: true }), enLine, 'English is the default');
      assert.equal(eventLine(e, zh), zhLine);
      assert.deepEqual(untranslated(zhLine.replace('tcpdump exited with status 1', '')), [], zhLine);
    });
  }

  it('covers every event type', () => {
    const types = new Set(cases.map(([, e]) => e.type));
    for (const ty of ['started', 'opened', 'transition', 'retracted', 'fin-retransmission', 'time-wait', 'time-wait-restart', 'time-wait-end', 'closed', 'drops', 'kernel-time-wait', 'stopped']) {
      assert.ok(types.has(ty as LiveEvent['type']), ty);
    }
  });

  it('prints nothing for the summary event and for connections still open at the end', () => {
    for (const o of [en, zh]) {
      assert.equal(eventLine({ type: 'closed', time, stream: 3, reason: 'capture-end', verdict: 'inconclusive', report: report('four-way', 'client') }, o), null);
    }
  });

  it('marks receipt times with ~ in both languages', () => {
    const e: LiveEvent = { type: 'time-wait', ...conn, side: 'client', endpoint: C, requiredSeconds: 60, deadline };
    assert.match(eventLine(e, { ...zh, timestamps: 'receipt' })!, /^~10:00:00\.123456 .*到 ~10:01:00\.123456 为止$/);
  });

  it('words every transition cause in Chinese', () => {
    const causes: Cause[] = [
      'sent SYN', 'passive open (inferred: it answered a SYN)', 'received SYN, sent SYN+ACK', 'received SYN (simultaneous open)',
      'received SYN+ACK', 'received ACK of our SYN', 'sent FIN', 'received FIN', 'received ACK of our FIN',
      'received FIN+ACK of our FIN', 'received FIN crossing ours (simultaneous close)', 'sent RST',
      'sent RST after TIME_WAIT (connection forgotten)', 'received RST', 'received RST (connection refused)',
      'received RST (passive open: back to LISTEN)', 'TIME_WAIT ended: a new connection reused the 4-tuple',
      'capture started mid-connection', 'SYN not captured (inferred from the SYN+ACK)',
      'SYN+ACK not captured (inferred from the ACK of it)', 'FIN not captured (inferred from the ACK of it)',
    ];
    for (const c of causes) {
      assert.equal(transitionCauseLabel('en', c), c);
      const z = transitionCauseLabel('zh', c);
      assert.match(z, /[\u4e00-\u9fff]/, c);
      assert.deepEqual(untranslated(z), [], `${c} -> ${z}`);
    }
    assert.equal(transitionCauseLabel('zh', 'received FIN+ACK of our FIN'), '收到确认本端 FIN 的 FIN+ACK');
    assert.equal(transitionCauseLabel('zh', 'received RST (connection refused)'), '收到 RST（连接被拒绝）');
  });
});

const cmpBase: Omit<KernelComparison, 'note'> = {
  stream: 3, side: 'client', local: C, remote: S, kernelEntered: time, captureEntered: time, entryDeltaSeconds: 0.003,
  kernelSeconds: 60.01, kernelRestarts: 0, captureRestarts: 0, endedEarly: false, stillInTimeWait: false, remainingAtEnd: null,
  captureVerdict: 'full', captureObservedSeconds: 61, requiredSeconds: 60, captureLastState: null, agreement: 'agree',
};
const cmp = (x: Partial<KernelComparison>): KernelComparison => {
  const c = { ...cmpBase, ...x };
  return { ...c, note: kernelNote(c, 'en') };
};

describe('kernel TIME_WAIT against the capture, in English and Chinese', () => {
  const rows: [KernelComparison, string, string][] = [
    [cmp({}),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), held 60.01 s - agree: capture: full; kernel held it 60.01 s (required 60 s)',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），保持了 60.01 s——一致。抓包结论：满 2MSL；内核实测保持 60.01 s（要求 60 s）'],
    [cmp({ stillInTimeWait: true, kernelSeconds: null, remainingAtEnd: 41.23 }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), still in TIME_WAIT (41.2 s left) - agree: capture: full; the kernel still holds it (41.2 s left)',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），仍在 TIME_WAIT（剩余 41.2 s）——一致。抓包结论：满 2MSL；内核中它仍处于 TIME_WAIT（剩余 41.2 s）'],
    [cmp({ captureVerdict: 'cut-short', captureObservedSeconds: 1.5, kernelSeconds: 1.52, endedEarly: true, kernelRestarts: 1, captureRestarts: 1 }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), held 1.52 s, ended early, restarts kernel 1 / capture 1 - agree: capture: cut short after 1.5 s; kernel held it 1.52 s and dropped it before its timer ran out',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），保持了 1.52 s，提前结束，重新计时：内核 1 次 / 抓包 1 次——一致。抓包结论：1.5 s 后提前结束；内核实测保持 1.52 s，并在计时器到期前就释放了它'],
    [cmp({ captureVerdict: 'cut-short', captureObservedSeconds: 1.5, stillInTimeWait: true, kernelSeconds: null, remainingAtEnd: 50, agreement: 'disagree' }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), still in TIME_WAIT (50.0 s left) - DISAGREE: capture: cut short, but the kernel still holds the socket in TIME_WAIT',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），仍在 TIME_WAIT（剩余 50.0 s）——不一致。抓包结论：提前结束，但内核中该套接字仍处于 TIME_WAIT'],
    [cmp({ captureVerdict: 'inconclusive', captureObservedSeconds: 4.2, stillInTimeWait: true, kernelSeconds: null, remainingAtEnd: 55.8, agreement: 'undecided' }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), still in TIME_WAIT (55.8 s left) - capture undecided: capture: inconclusive (4.2 s of 60 s seen); the kernel still holds it, 55.8 s left',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），仍在 TIME_WAIT（剩余 55.8 s）——无法比较。抓包结论：无法判定（60 s 中只看到 4.2 s）；内核中它仍处于 TIME_WAIT，剩余 55.8 s'],
    [cmp({ captureVerdict: 'inconclusive', captureObservedSeconds: 4.2, kernelSeconds: 60.02, requiredSeconds: 240, agreement: 'undecided' }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), held 60.02 s - capture undecided: capture: inconclusive (4.2 s seen); the kernel measured 60.02 s (Linux TIME_WAIT is 60 s; --os linux sets 2MSL to match)',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），保持了 60.02 s——无法比较。抓包结论：无法判定（只看到 4.2 s）；内核实测保持 60.02 s（Linux 的 TIME_WAIT 为 60 s；用 --os linux 可使 2MSL 与之一致）'],
    [cmp({ side: 'server', local: S, captureVerdict: 'none', captureObservedSeconds: null, captureEntered: null, entryDeltaSeconds: null, agreement: 'disagree' }),
      '  #3 server 10.0.0.2:80: entered 10:00:00.123456, held 60.01 s - DISAGREE: the kernel put this socket in TIME_WAIT; the capture did not see it enter TIME_WAIT',
      '  #3 服务器 10.0.0.2:80：进入于 10:00:00.123456，保持了 60.01 s——不一致。内核让该套接字进入了 TIME_WAIT，抓包却没有看到它进入 TIME_WAIT'],
    [cmp({ captureVerdict: 'none', captureObservedSeconds: null, captureEntered: null, entryDeltaSeconds: null, stillInTimeWait: true, kernelSeconds: null, remainingAtEnd: 59.9, captureLastState: 'ESTABLISHED', agreement: 'undecided' }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456, still in TIME_WAIT (59.9 s left) - capture undecided: the capture ended with this endpoint in ESTABLISHED, before it could see it enter TIME_WAIT',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456，仍在 TIME_WAIT（剩余 59.9 s）——无法比较。抓包结束时该端点仍处于 ESTABLISHED，没能看到它进入 TIME_WAIT'],
    [cmp({ entryDeltaSeconds: -2.5, agreement: 'disagree' }),
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, -2.5 s), held 60.01 s - DISAGREE: capture: full; kernel held it 60.01 s (required 60 s); entry times differ by -2.5 s',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 -2.5 s），保持了 60.01 s——不一致。抓包结论：满 2MSL；内核实测保持 60.01 s（要求 60 s）；两者的进入时间相差 -2.5 s'],
  ];

  it('every kind of comparison', () => {
    const k = rows.map(([c]) => c);
    assert.deepEqual(kernelLines(k, en), ['Kernel TIME_WAIT (this host\'s sockets) vs the capture:', ...rows.map(([, e]) => e)]);
    assert.deepEqual(kernelLines(k, zh), ['内核 TIME_WAIT（本机套接字）与抓包对比：', ...rows.map(([, , z]) => z)]);
    for (const [, , z] of rows) assert.deepEqual(untranslated(z), [], z);
  });

  it('when no socket entered TIME_WAIT', () => {
    assert.deepEqual(kernelLines([], en), ['Kernel TIME_WAIT: no local socket of a captured connection entered TIME_WAIT.']);
    assert.deepEqual(kernelLines([], zh), ['内核 TIME_WAIT：抓到的连接中没有本机套接字进入 TIME_WAIT。']);
  });

  it('the English line keeps the note of the event', () => {
    const c = { ...cmp({}), note: 'as recorded' };
    assert.match(kernelLines([c], en)[1], / - agree: as recorded$/);
  });
});

describe('the notes under the live summary', () => {
  let capture: SummaryEvent['capture'];
  before(async () => {
    capture = await analyzeFile(join(capturesDir, 'four-way-close.pcap'), settings);
  });
  const summary = (backend: 'tcpdump' | 'cap', x: Partial<SummaryEvent> = {}): SummaryEvent => ({
    type: 'summary', time, backend, timestamps: backend === 'cap' ? 'receipt' : 'kernel', capture,
    stats: backend === 'tcpdump' ? { received: 100, dropped: 2, droppedByInterface: null, captured: 100 } : null,
    kernel: [cmp({})], written: { path: 'lab.pcap', frames: 100 }, ...x,
  });
  const tail = (s: string, n: number): string[] => s.trimEnd().split('\n').slice(-n);

  it('tcpdump, with drops, the kernel lines and the -w file', () => {
    assert.deepEqual(tail(summaryText(summary('tcpdump'), settings, 'en', false, en), 6), [
      'Kernel TIME_WAIT (this host\'s sockets) vs the capture:',
      '  #3 client 10.0.0.1:40000: entered 10:00:00.123456 (capture 10:00:00.123456, +0.003 s), held 60.01 s - agree: capture: full; kernel held it 60.01 s (required 60 s)',
      '',
      'Backend tcpdump: kernel timestamps in nanoseconds; TIME_WAIT and retransmission times are those of the capture point.',
      'libpcap: 100 packets received by the filter, 2 dropped - some connections may be missing segments.',
      'Wrote 100 frames to lab.pcap: tcpscope analyze lab.pcap gives these verdicts (with the same --os/--msl).',
    ]);
    // The summary's language is the one passed, whatever the line options say.
    assert.deepEqual(tail(summaryText(summary('tcpdump'), settings, 'zh', false, en), 6), [
      '内核 TIME_WAIT（本机套接字）与抓包对比：',
      '  #3 客户端 10.0.0.1:40000：进入于 10:00:00.123456（抓包 10:00:00.123456，相差 +0.003 s），保持了 60.01 s——一致。抓包结论：满 2MSL；内核实测保持 60.01 s（要求 60 s）',
      '',
      '后端 tcpdump：内核时间戳（纳秒）；TIME_WAIT 与重传的时间都是抓包点上的时间。',
      'libpcap：过滤器收到 100 个报文，丢弃 2 个——部分连接可能缺少报文段。',
      '已将 100 帧写入 lab.pcap：用相同的 --os/--msl 运行 tcpscope analyze lab.pcap 会得到同样的判定。',
    ]);
  });

  it('cap, no drops counter, no kernel, no file', () => {
    const s = summary('cap', { kernel: null, written: null });
    assert.deepEqual(tail(summaryText(s, settings, 'en', false, en), 1), [
      'Backend cap: receipt timestamps (when node got each packet; cap gives none), so TIME_WAIT and retransmission times are approximate; libpcap drop counts are not available.',
    ]);
    assert.deepEqual(tail(summaryText(s, settings, 'zh', false, zh), 1), [
      '后端 cap：接收时间戳（node 收到每个报文的时刻；cap 不提供内核时间戳），因此 TIME_WAIT 与重传时间是近似值；无法获得 libpcap 丢包计数。',
    ]);
    const noDrops = summary('tcpdump', { stats: { received: 7, dropped: 0, droppedByInterface: null, captured: 7 }, kernel: [], written: null });
    assert.deepEqual(tail(summaryText(noDrops, settings, 'en', false, en), 1), ['libpcap: 7 packets received by the filter, 0 dropped.']);
    assert.deepEqual(tail(summaryText(noDrops, settings, 'zh', false, zh), 1), ['libpcap：过滤器收到 7 个报文，丢弃 0 个。']);
    assert.ok(summaryText(noDrops, settings, 'zh', false, zh).includes('内核 TIME_WAIT：抓到的连接中没有本机套接字进入 TIME_WAIT。'));
  });
});
