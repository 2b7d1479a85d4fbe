/**
 * A CSV cell (RFC 4180) that a spreadsheet shows and never runs. A text
 * starting with `=`, `+`, `-` or `@` (or a tab or CR, which some spreadsheets
 * skip before looking for those) is a formula to Excel, LibreOffice and
 * Google Sheets: `=HYPERLINK(...)` in a file name would run when the
 * gradebook is opened. OWASP's rule ("CSV Injection"): such a cell gets a
 * leading `'` and is quoted. Controls are escaped as in the terminal
 * (escape/terminal.ts): a CSV is read with `cat` too, and a cell holding a
 * line break is where importers disagree. Cells with `"`, `,`, CR or LF are
 * quoted, quotes doubled. Numbers and booleans are written as they are.
 */
import { termText } from './terminal.ts';

export type CsvValue = string | number | boolean | null;

const FORMULA = /^[=+\-@\t\r]/;

/** The text of 0 ... 1023 (counts, most of a row's numbers), made once. */
const SMALL: readonly string[] = Array.from({ length: 1024 }, (_, i) => String(i));

export function csvCell(v: CsvValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return v >= 0 && v < SMALL.length && (v | 0) === v ? SMALL[v] : String(v);
  if (typeof v !== 'string') return String(v);
  if (plain(v)) return v;
  const formula = FORMULA.test(v);
  const s = (formula ? "'" : '') + termText(v);
  return formula || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Printable ASCII without `"` or `,`, not starting as a formula: the cell is
 * the text as it is (most cells of a connection's row: addresses, times,
 * kinds), found without the regular expressions.
 */
function plain(s: string): boolean {
  if (s.length === 0) return true;
  const c0 = s.charCodeAt(0);
  if (c0 === 0x3d || c0 === 0x2b || c0 === 0x2d || c0 === 0x40) return false; // = + - @
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x2c) return false;
  }
  return true;
}
