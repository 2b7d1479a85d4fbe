/** The report of a hand-driven connection (test/tcp/helpers.ts Pair). */
import { buildReport } from '../../src/report/build.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport, Settings } from '../../src/report/types.ts';
import type { Pair } from '../tcp/helpers.ts';

/** Report of the pair's connection as if the capture ended `after` seconds after its last segment. */
export function report(p: Pair, settings: Settings = makeSettings(), after = 0): ConnectionReport {
  const c = p.connection;
  c.endSec = c.lastSec + Math.floor(after);
  c.endNsec = c.lastNsec;
  return buildReport(c, settings);
}
