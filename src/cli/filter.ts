/**
 * The `--filter` and `--fail-on` expressions: a small readable language over
 * connections, with Wireshark-style equivalents for the fields that have one.
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
 *   close four-way|three-way|simultaneous|reset|refused|incomplete|open
 *   handshake three-way|simultaneous-open|refused|unanswered|not-captured
 *   verdict full|cut-short|inconclusive|none   TIME_WAIT verdict
 *   time-wait client|server|both|none          who entered TIME_WAIT
 *   retransmitted-fin [client|server]          a FIN was sent more than once
 *   retransmitted-syn [client|server]
 *   half-close [client|server]                 data after the peer's FIN
 *   reset [refused|abort|unread-data|after-time-wait|other]
 *   state STATE | client state STATE | server state STATE   final state
 *
 * Wireshark-style (operator `==`/`eq` or `!=`/`ne`):
 *   ip.addr, ipv6.addr (= host), tcp.port (= port), tcp.srcport/tcp.dstport
 *   (client/server port: the connection's first SYN's direction),
 *   tcp.stream (= stream), tcp.completeness (the number), tcp.flags.reset (1:
 *   the connection has a RST), tcp.flags.fin (1: it has a FIN).
 */
import { CLOSE_KINDS as CLOSE_KIND_LIST, HANDSHAKE_KINDS as HANDSHAKE_KIND_LIST, RESET_CAUSES, type ConnectionReport, type StateName } from '../report/types.ts';
import { STATE_NAMES } from '../tcp/state.ts';
import { UsageError } from './util.ts';

export type Predicate = (c: ConnectionReport) => boolean;

const CLOSE_KINDS = CLOSE_KIND_LIST;
const HANDSHAKE_KINDS = HANDSHAKE_KIND_LIST;
const VERDICTS = ['full', 'cut-short', 'inconclusive', 'none'] as const;
const SIDES_NONE = ['client', 'server', 'both', 'none'] as const;
const SIDES = ['client', 'server'] as const;
const CAUSES = RESET_CAUSES;

export const FILTER_WORDS = [
  'host', 'port', 'client', 'server', 'stream', 'closed-by', 'close', 'handshake', 'verdict', 'time-wait',
  'retransmitted-fin', 'retransmitted-syn', 'half-close', 'reset', 'state',
  'ip.addr', 'ipv6.addr', 'tcp.port', 'tcp.srcport', 'tcp.dstport', 'tcp.stream', 'tcp.completeness', 'tcp.flags.reset', 'tcp.flags.fin',
] as const;

class Parser {
  private i = 0;
  constructor(private readonly toks: string[], private readonly what: string) {}

  fail(msg: string): never {
    throw new UsageError(`${this.what}: ${msg}`);
  }
  peek(): string | undefined {
    return this.toks[this.i];
  }
  peekLower(): string | undefined {
    return this.toks[this.i]?.toLowerCase();
  }
  take(): string {
    const t = this.toks[this.i++];
    if (t === undefined) this.fail('unexpected end of expression');
    return t;
  }

  parse(): Predicate {
    if (this.toks.length === 0) this.fail('empty expression');
    const p = this.expr();
    if (this.i < this.toks.length) this.fail(`unexpected '${this.toks[this.i]}'`);
    return p;
  }

  private expr(): Predicate {
    let left = this.term();
    while (this.peekLower() === 'or' || this.peek() === '||') {
      this.i++;
      const a = left;
      const b = this.term();
      left = (c) => a(c) || b(c);
    }
    return left;
  }

  private term(): Predicate {
    let left = this.factor();
    while (this.peekLower() === 'and' || this.peek() === '&&') {
      this.i++;
      const a = left;
      const b = this.factor();
      left = (c) => a(c) && b(c);
    }
    return left;
  }

  private factor(): Predicate {
    const t = this.peekLower();
    if (t === 'not' || t === '!') {
      this.i++;
      const p = this.factor();
      return (c) => !p(c);
    }
    if (t === '(') {
      this.i++;
      const p = this.expr();
      if (this.take() !== ')') this.fail("missing ')'");
      return p;
    }
    return this.predicate();
  }

  private oneOf<T extends string>(word: string, allowed: readonly T[]): T {
    const v = this.peek();
    if (v === undefined) this.fail(`'${word}' needs one of: ${allowed.join(', ')}`);
    const n = v.toLowerCase().replace(/_/g, '-');
    if (!(allowed as readonly string[]).includes(n)) this.fail(`'${word} ${v}': expected one of ${allowed.join(', ')}`);
    this.i++;
    return n as T;
  }

  private optional<T extends string>(allowed: readonly T[]): T | null {
    const v = this.peekLower()?.replace(/_/g, '-');
    if (v !== undefined && (allowed as readonly string[]).includes(v)) {
      this.i++;
      return v as T;
    }
    return null;
  }

  private number(word: string): number {
    const v = this.peek();
    if (v === undefined || !/^\d+$/.test(v)) this.fail(`'${word}' needs a number${v === undefined ? '' : `, got '${v}'`}`);
    this.i++;
    return Number(v);
  }

  private address(word: string): string {
    const v = this.peek();
    if (v === undefined || !/^[0-9a-fA-F.:]+$/.test(v) || !/[.:]/.test(v)) this.fail(`'${word}' needs an IP address${v === undefined ? '' : `, got '${v}'`}`);
    this.i++;
    return normalizeIp(v);
  }

  private state(word: string): StateName {
    const v = this.peek();
    const n = v?.toUpperCase().replace(/-/g, '_').replace(/^FIN_WAIT(\d)$/, 'FIN_WAIT_$1');
    if (n === undefined || !(STATE_NAMES as readonly string[]).includes(n)) {
      this.fail(`'${word}' needs a state name (${STATE_NAMES.join(', ')})${v === undefined ? '' : `, got '${v}'`}`);
    }
    this.i++;
    return n as StateName;
  }

