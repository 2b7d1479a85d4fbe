/**
 * Address formatting for output (reports, JSON, tests); not for the hot path.
 * Addresses are Segment-style 32-bit words in network order: IPv4 in word 0,
 * IPv6 in words 0..3.
 */

/** Dotted quad of a 32-bit IPv4 address. */
export function formatIPv4(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 0xff}.${(word >>> 8) & 0xff}.${word & 0xff}`;
}

/**
 * RFC 5952 text form of an IPv6 address: lower-case hex without leading
 * zeros, the longest run of two or more zero groups (the first if tied)
 * replaced by `::`, and IPv4-mapped addresses (::ffff:0:0/96) with a dotted
 * tail (section 5), as Wireshark and inet_ntop write them.
 */
export function formatIPv6(words: ArrayLike<number>): string {
  const g: number[] = [];
  for (let w = 0; w < 4; w++) {
    g.push((words[w] >>> 16) & 0xffff, words[w] & 0xffff);
  }
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(words[3] >>> 0)}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

export function formatIp(version: 4 | 6, words: ArrayLike<number>): string {
  return version === 4 ? formatIPv4(words[0] >>> 0) : formatIPv6(words);
}

/** `1.2.3.4:80` or `[2001:db8::1]:80`. */
export function formatEndpoint(version: 4 | 6, words: ArrayLike<number>, port: number): string {
  return version === 4 ? `${formatIp(4, words)}:${port}` : `[${formatIPv6(words)}]:${port}`;
}
