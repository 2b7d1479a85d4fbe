/**
 * The HTML report's data: what its page script (page.ts) builds the table
 * and draws the ladder diagrams from, in a compact form. Text repeated from
 * row to row (labels, verdicts, flags, notes) is stored once in `strings`
 * and named by index; a ladder row is a short array of numbers; the filter
 * facts are the packed form of report/filter.ts. A 10,000-connection report
 * is then a few MB, where pre-rendered diagrams took about 15 KB each.
 *
 * Text that came from outside (capture file names) is escaped for display
 * here (escape/terminal.ts: controls and bidi overrides shown, not obeyed);
 * the page escapes every string again as markup when it writes it, and the
 * whole document is embedded through escape/script.ts.
 */
import { FILTER_VOCABULARY, filterFacts, filterLanguage } from '../../report/filter.ts';
import type { CaptureReport, ConnectionReport } from '../../report/types.ts';
import { termText } from '../escape/terminal.ts';
import { type Lang, evidenceLabel, t, verdictLabel } from '../i18n.ts';
import type { Ladder } from '../ladder.ts';
import { COLUMNS, headers, row, type Row } from '../rows.ts';
import { duration } from '../text.ts';
import { PAGE_TEXT, type PageText } from './text.ts';

/** Kinds of arrow, by index (ladder.ts RowKind, and `retx` for retransmissions). */
export const ARROW_KINDS = ['syn', 'fin', 'rst', 'data', 'ack', 'retx'] as const;

/**
 * A text of the page: an index into PageData.strings, or, for a text whose
 * numbers change from connection to connection ("deadline +60.212 s"), the
 * index of its skeleton (the numbers replaced by `§`) and the numbers.
 */
export type TextRef = number | (number | string)[];

/**
 * One segment of a ladder, drawn as an arrow: [frame minus the previous
 * row's frame, time since the connection's first segment in units of
 * 10^-digits s, index of its shape in PageData.shapes].
 */
export type LadderRowData = [frameDelta: number, time: number, shape: number];

/**
 * What a segment shows besides its frame and time, shared by the many
 * segments that look alike (every SYN seq=x): [kind * 2 + 1 if sent by the
 * client (kind: ARROW_KINDS index), label (string index, -1: none), flags
 * (string index), relative seq, relative ack (-1: no ACK bit), payload
 * length, client state after it (string index, -1: unchanged), server
 * state after it (same), then its notes].
 */
export type ShapeData = (number | TextRef)[];

/**
 * A run of plain data and ACK segments folded into one line, as the
 * timeline does without --data: [rows drawn before it, segments, first
 * frame, last frame, client data segments, client payload bytes, client
 * ACK-only segments, the same three for the server].
 */
export type FoldData = [number, number, number, number, number, number, number, number, number, number];

/**
 * TIME_WAIT of one side: [side (0 client, 1 server), entry s, deadline s,
 * end of what the capture shows s, evidence label, verdict label, verdict
 * code] (labels as string indexes).
 */
export type TimeWaitData = [number, number, number, number, number, number, number];

export type LadderData = [
  initial: [client: number, server: number],
  final: [client: number, server: number],
  /** Wireshark's base sequence numbers: absolute = base + relative (mod 2^32). */
  base: [client: number, server: number],
  /** Sub-second digits of the times (the capture's precision). */
  digits: number,
  rows: LadderRowData[],
  folds: FoldData[],
  /** Segments past the ones drawn (a long exchange of notable segments): counted in a note. */
  omitted: number,
  timeWait: TimeWaitData[],
  /** The handshake's RTT and SYN options (Ladder.handshakeInfo), then the notes after the last segment. */
  end: TextRef[],
];

/** One connection: [capture index, stream, one TextRef per column, the numeric columns' sort values (PageData.sortKeys order), FilterLanguage.pack of its facts, its ladder or 0 when not drawn]. */
export type ConnectionData = [file: number, stream: number, cells: TextRef[], sort: number[], facts: (string | number)[], ladder: LadderData | 0];

export interface PageData {
  lang: Lang;
  text: PageText;
  columns: { key: keyof Row; label: string; numeric: boolean }[];
  /** Keys of the numeric columns, in the order of ConnectionData's sort values. */
  sortKeys: (keyof Row)[];
  /** Capture names as shown (terminal-escaped). */
  files: string[];
  /** 2MSL of the settings, as text. */
  required: string;
  strings: string[];
  shapes: ShapeData[];
  connections: ConnectionData[];
  /** How many connections have a ladder. */
  drawn: number;
}

/** Columns sorted by number: their sort values come from the report, not from their text. */
const NUMERIC: Partial<Record<keyof Row, (c: ConnectionReport) => number>> = {
  stream: (c) => c.stream,
  timeWait: (c) => c.timeWait.observedSeconds ?? -1,
  finRetx: (c) => c.close.finRetransmissions.client + c.close.finRetransmissions.server,
  halfClose: (c) => c.close.halfClose?.bytes ?? -1,
};
const SORT_KEYS = Object.keys(NUMERIC) as (keyof Row)[];

/** Columns whose text carries numbers of each connection's own (stored as skeleton and numbers). */
const NUMBERED: ReadonlySet<keyof Row> = new Set(['timeWait', 'halfClose', 'reset']);

const M32 = 0x1_0000_0000;

