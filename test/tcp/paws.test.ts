/**
 * PAWS, RFC 7323 5.3 (the check) and 4.3 (when TS.Recent is updated), as
 * Linux applies it (tcp_validate_incoming, tcp_paws_discard,
 * tcp_disordered_ack, tcp_replace_ts_recent). Local = client (ISS 1000),
 * remote = server (IRS 5000).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { noteLabel } from '../../src/render/i18n.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { PAWS_IDLE_SECONDS, PAWS_RST_SECONDS, pawsRejects, tsRecentTakes } from '../../src/tcp/accept.ts';
import { Connection } from '../../src/tcp/connection.ts';
import { NoteKind } from '../../src/tcp/notes.ts';
import { WordReader, WordWriter } from '../../src/tcp/words.ts';
import { capturesDir } from '../helpers/paths.ts';
import { report } from '../helpers/report.ts';
import { ACK, FIN, IRS, ISS, RST, SYN, Pair, assertState } from './helpers.ts';

const kinds = (p: Pair): number[] => p.connection.notes.list.map((n) => n.kind);

/**
 * A connection with timestamps negotiated (both SYNs carry TSopt): the
 * server's TSvals start at `s0`, the client's at `c0`; the server sends 10
 * bytes (TSval s0 + 5, frame 4) and the client acknowledges them: the
 * client's TS.Recent is s0 + 5. `ts` false: no TSopt on the SYNs.
 */
function withTimestamps(s0 = 100_000, c0 = 7_000, ts: { syn?: boolean; synAck?: boolean } = {}): Pair {
  const syn = ts.syn ?? true;
  const synAck = ts.synAck ?? true;
  return new Pair()
    .send({ flags: SYN, seq: ISS, ...(syn ? { tsVal: c0 } : {}) })
    .recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1, ...(synAck ? { tsVal: s0, tsEcr: c0 } : {}) })
    .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, tsVal: c0 + 1, tsEcr: s0 })
    .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 10, tsVal: s0 + 5, tsEcr: c0 + 1 })
    .send({ flags: ACK, seq: ISS + 1, ack: IRS + 11, tsVal: c0 + 6, tsEcr: s0 + 5 });
}

describe('RFC 7323 5.3 R1 on its own: SEG.TSval < TS.Recent, modulo 2^32', () => {
  it('older by more than Linux\'s window of 1 tick: refused; equal, newer or 1 tick older: taken', () => {
    assert.equal(pawsRejects(98, 100, 0), true);
    assert.equal(pawsRejects(99, 100, 0), false);
    assert.equal(pawsRejects(100, 100, 0), false);
    assert.equal(pawsRejects(5000, 100, 0), false);
  });
  it('wraps around: 0x10 is newer than 0xfffffff0, and 0xfffffff0 older than 0x10', () => {
    assert.equal(pawsRejects(0x10, 0xfffffff0, 0), false);
    assert.equal(pawsRejects(0xfffffff0, 0x10, 0), true);
    assert.equal(pawsRejects(0x7fffffff, 0x80000010, 0), true);
  });
  it('in TIME_WAIT the window is 0 ticks (Linux tcp_paws_reject): 1 tick older is refused there', () => {
    assert.equal(pawsRejects(99, 100, 0, 0), true);
    assert.equal(pawsRejects(100, 100, 0, 0), false);
    assert.equal(pawsRejects(99, 100, 0), false);
  });
  it('a TS.Recent of 0 or idle for 24 days is not trusted (Linux tcp_paws_check)', () => {
    assert.equal(pawsRejects(5, 0, 0), false);
    assert.equal(pawsRejects(5, 100, PAWS_IDLE_SECONDS), false);
    assert.equal(pawsRejects(5, 100, PAWS_IDLE_SECONDS - 1), true);
  });
  it('RFC 7323 4.3: TS.Recent takes a TSval not older, from a segment at or before Last.ACK.sent', () => {
    assert.equal(tsRecentTakes(200, 1000, 100, 1000, 0), true);
    assert.equal(tsRecentTakes(200, 1001, 100, 1000, 0), false, 'beyond Last.ACK.sent');
    assert.equal(tsRecentTakes(99, 1000, 100, 1000, 0), false, 'older');
    assert.equal(tsRecentTakes(0x10, 1000, 0xfffffff0, 1000, 0), true, 'newer across the wrap');
    assert.equal(tsRecentTakes(99, 1000, 100, 1000, PAWS_IDLE_SECONDS), true, 'an idle TS.Recent is replaced');
  });
});

