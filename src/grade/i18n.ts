/**
 * The grader's messages in English and Chinese, with the terms of the
 * project's lecture notes (第一次挥手 ... 第四次挥手, 主动关闭方, 被动关闭方,
 * 半关闭, 等待计时器 2MSL). State names stay the RFC's in both languages.
 *
 * Facts (types.ts `Fact`) keep raw values in their parameters; `factText`
 * localizes the parameters by name: who/by/side/active/passive/closer are
 * sides, hs a handshake kind, kind a close kind, verdict, evidence and cause
 * their enums, observed/required/gap durations in seconds, role a closer role.
 */
import {
  fill,
  type Lang, causeLabel, closeLabel, evidenceLabel, handshakeLabel, sideLabel, t, verdictLabel,
} from '../render/i18n.ts';
import { duration } from '../render/text.ts';
import type { CloseKind, HandshakeKind, ResetCause, TimeWaitEvidence, TimeWaitVerdict } from '../report/types.ts';
import type { Fact } from './types.ts';

type Entry = { en: string; zh: string };

const M: Record<string, Entry> = {
  // Facts: what the capture shows.
  'noConnection': { en: 'no TCP connection in the capture ({frames} frames, {segments} TCP segments)', zh: '抓包中没有 TCP 连接（{frames} 帧，{segments} 个 TCP 报文段）' },
  'noMatch': { en: "no connection matches '{filter}' (the capture has {n|connection}: {list})", zh: "没有连接匹配 '{filter}'（抓包中有 {n|connection}：{list}）" },
  'everyFailed': { en: 'stream {stream} ({conn}) does not', zh: '流 {stream}（{conn}）不满足' },
  'anyFailed': { en: 'none of the {n|connection} passes; the closest, stream {stream}:', zh: '{n|connection}都不满足；最接近的是流 {stream}：' },

  'hs.three-way': { en: 'three-way handshake: SYN at frame {syn}, SYN+ACK at frame {synack}, ACK at frame {ack}', zh: '三次握手：第 {syn} 帧 SYN，第 {synack} 帧 SYN+ACK，第 {ack} 帧 ACK' },
  'hs.simultaneous-open': { en: 'simultaneous open: both sides sent a SYN (frames {syn} and {synack})', zh: '同时打开：双方都发送了 SYN（第 {syn} 帧和第 {synack} 帧）' },
  'hs.refused': { en: 'the SYN at frame {syn} was refused with RST at frame {rst}: nothing listened on {server}', zh: '第 {syn} 帧的 SYN 被第 {rst} 帧的 RST 拒绝：{server} 上没有监听' },
  'hs.unanswered': { en: 'the SYN at frame {syn} was never answered ({copies} copies sent)', zh: '第 {syn} 帧的 SYN 没有得到应答（共发送 {copies} 次）' },
  'hs.rejected-icmp': { en: 'the SYN at frame {syn} was rejected by ICMP {message} from {from} at frame {icmp}; the client sent nothing after it', zh: '第 {syn} 帧的 SYN 被第 {icmp} 帧来自 {from} 的 ICMP {message} 拒绝；此后客户端未再发送任何报文' },
  'hs.rejected-icmp-synack': { en: 'the SYN+ACK answering the SYN at frame {syn} (frame {synack}) did not reach the client: ICMP {message} from {from} at frame {icmp} quoted it, and the server dropped its half-open connection (it sent nothing of it after)', zh: '回应第 {syn} 帧 SYN 的 SYN+ACK（第 {synack} 帧）没有到达客户端：第 {icmp} 帧来自 {from} 的 ICMP {message} 引用了它，服务器随即丢弃了半开连接（此后未再发送该连接的报文）' },
  'hs.aborted': { en: 'the handshake was aborted: the client answered the SYN+ACK at frame {synack} with RST at frame {rst} (SYN at frame {syn})', zh: '握手被中止：客户端用第 {rst} 帧的 RST 回应了第 {synack} 帧的 SYN+ACK（SYN 在第 {syn} 帧）' },
  'hs.no-segment': { en: 'no segment: the capture holds only ICMP errors quoting this connection (the first at frame {first}), so its handshake is unknown', zh: '没有报文：抓包中只有引用此连接报文的 ICMP 差错（第一个在第 {first} 帧），握手情况未知' },
  'hs.not-captured': { en: 'no SYN: the capture starts in the middle of the connection, at frame {first}', zh: '没有 SYN：抓包从连接中途（第 {first} 帧）开始' },

  'close.four-way': { en: 'four-way close: 1st wave FIN from the {active} at frame {f1}, 2nd wave ACK at frame {f2}, 3rd wave FIN from the {passive} at frame {f3}, 4th wave ACK at frame {f4}', zh: '四次挥手：第一次挥手 第 {f1} 帧{active}发送 FIN，第二次挥手 第 {f2} 帧 ACK，第三次挥手 第 {f3} 帧{passive}发送 FIN，第四次挥手 第 {f4} 帧 ACK' },
  'close.three-way': { en: 'three-way close: FIN from the {active} at frame {f1}, FIN+ACK from the {passive} at frame {f3} (2nd and 3rd waves in one segment), ACK at frame {f4}', zh: '三次挥手：第 {f1} 帧{active}发送 FIN，第 {f3} 帧{passive}发送 FIN+ACK（第二次与第三次挥手合并），第 {f4} 帧 ACK' },
  'close.simultaneous': { en: 'simultaneous close: both sides sent FIN (frames {fc} and {fs}) before either was acknowledged', zh: '同时关闭：双方都在收到确认前发送了 FIN（第 {fc} 帧和第 {fs} 帧）' },
  'close.reset': { en: 'the connection was reset: RST from the {by} at frame {frame}, in {state} ({cause})', zh: '连接被复位：{by}在 {state} 状态下于第 {frame} 帧发送 RST（{cause}）' },
  'close.reset-after-fin': { en: 'the close began with a FIN from the {active} at frame {f1} and ended with a RST from the {by} at frame {frame}, in {state} ({cause})', zh: '关闭以{active}在第 {f1} 帧发送的 FIN 开始，以{by}在 {state} 状态下于第 {frame} 帧发送的 RST 结束（{cause}）' },
  'close.refused': { en: 'the connection was refused: RST at frame {rst} answered the SYN at frame {syn}', zh: '连接被拒绝：第 {rst} 帧的 RST 回应了第 {syn} 帧的 SYN' },
  'close.incomplete': { en: 'the close did not finish: FIN from the {who} at frame {frame}, but the capture ends at frame {last} with the client in {cs} and the server in {ss}', zh: '关闭没有完成：{who}在第 {frame} 帧发送了 FIN，但抓包在第 {last} 帧结束，此时客户端处于 {cs}，服务器处于 {ss}' },
  'close.notEstablished': { en: 'the connection was never established ({hs}); the capture ends at frame {last}', zh: '连接从未建立（{hs}）；抓包在第 {last} 帧结束' },
  'close.no-segment': { en: 'no segment: the capture holds only ICMP errors quoting this connection (the last at frame {last}), so its close is unknown', zh: '没有报文：抓包中只有引用此连接报文的 ICMP 差错（最后一个在第 {last} 帧），关闭情况未知' },
  'close.open.same': { en: 'no FIN from either side: the capture ends in {state} at frame {last}', zh: '双方都没有发送 FIN：抓包在第 {last} 帧结束，此时仍处于 {state}' },
  'close.open': { en: 'no FIN from either side: the capture ends at frame {last} with the client in {cs} and the server in {ss}', zh: '双方都没有发送 FIN：抓包在第 {last} 帧结束，此时客户端处于 {cs}，服务器处于 {ss}' },

  'closer.is': { en: 'the active closer is the {who} ({addr}): first FIN at frame {frame}', zh: '主动关闭方是{who}（{addr}）：第 {frame} 帧发出第一个 FIN' },
  'closer.both': { en: 'both sides closed at once (simultaneous close, FINs at frames {fc} and {fs})', zh: '双方同时关闭（FIN 分别在第 {fc} 帧和第 {fs} 帧）' },
  'closer.reset': { en: 'no FIN: the {by} ended the connection with RST at frame {frame}', zh: '没有 FIN：{by}在第 {frame} 帧用 RST 结束了连接' },

  'tw.entered': { en: 'the {who} entered TIME_WAIT at frame {frame} (the active closer is the {closer})', zh: '{who}在第 {frame} 帧进入 TIME_WAIT（主动关闭方是{closer}）' },
  'tw.enteredSimultaneous': { en: 'the {who} entered TIME_WAIT at frame {frame} (simultaneous close: both sides are active closers)', zh: '{who}在第 {frame} 帧进入 TIME_WAIT（同时关闭：双方都是主动关闭方）' },
  'tw.enteredBoth': { en: 'both sides entered TIME_WAIT (client at frame {fc}, server at frame {fs})', zh: '双方都进入了 TIME_WAIT（客户端第 {fc} 帧，服务器第 {fs} 帧）' },
  'tw.none': { en: 'nobody entered TIME_WAIT: at the end (frame {last}) the client is in {cs} and the server in {ss}', zh: '没有一方进入 TIME_WAIT：结束时（第 {last} 帧）客户端处于 {cs}，服务器处于 {ss}' },
  'tw.verdict': { en: 'TIME_WAIT of the {who}: {verdict}: {evidence} after {observed} (2MSL = {required})', zh: '{who}的 TIME_WAIT（等待计时器）：{verdict}：{evidence}，历时 {observed}（2MSL = {required}）' },

  'finRetx.some': { en: '{n|finRetx}: client {c}, server {s} (copies at frames {frames})', zh: 'FIN 重传 {n} 次：客户端 {c} 次，服务器 {s} 次（副本在第 {frames} 帧）' },
  'finRetx.none': { en: 'no FIN was retransmitted (FIN frames: {frames})', zh: '没有 FIN 重传（FIN 所在帧：{frames}）' },
  'synRetx.some': { en: '{n|synRetx}: client {c}, server {s}', zh: 'SYN 重传 {n} 次：客户端 {c} 次，服务器 {s} 次' },
  'synRetx.none': { en: 'no SYN was retransmitted', zh: '没有 SYN 重传' },

  'half.some': { en: 'half-close: the {side} sent {bytes} bytes in {segments} segments after receiving the FIN (in CLOSE_WAIT)', zh: '半关闭：{side}在收到 FIN 之后（CLOSE_WAIT 状态）又发送了 {segments} 个报文段共 {bytes} 字节' },
  'half.none': { en: 'no data was sent after a FIN was received (no half-close)', zh: '收到 FIN 之后没有再发送数据（没有半关闭）' },

  'rst.some': { en: 'RST from the {by} at frame {frame} in {state} ({cause}); {n|rst} in all', zh: '{by}在 {state} 状态下于第 {frame} 帧发送 RST（{cause}）；共 {n} 个 RST' },
  'rst.none': { en: 'no RST', zh: '没有 RST' },

  'addr': { en: 'connection {client} → {server}', zh: '连接 {client} → {server}' },
  'time.span': { en: 'the connection was captured from {first} to {last} (UTC); the lab window is {from} to {to}', zh: '该连接的抓包时间为 {first} 至 {last}（UTC）；实验时间窗口为 {from} 至 {to}' },
  'final': { en: 'final states: client {cs}, server {ss} (capture ends at frame {last})', zh: '最终状态：客户端 {cs}，服务器 {ss}（抓包在第 {last} 帧结束）' },
  'states.path': { en: 'the {who} ({role}) went {path}', zh: '{who}（{role}）的状态序列：{path}' },
  'states.noRole': { en: 'there is no {role}', zh: '没有{role}' },
  'states.noPassiveSimultaneous': { en: 'there is no passive closer: in a simultaneous close both sides are active closers (each sent its FIN before the other\'s arrived)', zh: '没有被动关闭方：同时关闭时双方都是主动关闭方（都在收到对方 FIN 之前发出 FIN）' },
  'reuse.yes': { en: 'stream {stream} reuses the 4-tuple of stream {prev} {gap} after its last segment', zh: '流 {stream} 在流 {prev} 最后一个报文段之后 {gap} 复用了同一个四元组' },
  'reuse.no': { en: 'no connection reused the 4-tuple of an earlier one still held', zh: '没有连接复用仍被占用的四元组' },
  'ack.ok': { en: 'frame {frame} acknowledges {ack} = {sym}+1', zh: '第 {frame} 帧确认号 {ack} = {sym}+1' },
  'ack.bad': { en: 'frame {frame} acknowledges {ack}, but {sym}+1 = {expected}', zh: '第 {frame} 帧确认号为 {ack}，但 {sym}+1 = {expected}' },
  'ack.missing': { en: 'no acknowledgment of {sym} (ack={sym}+1) in the capture', zh: '抓包中没有对 {sym} 的确认（ack={sym}+1）' },
  'filter.yes': { en: "stream {stream} matches '{expr}'", zh: "流 {stream} 匹配 '{expr}'" },
  'filter.no': { en: "stream {stream} does not match '{expr}'", zh: "流 {stream} 不匹配 '{expr}'" },

  'role.active-closer': { en: 'active closer', zh: '主动关闭方' },
  'role.passive-closer': { en: 'passive closer', zh: '被动关闭方' },
  'role.client': { en: 'client', zh: '客户端' },
  'role.server': { en: 'server', zh: '服务器' },
  'window.open': { en: '(any)', zh: '（不限）' },

  // Gradebook.
  'gb.student': { en: 'student', zh: '学生' },
  'gb.file': { en: 'file', zh: '文件' },
  'gb.score': { en: 'score', zh: '得分' },
  'gb.max': { en: 'max', zh: '满分' },
  'gb.stream': { en: 'stream', zh: '流' },
  'gb.status': { en: 'status', zh: '状态' },
  'gb.answers': { en: 'answers', zh: '答案' },
  'gb.copies': { en: 'same capture as', zh: '抓包相同' },
  'gb.note': { en: 'note', zh: '备注' },
  'gb.pass': { en: 'pass', zh: '通过' },
  'gb.fail': { en: 'FAIL', zh: '未通过' },
  'gb.title': { en: 'Gradebook: {rubric} ({n|student}, {files|file})', zh: '成绩册：{rubric}（{n|student}，{files|file}）' },
  'gb.copyTitle': { en: 'Submissions sharing the same capture', zh: '抓包相同的提交' },
  'gb.copyLine': { en: '{students}: {how}', zh: '{students}：{how}' },
  'gb.noCopies': { en: 'No two submissions share a capture.', zh: '没有发现相同的抓包。' },
  'gb.duplicate': { en: 'DUPLICATE student id (another submission has it too)', zh: '学号重复（另一份提交也是这个学号）' },
  'gb.stats': { en: 'mean {mean} / {max}, median {median}; {zero|student} with 0 points, {broken|file} unreadable or damaged', zh: '平均 {mean} / {max}，中位数 {median}；{zero|student} 0 分，{broken|file}无法读取或已损坏' },

  'status.graded': { en: 'graded', zh: '已评分' },
  'status.unreadable': { en: 'unreadable', zh: '无法读取' },
  'status.damaged': { en: 'damaged', zh: '已损坏' },
  'status.missing': { en: 'no capture', zh: '没有抓包' },

  'copy.identical': { en: 'identical files ({files})', zh: '文件完全相同（{files}）' },
  'copy.same-connections': { en: 'the same TCP connections: same ISNs and timestamps ({detail}) in {files}', zh: '相同的 TCP 连接：初始序号和时间戳都相同（{detail}），见 {files}' },
  'copy.same-isns': { en: 'the same ISNs with other timestamps ({detail}) in {files}: the same connection captured twice (lab partners on both ends?) or re-timed', zh: '初始序号相同但时间戳不同（{detail}），见 {files}：同一连接被抓了两次（同组两端？）或修改过时间' },

  'reason.unreadable': { en: 'the file could not be read as a capture: {reason}', zh: '无法作为抓包文件读取：{reason}' },
  'reason.damaged': { en: 'the capture is damaged or truncated: {reason}', zh: '抓包文件已损坏或被截断：{reason}' },
  'reason.missing': { en: 'no capture file (.pcap, .pcapng, .cap, .gz) in the folder', zh: '文件夹中没有抓包文件（.pcap、.pcapng、.cap、.gz）' },
  'reason.damagedGraded': { en: 'warning: the capture is damaged or truncated ({reason}); graded on what could be read', zh: '警告：抓包文件已损坏或被截断（{reason}）；按可读部分评分' },

  // Feedback.
  'fb.title': { en: 'Feedback for {student}: {rubric}', zh: '{student} 的评语：{rubric}' },
  'fb.score': { en: 'Score: {score} / {max}', zh: '得分：{score} / {max}' },
  'fb.file': { en: 'Graded file: {file} ({format}, {frames} frames, {connections} TCP connections)', zh: '评分文件：{file}（{format}，{frames} 帧，{connections} 条 TCP 连接）' },
  'fb.otherFiles': { en: 'Other files in your submission (lower score): {files}', zh: '提交中的其他文件（得分较低）：{files}' },
  'fb.connection': { en: 'Graded connection: stream {stream}, {client} → {server} (Wireshark: {filter})', zh: '评分所用连接：流 {stream}，{client} → {server}（Wireshark 过滤器：{filter}）' },
  'fb.noConnection': { en: 'No TCP connection could be graded.', zh: '没有可评分的 TCP 连接。' },
  'fb.criteria': { en: 'Criteria', zh: '评分项' },
  'fb.passed': { en: '[ok] {desc} ({points}/{points})', zh: '[✓] {desc}（{points}/{points}）' },
  'fb.failed': { en: '[lost {points}] {desc} (0/{points})', zh: '[扣 {points} 分] {desc}（0/{points}）' },
  'fb.evidence': { en: 'In your capture: {text}', zh: '你的抓包中：{text}' },
  'fb.seen': { en: 'Seen: {text}', zh: '依据：{text}' },
  'fb.answers': { en: 'Your answers: {right} of {total} right', zh: '你的答案：{total} 题中答对 {right} 题' },
  'fb.answerRight': { en: '[right] {field}: {given}', zh: '[✓] {field}：{given}' },
  'fb.answerWrong': { en: '[wrong] {field}: you wrote {given}; the capture shows {correct} ({why})', zh: '[✗] {field}：你的答案是 {given}；抓包显示为 {correct}（{why}）' },
  'fb.answerUnknown': { en: '[?] {field}: you wrote {given}; the capture does not show it ({why})', zh: '[?] {field}：你的答案是 {given}；抓包中无法确定（{why}）' },
  'fb.noAnswers': { en: 'No answers were found for you in the answers file.', zh: '答案文件中没有找到你的答案。' },
  'fb.unreadable': { en: 'Your submission scored 0 because {reason}. Check that you saved the capture from Wireshark as .pcapng or .pcap (File > Save As), and submit it again.', zh: '你的提交得 0 分，因为{reason}。请确认在 Wireshark 中用“文件 > 另存为”保存为 .pcapng 或 .pcap，然后重新提交。' },
  'fb.unreadableReason': { en: 'the file could not be read as a capture ({reason})', zh: '文件无法作为抓包读取（{reason}）' },
  'fb.damagedReason': { en: 'the capture file is damaged or cut short ({reason})', zh: '抓包文件已损坏或不完整（{reason}）' },
  'fb.missingReason': { en: 'no capture file was found in your folder', zh: '你的文件夹中没有抓包文件' },

  // Answers: fields and reasons.
  'why.frame': { en: 'frame {frame}', zh: '第 {frame} 帧' },
  'why.closerFrame': { en: 'first FIN at frame {frame}', zh: '第一个 FIN 在第 {frame} 帧' },
  'why.wave': { en: 'after wave {n} at frame {frame}', zh: '第{nth}次挥手（第 {frame} 帧）之后' },
  'why.tw': { en: '2MSL with --os {os}, MSL {msl} s', zh: '--os {os}，MSL {msl} s 时的 2MSL' },
  'why.twObserved': { en: 'from entry at frame {frame} to {evidence}', zh: '从第 {frame} 帧进入到{evidence}' },
  'why.notInCapture': { en: 'not in the capture', zh: '抓包中没有' },
  'why.stream': { en: 'stream {stream}', zh: '流 {stream}' },
};

