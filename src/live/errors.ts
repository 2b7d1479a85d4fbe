/**
 * Errors of live capture, each one line that says what to do. The CLI
 * prints the message as `error: <message>` and exits 2.
 */
export type LiveErrorKind =
  | 'permission' | 'no-cap' | 'no-libpcap' | 'no-tcpdump' | 'unknown-interface' | 'bad-filter' | 'capture-failed';

export class LiveError extends Error {
  constructor(readonly kind: LiveErrorKind, message: string) {
    super(message);
    this.name = 'LiveError';
  }
}

export function permissionError(iface: string, backend: 'cap' | 'tcpdump', detail: string): LiveError {
  const fix = backend === 'cap'
    ? 'run as root (sudo), or let node capture: sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(command -v node)")"'
    : 'run as root (sudo), or let tcpdump capture: sudo setcap cap_net_raw,cap_net_admin+eip "$(command -v tcpdump)" (tcpscope live --help: how to allow one group only)';
  return new LiveError('permission', `no permission to capture on ${iface} (${detail}): ${fix}`);
}

export function capMissingError(reason: string): LiveError {
  if (/libpcap/i.test(reason)) {
    return new LiveError('no-libpcap', `libpcap is missing (${oneLine(reason)}): install it (Debian/Ubuntu: sudo apt-get install libpcap0.8 libpcap-dev; Fedora: sudo dnf install libpcap-devel), then run npm rebuild cap, or use --backend tcpdump`);
  }
  return new LiveError('no-cap', `the cap module is not available (${oneLine(reason)}): install libpcap-dev (Fedora: libpcap-devel) and a C++ toolchain (build-essential, python3), then run npm rebuild cap, or use --backend tcpdump`);
}

export function tcpdumpMissingError(): LiveError {
  return new LiveError('no-tcpdump', 'tcpdump is not on the PATH: install it (Debian/Ubuntu: sudo apt-get install tcpdump; Fedora: sudo dnf install tcpdump), or use --backend cap');
}

export function unknownInterfaceError(iface: string, valid: readonly string[]): LiveError {
  const list = valid.length > 0 ? `valid ones: ${valid.join(', ')}` : 'no capture device is visible (tcpscope interfaces lists them)';
  return new LiveError('unknown-interface', `unknown interface '${iface}': ${list}`);
}

export function badFilterError(filter: string, libpcapMessage: string): LiveError {
  return new LiveError('bad-filter', `invalid BPF filter '${filter}': ${oneLine(libpcapMessage)} (see man pcap-filter)`);
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The error libpcap (through tcpdump's stderr or cap's exception) gave when
 * opening a capture, as a LiveError with the fix.
 */
export function classifyOpenError(
  message: string, ctx: { iface: string; filter: string; backend: 'cap' | 'tcpdump'; interfaces: () => string[] },
): LiveError {
  const m = oneLine(message.replace(/^tcpdump: /gm, ''));
  if (/permission|not permitted|EPERM|EACCES/i.test(m)) {
    // Without CAP_NET_RAW libpcap fails on socket() before it looks at the
    // device, so a misspelt name reads "no permission": the list of devices
    // (tcpdump -D needs no privilege) tells which it is.
    if (ctx.iface !== 'any' && !/^\d+$/.test(ctx.iface)) {
      const names = ctx.interfaces();
      if (names.length > 0 && !names.includes(ctx.iface)) return unknownInterfaceError(ctx.iface, names);
    }
    return permissionError(ctx.iface, ctx.backend, m);
  }
  if (/no such device|doesn't exist|does not exist|No such interface|SIOCGIFHWADDR|not up/i.test(m) && !/filter/i.test(m)) {
    return unknownInterfaceError(ctx.iface, ctx.interfaces());
  }
  if (/filter|syntax error|parse|illegal|unknown (host|port|protocol)|expression/i.test(m) && ctx.filter !== '') {
    return badFilterError(ctx.filter, m);
  }
  return new LiveError('capture-failed', `cannot capture on ${ctx.iface}: ${m}`);
}
