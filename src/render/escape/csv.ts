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

export function csvCell(v: CsvValue): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const formula = FORMULA.test(v);
  const s = (formula ? "'" : '') + termText(v);
  return formula || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
