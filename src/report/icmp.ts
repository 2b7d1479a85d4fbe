/**
 * ICMP (RFC 792, RFC 1812 5.2.7.1, IANA) and ICMPv6 (RFC 4443) error
 * messages in words, for the `icmp-error` notes.
 */

const V4_UNREACH = [
  'net unreachable', 'host unreachable', 'protocol unreachable', 'port unreachable', 'fragmentation needed', 'source route failed',
  'destination network unknown', 'destination host unknown', 'source host isolated', 'network administratively prohibited',
  'host administratively prohibited', 'network unreachable for TOS', 'host unreachable for TOS', 'communication administratively prohibited',
  'host precedence violation', 'precedence cutoff in effect',
];
const V4_TIME = ['TTL exceeded in transit', 'fragment reassembly time exceeded'];
const V4_PARAM = ['pointer indicates the error', 'missing a required option', 'bad length'];
const V6_UNREACH = [
  'no route to destination', 'communication administratively prohibited', 'beyond scope of source address', 'address unreachable',
  'port unreachable', 'source address failed ingress/egress policy', 'reject route to destination', 'error in source routing header',
];
const V6_TIME = ['hop limit exceeded in transit', 'fragment reassembly time exceeded'];
const V6_PARAM = ['erroneous header field', 'unrecognized next header', 'unrecognized IPv6 option'];

function withCode(name: string, codes: readonly string[], code: number): string {
  return `${name} (${codes[code] ?? `code ${code}`})`;
}

/** "destination unreachable (port unreachable)", "packet too big", "time exceeded (TTL exceeded in transit)"... */
export function icmpMessage(v6: boolean, type: number, code: number): string {
  if (v6) {
    switch (type) {
      case 1: return withCode('destination unreachable', V6_UNREACH, code);
      case 2: return 'packet too big';
      case 3: return withCode('time exceeded', V6_TIME, code);
      case 4: return withCode('parameter problem', V6_PARAM, code);
      default: return `type ${type} code ${code}`;
    }
  }
  switch (type) {
    case 3: return withCode('destination unreachable', V4_UNREACH, code);
    case 11: return withCode('time exceeded', V4_TIME, code);
    case 12: return withCode('parameter problem', V4_PARAM, code);
    default: return `type ${type} code ${code}`;
  }
}

/** Path MTU discovery messages: fragmentation needed (ICMPv4 3/4) and packet too big (ICMPv6 2). */
export function isPmtuMessage(v6: boolean, type: number, code: number): boolean {
  return v6 ? type === 2 : type === 3 && code === 4;
}
