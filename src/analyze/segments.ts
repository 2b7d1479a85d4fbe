/**
 * The segments of chosen connections, for the timeline and the HTML ladder
 * diagrams. The tracker keeps no segment (it holds numbers only), so this is
 * a second pass over the capture after `analyzeFile`: a segment belongs to a
 * connection when it is on that connection's 4-tuple and within its frame
 * range (connections on one 4-tuple never overlap in frames: a new one
 * replaces the old one at its first SYN). Nothing is allocated for segments
 * of other connections; the port check comes before any address text.
 */
import type { Frame } from '../capture/frame.ts';
import type { FilePath } from '../capture/files.ts';
import { type ReadOptions, readFrames, readFramesFrom } from '../capture/source.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';
import { ipText } from '../report/format.ts';
import type { ConnectionReport } from '../report/types.ts';

/** One segment of a connection, as the ladder diagrams draw it. */
export interface SegmentRecord {
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** Sub-second digits of the capture's timestamps. */
  tsDigits: number;
  /** Sent by the connection's client (else by its server). */
  fromClient: boolean;
  /** Absolute (on-the-wire) sequence and acknowledgment numbers. */
  seq: number;
  ack: number;
  /** TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...). */
  flags: number;
  /** Payload length from the IP header. */
  len: number;
  window: number;
}

interface Target {
  conn: ConnectionReport;
  out: SegmentRecord[];
}

/** The segments of each connection in `conns`, by stream number, read from `path` (a file: it is read again). */
export async function segmentsOf(
  path: FilePath, conns: readonly ConnectionReport[], opts: Pick<ReadOptions, 'within' | 'inflate'> = {},
): Promise<Map<number, SegmentRecord[]>> {
  const c = collector(conns, Infinity);
  await readFrames(path, c.onFrame, { ...opts, signal: c.done });
  return c.result;
}

/**
 * The same from a stream of the capture's bytes (grade reads a submission
 * again from the file it has open), keeping at most `maxPerConnection`
 * segments of each connection (a diagram of a student's capture draws the
 * first ones): a submission of one long transfer does not fill memory.
 */
export async function segmentsOfChunks(
  chunks: AsyncIterable<Uint8Array>, name: string, conns: readonly ConnectionReport[],
  opts: Pick<ReadOptions, 'inflate' | 'onProgress'> & { maxPerConnection: number },
): Promise<Map<number, SegmentRecord[]>> {
  const c = collector(conns, opts.maxPerConnection);
  await readFramesFrom(chunks, name, c.onFrame, { ...(opts.inflate ? { inflate: opts.inflate } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  return c.result;
}

/** `done` is aborted once the frames read are past the last one needed. */
function collector(conns: readonly ConnectionReport[], maxPerConnection: number): { result: Map<number, SegmentRecord[]>; onFrame: (f: Frame) => void; done: AbortSignal } {
  const result = new Map<number, SegmentRecord[]>();
  // Targets by the sum of their ports: a cheap first test for every segment.
  const byPorts = new Map<number, Target[]>();
  for (const conn of conns) {
    const out: SegmentRecord[] = [];
    result.set(conn.stream, out);
    const k = conn.client.port * 65536 + conn.server.port;
    const k2 = conn.server.port * 65536 + conn.client.port;
    for (const key of k === k2 ? [k] : [k, k2]) {
      const list = byPorts.get(key);
      if (list) list.push({ conn, out });
      else byPorts.set(key, [{ conn, out }]);
    }
  }
  const decoder = new Decoder();
  const seg = new Segment();
  // Nothing after the last frame of the last connection is needed (the
  // connections of a capture cut short end well before the file does).
  let last = 0;
  for (const conn of conns) if (conn.lastFrame > last) last = conn.lastFrame;
  const done = new AbortController();
  const onFrame = (f: Frame): void => {
    if (f.number > last) {
      done.abort('the last frame needed');
      return;
    }
    if (decoder.decode(f, seg) !== DecodeStatus.Tcp) return;
    const list = byPorts.get(seg.srcPort * 65536 + seg.dstPort);
    if (!list) return;
    let src: string | null = null;
    let dst: string | null = null;
    for (const { conn, out } of list) {
      if (seg.frame < conn.firstFrame || seg.frame > conn.lastFrame) continue;
      src ??= ipText(seg.ipVersion, seg.src);
      dst ??= ipText(seg.ipVersion, seg.dst);
      let fromClient: boolean;
      if (src === conn.client.ip && seg.srcPort === conn.client.port && dst === conn.server.ip && seg.dstPort === conn.server.port) fromClient = true;
      else if (src === conn.server.ip && seg.srcPort === conn.server.port && dst === conn.client.ip && seg.dstPort === conn.client.port) fromClient = false;
      else continue;
      if (out.length < maxPerConnection) {
        out.push({
          frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec, tsDigits: seg.tsDigits, fromClient,
          seq: seg.seq, ack: seg.ack, flags: seg.flags, len: seg.payloadLen, window: seg.window,
        });
      }
      break;
    }
  };
  return { result, onFrame, done: done.signal };
}
