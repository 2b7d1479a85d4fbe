/**
 * Captures for tests that run over many: the kernel fixtures, the public
 * corpus when ../shared/corpus is beside the project (CI has it; a clone
 * elsewhere does not), and captures generated for one test. Tests that
 * need a number of connections to be meaningful add a generated capture,
 * so they hold with or without the corpus.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTo, type GenerateOptions } from '../../src/bench/generate.ts';
import { capturesDir, corpusDir, handmadeDir, haveCorpus } from './paths.ts';

/** The pcap and pcapng files (gzipped or not) of a folder. */
export function capturesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f));
}

/** Every fixture capture (kernel and hand-built), and every corpus capture when the corpus is there. */
export const fixtureAndCorpusFiles: string[] = [
  ...capturesIn(capturesDir), ...capturesIn(handmadeDir), ...(haveCorpus ? capturesIn(corpusDir) : []),
];

/** `fn` with the path of a capture generated (src/bench/generate.ts) in a temporary folder, removed after. */
export async function withGenerated<T>(opts: GenerateOptions, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-test-'));
  try {
    const path = join(dir, 'gen.pcap');
    generateTo(path, opts);
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
