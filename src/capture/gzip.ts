import { createInflateRaw, type InflateRaw } from 'node:zlib';

const FTEXT_MASK = 0xe0; // reserved flag bits: must be zero
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
/** Most decompressed bytes waiting to be read, per gzip layer. */
const OUT_CHUNK = 256 * 1024;

/** What a gunzip has taken so far: for the ratio of decompressed to compressed bytes. */
export interface GunzipStats {
  /** Compressed bytes inflate has used (not merely read ahead), headers and trailers included. */
  consumed: number;
}

/**
 * Decompress a gzip stream member by member (RFC 1952), as `gzip -d` does:
 * concatenated members are read one after the other, zero padding after the
 * last one is ignored, and other trailing bytes end the stream with a warning
 * instead of costing the output already decompressed. (Node's own Gunzip
 * discards the output of the write in which it meets trailing garbage.)
 *
 * Each member's deflate data goes through an InflateRaw; its `bytesWritten`
 * after the end says how much input the member used, so the next member (or
 * the garbage) is found exactly.
 *
 * Output is made only as fast as it is taken (see below): whatever the
 * compression ratio, memory holds a few OUT_CHUNKs, and a reader that stops
 * (the head is not a capture; a limit of source.ts) stops the inflating.
 */
export async function* gunzipMembers(
  first: Uint8Array, rest: AsyncIterator<Uint8Array>, warn: (message: string) => void, stats: GunzipStats = { consumed: 0 },
): AsyncGenerator<Uint8Array> {
  /** Compressed bytes of the members before this one (headers, deflate data, trailers). */
  let before = 0;
  let buf: Uint8Array = first;
  let pos = 0;
  let srcDone = false;
  /** The member's inflate, destroyed if the reader stops early (not a capture, a limit). */
  let current: InflateRaw | null = null;
  const more = async (): Promise<boolean> => {
    if (srcDone) return false;
    const r = await rest.next();
    if (r.done) {
      srcDone = true;
      return false;
    }
    const tail = buf.subarray(pos);
    buf = tail.length === 0 ? r.value : Buffer.concat([tail, r.value]);
    pos = 0;
    return true;
  };
  const need = async (n: number): Promise<boolean> => {
    while (buf.length - pos < n) if (!(await more())) return false;
    return true;
  };

  try {
    for (let member = 0; ; member++) {
      // Between members: the end, zero padding, another member, or garbage.
      if (!(await need(1))) return;
      if (member > 0 && buf[pos] === 0) {
        for (;;) {
          while (pos < buf.length && buf[pos] === 0) pos++;
          if (pos < buf.length || !(await more())) break;
        }
        if (pos >= buf.length) return;
      }
      if (!(await need(10)) || buf[pos] !== 0x1f || buf[pos + 1] !== 0x8b || buf[pos + 2] !== 8 || (buf[pos + 3] & FTEXT_MASK) !== 0) {
        if (member === 0) throw new Error('not a gzip header');
        let extra = buf.length - pos;
        while (await more()) extra = buf.length - pos;
        warn(`${extra} bytes after gzip member ${member} are not gzip data; ignored`);
        return;
      }
      const flags = buf[pos + 3];
      let h = 10;
      if (flags & FEXTRA) {
        if (!(await need(h + 2))) throw new Error('gzip header cut off');
        h += 2 + (buf[pos + h] | (buf[pos + h + 1] << 8));
      }
      for (const flag of [FNAME, FCOMMENT]) {
        if (!(flags & flag)) continue;
        for (;;) {
          if (!(await need(h + 1))) throw new Error('gzip header cut off');
          if (buf[pos + h++] === 0) break;
        }
      }
      if (flags & FHCRC) h += 2;
      if (!(await need(h))) throw new Error('gzip header cut off');
      pos += h;
      stats.consumed = before + h;

      // The deflate data, pulled: inflate's output is read (read(), never a
      // 'data' listener) one piece at a time, only as fast as the reader takes
      // it. In flowing mode inflate empties a whole input chunk before the
      // write's callback: 4 MB of a gzip of zeros is 4 GB of output held at
      // once, before the first byte is looked at. Paused, inflate stops once
      // OUT_CHUNK bytes wait to be read (zlib.js holds the rest of its input
      // until the next read), so memory stays a few chunks whatever the ratio,
      // and a head that is no capture stops it after one piece.
      const inflate = createInflateRaw({ chunkSize: OUT_CHUNK });
      current = inflate;
      let ended = false;
      let failure: Error | null = null;
      let taking = false;
      let wake: (() => void) | null = null;
      const signal = (): void => {
        const w = wake;
        wake = null;
        w?.();
      };
      inflate.on('readable', signal);
      inflate.on('end', () => { ended = true; signal(); });
      inflate.on('error', (e: Error) => { failure = e; signal(); });
      inflate.on('close', signal);
      // The last chunks given to inflate, to find where the member's data stopped.
      const window: { chunk: Uint8Array; at: number }[] = [];
      let written = 0;
      const write = (chunk: Uint8Array): void => {
        window.push({ chunk, at: written });
        if (window.length > 4) window.shift();
        written += chunk.length;
        taking = true;
        inflate.write(chunk, () => { taking = false; signal(); });
      };
      write(buf.subarray(pos));
      buf = new Uint8Array(0);
      pos = 0;
      let inputEnded = false;
      for (;;) {
        if (failure) throw failure;
        const d = inflate.read() as Uint8Array | null;
        if (d !== null) {
          stats.consumed = before + h + inflate.bytesWritten;
          yield d;
          continue;
        }
        if (ended) break;
        if (inflate.destroyed) throw new Error('unexpected end of file');
        if (!taking && !inputEnded) {
          // Inflate has taken all it was given and wants more.
          const r = srcDone ? { done: true as const, value: undefined } : await rest.next();
          if (r.done) {
            srcDone = true;
            inputEnded = true;
            inflate.end();
          } else write(r.value);
          continue;
        }
        // Output, the end or the write's callback will come.
        await new Promise<void>((res) => { wake = res; });
      }
      current = null;
      // Whatever inflate did not use belongs to the trailer and what follows.
      const used = inflate.bytesWritten;
      const leftovers = window.filter((w) => w.at + w.chunk.length > used).map((w) => w.chunk.subarray(Math.max(0, used - w.at)));
      buf = leftovers.length === 1 ? leftovers[0] : Buffer.concat(leftovers);
      pos = 0;
      // CRC32 and ISIZE.
      if (!(await need(8))) throw new Error('gzip trailer cut off');
      pos += 8;
      before += h + used + 8;
      stats.consumed = before;
    }
  } finally {
    current?.destroy();
  }
}
