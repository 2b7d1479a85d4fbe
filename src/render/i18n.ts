/**
 * Labels and explanations in English and Chinese. The Chinese terms are those
 * of the project's lecture notes (/shared/seeds): 第一次挥手 ... 第四次挥手,
 * 主动关闭方, 被动关闭方, 半关闭, 等待计时器, 2MSL, FIN=1, seq=u, ack=u+1.
 * State names stay the RFC's (FIN_WAIT_1, TIME_WAIT, ...) in both languages,
 * as do flag names and the textbook notation (seq=u, ack=w+1).
 *
 * Enum values of the JSON contract (close kinds, verdicts, causes...) get a
 * label here; JSON, NDJSON and CSV keep the raw values whatever the language.
 */
import type {
  ActiveCloser, Cause, Caveat, ClientFrom, CloseKind, HandshakeKind, ResetCause, ResetReport, SegmentNote, Side, TimeWaitEvidence,
  TimeWaitVerdict,
} from '../report/types.ts';
import { termText } from './escape/terminal.ts';

export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];

export function isLang(s: string): s is Lang {
  return (LANGS as readonly string[]).includes(s);
}

/**
 * The language from the environment, as gettext reads it: LC_ALL, then
 * LC_MESSAGES, then LANG (`zh_CN.UTF-8`, `zh_TW`, `zh` give Chinese).
 */
export function langFromEnv(env: NodeJS.ProcessEnv = process.env): Lang {
  const v = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh([_.@-]|$)/i.test(v) ? 'zh' : 'en';
}

type Params = Record<string, string | number>;
type Entry = { en: string; zh: string };

