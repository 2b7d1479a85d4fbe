/** The human form of live events: one line each. */
import type { EndpointAddress } from '../report/types.ts';
import { parseIso } from '../render/text.ts';
import type { TimeSource } from './backend.ts';
import type { KernelComparison, LiveEvent } from './events.ts';

export interface LineOptions {
  timestamps: TimeSource;
  /** Show times as UTC (tests) instead of local time. */
  utc?: boolean;
}

const ep = (a: EndpointAddress): string => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

/** Time of day with microseconds; `~` marks a receipt time (cap backend). */
export function clock(isoText: string, o: LineOptions): string {
  const { sec, nsec } = parseIso(isoText);
  const d = new Date(sec * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const hms = o.utc ? `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}` : `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${o.timestamps === 'receipt' ? '~' : ''}${hms}.${String(nsec).padStart(9, '0').slice(0, 6)}`;
}

const secs = (x: number): string => `${Math.round(x * 1000) / 1000} s`;

/** The line for an event, or null for events shown elsewhere (summary, closed at the end). */
export function eventLine(e: LiveEvent, o: LineOptions): string | null {
  switch (e.type) {
    case 'started':
      return `tcpscope live on ${e.interface}${e.filter ? ` (filter: ${e.filter})` : ''}, backend ${e.backend}: ${e.timing}` +
        `${e.timestamps === 'receipt' ? ' (times marked ~)' : ''}; TIME_WAIT = ${e.settings.timeWaitSeconds} s (--os ${e.settings.os})` +
        `${e.kernel ? '; watching the kernel\'s TIME_WAIT table' : ''}${e.writing ? `; writing ${e.writing}` : ''}. Ctrl-C stops.`;
    case 'opened':
      return `${clock(e.time, o)}  #${e.stream} opened: client ${ep(e.client)} -> server ${ep(e.server)}${e.clientFrom === 'syn' ? '' : ` (client chosen by ${e.clientFrom})`}`;
    case 'transition':
      return `${clock(e.time, o)}  #${e.stream} ${e.side} ${ep(e.endpoint)} ${e.from} -> ${e.to} (${e.cause})${e.inferred ? ' [inferred]' : ''}`;
    case 'retracted':
      return `${clock(e.time, o)}  #${e.stream} ${e.side} ${ep(e.endpoint)} ${e.from} -> ${e.to} undone: ${e.cause === 'received ACK of our FIN' ? 'that ACK never reached it (it retransmitted its FIN)' : 'its FIN crossed the peer\'s (simultaneous close)'}`;
    case 'fin-retransmission':
      return `${clock(e.time, o)}  #${e.stream} ${e.side} ${ep(e.endpoint)} retransmitted its FIN (retransmission ${e.copy}, ${secs(e.gapSeconds)} after the previous copy)`;
    case 'time-wait':
      return `${clock(e.time, o)}  #${e.stream} ${e.side} ${ep(e.endpoint)} entered TIME_WAIT: must hold ${e.requiredSeconds} s, until ${clock(e.deadline, o)}`;
    case 'time-wait-restart':
      return `${clock(e.time, o)}  #${e.stream} ${e.side} ${ep(e.endpoint)} TIME_WAIT restarted (re-acknowledged a retransmitted FIN), now until ${clock(e.deadline, o)}`;
    case 'time-wait-end':
      return `${clock(e.time, o)}  #${e.stream} ${e.side} ${ep(e.endpoint)} TIME_WAIT ended by ${e.evidence === 'rst' ? 'its RST' : 'a reuse of the 4-tuple'} after ${secs(e.observedSeconds)} of ${e.requiredSeconds} s: verdict ${e.verdict}`;
    case 'closed': {
      if (e.reason === 'capture-end') return null;
      const r = e.report;
      const closer = r.close.activeCloser ? `, closed by ${r.close.activeCloser}` : '';
      const why = e.reason === 'expired' ? `${r.timeWait.requiredSeconds} s passed with nothing on its 4-tuple` : 'its 4-tuple was reused';
      return `${clock(e.time, o)}  #${e.stream} done (${why}): close ${r.close.kind}${closer}, TIME_WAIT verdict ${e.verdict}`;
    }
    case 'drops':
      return `warning: libpcap dropped ${e.newlyDropped} packet(s) (${e.dropped} of ${e.received} so far): connections may miss segments; a larger --buffer-size or a narrower -f filter helps`;
    case 'kernel-time-wait': {
      const who = `kernel: #${e.stream} ${e.side} ${ep(e.local)}`;
      const cap = e.captureEntered ? `; the capture saw it enter at ${clock(e.captureEntered, o)} (${e.entryDeltaSeconds! >= 0 ? '+' : ''}${e.entryDeltaSeconds} s)` : '';
      if (e.phase === 'entered') return `${clock(e.time, { ...o, timestamps: 'kernel' })}  ${who} is in TIME_WAIT, ${e.remainingSeconds.toFixed(2)} s left (entered ${clock(e.entered, { ...o, timestamps: 'kernel' })})${cap}`;
      if (e.phase === 'restart') return `${clock(e.time, { ...o, timestamps: 'kernel' })}  ${who} TIME_WAIT timer restarted: ${e.remainingSeconds.toFixed(2)} s left`;
      return `${clock(e.time, { ...o, timestamps: 'kernel' })}  ${who} left TIME_WAIT after ${e.measuredSeconds} s${e.endedEarly ? ' (before its timer ran out)' : ''}`;
    }
    case 'stopped': {
      const why = { interrupt: 'Ctrl-C', duration: '--duration', count: '--count', 'backend-ended': 'the capture ended' }[e.reason];
      const st = e.stats ? `; libpcap: ${e.stats.received} received by the filter, ${e.stats.dropped} dropped${e.stats.droppedByInterface ? `, ${e.stats.droppedByInterface} dropped by the interface` : ''}` : '; libpcap drop counts: not available with the cap backend';
      return `stopped (${why}) after ${e.frames} frame(s)${st}${e.failure ? `\nerror: ${e.failure}` : ''}`;
    }
    case 'summary':
      return null;
  }
}

/** The kernel-vs-capture lines of the summary. */
export function kernelLines(k: readonly KernelComparison[], o: LineOptions): string[] {
  if (k.length === 0) return ['Kernel TIME_WAIT: no local socket of a captured connection entered TIME_WAIT.'];
  const out = ['Kernel TIME_WAIT (this host\'s sockets) vs the capture:'];
  for (const c of k) {
    const mark = c.agreement === 'agree' ? 'agree' : c.agreement === 'disagree' ? 'DISAGREE' : 'capture undecided';
    const entry = `entered ${clock(c.kernelEntered, { ...o, timestamps: 'kernel' })}${c.captureEntered ? ` (capture ${clock(c.captureEntered, o)}, ${c.entryDeltaSeconds! >= 0 ? '+' : ''}${c.entryDeltaSeconds} s)` : ''}`;
    const held = c.stillInTimeWait ? `still in TIME_WAIT (${c.remainingAtEnd?.toFixed(1)} s left)` : `held ${c.kernelSeconds} s${c.endedEarly ? ', ended early' : ''}`;
    const restarts = c.kernelRestarts + c.captureRestarts > 0 ? `, restarts kernel ${c.kernelRestarts} / capture ${c.captureRestarts}` : '';
    out.push(`  #${c.stream} ${c.side} ${ep(c.local)}: ${entry}, ${held}${restarts} - ${mark}: ${c.note}`);
  }
  return out;
}