describe('PAWS in the endpoint machines', () => {
  it('a FIN at RCV.NXT with the right ACK but an old TSval is refused: no CLOSE_WAIT, no FIN_WAIT_1; the real FIN later closes', () => {
    const p = withTimestamps().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000, tsEcr: 7_006 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.PawsRejected]);
    const n = p.connection.notes.list[0];
    assert.deepEqual([n.frame, n.related, n.tsVal, n.tsRecent], [6, 4, 100_000, 100_005]);
    assert.equal(p.local.rejected, 1);
    assert.equal(p.remote.finKnown, false);
    // Linux answers with a duplicate ACK (ack = RCV.NXT); then the real FIN.
    p.send({ flags: ACK, seq: ISS + 1, ack: IRS + 11, tsVal: 7_010, tsEcr: 100_005 })
      .recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_020, tsEcr: 7_010 });
    assertState(p.local, 'CLOSE_WAIT');
    assertState(p.remote, 'FIN_WAIT_1');
    const r = report(p);
    assert.deepEqual(r.close.finFrames.server.map((k) => k.frame), [8]);
    assert.deepEqual(r.notes.map((x) => [x.frame, x.kind, x.relatedFrame, x.tsVal, x.tsRecent]), [[6, 'paws-rejected', 4, 100_000, 100_005]]);
  });
  it('data with an old TSval is refused too and does not move RCV.NXT', () => {
    const p = withTimestamps().recv({ flags: ACK, seq: IRS + 11, ack: ISS + 1, len: 20, tsVal: 99_000 });
    assert.deepEqual(kinds(p), [NoteKind.PawsRejected]);
    assert.equal(p.local.rcvNxt, IRS + 11);
  });
  it('a RST with an old TSval is still processed (R1: RSTs are exempt)', () => {
    const p = withTimestamps().recv({ flags: RST | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 1 });
    assertState(p.local, 'CLOSED');
    assert.deepEqual(kinds(p), []);
  });
  it('no PAWS without timestamps negotiated (the SYN+ACK had no TSopt, or neither SYN)', () => {
    for (const ts of [{ synAck: false }, { syn: false, synAck: false }]) {
      const p = withTimestamps(100_000, 7_000, ts).recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 1 });
      assertState(p.local, 'CLOSE_WAIT');
      assert.deepEqual(kinds(p), []);
    }
  });
  it('across the TSval wrap: an old pre-wrap TSval is refused, a post-wrap one taken', () => {
    // The server's clock starts at 2^32 - 3: its data segment's TSval (s0 + 5) has wrapped to 2.
    const s0 = 0xfffffffd;
    const old = withTimestamps(s0).recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: s0 });
    assertState(old.local, 'ESTABLISHED');
    assert.deepEqual(kinds(old), [NoteKind.PawsRejected]);
    assert.equal(old.connection.notes.list[0].tsRecent, 2);
    const fresh = withTimestamps(s0).recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 40 });
    assertState(fresh.local, 'CLOSE_WAIT');
    assert.deepEqual(kinds(fresh), []);
  });
  it('TS.Recent moves only on a segment at or before Last.ACK.sent (RFC 7323 4.3): out-of-order data does not set it', () => {
    // Data beyond a hole with a newer TSval, then the FIN at RCV.NXT with a TSval between.
    const p = withTimestamps()
      .recv({ flags: ACK, seq: IRS + 111, ack: ISS + 1, len: 10, tsVal: 100_500 })
      .recv({ flags: ACK, seq: IRS + 11, ack: ISS + 1, len: 100, tsVal: 100_100 });
    assert.equal(p.local.tsRecent, 100_100);
    assert.deepEqual(kinds(p), []);
  });
  it('a pure duplicate ACK at RCV.NXT a little older than TS.Recent is taken (Linux tcp_disordered_ack); a much older one is not', () => {
    const near = withTimestamps().recv({ flags: ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 });
    assert.deepEqual(kinds(near), []);
    const far = withTimestamps().recv({ flags: ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 90_000 });
    assert.deepEqual(kinds(far), [NoteKind.PawsRejected]);
  });
  it('mid-connection (no SYNs): PAWS applies when both sides send TSopts, not once one side sent a segment without', () => {
    const start = (): Pair => new Pair()
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 10, tsVal: 100_005 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 11, tsVal: 7_006 });
    const p = start().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 });
    assert.deepEqual(kinds(p), [NoteKind.PawsRejected]);
    const q = start()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 11 })
      .recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 });
    assert.deepEqual(kinds(q), []);
    assertState(q.local, 'CLOSE_WAIT');
  });
});

/**
 * withTimestamps, then the client closes first: its FIN (frame 6, TSval
 * c0 + 10), the server's FIN+ACK (frame 7, TSval s0 + 20: the client's
 * TS.Recent), the client's ACK (frame 8): client TIME_WAIT, server CLOSED.
 */
