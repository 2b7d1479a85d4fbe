/**
 * A value as JSON inside an HTML <script> element (the HTML report's data,
 * `<script type="application/json">`). The HTML parser ends a script at
 * the first `</script` whatever the JSON means, and `<!--` changes how it
 * looks for that end (HTML "script data escaped state"): every `<`, `>`
 * and `&` is written as a JSON \u escape, which JSON.parse reads back as
 * the same character, so no text in the data can end the element or open
 * a comment. U+2028 and U+2029 are escaped too: the JSON may also be read
 * as JavaScript, where they ended lines before ES2019.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
