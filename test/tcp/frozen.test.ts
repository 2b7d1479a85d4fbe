/**
 * Packed connections (src/tcp/frozen.ts) must come back exactly as they
 * were: every field of the connection and its endpoints, and so every
 * report, whether the tracker packs nothing or every over connection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { buildReport } from '../../src/report/build.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { Connection } from '../../src/tcp/connection.ts';
import { Arena } from '../../src/tcp/frozen.ts';
import { Tracker } from '../../src/tcp/tracker.ts';
import { WordReader, WordWriter } from '../../src/tcp/words.ts';
import { connectionState } from './helpers.ts';
import { fixtureAndCorpusFiles as files, withGenerated } from '../helpers/captures.ts';
import { track } from './track.ts';

/**
 * The connection's own state, without the tracker's links to other connections
 * and the last segment of each direction (lastSeg: the capture-duplicate check,
 * not packed; a duplicate follows its original within 1 ms, an idle connection is packed).
 */
function state(c: Connection): unknown {
  const { slot: _s, closedAt: _c, done: _d, lastSeg: _l, ...rest } = connectionState(c);
  return rest;
}

describe('packed connections', () => {
  it('unpack(pack(c)) equals c, field by field, for every connection of a generated capture, the fixtures and the corpus', async () => {
    await withGenerated({ segments: 5000, seed: 13 }, async (gen) => {
      let n = 0;
      for (const file of [gen, ...files]) {
        await track(file, undefined, (c) => {
          const w = new WordWriter();
          c.done = false;
          c.pack(w);
          c.done = true;
          // Values past 32 bits (64-bit pcapng timestamps here) keep a connection unpacked.
          if (!w.ok) return;
          const back = Connection.unpack(new WordReader().at(w.buf, 0), c.stream, c.hash);
          back.done = true;
          assert.deepStrictEqual(state(back), state(c), `${file} stream ${c.stream}`);
          n++;
        });
      }
      assert.ok(n > 100);
    });
  });

  it('reports are the same when every over connection is packed as soon as possible', async () => {
    await withGenerated({ segments: 5000, seed: 13 }, async (gen) => {
      const settings = makeSettings({ msl: 30 });
      let renewed = 0;
      for (const file of [gen, ...files]) {
        const plain: string[] = [];
        const packed: string[] = [];
        await track(file, undefined, (c) => plain.push(JSON.stringify(buildReport(c, settings))));
        // reuseDone: the objects of emitted connections are reused too (the reports hold none of them).
        const t = await track(file, 0, (c) => packed.push(JSON.stringify(buildReport(c, settings))), { reuseDone: true });
        assert.deepStrictEqual(packed, plain, file);
        assert.equal(t.packed, 0);
        renewed += t.renewed;
      }
      // The objects of packed connections were reused (Connection.renew) for new and unpacked ones.
      assert.ok(renewed > 100, `renewed ${renewed}`);
    });
  });

  it('reports are the same when every open connection is packed as soon as another one moves', async () => {
    // idleSeconds 0: every connection but the one a segment is for is
    // packed after every segment, so each is unpacked and packed again
    // mid-handshake, mid-data and mid-close.
    await withGenerated({ segments: 20_000, seed: 11, concurrency: 50 }, async (gen) => {
      const settings = makeSettings({ msl: 30 });
      let idlePacked = 0;
      let renewed = 0;
      for (const file of [gen, ...files]) {
        const plain: string[] = [];
        const packed: string[] = [];
        await track(file, undefined, (c) => plain.push(JSON.stringify(buildReport(c, settings))));
        const t = await track(file, 0, (c) => packed.push(JSON.stringify(buildReport(c, settings))), {
          idleUnpackedLimit: 0, idleSeconds: 0, arenaBlockWords: 2048, reuseDone: true,
        });
        assert.deepStrictEqual(packed, plain, file);
        assert.equal(t.packed, 0);
        assert.equal(t.packedBytes, 0);
        idlePacked += plain.length;
        renewed += t.renewed;
      }
      assert.ok(idlePacked > 500);
      assert.ok(renewed > idlePacked, `renewed ${renewed}`);
    });
  });
});

