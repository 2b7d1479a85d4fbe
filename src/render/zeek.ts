/**
 * `--format zeek`: the connections as Zeek's conn.log in its ASCII (TSV)
 * form, with the header lines Zeek's ASCII writer puts first (#separator,
 * #set_separator, #empty_field, #unset_field, #path, #open, #fields,
 * #types) and #close last, so that zeek-cut and the tools that read Zeek
 * logs read it. Fields and types are Conn::Info's
 * (scripts/base/protocols/conn/main.zeek), in its order:
 *
 *   ts             time      first segment's time (s since the epoch, 6 decimals)
 *   uid            string    `C` and 17 base62 characters, from the capture name, stream and first time (stable)
 *   id.orig_h/p    addr/port the client (the first SYN's sender) is the originator
 *   id.resp_h/p    addr/port the server
 *   proto          enum      tcp
 *   service        string    unset: tcpscope does no protocol detection
 *   duration       interval  first to last segment; unset when 0 (Zeek: only when > 0)
 *   orig_bytes     count     payload bytes the client sent, retransmissions counted again (Zeek counts by
 *                            sequence numbers); unset with duration, as Zeek does
 *   resp_bytes     count     the same for the server
 *   conn_state     string    compat.zeek.connState (Zeek's conn_state(), with the client as originator)
 *   local_orig/resp bool     unset (no Site::local_nets)
 *   missed_bytes   count     0: content gaps are not counted
 *   history        string    compat.zeek.history
 *   orig_pkts      count     segments the client sent
 *   orig_ip_bytes  count     unset: IP lengths are not kept in the report
 *   resp_pkts      count     segments the server sent
 *   resp_ip_bytes  count     unset
 *   tunnel_parents set[string] unset: the tunnel's own connection is not tracked (see `tunnel` in the JSON)
 *   ip_proto       count     6
 *
 * Strings are escaped as Zeek's writer does (escape/zeek.ts).
 */
import { createHash } from 'node:crypto';
import type { ConnectionReport } from '../report/types.ts';
import { zeekString } from './escape/zeek.ts';
import { parseIso } from './text.ts';

export const ZEEK_FIELDS: readonly (readonly [name: string, type: string])[] = [
  ['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'],
  ['proto', 'enum'], ['service', 'string'], ['duration', 'interval'], ['orig_bytes', 'count'], ['resp_bytes', 'count'],
  ['conn_state', 'string'], ['local_orig', 'bool'], ['local_resp', 'bool'], ['missed_bytes', 'count'], ['history', 'string'],
  ['orig_pkts', 'count'], ['orig_ip_bytes', 'count'], ['resp_pkts', 'count'], ['resp_ip_bytes', 'count'],
  ['tunnel_parents', 'set[string]'], ['ip_proto', 'count'],
];

const UNSET = '-';

/** Zeek's #open/#close time: local time as YYYY-MM-DD-HH-MM-SS. */
function zeekStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

export function zeekHeader(opened: Date): string {
  return [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', `#unset_field\t${UNSET}`, '#path\tconn', `#open\t${zeekStamp(opened)}`,
    `#fields\t${ZEEK_FIELDS.map(([n]) => n).join('\t')}`, `#types\t${ZEEK_FIELDS.map(([, t]) => t).join('\t')}`,
  ].join('\n') + '\n';
}

export function zeekFooter(closed: Date): string {
  return `#close\t${zeekStamp(closed)}\n`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Zeek-like uid (`C` + 17 base62 characters), the same for the same capture name, stream and first time. */
export function zeekUid(file: string, c: ConnectionReport): string {
  const digest = createHash('sha256').update(`${file}\0${c.stream}\0${c.firstTime}`).digest();
  let n = 0n;
  for (let i = 0; i < 13; i++) n = (n << 8n) | BigInt(digest[i]);
  let out = '';
  for (let i = 0; i < 17; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return `C${out}`;
}

/** Seconds and nanoseconds as Zeek writes a time: 6 decimals, truncated (the µs the capture has). */
function seconds(sec: number, nsec: number): string {
  return `${sec}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`;
}

export function zeekLine(c: ConnectionReport, file: string): string {
  const t = parseIso(c.firstTime);
  const timed = c.durationSeconds > 0;
  const fields = [
    seconds(t.sec, t.nsec), zeekUid(file, c), c.client.ip, String(c.client.port), c.server.ip, String(c.server.port),
    'tcp', UNSET, timed ? c.durationSeconds.toFixed(6) : UNSET,
    timed ? String(c.endpoints.client.payloadBytes) : UNSET, timed ? String(c.endpoints.server.payloadBytes) : UNSET,
    zeekString(c.compat.zeek.connState), UNSET, UNSET, '0', c.compat.zeek.history === '' ? UNSET : zeekString(c.compat.zeek.history),
    String(c.endpoints.client.packets), UNSET, String(c.endpoints.server.packets), UNSET, UNSET, '6',
  ];
  return fields.join('\t') + '\n';
}
