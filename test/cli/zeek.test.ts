/**
 * `analyze --format zeek`: a Zeek conn.log. Checked three ways: against
 * Zeek's documented field list (Conn::Info in Zeek's
 * scripts/base/protocols/conn/main.zeek: the names, types and order below
 * are copied from it), with a small parser of Zeek's ASCII format written
 * here from the format (header lines, tab-separated fields, `-` unset,
 * each value checked against its type), and with a real reader: bro-cut,
 * the tool zeek-cut was renamed from (Debian's bro-aux; Zeek itself and
 * zeek-cut are not in Debian bookworm). Without bro-cut or zeek-cut that
 * part is skipped with a message, except in CI, which installs bro-aux.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ConnectionReport } from '../../src/report/types.ts';
import { zeekString } from '../../src/render/escape/zeek.ts';
import { capture, tcpscope } from '../helpers/cli.ts';

/** Conn::Info's logged fields and their types, as Zeek's main.zeek declares them (id expands to its four fields). */
const DOCUMENTED: [string, string][] = [
  ['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'],
  ['proto', 'enum'], ['service', 'string'], ['duration', 'interval'], ['orig_bytes', 'count'], ['resp_bytes', 'count'],
  ['conn_state', 'string'], ['local_orig', 'bool'], ['local_resp', 'bool'], ['missed_bytes', 'count'], ['history', 'string'],
  ['orig_pkts', 'count'], ['orig_ip_bytes', 'count'], ['resp_pkts', 'count'], ['resp_ip_bytes', 'count'],
  ['tunnel_parents', 'set[string]'], ['ip_proto', 'count'],
];
const CONN_STATES = ['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'];

const files = ['client-close.pcap', 'timewait-reuse.pcap', 'rst-abort.pcap', 'refused.pcap', 'simultaneous-close.pcap', 'half-close.pcap', 'data-transfer.pcap'].map(capture);

interface ZeekLog {
  meta: Map<string, string>;
  fields: string[];
  types: string[];
  rows: Map<string, string>[];
  closed: boolean;
}

/** Zeek's ASCII log format, read from scratch: header lines, then one tab-separated record per line. */
function parseZeek(text: string): ZeekLog {
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  const sep = /^#separator (\S+)$/.exec(lines[0]);
  assert.ok(sep, `first line: ${lines[0]}`);
  const separator = sep[1].replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const meta = new Map<string, string>();
  const rows: Map<string, string>[] = [];
  let fields: string[] = [];
  let types: string[] = [];
  let closed = false;
  for (const line of lines.slice(1)) {
    const parts = line.split(separator);
    if (line.startsWith('#')) {
      assert.ok(!closed, 'nothing after #close');
      const key = parts[0].slice(1);
      if (key === 'fields') fields = parts.slice(1);
      else if (key === 'types') types = parts.slice(1);
      else meta.set(key, parts.slice(1).join(separator));
      if (key === 'close') closed = true;
      continue;
    }
    assert.ok(fields.length > 0 && types.length === fields.length, 'records come after #fields and #types');
    assert.equal(parts.length, fields.length, line);
    rows.push(new Map(fields.map((f, i) => [f, parts[i]])));
  }
  return { meta, fields, types, rows, closed };
}

/** Is `v` a value of Zeek type `type` as the ASCII writer writes it (or the unset field)? */
function valid(type: string, v: string, unset: string, empty: string): boolean {
  if (v === unset) return true;
  switch (type) {
    case 'time':
    case 'interval': return /^\d+\.\d{6}$/.test(v);
    case 'count': return /^\d+$/.test(v);
    case 'port': return /^\d+$/.test(v) && Number(v) <= 65535;
    case 'addr': return /^(\d{1,3}\.){3}\d{1,3}$/.test(v) || /^[0-9a-f:]+$/.test(v);
    case 'bool': return v === 'T' || v === 'F';
    case 'enum': return /^[a-z_]+$/.test(v);
    case 'string': return !/[\t\n]/.test(v) && v !== empty;
    case 'set[string]': return v === empty || !/[\t\n]/.test(v);
    default: return false;
  }
}