/** Builds PageData one connection at a time (the ladders of a large capture are made in groups and let go of). */
export class PageDataBuilder {
  private readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly shapes: ShapeData[] = [];
  private readonly shapeIndex = new Map<string, number>();
  private readonly files: string[] = [];
  private readonly connections: ConnectionData[] = [];
  private readonly language = filterLanguage(FILTER_VOCABULARY);
  private drawn = 0;

  constructor(private readonly lang: Lang, private readonly required: number) {}

  private s(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.index.set(text, i);
    }
    return i;
  }

  /** A text with numbers: its skeleton once, the numbers here. */
  private n(text: string): TextRef {
    if (!/\d/.test(text) || text.includes('§')) return this.s(text);
    const nums: (number | string)[] = [];
    const skeleton = text.replace(/\d+(?:\.\d+)?/g, (m) => {
      nums.push(/^(0|[1-9]\d{0,14})$/.test(m) ? Number(m) : m);
      return '§';
    });
    return [this.s(skeleton), ...nums];
  }

  private shape(v: ShapeData): number {
    const key = JSON.stringify(v);
    let i = this.shapeIndex.get(key);
    if (i === undefined) {
      i = this.shapes.length;
      this.shapes.push(v);
      this.shapeIndex.set(key, i);
    }
    return i;
  }

  /** A capture; returns its index for addConnection. */
  addCapture(cap: Pick<CaptureReport, 'file'>): number {
    this.files.push(termText(cap.file));
    return this.files.length - 1;
  }

  addConnection(file: number, c: ConnectionReport, ladder: Ladder | null, maxRows: number): void {
    const r = row(c, this.lang);
    if (ladder !== null) this.drawn++;
    this.connections.push([
      file, c.stream,
      COLUMNS.map((k) => (NUMBERED.has(k) ? this.n(r[k]) : this.s(r[k]))),
      SORT_KEYS.map((k) => (NUMERIC[k] as (c: ConnectionReport) => number)(c)),
      this.language.pack(filterFacts(c)),
      ladder === null ? 0 : this.ladder(ladder, maxRows),
    ]);
  }

  private ladder(l: Ladder, maxRows: number): LadderData {
    const base: [number, number] = [0, 0];
    const known = [false, false];
    for (const r of l.rows) {
      // absolute = base + relative (mod 2^32), per direction (ladder.ts bases()).
      const from = r.fromClient ? 0 : 1;
      if (!known[from]) { base[from] = (((r.abs.seq - r.rel.seq) % M32) + M32) % M32; known[from] = true; }
      if (r.abs.ack !== null && r.rel.ack !== null && !known[1 - from]) { base[1 - from] = (((r.abs.ack - r.rel.ack) % M32) + M32) % M32; known[1 - from] = true; }
      if (known[0] && known[1]) break;
    }
    const first = l.rows[0]?.time ?? '0';
    const digits = first.includes('.') ? first.length - first.indexOf('.') - 1 : 0;
    const rows: LadderRowData[] = [];
    const folds: FoldData[] = [];
    let omitted = 0;
    let frame = 0;
    // l.items folds runs of l.rows: walk both, a fold covering the next `count` rows.
    let at = 0;
    for (const item of l.items) {
      if (item.type === 'fold') {
        const run = l.rows.slice(at, at + item.count);
        at += item.count;
        if (rows.length >= maxRows) { omitted += item.count; continue; }
        const side = (client: boolean): number[] => {
          const mine = run.filter((r) => r.fromClient === client);
          const data = mine.filter((r) => r.len > 0);
          return [data.length, data.reduce((n, r) => n + r.len, 0), mine.length - data.length];
        };
        folds.push([rows.length, item.count, item.firstFrame, item.lastFrame, ...side(true), ...side(false)] as FoldData);
        continue;
      }
      at++;
      if (rows.length >= maxRows) { omitted++; continue; }
      const r = item;
      rows.push([r.frame - frame, Number(r.time.replace('.', '')), this.shape([
        ARROW_KINDS.indexOf(r.retransmission ? 'retx' : r.kind) * 2 + (r.fromClient ? 1 : 0),
        r.label === null ? -1 : this.s(r.label), this.s(r.flags), r.rel.seq, r.rel.ack ?? -1, r.len,
        r.clientChanged ? this.s(r.client) : -1, r.serverChanged ? this.s(r.server) : -1, ...r.notes.map((n) => this.n(n)),
      ])]);
      frame = r.frame;
    }
    return [
      [this.s(l.initial.client), this.s(l.initial.server)],
      [this.s(l.final.client), this.s(l.final.server)],
      base, digits, rows, folds, omitted,
      l.timeWait.map((tw) => [tw.side === 'client' ? 0 : 1, tw.enterT, tw.deadlineT, tw.endT,
        this.s(evidenceLabel(this.lang, tw.evidence)), this.s(verdictLabel(this.lang, tw.verdict)), this.s(tw.verdict)]),
      [...l.handshakeInfo, ...l.endNotes].map((n) => this.n(n)),
    ];
  }

  build(): PageData {
    const h = headers(this.lang);
    return {
      lang: this.lang,
      text: {
        ...PAGE_TEXT[this.lang], client: t(this.lang, 'side.client'), server: t(this.lang, 'side.server'),
        stream: t(this.lang, 'col.stream'), activeCloser: t(this.lang, 'col.activeCloser'),
      },
      columns: COLUMNS.map((key) => ({ key, label: h[key], numeric: key in NUMERIC })),
      sortKeys: SORT_KEYS,
      files: this.files,
      required: duration(this.required),
      strings: this.strings,
      shapes: this.shapes,
      connections: this.connections,
      drawn: this.drawn,
    };
  }
}