function inTimeWait(s0 = 100_000, c0 = 7_000): Pair {
  return withTimestamps(s0, c0)
    .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 11, tsVal: c0 + 10, tsEcr: s0 + 5 })
    .recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 2, tsVal: s0 + 20, tsEcr: c0 + 10 })
    .send({ flags: ACK, seq: ISS + 2, ack: IRS + 12, tsVal: c0 + 11, tsEcr: s0 + 20 });
}
/** The ACK a TIME_WAIT client answers with (seq = SND.NXT, ack = RCV.NXT, TSecr = TS.Recent). */
const twAck = { flags: ACK, seq: ISS + 2, ack: IRS + 12, tsVal: 7_050, tsEcr: 100_020 };
const pawsNotes = (p: Pair) => p.connection.notes.list.filter((n) => n.kind === NoteKind.PawsRejected);

describe('PAWS in TIME_WAIT (RFC 7323 5.3, Linux tcp_timewait_state_process)', () => {
  it('a bare ACK at RCV.NXT with an old TSval is refused; the ACK answering it restarts TIME_WAIT', () => {
    const p = inTimeWait();
    assertState(p.local, 'TIME_WAIT');
    assert.equal(p.local.tsRecent, 100_020);
    p.recv({ flags: ACK, seq: IRS + 12, ack: ISS + 2, tsVal: 100_005, tsEcr: 7_011 });
    assertState(p.local, 'TIME_WAIT');
    assert.equal(p.local.rejected, 1);
    assert.deepEqual(pawsNotes(p).map((n) => [n.frame, n.related, n.tsVal, n.tsRecent, n.answer]), [[9, 7, 100_005, 100_020, 0]]);
    assert.equal(p.local.twRestarts.length, 0);
    p.send(twAck);
    assert.deepEqual(p.local.twRestarts.map((m) => m.frame), [10]);
    const r = report(p);
    assert.deepEqual(r.timeWait.client?.restarts.map((x) => x.frame), [10]);
    assert.deepEqual(r.notes.map((n) => [n.frame, n.kind, n.answerFrame, n.answeredByAck]), [[9, 'paws-rejected', 10, true]]);
    assert.deepEqual(r.endpoints.server.transitions.map((t) => [t.to, t.frame]).at(-1), ['CLOSED', 8]);
  });
  it('the same ACK with a newer TSval is taken silently: no note, and a later ACK restarts nothing', () => {
    const p = inTimeWait().recv({ flags: ACK, seq: IRS + 12, ack: ISS + 2, tsVal: 100_030, tsEcr: 7_011 }).send(twAck);
    assert.deepEqual(pawsNotes(p), []);
    assert.deepEqual(p.local.twRestarts, []);
    assert.equal(p.local.tsRecent, 100_030);
  });
  it('1 tick older is refused in TIME_WAIT (window 0), with no disordered-ACK exception', () => {
    const p = inTimeWait().recv({ flags: ACK, seq: IRS + 12, ack: ISS + 2, tsVal: 100_019, tsEcr: 7_011 });
    assert.equal(pawsNotes(p).length, 1);
  });
  it('a copy of the peer\'s FIN with an old TSval: refused (no FIN copy, the peer stays CLOSED), re-ACKed, TIME_WAIT restarted', () => {
    const p = inTimeWait().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 2, tsVal: 100_000, tsEcr: 7_011 }).send(twAck);
    assert.deepEqual(pawsNotes(p).map((n) => [n.frame, n.answer, n.answerAck]), [[9, 10, true]]);
    assert.deepEqual(p.remote.finCopies.map((k) => k.frame), [7]);
    assertState(p.remote, 'CLOSED');
    assert.deepEqual(p.local.twRestarts.map((m) => m.frame), [10]);
  });
  it('a RST with an old TSval is refused in TIME_WAIT while TS.Recent is younger than 60 s; never answered', () => {
    const p = inTimeWait().recv({ flags: RST, seq: IRS + 12, tsVal: 100_000 });
    assertState(p.local, 'TIME_WAIT');
    assert.deepEqual(pawsNotes(p).map((n) => [n.frame, n.answer]), [[9, undefined]]);
    p.send(twAck);
    assert.deepEqual(p.local.twRestarts, [], 'a refused RST restarts nothing');
    const r = report(p);
    assert.deepEqual(r.notes.map((n) => [n.frame, n.answerFrame, n.answeredByAck]), [[9, null, null]]);
    assert.equal(r.close.reset, null);
  });
  it('a RST with an old TSval 60 s after TS.Recent was set, or with a newer TSval, ends TIME_WAIT (RFC 1337)', () => {
    const late = inTimeWait().recv({ flags: RST, seq: IRS + 12, tsVal: 100_000, t: PAWS_RST_SECONDS + 1 });
    assertState(late.local, 'CLOSED');
    assert.deepEqual(pawsNotes(late), []);
    const fresh = inTimeWait().recv({ flags: RST, seq: IRS + 12, tsVal: 100_030 });
    assertState(fresh.local, 'CLOSED');
    assert.deepEqual(pawsNotes(fresh), []);
  });
  it('the answer is looked for across packing (the note waits in the frozen form)', () => {
    const p = inTimeWait().recv({ flags: ACK, seq: IRS + 12, ack: ISS + 2, tsVal: 100_005, tsEcr: 7_011 });
    const c = p.connection;
    const w = new WordWriter();
    c.pack(w);
    assert.ok(w.ok);
    const back = Connection.unpack(new WordReader().at(w.buf, 0), c.stream, c.hash);
    assert.deepEqual(back.notes.list, c.notes.list);
    assert.equal(back.notes.pawsAwaiting, c.notes.pawsAwaiting);
    p.conn = back;
    p.send(twAck);
    assert.deepEqual(pawsNotes(p).map((n) => [n.answer, n.answerAck]), [[10, true]]);
    assert.deepEqual(p.local.twRestarts.map((m) => m.frame), [10]);
  });
});