/** Every message, by key. `{name}` is replaced by the parameter of that name. */
const M = {
  // Table columns.
  'col.stream': { en: 'stream', zh: '流' },
  'col.client': { en: 'client', zh: '客户端' },
  'col.server': { en: 'server', zh: '服务器' },
  'col.handshake': { en: 'handshake', zh: '握手' },
  'col.close': { en: 'close', zh: '关闭方式' },
  'col.activeCloser': { en: 'active closer', zh: '主动关闭方' },
  'col.finalStates': { en: 'final states (client / server)', zh: '最终状态（客户端 / 服务器）' },
  'col.timeWait': { en: 'TIME_WAIT (2MSL)', zh: 'TIME_WAIT 等待计时器 (2MSL)' },
  'col.finRetx': { en: 'FIN retx (c/s)', zh: 'FIN 重传（客/服）' },
  'col.halfClose': { en: 'half-close', zh: '半关闭' },
  'col.reset': { en: 'reset cause', zh: 'RST 原因' },
  'col.notes': { en: 'notes (Wireshark analysis)', zh: '备注（Wireshark 分析）' },
  'col.frames': { en: 'frames', zh: '帧' },

  // Sides.
  'side.client': { en: 'client', zh: '客户端' },
  'side.server': { en: 'server', zh: '服务器' },
  'side.both': { en: 'both', zh: '双方' },
  'none': { en: '-', zh: '-' },

  // Handshake kinds.
  'hs.three-way': { en: 'three-way', zh: '三次握手' },
  'hs.simultaneous-open': { en: 'simultaneous open', zh: '同时打开' },
  'hs.refused': { en: 'refused (RST)', zh: '被拒绝（RST）' },
  'hs.unanswered': { en: 'unanswered SYN', zh: 'SYN 无应答' },
  'hs.rejected-icmp': { en: 'rejected (ICMP error)', zh: '被拒绝（ICMP 差错）' },
  'hs.aborted': { en: 'aborted (RST to the SYN+ACK)', zh: '握手中止（对 SYN+ACK 回 RST）' },
  'hs.not-captured': { en: 'not captured', zh: '未抓到' },

  // Close kinds.
  'close.four-way': { en: 'four-way', zh: '四次挥手' },
  'close.three-way': { en: 'three-way', zh: '三次挥手' },
  'close.simultaneous': { en: 'simultaneous', zh: '同时关闭' },
  'close.reset': { en: 'reset (RST)', zh: '复位（RST）' },
  'close.reset-after-fin': { en: 'FIN, then reset (RST)', zh: '先 FIN 后复位（RST）' },
  'close.never-opened': { en: 'never opened', zh: '连接未建立' },
  'close.refused': { en: 'refused', zh: '连接被拒绝' },
  'close.incomplete': { en: 'incomplete', zh: '未完成' },
  'close.open': { en: 'open', zh: '未关闭' },

  // TIME_WAIT verdicts and evidence.
  'verdict.full': { en: 'full', zh: '满 2MSL' },
  'verdict.cut-short': { en: 'cut short', zh: '提前结束' },
  'verdict.inconclusive': { en: 'inconclusive', zh: '无法判定' },
  'verdict.none': { en: 'none', zh: '无' },
  'evidence.reuse': { en: 'the 4-tuple was reused', zh: '四元组被复用' },
  'evidence.rst': { en: 'it answered with RST', zh: '它回了 RST' },
  'evidence.rst-received': { en: 'a RST ended it (TIME-WAIT assassination, RFC 1337)', zh: '收到 RST 而结束（TIME-WAIT 暗杀，RFC 1337）' },
  'evidence.expired': { en: 'nothing on the 4-tuple for 2MSL', zh: '2MSL 内该四元组上没有报文' },
  'evidence.capture-end': { en: 'the capture ended first', zh: '抓包先结束' },
  /** Table cell: `client: inconclusive, 14 µs of 60 s`. */
  'tw.cell': { en: '{who}: {verdict}, {observed} of {required}', zh: '{who}：{verdict}，{observed} / {required}' },

  // Reset causes.
  'cause.refused': { en: 'refused (no listener)', zh: '拒绝（无监听）' },
  'cause.abort': { en: 'abort', zh: '异常终止（abort）' },
  'cause.unread-data': { en: 'unread data', zh: '有未读数据' },
  'cause.after-time-wait': { en: 'after TIME_WAIT', zh: 'TIME_WAIT 之后' },
  'cause.keepalive-timeout': { en: 'keep-alive timeout', zh: '保活超时' },
  'cause.other': { en: 'other', zh: '其他' },
  'cause.handshake-aborted': { en: 'handshake aborted', zh: '握手被中止' },
  'cause.data-after-close': { en: 'data after close', zh: '关闭后又收到数据' },
  'cause.no-connection': { en: 'no connection', zh: '连接已不存在' },
  'cause.ambiguous': { en: 'ambiguous', zh: '无法区分' },
  /** The causes a RST leaves possible, joined. */
  'cause.or': { en: ' or ', zh: '或' },

  // Segments judged without a state change (ConnectionReport.notes).
  'note.keep-alive': { en: 'keep-alive probe (seq = SND.NXT-1): neither data nor a close', zh: '保活探测报文（seq = SND.NXT-1）：既不是数据，也不是关闭' },
  'note.keep-alive-ack': { en: 'ACK of the keep-alive probe of frame {related}', zh: '对第 {related} 帧保活探测的确认' },
  'note.zero-window-probe': { en: 'zero-window probe (seq = SND.NXT-1, sent into a zero window, RFC 9293 3.8.6.1): neither data nor a close', zh: '零窗口探测报文（seq = SND.NXT-1，对方通告的窗口为零，RFC 9293 3.8.6.1）：既不是数据，也不是关闭' },
  'note.zero-window-probe-ack': { en: 'ACK of the zero-window probe of frame {related}', zh: '对第 {related} 帧零窗口探测的确认' },
  'note.rst-out-of-window': { en: 'RST outside the receiver\'s window: dropped, no reset (RFC 5961)', zh: 'RST 不在接收窗口内：被丢弃，连接未复位（RFC 5961）' },
  'note.rst-challenged': { en: 'RST in the window but not at RCV.NXT: challenge ACK, no reset (RFC 5961)', zh: 'RST 在窗口内但不等于 RCV.NXT：对方回挑战 ACK，连接未复位（RFC 5961）' },
  'note.rst-bad-ack': { en: 'RST in SYN-SENT without an acceptable ACK: dropped (RFC 9293 3.10.7.3)', zh: 'SYN-SENT 状态下 RST 的确认号不可接受：被丢弃（RFC 9293 3.10.7.3）' },
  'note.rst-not-taken': { en: 'this RST did not reset its receiver: it acknowledged data sent after it (frame {related})', zh: '该 RST 未使接收方复位：接收方随后确认了之后发来的数据（第 {related} 帧）' },
  'note.rst-not-from-sender': { en: 'this RST did not come from its sender\'s TCP: the sender went on using the connection (frame {related})', zh: '该 RST 并非发送方 TCP 发出：发送方随后仍在使用该连接（第 {related} 帧）' },
  'note.syn-challenged': { en: 'SYN in a synchronized state: challenge ACK, no state change (RFC 5961)', zh: '已同步状态下收到 SYN：回挑战 ACK，状态不变（RFC 5961）' },
  'note.syn-ack-other-isn': { en: 'SYN+ACK with another ISN than the y the client acknowledged: not taken', zh: '与客户端所确认的 y 不同的 SYN+ACK：未被接受' },
  'note.syn-ack-bad-ack': { en: 'SYN+ACK whose ACK does not acknowledge the SYN: answered with RST, no state change', zh: 'SYN+ACK 的确认号不对：对方回 RST，状态不变' },
  'note.fin-new-seq': { en: 'second FIN at a new sequence number (the FIN of frame {related} stands): ignored', zh: '新序号上的第二个 FIN（以第 {related} 帧的 FIN 为准）：被忽略' },
  'note.fin-not-acceptable': { en: 'FIN outside the receiver\'s window: not acceptable, no state change', zh: 'FIN 不在接收窗口内：不可接受，状态不变' },
  'note.fin-without-ack': { en: 'FIN without the ACK bit: dropped (RFC 9293 3.10.7.4)', zh: 'FIN 未置 ACK 位：被丢弃（RFC 9293 3.10.7.4）' },
  'note.fin-out-of-order': { en: 'FIN beyond RCV.NXT (a segment before it missing): held until everything before it arrived', zh: 'FIN 超前于 RCV.NXT（之前有报文段缺失）：等前面的数据到齐后才处理' },
  'note.paws-rejected': { en: 'TSval {tsVal} older than TS.Recent {tsRecent} (frame {related}): not acceptable (RFC 7323 PAWS), no state change{answer}', zh: 'TSval {tsVal} 早于 TS.Recent {tsRecent}（第 {related} 帧）：不可接受（RFC 7323 PAWS），状态不变{answer}' },
  'note.paws.ack': { en: '; the receiver\'s next segment (frame {frame}) is an ACK answering it', zh: '；接收方的下一个报文段（第 {frame} 帧）是回应它的 ACK' },
  'note.paws.other': { en: '; the receiver\'s next segment (frame {frame}) is not an ACK answering it', zh: '；接收方的下一个报文段（第 {frame} 帧）不是回应它的 ACK' },
  'note.old-connection-ack': { en: 'ACK of the connection the SYN of frame {related} replaced: its receiver still held it and acknowledged what it had (RFC 9293 figure 10); that connection takes it', zh: '第 {related} 帧 SYN 所取代的旧连接的 ACK：接收方仍保留着旧连接，确认了它已收到的数据（RFC 9293 图 10）；由旧连接处理' },
  'note.old-connection-rst': { en: 'RST answering the old connection\'s ACK of frame {related} (seq = its ack, RFC 9293 3.10.7.3): it resets the old connection; the SYN is sent again', zh: '回应第 {related} 帧旧连接 ACK 的 RST（seq 等于其 ack，RFC 9293 3.10.7.3）：它复位了旧连接；SYN 随后重传' },
  'note.old-connection-segment': { en: 'segment of the connection the SYN of frame {related} did not replace: the SYN\'s sender went on with it (no TCP in SYN-SENT sends an ACK), so that SYN was not its TCP\'s (RFC 5961 4.2); that connection takes it', zh: '第 {related} 帧 SYN 并未取代的旧连接的报文段：SYN 的发送方仍在使用旧连接（处于 SYN-SENT 的 TCP 不会发送 ACK），所以该 SYN 并非其 TCP 所发（RFC 5961 4.2）；由旧连接处理' },
  'note.captured-twice': { en: 'the packet of frame {related} captured again (same IP ID, TSval and fields, < 1 ms later): not a retransmission, no state change', zh: '第 {related} 帧的同一个包被再次捕获（IP ID、TSval 等字段相同，相隔不到 1 毫秒）：不是重传，状态不变' },
  'note.icmp-error': { en: 'ICMP{v6} {message} from {from} quoting its segment (seq {seq}): {effect}', zh: '来自 {from} 的 ICMP{v6} {message}，引用了它的报文段（seq {seq}）：{effect}' },
  'note.icmp.aborted': { en: 'it aborted the connect (SYN-SENT -> CLOSED)', zh: '连接尝试因此中止（SYN-SENT -> CLOSED）' },
  'note.icmp.dropped': { en: 'it dropped the half-open connection (SYN-RECEIVED -> LISTEN)', zh: '半开连接因此被丢弃（SYN-RECEIVED -> LISTEN）' },
  'note.icmp.not-taken': { en: 'not taken: it sent again (frame {related})', zh: '未生效：它随后又发送了报文（第 {related} 帧）' },
  'note.icmp.soft': { en: 'soft error, no state change', zh: '软错误，状态不变' },
  'note.icmp.pmtu': { en: 'path MTU {mtu}, no state change', zh: '路径 MTU {mtu}，状态不变' },
  'note.challenge-ack': { en: 'challenge ACK answering frame {related} (RFC 5961)', zh: '回应第 {related} 帧的挑战 ACK（RFC 5961）' },

  // What the capture cannot prove (ConnectionReport.caveats).
  'caveat.one-sided': { en: 'only the {side}\'s segments were captured: the {other}\'s states are inferred from what the {side} acknowledged', zh: '只抓到了{side}发出的报文：{other}的状态由{side}的确认推断' },
  'caveat.started-mid-connection': { en: 'no handshake in the capture: both ends are assumed ESTABLISHED before frame {frame}', zh: '抓包中没有握手：假定第 {frame} 帧之前双方均为 ESTABLISHED' },
  'caveat.no-segment': { en: 'no segment in the capture, only ICMP errors quoting one (the first at frame {frame}): handshake, close and states unknown', zh: '抓包中没有该连接的报文，只有引用其报文的 ICMP 差错（第一个在第 {frame} 帧）：握手、关闭和状态均未知' },
  'caveat.fin-inferred': { en: 'the {side}\'s FIN is not in the capture: inferred at frame {frame}', zh: '{side}的 FIN 未被抓到：在第 {frame} 帧推断得出' },
  'caveat.unseen-fin-possible': { en: 'the {side}\'s FIN cannot be seen here; if it came with its last data, the {side} may have closed first', zh: '此处看不到{side}的 FIN；若它随最后的数据一起发出，{side}可能先关闭' },
  'caveat.earlier-fin-possible': { en: 'the {side} sent no data in the capture: a FIN it sent before the capture began cannot be excluded', zh: '{side}在抓包中没有发送数据：不能排除它在抓包开始前已发送 FIN' },
  'caveat.icmp-abort-inferred': { en: 'the {side} is taken to have aborted on the ICMP error of frame {frame} because it sent nothing after it: the capture cannot show the abort', zh: '因{side}在第 {frame} 帧的 ICMP 差错之后未再发送任何报文，推断其已中止连接：抓包无法证明这一中止' },
  'caveat.options-cut': { en: 'the snaplen cut the TCP options of the {side}\'s SYN (frame {frame}): what it offered past them is unknown', zh: '抓包截断长度截掉了{side} SYN（第 {frame} 帧）的 TCP 选项：其后所带的选项未知' },
  'caveat.fin-held': { en: 'the {side}\'s FIN stayed ahead of what the {other} was seen to receive: the {other}\'s move on it is not shown', zh: '{side}的 FIN 超前于{other}已收到的数据：{other}据此发生的状态变化未能显示' },
  /** `abort by client` */
  'reset.cell': { en: '{cause} by {by}', zh: '{by}发出：{cause}' },
  /** A RST that ended nothing (not accepted, or the hosts went on). */
  'reset.cellNotTaken': { en: 'RST by {by}, not taken', zh: '{by}发出 RST，未生效' },
  /** `3000 B by server` */
  'half.cell': { en: '{bytes} B by {side}', zh: '{side}发送 {bytes} 字节' },

  // Summary under the table.
  'sum.decode': { en: 'not analysed: {parts}', zh: '未分析：{parts}' },
  'sum.decode.notTcp': { en: '{n|frame} without TCP', zh: '{n|frame}不含 TCP' },
  'sum.decode.fragments': { en: '{n|ipFragment}', zh: '{n|ipFragment}' },
  'sum.decode.truncated': { en: '{n|frame} with the TCP header cut by the snaplen', zh: '{n|frame} TCP 首部被截断（snaplen）' },
  'sum.decode.malformed': { en: '{n|frame} malformed', zh: '{n|frame}格式错误' },
  'sum.decode.duplicates': { en: '{n|frame} seen twice on loopback (tcpdump -i any), counted once', zh: '{n|frame}环回重复（tcpdump -i any），只计一次' },
  'sum.decode.link': { en: '{n|frame} of unsupported link type {lt}', zh: '{n|frame}链路类型 {lt} 不支持' },
  'sum.decode.undecoded': { en: '{n|frame} in encapsulations tcpscope does not decode, which may hold TCP ({kinds})', zh: '{n|frame}封装未能解码，其中可能含 TCP（{kinds}）' },
  'sum.capture': { en: '{file}: {format}, {frames|frame}, {segments|segment}, {n|connection}', zh: '{file}：{format}，{frames|frame}，{segments|segment}，{n|connection}' },
  'sum.noConnections': { en: 'no TCP connection matched', zh: '没有匹配的 TCP 连接' },
  'sum.sep': { en: '; ', zh: '；' },
  'sum.connections': { en: 'Connections: {n}', zh: '连接：{n}' },
  'sum.closedBy': { en: 'closed by client {client}, by server {server}, by both (simultaneous) {both}', zh: '客户端主动关闭 {client}，服务器主动关闭 {server}，双方同时关闭 {both}' },
  'sum.resets': { en: 'resets {n}', zh: 'RST 复位 {n}' },
  'sum.timeWait': { en: 'TIME_WAIT (2MSL = {required}, --os {os}): full {full}, cut short {cut}, inconclusive {inconclusive}, none {none}', zh: 'TIME_WAIT 等待计时器（2MSL = {required}，--os {os}）：满 2MSL {full}，提前结束 {cut}，无法判定 {inconclusive}，无 {none}' },
  'sum.finRetx': { en: 'retransmitted FINs: {n} in {conns|connection}', zh: 'FIN 重传：{n} 次，涉及 {conns|connection}' },
  'sum.warnings': { en: '{n|warning} (see stderr)', zh: '{n|warning}（见 stderr）' },

  // Timeline.
  'tl.title': { en: 'Timeline of stream {stream} in {file}', zh: '{file} 中流 {stream} 的时序图' },
  'tl.tunnel': { en: 'inside {tunnel}', zh: '封装于 {tunnel}' },
  'tl.tunnel.reverse': { en: ' (the other way {reverse})', zh: '（反方向 {reverse}）' },
  'tl.tunnel.ambiguous': { en: '; segments of one direction came in different tunnels: these may be several connections that share addresses and ports', zh: '；同一方向的报文段来自不同的隧道：可能是地址和端口相同的多条连接' },
  'tl.hint': { en: 'In Wireshark: {filter}', zh: 'Wireshark 过滤器：{filter}' },
  'tl.frame': { en: 'frame', zh: '帧' },
  'tl.time': { en: 'time (s)', zh: '时间 (s)' },
  'tl.start': { en: 'start {time}', zh: '开始于 {time}' },
  'tl.hs1': { en: '1st handshake: client sends SYN', zh: '第一次握手：客户端发送 SYN' },
  'tl.hs2': { en: '2nd handshake: server answers SYN+ACK', zh: '第二次握手：服务器回复 SYN+ACK' },
  'tl.hs3': { en: '3rd handshake: client ACKs, connection established', zh: '第三次握手：客户端确认，连接建立' },
  'tl.wave1': { en: '1st wave: active closer ({side}) sends FIN', zh: '第一次挥手：主动关闭方（{side}）发送 FIN' },
  'tl.wave2': { en: '2nd wave: passive closer ({side}) ACKs the FIN', zh: '第二次挥手：被动关闭方（{side}）确认 FIN' },
  'tl.wave23': { en: '2nd and 3rd waves in one segment: passive closer ({side}) ACKs and sends its FIN', zh: '第二次与第三次挥手合并为一个报文段：被动关闭方（{side}）确认并发送 FIN' },
  'tl.wave3': { en: '3rd wave: passive closer ({side}) sends its FIN', zh: '第三次挥手：被动关闭方（{side}）发送 FIN' },
  'tl.wave4': { en: '4th wave: active closer ({side}) ACKs the FIN', zh: '第四次挥手：主动关闭方（{side}）确认 FIN' },
  'tl.simOpenSyn': { en: 'simultaneous open: {side} sends its SYN (SYN_SENT)', zh: '同时打开：{side}发送自己的 SYN（SYN_SENT）' },
  'tl.simOpenSynAck': { en: 'simultaneous open: {side} received the peer\'s SYN and answers SYN+ACK (SYN_RCVD)', zh: '同时打开：{side}收到对方的 SYN，回复 SYN+ACK（SYN_RCVD）' },
  'tl.simFin': { en: 'simultaneous close: {side} sends FIN before receiving the peer\'s', zh: '同时关闭：{side}在收到对方 FIN 之前发送 FIN' },
  'tl.simAck': { en: 'simultaneous close: {side} ACKs the peer\'s FIN', zh: '同时关闭：{side}确认对方的 FIN' },
  'tl.retx': { en: 'retransmission of frame {frame} (+{gap} after the previous copy)', zh: '重传第 {frame} 帧（距上一份 {gap}）' },
  'tl.finLost': { en: '; frame {frame} never reached the {side} (nothing acknowledged it): lost after the capture point, the {side} takes this copy', zh: '；第 {frame} 帧没有到达{side}（无人确认它）：在抓包点之后丢失，{side}收到的是这一份' },
  'tl.ackLost': { en: '; frame {frame} had acknowledged it, so that ACK was lost after the capture point', zh: '；第 {frame} 帧已确认过它，说明该 ACK 在抓包点之后丢失' },
  'tl.dataRetx': { en: 'retransmitted data', zh: '数据重传' },
  'tl.halfClose': { en: 'half-close: {side} keeps sending after the peer\'s FIN', zh: '半关闭：{side}在收到对方 FIN 后继续发送数据' },
  'tl.rst': { en: 'RST by {side}: {cause} ({reasoning})', zh: '{side}发送 RST：{cause}（{reasoning}）' },
  'tl.twEnter': { en: '{side} enters TIME_WAIT: 2MSL = {required}, deadline +{deadline} s', zh: '{side}进入 TIME_WAIT（等待计时器）：2MSL = {required}，截止于 +{deadline} s' },
  'tl.twRestartPaws': { en: '{side}: TIME_WAIT restarts (ACK answering a segment PAWS refused), new deadline +{deadline} s', zh: '{side}：TIME_WAIT 重新计时（回应被 PAWS 拒绝的报文段的 ACK），新截止 +{deadline} s' },
  'tl.twRestart': { en: '{side}: TIME_WAIT restarts (re-ACK of a retransmitted FIN), new deadline +{deadline} s', zh: '{side}：TIME_WAIT 重新计时（再次确认重传的 FIN），新截止 +{deadline} s' },
  'tl.twEnd.capture-end': { en: '{side} TIME_WAIT: the capture ends at +{at} s, {observed} after entry, before the 2MSL deadline: {verdict}', zh: '{side} TIME_WAIT：抓包在 +{at} s 结束，进入后仅 {observed}，未到 2MSL：{verdict}' },
  'tl.twEnd.expired': { en: '{side} TIME_WAIT: nothing on the 4-tuple for {observed} (>= 2MSL = {required}): {verdict}', zh: '{side} TIME_WAIT：该四元组上 {observed} 没有报文（>= 2MSL = {required}）：{verdict}' },
  'tl.twEnd.reuse': { en: '{side} TIME_WAIT: frame {frame} reuses the 4-tuple after {observed} (< 2MSL = {required}): {verdict}', zh: '{side} TIME_WAIT：第 {frame} 帧在 {observed} 后复用该四元组（< 2MSL = {required}）：{verdict}' },
  'tl.twEnd.rst': { en: '{side} TIME_WAIT: frame {frame} answers with RST after {observed} (< 2MSL = {required}): {verdict}', zh: '{side} TIME_WAIT：第 {frame} 帧在 {observed} 后回复 RST（< 2MSL = {required}）：{verdict}' },
  'tl.twEnd.rst-received': { en: '{side} TIME_WAIT: frame {frame}, a RST it took, ends it after {observed} (< 2MSL = {required}): {verdict}', zh: '{side} TIME_WAIT：第 {frame} 帧的 RST 在 {observed} 后使其结束（< 2MSL = {required}）：{verdict}' },
  'tl.folded': { en: '{n} segments folded (frames {first}-{last}): {detail}; --data shows them', zh: '折叠了 {n} 个报文段（第 {first}-{last} 帧）：{detail}；用 --data 显示' },
  'tl.foldDir': { en: '{from}->{to} {parts}', zh: '{from}->{to}：{parts}' },
  'tl.foldData': { en: '{n|dataSegment} ({bytes} B)', zh: '{n|dataSegment}（{bytes} 字节）' },
  'tl.foldAcks': { en: '{n|ackOnly}', zh: '{n|ackOnly}' },
  'tl.last': { en: 'last segment at +{at} s (frame {frame}); final states: client {client}, server {server}', zh: '最后一个报文段在 +{at} s（第 {frame} 帧）；最终状态：客户端 {client}，服务器 {server}' },
  'tl.captureEnd': { en: 'end of capture after frame {last}: the final states above are those at that point', zh: '抓包在第 {last} 帧之后结束：以上最终状态均为此时的状态' },
  'tl.reuse': { en: 'reuses the 4-tuple of stream {prev}, {gap} after its last segment (frame {frame}); stream {prev} was not in TIME_WAIT then', zh: '复用了流 {prev} 的四元组：距其最后一个报文段（第 {frame} 帧）{gap}；当时流 {prev} 不在 TIME_WAIT' },
  'tl.reuse.timeWaitRst': { en: 'reuses the 4-tuple of stream {prev}, {gap} after its last segment (frame {frame}); stream {prev}\'s {side} was in TIME_WAIT and did not take this SYN: it answered with an ACK of stream {prev}, and the RST answering that ACK (frame {rst}) ended its TIME_WAIT {observed} after it began (frame {entry}): {verdict} (2MSL = {required})', zh: '复用了流 {prev} 的四元组：距其最后一个报文段（第 {frame} 帧）{gap}；当时流 {prev} 的{side}处于 TIME_WAIT，没有接受这个 SYN：它回了流 {prev} 的 ACK，回应该 ACK 的 RST（第 {rst} 帧）结束了它的 TIME_WAIT，距进入 TIME_WAIT（第 {entry} 帧）{observed}：{verdict}（2MSL = {required}）' },
  'tl.reuse.gapOnly': { en: 'reuses the 4-tuple of stream {prev}, {gap} after its last segment', zh: '复用了流 {prev} 的四元组：距其最后一个报文段 {gap}' },
  'tl.reuse.timeWait': { en: 'reuses the 4-tuple of stream {prev}, whose {side} was in TIME_WAIT: {gap} after stream {prev}\'s last segment (frame {frame}), {observed} after the {side} entered TIME_WAIT (frame {entry}): {verdict} (2MSL = {required})', zh: '复用了流 {prev} 的四元组，当时其{side}处于 TIME_WAIT（等待计时器）：距流 {prev} 的最后一个报文段（第 {frame} 帧）{gap}，距{side}进入 TIME_WAIT（第 {entry} 帧）{observed}：{verdict}（2MSL = {required}）' },
  'tl.inferred': { en: '{side}: {from} -> {to} deduced ({cause})', zh: '{side}：{from} -> {to} 为推断（{cause}）' },
  'tl.noSegments': { en: 'no segments of this stream in the capture', zh: '抓包中没有该流的报文段' },

  // Answer key.
  'key.title': { en: 'Answer key: stream {stream} of {file}', zh: '答案：{file} 的流 {stream}' },
  'key.symbol': { en: 'symbol', zh: '符号' },
  'key.meaning': { en: 'meaning', zh: '含义' },
  'key.absolute': { en: 'absolute', zh: '绝对值' },
  'key.relative': { en: 'relative', zh: '相对值' },
  'key.frame': { en: 'frame', zh: '帧' },
  'key.segment': { en: 'segment', zh: '报文段' },
  'key.x': { en: 'client ISN (SYN seq=x)', zh: '客户端初始序号（SYN=1，seq=x）' },
  'key.y': { en: 'server ISN (SYN+ACK seq=y ack=x+1)', zh: '服务器初始序号（SYN=1，ACK=1，seq=y，ack=x+1）' },
  'key.u': { en: 'seq of the first FIN (FIN seq=u)', zh: '第一次挥手的序号（FIN=1，seq=u）' },
  'key.v': { en: 'seq of the passive ACK (ACK seq=v ack=u+1)', zh: '第二次挥手的序号（ACK=1，seq=v，ack=u+1）' },
  'key.w': { en: 'seq of the passive FIN (FIN+ACK seq=w ack=u+1)', zh: '第三次挥手的序号（FIN=1，ACK=1，seq=w，ack=u+1）' },
  'key.ackU': { en: 'ack=u+1 from the passive closer', zh: '被动关闭方的 ack=u+1' },
  'key.ackW': { en: 'ack=w+1 from the active closer (ACK seq=u+1 ack=w+1)', zh: '主动关闭方的 ack=w+1（第四次挥手：ACK=1，seq=u+1，ack=w+1）' },
  'key.sim.u': { en: 'seq of the {side}\'s FIN, the first (FIN seq=u)', zh: '{side}的 FIN 的序号（先发出，FIN=1，seq=u）' },
  'key.sim.v': { en: 'seq of the {other}\'s ACK of u (its own FIN went first, so seq=w+1)', zh: '{other}确认 u 的报文的序号（它的 FIN 已先发出，故 seq=w+1）' },
  'key.sim.w': { en: 'seq of the {other}\'s FIN, sent before u arrived (its ack does not cover u)', zh: '{other}的 FIN 的序号（在 u 到达前发出，其 ack 不包含 u）' },
  'key.sim.ackU': { en: 'ack=u+1 from the {other}', zh: '{other}的 ack=u+1' },
  'key.sim.ackW': { en: 'ack=w+1 from the {side}', zh: '{side}的 ack=w+1' },
  'key.closersBoth': { en: 'Active closer: both (simultaneous close: each sent its FIN before the other\'s arrived; no passive closer)', zh: '主动关闭方：双方（同时关闭：双方都在收到对方 FIN 之前发出 FIN；没有被动关闭方）' },
  'key.notTaken': { en: 'not taken: it ended nothing', zh: '未生效：没有结束连接' },
  'key.icmpMoves': { en: 'ICMP errors that changed a state (inferred)', zh: '改变了状态的 ICMP 差错（推断）' },
  'key.notes': { en: 'Segments that changed no state', zh: '未改变状态的报文段' },
  'key.caveats': { en: 'What the capture cannot prove', zh: '抓包无法证明的内容' },
  'key.inferred': { en: '(inferred)', zh: '（推断）' },
  'key.notSeen': { en: 'not in the capture', zh: '抓包中没有' },
  'key.handshake': { en: 'Handshake', zh: '握手' },
  'key.close': { en: 'Close', zh: '关闭' },
  'key.active': { en: 'Active closer', zh: '主动关闭方' },
  'key.passive': { en: 'Passive closer', zh: '被动关闭方' },
  'key.states': { en: 'State sequences (the frame of each change; "deduced": not captured, deduced from what followed)', zh: '状态序列（括号内为帧号；“推断”表示未抓到，由其后的报文推断）' },
  'key.deduced': { en: 'deduced', zh: '推断' },
  'key.timeWait': { en: 'TIME_WAIT', zh: 'TIME_WAIT（等待计时器）' },
  'key.finRetx': { en: 'Retransmitted FINs', zh: 'FIN 重传' },
  'key.halfClose': { en: 'Half-close', zh: '半关闭' },
  'key.reset': { en: 'Reset', zh: 'RST 复位' },
  'key.check': { en: 'check', zh: '核对' },
  'key.ok': { en: 'ok', zh: '正确' },
  'key.differs': { en: 'differs', zh: '不符' },
  'key.twLine': { en: '{side} entered TIME_WAIT at frame {frame}; 2MSL = {required}; {verdict}: {evidence} after {observed}', zh: '{side}在第 {frame} 帧进入 TIME_WAIT；2MSL = {required}；{verdict}：{evidence}，历时 {observed}' },
  'key.finRetxLine': { en: '{side}: {n|retransmission} (its FIN: {frames})', zh: '{side}：{n|retransmission}（FIN 所在：{frames}）' },
  'key.header': { en: 'client {client}, server {server}; handshake: {hs}; close: {close}', zh: '客户端 {client}，服务器 {server}；握手：{hs}；关闭方式：{close}' },
  'key.closers': { en: 'Active closer: {active}   Passive closer: {passive}', zh: '主动关闭方：{active}　被动关闭方：{passive}' },

  // Transition causes: the engine's arcs of RFC 9293's state diagram (the English is the raw value).
  'tr.sent SYN': { en: 'sent SYN', zh: '发送 SYN' },
  'tr.passive open (inferred: it answered a SYN)': { en: 'passive open (inferred: it answered a SYN)', zh: '被动打开（推断：它回应了 SYN）' },
  'tr.received SYN, sent SYN+ACK': { en: 'received SYN, sent SYN+ACK', zh: '收到 SYN，发送 SYN+ACK' },
  'tr.received SYN (simultaneous open)': { en: 'received SYN (simultaneous open)', zh: '收到 SYN（同时打开）' },
  'tr.received SYN+ACK': { en: 'received SYN+ACK', zh: '收到 SYN+ACK' },
  'tr.received ACK of our SYN': { en: 'received ACK of our SYN', zh: '收到对本端 SYN 的确认' },
  'tr.sent FIN': { en: 'sent FIN', zh: '发送 FIN' },
  'tr.received FIN': { en: 'received FIN', zh: '收到 FIN' },
  'tr.received ACK of our FIN': { en: 'received ACK of our FIN', zh: '收到对本端 FIN 的确认' },
  'tr.received FIN+ACK of our FIN': { en: 'received FIN+ACK of our FIN', zh: '收到确认本端 FIN 的 FIN+ACK' },
  'tr.received FIN crossing ours (simultaneous close)': { en: 'received FIN crossing ours (simultaneous close)', zh: '收到与本端 FIN 交叉的 FIN（同时关闭）' },
  'tr.sent RST': { en: 'sent RST', zh: '发送 RST' },
  'tr.refused the ACK of our SYN with RST (back to LISTEN)': { en: 'refused the ACK of our SYN with RST (back to LISTEN)', zh: '以 RST 拒绝对其 SYN 的 ACK（回到 LISTEN）' },
  'tr.sent RST after TIME_WAIT (connection forgotten)': { en: 'sent RST after TIME_WAIT (connection forgotten)', zh: 'TIME_WAIT 结束后发送 RST（连接已不存在）' },
  'tr.received RST': { en: 'received RST', zh: '收到 RST' },
  'tr.received RST (connection refused)': { en: 'received RST (connection refused)', zh: '收到 RST（连接被拒绝）' },
  'tr.received ICMP error (connection rejected)': { en: 'received ICMP error (connection rejected)', zh: '收到 ICMP 差错（连接被拒绝）' },
  'tr.received ICMP error (half-open connection dropped)': { en: 'received ICMP error (half-open connection dropped)', zh: '收到 ICMP 差错（半开连接被丢弃）' },
  'tr.received RST (passive open: back to LISTEN)': { en: 'received RST (passive open: back to LISTEN)', zh: '收到 RST（被动打开：回到 LISTEN）' },
  'tr.received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)': { en: 'received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)', zh: '在 TIME_WAIT 中收到 RST（TIME-WAIT 暗杀，RFC 1337）' },
  'tr.TIME_WAIT ended: a new connection reused the 4-tuple': { en: 'TIME_WAIT ended: a new connection reused the 4-tuple', zh: 'TIME_WAIT 结束：新连接复用了该四元组' },
  'tr.capture started mid-connection': { en: 'capture started mid-connection', zh: '抓包开始时连接已建立' },
  'tr.SYN not captured (inferred from the SYN+ACK)': { en: 'SYN not captured (inferred from the SYN+ACK)', zh: '未抓到 SYN（由 SYN+ACK 推断）' },
  'tr.SYN+ACK not captured (inferred from the ACK of it)': { en: 'SYN+ACK not captured (inferred from the ACK of it)', zh: '未抓到 SYN+ACK（由其 ACK 推断）' },
  'tr.ACK of our SYN not captured (inferred: it acknowledged data sent after the handshake)': { en: 'ACK of our SYN not captured (inferred: it acknowledged data sent after the handshake)', zh: '未抓到对本端 SYN 的确认（推断：它确认了握手之后发来的数据）' },
  'tr.FIN not captured (inferred from the ACK of it)': { en: 'FIN not captured (inferred from the ACK of it)', zh: '未抓到 FIN（由其 ACK 推断）' },
  'tr.ACK of our FIN not captured (inferred: the FIN was not sent again)': { en: 'ACK of our FIN not captured (inferred: the FIN was not sent again)', zh: '未抓到对本端 FIN 的确认（推断：FIN 没有再重传）' },

  // How the client was told apart (the English is the raw value).
  'clientFrom.syn': { en: 'syn', zh: 'SYN' },
  'clientFrom.syn-ack': { en: 'syn-ack', zh: '抓到的 SYN+ACK 方向' },
  'clientFrom.port': { en: 'port', zh: '端口号' },
  'clientFrom.first-frame': { en: 'first-frame', zh: '第一个报文的方向' },

  // `live`: one line per event. The English lines show the raw values of the
  // NDJSON events (sides, verdicts, close kinds); the Chinese ones their labels.
  'live.started': { en: 'tcpscope live on {iface}{filter}, backend {backend}: {timing}{receipt}; TIME_WAIT = {seconds} s (--os {os}){kernel}{writing}. Ctrl-C stops.', zh: 'tcpscope live 正在 {iface} 上抓包{filter}，后端 {backend}：{timing}{receipt}；TIME_WAIT（2MSL）= {seconds} s（--os {os}）{kernel}{writing}。按 Ctrl-C 停止。' },
  'live.started.filter': { en: ' (filter: {filter})', zh: '（过滤器：{filter}）' },
  'live.started.receipt': { en: ' (times marked ~)', zh: '（带 ~ 的时间为接收时间）' },
  'live.started.kernel': { en: '; watching the kernel\'s TIME_WAIT table', zh: '；同时监视内核的 TIME_WAIT 表' },
  'live.started.writing': { en: '; writing {file}{snap}', zh: '；抓到的报文同时写入 {file}{snap}' },
  'live.started.snap': { en: ' (the first {bytes} bytes of each packet; --snaplen 0 keeps them whole)', zh: '（每个报文只保留前 {bytes} 字节；--snaplen 0 保留完整报文）' },
  'live.timing.tcpdump': { en: 'kernel timestamps (ns): TIME_WAIT and retransmission timing are exact to the capture point', zh: '使用内核时间戳（纳秒），TIME_WAIT 与重传的计时在抓包点上是精确的' },
  'live.timing.cap': { en: 'receipt timestamps: taken when node received each packet (cap gives no kernel timestamp), late by the buffering delay; TIME_WAIT and retransmission gaps are approximate', zh: '使用接收时间戳，即 node 收到每个报文的时刻（cap 不提供内核时间戳），会晚一个缓冲延迟；TIME_WAIT 与重传间隔为近似值' },
  'live.opened': { en: '{clock}  #{stream} opened: client {client} -> server {server}{from}', zh: '{clock}  #{stream} 新连接：客户端 {client} -> 服务器 {server}{from}' },
  'live.opened.from': { en: ' (client chosen by {from})', zh: '（按{from}判定客户端）' },
  'live.transition': { en: '{clock}  #{stream} {side} {endpoint} {from} -> {to} ({cause}){inferred}', zh: '{clock}  #{stream} {side} {endpoint} {from} -> {to}：{cause}{inferred}' },
  'live.inferred': { en: ' [inferred]', zh: '【推断】' },
  'live.retracted': { en: '{clock}  #{stream} {side} {endpoint} {from} -> {to} undone: {why}', zh: '{clock}  #{stream} {side} {endpoint} {from} -> {to} 已撤销：{why}' },
  'live.retracted.ackLost': { en: 'that ACK never reached it (it retransmitted its FIN)', zh: '那个 ACK 其实没有到达它（它又重传了 FIN）' },
  'live.retracted.crossed': { en: 'its FIN crossed the peer\'s (simultaneous close)', zh: '它的 FIN 与对方的 FIN 交叉（同时关闭）' },
  'live.finRetx': { en: '{clock}  #{stream} {side} {endpoint} retransmitted its FIN (retransmission {copy}, {gap} after the previous copy)', zh: '{clock}  #{stream} {side} {endpoint} 重传了 FIN（第 {copy} 次重传，距上一份 {gap}）' },
  'live.timeWait': { en: '{clock}  #{stream} {side} {endpoint} entered TIME_WAIT: must hold {required} s, until {deadline}', zh: '{clock}  #{stream} {side} {endpoint} 进入 TIME_WAIT（等待计时器）：须等待 2MSL = {required} s，到 {deadline} 为止' },
  'live.timeWaitRestartPaws': { en: '{clock}  #{stream} {side} {endpoint} TIME_WAIT restarted (acknowledged a segment PAWS refused: an old timestamp), now until {deadline}', zh: '{clock}  #{stream} {side} {endpoint} TIME_WAIT 重新计时（确认了一个被 PAWS 拒绝的报文段：时间戳过旧），改为等到 {deadline}' },
  'live.timeWaitRestart': { en: '{clock}  #{stream} {side} {endpoint} TIME_WAIT restarted (re-acknowledged a retransmitted FIN), now until {deadline}', zh: '{clock}  #{stream} {side} {endpoint} TIME_WAIT 重新计时（再次确认了重传的 FIN），改为等到 {deadline}' },
  'live.timeWaitEnd': { en: '{clock}  #{stream} {side} {endpoint} TIME_WAIT ended by {evidence} after {observed} of {required} s: verdict {verdict}', zh: '{clock}  #{stream} {side} {endpoint} TIME_WAIT 结束（{evidence}），历时 {observed}（2MSL = {required} s）：{verdict}' },
  'live.timeWaitEnd.rst': { en: 'its RST', zh: '它回了 RST' },
  'live.timeWaitEnd.rst-received': { en: 'a RST it received (TIME-WAIT assassination)', zh: '它收到的 RST（TIME-WAIT 暗杀）' },
  'live.timeWaitEnd.reuse': { en: 'a reuse of the 4-tuple', zh: '四元组被复用' },
  'live.closed': { en: '{clock}  #{stream} done ({why}): close {kind}{closer}, TIME_WAIT verdict {verdict}', zh: '{clock}  #{stream} 连接结束（{why}）：关闭方式为{kind}{closer}，TIME_WAIT 判定：{verdict}' },
  'live.closed.by': { en: ', closed by {side}', zh: '，{side}主动关闭' },
  'live.closed.expired': { en: '{seconds} s passed with nothing on its 4-tuple', zh: '{seconds} s 内该四元组上没有报文' },
  'live.closed.replaced': { en: 'its 4-tuple was reused', zh: '四元组被新连接复用' },
  'live.drops': { en: 'warning: libpcap dropped {n|packet} ({dropped} of {received} so far): connections may miss segments; a larger --buffer-size or a narrower capture filter helps', zh: '警告：libpcap 丢弃了 {n|packet}（到目前为止收到 {received} 个，丢弃 {dropped} 个）：连接可能缺少报文段；加大 --buffer-size 或收窄抓包过滤器可以缓解' },
  'live.kernel.who': { en: 'kernel: #{stream} {side} {endpoint}', zh: '内核：#{stream} {side} {endpoint}' },
  'live.kernel.capture': { en: '; the capture saw it enter at {clock} ({delta} s)', zh: '；抓包看到它在 {clock} 进入（相差 {delta} s）' },
  'live.kernel.entered': { en: '{clock}  {who} is in TIME_WAIT, {left} s left (entered {entered}){capture}', zh: '{clock}  {who} 处于 TIME_WAIT，剩余 {left} s（进入于 {entered}）{capture}' },
  'live.kernel.restart': { en: '{clock}  {who} TIME_WAIT timer restarted: {left} s left', zh: '{clock}  {who} 的 TIME_WAIT 计时器被重置：剩余 {left} s' },
  'live.kernel.left': { en: '{clock}  {who} left TIME_WAIT after {measured} s{early}', zh: '{clock}  {who} 在 {measured} s 后离开 TIME_WAIT{early}' },
  'live.kernel.early': { en: ' (before its timer ran out)', zh: '（计时器尚未到期）' },
  'live.stopped': { en: 'stopped ({why}) after {frames|frame}{stats}', zh: '已停止（{why}），共抓到 {frames|frame}{stats}' },
  'live.stopped.interrupt': { en: 'Ctrl-C', zh: 'Ctrl-C' },
  'live.stopped.SIGTERM': { en: 'SIGTERM', zh: '收到 SIGTERM' },
  'live.stopped.SIGHUP': { en: 'SIGHUP: the terminal closed', zh: '收到 SIGHUP：终端已关闭' },
  'live.stopped.duration': { en: '--duration', zh: '已到 --duration 时长' },
  'live.stopped.count': { en: '--count', zh: '已满 --count 个报文' },
  'live.stopped.backend-ended': { en: 'the capture ended', zh: '抓包已结束' },
  'live.stopped.stats': { en: '; libpcap: {received} received by the filter, {dropped} dropped{ifdrop}', zh: '；libpcap：过滤器收到 {received} 个报文，丢弃 {dropped} 个{ifdrop}' },
  'live.stopped.ifdrop': { en: ', {n} dropped by the interface', zh: '，网卡丢弃 {n} 个' },
  'live.stopped.noStats': { en: '; libpcap drop counts: not available with the cap backend', zh: '；libpcap 丢包计数：cap 后端无法提供' },
  'live.error': { en: 'error: {message}', zh: '错误：{message}' },

  // `live`: the kernel's TIME_WAIT table against the capture, at the end.
  'if.none': { en: 'no capture devices found', zh: '没有找到可抓包的设备' },
  'if.loopback': { en: 'loopback', zh: '环回接口' },
  'if.via': { en: '(listed by {via}: the cap module is not available)', zh: '（由 {via} 列出：cap 模块不可用）' },
  'watch.count': { en: '{n|socket} in TIME_WAIT', zh: '{n|socket}处于 TIME_WAIT' },
  'watch.local': { en: 'local', zh: '本端' },
  'watch.remote': { en: 'remote', zh: '对端' },
  'watch.left': { en: 'left', zh: '剩余' },
  'watch.since': { en: 'in TIME_WAIT for', zh: '已处于 TIME_WAIT' },
  'watch.restarts': { en: 'restarts', zh: '重启次数' },
  'watch.stop': { en: '(Ctrl-C to stop)', zh: '（按 Ctrl-C 停止）' },
  'watch.gone': { en: '{clock}  {local} -> {remote} left TIME_WAIT after {seconds} s{early}{restarts}', zh: '{clock}  {local} -> {remote} 在 {seconds} s 后离开 TIME_WAIT{early}{restarts}' },
  'watch.gone.early': { en: ' (before its timer ran out)', zh: '（计时器未到期即离开）' },
  'watch.gone.restarts': { en: ', {n|timerRestart}', zh: '，{n|timerRestart}' },
  'live.k.none': { en: 'Kernel TIME_WAIT: no local socket of a captured connection entered TIME_WAIT.', zh: '内核 TIME_WAIT：抓到的连接中没有本机套接字进入 TIME_WAIT。' },
  'live.k.title': { en: 'Kernel TIME_WAIT (this host\'s sockets) vs the capture:', zh: '内核 TIME_WAIT（本机套接字）与抓包对比：' },
  'live.k.line': { en: '  #{stream} {side} {endpoint}: {entry}, {held}{restarts} - {mark}: {note}', zh: '  #{stream} {side} {endpoint}：{entry}，{held}{restarts}——{mark}。{note}' },
  'live.k.agree': { en: 'agree', zh: '一致' },
  'live.k.disagree': { en: 'DISAGREE', zh: '不一致' },
  'live.k.undecided': { en: 'capture undecided', zh: '无法比较' },
  'live.k.entry': { en: 'entered {kernel}{capture}', zh: '进入于 {kernel}{capture}' },
  'live.k.entryCapture': { en: ' (capture {clock}, {delta} s)', zh: '（抓包 {clock}，相差 {delta} s）' },
  'live.k.still': { en: 'still in TIME_WAIT ({left} s left)', zh: '仍在 TIME_WAIT（剩余 {left} s）' },
  'live.k.held': { en: 'held {seconds} s{early}', zh: '保持了 {seconds} s{early}' },
  'live.k.early': { en: ', ended early', zh: '，提前结束' },
  'live.k.restarts': { en: ', restarts kernel {kernel} / capture {capture}', zh: '，重新计时：内核 {kernel} 次 / 抓包 {capture} 次' },
  'live.note.endedBefore': { en: 'the capture ended with this endpoint in {state}, before it could see it enter TIME_WAIT', zh: '抓包结束时该端点仍处于 {state}，没能看到它进入 TIME_WAIT' },
  'live.note.notSeen': { en: 'the kernel put this socket in TIME_WAIT; the capture did not see it enter TIME_WAIT', zh: '内核让该套接字进入了 TIME_WAIT，抓包却没有看到它进入 TIME_WAIT' },
  'live.note.fullStill': { en: 'capture: full; the kernel still holds it ({left} s left)', zh: '抓包结论：满 2MSL；内核中它仍处于 TIME_WAIT（剩余 {left} s）' },
  'live.note.full': { en: 'capture: full; kernel held it {kernel} s (required {required} s)', zh: '抓包结论：满 2MSL；内核实测保持 {kernel} s（要求 {required} s）' },
  'live.note.cutStill': { en: 'capture: cut short, but the kernel still holds the socket in TIME_WAIT', zh: '抓包结论：提前结束，但内核中该套接字仍处于 TIME_WAIT' },
  'live.note.cut': { en: 'capture: cut short after {observed} s; kernel held it {kernel} s{early}', zh: '抓包结论：{observed} s 后提前结束；内核实测保持 {kernel} s{early}' },
  'live.note.cutEarly': { en: ' and dropped it before its timer ran out', zh: '，并在计时器到期前就释放了它' },
  'live.note.inconclusiveStill': { en: 'capture: inconclusive ({observed} s of {required} s seen); the kernel still holds it, {left} s left', zh: '抓包结论：无法判定（{required} s 中只看到 {observed} s）；内核中它仍处于 TIME_WAIT，剩余 {left} s' },
  'live.note.inconclusive': { en: 'capture: inconclusive ({observed} s seen); the kernel measured {kernel} s{linux}', zh: '抓包结论：无法判定（只看到 {observed} s）；内核实测保持 {kernel} s{linux}' },
  'live.note.linux': { en: ' (Linux TIME_WAIT is {seconds} s; --os linux sets 2MSL to match)', zh: '（Linux 的 TIME_WAIT 为 {seconds} s；用 --os linux 可使 2MSL 与之一致）' },
  'live.note.entryDiffers': { en: '; entry times differ by {delta} s', zh: '；两者的进入时间相差 {delta} s' },

  // `live`: the notes under the summary table.
  'live.sum.tcpdump': { en: 'Backend tcpdump: kernel timestamps in nanoseconds; TIME_WAIT and retransmission times are those of the capture point.', zh: '后端 tcpdump：内核时间戳（纳秒）；TIME_WAIT 与重传的时间都是抓包点上的时间。' },
  'live.sum.cap': { en: 'Backend cap: receipt timestamps (when node got each packet; cap gives none), so TIME_WAIT and retransmission times are approximate; libpcap drop counts are not available.', zh: '后端 cap：接收时间戳（node 收到每个报文的时刻；cap 不提供内核时间戳），因此 TIME_WAIT 与重传时间是近似值；无法获得 libpcap 丢包计数。' },
  'live.sum.stats': { en: 'libpcap: {received|packet} received by the filter, {dropped} dropped{warn}.', zh: 'libpcap：过滤器收到 {received|packet}，丢弃 {dropped} 个{warn}。' },
  'live.sum.dropWarn': { en: ' - some connections may be missing segments', zh: '——部分连接可能缺少报文段' },
  'live.sum.wrote': { en: 'Wrote {frames|frame} to {path}: tcpscope analyze {path} gives these verdicts (with the same --os/--msl).', zh: '已将 {frames|frame}写入 {path}：用相同的 --os/--msl 运行 tcpscope analyze {path} 会得到同样的判定。' },

  // CLI messages.
  'cli.noStream': { en: 'no stream {stream} in {file} (streams 0-{max})', zh: '{file} 中没有流 {stream}（流 0-{max}）' },
  // Wireshark's sequence analysis (report `analysis`): the table's notes cell, the timeline.
  'an.cell.retx': { en: '{n|retransmission}', zh: '{n|retransmission}' },
  'an.cell.retxFast': { en: '{n|retransmission} ({fast} fast)', zh: '{n|retransmission}（快速重传 {fast}）' },
  'an.cell.retxKinds': { en: '{n|retransmission} ({fast} fast, {spurious} spurious)', zh: '{n|retransmission}（快速重传 {fast}，虚假重传 {spurious}）' },
  'an.cell.retxSpurious': { en: '{n|retransmission} ({spurious} spurious)', zh: '{n|retransmission}（虚假重传 {spurious}）' },
  'an.cell.outOfOrder': { en: '{n|outOfOrder}', zh: '{n|outOfOrder}' },
  'an.cell.lost': { en: '{n|lostSegment}', zh: '{n|lostSegment}' },
  'an.cell.ackedUnseen': { en: '{n|ackedUnseen}', zh: '{n|ackedUnseen}' },
  'an.cell.dupAck': { en: '{n|dupAck}', zh: '{n|dupAck}' },
  'an.cell.zeroWindow': { en: '{n|zeroWindow}', zh: '{n|zeroWindow}' },
  'an.cell.zeroWindowProbe': { en: '{n|zeroWindowProbe}', zh: '{n|zeroWindowProbe}' },
  'an.cell.windowFull': { en: '{n|windowFull}', zh: '{n|windowFull}' },
  'an.cell.keepAlive': { en: '{n|keepAlive}', zh: '{n|keepAlive}' },
  'an.tl.flags': { en: 'Wireshark: {flags}', zh: 'Wireshark 分析：{flags}' },
  'an.retransmission': { en: '[TCP Retransmission]', zh: '[TCP 重传]' },
  'an.fast-retransmission': { en: '[TCP Fast Retransmission]', zh: '[TCP 快速重传]' },
  'an.spurious-retransmission': { en: '[TCP Spurious Retransmission]', zh: '[TCP 虚假重传]' },
  'an.out-of-order': { en: '[TCP Out-Of-Order]', zh: '[TCP 乱序]' },
  'an.previous-segment-not-captured': { en: '[TCP Previous segment not captured]', zh: '[TCP 前一报文段未抓到]' },
  'an.acked-unseen-segment': { en: '[TCP ACKed unseen segment]', zh: '[TCP 确认了未抓到的报文段]' },
  'an.duplicate-ack': { en: '[TCP Dup ACK {of}#{n}]', zh: '[TCP 重复 ACK {of}#{n}]' },
  'an.zero-window': { en: '[TCP ZeroWindow]', zh: '[TCP 零窗口]' },
  'an.zero-window-probe': { en: '[TCP ZeroWindowProbe]', zh: '[TCP 零窗口探测]' },
  'an.zero-window-probe-ack': { en: '[TCP ZeroWindowProbeAck]', zh: '[TCP 零窗口探测确认]' },
  'an.window-full': { en: '[TCP Window Full]', zh: '[TCP 窗口已满]' },
  'an.window-update': { en: '[TCP Window Update]', zh: '[TCP 窗口更新]' },
  'an.keep-alive': { en: '[TCP Keep-Alive]', zh: '[TCP 保活]' },
  'an.keep-alive-ack': { en: '[TCP Keep-Alive ACK]', zh: '[TCP 保活确认]' },
  'an.tl.rtt': { en: 'handshake RTT {rtt} (SYN to SYN+ACK {a}, SYN+ACK to ACK {b}; tcp.analysis.initial_rtt)', zh: '握手 RTT {rtt}（SYN 到 SYN+ACK {a}，SYN+ACK 到 ACK {b}；tcp.analysis.initial_rtt）' },
  'an.tl.rttOnly': { en: 'handshake RTT {rtt} (tcp.analysis.initial_rtt)', zh: '握手 RTT {rtt}（tcp.analysis.initial_rtt）' },
  'an.opt.cutAll': { en: 'options cut by the snaplen', zh: '选项被抓包截断长度截掉' },
  'an.opt.cut': { en: 'the rest cut by the snaplen', zh: '其余被抓包截断长度截掉' },
  'an.opt.effectUnknown': { en: 'window scaling unknown (options cut)', zh: '窗口缩放未知（选项被截断）' },
  'an.tl.options': { en: 'SYN options: client {client}; server {server}; in effect: {effect}', zh: 'SYN 选项：客户端 {client}；服务器 {server}；生效：{effect}' },
  'an.opt.none': { en: 'none', zh: '无' },
  'an.opt.notCaptured': { en: 'SYN not captured', zh: 'SYN 未抓到' },
  'an.opt.mss': { en: 'MSS {mss}', zh: 'MSS {mss}' },
  'an.opt.ws': { en: 'window scale {ws}', zh: '窗口扩大因子 {ws}' },
  'an.opt.sack': { en: 'SACK permitted', zh: '允许 SACK' },
  'an.opt.ts': { en: 'timestamps', zh: '时间戳' },
  'an.opt.effectWs': { en: 'window scale client {c} / server {s}', zh: '窗口扩大 客户端 {c} / 服务器 {s}' },
  'an.opt.effectNoWs': { en: 'no window scaling', zh: '不扩大窗口' },
  'an.opt.effectMss': { en: 'largest segment client {c} B / server {s} B', zh: '最大报文段 客户端 {c} 字节 / 服务器 {s} 字节' },
  'cli.noStreamAtAll': { en: 'no TCP connection in {file}', zh: '{file} 中没有 TCP 连接' },
  'cli.warning': { en: 'warning: {file}: frame {frame} (byte offset {offset}): {message}', zh: '警告：{file}：第 {frame} 帧（字节偏移 {offset}）：{message}' },
  'cli.wrote': { en: 'wrote {file}', zh: '已写入 {file}' },
  'cli.interrupted': { en: 'interrupted ({signal}): the capture was cut short; the report covers what was read until then, connections still open there reported as open{unread}', zh: '已中断（{signal}）：抓包读取被提前截断；报告只包含此前读到的内容，当时仍未关闭的连接按未关闭报告{unread}' },
  'cli.interrupted.unread': { en: '; not read: {files}', zh: '；未读取：{files}' },
} satisfies Record<string, Entry>;

