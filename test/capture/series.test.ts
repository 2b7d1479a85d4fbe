/**
 * Rotation series (capture/series.ts): which files form one, in what
 * order, and where a frame of the series is. The reading itself is tested
 * end to end in test/cli/series.test.ts against whole captures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupInputs, locateFrame, missingFromNames, type SeriesFile, sizeRotation, timePattern } from '../../src/capture/series.ts';

const f = (name: string): { name: string; path: string } => ({ name, path: name });
const names = (g: ReturnType<typeof groupInputs<{ name: string; path: string }>>): (string | string[])[] =>
  g.map((x) => (x.series === null ? x.input.name : x.series.parts.map((p) => p.name)));

describe('series: grouping', () => {
  it('finds tcpdump -C numberings, plain, padded (-W) and gzipped (-z gzip)', () => {
    assert.deepEqual(sizeRotation('d/tap.pcap'), { base: 'd/tap.pcap', n: null, digits: 0 });
    assert.deepEqual(sizeRotation('tap.pcap12'), { base: 'tap.pcap', n: 12, digits: 2 });
    assert.deepEqual(sizeRotation('tap.pcap03.gz'), { base: 'tap.pcap.gz', n: 3, digits: 2 });
    assert.equal(sizeRotation('notes.txt'), null);
    const g = groupInputs(['a.pcap', 'tap.pcap', 'tap.pcap1', 'b.pcap', 'tap.pcap2', 'w.pcap00', 'w.pcap01', 'z.pcap.gz', 'z.pcap1.gz'].map(f));
    assert.deepEqual(names(g), ['a.pcap', ['tap.pcap', 'tap.pcap1', 'tap.pcap2'], 'b.pcap', ['w.pcap00', 'w.pcap01'], ['z.pcap.gz', 'z.pcap1.gz']]);
  });

  it('leaves separate captures separate (names without a rotation number, a lone numbered file, -)', () => {
    const g = groupInputs(['lab1.pcap', 'lab2.pcap', 'x.pcap3', '-'].map(f));
    assert.deepEqual(names(g), ['lab1.pcap', 'lab2.pcap', 'x.pcap3', '-']);
  });

  it('groups what --series-pattern matches, and everything with --series', () => {
    const files = ['tap-20261206-190000.pcap', 'other.pcap', 'tap-20261206-190500.pcap', 'tap-20261206-191000.pcap1'].map(f);
    assert.deepEqual(names(groupInputs(files, { pattern: 'tap-%Y%m%d-%H%M%S.pcap' })), [['tap-20261206-190000.pcap', 'tap-20261206-190500.pcap', 'tap-20261206-191000.pcap1'], 'other.pcap']);
    assert.deepEqual(names(groupInputs(files, { all: true })), [files.map((x) => x.name)]);
  });

  it('reads the time of a -G name (UTC), and refuses fields it cannot read', () => {
    const at = timePattern('/data/tap-%Y%m%d-%H%M%S.pcap');
    assert.equal(at('x/tap-20261206-193000.pcap'), Date.UTC(2026, 11, 6, 19, 30, 0) / 1000);
    assert.equal(at('tap-20261206-193000.pcap4.gz'), Date.UTC(2026, 11, 6, 19, 30, 0) / 1000);
    assert.equal(at('tap-2026120-193000.pcap'), null);
    assert.equal(timePattern('t.%s.pcap')('t.1765049400.pcap'), 1765049400);
    assert.equal(timePattern('%F_%T.pcap')('2026-12-06_19:30:05.pcap'), Date.UTC(2026, 11, 6, 19, 30, 5) / 1000);
    assert.equal(timePattern('%Y-%j-%H.pcap')('2026-002-05.pcap'), Date.UTC(2026, 0, 2, 5) / 1000);
    assert.throws(() => timePattern('tap-%Q.pcap'), /%Q is not supported/);
  });
});

describe('series: gaps by name', () => {
  it('names the -C files missing from a numbering', () => {
    assert.deepEqual(missingFromNames('size', ['t.pcap', 't.pcap1', 't.pcap4'], null), ['t.pcap2', 't.pcap3']);
    assert.deepEqual(missingFromNames('size', ['t.pcap01', 't.pcap02'], null), ['t.pcap00']);
    assert.deepEqual(missingFromNames('size', ['t.pcap.gz', 't.pcap2.gz'], null), ['t.pcap1.gz']);
    assert.deepEqual(missingFromNames('size', ['t.pcap', 't.pcap1'], null), []);
  });

  it('names the intervals of a -G schedule without a file', () => {
    const ns = ['t-190000', 't-190500', 't-191000', 't-192500', 't-193000'].map((n) => `${n}.pcap`);
    const out = missingFromNames('time', ns, 't-%H%M%S.pcap');
    assert.equal(out.length, 1);
    assert.match(out[0], /^2 interval\(s\) of 300 s without a file between 1970-01-01T19:10:00.000Z and 1970-01-01T19:25:00.000Z/);
  });
});

describe('series: where a frame is', () => {
  it('finds the file and the frame within it, files without frames included', () => {
    const file = (name: string, firstFrame: number | null, frames: number): SeriesFile => ({ file: name, firstFrame, frames, firstTime: null, lastTime: null, tsDigits: 6 });
    const files = [file('a', 1, 4), file('empty', null, 0), file('b', 5, 1), file('c', 6, 10)];
    assert.deepEqual(locateFrame(files, 1), { file: 'a', frame: 1 });
    assert.deepEqual(locateFrame(files, 4), { file: 'a', frame: 4 });
    assert.deepEqual(locateFrame(files, 5), { file: 'b', frame: 1 });
    assert.deepEqual(locateFrame(files, 15), { file: 'c', frame: 10 });
    assert.equal(locateFrame(files, 16), null);
    assert.equal(locateFrame(files, 0), null);
  });
});