describe('Tracker with maxConnections', () => {
  /** Client port p sends a SYN (or, with close, a whole three-way close) at second t. */
  function syn(s: Segment, frame: number, t: number, port: number): Segment {
    s.frame = frame; s.tsSec = 1_700_000_000 + t; s.tsNsec = 0; s.tsDigits = 6; s.ipVersion = 4;
    s.src.fill(0); s.dst.fill(0);
    s.src[0] = 0x0a000001; s.dst[0] = 0x0a000002;
    s.srcPort = port; s.dstPort = 80;
    s.seq = 1000; s.ack = 0; s.flags = 0x02; s.payloadLen = 0; s.payloadCaptured = 0;
    return s;
  }

  it('a SYN flood is held in a bounded table: the least recently active go first, all counted', () => {
    const done: Connection[] = [];
    const t = new Tracker({ lingerSeconds: 240, maxConnections: 100 }, (c) => done.push(c));
    const s = new Segment();
    for (let i = 0; i < 1000; i++) {
      t.push(syn(s, i + 1, i, 1024 + i));
      assert.ok(t.held <= 100);
    }
    assert.equal(t.evicted, 900);
    assert.equal(t.evictedOpen, 900);
    assert.deepEqual(done.map((c) => c.stream), Array.from({ length: 900 }, (_, i) => i));
    assert.ok(done.every((c) => c.evicted && c.endReason === 'capture-end'));
    t.finish();
    assert.equal(done.length, 1000);
  });

  it('a SYN flood packed as it idles: the same evictions, in the same order, in a few KB', () => {
    // Plain: nothing packed (a limit above the table); packed: the default limit, then a lower one.
    const runs = [{ idleUnpackedLimit: 1e9 }, {}, { idleUnpackedLimit: 10, idleSeconds: 2, arenaBlockWords: 1024 }].map((more) => {
      const done: Connection[] = [];
      const t = new Tracker({ lingerSeconds: 240, maxConnections: 100, ...more }, (c) => done.push(c));
      const s = new Segment();
      let maxObjects = 0;
      for (let i = 0; i < 1000; i++) {
        // Ten SYNs a second; every fourth connection retransmits its SYN 3 s later.
        t.push(syn(s, 2 * i + 1, Math.floor(i / 10), 1024 + i));
        if (i >= 30 && i % 4 === 0) t.push(syn(s, 2 * i + 2, Math.floor(i / 10), 1024 + i - 30));
        assert.ok(t.held <= 100);
        maxObjects = Math.max(maxObjects, t.held - t.packed);
      }
      t.finish();
      return { done: done.map((c) => JSON.stringify(buildReport(c, makeSettings({})))), t, maxObjects };
    });
    const [plain, ...packed] = runs;
    assert.equal(plain.maxObjects, 100);
    for (const idle of packed) {
      assert.deepStrictEqual(idle.done, plain.done);
      assert.equal(idle.t.evicted, plain.t.evicted);
      assert.equal(idle.t.evictedOpen, plain.t.evictedOpen);
      assert.ok(idle.maxObjects <= 70, `objects held: ${idle.maxObjects}`);
    }
  });

  it('connections that keep sending are not packed and unpacked in turn when open ones fill a quarter of the table', async () => {
    // 50 connections open at a time, all sending, in a table of 120: open
    // ones fill more than a quarter of it the whole time. Only half-open
    // ones are packed then whatever their idle time (a few times each at
    // most), so the packing follows the connections, not the segments.
    await withGenerated({ segments: 20_000, seed: 5, concurrency: 50 }, async (gen) => {
      const settings = makeSettings({ msl: 0.001 });
      const plain: string[] = [];
      const packed: string[] = [];
      await track(gen, undefined, (c) => plain.push(JSON.stringify(buildReport(c, settings))), { lingerSeconds: 0.002 });
      const t = await track(gen, 0, (c) => packed.push(JSON.stringify(buildReport(c, settings))), {
        lingerSeconds: 0.002, maxConnections: 120, idleUnpackedLimit: 0, idleSeconds: 2,
      });
      assert.equal(t.evicted, 0);
      assert.deepStrictEqual(packed, plain);
      // Before: every segment of a connection another one's segment had packed unpacked it (~18 000 here).
      assert.ok(t.unpacked <= 2 * plain.length, `unpacked ${t.unpacked} times for ${plain.length} connections`);
      assert.ok(t.unpacked > 0);
    });
  });

  it('a place held back in the list of over connections (holdBack) is never evicted, and its release after the end is harmless', () => {
    const done: Connection[] = [];
    const t = new Tracker({ lingerSeconds: 240, maxConnections: 2 }, (c) => done.push(c));
    const s = new Segment();
    const standIn = t.holdBack(0);
    t.push(syn(s, 1, 0, 2000));
    t.push(syn(s, 2, 0, 2001));
    // The table is full: the third connection evicts the least recently active open one, not the stand-in.
    t.push(syn(s, 3, 1, 2002));
    assert.deepEqual(done.map((c) => c.stream), [0]);
    assert.equal(t.evicted, 1);
    assert.equal(t.held, 2);
    t.finish();
    assert.deepEqual(done.map((c) => c.stream), [0, 1, 2]);
    t.release(standIn);
    // The slot freed, a later connection takes one as usual.
    t.push(syn(s, 4, 2, 2003));
    t.finish();
    assert.deepEqual(done.map((c) => c.stream), [0, 1, 2, 3]);
  });

  it('evicts over connections (lingering in TIME_WAIT) before open ones', () => {
    const done: Connection[] = [];
    const t = new Tracker({ lingerSeconds: 240, maxConnections: 3, unpackedLimit: 0 }, (c) => done.push(c));
    const s = new Segment();
    let frame = 0;
    // Stream 0 stays open; streams 1 and 2 close (and are packed at once).
    t.push(syn(s, ++frame, 0, 2000));
    for (const port of [2001, 2002]) {
      const seq = (flags: number, fromClient: boolean, seqNo: number, ack: number): void => {
        syn(s, ++frame, 1, port);
        if (!fromClient) {
          s.src[0] = 0x0a000002; s.dst[0] = 0x0a000001; s.srcPort = 80; s.dstPort = port;
        }
        s.flags = flags; s.seq = seqNo; s.ack = ack;
        t.push(s);
      };
      seq(0x02, true, 1000, 0);
      seq(0x12, false, 5000, 1001);
      seq(0x10, true, 1001, 5001);
      seq(0x11, true, 1001, 5001);
      seq(0x11, false, 5001, 1002);
      seq(0x10, true, 1002, 5002);
    }
    // The last one stays an object until another connection moves (packing never takes the current one).
    assert.equal(t.packed, 1);
    t.push(syn(s, ++frame, 2, 3000));
    t.push(syn(s, ++frame, 3, 3001));
    assert.deepEqual(done.map((c) => c.stream), [1, 2]);
    assert.equal(t.evictedOpen, 0);
    assert.equal(done[0].client.state, 10 /* TIME_WAIT */);
    t.push(syn(s, ++frame, 4, 3002));
    assert.deepEqual(done.map((c) => c.stream), [1, 2, 0]);
    assert.equal(t.evictedOpen, 1);
  });
});

