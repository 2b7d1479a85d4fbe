/**
 * A string field of a Zeek ASCII log, escaped as Zeek's writer does
 * (threading/formatters/Ascii.cc): bytes that are not printable ASCII, the
 * backslash and the separator (tab) as `\xNN`;
 * a value that would read as the unset (`-`) or empty (`(empty)`) field
 * gets its first character escaped. tcpscope writes only its own values
 * there today (addresses, states, history letters); this keeps the log
 * readable if that changes.
 */
export function zeekString(s: string): string {
  const hex = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b < 0x20 || b > 0x7e || b === 0x5c ? hex(b) : String.fromCharCode(b);
  if (out === '-' || out === '(empty)') out = hex(out.charCodeAt(0)) + out.slice(1);
  return out;
}
