/**
 * IEEE 802.11 (LINKTYPE_IEEE802_11 = 105, and behind radiotap and PPI):
 * data frames carrying an LLC/SNAP header with an EtherType (RFC 1042, or
 * 802.1H with OUI 00-00-F8).
 *
 * The MAC header (IEEE 802.11-2020 9.2.3, 9.3.2.1): frame control (2, the
 * first byte holding version 2 bits, type 2, subtype 4, the second the
 * flags To DS 0x01, From DS 0x02, More Fragments 0x04, Protected 0x40,
 * +HTC/Order 0x80), duration (2), three addresses (18), sequence control
 * (2); a fourth address (6) when To DS and From DS are both set; QoS
 * control (2) in QoS data subtypes (bit 3 of the subtype); an HT control
 * field (4) in QoS frames with +HTC. Radiotap's "data pad" flag adds padding
 * to a multiple of 4 after the header.
 *
 * Management and control frames, data subtypes without a body ("null",
 * bit 2 of the subtype) and fragments after the first carry no TCP.
 * Protected frames are encrypted and aggregate MSDUs hold several packets:
 * both are counted as Undecoded (`wlan-protected`, `wlan-a-msdu`).
 */
import { DecodeStatus } from './segment.ts';
import { u16, type LayerResult, type LinkInfo } from './layer.ts';
import { Undecoded } from './encapsulation.ts';
import { decodeVlanTags } from './vlan.ts';

const TYPE_DATA = 2;
const FC_TO_FROM_DS = 0x03;
const FC_PROTECTED = 0x40;
const FC_ORDER = 0x80;
const QOS_AMSDU = 0x80;
const MAC_HEADER_LEN = 24;
const LLC_SNAP_LEN = 8;

/**
 * Decodes the 802.11 frame at `start` (captured up to `end`, `origLen`
 * bytes on the wire, FCS excluded by the caller); `dataPad`: radiotap says
 * the header is padded to a multiple of 4 bytes.
 */
export function decodeIeee80211(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo, dataPad: boolean,
): LayerResult {
  if (start + 2 > end) return DecodeStatus.Truncated;
  const fc0 = buf[start];
  const fc1 = buf[start + 1];
  if ((fc0 & 3) !== 0 || ((fc0 >> 2) & 3) !== TYPE_DATA) return DecodeStatus.NotTcp;
  const subtype = fc0 >> 4;
  if (subtype & 0x4) return DecodeStatus.NotTcp;
  let hdr = MAC_HEADER_LEN;
  if ((fc1 & FC_TO_FROM_DS) === FC_TO_FROM_DS) hdr += 6;
  const qosAt = hdr;
  const qos = (subtype & 0x8) !== 0;
  if (qos) {
    hdr += 2;
    if (fc1 & FC_ORDER) hdr += 4;
  }
  if (start + hdr > end) return DecodeStatus.Truncated;
  // A later fragment of an MSDU holds no header of its own.
  if ((buf[start + 22] & 0x0f) !== 0) return DecodeStatus.NotTcp;
  if (fc1 & FC_PROTECTED) return link.stopUndecoded(Undecoded.WlanProtected);
  if (qos && (buf[start + qosAt] & QOS_AMSDU) !== 0) return link.stopUndecoded(Undecoded.WlanAmsdu);
  if (dataPad) hdr = (hdr + 3) & ~3;
  const llc = start + hdr;
  if (llc + LLC_SNAP_LEN > end) return DecodeStatus.Truncated;
  if (buf[llc] !== 0xaa || buf[llc + 1] !== 0xaa || buf[llc + 2] !== 0x03 || buf[llc + 3] !== 0 || buf[llc + 4] !== 0 ||
      (buf[llc + 5] !== 0 && buf[llc + 5] !== 0xf8)) {
    return DecodeStatus.NotTcp;
  }
  return decodeVlanTags(buf, llc + LLC_SNAP_LEN, end, u16(buf, llc + 6), link, start, origLen);
}
