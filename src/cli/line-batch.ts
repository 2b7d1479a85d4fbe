/**
 * Lines for a stream written in batches: one write per turn of the event
 * loop (or per BATCH_BYTES), not one per line. Writes to a pipe, a file or
 * a terminal are synchronous system calls in Node; `live` under a burst
 * prints some 150,000 lines a second, and one call per line took more time
 * than the analysis of their packets.
 */
const BATCH_BYTES = 64 * 1024;

export class LineBatch {
  private parts: string[] = [];
  private size = 0;
  private scheduled = false;

  constructor(private readonly write: (text: string) => void) {}

  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= BATCH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Write what is waiting now. */
  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.write(text);
  }
}
