/**
 * The `--filter` and `--fail-on` options: expressions of the language of
 * report/filter.ts (the grammar and every word are documented there), a
 * mistake reported as a usage error that names the option.
 */
import { compileFilter, FILTER_WORDS, type Predicate } from '../report/filter.ts';
import { UsageError } from './util.ts';

export { FILTER_WORDS, type Predicate };

/** Parse an expression; `what` names the option in error messages (`--filter`, `--fail-on`). */
export function parseFilter(src: string, what = '--filter'): Predicate {
  try {
    return compileFilter(src);
  } catch (e) {
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
}
