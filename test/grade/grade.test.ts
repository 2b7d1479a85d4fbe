/**
 * `tcpscope grade` on a fake class built from the kernel fixtures (class.ts):
 * the whole gradebook, the feedback texts in English and Chinese, copies,
 * answers, workers against inline grading, folder mode. Frame numbers and
 * sequence numbers are read from the fixtures' frames.tsv, never hard-coded:
 * the captures are regenerated with new ISNs.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAnswers } from '../../src/grade/answers.ts';
import { type Gradebook, gradeBatch } from '../../src/grade/batch.ts';
import { feedbackFiles, feedbackText } from '../../src/grade/feedback.ts';
import { renderGradebookCsv, renderGradebookMarkdown, renderGradebookTable } from '../../src/grade/gradebook.ts';
import { loadRubric } from '../../src/grade/rubric.ts';
import { ACK, buildClass, FIN, fixture, frames, RST, SYN, type TsvFrame } from './class.ts';

let dir = '';
let classDir = '';
let gb: Gradebook;

const CLIENT = '192.0.2.1';

function fourWay(scenario: string): { syn: number; synack: number; ack: number; f1: number; f2: number; f3: number; f4: number; x: number; u: number; w: number; uAck: number; wAck: number } {
  const fr = frames(scenario);
  const find = (p: (f: TsvFrame) => boolean): TsvFrame => {
    const f = fr.find(p);
    assert.ok(f, `${scenario}: frame not found`);
    return f;
  };
  const syn = find((f) => f.flags === SYN);
  const synack = find((f) => f.flags === (SYN | ACK));
  const ack = find((f) => f.frame > synack.frame && f.src === CLIENT && (f.flags & ACK) !== 0);
  const cfin = find((f) => f.src === CLIENT && (f.flags & FIN) !== 0);
  const sfin = find((f) => f.src !== CLIENT && (f.flags & FIN) !== 0);
  const ackU = find((f) => f.src !== CLIENT && f.ack === cfin.seq + 1);
  const ackW = find((f) => f.src === CLIENT && f.ack === sfin.seq + 1);
  return {
    syn: syn.frame, synack: synack.frame, ack: ack.frame, f1: cfin.frame, f2: ackU.frame, f3: sfin.frame, f4: ackW.frame,
    x: syn.seq, u: cfin.seq, w: sfin.seq, uAck: cfin.seq + 1, wAck: sfin.seq + 1,
  };
}

function answersCsv(): string {
  const k = fourWay('four-way-close');
  return [
    'student,active_closer,passive_closer,x,u,wave1_active,wave1_passive,wave2_active,wave3_active,wave4_passive,time_wait_seconds',
    `s01,${CLIENT},client,${k.x},${k.u + 1},FIN_WAIT_1,CLOSE-WAIT,FIN_WAIT_2,TIME_WAIT,CLOSED,60 s`,
    's03,client,,,,,,,,,240',
    's99,client,,,,,,,,,',
  ].join('\n');
}

before(async () => {
  ({ dir, classDir } = buildClass());
  const answers = parseAnswers(answersCsv(), 'answers.csv');
  gb = await gradeBatch([classDir], await loadRubric('lifecycle-lab'), { per: 'file', idPattern: null, answers, jobs: 4 });
});

after(() => rmSync(dir, { recursive: true, force: true }));

const strip = (s: string): string => s.replaceAll(classDir, '<class>');

describe('grade: a fake class with lifecycle-lab', () => {
  it('gives the full gradebook in a stable order', () => {
    const csv = strip(renderGradebookCsv(gb)).split('\r\n');
    const fd = (f: string): string => `frame ${f}`;
    const truncated = gb.students.find((s) => s.student === 's06')?.reason ?? '';
    assert.match(truncated, /^frame \d+ at offset \d+: file ends inside the record \(\d+ of \d+ bytes present\)$/);
    assert.deepEqual(csv, [
      'student,file,score,max,status,stream,handshake,close,acks,active-closer-states,passive-closer-states,time-wait,no-reset,answers_right,answers_total,answer_active_closer,answer_passive_closer,answer_x,answer_u,answer_wave1_active,answer_wave1_passive,answer_wave2_active,answer_wave3_active,answer_wave4_passive,answer_time_wait_seconds,same_capture_as,same_isns_as,reason',
      's01,<class>/s01.pcap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,8,10,right,wrong,right,wrong,right,right,right,right,right,right,s06 s14,,',
      's02,<class>/s02.pcapng,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,,s13,',
      's03,<class>/s03.pcap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,0,2,wrong,,,,,,,,,wrong,,,',
      // RST only: the handshake is there, nothing else.
      's04,<class>/s04.pcap,2,10,graded,0,pass,fail,fail,fail,fail,fail,fail,,,,,,,,,,,,,,,',
      // No handshake (first three records dropped): everything else holds.
      's05,<class>/s05.pcap,8,10,graded,0,fail,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,,,',
      `s06,<class>/s06.pcap,0,10,damaged,,,,,,,,,,,,,,,,,,,,,s01 s14,,${truncated}`,
      's07,<class>/s07.pcap,0,10,unreadable,,,,,,,,,,,,,,,,,,,,,,,not a pcap or pcapng file (starts with 0x57697265)',
      's08,<class>/s08.pcap.gz,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,,,',
      's09,<class>/s09.pcap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,s10,,',
      's10,<class>/s10.pcap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,s09,,',
      's11,<class>/s11.pcap,0,10,unreadable,,,,,,,,,,,,,,,,,,,,,,,empty file (0 bytes)',
      's12,<class>/s12.pcap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,,,',
      's13,<class>/s13.cap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,,s02,',
      's14,<class>/s14.pcap.gz,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,,,,,,,,,,,s01 s06,,',
      '',
    ]);
    void fd;
    assert.deepEqual(gb.answersWithoutSubmission, ['s99']);
    assert.equal(gb.files, 14);
  });

  it('flags identical files, the same connections and the same ISNs, with who matches whom', () => {
    const four = fourWay('four-way-close');
    const c = gb.copies.map((g) => ({ ...g, files: g.files.map(strip) }));
    assert.equal(c.length, 3);
    assert.deepEqual(c[0], { kind: 'identical', students: ['s09', 's10'], files: ['<class>/s09.pcap', '<class>/s10.pcap'], detail: c[0].detail });
    assert.match(c[0].detail, /^sha256 [0-9a-f]{16}…$/);
    assert.equal(c[1].kind, 'same-connections');
    assert.deepEqual(c[1].students, ['s01', 's06', 's14']);
    assert.match(c[1].detail, new RegExp(`^x=${four.x} y=\\d+ t=\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`));
    // The pcap and the pcapng of client-close were captured by two tools: same ISNs, other timestamps.
    assert.equal(c[2].kind, 'same-isns');
    assert.deepEqual(c[2].students, ['s02', 's13']);
  });

  it('writes feedback that explains each criterion with frames from the capture (en)', () => {
    const k = fourWay('four-way-close');
    const s01 = gb.students.find((s) => s.student === 's01');
    assert.ok(s01);
    assert.equal(strip(feedbackText(gb, s01, 'en')), `Feedback for s01: TCP connection lifecycle: handshake, four-way close, TIME_WAIT
Score: 10 / 10

Graded file: <class>/s01.pcap (pcap, ${frames('four-way-close').length} frames, 1 TCP connections)
Graded connection: stream 0, 192.0.2.1:40000 → 192.0.2.2:5000 (Wireshark: tcp.stream eq 0)

Criteria
  [ok] The capture holds a TCP connection from its three-way handshake (SYN, SYN+ACK, ACK). (2/2)
    Seen: three-way handshake: SYN at frame ${k.syn}, SYN+ACK at frame ${k.synack}, ACK at frame ${k.ack}
  [ok] That connection closes with FINs from both sides: four waves (or three, when the 2nd and 3rd travel in one FIN+ACK). (2/2)
    Seen: four-way close: 1st wave FIN from the client at frame ${k.f1}, 2nd wave ACK at frame ${k.f2}, 3rd wave FIN from the server at frame ${k.f3}, 4th wave ACK at frame ${k.f4}
  [ok] Both FINs are acknowledged in the capture: ack=u+1 from the passive closer and ack=w+1 from the active closer. (1/1)
    Seen: frame ${k.f2} acknowledges ${k.uAck} = u+1
      frame ${k.f4} acknowledges ${k.wAck} = w+1
  [ok] The active closer goes ESTABLISHED → FIN_WAIT_1 → TIME_WAIT (through FIN_WAIT_2 in a four-way close). (2/2)
    Seen: the client (active closer) went CLOSED → SYN_SENT (${k.syn}) → ESTABLISHED (${k.synack}) → FIN_WAIT_1 (${k.f1}) → FIN_WAIT_2 (${k.f2}) → TIME_WAIT (${k.f3})
  [ok] The passive closer goes ESTABLISHED → CLOSE_WAIT → LAST_ACK → CLOSED. (1/1)
    Seen: the server (passive closer) went CLOSED → LISTEN (${k.synack}*) → SYN_RCVD (${k.synack}) → ESTABLISHED (${k.ack}) → CLOSE_WAIT (${k.f1}) → LAST_ACK (${k.f3}) → CLOSED (${k.f4})
  [ok] TIME_WAIT (the 2MSL waiting timer) is entered by the active closer. (1/1)
    Seen: the client entered TIME_WAIT at frame ${k.f3} (the active closer is the client)
  [ok] The connection ends without RST. (1/1)
    Seen: no RST

Your answers: 8 of 10 right
  [right] active_closer: 192.0.2.1
  [wrong] passive_closer: you wrote client; the capture shows server 192.0.2.2:5000 (first FIN at frame ${k.f1})
  [right] x: ${k.x}
  [wrong] u: you wrote ${k.u + 1}; the capture shows ${k.u} (relative ${k.u - k.x}) (frame ${k.f1})
  [right] wave1_active: FIN_WAIT_1
  [right] wave1_passive: CLOSE-WAIT
  [right] wave2_active: FIN_WAIT_2
  [right] wave3_active: TIME_WAIT
  [right] wave4_passive: CLOSED
  [right] time_wait_seconds: 60 s
`);
  });

  it('writes feedback for a lost point with the evidence (en and zh)', () => {
    const fr = frames('rst-abort');
    const syn = fr.find((f) => f.flags === SYN)?.frame;
    const rst = fr.find((f) => (f.flags & RST) !== 0);
    assert.ok(rst);
    const s04 = gb.students.find((s) => s.student === 's04');
    assert.ok(s04);
    const en = feedbackText(gb, s04, 'en');
    assert.ok(en.includes(`  [lost 2] That connection closes with FINs from both sides: four waves (or three, when the 2nd and 3rd travel in one FIN+ACK). (0/2)
    In your capture: the connection was reset: RST from the client at frame ${rst.frame}, in ESTABLISHED (unread data or abort)
`), en);
    assert.ok(en.includes(`  [lost 2] The active closer goes ESTABLISHED → FIN_WAIT_1 → TIME_WAIT (through FIN_WAIT_2 in a four-way close). (0/2)
    In your capture: there is no active closer
      the connection was reset: RST from the client at frame ${rst.frame}, in ESTABLISHED (unread data or abort)
`), en);
    assert.ok(en.includes(`    In your capture: nobody entered TIME_WAIT: at the end (frame ${fr.length}) the client is in CLOSED and the server in CLOSED\n`), en);
    assert.ok(en.includes(`    Seen: three-way handshake: SYN at frame ${syn}`), en);
    const zh = feedbackText(gb, s04, 'zh');
    assert.ok(zh.startsWith('s04 的评语：TCP 连接的生命周期：三次握手、四次挥手、TIME_WAIT\n得分：2 / 10\n'), zh);
    assert.ok(zh.includes(`  [扣 2 分] 该连接由双方的 FIN 正常关闭：四次挥手（第二次和第三次挥手合并为一个 FIN+ACK 时为三次）。（0/2）
    你的抓包中：连接被复位：客户端在 ESTABLISHED 状态下于第 ${rst.frame} 帧发送 RST（有未读数据或异常终止（abort））
`), zh);
    assert.ok(zh.includes(`    你的抓包中：没有主动关闭方\n`), zh);
    assert.ok(zh.includes(`  [扣 1 分] TIME_WAIT（2MSL 等待计时器）由主动关闭方进入。（0/1）
    你的抓包中：没有一方进入 TIME_WAIT：结束时（第 ${fr.length} 帧）客户端处于 CLOSED，服务器处于 CLOSED
`), zh);
  });

  it('explains a missing handshake', () => {
    const s05 = gb.students.find((s) => s.student === 's05');
    assert.ok(s05);
    assert.ok(feedbackText(gb, s05, 'en').includes('  [lost 2] The capture holds a TCP connection from its three-way handshake (SYN, SYN+ACK, ACK). (0/2)\n    In your capture: no SYN: the capture starts in the middle of the connection, at frame 1\n'));
    assert.ok(feedbackText(gb, s05, 'zh').includes('    你的抓包中：没有 SYN：抓包从连接中途（第 1 帧）开始\n'));
  });

  it('writes feedback for unreadable and damaged files (en and zh)', () => {
    const s07 = gb.students.find((s) => s.student === 's07');
    const s06 = gb.students.find((s) => s.student === 's06');
    const s11 = gb.students.find((s) => s.student === 's11');
    assert.ok(s07 && s06 && s11);
    assert.equal(feedbackText(gb, s07, 'en'), `Feedback for s07: TCP connection lifecycle: handshake, four-way close, TIME_WAIT
Score: 0 / 10

Your submission scored 0 because the file could not be read as a capture (not a pcap or pcapng file (starts with 0x57697265)). Check that you saved the capture from Wireshark as .pcapng or .pcap (File > Save As), and submit it again.

No answers were found for you in the answers file.
`);
    assert.equal(feedbackText(gb, s07, 'zh'), `s07 的评语：TCP 连接的生命周期：三次握手、四次挥手、TIME_WAIT
得分：0 / 10

你的提交得 0 分，因为文件无法作为抓包读取（not a pcap or pcapng file (starts with 0x57697265)）。请确认在 Wireshark 中用“文件 > 另存为”保存为 .pcapng 或 .pcap，然后重新提交。

答案文件中没有找到你的答案。
`);
    assert.ok(feedbackText(gb, s06, 'en').includes(`Your submission scored 0 because the capture file is damaged or cut short (${s06.reason}).`));
    assert.ok(feedbackText(gb, s11, 'zh').includes('你的提交得 0 分，因为文件无法作为抓包读取（empty file (0 bytes)）。'));
  });

  it('checks answers against the student\'s own capture', () => {
    const s03 = gb.students.find((s) => s.student === 's03');
    assert.ok(s03?.answers);
    assert.deepEqual(s03.answers.map((a) => [a.field, a.given, a.correct, a.right]), [
      ['active_closer', 'client', 'server 192.0.2.2:5000', false],
      ['time_wait_seconds', '240', '60 s', false],
    ]);
    const zh = feedbackText(gb, s03, 'zh');
    assert.ok(zh.includes('  [✗] time_wait_seconds：你的答案是 240；抓包显示为 60 s（--os linux，MSL 30 s 时的 2MSL）\n'), zh);
  });

  it('renders table and markdown in both languages', () => {
    const md = strip(renderGradebookMarkdown(gb, { lang: 'en' }));
    // The rubric's title is escaped too: `_` is Markdown's.
    assert.ok(md.startsWith('## Gradebook: TCP connection lifecycle: handshake, four-way close, TIME\\_WAIT (14 students, 14 files)\n'), md);
    assert.ok(md.includes('| s04 | <class>/s04.pcap | 2/10 | ✓ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | - | - |  |'), md);
    assert.ok(md.includes('- s09, s10: identical files (<class>/s09.pcap, <class>/s10.pcap)'), md);
    const zh = strip(renderGradebookTable(gb, { lang: 'zh', color: false }));
    assert.ok(zh.startsWith('成绩册：TCP 连接的生命周期：三次握手、四次挥手、TIME_WAIT（14 名学生，14 个文件）\n'), zh);
    assert.ok(zh.includes('无法作为抓包文件读取：empty file (0 bytes)'), zh);
    assert.ok(zh.includes('平均 '), zh);
  });

  it('makes one feedback file per student, named after the id', () => {
    const files = feedbackFiles(gb, 'en');
    assert.equal(files.length, 14);
    assert.deepEqual(files[3], { student: 's04', name: 's04.txt', text: feedbackText(gb, gb.students[3], 'en') });
  });
});

describe('grade: batch mechanics', () => {
  it('gives the same gradebook with worker threads and inline', async () => {
    const rubric = await loadRubric('lifecycle-lab');
    const inline = await gradeBatch([classDir], rubric, { per: 'file', idPattern: null, jobs: 1 });
    const workers = await gradeBatch([classDir], rubric, { per: 'file', idPattern: null, jobs: 3 });
    assert.deepEqual(workers, inline);
    assert.deepEqual(inline.students.map((s) => s.student), ['s01', 's02', 's03', 's04', 's05', 's06', 's07', 's08', 's09', 's10', 's11', 's12', 's13', 's14']);
  });

  it('grades one student per sub-folder, keeping the best file, with ids from a pattern', async () => {
    const root = join(dir, 'folders');
    for (const d of ['lab3_2024010', 'lab3_2024002', 'lab3_2024003', '__MACOSX']) mkdirSync(join(root, d, 'sub'), { recursive: true });
    copyFileSync(fixture('rst-abort'), join(root, 'lab3_2024010', 'first-try.pcap'));
    copyFileSync(fixture('four-way-close'), join(root, 'lab3_2024010', 'sub', 'final.pcap'));
    copyFileSync(fixture('server-close'), join(root, 'lab3_2024002', 'capture.pcapng'));
    writeFileSync(join(root, 'lab3_2024002', 'README.txt'), 'my answers');
    writeFileSync(join(root, '__MACOSX', '._capture.pcap'), 'resource fork');
    const g = await gradeBatch([root], await loadRubric('lifecycle-lab'), { per: 'folder', idPattern: /_(\d+)$/ });
    const rows = g.students.map((s) => [s.student, s.status, s.score, s.file?.slice(root.length + 1) ?? null, s.otherFiles.map((f) => [f.file.slice(root.length + 1), f.score])]);
    assert.deepEqual(rows, [
      ['2024002', 'graded', 10, 'lab3_2024002/capture.pcapng', []],
      ['2024003', 'missing', 0, null, []],
      ['2024010', 'graded', 10, 'lab3_2024010/sub/final.pcap', [['lab3_2024010/first-try.pcap', 2]]],
    ]);
    const missing = g.students[1];
    assert.ok(feedbackText(g, missing, 'en').includes('Your submission scored 0 because no capture file was found in your folder.'));
  });

  it('grades damaged captures on what can be read with damaged: grade', async () => {
    const rubric = await loadRubric('lifecycle-lab');
    rubric.damaged = 'grade';
    const g = await gradeBatch([join(classDir, 's06.pcap')], rubric, { per: 'file', idPattern: null, jobs: 1 });
    const s = g.students[0];
    assert.equal(s.status, 'graded');
    assert.ok(s.damage.length === 1 && s.score < 10, JSON.stringify(s));
    assert.ok(feedbackText(g, s, 'en').includes(`warning: the capture is damaged or truncated (${s.damage[0]}); graded on what could be read`));
  });

  it('grades timewait-lab: reuse of the 4-tuple and how TIME_WAIT ended', async () => {
    const rubric = await loadRubric('timewait-lab');
    const g = await gradeBatch([fixture('timewait-reuse'), fixture('four-way-close')], rubric, { per: 'file', idPattern: null, jobs: 1 });
    const [fw, tr] = g.students;
    assert.equal(tr.student, 'timewait-reuse');
    assert.deepEqual(tr.criteria.map((c) => [c.id, c.pass, c.stream]), [['handshake', true, 0], ['close', true, 0], ['time-wait', true, 0], ['time-wait-end', true, 0], ['reuse', true, 1]]);
    assert.equal(tr.score, 10);
    assert.deepEqual(fw.criteria.map((c) => [c.id, c.pass]), [['handshake', true], ['close', true], ['time-wait', true], ['time-wait-end', false], ['reuse', false]]);
    const en = feedbackText(g, fw, 'en');
    assert.match(en, /In your capture: TIME_WAIT of the client: inconclusive: the capture ended first after [\d.]+ [µm]?s \(2MSL = 60 s\)\n/);
    assert.ok(en.includes('In your capture: no connection reused the 4-tuple of an earlier one still held\n'), en);
  });
});
