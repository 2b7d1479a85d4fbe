/**
 * The connection table's columns by name: their order, the names
 * `--columns` takes, and which stay when a terminal is too narrow for all.
 * No imports: the command line reads it at every start.
 */

/** The columns of the full layout, in order. */
export const COLUMNS = [
  'stream', 'client', 'server', 'handshake', 'close', 'activeCloser', 'finalStates', 'timeWait', 'finRetx', 'halfClose', 'reset', 'notes',
] as const;

export type ColumnKey = (typeof COLUMNS)[number];

/** The names `--columns` takes, by column. */
export const COLUMN_NAMES: Record<ColumnKey, string> = {
  stream: 'stream', client: 'client', server: 'server', handshake: 'handshake', close: 'close', activeCloser: 'closer',
  finalStates: 'states', timeWait: 'time-wait', finRetx: 'fin-retx', halfClose: 'half-close', reset: 'reset',
  notes: 'notes',
};

/**
 * Which columns stay when a terminal is too narrow for all, most important
 * first: who talked to whom, who closed, how TIME_WAIT went, then how.
 */
export const COLUMN_PRIORITY: readonly ColumnKey[] = [
  'stream', 'client', 'server', 'activeCloser', 'timeWait', 'close', 'finalStates', 'notes', 'handshake', 'finRetx', 'reset', 'halfClose',
];

/** `--columns a,b,c` to columns (each once, in the order given), or an Error naming the valid names. */
export function parseColumns(spec: string): ColumnKey[] {
  const byName = new Map(COLUMNS.map((k) => [COLUMN_NAMES[k], k]));
  const out: ColumnKey[] = [];
  for (const raw of spec.split(',')) {
    const name = raw.trim();
    const k = byName.get(name);
    if (k === undefined) throw new Error(`unknown column '${name}' (valid: ${COLUMNS.map((c) => COLUMN_NAMES[c]).join(', ')})`);
    if (!out.includes(k)) out.push(k);
  }
  return out;
}
