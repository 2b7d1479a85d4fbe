/**
 * Markdown (GitHub's, CommonMark with tables) of text tcpscope did not
 * write: shown as the characters it is, never as markup. Controls are
 * escaped as in the terminal (escape/terminal.ts) first; then `<`, `>` and
 * `&` become entities (no raw HTML, no autolink, no entity spelled by a
 * name) and the characters that make inline markup or end a table cell get
 * a backslash: `\`, `` ` ``, `*`, `_`, `[`, `]`, `|`, `~`, `#`. A newline in a
 * name is `\n` (it would end a table row).
 */
import { termText } from './terminal.ts';

const SPECIAL = /[\\`*_[\]|~#<>&]/g;
const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** One line of text as Markdown shows it literally (table cell, heading, list item). */
export function mdText(s: string): string {
  return termText(s).replace(SPECIAL, (c) => ENTITY[c] ?? `\\${c}`);
}

/** A table cell of tcpscope's own text that may span lines: each line mdText, joined with `<br>`. */
export function mdCell(s: string): string {
  return s.split('\n').map(mdText).join('<br>');
}