export type MessageKey = keyof typeof M;

/** Nouns counted in messages: English singular and plural, Chinese with its measure word. */
const NOUNS = {
  frame: { one: 'frame', many: 'frames', zh: '帧' },
  connection: { one: 'connection', many: 'connections', zh: '条连接' },
  tcpConnection: { one: 'TCP connection', many: 'TCP connections', zh: '条 TCP 连接' },
  segment: { one: 'TCP segment', many: 'TCP segments', zh: '个 TCP 报文段' },
  warning: { one: 'warning', many: 'warnings', zh: '条警告' },
  packet: { one: 'packet', many: 'packets', zh: '个报文' },
  time: { one: 'time', many: 'times', zh: '次' },
  reset: { one: 'reset', many: 'resets', zh: '次 RST 复位' },
  retransmission: { one: 'retransmission', many: 'retransmissions', zh: '次重传' },
  student: { one: 'student', many: 'students', zh: '名学生' },
  file: { one: 'file', many: 'files', zh: '个文件' },
  dataSegment: { one: 'data segment', many: 'data segments', zh: '个数据报文段' },
  ipFragment: { one: 'IP fragment', many: 'IP fragments', zh: '个 IP 分片' },
  socket: { one: 'socket', many: 'sockets', zh: '个套接字' },
  timerRestart: { one: 'timer restart', many: 'timer restarts', zh: '次计时器重启' },
  byte: { one: 'byte', many: 'bytes', zh: '字节' },
  finRetx: { one: 'retransmitted FIN', many: 'retransmitted FINs', zh: '次 FIN 重传' },
  synRetx: { one: 'retransmitted SYN', many: 'retransmitted SYNs', zh: '次 SYN 重传' },
  rst: { one: 'RST segment', many: 'RST segments', zh: '个 RST' },
  ackOnly: { one: 'ACK-only segment', many: 'ACK-only segments', zh: '个纯 ACK 报文段' },
  outOfOrder: { one: 'out-of-order segment', many: 'out-of-order segments', zh: '个乱序报文段' },
  lostSegment: { one: 'segment not captured', many: 'segments not captured', zh: '处前一报文段未抓到' },
  ackedUnseen: { one: 'ACK of unseen data', many: 'ACKs of unseen data', zh: '次确认了未抓到的数据' },
  dupAck: { one: 'duplicate ACK', many: 'duplicate ACKs', zh: '个重复 ACK' },
  zeroWindow: { one: 'zero window', many: 'zero windows', zh: '次零窗口' },
  zeroWindowProbe: { one: 'zero-window probe', many: 'zero-window probes', zh: '次零窗口探测' },
  windowFull: { one: 'window full', many: 'windows full', zh: '次窗口已满' },
  keepAlive: { one: 'keep-alive', many: 'keep-alives', zh: '次保活' },
} as const satisfies Record<string, { one: string; many: string; zh: string }>;

