/**
 * The `--filter` and `--fail-on` language: a small readable grammar over
 * connections, with Wireshark-style equivalents for the fields that have one.
 * The command line (cli/filter.ts), the rubrics (grade/) and the HTML
 * report's filter box all run this one parser: the page gets the source of
 * `filterLanguage` embedded (render/html.ts), so it must stay a single
 * self-contained function - no imports, no module-level names, only the
 * vocabulary it is given - and it reads only `FilterFacts`, the few facts
 * of a report the language can name, which the page carries per connection.
 *
 *   expr      := term { (or | "||") term }
 *   term      := factor { (and | "&&") factor }
 *   factor    := (not | "!") factor | "(" expr ")" | predicate
 *
 * Predicates (words are case-insensitive; state names accept FIN-WAIT-1 and fin_wait_1):
 *   host ADDR                 either endpoint has this IP address
 *   port N                    either endpoint has this port
 *   client host ADDR | client port N | server host ADDR | server port N
 *   stream N                  Wireshark's tcp.stream
 *   closed-by client|server|both|none    active closer (none: open or refused)
 *   close four-way|three-way|simultaneous|reset|refused|incomplete|open|...
 *   handshake three-way|simultaneous-open|refused|aborted|rejected-icmp|unanswered|not-captured
 *   verdict full|cut-short|inconclusive|none   TIME_WAIT verdict
 *   time-wait client|server|both|none          who entered TIME_WAIT
 *   retransmitted-fin [client|server]          a FIN was sent more than once
 *   retransmitted-syn [client|server]
 *   half-close [client|server]                 data after the peer's FIN
 *   reset [CAUSE]                              a RST ended it (with CAUSE among its candidates)
 *   state STATE | client state STATE | server state STATE   final state
 *
 * Wireshark-style (operator `==`/`eq` or `!=`/`ne`):
 *   ip.addr, ipv6.addr (= host), tcp.port (= port), tcp.srcport/tcp.dstport
 *   (client/server port: the connection's first SYN's direction),
 *   tcp.stream (= stream), tcp.completeness (the number), tcp.flags.reset (1:
 *   the connection has a RST), tcp.flags.fin (1: it has a FIN).
 */
import { CLOSE_KINDS, HANDSHAKE_KINDS, RESET_CAUSES, type ConnectionReport } from './types.ts';
import { STATE_NAMES } from '../tcp/state.ts';

/** What the language can ask of a connection: nothing else of the report is read. */
export interface FilterFacts {
  stream: number;
  /** Addresses in lower case (IPv6 as the report writes it, RFC 5952). */
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  closer: 'client' | 'server' | 'both' | 'none';
  close: string;
  handshake: string;
  verdict: string;
  timeWait: 'client' | 'server' | 'both' | 'none';
  finRetx: { client: number; server: number };
  synRetx: { client: number; server: number };
  halfClose: 'client' | 'server' | null;
  /** Candidate causes of the RST that ended it; null when no RST ended it. */
  reset: string[] | null;
  clientState: string;
  serverState: string;
  /** Wireshark's tcp.completeness. */
  completeness: number;
}

/** The words the language accepts as values (the report's enums). */
export interface FilterVocabulary {
  closeKinds: readonly string[];
  handshakeKinds: readonly string[];
  resetCauses: readonly string[];
  stateNames: readonly string[];
}

export const FILTER_VOCABULARY: FilterVocabulary = {
  closeKinds: CLOSE_KINDS, handshakeKinds: HANDSHAKE_KINDS, resetCauses: RESET_CAUSES, stateNames: STATE_NAMES,
};

export type FactsPredicate = (f: FilterFacts) => boolean;

/** What filterLanguage returns: the compiler, and the compact form of FilterFacts the HTML page carries. */
export interface FilterLanguage {
  /** Parse an expression; a mistake throws an Error whose message says what is wrong (without the option's name). */
  compile(src: string): FactsPredicate;
  /** The words an expression may start a predicate with. */
  words: readonly string[];
  /** FilterFacts as an array of numbers and strings (enums by their index in the vocabulary). */
  pack(f: FilterFacts): (string | number)[];
  unpack(a: readonly (string | number)[]): FilterFacts;
}

