/**
 * Connections handed to a report thread (src/analyze/handoff.ts) must give
 * the reports the pipeline builds in place: same text, same order, whether
 * they were objects or packed when the tracker let go of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { Handoff, reportsOf } from '../../src/analyze/handoff.ts';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { buildReport } from '../../src/report/build.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { Settings } from '../../src/report/types.ts';
import { Tracker } from '../../src/tcp/tracker.ts';
import { fixtureAndCorpusFiles as files, withGenerated } from '../helpers/captures.ts';

/** Reports of a capture through a Handoff, taking a batch every `every` connections. */
async function handedOff(file: string, settings: Settings, unpackedLimit: number, every: number): Promise<{ texts: string[]; packed: number }> {
  const texts: string[] = [];
  const handoff = new Handoff(settings, 64);
  let packed = 0;
  let taken = 0;
  const drain = (): void => {
    const b = handoff.take();
    if (b === null) return;
    // As the report thread does: every other batch is built from its copy;
    // then the buffers go back to the handoff for the next batches.
    const words = ++taken % 2 === 0 ? handoff.copy(b) : b.words;
    reportsOf({ ...b, words }, settings, (r) => texts.push(JSON.stringify(r)));
    handoff.recycle(b.words);
    if (words !== b.words) handoff.recycle(words);
  };
  const tracker = new Tracker({ lingerSeconds: settings.timeWaitSeconds, unpackedLimit }, (c) => {
    handoff.add(c);
    if (handoff.pending >= every) drain();
  });
  tracker.onDonePacked = (p) => {
    packed++;
    handoff.addPacked(p);
    if (handoff.pending >= every) drain();
  };
  const decoder = new Decoder();
  const seg = new Segment();
  await readFrames(file, (f: Frame) => {
    if (decoder.decode(f, seg) === DecodeStatus.Tcp) tracker.push(seg);
    else tracker.observeTime(f.tsSec, f.tsNsec);
  });
  while (tracker.finishSome(7) > 0) drain();
  tracker.finish();
  drain();
  return { texts, packed };
}

describe('Handoff', () => {
  it('gives the reports built in place, in the same order, on a generated capture and every fixture and corpus capture', async () => {
    await withGenerated({ segments: 5000, seed: 13 }, async (gen) => {
      let packed = 0;
      let total = 0;
      for (const msl of [1, 120]) {
        const settings = makeSettings({ msl });
        for (const file of [gen, ...files]) {
          const inPlace: string[] = [];
          const tracker = new Tracker({ lingerSeconds: settings.timeWaitSeconds }, (c) => inPlace.push(JSON.stringify(buildReport(c, settings))));
          const decoder = new Decoder();
          const seg = new Segment();
          await readFrames(file, (f: Frame) => {
            if (decoder.decode(f, seg) === DecodeStatus.Tcp) tracker.push(seg);
            else tracker.observeTime(f.tsSec, f.tsNsec);
          });
          tracker.finish();
          // Everything packed as soon as it is over, batches of 1 and of 50.
          for (const every of [1, 50]) {
            const h = await handedOff(file, settings, 0, every);
            assert.deepStrictEqual(h.texts, inPlace, `${file} msl ${msl} batches of ${every}`);
            packed += h.packed;
          }
          total += inPlace.length;
        }
      }
      // Both kinds of records were exercised.
      assert.ok(packed > 200, `packed ${packed}`);
      assert.ok(total > packed / 2);
    });
  });

  it('analyzeFile with a raw sink and pause hands over every connection exactly once', async () => {
    const settings = makeSettings({});
    for (const file of files.slice(0, 8)) {
      const plain = await analyzeFile(file, settings);
      const handoff = new Handoff(settings);
      const texts: string[] = [];
      let pauses = 0;
      const rep = await analyzeFile(file, settings, undefined, {
        keepConnections: false,
        raw: { connection: (c) => handoff.add(c), packed: (p) => handoff.addPacked(p) },
        pause: () => {
          pauses++;
          const b = handoff.take();
          if (b !== null) reportsOf(b, settings, (r) => texts.push(JSON.stringify(r)));
          return null;
        },
      });
      const b = handoff.take();
      if (b !== null) reportsOf(b, settings, (r) => texts.push(JSON.stringify(r)));
      assert.ok(pauses >= 0);
      assert.equal(rep.connections.length, 0);
      // Handed over in the tracker's order; the same reports as in stream order.
      const sorted = texts.map((t) => JSON.parse(t) as { stream: number }).sort((x, y) => x.stream - y.stream);
      assert.deepStrictEqual(sorted, JSON.parse(JSON.stringify(plain.connections)), file);
    }
  });
});

describe('Handoff buffers', () => {
  it('uses a recycled buffer for the next batch and for copies, and never the one being filled', () => {
    const settings = makeSettings({});
    const handoff = new Handoff(settings, 64);
    // Batches are only taken with records in them: fill with what a real capture gives.
    const first = new Int32Array(8192);
    handoff.recycle(first);
    const fresh = handoff.take();
    assert.equal(fresh, null, 'nothing to take yet');
    const copySource = { words: new Int32Array([1, 2, 3, 4, 5]), length: 3, count: 0, built: [] };
    const copy = handoff.copy(copySource);
    // The spare (8 192 words, at least the 4 096 minimum) was used for the copy.
    assert.equal(copy, first);
    assert.deepStrictEqual([...copy.subarray(0, 3)], [1, 2, 3]);
    // Without a spare a copy gets a new buffer of at least 4 096 words.
    const other = handoff.copy(copySource);
    assert.notEqual(other, first);
    assert.equal(other.length, 4096);
    // A buffer too small is never handed out for a bigger batch.
    handoff.recycle(new Int32Array(16));
    assert.ok(handoff.copy({ ...copySource, words: new Int32Array(5000), length: 5000 }).length >= 5000);
  });
});
