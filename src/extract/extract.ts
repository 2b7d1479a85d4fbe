/**
 * `tcpscope extract`'s second pass: read the capture again and write the
 * frames of the chosen connections to a new pcap or pcapng, as they were
 * (capture/writer.ts). A frame belongs to a connection when it is a TCP
 * segment on its 4-tuple, either way, within its frame range - the
 * segments Wireshark's `tcp.stream eq N` shows (connections on one 4-tuple
 * never overlap in frames: a new one begins at its first SYN). Both copies
 * of a loopback segment captured twice (`tcpdump -i any`) are written, as
 * the capture holds them.
 *
 * Wireshark's filter also shows the ICMP / ICMPv6 errors quoting a segment
 * of the stream (the TCP dissector reads the quoted header and finds the
 * conversation of its 4-tuple: the latest one on it begun at or before the
 * frame). So an ICMP error (DecodeStatus.IcmpError) whose quoted 4-tuple is
 * a chosen connection's is written from the connection's first frame until
 * a SYN on that 4-tuple after the connection's last frame begins the next
 * one (Wireshark: a SYN without ACK whose seq is not its sender's ISN in
 * the conversation; a loopback copy of the last SYN is none): also after
 * its last segment (the ICMP that rejected a SYN is often a stream's last
 * frame).
 *
 * Streaming: frames are written as they are read, the reader waits while
 * the output catches up; memory holds the chosen connections' addresses.
 */
import type { FilePath } from '../capture/files.ts';
import type { CaptureReader, Frame } from '../capture/frame.ts';
import { PcapReader } from '../capture/pcap.ts';
import { PcapngReader } from '../capture/pcapng.ts';
import { type InflateLimits, readFrames } from '../capture/source.ts';
import { ByteBuffer, PcapngWriter, PcapWriter, pcapngUnits } from '../capture/writer.ts';
import { Decoder } from '../decode/decoder.ts';
import { ACK, DecodeStatus, Segment, SYN } from '../decode/segment.ts';
import { ipText } from '../report/format.ts';
import type { ConnectionReport } from '../report/types.ts';

export type ExtractFormat = 'pcap' | 'pcapng';

/** What the second pass needs of a chosen connection: also its ISNs (x, y), absolute, when known (a SYN sent again is no new connection). */
export type Chosen = Pick<ConnectionReport, 'stream' | 'client' | 'server' | 'firstFrame' | 'lastFrame'> & { x?: number | null; y?: number | null };

export interface ExtractOptions {
  /** The output's format; null: the input's. */
  format: ExtractFormat | null;
  /** Gets the output's bytes (a view of a reused buffer: copy or write them before returning). */
  write: (bytes: Uint8Array) => void;
  /** Back-pressure: reading waits for a returned promise. */
  pause?: () => Promise<void> | null;
  within?: Buffer | null;
  inflate?: InflateLimits;
}

export interface ExtractResult {
  format: ExtractFormat;
  frames: number;
  /** Frames per chosen stream. */
  perStream: Map<number, number>;
}

/** A pcapng input's frames cannot all go into one pcap file (one link type per file). */
export class ExtractError extends Error {}

/** Which chosen connection a frame belongs to: by ports first (cheap), then addresses and frame range. */
class Matcher {
  private readonly byPorts = new Map<number, Chosen[]>();
  /** Chosen connections a later connection on their 4-tuple has followed (a SYN after their last frame): ICMP errors quoting it are no longer theirs. */
  private readonly followed = new Set<Chosen>();

  constructor(chosen: readonly Chosen[]) {
    for (const c of chosen) {
      for (const key of new Set([c.client.port * 65536 + c.server.port, c.server.port * 65536 + c.client.port])) {
        const list = this.byPorts.get(key);
        if (list) list.push(c);
        else this.byPorts.set(key, [c]);
      }
    }
  }

  /** The chosen connection of a TCP segment (icmp false) or of an ICMP error quoting one (icmp true), or null. */
  match(seg: Segment, icmp: boolean): Chosen | null {
    const list = this.byPorts.get(seg.srcPort * 65536 + seg.dstPort);
    if (!list) return null;
    let src: string | null = null;
    let dst: string | null = null;
    let found: Chosen | null = null;
    for (const c of list) {
      if (seg.frame < c.firstFrame) continue;
      // A TCP segment after the last frame is another connection's; only a SYN can begin it.
      if (seg.frame > c.lastFrame && !icmp && (seg.flags & SYN) === 0) continue;
      if (seg.frame > c.lastFrame && icmp && this.followed.has(c)) continue;
      src ??= ipText(seg.ipVersion, seg.src);
      dst ??= ipText(seg.ipVersion, seg.dst);
      const fromClient = src === c.client.ip && seg.srcPort === c.client.port && dst === c.server.ip && seg.dstPort === c.server.port;
      if (!fromClient && !(src === c.server.ip && seg.srcPort === c.server.port && dst === c.client.ip && seg.dstPort === c.client.port)) continue;
      if (seg.frame > c.lastFrame && !icmp) {
        const isn = fromClient ? c.x : c.y;
        if ((seg.flags & ACK) === 0 && (isn === undefined || isn === null || seg.seq !== isn)) this.followed.add(c);
        continue;
      }
      // An error quoting a bare SYN with another ISN (its flags quoted) begins the next connection, as that SYN would (Tracker.icmpError).
      if (seg.frame > c.lastFrame && icmp && (seg.flags & (SYN | ACK)) === SYN) {
        const isn = fromClient ? c.x : c.y;
        if (isn === undefined || isn === null || seg.seq !== isn) {
          this.followed.add(c);
          continue;
        }
      }
      // Two chosen connections on one 4-tuple: an ICMP error is the latest one's.
      if (found === null || c.firstFrame > found.firstFrame) found = c;
    }
    return found;
  }
}