const NTH_ZH = ['', '一', '二', '三', '四'];

/** The message `key` in `lang` with `{name}` placeholders filled in (missing keys show as the key). */
export function gt(lang: Lang, key: string, params: Record<string, string | number> = {}): string {
  const e = M[key];
  const s = e ? e[lang] : key;
  return fill(lang, s, params);
}

const SIDE_PARAMS = new Set(['who', 'by', 'side', 'active', 'passive', 'closer']);
const DURATION_PARAMS = new Set(['observed', 'required', 'gap']);

/** Localize one parameter value by its name. */
function localParam(lang: Lang, name: string, v: string | number): string | number {
  if (SIDE_PARAMS.has(name) && typeof v === 'string' && (v === 'client' || v === 'server' || v === 'both')) return sideLabel(lang, v);
  if (name === 'hs' && typeof v === 'string') return handshakeLabel(lang, v as HandshakeKind);
  if (name === 'kind' && typeof v === 'string') return closeLabel(lang, v as CloseKind);
  if (name === 'verdict' && typeof v === 'string') return verdictLabel(lang, v as TimeWaitVerdict);
  if (name === 'evidence' && typeof v === 'string') return evidenceLabel(lang, v as TimeWaitEvidence);
  // Several causes the wire cannot tell apart come joined by '|' (ResetReport.candidates).
  if (name === 'cause' && typeof v === 'string') return v.split('|').map((x) => causeLabel(lang, x as ResetCause)).join(t(lang, 'cause.or'));
  if (name === 'role' && typeof v === 'string') return gt(lang, `role.${v}`);
  if ((name === 'from' || name === 'to') && v === '') return gt(lang, 'window.open');
  if (DURATION_PARAMS.has(name) && typeof v === 'number') return duration(v);
  return v;
}

/** A fact as a sentence in `lang`. */
export function factText(lang: Lang, f: Fact): string {
  const p: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(f.params)) p[k] = localParam(lang, k, v);
  if (f.key === 'why.wave') p.nth = NTH_ZH[Number(f.params.n)] ?? String(f.params.n);
  return gt(lang, f.key, p);
}

/** Every message (tests check both languages are present). */
export function allGradeMessages(): Readonly<Record<string, Entry>> {
  return M;
}
