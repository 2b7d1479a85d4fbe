import { type Connection, wiresharkCompleteness } from '../tcp/connection.ts';
import type { Endpoint } from '../tcp/endpoint.ts';
import { State } from '../tcp/state.ts';
import type { CompatReport, ZeekConnState } from './types.ts';

const COMPLETENESS_NAMES = ['S', 'SA', 'A', 'D', 'F', 'R'];

/** completenessStr of every 6-bit value, made once. */
const COMPLETENESS_TEXT: readonly string[] = Array.from({ length: 64 }, (_, bits) => completenessText(bits));

export function completenessStr(bits: number): string {
  return bits >= 0 && bits < 64 ? COMPLETENESS_TEXT[bits] : completenessText(bits);
}

function completenessText(bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) if (bits & (1 << i)) out.push(COMPLETENESS_NAMES[i]);
  return out.join('-');
}

/** Zeek's per-endpoint TCP states (analyzer/protocol/tcp/TCP_Endpoint.h). */
type ZeekEndpointState = 'INACTIVE' | 'SYN_SENT' | 'SYN_ACK_SENT' | 'PARTIAL' | 'ESTABLISHED' | 'CLOSED' | 'RESET';

function zeekEndpointState(ep: Endpoint, orig: boolean): ZeekEndpointState {
  if (ep.packets === 0) return 'INACTIVE';
  if (ep.rsts.length > 0) return 'RESET';
  if (ep.finKnown && ep.finCaptured) return 'CLOSED';
  if (ep.synCopies.length > 0) {
    const established = ep.transitions.some((t) => t.to === State.ESTABLISHED && !t.inferred);
    if (established) return 'ESTABLISHED';
    return orig ? 'SYN_SENT' : 'SYN_ACK_SENT';
  }
  return 'PARTIAL';
}

/** Zeek's conn_state() (scripts/base/protocols/conn/main.zeek), with the client as originator. */
export function zeekConnState(c: Connection): ZeekConnState {
  const os = zeekEndpointState(c.client, true);
  const rs = zeekEndpointState(c.server, false);
  const oInactive = os === 'INACTIVE' || os === 'PARTIAL';
  const rInactive = rs === 'INACTIVE' || rs === 'PARTIAL';
  if (rs === 'RESET') {
    if (os === 'SYN_SENT' || os === 'SYN_ACK_SENT' ||
      (os === 'RESET' && c.client.payloadBytes === 0 && c.server.payloadBytes === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === 'RESET') {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(c.history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === 'CLOSED' && os === 'CLOSED') return 'SF';
  if (os === 'CLOSED') return rInactive ? 'SH' : 'S2';
  if (rs === 'CLOSED') return oInactive ? 'SHR' : 'S3';
  if (os === 'SYN_SENT' && rs === 'INACTIVE') return 'S0';
  if (os === 'ESTABLISHED' && rs === 'ESTABLISHED') return 'S1';
  return 'OTH';
}

/** tcptrace's "complete conn": SYN and FIN seen in both directions; RESET if any RST. */
export function tcptraceComplete(c: Connection): 'yes' | 'no' | 'RESET' {
  if (c.sawRst) return 'RESET';
  const cl = c.client;
  const sv = c.server;
  return cl.synCopies.length > 0 && sv.synCopies.length > 0 && cl.finCopies.length > 0 && sv.finCopies.length > 0
    ? 'yes' : 'no';
}

export function compatReport(c: Connection): CompatReport {
  return {
    wireshark: {
      completeness: wiresharkCompleteness(c),
      completenessStr: completenessStr(wiresharkCompleteness(c)),
      filter: `tcp.stream eq ${c.stream}`,
    },
    zeek: { connState: zeekConnState(c), history: c.history },
    tcptrace: { completeConn: tcptraceComplete(c) },
  };
}