export async function extractFrames(path: FilePath, chosen: readonly Chosen[], opts: ExtractOptions): Promise<ExtractResult> {
  const matcher = new Matcher(chosen);
  const decoder = new Decoder({ dropLoopbackDuplicates: false });
  const seg = new Segment();
  const out = new ByteBuffer(opts.write);
  const perStream = new Map<number, number>(chosen.map((c) => [c.stream, 0]));
  let frames = 0;
  const readers: CaptureReader[] = [];
  let format: ExtractFormat = 'pcap';
  let writeFrame: (f: Frame) => void = () => undefined;

  const setUp = (r: CaptureReader): void => {
    readers.push(r);
    format = opts.format ?? r.format;
    if (r instanceof PcapReader) {
      if (format === 'pcap') {
        // The file header is read with the first frame: the writer starts then.
        let pcap: PcapWriter | null = null;
        writeFrame = (f) => {
          pcap ??= new PcapWriter(out, r.fileHeader as Uint8Array);
          pcap.write(f);
        };
      } else {
        const ng = new PcapngWriter(out);
        const ts = { high: 0, low: 0 };
        let started = false;
        writeFrame = (f) => {
          const nanos = f.tsDigits > 6;
          if (!started) {
            started = true;
            const h = r.fileHeader as Uint8Array;
            const snaplen = r.isLittleEndian ? (h[16] | (h[17] << 8) | (h[18] << 16) | (h[19] << 24)) >>> 0 : ((h[16] << 24) | (h[17] << 16) | (h[18] << 8) | h[19]) >>> 0;
            ng.section(true);
            ng.interface(f.linkType, snaplen, nanos);
          }
          pcapngUnits(f.tsSec, nanos ? f.tsNsec : Math.floor(f.tsNsec / 1000), nanos, ts);
          ng.packet(0, ts.high, ts.low, f);
        };
      }
      return;
    }
    const ngr = r as PcapngReader;
    if (format === 'pcapng') {
      // Each input section with a chosen frame becomes an output section in
      // its byte order, with every interface description of it as it was,
      // so that interface numbers and if_tsresol stay those of the input.
      const ng = new PcapngWriter(out);
      let le = true;
      let blocks: Uint8Array[] = [];
      let open = false;
      ngr.onSection = (littleEndian) => {
        le = littleEndian;
        blocks = [];
        open = false;
      };
      ngr.onInterface = (block) => {
        blocks.push(block);
        if (open) ng.interfaceBlock(block);
      };
      writeFrame = (f) => {
        if (!open) {
          open = true;
          ng.section(le);
          for (const b of blocks) ng.interfaceBlock(b);
        }
        ng.packet(ngr.sectionInterface, ngr.tsHigh, ngr.tsLow, f);
      };
      return;
    }
    // pcapng to pcap: one link type and one precision for the whole file, the first frame's.
    let pcap: PcapWriter | null = null;
    let linkType = -1;
    writeFrame = (f) => {
      if (pcap === null) {
        linkType = f.linkType;
        pcap = new PcapWriter(out, PcapWriter.header(f.linkType, 262_144, f.tsDigits > 6));
      } else if (f.linkType !== linkType) {
        throw new ExtractError(`frame ${f.number} has link type ${f.linkType}, the first frame written ${linkType}: a pcap file has one link type; write pcapng`);
      }
      pcap.write(f);
    };
  };

  const onFrame = (f: Frame): void => {
    const status = decoder.decode(f, seg);
    if (status !== DecodeStatus.Tcp && status !== DecodeStatus.IcmpError) return;
    const c = matcher.match(seg, status === DecodeStatus.IcmpError);
    if (c === null) return;
    writeFrame(f);
    frames++;
    perStream.set(c.stream, (perStream.get(c.stream) ?? 0) + 1);
  };
  const summary = await readFrames(path, onFrame, {
    onReader: setUp, within: opts.within ?? null,
    ...(opts.pause ? { pause: opts.pause } : {}), ...(opts.inflate ? { inflate: opts.inflate } : {}),
  });
  // No frame written: still a valid, empty capture of the input's link type.
  if (frames === 0) {
    const header = (readers[0] as PcapReader | undefined)?.fileHeader ?? null;
    if (format === 'pcap') new PcapWriter(out, header ?? PcapWriter.header(summary.linkTypes[0] ?? 1, 262_144, summary.tsDigits > 6));
    else new PcapngWriter(out).section(true);
  }
  out.drain();
  return { format, frames, perStream };
}
