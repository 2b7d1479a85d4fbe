/** A push-to-pull queue of byte chunks: a producer pushes, `for await` takes. */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = [];
  private ended = false;
  private error: unknown = null;
  private wake: (() => void) | null = null;

  push(chunk: Uint8Array): void {
    if (this.ended) return;
    this.items.push(chunk);
    this.notify();
  }

  /** No more chunks; with an error, the consumer's loop throws it after the queued chunks. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.error = error;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (this.items.length > 0) yield this.items.shift() as Uint8Array;
      if (this.ended) {
        if (this.error !== null) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }
}
