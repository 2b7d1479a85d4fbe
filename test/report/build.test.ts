import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completenessStr } from '../../src/report/compat.ts';
import { ipText, isoTime } from '../../src/report/format.ts';
import { makeSettings } from '../../src/report/settings.ts';
import {
  ACK, FIN, IRS, ISS, Pair, RST, SYN, closeWait, established, finWait2, synSent, timeWait,
} from '../tcp/helpers.ts';

import { report } from '../helpers/report.ts';

describe('handshake verdicts', () => {
  it('three-way with x and y', () => {
    const r = report(established());
    assert.equal(r.handshake.kind, 'three-way');
    assert.deepEqual(r.handshake.x, { seq: ISS, relative: 0 });
    assert.deepEqual(r.handshake.y, { seq: IRS, relative: 0 });
    assert.equal(r.handshake.establishedFrame, 3);
    assert.equal(r.close.kind, 'open');
    assert.equal(r.close.activeCloser, null);
  });
  it('unanswered SYN with retransmissions', () => {
    const r = report(synSent().send({ flags: SYN, seq: ISS, t: 1 }).send({ flags: SYN, seq: ISS, t: 2 }));
    assert.equal(r.handshake.kind, 'unanswered');
    assert.equal(r.handshake.synRetransmissions.client, 2);
    assert.deepEqual(r.handshake.synFrames.map((f) => f.ackedFrame), [null, null, null]);
    // An open that never happened: nothing to close.
    assert.equal(r.close.kind, 'never-opened');
    assert.equal(r.close.activeCloser, null);
    assert.equal(r.compat.zeek.connState, 'S0');
  });
  it('refused: RST to the SYN', () => {
    const r = report(synSent().recv({ flags: RST | ACK, seq: 0, ack: ISS + 1 }));
    assert.equal(r.handshake.kind, 'refused');
    assert.equal(r.close.kind, 'refused');
    assert.equal(r.close.activeCloser, null);
    assert.equal(r.close.reset?.cause, 'refused');
    assert.equal(r.close.reset?.by, 'server');
    assert.match(r.close.reset?.reasoning ?? '', /^inferred: /);
    assert.equal(r.compat.zeek.connState, 'REJ');
    assert.equal(r.compat.tcptrace.completeConn, 'RESET');
  });
  it('simultaneous open', () => {
    const p = synSent().recv({ flags: SYN, seq: IRS }).send({ flags: SYN | ACK, seq: ISS, ack: IRS + 1 })
      .recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    assert.equal(report(p).handshake.kind, 'simultaneous-open');
  });
  it('not captured: mid-connection', () => {
    const r = report(new Pair().send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 5 }));
    assert.equal(r.handshake.kind, 'not-captured');
    assert.equal(r.clientFrom, 'port');
    assert.equal(r.client.port, 40000);
  });
});

describe('close verdicts and textbook values', () => {
  it('three-way close (FIN, FIN+ACK, ACK): u, v = w, ack=u+1, ack=w+1', () => {
    const p = established()
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 });
    const r = report(p);
    assert.equal(r.close.kind, 'three-way');
    assert.equal(r.close.activeCloser, 'client');
    assert.deepEqual(r.close.u, { seq: ISS + 1, relative: 1 });
    assert.deepEqual(r.close.v, { seq: IRS + 1, relative: 1 });
    assert.deepEqual(r.close.w, { seq: IRS + 1, relative: 1 });
    assert.equal(r.close.ackOfU?.ack.seq, (r.close.u?.seq ?? 0) + 1);
    assert.equal(r.close.ackOfW?.ack.seq, (r.close.w?.seq ?? 0) + 1);
    assert.equal(r.close.ackOfW?.frame, 6);
    assert.equal(r.timeWait.endpoint, 'client');
    assert.equal(r.endpoints.server.finalState, 'CLOSED');
    assert.equal(r.compat.zeek.connState, 'SF');
    assert.equal(r.compat.zeek.history, 'ShAFf');
    assert.equal(r.compat.tcptrace.completeConn, 'yes');
    assert.equal(r.compat.wireshark.completeness, 1 + 2 + 4 + 16);
    assert.equal(r.compat.wireshark.completenessStr, 'S-SA-A-F');
  });
  it('four-way close (FIN, ACK, FIN, ACK) with v != w', () => {
    const p = finWait2()
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2, len: 10 })
      .recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 2 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 12 });
    const r = report(p);
    assert.equal(r.close.kind, 'four-way');
    assert.deepEqual(r.close.v, { seq: IRS + 1, relative: 1 });
    assert.deepEqual(r.close.w, { seq: IRS + 11, relative: 11 });
    assert.deepEqual(r.close.halfClose, { side: 'server', bytes: 10, segments: 1 });
  });
  it('simultaneous close', () => {
    const p = established()
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 })
      .recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2 });
    const r = report(p);
    assert.equal(r.close.kind, 'simultaneous');
    assert.equal(r.close.activeCloser, 'both');
    assert.equal(r.timeWait.endpoint, 'both');
  });
  it('incomplete: capture ends in LAST_ACK', () => {
    const r = report(established()
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2 }));
    assert.equal(r.close.kind, 'incomplete');
    assert.deepEqual(r.close.finsSeen, { client: true, server: true });
  });
  it('FIN retransmissions are counted per side with frames and gaps', () => {
    const p = established()
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 1 })
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 1.2 })
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 1.6 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1.7 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 });
    const r = report(p);
    assert.deepEqual(r.close.finRetransmissions, { client: 2, server: 0 });
    assert.deepEqual(r.close.finFrames.client.map((f) => [f.frame, f.gapSeconds, f.ackedFrame]), [[4, 0, 7], [5, 0.2, 7], [6, 0.4, 7]]);
  });
});

