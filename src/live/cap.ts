/**
 * The cap backend (libpcap in-process), wrapped so its known faults cannot
 * hurt a user:
 * - its `packet` event has no timestamp (cap issue #85), no original length
 *   and no drop counts: packets get receipt times (wall clock anchored to
 *   process.hrtime.bigint(), marked `receipt` everywhere), origLen = capLen,
 *   and the stats are unknown;
 * - it aborts the process if the Buffer given to open() is garbage-collected,
 *   or if open() is called again after a failed open: every Cap and its
 *   Buffer stay referenced for the life of the process, and each open uses a
 *   new Cap;
 * - with a small kernel buffer it silently loses packets in bursts: the
 *   buffer is large (256 MiB by default).
 * The packets are written as a pcap byte stream (ns timestamps) into the
 * same reader the files go through.
 */
import type { CaptureStats, LiveSource, OpenOptions } from './backend.ts';
import { type CapInstance, loadCap } from './capmod.ts';
import { deviceNames } from './devices.ts';
import { classifyOpenError, unknownInterfaceError } from './errors.ts';
import { ChunkQueue } from './queue.ts';

/** Every Cap and Buffer ever opened: never collected (see above). */
const pinned: unknown[] = [];

/** Packet buffer handed to cap: larger than any snapshot (cap's snaplen is 65535). */
const PACKET_BUFFER = 262144;
const BATCH = 1 << 20;

/** cap's link type names (from pcap_datalink) to LINKTYPE_ values. */
export function capLinkType(name: string): number {
  switch (name) {
    case 'ETHERNET': return 1;
    case 'NULL': return 0;
    case 'RAW': return 101;
    case 'LINKTYPE_LINUX_SLL': return 113;
    case 'IEEE802_11_RADIO': return 127;
    default: {
      const m = /Unknown linktype (\d+)/.exec(name);
      // DLT_ and LINKTYPE_ values agree except for a few old ones (DLT_RAW is handled above).
      return m ? Number(m[1]) : 1;
    }
  }
}

/** Wall-clock nanoseconds anchored once, advanced by the monotonic clock. */
export class ReceiptClock {
  private readonly sec0: number;
  private readonly nsec0: number;
  private readonly hr0: bigint;
  constructor() {
    const ms = Date.now();
    this.hr0 = process.hrtime.bigint();
    this.sec0 = Math.floor(ms / 1000);
    this.nsec0 = (ms - this.sec0 * 1000) * 1e6;
  }

  /** Now, as [seconds, nanoseconds]. */
  now(out: { sec: number; nsec: number }): void {
    const d = Number(process.hrtime.bigint() - this.hr0) + this.nsec0;
    const s = Math.floor(d / 1e9);
    out.sec = this.sec0 + s;
    out.nsec = d - s * 1e9;
  }
}

/** The 24-byte header of a little-endian nanosecond pcap. */
export function pcapHeader(linkType: number, snaplen = 262144): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b23c4d, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

class CapSource implements LiveSource {
  readonly backend = 'cap';
  readonly timestamps = 'receipt';
  onStats: ((s: CaptureStats) => void) | null = null;
  private readonly queue = new ChunkQueue();
  readonly chunks: AsyncIterable<Uint8Array> = this.queue;
  private batch: Buffer | null = null;
  private used = 0;
  private scheduled = false;
  private stopped = false;
  private packets = 0;
  private readonly clock = new ReceiptClock();
  private readonly t = { sec: 0, nsec: 0 };

  constructor(private readonly cap: CapInstance, private readonly buf: Buffer, readonly linkType: number) {
    this.queue.push(pcapHeader(linkType));
    cap.on('packet', (nbytes: number) => this.onPacket(nbytes));
  }

  private onPacket(n: number): void {
    if (this.stopped) return;
    this.clock.now(this.t);
    this.packets++;
    const need = 16 + n;
    if (this.batch !== null && this.used + need > this.batch.length) this.flush();
    if (this.batch === null) {
      this.batch = Buffer.allocUnsafe(Math.max(BATCH, need));
      this.used = 0;
    }
    const b = this.batch;
    const o = this.used;
    b.writeUInt32LE(this.t.sec >>> 0, o);
    b.writeUInt32LE(this.t.nsec, o + 4);
    b.writeUInt32LE(n, o + 8);
    b.writeUInt32LE(n, o + 12);
    this.buf.copy(b, o + 16, 0, n);
    this.used = o + need;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.batch === null || this.used === 0) return;
    this.queue.push(this.batch.subarray(0, this.used));
    this.batch = null;
    this.used = 0;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.cap.close();
    } catch {
      // already closed
    }
    this.flush();
    this.queue.end();
  }

  stats(): CaptureStats | null {
    return null;
  }

  get captured(): number {
    return this.packets;
  }

  async closed(): Promise<{ stats: CaptureStats | null; failure: string | null }> {
    return { stats: null, failure: null };
  }
}

export function openCap(o: OpenOptions): LiveSource {
  const mod = loadCap();
  // cap prints a warning on stderr and libpcap fails late for unknown devices: check first.
  const names = mod.Cap.deviceList().map((d) => d.name);
  if (o.iface !== 'any' && !names.includes(o.iface)) throw unknownInterfaceError(o.iface, names);
  const cap = new mod.Cap();
  const buf = Buffer.alloc(PACKET_BUFFER);
  pinned.push(cap, buf);
  let linkName: string;
  try {
    linkName = cap.open(o.iface, o.filter, o.bufferBytes, buf);
  } catch (e) {
    // This Cap is never opened again (a second open after a failed one aborts).
    throw classifyOpenError(e instanceof Error ? e.message : String(e), {
      iface: o.iface, filter: o.filter, backend: 'cap', interfaces: deviceNames,
    });
  }
  return new CapSource(cap, buf, capLinkType(linkName));
}
