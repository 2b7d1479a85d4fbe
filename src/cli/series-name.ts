/** The name a rotation series goes by in outputs (the `file` of its rows). */
import { basename, dirname, join } from 'node:path';
import { type SeriesKind, sizeRotation } from '../capture/series.ts';

/**
 * `-C`: the first file's name (`tap.pcap`, `tap.pcap.gz`) followed by `*`;
 * `-G`: the pattern, in the folder of the first file; given: the first and
 * last names given with the count.
 */
export function seriesName(kind: SeriesKind, names: readonly string[], pattern: string | null): string {
  if (kind === 'size') {
    const r = sizeRotation(names[0]);
    if (r !== null) return r.base.endsWith('.gz') ? `${r.base.slice(0, -3)}*.gz` : `${r.base}*`;
  }
  if (kind === 'time' && pattern !== null) {
    const dir = dirname(names[0]);
    return dir === '.' && !names[0].startsWith('./') ? basename(pattern) : join(dir, basename(pattern));
  }
  return names.length === 1 ? names[0] : `${names[0]} … ${names[names.length - 1]} (${names.length} files)`;
}
