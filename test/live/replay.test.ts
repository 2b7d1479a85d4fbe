/**
 * Kernel fixtures replayed through the live code path, so that live gives
 * the verdicts `analyze` gives for the same frames:
 * - fed to a LiveSession as a backend's pcap stream (no root): the summary's
 *   connections are analyze's, byte for byte; the events show the ICMP
 *   errors' transitions (icmp-reject, icmp-reject-synack) and say what a
 *   TIME_WAIT restart answered (paws-time-wait: segments PAWS refused;
 *   time-wait-restart: retransmitted FINs);
 * - sent on a veth pair of its own and captured there by each backend (root):
 *   a capture filter that lets ICMP through (`tcp or icmp or icmp6`) gives
 *   the fixture's verdicts, and the -w file analysed gives the live summary;
 *   with `tcp` alone the ICMP errors are not captured and the refused
 *   connections read as unanswered.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import type { BackendName } from '../../src/live/backend.ts';
import type { LiveEvent, SummaryEvent } from '../../src/live/events.ts';
import { eventLine } from '../../src/live/format.ts';
import { LiveSession } from '../../src/live/session.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { FedSource } from '../helpers/fed-source.ts';
import { backendMissing, skipUnless } from '../helpers/live-backends.ts';
import { capturesDir } from '../helpers/paths.ts';

const settings = makeSettings({ os: 'linux' });
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string): string => join(capturesDir, `${name}.pcap`);

/** A fixture's bytes through a LiveSession as its backend's stream; the wall clock does not move the tracker (the frames are old). */
async function fed(name: string): Promise<{ events: LiveEvent[]; summary: SummaryEvent }> {
  const src = new FedSource();
  const events: LiveEvent[] = [];
  const s = new LiveSession({
    iface: 'lo', filter: '', backend: 'tcpdump', write: null, durationMs: null, count: null,
    settings, kernel: false, bufferBytes: 1 << 20, snapLength: 256, source: src, tickMs: 3_600_000,
  }, (e) => events.push(e));
  await s.start();
  src.queue.push(readFileSync(fixture(name)));
  src.queue.end();
  return { events, summary: await s.finished() };
}

const analyzed = async (path: string): Promise<ConnectionReport[]> => (await analyzeFile(path, settings)).connections;

describe('fixtures replayed through a live session', () => {
  it('icmp-reject: the ICMP errors abort the connects, as analyze has it', async () => {
    const { events, summary } = await fed('icmp-reject');
    const file = await analyzed(fixture('icmp-reject'));
    assert.deepEqual(summary.capture.connections, file);
    assert.deepEqual(summary.capture.connections.map((c) => c.handshake.kind), ['rejected-icmp', 'rejected-icmp']);
    const aborts = events.filter((e) => e.type === 'transition' && e.to === 'CLOSED' && /received ICMP error/.test(e.cause));
    // IPv4 once; IPv6 twice: the first abort is taken back (the SYN sent again), the second stands.
    assert.deepEqual(aborts.map((e) => e.type === 'transition' && [e.stream, e.frame, e.from]), [[0, 2, 'SYN_SENT'], [1, 4, 'SYN_SENT'], [1, 6, 'SYN_SENT']]);
    assert.deepEqual(events.filter((e) => e.type === 'retracted').map((e) => e.type === 'retracted' && [e.stream, e.frame]), [[1, 4]]);
    assert.equal(summary.capture.decode.notTcp, 3, 'the ICMP errors are frames without TCP');
  });

  it('icmp-reject-synack: the half-open connections the listener dropped, as analyze has it', async () => {
    const { events, summary } = await fed('icmp-reject-synack');
    assert.deepEqual(summary.capture.connections, await analyzed(fixture('icmp-reject-synack')));
    assert.deepEqual(summary.capture.connections.map((c) => c.handshake.kind), ['three-way', 'rejected-icmp', 'rejected-icmp']);
    const drops = events.filter((e) => e.type === 'transition' && e.from === 'SYN_RCVD' && e.to === 'LISTEN');
    assert.ok(drops.length >= 2);
    for (const e of drops) assert.ok(e.type === 'transition' && e.side === 'server' && /received ICMP error \(half-open connection dropped\)/.test(e.cause));
  });

  it('paws-time-wait: each restart is said to answer a segment PAWS refused, in English and Chinese', async () => {
    const { events, summary } = await fed('paws-time-wait');
    const [c] = summary.capture.connections;
    assert.deepEqual(summary.capture.connections, await analyzed(fixture('paws-time-wait')));
    const restarts = events.filter((e) => e.type === 'time-wait-restart');
    const expected = c.timeWait.client?.restarts.map((r) => r.frame) ?? [];
    assert.ok(expected.length >= 1);
    assert.deepEqual(restarts.map((e) => e.type === 'time-wait-restart' && e.frame), expected);
    const answered = c.notes.filter((n) => n.kind === 'paws-rejected' && n.answeredByAck === true).map((n) => n.answerFrame);
    for (const e of restarts) {
      assert.ok(e.type === 'time-wait-restart');
      assert.equal(e.answering, 'paws-rejected');
      assert.ok(answered.includes(e.frame), `frame ${e.frame} answers a paws-rejected note`);
      const en = eventLine(e, { timestamps: 'kernel', utc: true, lang: 'en' }) ?? '';
      assert.match(en, /TIME_WAIT restarted \(acknowledged a segment PAWS refused/);
      assert.doesNotMatch(en, /retransmitted FIN/);
      assert.match(eventLine(e, { timestamps: 'kernel', utc: true, lang: 'zh' }) ?? '', /被 PAWS 拒绝的报文段/);
    }
  });

  it('time-wait-restart: restarts answering retransmitted FINs keep their wording', async () => {
    const { events, summary } = await fed('time-wait-restart');
    assert.deepEqual(summary.capture.connections, await analyzed(fixture('time-wait-restart')));
    const restarts = events.filter((e) => e.type === 'time-wait-restart');
    assert.ok(restarts.length >= 1);
    for (const e of restarts) {
      assert.ok(e.type === 'time-wait-restart');
      assert.equal(e.answering, 'retransmitted-fin');
      assert.match(eventLine(e, { timestamps: 'kernel', utc: true, lang: 'en' }) ?? '', /re-acknowledged a retransmitted FIN/);
    }
  });
});

// ---------------------------------------------------------------- backends

const VETH = ['tsl-rp0', 'tsl-rp1'].map((n) => `${n}${process.pid % 1000}`);

/** What the replay needs beyond what live capture does: python3 sending frames on the veth pair. */
function missing(backend: BackendName): string | null {
  const why = backendMissing(backend);
  if (why !== null) return why;
  if (spawnSync('python3', ['-c', 'import socket; socket.AF_PACKET'], { stdio: 'ignore' }).status !== 0) return 'python3 with AF_PACKET sends the frames';
  return null;
}

const guard = (backend: BackendName): { skip: string | false } => skipUnless(`replay ${backend}`, missing(backend));

const ip = (...args: string[]): void => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
};

