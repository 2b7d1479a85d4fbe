/**
 * The merge of a capture's shares (src/analyze/merge.ts) on hand-made
 * inputs: stream numbers in frame order across shares, reports in key
 * order only once every share has gone past them, expiries held back by a
 * stale connection of another share, and the stops where one thread must
 * take over (a full table, replaced connections waiting in two shares).
 * The end-to-end identity with one thread is test/cli/threads.test.ts's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MergeBatch, Merge } from '../../src/analyze/merge.ts';
import { END } from '../../src/analyze/share.ts';

/** A batch of reports with these keys, each report's bytes its stream number as text. */
function batch(items: [frame: number, phase: number, sub: number, stream: number][]): MergeBatch {
  const text = items.map((i) => String(i[3]));
  const ends: number[] = [];
  let n = 0;
  for (const t of text) ends.push(n += t.length);
  return {
    keys: Float64Array.from(items.flatMap((i) => [i[0], i[1], i[2]])),
    streams: Float64Array.from(items.map((i) => i[3])),
    flags: new Uint8Array(items.length),
    ends: Uint32Array.from(ends),
    bytes: Buffer.from(text.join('')),
    count: items.length,
  };
}

function drained(m: Merge): number[] {
  const out: number[] = [];
  m.drain((b, i) => out.push(b.streams[i]), () => {});
  return out;
}

describe('Merge', () => {
  it('numbers streams in the order of their first frames, once every share has read that far', () => {
    const m = new Merge(2, Infinity);
    m.read(0, 10, [1, 5]);
    m.read(1, 2, [3]);
    assert.deepEqual(m.number(), [[0], []]);
    m.read(1, 10, []);
    assert.deepEqual(m.number(), [[2], [1]]);
    m.read(1, 12, [11]);
    assert.deepEqual(m.number(), [[], []], 'share 0 has not read frame 11 yet');
    m.read(0, Infinity, []);
    assert.deepEqual(m.number(), [[], [3]]);
  });

  it('emits in key order, only past every share\'s progress', () => {
    const m = new Merge(2, Infinity);
    m.add(0, batch([[5, 1, 2, 10], [9, 0, 0, 11]]));
    m.progress(0, 10, -1, 0);
    m.add(1, batch([[5, 1, 1, 20]]));
    m.progress(1, 6, -1, 0);
    // Share 1 may still emit at frames 6..9.
    assert.deepEqual(drained(m), [20, 10]);
    m.add(1, batch([[9, 1, 3, 21]]));
    m.progress(1, END, -1, 0);
    assert.deepEqual(drained(m), [11, 21]);
    m.add(0, batch([[END, 1, 12, 12]]));
    m.add(1, batch([[END, 1, 13, 13]]));
    m.progress(0, Infinity, Infinity, Infinity);
    assert.deepEqual(drained(m), [], 'share 1 may still let go of a replaced connection at the end (phase 0)');
    m.progress(1, END, 1, 13.5);
    assert.deepEqual(drained(m), [12, 13]);
    m.progress(1, Infinity, Infinity, Infinity);
    assert.equal(m.emitted, 6);
    assert.ok(m.settled);
    assert.equal(m.stopped, false);
  });

  it('holds an expiry back while a stale connection of another share has an earlier place', () => {
    const m = new Merge(2, Infinity);
    // Share 0: connection 7 turned stale at frame 10, its place in the over list 4.
    m.read(0, 12, [], [7, 10, 4]);
    // Share 1 let connections 5 (place 2) and 3 (place 6) expire at frame 12.
    m.read(1, 12, [], [], [], [5, 12, 2, 100, 0, 3, 12, 6, 100, 0]);
    // 5 is before the stale one in the list: it goes at frame 12; 3 is behind it: held back.
    assert.deepEqual(m.resolve(), [[], [5, 12, 100, 0]]);
    // Connection 7 is over again at frame 20 (time 130 s).
    m.read(0, 25, [], [], [7, 20, 130, 5]);
    assert.deepEqual(m.resolve(), [[], []], 'share 1 has not read frame 20 yet');
    m.read(1, 25, []);
    assert.deepEqual(m.resolve(), [[], [3, 20, 130, 5]]);
  });

  it('does not hold back one with an earlier place than the stale connection', () => {
    const m = new Merge(2, Infinity);
    m.read(0, 12, [], [7, 10, 4]);
    m.read(1, 12, [], [], [], [5, 12, 2, 100, 0]);
    assert.deepEqual(m.resolve(), [[], [5, 12, 100, 0]]);
  });

  it('a stale connection that never ends holds back to the end of the capture', () => {
    const m = new Merge(2, Infinity);
    m.read(0, 12, [], [7, 10, 4]);
    m.read(1, 12, [], [], [], [3, 12, 6, 100, 0]);
    assert.deepEqual(m.resolve(), [[], []]);
    m.read(0, Infinity, []);
    m.read(1, Infinity, []);
    assert.deepEqual(m.resolve(), [[], [3, END, 0, 0]]);
  });

  it('stops at the first creation that may find the table full', () => {
    const m = new Merge(2, 2);
    m.read(0, 10, [1, 3]);
    m.read(1, 10, [2]);
    m.number();
    m.add(0, batch([[4, 1, 1, 0]]));
    m.progress(0, 11, -1, 0);
    m.progress(1, 11, -1, 0);
    assert.deepEqual(drained(m), []);
    assert.equal(m.stopped, true);
    assert.equal(m.stopFrame, 3);
    assert.equal(m.emitted, 0);
  });

  it('counts a connection let go of as no longer held', () => {
    const m = new Merge(2, 2);
    m.read(0, 10, [1, 5]);
    m.read(1, 10, [2]);
    m.number();
    m.add(0, batch([[4, 1, 1, 0]]));
    m.progress(0, 11, -1, 0);
    m.progress(1, 11, -1, 0);
    assert.deepEqual(drained(m), [0]);
    m.progress(0, Infinity, Infinity, Infinity);
    m.progress(1, Infinity, Infinity, Infinity);
    assert.ok(m.settled);
    assert.equal(m.stopped, false);
  });

  it('stops before the end when two shares have replaced connections waiting there', () => {
    const m = new Merge(2, Infinity);
    m.add(0, batch([[END, 0, 0, 4]]));
    m.add(1, batch([[END, 0, 0, 7]]));
    m.progress(0, Infinity, Infinity, Infinity, 1);
    m.progress(1, Infinity, Infinity, Infinity, 1);
    assert.deepEqual(drained(m), []);
    assert.equal(m.stopped, true);
    assert.equal(m.stopFrame, END);
    assert.ok(m.settled);
  });
});
