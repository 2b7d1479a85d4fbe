/**
 * Live capture under load: a burst of 3,000 short connections, made as fast
 * as one Node client can, on the loopback of a private network namespace
 * (src/bench/load.ts, src/bench/live.ts; `npm run bench` measures the same
 * with drop rates beside tcpdump alone). Whatever the machine's speed: every
 * connection the load completed is reported unless libpcap reports drops,
 * and reported drops are warned about. Nothing is timed.
 *
 * Needs root, tcpdump and ip netns; in CI a missing prerequisite fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveBenchMissing, liveTrial } from '../../src/bench/live.ts';

const PREFIX = process.env.TCPSCOPE_PREFIX ?? `tcpscope-${process.pid}`;

function guard(): { skip: string | false } {
  const why = liveBenchMissing();
  if (why === null) return { skip: false };
  if (process.env.CI) throw new Error(`live load test cannot run in CI: ${why}`);
  return { skip: why };
}

describe('live capture under load', { ...guard(), concurrency: 1 }, () => {
  // NDJSON names each connection's client port; the other formats are measured by npm run bench.
  for (const tool of ['ndjson'] as const) {
    it(`a burst of 3,000 connections (${tool}): each one is reported, or drops are`, async () => {
      const t = await liveTrial({ netns: `${PREFIX}-load-${tool}`, tool, connections: 3000 });
      assert.equal(t.error, null);
      assert.equal(t.completed, 3000, 'the load completed its connections');
      assert.ok(t.received !== null && t.dropped !== null, 'libpcap counters are reported');
      const missing = tool === 'ndjson' ? (t.missing as number[]).length : t.completed - (t.reported as number);
      if (t.dropped === 0) {
        assert.equal(missing, 0, `no drop reported, yet ${missing} connection(s) missing${t.missing ? `: client ports ${t.missing.slice(0, 20).join(', ')}` : ''}`);
        assert.equal(t.reported, 3000);
        assert.ok((t.frames as number) >= 30_000, `${t.frames} frames for 3,000 connections of 10 packets`);
      } else {
        assert.ok(t.dropsWarned, `${t.dropped} drops, not warned about`);
      }
    });
  }
});