describe('the paws-rejected note says what the receiver\'s next segment shows', () => {
  it('an ACK at RCV.NXT: answered; data: not an ACK answering it; none: nothing said of an answer', () => {
    const acked = withTimestamps().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 11, tsVal: 7_010 });
    const [a] = report(acked).notes;
    assert.deepEqual([a.answerFrame, a.answeredByAck], [7, true]);
    assert.match(noteLabel('en', a), /no state change; the receiver's next segment \(frame 7\) is an ACK answering it$/);
    assert.match(noteLabel('zh', a), /第 7 帧）是回应它的 ACK$/);
    const data = withTimestamps().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 11, len: 50, tsVal: 7_010 });
    const [d] = report(data).notes;
    assert.deepEqual([d.answerFrame, d.answeredByAck], [7, false]);
    assert.match(noteLabel('en', d), /the receiver's next segment \(frame 7\) is not an ACK answering it$/);
    // An ACK that acknowledges more than RCV.NXT is no answer to it either.
    const further = withTimestamps().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 12, tsVal: 7_010 });
    assert.deepEqual(report(further).notes.map((n) => n.answeredByAck), [false]);
    const none = withTimestamps().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 });
    const [n] = report(none).notes;
    assert.deepEqual([n.answerFrame, n.answeredByAck], [null, null]);
    assert.equal(noteLabel('en', n), 'TSval 100000 older than TS.Recent 100005 (frame 4): not acceptable (RFC 7323 PAWS), no state change');
  });
  it('only the receiver\'s next segment answers, not the sender\'s', () => {
    const p = withTimestamps().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1, tsVal: 100_000 })
      .recv({ flags: ACK, seq: IRS + 11, ack: ISS + 1, len: 10, tsVal: 100_030 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 21, tsVal: 7_010 });
    assert.deepEqual(report(p).notes.map((n) => [n.frame, n.answerFrame, n.answeredByAck]), [[6, 8, false]]);
  });
});

describe('kernel fixtures', () => {
  it('paws-time-wait: the injected ACK and FIN copy are refused in the client\'s TIME_WAIT, each answered by an ACK that restarts it', async () => {
    const cap = await analyzeFile(join(capturesDir, 'paws-time-wait.pcap'), makeSettings());
    const [c] = cap.connections;
    assert.deepEqual(c.notes.map((n) => [n.frame, n.kind, n.from, n.relatedFrame, n.answerFrame, n.answeredByAck]),
      [[11, 'paws-rejected', 'server', 9, 12, true], [13, 'paws-rejected', 'server', 9, 14, true]]);
    assert.deepEqual(c.timeWait.client?.restarts.map((r) => r.frame), [12, 14]);
    assert.deepEqual(c.close.finRetransmissions, { client: 0, server: 0 });
    assert.deepEqual(c.endpoints.server.transitions.map((t) => [t.to, t.frame]).at(-1), ['CLOSED', 10]);
    assert.deepEqual([c.endpoints.client.finalState, c.endpoints.client.unacceptable], ['TIME_WAIT', 2]);
  });
  it('paws-fin: the server\'s next segment is the duplicate ACK answering the injected FIN', async () => {
    const cap = await analyzeFile(join(capturesDir, 'paws-fin.pcap'), makeSettings());
    assert.deepEqual(cap.connections[0].notes.map((n) => [n.frame, n.answerFrame, n.answeredByAck]), [[8, 9, true]]);
  });
});