describe('TIME_WAIT verdicts', () => {
  it('inconclusive when the capture ends first', () => {
    const r = report(timeWait(), makeSettings(), 10);
    assert.equal(r.timeWait.verdict, 'inconclusive');
    assert.equal(r.timeWait.evidence, 'capture-end');
    assert.equal(r.timeWait.requiredSeconds, 240);
  });
  it('full when the capture goes on past 2MSL', () => {
    const r = report(timeWait(), makeSettings({ os: 'linux' }), 61);
    assert.equal(r.timeWait.verdict, 'full');
  });
  it('restarts move the start of the observed time', () => {
    const p = timeWait()
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 30 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 });
    const r = report(p, makeSettings({ os: 'linux' }), 40);
    assert.equal(r.timeWait.restarts.length, 1);
    assert.equal(r.timeWait.observedSeconds, 40);
    assert.equal(r.timeWait.verdict, 'inconclusive');
  });
  it('none without TIME_WAIT', () => {
    const r = report(closeWait());
    assert.equal(r.timeWait.verdict, 'none');
    assert.equal(r.timeWait.endpoint, null);
  });
});

describe('settings and formats', () => {
  it('OS presets give the TIME_WAIT length; an explicit MSL wins', () => {
    assert.deepEqual(makeSettings(), { os: 'rfc', msl: 120, timeWaitSeconds: 240 });
    assert.equal(makeSettings({ os: 'linux' }).timeWaitSeconds, 60);
    assert.equal(makeSettings({ os: 'freebsd' }).timeWaitSeconds, 60);
    assert.equal(makeSettings({ os: 'macos' }).timeWaitSeconds, 30);
    assert.equal(makeSettings({ os: 'windows' }).timeWaitSeconds, 240);
    assert.deepEqual(makeSettings({ os: 'linux', msl: 30 }), { os: 'linux', msl: 30, timeWaitSeconds: 60 });
  });
  it('ISO times keep the capture precision without floats', () => {
    assert.equal(isoTime(1795307479, 559894000, 6), '2026-11-22T00:31:19.559894Z');
    assert.equal(isoTime(1795307479, 559894123, 9), '2026-11-22T00:31:19.559894123Z');
    assert.equal(isoTime(-1, 500000000, 6), '1969-12-31T23:59:59.500000Z');
    assert.equal(isoTime(951782400, 0, 6), '2000-02-29T00:00:00.000000Z');
    // A garbage timestamp (2^64 microseconds) from a real capture: beyond Date's range.
    assert.equal(isoTime(18446744073204, 126329000, 6), '+586524-01-19T07:53:24.126329Z');
  });
  it('cached texts of times, addresses and completeness are those made fresh', () => {
    // Enough distinct seconds and addresses to evict every cache slot many times over, each asked twice.
    let seed = 12345;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 20000; i++) {
      const sec = 1700000000 + (rand() % 5000);
      const nsec = rand() % 1000000000;
      const want = new Date(sec * 1000).toISOString().slice(0, 19) + '.' + String(nsec).padStart(9, '0').slice(0, 6) + 'Z';
      assert.equal(isoTime(sec, nsec, 6), want);
      assert.equal(isoTime(sec, nsec, 6), want);
      const a = rand();
      const dotted = [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
      assert.equal(ipText(4, Uint32Array.of(a, 0, 0, 0)), dotted);
      assert.equal(ipText(4, Uint32Array.of(a, 0, 0, 0)), dotted);
    }
    assert.equal(ipText(4, Uint32Array.of(0, 0, 0, 0)), '0.0.0.0');
    const names = ['S', 'SA', 'A', 'D', 'F', 'R'];
    for (let bits = 0; bits < 64; bits++) {
      assert.equal(completenessStr(bits), names.filter((_, i) => bits & (1 << i)).join('-'));
    }
  });
  it('IPv6 text follows RFC 5952', () => {
    assert.equal(ipText(6, Uint32Array.of(0x20010db8, 0, 0, 1)), '2001:db8::1');
    assert.equal(ipText(6, Uint32Array.of(0, 0, 0, 1)), '::1');
    assert.equal(ipText(6, Uint32Array.of(0, 0, 0xffff, 0xc0000201)), '::ffff:192.0.2.1');
    assert.equal(ipText(4, Uint32Array.of(0xc0000201, 0, 0, 0)), '192.0.2.1');
  });
});
