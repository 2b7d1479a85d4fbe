/**
 * Finding the submissions: every capture under the folders given (see
 * capture/files.ts), one student per file or per sub-folder, the student id
 * read from the name. Files named on the command line are taken whatever
 * their extension. Sorted by student id (numbers in names compare as
 * numbers), then path: the gradebook's order does not depend on the file
 * system or on which worker finished first.
 */
import { readdir, stat } from 'node:fs/promises';
import { capturesUnder as walk, collator, isCaptureName, isSkippedEntry as skipped } from '../capture/files.ts';
import { basename, join } from 'node:path';

export type Per = 'file' | 'folder';

export interface Submission {
  student: string;
  /** Captures of this student (path to read, name to show); empty: a folder with no capture. */
  files: { path: string; display: string }[];
}

/** `s2024001_lab3.pcapng.gz` -> `s2024001_lab3`; with a pattern, its first group (or the whole match). */
export function studentId(name: string, pattern: RegExp | null): string {
  let stem = name;
  for (;;) {
    const m = /\.(gz|pcap|pcapng|cap)$/i.exec(stem);
    if (!m || m.index === 0) break;
    stem = stem.slice(0, m.index);
  }
  if (pattern) {
    const m = pattern.exec(stem);
    if (m) return m[1] ?? m[0];
  }
  return stem;
}

export class InputError extends Error {}

export async function collectSubmissions(inputs: readonly string[], opts: { per: Per; idPattern: RegExp | null }): Promise<Submission[]> {
  const subs: Submission[] = [];
  const one = (path: string): Submission => ({ student: studentId(basename(path), opts.idPattern), files: [{ path, display: path }] });
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new InputError(`${input}: no such file or folder`);
    }
    if (!st.isDirectory()) {
      subs.push(one(input));
      continue;
    }
    if (opts.per === 'file') {
      for (const p of await walk(input)) subs.push(one(p));
      continue;
    }
    const entries = await readdir(input, { withFileTypes: true });
    for (const e of entries) {
      if (skipped(e.name)) continue;
      const p = join(input, e.name);
      if (e.isDirectory()) {
        const files = (await walk(p)).map((f) => ({ path: f, display: f }));
        const name = opts.idPattern ? studentId(e.name, opts.idPattern) : e.name;
        subs.push({ student: name, files });
      } else if (isCaptureName(e.name)) subs.push(one(p));
    }
  }
  return subs.sort((a, b) => collator.compare(a.student, b.student) || collator.compare(a.files[0]?.display ?? '', b.files[0]?.display ?? ''));
}
