/**
 * Every input `npm run fuzz` ever saved in fixtures/regressions/ (NAME.bin,
 * with NAME.json saying what failed) stays a test: replayed whole and in
 * small chunks, with every invariant of src/fuzz/front.ts checked, and the
 * prefix property when the .json names the fixture it was mutated from.
 */
import { describe, it } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkChunking, checkFront, checkPrefix, runFront } from '../../src/fuzz/front.ts';
import { ROOT } from '../../src/fuzz/props.ts';
import { runSegments, type SegSpec } from '../../src/fuzz/props-tcp.ts';

const dir = join(ROOT, 'fixtures', 'regressions');
const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.bin')).sort() : [];

describe('hostile input: saved regressions', () => {
  it(`the corpus is readable (${names.length} saved inputs)`, () => {});
  for (const name of names) {
    it(name, () => {
      const input = new Uint8Array(readFileSync(join(dir, name)));
      const metaPath = join(dir, name.replace(/\.bin$/, '.json'));
      const meta = existsSync(metaPath) ? JSON.parse(readFileSync(metaPath, 'utf8')) as { kind?: string; cuts?: number[]; fixture?: string; firstDamaged?: number } : {};
      if (meta.kind === 'segments') {
        // A segment list for the state machine (tcp-state-machine-*.bin is JSON).
        runSegments(JSON.parse(Buffer.from(input).toString('utf8')) as SegSpec[]);
        return;
      }
      const whole = runFront(input);
      checkFront(input, whole);
      const cutSets = [meta.cuts ?? [], Array.from({ length: input.length }, (_, i) => i), Array.from({ length: input.length / 7 }, (_, i) => 7 * i)];
      for (const cuts of cutSets) checkChunking(whole, runFront(input, cuts), cuts);
      if (meta.fixture && meta.firstDamaged !== undefined) {
        const original = new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'captures', meta.fixture)));
        checkPrefix(original, runFront(original), whole, meta.firstDamaged);
      }
    });
  }
});
