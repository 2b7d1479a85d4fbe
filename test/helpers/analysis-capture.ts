/**
 * A hand-built capture of one connection that goes through every flag of
 * Wireshark's sequence analysis the kernel fixtures do not show (window
 * full, zero window, zero-window probe and its ACK, window update, duplicate
 * ACKs, a fast retransmission, keep-alive and its ACK, a segment not
 * captured, an ACK of unseen data, out of order, spurious and plain
 * retransmissions). test/tcp/analysis-flags.test.ts compares tcpscope's
 * flags on it with tshark 4.0's, stored there.
 */
import { cat, ethernet, ipv4, tcp } from '../decode/build.ts';
import { type BuiltPacket, pcapFile } from './build.ts';

const C = { sport: 40000, dport: 80 };
const S = { sport: 80, dport: 40000 };
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

/** [ms after the start, from client, seq, ack, flags, window, payload bytes, TCP options] */
type Step = [number, boolean, number, number, number, number, number, number[]?];

export const STEPS: readonly Step[] = [
  [0, true, 1000, 0, SYN, 64240, 0, [2, 4, 0x05, 0xb4, 1, 3, 3, 7]], // 1 SYN: MSS 1460, window scale 7
  [1, false, 5000, 1001, SYN | ACK, 1000, 0, [2, 4, 0x05, 0xb4, 1, 3, 3, 0]], // 2 SYN+ACK: MSS 1460, window scale 0
  [2, true, 1001, 5001, ACK, 502, 0], // 3 ACK
  [3, true, 1001, 5001, PSH | ACK, 502, 500], // 4 data
  [4, true, 1501, 5001, PSH | ACK, 502, 500], // 5 data up to the server's window: window full
  [10, false, 5001, 2001, ACK, 0, 0], // 6 zero window
  [210, true, 2001, 5001, ACK, 502, 1], // 7 zero-window probe
  [211, false, 5001, 2001, ACK, 0, 0], // 8 its ACK, still zero
  [500, false, 5001, 2001, ACK, 1000, 0], // 9 window update
  [501, true, 2001, 5001, PSH | ACK, 502, 500], // 10 data
  [501.5, true, 2501, 5001, PSH | ACK, 502, 500], // 11 data
  [502, false, 5001, 2501, ACK, 1000, 0], // 12 ACK of 10
  [503, false, 5001, 2501, ACK, 1000, 0], // 13 duplicate ACK 1
  [504, false, 5001, 2501, ACK, 1000, 0], // 14 duplicate ACK 2
  [505, true, 2501, 5001, PSH | ACK, 502, 500], // 15 fast retransmission
  [506, false, 5001, 3001, ACK, 1000, 0], // 16 ACK
  [2000, true, 3000, 5001, ACK, 502, 0], // 17 keep-alive
  [2001, false, 5001, 3001, ACK, 1000, 0], // 18 keep-alive ACK
  [2100, true, 3501, 5001, PSH | ACK, 502, 100], // 19 previous segment not captured
  [2100.5, true, 3001, 5001, PSH | ACK, 502, 500], // 20 out of order
  [2101, false, 5001, 3601, ACK, 1000, 0], // 21 ACK
  [2102, false, 5001, 3701, ACK, 1000, 0], // 22 ACK of unseen data
  [2200, true, 3001, 5001, PSH | ACK, 502, 100], // 23 spurious retransmission
  [2300, true, 3701, 5001, PSH | ACK, 502, 100], // 24 data
  [2600, true, 3701, 5001, PSH | ACK, 502, 100], // 25 retransmission
];

/** The capture's bytes (classic pcap, µs, Ethernet). */
export function analysisCapture(): Uint8Array {
  const base = 1_700_000_000;
  const packets: BuiltPacket[] = STEPS.map(([ms, fromClient, seq, ack, flags, window, payload, options]) => {
    const us = Math.round(ms * 1000);
    const seg = tcp({ ...(fromClient ? C : S), seq, ack, flags, window, payload, options: options ?? [] });
    const ip = ipv4(fromClient ? { src: [10, 0, 0, 1], dst: [10, 0, 0, 2] } : { src: [10, 0, 0, 2], dst: [10, 0, 0, 1] }, seg);
    return { sec: base + Math.floor(us / 1e6), frac: us % 1e6, data: ethernet(0x0800, ip) };
  });
  return pcapFile(packets);
}
void cat;
