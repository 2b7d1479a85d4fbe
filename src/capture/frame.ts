/**
 * One captured frame as a reader hands it out.
 *
 * Readers reuse a single Frame object and point `buf` at their own buffer: a
 * Frame (and the bytes it points at) is valid only until the reader's next
 * `next()` call. Copy what must outlive it. This keeps the hot path free of
 * per-packet allocations (see gopacket's DecodingLayerParser).
 */
export interface Frame {
  /** 1-based frame number, counted the way Wireshark numbers frames (every packet record). */
  number: number;
  /** Whole seconds since the Unix epoch (may be negative for pre-1970 captures). */
  tsSec: number;
  /** Nanoseconds within the second, 0..999 999 999. */
  tsNsec: number;
  /** Decimal digits of sub-second precision the file records (6 for µs pcap, 9 for ns, pcapng per interface). */
  tsDigits: number;
  /** Bytes present in the capture. */
  capLen: number;
  /** Length of the packet on the wire. */
  origLen: number;
  /** libpcap LINKTYPE_ value of the frame's interface. */
  linkType: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** Buffer holding the frame's bytes, from `offset` to `offset + capLen`. */
  buf: Uint8Array;
  offset: number;
  /** Byte offset of the frame's record in the (decompressed) input stream. */
  fileOffset: number;
}

export function newFrame(): Frame {
  return {
    number: 0, tsSec: 0, tsNsec: 0, tsDigits: 6, capLen: 0, origLen: 0,
    linkType: 1, interfaceId: 0, buf: new Uint8Array(0), offset: 0, fileOffset: 0,
  };
}

/** A problem in the input that did not stop reading: named by frame number and byte offset. */
export interface CaptureWarning {
  /** Number of the frame the problem is in (or the next frame that would have been read). */
  frame: number;
  /** Byte offset in the (decompressed) input. */
  offset: number;
  message: string;
  /** Bytes skipped to get past the problem (0 when reading stopped there). */
  skippedBytes: number;
}

/** Input that cannot be read at all: the CLI prints it as one line and exits 2. */
export class CaptureError extends Error {
  constructor(message: string, readonly frame: number, readonly offset: number) {
    super(message);
    this.name = 'CaptureError';
  }
}

/**
 * A push-style reader (as foxglove/mcap's McapStreamReader): `append` bytes as
 * they arrive, then call `next()` until it returns undefined, which means it
 * needs more bytes. `end()` says no more bytes will come; any incomplete record
 * left is then reported as a warning.
 */
export interface CaptureReader {
  readonly format: 'pcap' | 'pcapng';
  append(chunk: Uint8Array): void;
  next(): Frame | undefined;
  end(): void;
  readonly warnings: CaptureWarning[];
  /** Link types seen so far (interface link types for pcapng). */
  readonly linkTypes: number[];
  /** Frames handed out so far. */
  readonly frames: number;
  /** Bytes consumed so far. */
  readonly bytesRead: number;
}
