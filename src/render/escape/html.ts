/**
 * HTML text and attribute values. `html` escapes markup (`&`, `<`, `>`, `"`,
 * `'`): enough for tcpscope's own text anywhere in an element or a quoted
 * attribute. `htmlText` is for text it did not write (file names): controls
 * and bidi overrides shown escaped as in the terminal (escape/terminal.ts),
 * which a browser would otherwise drop or obey, then `html`. Nothing
 * untrusted goes into a <script> or <style> element: those are tcpscope's
 * own constant text.
 */
import { termText } from './terminal.ts';

const MARKUP = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function html(s: string | number): string {
  return String(s).replace(MARKUP, (c) => ENTITY[c]);
}

export function htmlText(s: string): string {
  return html(termText(s));
}
