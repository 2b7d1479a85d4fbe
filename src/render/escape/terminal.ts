/**
 * Text that tcpscope did not write (file names, student ids, answers typed
 * by students, anything read from a capture) on its way to a terminal or a
 * plain-text file: every character that a terminal or a text viewer acts on
 * instead of showing is shown as an escape. C0 controls and DEL (ESC starts
 * the sequences that move the cursor, recolour, set the window title, clear
 * lines; CR and BS overwrite what came before), C1 controls (0x9b is a
 * one-byte CSI on terminals that take 8-bit controls), the line and paragraph
 * separators, the bidirectional embeddings, overrides, isolates and marks
 * (Unicode TR #9: U+202E shows `exe.pcap` for `pcap.exe`; the "Trojan Source"
 * attack, CVE-2021-42574), the other invisible format characters (a
 * zero-width space makes `s02\u200b` look like the student `s02`; tag
 * characters hide text) and lone UTF-16 surrogates: Unicode's categories
 * Cc, Cf, Cs, Zl and Zp. Names are decoded from
 * their bytes before they get here, invalid UTF-8 as `\xNN`
 * (capture/files.ts), so that form is the one used for the other controls
 * too. A backslash is left as it is: a name that spells `\x1b` out is shown
 * as it is, and is as harmless.
 */

/** Characters shown escaped: controls, format characters (bidi among them), lone surrogates, line and paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeOne(ch: string): string {
  const short = SHORT[ch];
  if (short !== undefined) return short;
  const c = ch.codePointAt(0) ?? 0;
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : c < 0x10000 ? `\\u${c.toString(16).padStart(4, '0')}` : `\\u{${c.toString(16)}}`;
}

/** `s` with every character a terminal would act on shown as `\xNN`, `\uNNNN`, `\n`, `\t` or `\r`. */
export function termText(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/**
 * A message of tcpscope's own that may span lines, on its way to stderr:
 * each line escaped (termText), the line breaks kept. Names inside it must
 * already be termText's (a newline in a name would start a line here).
 */
export function termLines(s: string): string {
  return s.split('\n').map(termText).join('\n');
}
