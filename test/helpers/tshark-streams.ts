/**
 * tshark 4.0's per-stream view of a capture (<name>.streams.jsonl, see
 * ../shared/corpus/README.md) checked against our reports, field by field.
 * Shared by the corpus test and `npm run compare` style scripts.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionReport, EndpointAddress, Side } from '../../src/report/types.ts';

export interface TsharkStream {
  stream: number;
  first_frame: number;
  last_frame: number;
  client: string | null;
  server: string | null;
  a: string;
  b: string;
  first_fin: null | { sender: string; frame: number };
  other_fin: boolean;
  other_fin_frame: number | null;
  fin_frames: Record<string, number>;
  fin_retrans: Record<string, number>;
  simultaneous_close: boolean;
  rst: boolean;
  rst_from: Record<string, number>;
  first_rst_frame: number | null;
  completeness: number;
  fin_acked_frame: Record<string, number>;
}

export function readStreams(file: string): TsharkStream[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TsharkStream);
}

export function addr(a: EndpointAddress): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

export function sideOf(r: ConnectionReport, endpoint: string): Side | null {
  if (addr(r.client) === endpoint) return 'client';
  if (addr(r.server) === endpoint) return 'server';
  return null;
}

/** The first captured FIN (sender and frame), as tshark's first_fin. */
export function firstFinSender(r: ConnectionReport): { sender: string; frame: number } | null {
  const c = r.close.finFrames.client[0];
  const s = r.close.finFrames.server[0];
  if (!c && !s) return null;
  if (c && (!s || c.frame < s.frame)) return { sender: addr(r.client), frame: c.frame };
  return { sender: addr(r.server), frame: (s as { frame: number }).frame };
}

/** One comparison: a check name, whether it agrees, and what each side said. */
export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

/** Every check of one stream (no report for it: only the `stream` check, failed). */
export function checkStream(t: TsharkStream, r: ConnectionReport | undefined): Check[] {
  const out: Check[] = [];
  const check = (what: string, ok: boolean, detail: string): void => { out.push({ what, ok, detail }); };
  check('stream', r !== undefined && r.firstFrame === t.first_frame, `tshark first frame ${t.first_frame}, ours ${r ? r.firstFrame : 'none'}`);
  if (r === undefined || r.firstFrame !== t.first_frame) return out;
  if (t.client !== null) check('client', addr(r.client) === t.client, `tshark client ${t.client}, ours ${addr(r.client)}`);
  const ff = firstFinSender(r);
  check('firstFin',
    (ff === null && t.first_fin === null) || (ff !== null && t.first_fin !== null && ff.sender === t.first_fin.sender && ff.frame === t.first_fin.frame),
    `tshark ${JSON.stringify(t.first_fin)}, ours ${JSON.stringify(ff)}`);
  let finOk = true;
  const detail: string[] = [];
  for (const [ep, n] of Object.entries(t.fin_retrans)) {
    const side = sideOf(r, ep);
    const mine = side === null ? -1 : r.close.finRetransmissions[side];
    if (mine !== n) { finOk = false; detail.push(`${ep}: tshark ${n}, ours ${mine}`); }
  }
  check('finRetrans', finOk, detail.join('; '));
  const ourRst = r.close.reset !== null;
  check('rst', ourRst === t.rst, `tshark ${t.rst}, ours ${ourRst}`);
  check('completeness', r.compat.wireshark.completeness === t.completeness,
    `tshark ${t.completeness}, ours ${r.compat.wireshark.completeness}`);
  return out;
}
