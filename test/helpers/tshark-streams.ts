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
  /** null when fewer than two FINs were seen. */
  simultaneous_close: boolean | null;
  rst: boolean;
  rst_from: Record<string, number>;
  first_rst_frame: number | null;
  completeness: number;
  fin_acked_frame: Record<string, number> | null;
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
  // Every FIN frame per endpoint, every RST per sender.
  const finFrames: string[] = [];
  for (const [ep, n] of Object.entries(t.fin_frames)) {
    const side = sideOf(r, ep);
    const mine = side === null ? -1 : r.close.finFrames[side].length;
    if (mine !== n) finFrames.push(`${ep}: tshark ${n}, ours ${mine}`);
  }
  check('finFrames', finFrames.length === 0, finFrames.join('; '));
  const rstFrom: string[] = [];
  for (const side of ['client', 'server'] as const) {
    const ep = addr(r[side]);
    const theirs = t.rst_from[ep] ?? 0;
    const mine = r.close.reset === null ? 0 : r.close.reset.count[side];
    if (mine !== theirs) rstFrom.push(`${ep}: tshark ${theirs}, ours ${mine}`);
  }
  check('rstFrom', rstFrom.length === 0, rstFrom.join('; '));
  // tshark's simultaneous close: the second FIN does not acknowledge the first.
  const simultaneous = r.close.activeCloser === 'both';
  check('simultaneous', simultaneous === (t.simultaneous_close === true), `tshark ${t.simultaneous_close}, ours ${r.close.kind}/${r.close.activeCloser}`);
  // The first frame of the peer acknowledging each endpoint's first FIN.
  const finAcked: string[] = [];
  for (const [ep, frame] of Object.entries(t.fin_acked_frame ?? {})) {
    const side = sideOf(r, ep);
    const mine = side === null ? null : r.close.finFrames[side][0]?.ackedFrame ?? null;
    if (mine !== frame) finAcked.push(`${ep}: tshark ${frame}, ours ${mine}`);
  }
  check('finAcked', finAcked.length === 0, finAcked.join('; '));
  return out;
}