async function log(args: string[]): Promise<{ text: string; conns: (ConnectionReport & { file: string })[] }> {
  const r = await tcpscope(['analyze', '--format', 'zeek', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const nd = await tcpscope(['analyze', '--format', 'ndjson', ...args]);
  return { text: r.stdout, conns: nd.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ConnectionReport & { file: string }) };
}

const key = (h: string, p: string | number, rh: string, rp: string | number, ts: string): string => `${h}:${p}>${rh}:${rp}@${ts}`;
/** A report's first time as Zeek's ts: seconds with 6 decimals, truncated. */
const zeekTs = (iso: string): string => {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(iso)!;
  return `${Date.parse(`${m[1]}Z`) / 1000}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`;
};

describe('analyze --format zeek', () => {
  it("has Zeek's header lines and Conn::Info's fields and types, in Zeek's order", async () => {
    const { text } = await log(files);
    const z = parseZeek(text);
    assert.deepEqual(text.split('\n').slice(0, 8).map((l) => l.split(/[ \t]/)[0]),
      ['#separator', '#set_separator', '#empty_field', '#unset_field', '#path', '#open', '#fields', '#types']);
    assert.equal(z.meta.get('set_separator'), ',');
    assert.equal(z.meta.get('empty_field'), '(empty)');
    assert.equal(z.meta.get('unset_field'), '-');
    assert.equal(z.meta.get('path'), 'conn');
    assert.match(z.meta.get('open') ?? '', /^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    assert.ok(z.closed);
    assert.match(z.meta.get('close') ?? '', /^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    assert.deepEqual(z.fields, DOCUMENTED.map(([f]) => f));
    assert.deepEqual(z.types, DOCUMENTED.map(([, t]) => t));
  });

  it('one record per connection, every value of its type, matching the report', async () => {
    const { text, conns } = await log(['--os', 'linux', ...files]);
    const z = parseZeek(text);
    assert.equal(z.rows.length, conns.length);
    for (const row of z.rows) {
      z.fields.forEach((f, i) => assert.ok(valid(z.types[i], row.get(f)!, '-', '(empty)'), `${f} (${z.types[i]}): '${row.get(f)}'`));
      assert.equal(row.get('proto'), 'tcp');
      assert.equal(row.get('ip_proto'), '6');
      assert.match(row.get('uid')!, /^C[0-9A-Za-z]{17}$/);
      assert.ok(CONN_STATES.includes(row.get('conn_state')!), row.get('conn_state'));
    }
    const byKey = new Map(z.rows.map((r) => [key(r.get('id.orig_h')!, r.get('id.orig_p')!, r.get('id.resp_h')!, r.get('id.resp_p')!, r.get('ts')!), r]));
    assert.equal(new Set(z.rows.map((r) => r.get('uid'))).size, z.rows.length, 'uids are unique');
    for (const c of conns) {
      const r = byKey.get(key(c.client.ip, c.client.port, c.server.ip, c.server.port, zeekTs(c.firstTime)));
      assert.ok(r, `${c.file} stream ${c.stream}`);
      assert.equal(r.get('conn_state'), c.compat.zeek.connState);
      assert.equal(r.get('history'), c.compat.zeek.history || '-');
      assert.equal(r.get('orig_pkts'), String(c.endpoints.client.packets));
      assert.equal(r.get('resp_pkts'), String(c.endpoints.server.packets));
      if (c.durationSeconds > 0) {
        assert.equal(Number(r.get('duration')), Number(c.durationSeconds.toFixed(6)));
        assert.equal(r.get('orig_bytes'), String(c.endpoints.client.payloadBytes));
        assert.equal(r.get('resp_bytes'), String(c.endpoints.server.payloadBytes));
      } else {
        assert.equal(r.get('duration'), '-');
      }
    }
    // The same capture, the same uids.
    assert.deepEqual(parseZeek((await log(['--os', 'linux', ...files])).text).rows.map((r) => r.get('uid')), z.rows.map((r) => r.get('uid')));
  });

  it('--filter and --stream choose the records; a --stream the capture lacks is a usage error', async () => {
    const all = parseZeek((await log(files)).text).rows;
    const server = parseZeek((await log(['--filter', 'closed-by server', ...files])).text).rows;
    const want = (await tcpscope(['analyze', '--format', 'ndjson', '--filter', 'closed-by server', ...files])).stdout.trimEnd().split('\n').filter(Boolean).length;
    assert.equal(server.length, want);
    assert.ok(server.length > 0 && server.length < all.length);
    const one = parseZeek((await log(['--stream', '1', capture('timewait-reuse.pcap')])).text).rows;
    assert.equal(one.length, 1);
    const bad = await tcpscope(['analyze', '--format', 'zeek', '--stream', '9', capture('client-close.pcap')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no stream 9 in fixtures\/captures\/client-close\.pcap \(streams 0-0\)/);
  });

  it("escapes a string field as Zeek's writer does", () => {
    assert.equal(zeekString('ShADadFf'), 'ShADadFf');
    assert.equal(zeekString('a\tb\\c\u0001é'), 'a\\x09b\\x5cc\\x01\\xc3\\xa9');
    assert.equal(zeekString('-'), '\\x2d');
    assert.equal(zeekString('(empty)'), '\\x28empty)');
  });
});

const CUT = ['/usr/bin/zeek-cut', '/usr/local/zeek/bin/zeek-cut', '/opt/zeek/bin/zeek-cut', '/usr/bin/bro-cut'].find((p) => existsSync(p)) ?? null;
const inCI = !!process.env.CI;

describe('analyze --format zeek read by zeek-cut (or bro-cut)', { skip: CUT === null && !inCI ? 'neither zeek-cut nor bro-cut is installed (apt-get install bro-aux); skipped' : false }, () => {
  it('cuts the columns asked for by name, and converts the times', async () => {
    assert.ok(CUT !== null, 'CI is set but bro-cut is missing: CI must apt-get install bro-aux');
    const { text, conns } = await log(['--os', 'linux', ...files]);
    const cut = spawnSync(CUT, ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'conn_state', 'history', 'orig_pkts', 'resp_pkts', 'ts'], { input: text, encoding: 'utf8' });
    assert.equal(cut.status, 0, cut.stderr);
    const got = cut.stdout.trimEnd().split('\n').sort();
    const want = conns.map((c) => [c.client.ip, c.client.port, c.server.ip, c.server.port, c.compat.zeek.connState, c.compat.zeek.history || '-',
      c.endpoints.client.packets, c.endpoints.server.packets, zeekTs(c.firstTime)].join('\t')).sort();
    assert.deepEqual(got, want);
    // -d turns the `time` fields (found by #types) into dates.
    const dated = spawnSync(CUT, ['-d', 'ts', 'uid'], { input: text, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    assert.equal(dated.status, 0, dated.stderr);
    const firsts = dated.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0]).sort();
    assert.deepEqual(firsts, conns.map((c) => `${c.firstTime.slice(0, 19)}+0000`).sort());
  });
});
