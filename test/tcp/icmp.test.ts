/**
 * ICMP errors quoting a segment (DecodeStatus.IcmpError) through the
 * tracker and the report: attached to the quoted connection without being
 * a segment of it; a hard error quoting the SYN aborts SYN-SENT (taken back
 * when the client sends its SYN again); one quoting the SYN+ACK says the
 * client did not receive it, and Linux's hard errors drop the listener's
 * half-open connection (taken back when the server sends that SYN+ACK
 * again); anything else is a note.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tracker } from '../../src/tcp/tracker.ts';
import type { Connection } from '../../src/tcp/connection.ts';
import { Connection as Conn } from '../../src/tcp/connection.ts';
import { WordReader, WordWriter } from '../../src/tcp/words.ts';
import { buildReport } from '../../src/report/build.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { stateName } from '../../src/tcp/state.ts';
import { ACK, SYN, Wire, LOCAL_IP, REMOTE_IP, type SegSpec } from './helpers.ts';

const ISS = 1000;
const IRS = 5000;
const ROUTER = 0xc0000201;

/** A tracker fed from a Wire; `icmp` sends an ICMP error quoting a local (client) segment. */
class Run {
  readonly wire = new Wire();
  readonly done: Connection[] = [];
  readonly tracker = new Tracker({ lingerSeconds: 60 }, (c) => this.done.push(c));
  last: Connection | null = null;

  seg(fromLocal: boolean, spec: SegSpec): this {
    this.last = this.tracker.push(this.wire.next(fromLocal, spec));
    return this;
  }

  icmp(type: number, code: number, quoted: SegSpec, opts: { v6?: boolean; from?: number; mtu?: number; fromRemote?: boolean } = {}): Connection {
    const s = this.wire.next(!(opts.fromRemote ?? false), quoted);
    s.icmpType = type;
    s.icmpCode = code;
    s.icmpV6 = opts.v6 ?? false;
    s.icmpMtu = opts.mtu ?? 0;
    s.icmpFrom.fill(0);
    s.icmpFrom[0] = opts.from ?? REMOTE_IP;
    s.quotedTcp = 20;
    return this.tracker.icmpError(s);
  }

  report(): ConnectionReport[] {
    this.tracker.finish();
    return this.done.map((c) => buildReport(c, makeSettings()));
  }
}

const states = (r: ConnectionReport, side: 'client' | 'server'): string[] => r.endpoints[side].transitions.map((t) => `${t.to}@${t.frame}`);

