/**
 * The HTML report's script, run in the browser: it builds the table of
 * connections from the page's data (data.ts), sorts it (numeric columns by
 * their numbers), filters it with the `--filter` language (the same
 * parser as the command line: report/filter.ts, embedded), and opens a
 * connection's ladder diagram in a dialog when its row is clicked (or its
 * `#c<capture>-s<stream>` link is followed), drawn then by ladder-svg.ts.
 *
 * Its source is embedded in the page (html.ts), so the function is
 * self-contained: no imports, no module-level names. Every string it
 * writes as markup goes through `esc` (escape/html.ts's `html`).
 *
 * The page times itself with the User Timing API: `tcpscope table` (data
 * read to table shown), and `tcpscope sort`, `tcpscope filter`,
 * `tcpscope ladder` from the click or keystroke to the frame after the
 * change was drawn.
 */
import type { FactsPredicate, FilterLanguage } from '../../report/filter.ts';
import type { ConnectionData, PageData, TextRef } from './data.ts';

type Esc = (s: string | number) => string;
type LadderHtml = (c: ConnectionData, data: PageData, esc: Esc) => string;

export function reportPage(doc: Document, data: PageData, language: FilterLanguage, esc: Esc, ladderHtml: LadderHtml): void {
  const perf = doc.defaultView?.performance;
  perf?.mark('tcpscope:start');
  const S = data.strings;
  const T = (v: TextRef): string => {
    if (typeof v === 'number') return S[v];
    let k = 1;
    return S[v[0] as number].replace(/§/g, () => String(v[k++]));
  };
  const conns = data.connections;
  const text = data.text;
  const byId = doc.getElementById.bind(doc);
  const table = byId('connections') as HTMLTableElement;
  const tbody = table.tBodies[0];
  const input = byId('filter') as HTMLInputElement;
  const count = byId('count') as HTMLElement;
  const empty = byId('empty') as HTMLElement;
  const problem = byId('filter-error') as HTMLElement;
  const dialog = byId('conn') as HTMLDialogElement;
  const body = byId('conn-body') as HTMLElement;
  const title = byId('conn-title') as HTMLElement;
  const multi = data.files.length > 1;

  // When the change is on screen: after the next frame is painted.
  const timed = (name: string, start: number): void => {
    if (!perf) return;
    requestAnimationFrame(() => setTimeout(() => perf.measure(name, { start, end: perf.now() }), 0));
  };
  const idOf = (c: ConnectionData): string => `c${c[0]}-s${c[1]}`;
  const facts = conns.map((c) => language.unpack(c[4]));

  // Header: one cell per column (the capture's first when there are several).
  const cols = data.columns;
  const head = (multi ? [`<th data-col="-1" scope="col">${esc(text.capture)}</th>`] : [])
    .concat(cols.map((c, i) => `<th data-col="${i}" scope="col" class="col-${esc(c.key)}${c.numeric ? ' num' : ''}" aria-sort="none">${esc(c.label)}</th>`));
  table.tHead!.rows[0].innerHTML = head.join('');

  // One line per row (a cell too long for its column ends in an ellipsis and
  // shows in full as its tooltip and in the dialog), so every row has the
  // same height and only the rows on screen need to exist: a table of
  // 10,000 rows takes seconds to lay out, a window of 80 takes milliseconds.
  const ncols = cols.length + (multi ? 1 : 0);
  const cellHtml = (key: string, t: string): string => {
    const one = esc(t.replace(/\n/g, ' · '));
    return `<td class="col-${esc(key)}" title="${one}">${one}</td>`;
  };
  const rowHtml = (k: number, at: number): string => {
    const c = conns[k];
    const cells = cols.map((col, i) => cellHtml(col.key, T(c[2][i])));
    if (multi) cells.unshift(cellHtml('file', data.files[c[0]]));
    return `<tr data-k="${k}" aria-rowindex="${at + 2}" class="r v-${esc(facts[k].verdict)}${c[5] ? '' : ' nodiagram'}" tabindex="0">${cells.join('')}</tr>`;
  };
  const spacer = (px: number): string => (px > 0 ? `<tr class="spacer" aria-hidden="true"><td colspan="${ncols}" style="height:${px}px"></td></tr>` : '');

  let order: number[] = conns.map((_, k) => k);
  let shown: boolean[] = conns.map(() => true);
  let visible: number[] = order;
  let rowH = 24;
  let drawn = [-1, -1];
  const MARGIN = 40;
  // The rows in and near the window, between spacers as high as the rows they stand for.
  const draw = (force: boolean): void => {
    const top = tbody.getBoundingClientRect().top;
    const first = Math.max(0, Math.min(visible.length, Math.floor(-top / rowH) - MARGIN));
    const last = Math.min(visible.length, Math.max(first, Math.ceil((innerHeight - top) / rowH) + MARGIN));
    if (!force && first === drawn[0] && last === drawn[1]) return;
    drawn = [first, last];
    const parts = [spacer(first * rowH)];
    for (let i = first; i < last; i++) parts.push(rowHtml(visible[i], i));
    parts.push(spacer((visible.length - last) * rowH));
    tbody.innerHTML = parts.join('');
    const one = tbody.querySelector('tr.r');
    const h = one ? one.getBoundingClientRect().height : rowH;
    if (one && Math.abs(h - rowH) > 0.5) {
      rowH = h;
      draw(true);
    }
  };
  const render = (): void => {
    visible = order.filter((k) => shown[k]);
    table.setAttribute('aria-rowcount', String(visible.length + 1));
    count.textContent = text.count.replace('{shown}', String(visible.length)).replace('{total}', String(conns.length));
    empty.hidden = visible.length !== 0;
    draw(true);
  };
  let scheduled = false;
  const onScroll = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      draw(false);
    });
  };
  addEventListener('scroll', onScroll, { passive: true });
  addEventListener('resize', onScroll);

  // Sorting: a second click on the same header reverses; numbers as numbers, text as people read it.
  let sortCol = -2;
  let ascending = true;
  const collator = new Intl.Collator(data.lang === 'zh' ? 'zh-CN' : 'en', { numeric: true });
  table.tHead!.addEventListener('click', (e) => {
    const th = (e.target as Element).closest('th');
    if (!th) return;
    const start = perf ? perf.now() : 0;
    const col = Number(th.getAttribute('data-col'));
    ascending = col === sortCol ? !ascending : true;
    sortCol = col;
    const dir = ascending ? 1 : -1;
    const spec = col >= 0 ? cols[col] : null;
    let keyed: { k: number; v: number | string }[];
    const numeric = spec ? data.sortKeys.indexOf(spec.key) : -1;
    if (numeric >= 0) keyed = order.map((k) => ({ k, v: conns[k][3][numeric] }));
    else if (spec) keyed = order.map((k) => ({ k, v: T(conns[k][2][col]) }));
    else keyed = order.map((k) => ({ k, v: data.files[conns[k][0]] }));
    keyed.sort((a, b) => {
      const d = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : collator.compare(String(a.v), String(b.v));
      // Ties keep capture and stream order.
      return d !== 0 ? d * dir : a.k - b.k;
    });
    order = keyed.map((x) => x.k);
    for (const other of Array.from(table.tHead!.rows[0].cells)) {
      other.classList.remove('asc', 'desc');
      other.setAttribute('aria-sort', 'none');
    }
    th.classList.add(ascending ? 'asc' : 'desc');
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    render();
    timed('tcpscope sort', start);
  });

  // Filtering: the --filter language; a mistake is shown and the table stays as it was.
  let pending: number | undefined;
  const applyFilter = (start: number): void => {
    const src = input.value.trim();
    let p: FactsPredicate | null = null;
    if (src !== '') {
      try {
        p = language.compile(src);
      } catch (e) {
        problem.textContent = `${text.filterError}: ${(e as Error).message}`;
        problem.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        return;
      }
    }
    problem.hidden = true;
    input.removeAttribute('aria-invalid');
    shown = facts.map((f) => p === null || p(f));
    render();
    timed('tcpscope filter', start);
  };
  input.addEventListener('input', () => {
    const start = perf ? perf.now() : 0;
    if (pending !== undefined) clearTimeout(pending);
    pending = setTimeout(() => applyFilter(start), 120) as unknown as number;
  });
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    if (pending !== undefined) clearTimeout(pending);
    applyFilter(perf ? perf.now() : 0);
  });

  // A row opens its connection's diagram, drawn now from the data.
  const open = (k: number, start: number): void => {
    const c = conns[k];
    const cell = (key: string): string => T(c[2][cols.findIndex((x) => x.key === key)]);
    title.innerHTML = `${esc(`${text.stream} ${c[1]} · ${cell('client')} → ${cell('server')}`)} <small>${esc(data.files[c[0]])}</small>`;
    const summary = [cell('close'), `${text.activeCloser}: ${cell('activeCloser')}`, cell('timeWait').replace(/\n/g, ' · '), `FIN: ${cell('finRetx')}`].join(' · ');
    const line = `<p class="facts">${esc(summary)} · <code>${esc(`tcp.stream eq ${c[1]}`)}</code></p>`;
    body.innerHTML = line + (c[5] ? ladderHtml(c, data, esc)
      : `<p class="nodiagram">${esc(text.noDiagram.replace('{drawn}', String(data.drawn)).replace('{stream}', String(c[1])))}</p>`);
    dialog.setAttribute('data-k', String(k));
    if (!dialog.open) dialog.showModal();
    if (location.hash !== `#${idOf(c)}`) history.replaceState(null, '', `#${idOf(c)}`);
    timed('tcpscope ladder', start);
  };
  const openRow = (tr: Element | null): void => {
    if (tr && tr.hasAttribute('data-k')) open(Number(tr.getAttribute('data-k')), perf ? perf.now() : 0);
  };
  tbody.addEventListener('click', (e) => openRow((e.target as Element).closest('tr')));
  tbody.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      openRow((e.target as Element).closest('tr'));
    }
  });
  byId('conn-close')!.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    const k = dialog.getAttribute('data-k');
    const tr = k === null ? null : tbody.querySelector(`tr[data-k="${k}"]`);
    if (tr) (tr as HTMLElement).focus();
  });
  const fromHash = (): void => {
    const m = /^#c(\d+)-s(\d+)$/.exec(location.hash);
    if (!m) return;
    const k = conns.findIndex((c) => c[0] === Number(m[1]) && c[1] === Number(m[2]));
    if (k >= 0) open(k, perf ? perf.now() : 0);
  };
  addEventListener('hashchange', fromHash);

  render();
  perf?.mark('tcpscope:table');
  perf?.measure('tcpscope table', 'tcpscope:start', 'tcpscope:table');
  fromHash();
}