  /** `==`/`eq` (true) or `!=`/`ne` (false) after a Wireshark field. */
  private operator(field: string): boolean {
    const op = this.peekLower();
    if (op === '==' || op === 'eq') { this.i++; return true; }
    if (op === '!=' || op === 'ne') { this.i++; return false; }
    return this.fail(`'${field}' needs == or != (Wireshark syntax: ${field} == VALUE)`);
  }

  private predicate(): Predicate {
    const word = this.take();
    const w = word.toLowerCase();
    switch (w) {
      case 'host': {
        const a = this.address(w);
        return (c) => normalizeIp(c.client.ip) === a || normalizeIp(c.server.ip) === a;
      }
      case 'port': {
        const n = this.number(w);
        return (c) => c.client.port === n || c.server.port === n;
      }
      case 'client':
      case 'server': {
        const side = w;
        const sub = this.oneOf(w, ['host', 'port', 'state'] as const);
        if (sub === 'host') {
          const a = this.address(`${w} host`);
          return (c) => normalizeIp(c[side].ip) === a;
        }
        if (sub === 'port') {
          const n = this.number(`${w} port`);
          return (c) => c[side].port === n;
        }
        const s = this.state(`${w} state`);
        return (c) => c.endpoints[side].finalState === s;
      }
      case 'stream': {
        const n = this.number(w);
        return (c) => c.stream === n;
      }
      case 'closed-by': {
        const s = this.oneOf(w, SIDES_NONE);
        return (c) => (c.close.activeCloser ?? 'none') === s;
      }
      case 'close': {
        const k = this.oneOf(w, CLOSE_KINDS);
        return (c) => c.close.kind === k;
      }
      case 'handshake': {
        const k = this.oneOf(w, HANDSHAKE_KINDS);
        return (c) => c.handshake.kind === k;
      }
      case 'verdict': {
        const v = this.oneOf(w, VERDICTS);
        return (c) => c.timeWait.verdict === v;
      }
      case 'time-wait': {
        const s = this.oneOf(w, SIDES_NONE);
        return (c) => (c.timeWait.endpoint ?? 'none') === s;
      }
      case 'retransmitted-fin':
      case 'retransmitted-syn': {
        const s = this.optional(SIDES);
        const get = (c: ConnectionReport): { client: number; server: number } =>
          w === 'retransmitted-fin' ? c.close.finRetransmissions : c.handshake.synRetransmissions;
        return s === null ? (c) => get(c).client + get(c).server > 0 : (c) => get(c)[s] > 0;
      }
      case 'half-close': {
        const s = this.optional(SIDES);
        return (c) => c.close.halfClose !== null && (s === null || c.close.halfClose.side === s);
      }
      case 'reset': {
        const cause = this.optional(CAUSES);
        return (c) => c.close.reset !== null && c.close.reset.effective && (cause === null || c.close.reset.candidates.some((x) => x === cause));
      }
      case 'state': {
        const s = this.state(w);
        return (c) => c.endpoints.client.finalState === s || c.endpoints.server.finalState === s;
      }
      case 'ip.addr':
      case 'ipv6.addr': {
        const eq = this.operator(w);
        const a = this.address(w);
        return (c) => (normalizeIp(c.client.ip) === a || normalizeIp(c.server.ip) === a) === eq;
      }
      case 'tcp.port': {
        const eq = this.operator(w);
        const n = this.number(w);
        return (c) => (c.client.port === n || c.server.port === n) === eq;
      }
      case 'tcp.srcport':
      case 'tcp.dstport': {
        const eq = this.operator(w);
        const n = this.number(w);
        const side = w === 'tcp.srcport' ? 'client' : 'server';
        return (c) => (c[side].port === n) === eq;
      }
      case 'tcp.stream': {
        const eq = this.operator(w);
        const n = this.number(w);
        return (c) => (c.stream === n) === eq;
      }
      case 'tcp.completeness': {
        const eq = this.operator(w);
        const n = this.number(w);
        return (c) => (c.compat.wireshark.completeness === n) === eq;
      }
      case 'tcp.flags.reset':
      case 'tcp.flags.fin': {
        const eq = this.operator(w);
        const v = this.take();
        const want = v === '1' || v.toLowerCase() === 'true' ? true : v === '0' || v.toLowerCase() === 'false' ? false : this.fail(`'${w}' compares with 1 or 0`);
        const bit = w === 'tcp.flags.reset' ? 32 : 16;
        return (c) => (((c.compat.wireshark.completeness & bit) !== 0) === want) === eq;
      }
      default:
        return this.fail(`unknown word '${word}'; expected one of: ${FILTER_WORDS.join(', ')} (see tcpscope analyze --help)`);
    }
  }
}

/** Lower-case IPv6, so `2001:DB8::1` matches the report's `2001:db8::1`. */
function normalizeIp(s: string): string {
  return s.toLowerCase();
}

export function tokenize(src: string): string[] {
  const toks: string[] = [];
  const re = /\s*(\(|\)|==|!=|&&|\|\||!|[^\s()!=&|]+)/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < src.length) {
    re.lastIndex = at;
    m = re.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(at))) break;
      throw new UsageError(`cannot read '${src.slice(at).trim()}'`);
    }
    toks.push(m[1]);
    at = re.lastIndex;
  }
  return toks;
}

/** Parse an expression; `what` names the option in error messages (`--filter`, `--fail-on`). */
export function parseFilter(src: string, what = '--filter'): Predicate {
  let toks: string[];
  try {
    toks = tokenize(src);
  } catch (e) {
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
  return new Parser(toks, what).parse();
}
