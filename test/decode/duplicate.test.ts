import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { ACK, DecodeStatus, PSH, Segment } from '../../src/decode/segment.ts';
import { frame, ipv4, ipv6, sll, sll2, tcp } from './build.ts';

const OUTGOING = 4;
const HOST = 0;
const seg = new Segment();

const pkt = (seq: number, id = 1): Uint8Array =>
  ipv4({ src: [127, 0, 0, 1], dst: [127, 0, 0, 1], id }, tcp({ seq, flags: ACK | PSH, payload: 10 }));

describe('loopback duplicates of tcpdump -i any', () => {
  it('SLL2: the incoming copy on the same interface is a Duplicate, counted once', () => {
    const d = new Decoder();
    assert.equal(d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100)), { number: 1 }), seg), DecodeStatus.Tcp);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100)), { number: 2 }), seg), DecodeStatus.Duplicate);
    assert.equal(d.stats.duplicates, 1);
    assert.equal(d.stats.tcp, 1);
  });

  it('SLL: outgoing then host with the same IP bytes is a Duplicate', () => {
    const d = new Decoder();
    const b = ipv6({ src: [...new Array(15).fill(0), 1], dst: [...new Array(15).fill(0), 1] }, tcp({ payload: 3 }));
    assert.equal(d.decode(frame(113, sll(OUTGOING, 0x86dd, b)), seg), DecodeStatus.Tcp);
    assert.equal(d.decode(frame(113, sll(HOST, 0x86dd, b)), seg), DecodeStatus.Duplicate);
  });

  it('a third identical copy is not swallowed', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100))), seg), DecodeStatus.Duplicate);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100))), seg), DecodeStatus.Tcp);
  });

  it('different bytes (IP id, seq) are not duplicates', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100, 1))), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100, 2))), seg), DecodeStatus.Tcp);
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(110))), seg), DecodeStatus.Tcp);
  });

  it('a copy on another interface index or pcapng interface is not a duplicate', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 2, pkt(100))), seg), DecodeStatus.Tcp);
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100)), { interfaceId: 0 }), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100)), { interfaceId: 1 }), seg), DecodeStatus.Tcp);
  });

  it('host then outgoing (the other order) is not a duplicate', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100))), seg);
    assert.equal(d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg), DecodeStatus.Tcp);
  });

  it('two outgoing copies do not make the second a duplicate', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    assert.equal(d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg), DecodeStatus.Tcp);
  });

  it('finds the copy when other packets sit between the two', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(200))), seg);
    d.decode(frame(276, sll2(HOST, 0x0800, 3, pkt(999))), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100))), seg), DecodeStatus.Duplicate);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(200))), seg), DecodeStatus.Duplicate);
  });

  it('handles packets larger than the preallocated slots (64 KiB loopback MTU)', () => {
    const d = new Decoder();
    const big = ipv4({}, tcp({ payload: 65000 }));
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, big)), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, big)), seg), DecodeStatus.Duplicate);
  });

  it('can be turned off: both copies are then Tcp, as Wireshark shows them', () => {
    const d = new Decoder({ dropLoopbackDuplicates: false });
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100))), seg), DecodeStatus.Tcp);
  });

  it('reset() forgets pending outgoing packets', () => {
    const d = new Decoder();
    d.decode(frame(276, sll2(OUTGOING, 0x0800, 1, pkt(100))), seg);
    d.reset();
    assert.equal(d.decode(frame(276, sll2(HOST, 0x0800, 1, pkt(100))), seg), DecodeStatus.Tcp);
  });
});
