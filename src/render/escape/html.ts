/**
 * HTML text and attribute values. `html` escapes markup (`&`, `<`, `>`, `"`,
 * `'`): enough for tcpscope's own text anywhere in an element or a quoted
 * attribute. `htmlText` is for text it did not write (file names): controls
 * and bidi overrides shown escaped as in the terminal (escape/terminal.ts),
 * which a browser would otherwise drop or obey, then `html`. Nothing
 * untrusted goes into a <script> or <style> element as code: the HTML
 * report's data goes in as JSON through escape/script.ts.
 *
 * `html` is self-contained (no module-level names): the HTML report embeds
 * its source, so the page escapes what it writes with this same function.
 */
import { termText } from './terminal.ts';

export function html(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

export function htmlText(s: string): string {
  return html(termText(s));
}