export type Noun = keyof typeof NOUNS;

/** `1 frame`, `2 frames`, `0 frames`; in Chinese `2 帧`, `1 条连接` (no plural, a measure word). */
export function count(lang: Lang, n: number, noun: Noun): string {
  const w = NOUNS[noun];
  if (lang === 'zh') return `${n} ${w.zh}`;
  return `${n} ${n === 1 ? w.one : w.many}`;
}

/** The message `key` in `lang` with `{name}` placeholders filled in. */
export function t(lang: Lang, key: MessageKey, params?: Params): string {
  return fill(lang, (M[key] as Entry)[lang], params);
}

/**
 * `{name}` replaced by the parameter; `{name|noun}` by the number and the
 * noun, plural-aware (count): `{n|frame}` is `1 frame`, `2 frames`, `2 帧`.
 */
export function fill(lang: Lang, s: string, params?: Params): string {
  if (!params) return s;
  return s.replace(/\{(\w+)(?:\|(\w+))?\}/g, (m, name: string, noun?: string) => {
    if (!(name in params)) return m;
    if (noun !== undefined && noun in NOUNS) return count(lang, Number(params[name]), noun as Noun);
    return String(params[name]);
  });
}

/** `frame 18`, `frames 18, 21`; `第 18 帧`, `第 18、21 帧`; `-` for none. */
export function framesLabel(lang: Lang, frames: readonly number[]): string {
  if (frames.length === 0) return '-';
  if (lang === 'zh') return `第 ${frames.join('、')} 帧`;
  return `${frames.length === 1 ? 'frame' : 'frames'} ${frames.join(', ')}`;
}

