/**
 * Plumbing shared by the per-protocol decoders: what a layer hands to the
 * next one. Every layer decoder is a plain function over (buf, offset, end)
 * that writes into a preallocated structure and returns either NEXT (decode
 * the next layer) or the final DecodeStatus of the frame, so the fast path
 * allocates nothing (the shape of gopacket's DecodingLayerParser).
 */
import { DecodeStatus } from './segment.ts';

/** A layer decoded fine and the next layer should be decoded. */
export const NEXT = -1;
export type LayerResult = DecodeStatus | typeof NEXT;

/** EtherType values the link decoders hand to the network layer. */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ tag
/** Transparent Ethernet Bridging: an Ethernet frame follows (gretap, NVGRE, GENEVE). */
export const ETHERTYPE_TEB = 0x6558;
export const ETHERTYPE_MPLS_UC = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

/** Linux packet types (SLL / SLL2 `sll_pkttype`, <linux/if_packet.h>). */
export const PACKET_HOST = 0;
export const PACKET_OUTGOING = 4;

/** Where the network layer starts, filled by the link decoders. */
export class LinkInfo {
  /** EtherType of the network layer (IPv4 / IPv6; anything else is not TCP). */
  etherType = 0;
  /** First byte of the network layer in the frame's buffer. */
  netOffset = 0;
  /** End of the captured network-layer bytes (exclusive). */
  netEnd = 0;
  /** Length of the network layer on the wire (origLen minus link headers). */
  netReported = 0;
  /** SLL/SLL2 packet type, -1 for other links. */
  pktType = -1;
  /** SLL2 interface index, -1 when the link does not record one. */
  ifIndex = -1;
  /**
   * Set by an encapsulation decoder (a tunnel or a PPPoE session, not a plain
   * link layer): its Tunnel kind and id (-1 when it has none). The decoder
   * loop reads and clears them after each layer.
   */
  tunnel = 0;
  tunnelId = -1;
  /** Set with DecodeStatus.Undecoded: the Undecoded kind that stopped the frame. */
  undecoded = 0;

  reset(): void {
    this.etherType = 0;
    this.netOffset = 0;
    this.netEnd = 0;
    this.netReported = 0;
    this.pktType = -1;
    this.ifIndex = -1;
    this.tunnel = 0;
    this.tunnelId = -1;
    this.undecoded = 0;
  }

  /**
   * Sets the network layer to what an encapsulation carries: from `offset`
   * to `stop` by the carrier's lengths, captured up to `end`.
   */
  setInner(etherType: number, offset: number, end: number, stop: number): void {
    this.etherType = etherType;
    this.netOffset = offset;
    this.netEnd = end < stop ? end : stop;
    this.netReported = stop - offset;
  }

  /** An encapsulation decoded: its kind and id (-1: none) for the decoder loop. */
  setTunnel(kind: number, id: number): void {
    this.tunnel = kind;
    this.tunnelId = id;
  }

  /** The frame stops at an encapsulation that is not followed (returns the status to hand back). */
  stopUndecoded(kind: number): typeof DecodeStatus.Undecoded {
    this.undecoded = kind;
    return DecodeStatus.Undecoded;
  }

  /** Sets the network layer to [offset, end), end being the end of the captured frame. */
  setNet(etherType: number, offset: number, end: number, frameStart: number, origLen: number): void {
    this.etherType = etherType;
    this.netOffset = offset;
    this.netEnd = end;
    const reported = origLen - (offset - frameStart);
    this.netReported = reported > 0 ? reported : 0;
  }
}

/** Big-endian 16-bit read; callers check bounds first. */
export function u16(buf: Uint8Array, i: number): number {
  return (buf[i] << 8) | buf[i + 1];
}

/** Big-endian unsigned 32-bit read; callers check bounds first. */
export function u32(buf: Uint8Array, i: number): number {
  return ((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) >>> 0;
}

/** Little-endian unsigned 32-bit read; callers check bounds first. */
export function u32le(buf: Uint8Array, i: number): number {
  return (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) >>> 0;
}
