/**
 * The human form of live events: one line each, in English or Chinese
 * (`--lang`). The messages are those of render/i18n.ts. The English lines
 * show the raw values of the NDJSON events (client, cut-short, four-way,
 * the engine's causes); the Chinese lines show their labels. RFC state
 * names stay in English in both.
 */
import type { EndpointAddress, Side } from '../report/types.ts';
import {
  type Lang, type MessageKey, clientFromLabel, closeLabel, evidenceLabel, sideLabel, t, transitionCauseLabel, verdictLabel,
} from '../render/i18n.ts';
import { parseIso } from '../render/text.ts';
import { type TimeSource, timingNote } from './backend.ts';
import type { KernelComparison, LiveEvent } from './events.ts';

export interface LineOptions {
  timestamps: TimeSource;
  /** Show times as UTC (tests) instead of local time. */
  utc?: boolean;
  /** Language of the lines (default en). */
  lang?: Lang;
}

/** tcpdump's whole-packet snapshot length (session.ts WHOLE_PACKETS). */
const WHOLE = 262144;

const ep = (a: EndpointAddress): string => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

/** The last second turned into a time of day: a burst's events fall in few seconds. */
const lastClock = { base: '', utc: false, hms: '' };

/** Time of day with microseconds; `~` marks a receipt time (cap backend). */
export function clock(isoText: string, o: LineOptions): string {
  // `YYYY-MM-DDTHH:MM:SS` names the second; the fraction follows its dot.
  const base = isoText.slice(0, 19);
  const utc = o.utc === true;
  let hms: string;
  if (base === lastClock.base && utc === lastClock.utc) hms = lastClock.hms;
  else {
    const d = new Date(parseIso(isoText).sec * 1000);
    const p = (n: number): string => String(n).padStart(2, '0');
    hms = utc ? `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}` : `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    lastClock.base = base;
    lastClock.utc = utc;
    lastClock.hms = hms;
  }
  const dot = isoText.indexOf('.', 19);
  const micros = dot < 0 ? '000000' : isoText.slice(dot + 1, isoText.length - 1).padEnd(6, '0').slice(0, 6);
  return `${o.timestamps === 'receipt' ? '~' : ''}${hms}.${micros}`;
}

/** Messages split at their {placeholders} once: [text, name, text, name, ..., text]. */
const templates: Record<Lang, Map<MessageKey, string[]>> = { en: new Map(), zh: new Map() };

/** t() of render/i18n.ts for the lines of a burst: the same text, without a regular expression per line. */
function msg(lang: Lang, key: MessageKey, params: Record<string, string | number>): string {
  let parts = templates[lang].get(key);
  if (parts === undefined) {
    parts = t(lang, key).split(/\{(\w+)\}/);
    templates[lang].set(key, parts);
  }
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const v = params[parts[i]];
    out += (v === undefined ? `{${parts[i]}}` : String(v)) + parts[i + 1];
  }
  return out;
}

const secs = (x: number): string => `${Math.round(x * 1000) / 1000} s`;
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x}`;

/** A side: the raw value in English (as in the events), the label in Chinese. */
function side(lang: Lang, s: Side | 'both' | null): string {
  if (lang === 'en' || s === null) return String(s);
  return sideLabel(lang, s);
}

/** The line for an event, or null for events shown elsewhere (summary, closed at the end). */
export function eventLine(e: LiveEvent, o: LineOptions): string | null {
  const lang = o.lang ?? 'en';
  const raw = lang === 'en';
  switch (e.type) {
    case 'started':
      return t(lang, 'live.started', {
        iface: e.interface,
        filter: e.filter ? t(lang, 'live.started.filter', { filter: e.filter }) : '',
        backend: e.backend,
        timing: raw ? e.timing : timingNote(e.backend, lang),
        receipt: e.timestamps === 'receipt' ? t(lang, 'live.started.receipt') : '',
        seconds: e.settings.timeWaitSeconds,
        os: e.settings.os,
        kernel: e.kernel ? t(lang, 'live.started.kernel') : '',
        writing: e.writing ? t(lang, 'live.started.writing', {
          file: e.writing, snap: e.snapLength < WHOLE ? t(lang, 'live.started.snap', { bytes: e.snapLength }) : '',
        }) : '',
      });
    case 'opened':
      return msg(lang, 'live.opened', {
        clock: clock(e.time, o), stream: e.stream, client: ep(e.client), server: ep(e.server),
        from: e.clientFrom === 'syn' ? '' : t(lang, 'live.opened.from', { from: clientFromLabel(lang, e.clientFrom) }),
      });
    case 'transition':
      return msg(lang, 'live.transition', {
        clock: clock(e.time, o), stream: e.stream, side: side(lang, e.side), endpoint: ep(e.endpoint), from: e.from, to: e.to,
        cause: transitionCauseLabel(lang, e.cause), inferred: e.inferred ? t(lang, 'live.inferred') : '',
      });
    case 'retracted':
      return msg(lang, 'live.retracted', {
        clock: clock(e.time, o), stream: e.stream, side: side(lang, e.side), endpoint: ep(e.endpoint), from: e.from, to: e.to,
        why: t(lang, e.cause === 'received ACK of our FIN' ? 'live.retracted.ackLost' : 'live.retracted.crossed'),
      });
    case 'fin-retransmission':
      return msg(lang, 'live.finRetx', {
        clock: clock(e.time, o), stream: e.stream, side: side(lang, e.side), endpoint: ep(e.endpoint), copy: e.copy, gap: secs(e.gapSeconds),
      });
    case 'time-wait':
      return msg(lang, 'live.timeWait', {
        clock: clock(e.time, o), stream: e.stream, side: side(lang, e.side), endpoint: ep(e.endpoint), required: e.requiredSeconds, deadline: clock(e.deadline, o),
      });
    case 'time-wait-restart':
      return msg(lang, e.answering === 'paws-rejected' ? 'live.timeWaitRestartPaws' : 'live.timeWaitRestart', {
        clock: clock(e.time, o), stream: e.stream, side: side(lang, e.side), endpoint: ep(e.endpoint), deadline: clock(e.deadline, o),
      });
    case 'time-wait-end':
      return msg(lang, 'live.timeWaitEnd', {
        clock: clock(e.time, o), stream: e.stream, side: side(lang, e.side), endpoint: ep(e.endpoint),
        evidence: t(lang, `live.timeWaitEnd.${e.evidence}`), observed: secs(e.observedSeconds), required: e.requiredSeconds,
        verdict: raw ? e.verdict : verdictLabel(lang, e.verdict),
      });
    case 'closed': {
      if (e.reason === 'capture-end') return null;
      const r = e.report;
      return msg(lang, 'live.closed', {
        clock: clock(e.time, o), stream: e.stream,
        why: e.reason === 'expired' ? t(lang, 'live.closed.expired', { seconds: r.timeWait.requiredSeconds }) : t(lang, 'live.closed.replaced'),
        kind: raw ? r.close.kind : closeLabel(lang, r.close.kind),
        closer: r.close.activeCloser ? t(lang, 'live.closed.by', { side: side(lang, r.close.activeCloser) }) : '',
        verdict: raw ? e.verdict : verdictLabel(lang, e.verdict),
      });
    }
    case 'drops':
      return t(lang, 'live.drops', { n: e.newlyDropped, dropped: e.dropped, received: e.received });
    case 'kernel-time-wait': {
      const who = t(lang, 'live.kernel.who', { stream: String(e.stream), side: side(lang, e.side), endpoint: ep(e.local) });
      const kernelClock = (iso: string): string => clock(iso, { ...o, timestamps: 'kernel' });
      const at = kernelClock(e.time);
      if (e.phase === 'entered') {
        const capture = e.captureEntered ? t(lang, 'live.kernel.capture', { clock: clock(e.captureEntered, o), delta: signed(e.entryDeltaSeconds!) }) : '';
        return t(lang, 'live.kernel.entered', { clock: at, who, left: e.remainingSeconds.toFixed(2), entered: kernelClock(e.entered), capture });
      }
      if (e.phase === 'restart') return t(lang, 'live.kernel.restart', { clock: at, who, left: e.remainingSeconds.toFixed(2) });
      return t(lang, 'live.kernel.left', { clock: at, who, measured: String(e.measuredSeconds), early: e.endedEarly ? t(lang, 'live.kernel.early') : '' });
    }
    case 'stopped': {
      const s = e.stats;
      const stats = s
        ? t(lang, 'live.stopped.stats', {
          received: s.received, dropped: s.dropped,
          ifdrop: s.droppedByInterface ? t(lang, 'live.stopped.ifdrop', { n: s.droppedByInterface }) : '',
        })
        : t(lang, 'live.stopped.noStats');
      const why = e.signal === 'SIGTERM' || e.signal === 'SIGHUP' ? t(lang, `live.stopped.${e.signal}`) : t(lang, `live.stopped.${e.reason}`);
      const line = t(lang, 'live.stopped', { why, frames: e.frames, stats });
      return e.failure ? `${line}\n${t(lang, 'live.error', { message: e.failure })}` : line;
    }
    case 'summary':
      return null;
  }
}

/**
 * The note on one kernel-vs-capture comparison: what the capture concluded
 * and what the kernel measured. The session stores the English one in
 * KernelComparison.note.
 */
export function kernelNote(c: Omit<KernelComparison, 'note'>, lang: Lang = 'en'): string {
  const still = c.stillInTimeWait;
  const left = String(c.remainingAtEnd?.toFixed(1));
  const kernel = String(c.kernelSeconds);
  const observed = String(c.captureObservedSeconds);
  const required = c.requiredSeconds;
  let note: string;
  switch (c.captureVerdict) {
    case 'none':
      note = c.captureLastState !== null ? t(lang, 'live.note.endedBefore', { state: c.captureLastState }) : t(lang, 'live.note.notSeen');
      break;
    case 'full':
      note = still ? t(lang, 'live.note.fullStill', { left }) : t(lang, 'live.note.full', { kernel, required });
      break;
    case 'cut-short':
      note = still
        ? t(lang, 'live.note.cutStill')
        : t(lang, 'live.note.cut', { observed, kernel, early: c.endedEarly ? t(lang, 'live.note.cutEarly') : '' });
      break;
    case 'inconclusive':
      note = still
        ? t(lang, 'live.note.inconclusiveStill', { observed, required, left })
        : t(lang, 'live.note.inconclusive', {
          observed, kernel,
          linux: c.kernelSeconds !== null && c.kernelSeconds < required ? t(lang, 'live.note.linux', { seconds: 60 }) : '',
        });
      break;
  }
  const delta = c.entryDeltaSeconds;
  if (delta !== null && Math.abs(delta) > 1) note += t(lang, 'live.note.entryDiffers', { delta });
  return note;
}

/** The kernel-vs-capture lines of the summary. */
export function kernelLines(k: readonly KernelComparison[], o: LineOptions): string[] {
  const lang = o.lang ?? 'en';
  if (k.length === 0) return [t(lang, 'live.k.none')];
  const out = [t(lang, 'live.k.title')];
  for (const c of k) {
    const mark = t(lang, c.agreement === 'agree' ? 'live.k.agree' : c.agreement === 'disagree' ? 'live.k.disagree' : 'live.k.undecided');
    const entry = t(lang, 'live.k.entry', {
      kernel: clock(c.kernelEntered, { ...o, timestamps: 'kernel' }),
      capture: c.captureEntered ? t(lang, 'live.k.entryCapture', { clock: clock(c.captureEntered, o), delta: signed(c.entryDeltaSeconds!) }) : '',
    });
    const held = c.stillInTimeWait
      ? t(lang, 'live.k.still', { left: String(c.remainingAtEnd?.toFixed(1)) })
      : t(lang, 'live.k.held', { seconds: String(c.kernelSeconds), early: c.endedEarly ? t(lang, 'live.k.early') : '' });
    const restarts = c.kernelRestarts + c.captureRestarts > 0 ? t(lang, 'live.k.restarts', { kernel: c.kernelRestarts, capture: c.captureRestarts }) : '';
    out.push(t(lang, 'live.k.line', {
      stream: c.stream, side: side(lang, c.side), endpoint: ep(c.local), entry, held, restarts, mark,
      note: lang === 'en' ? c.note : kernelNote(c, lang),
    }));
  }
  return out;
}