export function sideLabel(lang: Lang, s: Side | 'both'): string {
  return t(lang, `side.${s}`);
}

export function closerLabel(lang: Lang, c: ActiveCloser): string {
  return c === null ? t(lang, 'none') : sideLabel(lang, c);
}

export function handshakeLabel(lang: Lang, k: HandshakeKind): string {
  return t(lang, `hs.${k}`);
}

export function closeLabel(lang: Lang, k: CloseKind): string {
  return t(lang, `close.${k}`);
}

export function verdictLabel(lang: Lang, v: TimeWaitVerdict): string {
  return t(lang, `verdict.${v}`);
}

export function evidenceLabel(lang: Lang, e: TimeWaitEvidence): string {
  return t(lang, `evidence.${e}`);
}

export function causeLabel(lang: Lang, c: ResetCause): string {
  return t(lang, `cause.${c}`);
}

/** A RST's cause, or the causes it leaves possible (`unread data or abort`). */
export function resetCauseLabel(lang: Lang, r: Pick<ResetReport, 'cause' | 'candidates'>): string {
  if (r.cause !== 'ambiguous' || r.candidates.length === 0) return causeLabel(lang, r.cause);
  return r.candidates.map((c) => causeLabel(lang, c)).join(t(lang, 'cause.or'));
}

