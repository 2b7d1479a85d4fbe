/**
 * The HTML gradebook's script, run in the browser: a student's ladder
 * diagram is drawn when its section is opened, from the page's data, by
 * the HTML report's drawing code. Embedded as its source (html.ts's
 * functionSource), so self-contained.
 */
import type { ConnectionData, PageData } from '../render/html/data.ts';

type Esc = (s: string | number) => string;

export function gradePage(doc: Document, data: PageData, esc: Esc, ladderHtml: (c: ConnectionData, data: PageData, esc: Esc) => string): void {
  for (const details of Array.from(doc.querySelectorAll('details.ladder'))) {
    details.addEventListener('toggle', () => {
      const body = details.querySelector('.ladder-body');
      if (!(details as HTMLDetailsElement).open || body === null || body.childElementCount > 0) return;
      body.innerHTML = ladderHtml(data.connections[Number(details.getAttribute('data-k'))], data, esc);
    });
  }
}
