/**
 * The tracker reuses the objects of connections it packed, or emitted when
 * nothing keeps them (Connection.renew, Endpoint.reset): a renewed
 * connection must be exactly what a new one is, every field of it and of
 * its endpoints, whatever it held before, and no report may change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pipeline } from '../../src/analyze/analyze.ts';
import { readFrames } from '../../src/capture/source.ts';
import { Segment } from '../../src/decode/segment.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { Connection } from '../../src/tcp/connection.ts';
import { connectionState } from './helpers.ts';
import { fixtureAndCorpusFiles as files, withGenerated } from '../helpers/captures.ts';
import { track } from './track.ts';

/** A first segment: IPv6 so every address word is set. */
function first(frame: number, port: number): Segment {
  const s = new Segment();
  s.frame = frame; s.tsSec = 1_700_000_000 + frame; s.tsNsec = 123_456_789; s.tsDigits = 9; s.ipVersion = 6;
  s.src.set([0x20010db8, 1, 2, 3]); s.dst.set([0x20010db8, 4, 5, 6]);
  s.srcPort = port; s.dstPort = 443;
  s.seq = 1000; s.flags = 0x02;
  return s;
}

/** Every own field of `o` (and of the objects and arrays it holds, but not what `skip` holds) set to another value. */
function scramble(o: Record<string, unknown>, seen = new Set<object>()): number {
  if (seen.has(o)) return 0;
  seen.add(o);
  let n = 0;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === 'number') o[k] = v + 77;
    else if (typeof v === 'boolean') o[k] = !v;
    else if (typeof v === 'string') o[k] = v + 'x';
    else if (v === null) o[k] = { junk: k };
    else if (Array.isArray(v)) v.push({ junk: k });
    else if (v instanceof Uint32Array) continue;
    else if (typeof v === 'object') {
      n += scramble(v as Record<string, unknown>, seen);
      continue;
    }
    n++;
  }
  return n;
}

describe('Connection.renew', () => {
  it('makes any connection, every field scrambled, equal to a new one', () => {
    const used = new Connection(5, first(10, 40000), 99);
    const fresh = new Connection(7, first(20, 40001), 1234);
    const changed = scramble(used as unknown as Record<string, unknown>);
    // Every field of the connection and its two endpoints was changed (the peer links lead back to them).
    assert.ok(changed > 100, `scrambled ${changed}`);
    assert.notDeepStrictEqual(connectionState(used), connectionState(fresh));
    used.renew(7, first(20, 40001), 1234);
    // Equal but for the spare records the endpoints keep for reuse.
    assert.deepStrictEqual(connectionState(used), connectionState(fresh));
    assert.equal(used.ep0.peer, used.ep1);
    assert.equal(used.ep1.peer, used.ep0);
  });

  it('makes every connection of a generated capture, the fixtures and the corpus, as it ended, equal to a new one', async () => {
    await withGenerated({ segments: 5000, seed: 13 }, async (gen) => {
      let n = 0;
      for (const file of [gen, ...files]) {
        const done: Connection[] = [];
        await track(file, undefined, (c) => done.push(c));
        for (const c of done) {
          const s = first(c.stream + 1, 1024 + (c.stream % 60000));
          const fresh = new Connection(c.stream + 1, s, c.hash + 1);
          assert.notDeepStrictEqual(connectionState(c), connectionState(fresh));
          assert.deepStrictEqual(connectionState(c.renew(c.stream + 1, s, c.hash + 1)), connectionState(fresh), `${file} stream ${c.stream}`);
          n++;
        }
      }
      assert.ok(n > 100);
    });
  });
});

describe('Tracker reuseDone', () => {
  it('reuses the objects of the connections it emits, and only with the option', async () => {
    const seen = new Map<boolean, Set<Connection>>();
    const counts = new Map<boolean, number>();
    await withGenerated({ segments: 3000, seed: 3, concurrency: 4 }, async (file) => {
      for (const reuseDone of [false, true]) {
        const objects = new Set<Connection>();
        let n = 0;
        // lingerSeconds 0: each connection is emitted as soon as it is over, before the next one starts.
        await track(file, undefined, (c) => { objects.add(c); n++; }, { lingerSeconds: 0, reuseDone });
        seen.set(reuseDone, objects);
        counts.set(reuseDone, n);
      }
    });
    assert.ok((counts.get(false) ?? 0) > 50);
    assert.equal(counts.get(false), counts.get(true));
    assert.equal(seen.get(false)?.size, counts.get(false));
    assert.ok((seen.get(true)?.size ?? 0) < (counts.get(true) ?? 0), 'with reuseDone some objects were handed out twice');
  });
});

describe('Pipeline with reused connection objects', () => {
  it('reports kept to the end are those of a pipeline that reuses nothing (fixtures, corpus, a generated capture)', async () => {
    await withGenerated({ segments: 40_000, seed: 7, concurrency: 40 }, async (gen) => {
      // A short MSL: connections are let go of (and their objects reused) as the capture goes.
      const settings = makeSettings({ msl: 0.05 });
      // Objects reused with reuseDone, beyond those reused without it.
      let renewed = 0;
      for (const file of [gen, ...files]) {
        const texts: string[] = [];
        for (const reuse of [false, true]) {
          // With onDone the pipeline cannot know the connections are not kept: it reuses no emitted one.
          const p = new Pipeline(settings, undefined, reuse ? {} : { onDone: () => undefined });
          const summary = await readFrames(file, p.onFrame);
          const report = p.finish(file, summary);
          // Packed connections' objects are reused either way; emitted ones only without onDone.
          renewed += reuse ? p.tracker.renewed : -p.tracker.renewed;
          // Serialised only now, after every object was reused as often as it was going to be.
          texts.push(JSON.stringify(report));
        }
        assert.equal(texts[1], texts[0], file);
      }
      assert.ok(renewed > 500, `renewed ${renewed}`);
    });
  });
});
