import { createInflateRaw, type InflateRaw } from 'node:zlib';

const FTEXT_MASK = 0xe0; // reserved flag bits: must be zero
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

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
 */
export async function* gunzipMembers(
  first: Uint8Array, rest: AsyncIterator<Uint8Array>, warn: (message: string) => void,
): AsyncGenerator<Uint8Array> {
  let buf: Uint8Array = first;
  let pos = 0;
  let srcDone = false;

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

    // The deflate data: feed chunks until the member's stream ends.
    const inflate = createInflateRaw({ chunkSize: 1024 * 1024 });
    const out: Uint8Array[] = [];
    let ended = false;
    let failure: Error | null = null;
    inflate.on('data', (d: Uint8Array) => out.push(d));
    inflate.on('end', () => { ended = true; });
    inflate.on('error', (e: Error) => { failure = e; });
    // The last chunks given to inflate, to find where the member's data stopped.
    const window: { chunk: Uint8Array; at: number }[] = [];
    let written = 0;
    const write = async (chunk: Uint8Array): Promise<void> => {
      window.push({ chunk, at: written });
      if (window.length > 4) window.shift();
      written += chunk.length;
      await writeTo(inflate, chunk);
    };
    await write(buf.subarray(pos));
    buf = new Uint8Array(0);
    pos = 0;
    for (;;) {
      if (failure) throw failure;
      while (out.length > 0) yield out.shift() as Uint8Array;
      if (ended) break;
      const r = srcDone ? { done: true as const, value: undefined } : await rest.next();
      if (r.done) {
        srcDone = true;
        await endOf(inflate);
        await new Promise<void>((res) => setImmediate(res));
        while (out.length > 0) yield out.shift() as Uint8Array;
        if (failure) throw failure;
        if (!ended) throw new Error('unexpected end of file');
        break;
      }
      await write(r.value);
      // Let 'data' and 'end' events of this write arrive.
      await new Promise<void>((res) => setImmediate(res));
    }
    // Whatever inflate did not use belongs to the trailer and what follows.
    const used = inflate.bytesWritten;
    const leftovers = window.filter((w) => w.at + w.chunk.length > used).map((w) => w.chunk.subarray(Math.max(0, used - w.at)));
    buf = leftovers.length === 1 ? leftovers[0] : Buffer.concat(leftovers);
    pos = 0;
    // CRC32 and ISIZE.
    if (!(await need(8))) throw new Error('gzip trailer cut off');
    pos += 8;
  }
}

/** Resolves once inflate has taken the chunk, or has failed or closed (it then never calls back). */
function writeTo(inflate: InflateRaw, chunk: Uint8Array): Promise<void> {
  return settled(inflate, (done) => {
    if (inflate.destroyed || inflate.writableEnded) done();
    else inflate.write(chunk, () => done());
  });
}

function endOf(inflate: InflateRaw): Promise<void> {
  return settled(inflate, (done) => {
    if (inflate.destroyed || inflate.writableEnded) done();
    else inflate.end(() => done());
  });
}

function settled(inflate: InflateRaw, start: (done: () => void) => void): Promise<void> {
  return new Promise((res) => {
    const done = (): void => {
      inflate.off('error', done);
      inflate.off('close', done);
      res();
    };
    inflate.once('error', done);
    inflate.once('close', done);
    start(done);
  });
}
