/**
 * 32-bit sequence-number arithmetic (RFC 9293 3.4: "all arithmetic dealing
 * with sequence numbers must be performed modulo 2**32"). Comparisons use the
 * signed 32-bit difference, so they stay right across the wrap from
 * 0xffffffff to 0.
 */

/** a - b as a signed 32-bit number. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
/** a + n modulo 2**32, as an unsigned number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
