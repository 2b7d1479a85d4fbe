/**
 * Ctrl-C (SIGINT) or SIGTERM while `analyze` reads: the read ends where it
 * is, and the report of what was read is still written (a capture from a
 * pipe may have run for hours). The first signal aborts `signal`; a second
 * one leaves at once. The exit code is 128 + the signal's number (130 for
 * SIGINT, 143 for SIGTERM), as a shell reports a command a signal ended:
 * scripts see the report is partial.
 */
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
type Sig = keyof typeof SIGNALS;

export class Interrupt {
  private readonly controller = new AbortController();
  /** The signal received (null while none). */
  received: Sig | null = null;
  private readonly handlers: [Sig, () => void][];

  constructor() {
    this.handlers = (Object.keys(SIGNALS) as Sig[]).map((sig) => [sig, () => this.on(sig)]);
    for (const [sig, h] of this.handlers) process.on(sig, h);
  }

  /** Aborted at the first signal, with the signal's name as its reason. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** 128 + the signal's number, or null when none came. */
  get exitCode(): number | null {
    return this.received === null ? null : 128 + SIGNALS[this.received];
  }

  private on(sig: Sig): void {
    if (this.received !== null) process.exit(128 + SIGNALS[sig]);
    this.received = sig;
    this.controller.abort(sig);
  }

  /** Captures left unread because of the interrupt. */
  readonly unread: string[] = [];

  notRead(file: string): void {
    this.unread.push(file);
  }

  /** The handlers go: a signal kills the process again as by default. */
  dispose(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
  }
}
