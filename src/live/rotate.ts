/**
 * `live -C`/`-G`: the capture written as a rotation series, as tcpdump
 * writes one, so that `analyze` reads it back as one capture
 * (capture/series.ts). `-C MB`: a new file once the current one has grown
 * past MB million bytes (tcpdump's unit), named `NAME`, `NAME1`, `NAME2`...
 * `-G SEC`: a new file for the first packet SEC seconds or more after the
 * current file's start, the name's strftime fields (%Y %m %d %H %M %S %j
 * %s...) filled with that packet's time (UTC; tcpdump uses local time);
 * with both, the `-C` numbers start again at each new `-G` file. Each file
 * is a CaptureWriter's: valid at every moment, closed (fsync) before the
 * next is opened.
 */
import type { Frame } from '../capture/frame.ts';
import { LiveError } from './errors.ts';
import { CaptureWriter, type WriteFormat, formatForPath } from './writer.ts';

export interface Rotation {
  /** Bytes per file (-C, in millions of bytes like tcpdump), null for none. */
  bytes: number | null;
  /** Seconds per file (-G), null for none. */
  seconds: number | null;
}

/** The part of the writer the live session uses: one file or a series. */
export interface FrameWriter {
  readonly path: string;
  frames: number;
  start(linkType: number): void;
  add(f: Frame): void;
  flush(): void;
  close(linkType: number): void;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** strftime of the fields tcpdump's -G names use, for a time in seconds (UTC). */
export function strftime(pattern: string, sec: number): string {
  const d = new Date(sec * 1000);
  const day0 = Date.UTC(d.getUTCFullYear(), 0, 1);
  const fields: Record<string, () => string> = {
    Y: () => String(d.getUTCFullYear()), y: () => p2(d.getUTCFullYear() % 100), m: () => p2(d.getUTCMonth() + 1), d: () => p2(d.getUTCDate()),
    H: () => p2(d.getUTCHours()), M: () => p2(d.getUTCMinutes()), S: () => p2(d.getUTCSeconds()),
    j: () => String(Math.floor((d.getTime() - day0) / 86400000) + 1).padStart(3, '0'), s: () => String(Math.floor(sec)),
    F: () => `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`, T: () => `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`,
    '%': () => '%',
  };
  return pattern.replace(/%(.)/g, (m, k: string) => fields[k]?.() ?? m);
}

/** Whether a name has a time field for -G (else every file would have one name). */
export function hasTimeField(name: string): boolean {
  return /%[YymdHMSjsFT]/.test(name);
}

export class RotatingWriter implements FrameWriter {
  private current: CaptureWriter | null = null;
  private bytes = 0;
  private startSec = 0;
  /** -C number of the current file within its -G file. */
  private n = 0;
  private stem = '';
  private linkType = 1;
  frames = 0;
  /** Every file written, in order. */
  readonly files: string[] = [];
  private readonly format: WriteFormat;

  /** `name`: the path of the files, strftime fields filled for -G. The first file opens at `start` (now) or at the first frame. */
  constructor(readonly path: string, private readonly snapLength: number, private readonly rotation: Rotation) {
    this.format = formatForPath(path);
  }

  start(linkType: number): void {
    this.linkType = linkType;
    if (this.current === null) this.open(Math.floor(Date.now() / 1000), true);
  }

  private open(sec: number, newStem: boolean): void {
    if (this.current !== null) this.current.close(this.linkType);
    if (newStem) {
      this.stem = this.rotation.seconds !== null ? strftime(this.path, sec) : this.path;
      this.startSec = sec;
      this.n = 0;
    } else this.n++;
    const name = this.n === 0 ? this.stem : `${this.stem}${this.n}`;
    try {
      this.current = new CaptureWriter(name, this.snapLength, this.format);
      this.current.start(this.linkType);
    } catch (e) {
      // the files written so far stay valid and closed
      this.current = null;
      const code = (e as NodeJS.ErrnoException).code;
      throw new LiveError('capture-failed', `-C/-G: cannot write ${name}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code ?? (e as Error).message}`);
    }
    this.bytes = this.format === 'pcap' ? 24 : 60;
    this.files.push(name);
  }

  add(f: Frame): void {
    this.linkType = f.linkType;
    // -G counts from the first packet's time (the file was opened at the start, by the wall clock)
    if (this.frames === 0) this.startSec = f.tsSec;
    const due = this.rotation.seconds !== null && this.current !== null && f.tsSec - this.startSec >= this.rotation.seconds;
    if (this.current === null || due) this.open(f.tsSec, true);
    else if (this.rotation.bytes !== null && this.bytes > this.rotation.bytes) this.open(f.tsSec, false);
    (this.current as CaptureWriter).add(f);
    this.bytes += this.format === 'pcap' ? 16 + f.capLen : 32 + f.capLen + ((4 - (f.capLen & 3)) & 3);
    this.frames++;
  }

  flush(): void {
    this.current?.flush();
  }

  close(linkType: number): void {
    if (this.current === null) this.start(linkType);
    this.current?.close(linkType);
  }
}