/**
 * The language over a vocabulary. Self-contained: its source text is
 * embedded in the HTML report and evaluated there (see the module comment).
 */
export function filterLanguage(vocabulary: FilterVocabulary): FilterLanguage {
  const CLOSE = vocabulary.closeKinds;
  const HANDSHAKE = vocabulary.handshakeKinds;
  const CAUSES = vocabulary.resetCauses;
  const STATES = vocabulary.stateNames;
  const VERDICTS = ['full', 'cut-short', 'inconclusive', 'none'];
  const SIDES_NONE = ['client', 'server', 'both', 'none'];
  const SIDES = ['client', 'server'];
  const WORDS = [
    'host', 'port', 'client', 'server', 'stream', 'closed-by', 'close', 'handshake', 'verdict', 'time-wait',
    'retransmitted-fin', 'retransmitted-syn', 'half-close', 'reset', 'state',
    'ip.addr', 'ipv6.addr', 'tcp.port', 'tcp.srcport', 'tcp.dstport', 'tcp.stream', 'tcp.completeness', 'tcp.flags.reset', 'tcp.flags.fin',
  ];
  type P = FactsPredicate;

  const fail = (msg: string): never => {
    throw new Error(msg);
  };

  const tokenize = (src: string): string[] => {
    const toks: string[] = [];
    const re = /\s*(\(|\)|==|!=|&&|\|\||!|[^\s()!=&|]+)/y;
    let at = 0;
    while (at < src.length) {
      re.lastIndex = at;
      const m = re.exec(src);
      if (!m) {
        if (/^\s*$/.test(src.slice(at))) break;
        fail(`cannot read '${src.slice(at).trim()}'`);
        break;
      }
      toks.push(m[1]);
      at = re.lastIndex;
    }
    return toks;
  };

  const compile = (src: string): P => {
    const toks = tokenize(src);
    let i = 0;
    const peek = (): string | undefined => toks[i];
    const peekLower = (): string | undefined => toks[i]?.toLowerCase();
    const take = (): string => {
      const t = toks[i++];
      return t === undefined ? fail('unexpected end of expression') : t;
    };
    const oneOf = (word: string, allowed: readonly string[]): string => {
      const v = peek();
      if (v === undefined) return fail(`'${word}' needs one of: ${allowed.join(', ')}`);
      const n = v.toLowerCase().replace(/_/g, '-');
      if (!allowed.includes(n)) fail(`'${word} ${v}': expected one of ${allowed.join(', ')}`);
      i++;
      return n;
    };
    const optional = (allowed: readonly string[]): string | null => {
      const v = peekLower()?.replace(/_/g, '-');
      if (v !== undefined && allowed.includes(v)) {
        i++;
        return v;
      }
      return null;
    };
    const number = (word: string): number => {
      const v = peek();
      if (v === undefined || !/^\d+$/.test(v)) fail(`'${word}' needs a number${v === undefined ? '' : `, got '${v}'`}`);
      i++;
      return Number(v);
    };
    const address = (word: string): string => {
      const v = peek();
      if (v === undefined || !/^[0-9a-fA-F.:]+$/.test(v) || !/[.:]/.test(v)) fail(`'${word}' needs an IP address${v === undefined ? '' : `, got '${v}'`}`);
      i++;
      return (v as string).toLowerCase();
    };
    const state = (word: string): string => {
      const v = peek();
      const n = v?.toUpperCase().replace(/-/g, '_').replace(/^FIN_WAIT(\d)$/, 'FIN_WAIT_$1');
      if (n === undefined || !STATES.includes(n)) {
        fail(`'${word}' needs a state name (${STATES.join(', ')})${v === undefined ? '' : `, got '${v}'`}`);
      }
      i++;
      return n as string;
    };
    // `==`/`eq` (true) or `!=`/`ne` (false) after a Wireshark field.
    const operator = (field: string): boolean => {
      const op = peekLower();
      if (op === '==' || op === 'eq') { i++; return true; }
      if (op === '!=' || op === 'ne') { i++; return false; }
      return fail(`'${field}' needs == or != (Wireshark syntax: ${field} == VALUE)`);
    };

    const predicate = (): P => {
      const word = take();
      const w = word.toLowerCase();
      switch (w) {
        case 'host': {
          const a = address(w);
          return (f) => f.clientIp === a || f.serverIp === a;
        }
        case 'port': {
          const n = number(w);
          return (f) => f.clientPort === n || f.serverPort === n;
        }
        case 'client':
        case 'server': {
          const client = w === 'client';
          const sub = oneOf(w, ['host', 'port', 'state']);
          if (sub === 'host') {
            const a = address(`${w} host`);
            return client ? (f) => f.clientIp === a : (f) => f.serverIp === a;
          }
          if (sub === 'port') {
            const n = number(`${w} port`);
            return client ? (f) => f.clientPort === n : (f) => f.serverPort === n;
          }
          const s = state(`${w} state`);
          return client ? (f) => f.clientState === s : (f) => f.serverState === s;
        }
        case 'stream': {
          const n = number(w);
          return (f) => f.stream === n;
        }
        case 'closed-by': {
          const s = oneOf(w, SIDES_NONE);
          return (f) => f.closer === s;
        }
        case 'close': {
          const k = oneOf(w, CLOSE);
          return (f) => f.close === k;
        }
        case 'handshake': {
          const k = oneOf(w, HANDSHAKE);
          return (f) => f.handshake === k;
        }
        case 'verdict': {
          const v = oneOf(w, VERDICTS);
          return (f) => f.verdict === v;
        }
        case 'time-wait': {
          const s = oneOf(w, SIDES_NONE);
          return (f) => f.timeWait === s;
        }
        case 'retransmitted-fin':
        case 'retransmitted-syn': {
          const s = optional(SIDES);
          const fin = w === 'retransmitted-fin';
          return (f) => {
            const n = fin ? f.finRetx : f.synRetx;
            return s === null ? n.client + n.server > 0 : (s === 'client' ? n.client : n.server) > 0;
          };
        }
        case 'half-close': {
          const s = optional(SIDES);
          return (f) => f.halfClose !== null && (s === null || f.halfClose === s);
        }
        case 'reset': {
          const cause = optional(CAUSES);
          return (f) => f.reset !== null && (cause === null || f.reset.includes(cause));
        }
        case 'state': {
          const s = state(w);
          return (f) => f.clientState === s || f.serverState === s;
        }
        case 'ip.addr':
        case 'ipv6.addr': {
          const eq = operator(w);
          const a = address(w);
          return (f) => (f.clientIp === a || f.serverIp === a) === eq;
        }
        case 'tcp.port': {
          const eq = operator(w);
          const n = number(w);
          return (f) => (f.clientPort === n || f.serverPort === n) === eq;
        }
        case 'tcp.srcport':
        case 'tcp.dstport': {
          const eq = operator(w);
          const n = number(w);
          return w === 'tcp.srcport' ? (f) => (f.clientPort === n) === eq : (f) => (f.serverPort === n) === eq;
        }
        case 'tcp.stream': {
          const eq = operator(w);
          const n = number(w);
          return (f) => (f.stream === n) === eq;
        }
        case 'tcp.completeness': {
          const eq = operator(w);
          const n = number(w);
          return (f) => (f.completeness === n) === eq;
        }
        case 'tcp.flags.reset':
        case 'tcp.flags.fin': {
          const eq = operator(w);
          const v = take().toLowerCase();
          const want = v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : fail(`'${w}' compares with 1 or 0`);
          // tcp.completeness bits: 16 FIN, 32 RST.
          const bit = w === 'tcp.flags.reset' ? 32 : 16;
          return (f) => (((f.completeness & bit) !== 0) === want) === eq;
        }
        default:
          return fail(`unknown word '${word}'; expected one of: ${WORDS.join(', ')} (see tcpscope analyze --help)`);
      }
    };

    const factor = (): P => {
      const t = peekLower();
      if (t === 'not' || t === '!') {
        i++;
        const p = factor();
        return (f) => !p(f);
      }
      if (t === '(') {
        i++;
        const p = expr();
        if (take() !== ')') fail("missing ')'");
        return p;
      }
      return predicate();
    };
    const term = (): P => {
      let left = factor();
      while (peekLower() === 'and' || peek() === '&&') {
        i++;
        const a = left;
        const b = factor();
        left = (f) => a(f) && b(f);
      }
      return left;
    };
    const expr = (): P => {
      let left = term();
      while (peekLower() === 'or' || peek() === '||') {
        i++;
        const a = left;
        const b = term();
        left = (f) => a(f) || b(f);
      }
      return left;
    };

    if (toks.length === 0) fail('empty expression');
    const p = expr();
    if (i < toks.length) fail(`unexpected '${toks[i]}'`);
    return p;
  };

  const SIDE_CODES = ['client', 'server', 'both', 'none'];
  const pack = (f: FilterFacts): (string | number)[] => [
    f.stream, f.clientIp, f.clientPort, f.serverIp, f.serverPort, SIDE_CODES.indexOf(f.closer), CLOSE.indexOf(f.close),
    HANDSHAKE.indexOf(f.handshake), VERDICTS.indexOf(f.verdict), SIDE_CODES.indexOf(f.timeWait),
    f.finRetx.client, f.finRetx.server, f.synRetx.client, f.synRetx.server, f.halfClose === null ? -1 : SIDES.indexOf(f.halfClose),
    f.reset === null ? -1 : f.reset.map((c) => CAUSES.indexOf(c)).join(' '), STATES.indexOf(f.clientState), STATES.indexOf(f.serverState),
    f.completeness,
  ];
  const unpack = (a: readonly (string | number)[]): FilterFacts => {
    const n = (k: number): number => Number(a[k]);
    const reset = a[15];
    return {
      stream: n(0), clientIp: String(a[1]), clientPort: n(2), serverIp: String(a[3]), serverPort: n(4),
      closer: SIDE_CODES[n(5)] as FilterFacts['closer'], close: CLOSE[n(6)], handshake: HANDSHAKE[n(7)], verdict: VERDICTS[n(8)],
      timeWait: SIDE_CODES[n(9)] as FilterFacts['timeWait'], finRetx: { client: n(10), server: n(11) }, synRetx: { client: n(12), server: n(13) },
      halfClose: n(14) < 0 ? null : (SIDES[n(14)] as 'client' | 'server'),
      reset: reset === -1 ? null : String(reset) === '' ? [] : String(reset).split(' ').map((k) => CAUSES[Number(k)]),
      clientState: STATES[n(16)], serverState: STATES[n(17)], completeness: n(18),
    };
  };

  return { compile, words: WORDS, pack, unpack };
}

