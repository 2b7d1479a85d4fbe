/**
 * One plural-aware wording in English and Chinese: counts read `1 frame`,
 * `2 frames`, never `1 frames` or `frame(s)`; Chinese takes its measure
 * word (`2 帧`, `1 条连接`). Every message has both languages and no `(s)`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allMessages, count, framesLabel, t } from '../../src/render/i18n.ts';
import { gt } from '../../src/grade/i18n.ts';
import { tcpscope } from '../helpers/cli.ts';
import { join } from 'node:path';
import { capturesDir } from '../helpers/paths.ts';

describe('counts', () => {
  it('English: singular for one, plural for zero and many', () => {
    assert.equal(count('en', 1, 'frame'), '1 frame');
    assert.equal(count('en', 0, 'frame'), '0 frames');
    assert.equal(count('en', 2, 'connection'), '2 connections');
    assert.equal(count('en', 1, 'warning'), '1 warning');
    assert.equal(count('en', 1, 'ackOnly'), '1 ACK-only segment');
  });
  it('Chinese: the number and its measure word', () => {
    assert.equal(count('zh', 1, 'frame'), '1 帧');
    assert.equal(count('zh', 2, 'connection'), '2 条连接');
    assert.equal(count('zh', 3, 'warning'), '3 条警告');
  });
  it('{n|noun} in a message', () => {
    assert.equal(t('en', 'sum.warnings', { n: 1 }), '1 warning (see stderr)');
    assert.equal(t('en', 'sum.warnings', { n: 2 }), '2 warnings (see stderr)');
    assert.equal(t('zh', 'sum.warnings', { n: 1 }), '1 条警告（见 stderr）');
    assert.equal(t('en', 'sum.finRetx', { n: 1, conns: 1 }), 'retransmitted FINs: 1 in 1 connection');
    assert.equal(t('en', 'sum.capture', { file: 'a.pcap', format: 'pcap', frames: 1, segments: 1, n: 1 }), 'a.pcap: pcap, 1 frame, 1 TCP segment, 1 connection');
    assert.equal(t('zh', 'sum.capture', { file: 'a.pcap', format: 'pcap', frames: 1, segments: 2, n: 3 }), 'a.pcap：pcap，1 帧，2 个 TCP 报文段，3 条连接');
    assert.equal(gt('en', 'gb.title', { rubric: 'R', n: 1, files: 1 }), 'Gradebook: R (1 student, 1 file)');
    assert.equal(gt('en', 'gb.title', { rubric: 'R', n: 2, files: 3 }), 'Gradebook: R (2 students, 3 files)');
  });
  it('lists of frames', () => {
    assert.equal(framesLabel('en', [18]), 'frame 18');
    assert.equal(framesLabel('en', [18, 21]), 'frames 18, 21');
    assert.equal(framesLabel('zh', [18, 21]), '第 18、21 帧');
  });
  it('no message writes "(s)" and every one has both languages', () => {
    for (const [key, e] of Object.entries(allMessages())) {
      assert.ok(!/\w\(s\)/.test(e.en), `${key}: ${e.en}`);
      assert.ok(e.en !== '' && e.zh !== '', key);
    }
  });
});

describe('as the commands print them', () => {
  it('a capture of one connection: "1 connection"; no "0 ACK only" in a fold', async () => {
    const file = join(capturesDir, 'four-way-close.pcap');
    const r = await tcpscope(['analyze', file]);
    assert.match(r.stdout, /, 1 connection\n/);
    assert.match(r.stdout, /retransmitted FINs: 0 in 0 connections/);
    const tl = await tcpscope(['timeline', join(capturesDir, 'timewait-reuse.pcap')]);
    assert.doesNotMatch(tl.stdout, / 0 ACK/);
    assert.match(tl.stdout, /client->server 1 data segment \(100 B\), 1 ACK-only segment/);
    const zh = await tcpscope(['analyze', '--lang', 'zh', file]);
    assert.match(zh.stdout, /，1 条连接\n/);
  });
  it('the key says a deduced state in words and names one frame as one', async () => {
    const r = await tcpscope(['key', '--stream', '1', join(capturesDir, 'timewait-reuse.pcap')]);
    assert.match(r.stdout, /LISTEN \(\d+, deduced\)/);
    assert.match(r.stdout, /client: 0 retransmissions \(its FIN: frame \d+\)/);
    const zh = await tcpscope(['key', '--stream', '1', '--lang', 'zh', join(capturesDir, 'timewait-reuse.pcap')]);
    assert.match(zh.stdout, /LISTEN \(\d+，推断\)/);
  });
});
