/**
 * PAWS, RFC 7323 5.3 (the check) and 4.3 (when TS.Recent is updated), as
 * Linux applies it (tcp_validate_incoming, tcp_paws_discard,
 * tcp_disordered_ack, tcp_replace_ts_recent). Local = client (ISS 1000),
 * remote = server (IRS 5000).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAWS_IDLE_SECONDS, pawsRejects, tsRecentTakes } from '../../src/tcp/accept.ts';
import { NoteKind } from '../../src/tcp/notes.ts';
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
