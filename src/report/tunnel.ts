/**
 * The tunnel part of a connection's report: what its first segment of each
 * direction came in, and whether any later one came in another (see
 * TunnelReport for why one connection per 4-tuple).
 */
import { tunnelName } from '../decode/encapsulation.ts';
import type { Connection } from '../tcp/connection.ts';
import type { TunnelRef, TunnelReport } from './types.ts';

function ref(kind: number, id: number): TunnelRef {
  return { kind: kind === 0 ? 'none' : tunnelName(kind), id: id < 0 ? null : id };
}

export function tunnelReport(c: Connection): TunnelReport | null {
  const reverseDiffers = c.tunnelSeen1 && (c.tunnelKind1 !== c.tunnelKind0 || c.tunnelId1 !== c.tunnelId0);
  if (c.tunnelKind0 === 0 && !reverseDiffers && !c.tunnelMixed) return null;
  const first = ref(c.tunnelKind0, c.tunnelId0);
  return {
    kind: first.kind,
    id: first.id,
    reverse: reverseDiffers ? ref(c.tunnelKind1, c.tunnelId1) : null,
    ambiguous: c.tunnelMixed,
  };
}