/** The facts the language reads from a report. */
export function filterFacts(c: ConnectionReport): FilterFacts {
  const r = c.close.reset;
  return {
    stream: c.stream,
    clientIp: c.client.ip.toLowerCase(), clientPort: c.client.port,
    serverIp: c.server.ip.toLowerCase(), serverPort: c.server.port,
    closer: c.close.activeCloser ?? 'none',
    close: c.close.kind, handshake: c.handshake.kind, verdict: c.timeWait.verdict,
    timeWait: c.timeWait.endpoint ?? 'none',
    finRetx: c.close.finRetransmissions, synRetx: c.handshake.synRetransmissions,
    halfClose: c.close.halfClose?.side ?? null,
    reset: r !== null && r.effective ? r.candidates : null,
    clientState: c.endpoints.client.finalState, serverState: c.endpoints.server.finalState,
    completeness: c.compat.wireshark.completeness,
  };
}

const LANGUAGE = filterLanguage(FILTER_VOCABULARY);

/** The words a predicate may start with. */
export const FILTER_WORDS: readonly string[] = LANGUAGE.words;

/** A compiled expression over reports. */
export type Predicate = (c: ConnectionReport) => boolean;

/** Compile an expression over reports; a mistake throws an Error saying what is wrong. */
export function compileFilter(src: string): Predicate {
  const p = LANGUAGE.compile(src);
  return (c) => p(filterFacts(c));
}