/** A noted segment in words. */
export function noteLabel(lang: Lang, n: SegmentNote): string {
  const i = n.icmp;
  if (i !== undefined) {
    const effect = t(lang, `note.icmp.${i.effect}`, { related: n.relatedFrame ?? '-', mtu: i.mtu ?? '-' });
    return t(lang, 'note.icmp-error', { v6: i.version === 6 ? 'v6' : '', message: i.message, from: i.from, seq: i.quotedSeq.relative, effect });
  }
  const answer = n.answerFrame === undefined || n.answerFrame === null ? ''
    : t(lang, n.answeredByAck === true ? 'note.paws.ack' : 'note.paws.other', { frame: n.answerFrame });
  return t(lang, `note.${n.kind}`, { related: n.relatedFrame ?? '-', tsVal: n.tsVal ?? '-', tsRecent: n.tsRecent ?? '-', answer });
}

/** What the capture cannot prove, in words. */
export function caveatLabel(lang: Lang, c: Caveat): string {
  const side = c.side === null ? '' : sideLabel(lang, c.side);
  const other = c.side === null ? '' : sideLabel(lang, c.side === 'client' ? 'server' : 'client');
  return t(lang, `caveat.${c.code}`, { side, other, frame: c.frame ?? '-' });
}

/** A state change's cause (Transition.cause) in words; the English is the raw value. */
export function transitionCauseLabel(lang: Lang, c: Cause): string {
  return t(lang, `tr.${c}`);
}

/** How the client was told apart (ConnectionReport.clientFrom); the English is the raw value. */
export function clientFromLabel(lang: Lang, c: ClientFrom): string {
  return t(lang, `clientFrom.${c}`);
}

/**
 * `warning: <file>: frame N (byte offset O): <what>`. Readers often start
 * their message with the same `frame N at offset O: `; it is said once. The
 * name and the message are escaped for the terminal (escape/terminal.ts).
 */
export function warningLine(lang: Lang, file: string, w: { frame: number; offset: number; message: string }): string {
  const prefix = `frame ${w.frame} at offset ${w.offset}: `;
  const message = w.message.startsWith(prefix) ? w.message.slice(prefix.length) : w.message;
  return t(lang, 'cli.warning', { file: termText(file), frame: w.frame, offset: w.offset, message: termText(message) });
}

/** All messages, for tests: every key has both languages. */
export function allMessages(): Readonly<Record<string, Entry>> {
  return M;
}
