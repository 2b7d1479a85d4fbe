/**
 * Property-based tests of the hostile-input issue over the front of the
 * pipeline (readerFor + reader in random chunkings + Decoder): a fixed seed
 * and a budget of about a second here; `npm run fuzz` runs the same
 * properties longer with random seeds (src/fuzz/run.ts).
 */
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FRONT_PROPERTIES, checkEveryCut, fixtures } from '../../src/fuzz/props.ts';

const SEED = 20261122;

describe('hostile input: properties of readers + decoders', () => {
  for (const p of FRONT_PROPERTIES) {
    it(`${p.name} (${p.testRuns} runs, seed ${SEED})`, () => {
      fc.assert(p.property(() => {}), { seed: SEED, numRuns: p.testRuns });
    });
  }

  it('truncation at every offset of the smallest pcap and pcapng fixtures', () => {
    const fx = fixtures();
    const small = [fx.find((f) => f.name.endsWith('.pcap')), fx.find((f) => f.name.endsWith('.pcapng'))];
    for (const f of small) if (f) checkEveryCut(f.bytes);
  });
});
