/**
 * A live capture backend hands the pipeline a pcap byte stream, exactly what
 * a file would give, so the same reader, decoder and engine run on it.
 */
import { type Lang, t } from '../render/i18n.ts';

/** libpcap's counters (pcap_stats), as far as the backend can tell. */
export interface CaptureStats {
  /** Packets that passed the filter (ps_recv). */
  received: number;
  /** Dropped because the buffer was full (ps_drop). */
  dropped: number;
  /** Dropped by the interface or driver (ps_ifdrop), when reported. */
  droppedByInterface: number | null;
  /** Packets written by the backend. */
  captured: number;
}

export type BackendName = 'cap' | 'tcpdump';

/** Where the packets' timestamps come from. */
export type TimeSource = 'kernel' | 'receipt';

export interface LiveSource {
  readonly backend: BackendName;
  readonly timestamps: TimeSource;
  /** libpcap LINKTYPE_ of the capture, once known (null before). */
  readonly linkType: number | null;
  /** The capture as a pcap byte stream; ends after `stop()`. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Stop capturing: the stream ends once what was captured is delivered. Safe to call more than once. */
  stop(): void;
  /** Latest counters (null when the backend cannot tell, as with cap). */
  stats(): CaptureStats | null;
  /** Called when new counters arrive during the run (tcpdump: every `statsIntervalMs`). */
  onStats: ((s: CaptureStats) => void) | null;
  /** After the stream ended: the final counters, and a message if the backend died on its own. */
  closed(): Promise<{ stats: CaptureStats | null; failure: string | null }>;
}

export interface OpenOptions {
  iface: string;
  /** BPF filter ('' for none). */
  filter: string;
  /** Kernel buffer for captured packets, bytes. */
  bufferBytes: number;
  /**
   * Bytes kept of each packet (tcpdump -s; 262144 for whole packets). The
   * analysis needs the headers only: lengths come from the IP header, never
   * from the captured length. With tcpdump the ring holds about
   * bufferBytes / (snapLength + 44) packets (half that on lo, see
   * tcpdumpArgs); cap keeps 65535 bytes always.
   */
  snapLength: number;
  /** How often to ask tcpdump for its counters (0: never). */
  statsIntervalMs?: number;
}

/** What each backend means for timing, said in the output (in English: the `timing` of the started event). */
export function timingNote(backend: BackendName, lang: Lang = 'en'): string {
  return t(lang, `live.timing.${backend}`);
}
