/**
 * V8's heap settings for the CLI (set once at start by main.ts): collect
 * the old generation sooner, and keep each thread's young generation small.
 * tcpscope keeps little of what it allocates (a connection's objects go
 * when it is packed or reported), so V8's defaults, made for programs that
 * keep what they allocate, hold mostly garbage: about 60 to 100 MB of the
 * peak RSS of a large capture. The library (src/index.ts) sets nothing.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what its last full collection
 * kept before it collects again, in percent. V8's own factor, up to 4x,
 * suits programs that keep what they allocate; the tracker lets go of every
 * connection's objects, so the heap is mostly garbage between collections
 * (1 M SYN flood, CSV: peak RSS 336 MB with V8's factor, 210 MB with 50%).
 * 25% kept 10-30 MB less but cost ~5% CPU in full collections (bench
 * capture, CSV: 17 of them against 11 with 50%, 4 with V8's factor).
 * Process-wide: every thread's heap. A --heap-growing-percent on node's
 * command line wins (README, Performance, Tips).
 */
const HEAP_GROWING_PERCENT = 50;

/**
 * Young generation of each thread: V8's semi-space size, in MB (node's
 * --max-semi-space-size). V8 lets this thread's grow to 32 MB here; capped
 * so, it stays at 8 MB (bench capture, CSV: peak RSS 203 -> 167 MB). A
 * connection's objects outlive a young generation of any of these sizes
 * (until the connection is packed), so a larger one mostly holds more
 * garbage. The size can only be set when a heap is made: threads started
 * from now on get it (--min- and --max-semi-space-size, 4 to 8 MB; the
 * report thread had 4 already); this thread's heap, made when node started,
 * is let grow until it reaches 8 MB and no further. A semi-space size
 * given to node (NODE_OPTIONS may hold --max-semi-space-size) wins.
 */
const SEMI_SPACE_MB = 4;
/** new_space's size in V8's heap statistics once it has grown to SEMI_SPACE_MB. */
const YOUNG_MAX = 2 * SEMI_SPACE_MB * 1048576;

function given(flag: string): boolean {
  const re = new RegExp(`^--${flag.replace(/-/g, '[-_]')}\\b`);
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => re.test(a));
}

/** V8's heap settings for tcpscope's work (HEAP_GROWING_PERCENT, SEMI_SPACE_MB), set once at start. */
export function tuneHeap(): void {
  if (!given('heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (given('max-semi-space-size') || given('min-semi-space-size') || given('semi-space-growth-factor')) return;
  setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  setFlagsFromString(`--min-semi-space-size=${SEMI_SPACE_MB}`);
  growing = true;
  // After each collection of this thread (once the event loop turns), and after each chunk of input (run.ts).
  if (stopYoungGrowth()) return;
  const obs = new PerformanceObserver(() => {
    if (stopYoungGrowth()) obs.disconnect();
  });
  obs.observe({ entryTypes: ['gc'] });
}

/** This thread's young generation may still grow (tuneHeap). */
let growing = false;

/**
 * Once this thread's young generation has grown to YOUNG_MAX, it grows no
 * further (true then). Cheap: called after each chunk of input (run.ts).
 */
export function stopYoungGrowth(): boolean {
  if (!growing) return true;
  const young = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
  if (young < YOUNG_MAX) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  growing = false;
  return true;
}