/** Send every frame of a pcap (Ethernet) on `iface`, `gapMs` apart, in order. */
const SEND = `
import socket, struct, sys, time
path, iface, gap = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000
d = open(path, 'rb').read()
e = '<' if d[:4] in (b'\\xd4\\xc3\\xb2\\xa1', b'\\x4d\\x3c\\xb2\\xa1') else '>'
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
off = 24
while off + 16 <= len(d):
    incl = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
    s.send(d[off + 16:off + 16 + incl])
    off += 16 + incl
    time.sleep(gap)
`;

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function replayLive(backend: BackendName, name: string, filter: string): Promise<{ summary: SummaryEvent; written: string }> {
  const written = join(dir, `${backend}-${name}-${filter.replace(/\W+/g, '_')}.pcap`);
  const session = new LiveSession({
    iface: VETH[0], filter, backend, write: written, durationMs: null, count: null,
    settings, kernel: false, bufferBytes: 8 * 1024 * 1024, snapLength: 256,
  }, () => undefined);
  await session.start();
  try {
    await wait(backend === 'tcpdump' ? 300 : 100);
    const r = spawnSync('python3', ['-c', SEND, fixture(name), VETH[0], '20'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await wait(400);
  } finally {
    session.stop('interrupt');
  }
  return { summary: await session.finished(), written };
}

/** What a connection's verdicts are made of: the same in a replay, whose times are the replay's. */
const story = (c: ConnectionReport) => ({
  client: c.client, server: c.server, handshake: c.handshake.kind, close: c.close.kind, timeWait: c.timeWait.endpoint,
  transitions: (['client', 'server'] as const).map((s) => c.endpoints[s].transitions.map((t) => [t.from, t.to, t.frame, t.cause, t.inferred])),
  notes: c.notes.map((n) => [n.frame, n.kind, n.from, n.icmp?.effect ?? null, n.relatedFrame]),
  caveats: c.caveats.map((k) => [k.code, k.side, k.frame]),
});

describe('fixtures sent on a veth pair and captured live', () => {
  before(() => {
    if (missing('tcpdump') !== null && missing('cap') !== null) return;
    spawnSync('ip', ['link', 'del', VETH[0]], { stdio: 'ignore' });
    ip('link', 'add', VETH[0], 'type', 'veth', 'peer', 'name', VETH[1]);
    // No address, no IPv6 of their own (no router solicitations): only the replayed frames go by.
    for (const v of VETH) {
      spawnSync('sysctl', ['-q', '-w', `net.ipv6.conf.${v}.disable_ipv6=1`], { stdio: 'ignore' });
      ip('link', 'set', v, 'up');
    }
  });
  after(() => {
    spawnSync('ip', ['link', 'del', VETH[0]], { stdio: 'ignore' });
  });

  for (const backend of ['tcpdump', 'cap'] as const) {
    describe(`with ${backend}`, guard(backend), () => {
      for (const name of ['icmp-reject', 'icmp-reject-synack']) {
        it(`${name}: capture filter 'tcp or icmp or icmp6' gives the fixture's verdicts; the -w file gives live's`, async () => {
          const { summary, written } = await replayLive(backend, name, 'tcp or icmp or icmp6');
          const live = summary.capture.connections;
          const want = await analyzed(fixture(name));
          assert.equal(summary.capture.frames, (await analyzeFile(fixture(name), settings)).frames, 'every frame captured once');
          assert.deepEqual(live.map(story), want.map(story));
          assert.deepEqual(live, await analyzed(written), 'live and the saved file agree');
          assert.ok(live.some((c) => c.handshake.kind === 'rejected-icmp'));
        });
      }

      it('icmp-reject with capture filter \'tcp\': no ICMP error captured, the connects read as unanswered', async () => {
        const { summary } = await replayLive(backend, 'icmp-reject', 'tcp');
        assert.equal(summary.capture.decode.notTcp, 0);
        assert.deepEqual(summary.capture.connections.map((c) => c.handshake.kind), ['unanswered', 'unanswered']);
      });
    });
  }
});
