/**
 * The tracker's table of slots (src/tcp/table.ts): every slot put in the
 * hash table is found in its bucket's chain until taken out, whatever the
 * hashes (colliding ones too) and however often the buckets and slots grew;
 * the lists keep their order through appends, inserts and unlinks; freed
 * slots are used again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, List, NIL, SlotTable } from '../../src/tcp/table.ts';

function chain(t: SlotTable<number>, h: number): number[] {
  const out: number[] = [];
  for (let s = t.head(h); s !== NIL; s = t.chained(s)) out.push(s);
  return out;
}

function list(t: SlotTable<number>, l: List): number[] {
  const out: number[] = [];
  for (let s = t.first[l]; s !== NIL; s = t.next[s]) out.push(s);
  const back: number[] = [];
  for (let s = t.last[l]; s !== NIL; s = t.prev[s]) back.push(s);
  assert.deepEqual(back.reverse(), out, 'the list read backwards');
  return out;
}

/** A deterministic pseudo-random sequence (xorshift32). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('SlotTable', () => {
  it('finds every slot in its bucket until removed, through growth and removals; freed slots come back', () => {
    const t = new SlotTable<number>();
    const next = rng(12345);
    /** slot -> its id (the value kept in conns). */
    const live = new Map<number, number>();
    let id = 0;
    let reused = 0;
    const freed = new Set<number>();
    for (let step = 0; step < 20_000; step++) {
      const r = next() % 10;
      if (r < 6 || live.size === 0) {
        const s = t.alloc(Kind.Object);
        assert.ok(!live.has(s), `slot ${s} given twice`);
        if (freed.delete(s)) reused++;
        // Hashes from a small range too, so that many collide (equal hashes, not only equal buckets).
        t.hash[s] = step % 3 === 0 ? next() % 50 : (next() | 0);
        t.conns[s] = id;
        t.add(s);
        live.set(s, id++);
      } else {
        const slots = [...live.keys()];
        const victim = slots[next() % slots.length];
        live.delete(victim);
        t.remove(victim);
        t.free(victim);
        freed.add(victim);
        assert.equal(t.conns[victim], null);
      }
      assert.equal(t.size, live.size);
      assert.equal(t.used, live.size);
    }
    assert.ok(live.size > 3000, `${live.size} slots`);
    assert.ok(reused > 1000, `reused ${reused}`);
    for (const [s, v] of live) {
      assert.ok(chain(t, t.hash[s]).includes(s), `slot ${s}`);
      assert.equal(t.conns[s], v);
    }
    assert.deepEqual(new Set(t.inTable()), new Set(live.keys()));
    t.detachAll();
    assert.equal(t.size, 0);
    assert.deepEqual(t.inTable(), []);
  });

  it('keeps the order of the slots of a chain when the buckets double', () => {
    const t = new SlotTable<number>();
    // Same hash: always one chain, newest first.
    const same = [1, 2, 3].map(() => {
      const s = t.alloc(Kind.Object);
      t.hash[s] = 7;
      t.add(s);
      return s;
    });
    assert.deepEqual(chain(t, 7), [...same].reverse());
    // Enough others to double the buckets (and the slots) several times.
    for (let i = 0; i < 10_000; i++) {
      const s = t.alloc(Kind.Packed);
      t.hash[s] = 1000 + i * 7919;
      t.add(s);
    }
    assert.deepEqual(chain(t, 7).filter((s) => t.hash[s] === 7), [...same].reverse());
    assert.equal(t.size, 10_003);
  });

  it('keeps each list in order, a slot in one list at most', () => {
    const t = new SlotTable<number>();
    const s = Array.from({ length: 6 }, () => t.alloc(Kind.Object));
    for (const x of s.slice(0, 4)) t.append(x, List.Over);
    t.append(s[4], List.Active);
    assert.deepEqual(list(t, List.Over), s.slice(0, 4));
    t.unlink(s[0]);
    t.unlink(s[2]);
    t.unlink(s[5]); // in no list: nothing happens
    assert.deepEqual(list(t, List.Over), [s[1], s[3]]);
    t.insertAfter(s[2], List.Over, NIL);
    t.insertAfter(s[0], List.Over, s[3]);
    t.insertAfter(s[5], List.Over, s[1]);
    assert.deepEqual(list(t, List.Over), [s[2], s[1], s[5], s[3], s[0]]);
    assert.deepEqual(list(t, List.Active), [s[4]]);
    assert.equal(t.list[s[4]], List.Active);
    t.detachAll();
    assert.deepEqual(list(t, List.Over), []);
    assert.deepEqual(list(t, List.Active), []);
    assert.ok(s.every((x) => t.list[x] === List.None && t.next[x] === NIL && t.prev[x] === NIL));
  });
});
