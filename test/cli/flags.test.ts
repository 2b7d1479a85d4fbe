/**
 * One meaning per flag across commands: -f is the output format everywhere;
 * live takes its capture filter as tcpdump does (the words after the
 * options) or as --filter, never both.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureFilter } from '../../src/cli/live-action.ts';
import { tcpscope } from '../helpers/cli.ts';

describe('-f is the output format in every command', () => {
  for (const cmd of ['analyze', 'extract', 'grade', 'live', 'interfaces', 'watch-timewait']) {
    it(`${cmd} -f`, async () => {
      const r = await tcpscope([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /-f, --format <format>/);
    });
  }
  it('timeline and key take no -f (they have one output)', async () => {
    for (const cmd of ['timeline', 'key']) {
      const r = await tcpscope([cmd, '--help']);
      assert.doesNotMatch(r.stdout, /-f, /);
    }
  });
});

describe("live's capture filter", () => {
  it('the words after the options are the BPF expression, as tcpdump takes them', () => {
    assert.equal(captureFilter(['tcp', 'port', '80'], undefined), 'tcp port 80');
    assert.equal(captureFilter(['tcp port 80 and host 192.0.2.7'], undefined), 'tcp port 80 and host 192.0.2.7');
  });
  it('--filter gives it as one option', () => {
    assert.equal(captureFilter([], 'tcp port 443'), 'tcp port 443');
  });
  it('none: every packet', () => {
    assert.equal(captureFilter([], undefined), '');
  });
  it('both: a usage error', () => {
    assert.throws(() => captureFilter(['tcp'], 'port 80'), /capture filter is given twice/);
  });
  it('from the command line: both given is a usage error before any capture starts', async () => {
    const r = await tcpscope(['live', '-i', 'no-such-interface', '--filter', 'port 80', 'tcp', 'port', '80']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /capture filter is given twice: --filter 'port 80' and 'tcp port 80'/);
  });
  it('-f takes a format: a BPF word there is a usage error naming the formats', async () => {
    const r = await tcpscope(['live', '-i', 'lo', '-f', 'tcp port 80']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '-f, --format <format>' argument 'tcp port 80' is invalid.*table, ndjson, json/);
  });
  it("the help tells the capture filter from analyze's --filter", async () => {
    const live = await tcpscope(['live', '--help']);
    assert.match(live.stdout, /\[expression\.\.\.\]/);
    assert.match(live.stdout, /Not analyze's --filter/);
    const analyze = await tcpscope(['analyze', '--help']);
    assert.match(analyze.stdout, /not a BPF capture filter/);
  });
});
