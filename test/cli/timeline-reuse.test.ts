/**
 * The timeline's end of capture is the capture's, said once; a connection
 * that reuses a 4-tuple names the earlier stream whose TIME_WAIT it met and
 * how long after that stream's last segment and after its entry into
 * TIME_WAIT, in English and Chinese.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir } from '../helpers/paths.ts';

const REUSE = join(capturesDir, 'timewait-reuse.pcap');

describe('timeline of a reused 4-tuple', () => {
  it('says the end of the capture once, after every diagram', async () => {
    const r = await tcpscope(['timeline', REUSE]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/end of capture/g)?.length, 1);
    assert.match(r.stdout, /\nend of capture after frame 20: the final states above are those at that point\n$/);
    assert.equal(r.stdout.match(/last segment at \+[\d.]+ s \(frame \d+\); final states/g)?.length, 2);
  });
  it("names the stream whose TIME_WAIT it met and both gaps", async () => {
    const r = await tcpscope(['timeline', '--stream', '1', REUSE]);
    assert.match(r.stdout, /\* reuses the 4-tuple of stream 0, whose server was in TIME_WAIT: [\d.]+ ms after stream 0's last segment \(frame 10\), [\d.]+ ms after the server entered TIME_WAIT \(frame 9\): cut short \(2MSL = 240 s\)/);
    const first = await tcpscope(['timeline', '--stream', '0', REUSE]);
    assert.doesNotMatch(first.stdout, /\* reuses the 4-tuple of stream/);
  });
  it('in Chinese', async () => {
    const r = await tcpscope(['timeline', '--stream', '1', '--lang', 'zh', REUSE]);
    assert.match(r.stdout, /复用了流 0 的四元组，当时其服务器处于 TIME_WAIT（等待计时器）：距流 0 的最后一个报文段（第 10 帧）[\d.]+ ms，距服务器进入 TIME_WAIT（第 9 帧）[\d.]+ ms：提前结束/);
    assert.match(r.stdout, /抓包在第 20 帧之后结束/);
  });
  it('the same when only the later stream is shown and the earlier one is filtered out', async () => {
    const r = await tcpscope(['timeline', '--filter', 'stream 1', REUSE]);
    assert.match(r.stdout, /reuses the 4-tuple of stream 0, whose server was in TIME_WAIT/);
  });
});