describe('Arena blocks', () => {
  it('uses an emptied block again for the next records', () => {
    // Blocks of 64 words: every record starts a block of its own.
    const arena = new Arena(64);
    const at = { block: new Int32Array(4), off: new Int32Array(4), len: new Int32Array(4) };
    const rec = (slot: number): number => {
      const w = arena.begin();
      for (let i = 0; i < 10; i++) w.u32(slot * 100 + i);
      arena.commit(at, slot);
      return slot;
    };
    const a = rec(1);
    const b = rec(2);
    const blockOfA = arena.words(at, a);
    assert.notEqual(arena.words(at, b), blockOfA);
    arena.free(at, a);
    const c = rec(3);
    assert.equal(arena.words(at, c), blockOfA);
    // Its words are the new record's, read back as written.
    const r = new WordReader().at(arena.words(at, c), at.off[c]);
    assert.deepEqual(Array.from({ length: 10 }, () => r.u32()), Array.from({ length: 10 }, (_, i) => 300 + i));
    assert.equal(arena.bytes, 2 * 64 * 4);
  });

  it('lets go of emptied blocks and compacts, with the same reports (blocks of 512 words)', async () => {
    // A generated capture of ~700 connections in 0.4 s: with 2MSL of 0.1 s,
    // about a hundred are held packed at a time while older ones expire.
    await withGenerated({ segments: 20_000, seed: 7 }, async (gen) => {
      let compacted = 0;
      for (const [file, msl] of [[gen, 0.05], ...files.map((f) => [f, 1] as const)] as const) {
        const settings = makeSettings({ msl });
        const plain: string[] = [];
        const small: string[] = [];
        const decoder = new Decoder();
        const seg = new Segment();
        const p = new Tracker({ lingerSeconds: settings.timeWaitSeconds }, (c) => plain.push(JSON.stringify(buildReport(c, settings))));
        await readFrames(file, (f: Frame) => {
          if (decoder.decode(f, seg) === DecodeStatus.Tcp) p.push(seg);
          else p.observeTime(f.tsSec, f.tsNsec);
        });
        p.finish();
        // Bytes held drop by 4 blocks or more at once only when the arena compacts.
        let lastBytes = 0;
        const t = new Tracker({ lingerSeconds: settings.timeWaitSeconds, unpackedLimit: 0, arenaBlockWords: 512 },
          (c) => small.push(JSON.stringify(buildReport(c, settings))));
        await readFrames(file, (f: Frame) => {
          if (decoder.decode(f, seg) === DecodeStatus.Tcp) t.push(seg);
          else t.observeTime(f.tsSec, f.tsNsec);
          if (t.packedBytes <= lastBytes - 4 * 512 * 4) compacted++;
          lastBytes = t.packedBytes;
        });
        t.finish();
        assert.equal(t.packedBytes, 0);
        assert.deepStrictEqual(small, plain, file);
        if (file === gen) assert.ok(plain.length > 500 && compacted > 0, `${plain.length} connections, compacted ${compacted}`);
      }
    });
  });
});