describe('ICMP errors quoting a TCP segment', () => {
  it('port unreachable quoting the SYN: SYN_SENT -> CLOSED, rejected-icmp, no packet counted, a caveat', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS });
    const c = run.icmp(3, 3, { flags: SYN, seq: ISS });
    assert.ok(c !== null);
    assert.equal(run.tracker.streams, 1);
    const [r] = run.report();
    assert.equal(r.handshake.kind, 'rejected-icmp');
    assert.equal(r.close.kind, 'never-opened');
    assert.equal(r.close.activeCloser, null);
    assert.equal(r.packets, 1);
    assert.equal(r.lastFrame, 1);
    assert.deepEqual(states(r, 'client'), ['SYN_SENT@1', 'CLOSED@2']);
    assert.equal(r.endpoints.client.transitions[1].cause, 'received ICMP error (connection rejected)');
    assert.equal(r.endpoints.client.finalState, 'CLOSED');
    assert.equal(r.notes.length, 1);
    const n = r.notes[0];
    assert.deepEqual([n.kind, n.frame, n.from], ['icmp-error', 2, 'client']);
    assert.deepEqual(n.icmp, {
      version: 4, type: 3, code: 3, message: 'destination unreachable (port unreachable)', from: '10.0.0.2', fromPeer: true,
      quotedSeq: { seq: ISS, relative: 0 }, quotedBytes: 20, mtu: null, effect: 'aborted',
    });
    assert.deepEqual(r.caveats.map((x) => [x.code, x.side, x.frame]), [['icmp-abort-inferred', 'client', 2]]);
    // Zeek's TCP analyzer sees the SYN alone: S0, history S.
    assert.deepEqual(r.compat.zeek, { connState: 'S0', history: 'S' });
    assert.equal(r.compat.wireshark.completeness, 1);
  });

  it('the SYN sent again after it: the abort is taken back (a soft error), the next error aborts', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS });
    run.icmp(1, 4, { flags: SYN, seq: ISS }, { v6: true });
    run.seg(true, { flags: SYN, seq: ISS, t: 1.01 });
    run.icmp(1, 4, { flags: SYN, seq: ISS }, { v6: true });
    assert.equal(run.tracker.streams, 1);
    const [r] = run.report();
    assert.equal(r.handshake.kind, 'rejected-icmp');
    assert.equal(r.handshake.synRetransmissions.client, 1);
    assert.deepEqual(states(r, 'client'), ['SYN_SENT@1', 'CLOSED@4']);
    assert.deepEqual(r.notes.map((n) => [n.frame, n.icmp?.effect, n.relatedFrame]), [[2, 'not-taken', 3], [4, 'aborted', null]]);
    assert.equal(r.packets, 2);
  });

  it("a router's time exceeded aborts too, and says who sent it", () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS });
    run.icmp(11, 0, { flags: SYN, seq: ISS }, { from: ROUTER });
    const [r] = run.report();
    assert.equal(r.handshake.kind, 'rejected-icmp');
    assert.deepEqual([r.notes[0].icmp?.from, r.notes[0].icmp?.fromPeer, r.notes[0].icmp?.message], ['192.0.2.1', false, 'time exceeded (TTL exceeded in transit)']);
  });

  it('fragmentation needed / packet too big: path MTU only, no state change', () => {
    for (const [v6, type, code] of [[false, 3, 4], [true, 2, 0]] as const) {
      const run = new Run().seg(true, { flags: SYN, seq: ISS });
      run.icmp(type, code, { flags: SYN, seq: ISS }, { v6, mtu: 1280 });
      const [r] = run.report();
      assert.equal(r.handshake.kind, 'unanswered');
      assert.deepEqual(states(r, 'client'), ['SYN_SENT@1']);
      assert.deepEqual([r.notes[0].icmp?.effect, r.notes[0].icmp?.mtu], ['pmtu', 1280]);
      assert.deepEqual(r.caveats, []);
    }
  });

  it('not quoting the ISN in SYN_SENT, or ICMPv4 unreachable code > 15: soft', () => {
    for (const [code, seq] of [[3, ISS + 7], [16, ISS]]) {
      const run = new Run().seg(true, { flags: SYN, seq: ISS });
      // Flags not quoted (8 bytes of TCP header): a quoted bare SYN with another ISN would begin a new connection.
      run.icmp(3, code, { flags: seq === ISS ? SYN : 0, seq });
      const [r] = run.report();
      assert.equal(r.handshake.kind, 'unanswered');
      assert.equal(r.notes[0].icmp?.effect, 'soft');
    }
  });

  it('in ESTABLISHED: a soft error, noted, no state change, no packet', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 })
      .seg(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 }).seg(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 100 });
    run.icmp(3, 1, { flags: ACK, seq: ISS + 1, ack: IRS + 1 }, { from: ROUTER });
    const [r] = run.report();
    assert.equal(r.handshake.kind, 'three-way');
    assert.equal(r.endpoints.client.finalState, 'ESTABLISHED');
    assert.equal(r.packets, 4);
    assert.deepEqual(r.notes.map((n) => [n.kind, n.from, n.icmp?.effect, n.icmp?.quotedSeq.relative]), [['icmp-error', 'client', 'soft', 1]]);
  });

  it('quoting a segment of the server goes to the server', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    run.icmp(3, 3, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { fromRemote: true, from: LOCAL_IP });
    const [r] = run.report();
    assert.equal(r.notes[0].from, 'server');
    assert.equal(r.notes[0].icmp?.fromPeer, true);
    assert.equal(r.endpoints.server.finalState, 'SYN_RCVD');
  });

  it('quoting the SYN+ACK: the client did not receive it; host unreachable drops the half-open connection (SYN_RCVD -> LISTEN)', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    run.icmp(3, 1, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { fromRemote: true, from: LOCAL_IP });
    const [r] = run.report();
    assert.deepEqual(states(r, 'client'), ['SYN_SENT@1']);
    assert.deepEqual(states(r, 'server'), ['LISTEN@2', 'SYN_RCVD@2', 'LISTEN@3']);
    assert.equal(r.endpoints.server.transitions[2].cause, 'received ICMP error (half-open connection dropped)');
    assert.equal(r.handshake.kind, 'rejected-icmp');
    assert.equal(r.close.kind, 'never-opened');
    assert.deepEqual(r.notes.map((n) => [n.frame, n.from, n.icmp?.effect]), [[3, 'server', 'dropped']]);
    assert.deepEqual(r.caveats.map((x) => [x.code, x.side, x.frame]), [['icmp-abort-inferred', 'server', 3]]);
    assert.match(r.caveats[0].text, /dropped its half-open connection/);
  });

  it('ICMPv4 port unreachable quoting the SYN+ACK: Linux keeps the half-open connection (soft); the client still did not receive it', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    run.icmp(3, 3, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { fromRemote: true, from: LOCAL_IP });
    const [r] = run.report();
    assert.deepEqual(states(r, 'client'), ['SYN_SENT@1']);
    assert.equal(r.endpoints.server.finalState, 'SYN_RCVD');
    assert.equal(r.handshake.kind, 'three-way');
    assert.equal(r.notes[0].icmp?.effect, 'soft');
    assert.deepEqual(r.caveats, []);
  });

  it('the SYN+ACK sent again with the same ISN takes the drop back (the listener still had it)', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    run.icmp(1, 4, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { v6: true, fromRemote: true, from: LOCAL_IP });
    run.seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1, t: 1 });
    const [r] = run.report();
    assert.deepEqual(states(r, 'server'), ['LISTEN@2', 'SYN_RCVD@2']);
    assert.deepEqual(r.notes.map((n) => [n.frame, n.icmp?.effect, n.relatedFrame]), [[3, 'not-taken', 4]]);
    assert.equal(r.handshake.kind, 'three-way');
    assert.equal(r.handshake.synRetransmissions.server, 1);
    assert.deepEqual(r.caveats, []);
  });

  it('a new ISN answering the SYN sent again is a new half-open connection: the drop stands, the next error drops it too', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    run.icmp(1, 4, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { v6: true, fromRemote: true, from: LOCAL_IP });
    run.seg(true, { flags: SYN, seq: ISS, t: 1 }).seg(false, { flags: SYN | ACK, seq: IRS + 99_999, ack: ISS + 1, t: 1.001 });
    // An error quoting the first ISN is no longer the half-open connection's: soft.
    run.icmp(1, 4, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { v6: true, fromRemote: true, from: LOCAL_IP });
    run.icmp(1, 4, { flags: SYN | ACK, seq: IRS + 99_999, ack: ISS + 1 }, { v6: true, fromRemote: true, from: LOCAL_IP });
    const [r] = run.report();
    assert.deepEqual(states(r, 'server'), ['LISTEN@2', 'SYN_RCVD@2', 'LISTEN@3', 'SYN_RCVD@5', 'LISTEN@7']);
    assert.deepEqual(states(r, 'client'), ['SYN_SENT@1']);
    assert.deepEqual(r.notes.map((n) => [n.frame, n.kind, n.icmp?.effect]), [[3, 'icmp-error', 'dropped'], [6, 'icmp-error', 'soft'], [7, 'icmp-error', 'dropped']]);
    assert.equal(r.handshake.kind, 'rejected-icmp');
    assert.equal(r.handshake.synRetransmissions.server, 0);
    assert.deepEqual(r.caveats.map((x) => [x.code, x.side, x.frame]), [['icmp-abort-inferred', 'server', 7]]);
  });

  it('which errors drop a half-open connection: as Linux tcp_req_err', () => {
    const cases: [boolean, number, number, boolean][] = [
      [false, 3, 0, true], [false, 3, 1, true], [false, 3, 3, false], [false, 3, 13, false], [false, 3, 4, false], [false, 11, 0, true], [false, 12, 0, true],
      [true, 1, 0, false], [true, 1, 1, true], [true, 1, 2, false], [true, 1, 3, false], [true, 1, 4, true], [true, 1, 6, true], [true, 1, 7, true],
      [true, 2, 0, false], [true, 3, 0, false], [true, 4, 0, true],
    ];
    for (const [v6, type, code, drops] of cases) {
      const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
      run.icmp(type, code, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { v6, fromRemote: true, from: ROUTER, mtu: 1280 });
      const [r] = run.report();
      assert.equal(r.endpoints.server.finalState, drops ? 'LISTEN' : 'SYN_RCVD', `v${v6 ? 6 : 4} ${type}/${code}`);
    }
  });

  it('no connection for the quoted 4-tuple: one is created (a stream of its own, as Wireshark), never over, held until the end', () => {
    const run = new Run();
    const c = run.icmp(3, 3, { flags: SYN, seq: ISS });
    assert.equal(c.stream, 0);
    assert.equal(run.tracker.streams, 1);
    assert.deepEqual([run.tracker.icmpCreated, run.tracker.icmpMatched], [1, 0]);
    assert.deepEqual([c.packets, c.isOver(), run.tracker.held], [0, false, 1]);
    run.icmp(3, 3, { flags: SYN, seq: ISS });
    assert.deepEqual([run.tracker.icmpCreated, run.tracker.icmpMatched], [1, 1]);
    // Long after: an open connection, not let go of.
    run.tracker.advance(1_700_000_000 + 3600, 0);
    assert.equal(run.done.length, 0);
    const [r] = run.report();
    assert.deepEqual([r.stream, r.packets, r.firstFrame, r.lastFrame], [0, 0, 1, 2]);
    assert.deepEqual(r.caveats.map((x) => x.code), ['no-segment']);
    assert.equal(r.capture.directions, 'none');
  });

  it('the 4-tuple\'s first segment joins the connection an error made: from the quoted sender or from the other side', () => {
    for (const fromLocal of [true, false]) {
      const run = new Run();
      // The error quotes the client's SYN (side 0 = the client) or the server's SYN+ACK (side 0 = the server).
      if (fromLocal) run.icmp(3, 3, { flags: SYN, seq: ISS });
      else run.icmp(3, 3, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { fromRemote: true, from: LOCAL_IP });
      run.seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }).seg(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 });
      assert.equal(run.tracker.streams, 1);
      const [r] = run.report();
      assert.deepEqual([r.stream, r.firstFrame, r.packets, r.handshake.kind, r.clientFrom, r.client.ip], [0, 1, 3, 'three-way', 'syn', '10.0.0.1'], String(fromLocal));
      assert.deepEqual(states(r, 'client'), ['SYN_SENT@2', 'ESTABLISHED@3']);
      assert.deepEqual(r.caveats, []);
      assert.equal(r.notes[0].from, fromLocal ? 'client' : 'server');
    }
  });

  it('a quoted bare SYN with another ISN begins a new connection, as a SYN would; a quoted SYN+ACK or 8 quoted bytes do not', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS });
    const c = run.icmp(3, 3, { flags: SYN, seq: ISS + 100_000 });
    assert.deepEqual([c.stream, run.tracker.streams, c.previousStream, c.packets], [1, 2, 0, 0]);
    run.seg(true, { flags: SYN, seq: ISS + 100_000 });
    assert.equal(run.tracker.streams, 2);
    assert.equal(run.icmp(3, 3, { flags: SYN | ACK, seq: IRS + 7, ack: 1 }, { fromRemote: true }).stream, 1);
    const s = run.wire.next(true, { flags: 0, seq: ISS + 200_000 });
    s.icmpType = 3; s.icmpCode = 3; s.quotedTcp = 8;
    assert.equal(run.tracker.icmpError(s).stream, 1);
    assert.equal(run.tracker.streams, 2);
  });

  it('connections of errors only are evicted as open ones, and survive packing', () => {
    const wire = new Wire();
    const done: Connection[] = [];
    const tracker = new Tracker({ lingerSeconds: 60, maxConnections: 2, idleUnpackedLimit: 0, idleSeconds: 0 }, (c) => done.push(c));
    const err = (port: number): Connection => {
      const s = wire.next(true, { flags: SYN, seq: ISS });
      s.srcPort = port;
      s.icmpType = 3; s.icmpCode = 3; s.icmpFrom.fill(0); s.icmpFrom[0] = REMOTE_IP; s.quotedTcp = 20;
      return tracker.icmpError(s);
    };
    err(41000);
    err(41001);
    err(41002);
    assert.deepEqual(done.map((c) => [c.stream, c.evicted, c.packets]), [[0, true, 0]]);
    assert.equal(tracker.evictedOpen, 1);
    tracker.finish();
    const rs = done.map((c) => buildReport(c, makeSettings()));
    assert.deepEqual(rs.map((r) => [r.stream, r.client.port, r.packets, r.notes.length, r.caveats[0].code]), [
      [0, 41000, 0, 1, 'no-segment'], [1, 41001, 0, 1, 'no-segment'], [2, 41002, 0, 1, 'no-segment']]);
  });

  it('a dropped half-open connection survives packing', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS }).seg(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    const c = run.icmp(3, 1, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }, { fromRemote: true, from: LOCAL_IP });
    assert.ok(c !== null);
    const w = new WordWriter();
    c.pack(w);
    assert.ok(w.ok);
    const back = Conn.unpack(new WordReader().at(w.buf, 0), c.stream, c.hash);
    assert.equal(stateName(back.server.state), 'LISTEN');
    back.endReason = c.endReason;
    assert.equal(JSON.stringify(buildReport(back, makeSettings())), JSON.stringify(buildReport(c, makeSettings())));
  });

  it('the note survives packing', () => {
    const run = new Run().seg(true, { flags: SYN, seq: ISS });
    const c = run.icmp(3, 13, { flags: SYN, seq: ISS }, { from: ROUTER });
    assert.ok(c !== null);
    const w = new WordWriter();
    c.pack(w);
    assert.ok(w.ok);
    const back = Conn.unpack(new WordReader().at(w.buf, 0), c.stream, c.hash);
    assert.deepEqual(back.notes.list, c.notes.list);
    assert.equal(stateName(back.client.state), 'CLOSED');
    back.endReason = c.endReason;
    assert.deepEqual(JSON.stringify(buildReport(back, makeSettings()).notes), JSON.stringify(buildReport(c, makeSettings()).notes));
  });
});
