/**
 * The tracker's 4-tuple table (src/tcp/table.ts): buckets of chains that
 * only grow. Every connection put in is found in its bucket's chain until
 * taken out, whatever the hashes (colliding ones too) and however often the
 * buckets doubled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChainTable } from '../../src/tcp/table.ts';

class Item {
  next: Item | null = null;
  constructor(readonly hash: number, readonly id: number) {}
}

function chain(t: ChainTable<Item>, h: number): Item[] {
  const out: Item[] = [];
  for (let c = t.head(h); c !== null; c = c.next) out.push(c);
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

describe('ChainTable', () => {
  it('finds every item in its bucket until removed, through growth, removals and replacements', () => {
    const t = new ChainTable<Item>();
    const next = rng(12345);
    const live = new Map<number, Item>();
    let id = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = next() % 10;
      if (r < 6 || live.size === 0) {
        // Hashes from a small range too, so that many collide (equal hashes, not only equal buckets).
        const h = step % 3 === 0 ? next() % 50 : (next() | 0);
        const it = new Item(h, id++);
        t.add(it);
        live.set(it.id, it);
      } else {
        const ids = [...live.keys()];
        const victim = live.get(ids[next() % ids.length]) as Item;
        live.delete(victim.id);
        if (r < 9) t.remove(victim);
        else {
          const to = new Item(victim.hash, id++);
          t.replace(victim, to);
          live.set(to.id, to);
          assert.equal(victim.next, null);
        }
      }
      assert.equal(t.size, live.size);
    }
    assert.ok(live.size > 3000, `${live.size} items`);
    for (const it of live.values()) assert.ok(chain(t, it.hash).includes(it), `item ${it.id}`);
    const all = [...t.values()];
    assert.equal(all.length, live.size);
    assert.deepEqual(new Set(all), new Set(live.values()));
    t.clear();
    assert.equal(t.size, 0);
    assert.deepEqual([...t.values()], []);
  });

  it('keeps the order of the items of a chain when the buckets double', () => {
    const t = new ChainTable<Item>();
    // Same hash: always one chain, newest first.
    const same = [1, 2, 3].map((id) => new Item(7, id));
    for (const it of same) t.add(it);
    assert.deepEqual(chain(t, 7).map((i) => i.id), [3, 2, 1]);
    // Enough others to double the buckets several times.
    for (let i = 0; i < 10_000; i++) t.add(new Item(1000 + i * 7919, 100 + i));
    assert.deepEqual(chain(t, 7).filter((i) => i.hash === 7).map((i) => i.id), [3, 2, 1]);
    assert.equal(t.size, 10_003);
  });
});
