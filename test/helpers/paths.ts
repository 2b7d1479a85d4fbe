import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's top folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The kernel captures and their expected values. */
export const capturesDir = resolve(repoRoot, 'fixtures/captures');
/** Captures hand-built from the specifications (fixtures/tools/handmade.mjs) and their expected values. */
export const handmadeDir = resolve(repoRoot, 'fixtures/handmade');
/**
 * The public corpus lives beside the clone (`../shared/corpus`), never inside
 * it; TCPSCOPE_CORPUS overrides. CI has it; a user's clone may not.
 */
export const corpusDir = process.env.TCPSCOPE_CORPUS ?? resolve(repoRoot, '../shared/corpus');
export const haveCorpus = existsSync(corpusDir);
