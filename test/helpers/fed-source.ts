/**
 * A live backend whose bytes a test pushes (`queue.push(bytes)`, then
 * `queue.end()`): a LiveSession runs on it without root or an interface.
 * It counts the stops it was told.
 */
import type { CaptureStats, LiveSource } from '../../src/live/backend.ts';
import { ChunkQueue } from '../../src/live/queue.ts';

export class FedSource implements LiveSource {
  readonly backend = 'tcpdump';
  readonly timestamps = 'kernel';
  readonly linkType = 1;
  onStats: ((s: CaptureStats) => void) | null = null;
  readonly queue = new ChunkQueue();
  readonly chunks = this.queue;
  stops = 0;
  stop(): void {
    this.stops++;
    this.queue.end();
  }
  stats(): CaptureStats | null {
    return null;
  }
  async closed(): Promise<{ stats: CaptureStats | null; failure: string | null }> {
    return { stats: null, failure: null };
  }
}
