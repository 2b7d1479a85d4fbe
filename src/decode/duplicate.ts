/**
 * Loopback duplicates of `tcpdump -i any`.
 *
 * On Linux, a packet sent over `lo` passes the capture tap twice: once as it
 * is transmitted (SLL packet type 4, OUTGOING) and once as it is received
 * (packet type 0, HOST), with the same interface index and byte-identical IP
 * packets. Counted twice, every loopback segment would look retransmitted.
 * Wireshark shows both frames; we report the incoming copy as Duplicate.
 *
 * A few outgoing packets are kept (copies in preallocated slots, grown only
 * when a larger packet is seen) because on a busy host other packets can sit
 * between the two copies. An incoming frame matches a slot when the
 * interface, length and every captured IP byte agree; the slot is then freed
 * so a third identical copy is not swallowed.
 */
const SLOTS = 8;
const INITIAL_SLOT_BYTES = 2048;

export class LoopbackDuplicates {
  private readonly data: Uint8Array[] = [];
  private readonly len = new Int32Array(SLOTS).fill(-1);
  private readonly reported = new Int32Array(SLOTS);
  private readonly ifIndex = new Int32Array(SLOTS);
  private readonly interfaceId = new Int32Array(SLOTS);
  private nextSlot = 0;

  constructor() {
    for (let i = 0; i < SLOTS; i++) this.data.push(new Uint8Array(INITIAL_SLOT_BYTES));
  }

  /** Remembers an outgoing IP packet: buf[off, end), `reported` bytes on the wire. */
  remember(buf: Uint8Array, off: number, end: number, reported: number, ifIndex: number, interfaceId: number): void {
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % SLOTS;
    const n = end - off;
    if (this.data[slot].length < n) this.data[slot] = new Uint8Array(Math.max(n, this.data[slot].length * 2));
    const d = this.data[slot];
    for (let i = 0; i < n; i++) d[i] = buf[off + i]; // no subarray view: nothing allocated per packet
    this.len[slot] = n;
    this.reported[slot] = reported;
    this.ifIndex[slot] = ifIndex;
    this.interfaceId[slot] = interfaceId;
  }

  /** True (and the slot is freed) when buf[off, end) is a copy of a remembered outgoing packet. */
  matchAndForget(buf: Uint8Array, off: number, end: number, reported: number, ifIndex: number, interfaceId: number): boolean {
    const n = end - off;
    for (let k = 1; k <= SLOTS; k++) {
      const slot = (this.nextSlot - k + SLOTS) % SLOTS; // newest first
      if (this.len[slot] !== n || this.reported[slot] !== reported ||
          this.ifIndex[slot] !== ifIndex || this.interfaceId[slot] !== interfaceId) continue;
      const d = this.data[slot];
      let i = 0;
      while (i < n && d[i] === buf[off + i]) i++;
      if (i === n) {
        this.len[slot] = -1;
        return true;
      }
    }
    return false;
  }

  clear(): void {
    this.len.fill(-1);
    this.nextSlot = 0;
  }

  /**
   * The packets remembered, oldest first, as bytes (per packet: length,
   * reported length, interface index and id as 32-bit words, then the
   * bytes): what the next part of a capture cut into files starts with
   * (analyze/split.ts).
   */
  save(): Uint8Array {
    const out: number[] = [];
    for (let k = 0; k < SLOTS; k++) {
      const slot = (this.nextSlot + k) % SLOTS;
      const n = this.len[slot];
      if (n < 0) continue;
      const w = new Uint8Array(16 + n);
      const v = new DataView(w.buffer);
      v.setUint32(0, n, true);
      v.setUint32(4, this.reported[slot], true);
      v.setInt32(8, this.ifIndex[slot], true);
      v.setInt32(12, this.interfaceId[slot], true);
      w.set(this.data[slot].subarray(0, n), 16);
      for (const b of w) out.push(b);
    }
    return Uint8Array.from(out);
  }

  /** Remember the packets `save` wrote (false, and nothing remembered, if they are not such bytes). */
  load(bytes: Uint8Array): boolean {
    this.clear();
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let p = 0;
    let count = 0;
    while (p < bytes.length) {
      if (p + 16 > bytes.length || ++count > SLOTS) return this.failLoad();
      const n = v.getUint32(p, true);
      if (p + 16 + n > bytes.length) return this.failLoad();
      this.remember(bytes, p + 16, p + 16 + n, v.getUint32(p + 4, true), v.getInt32(p + 8, true), v.getInt32(p + 12, true));
      p += 16 + n;
    }
    return true;
  }

  private failLoad(): false {
    this.clear();
    return false;
  }
}
