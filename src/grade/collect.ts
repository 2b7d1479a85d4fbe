/**
 * Finding the submissions: every capture under the folders given (see
 * capture/files.ts), one student per file or per sub-folder, the student id
 * read from the name. Files named on the command line are taken whatever
 * their extension. Sorted by student id (numbers in names compare as
 * numbers), then path: the gradebook's order does not depend on the file
 * system or on which worker finished first.
 *
 * Students fill the folders: no symbolic link is followed below a folder
 * given, and none is taken as a capture even when named on the command line
 * (a shell's `submissions/*` names what students put there). Each link,
 * FIFO or unreadable folder is reported in `skipped`; one with a capture's
 * name is also a file of its submission, refused with the reason (so the
 * student is in the gradebook, with 0 and why). A folder named on the
 * command line may be a link: that one the instructor chose, unless another
 * user (not this one, not root) made it: a student's link in a shared
 * upload folder, named by the shell's `submissions/*`, is reported and not
 * followed.
 */
import { lstat, readlink, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  capturesUnder as walk, collator, type FilePath, folderEntries, isCaptureName, nameText, realFolder, type SkippedEntry,
} from '../capture/files.ts';

export type Per = 'file' | 'folder';

/** A capture of a submission. */
export interface SubmittedFile {
  /** What to open (bytes for a name that is not UTF-8). */
  path: FilePath;
  /** The path as text, as the gradebook shows it. */
  display: string;
  /** The real path of the folder it was found in (capture/open.ts checks it is opened there). */
  within: Buffer;
  /** Not opened, and why (a link, a FIFO): graded unreadable with this reason. */
  refused: string | null;
}

export interface Submission {
  student: string;
  /** Captures of this student; empty: a folder with no capture. */
  files: SubmittedFile[];
  /** The folder of a `--per folder` submission, as text (null: one file). */
  folder: string | null;
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

/**
 * A student id as learning platforms and file systems may compare it:
 * compatibility forms and canonical equivalents as one (NFKC: a decomposed
 * `é`, a full-width `ｂ`), without case (full case folding, `ß` as `ss`), and
 * without format characters (a zero-width space, a bidi mark), which a
 * database collation may ignore. Two ids with one key are duplicates.
 */
export function idKey(student: string): string {
  return student.normalize('NFKC').replace(/\p{Cf}/gu, '').toUpperCase().toLowerCase().normalize('NFKC');
}

export class InputError extends Error {}

export interface Collected {
  submissions: Submission[];
  /** Entries not read: links (with their targets), FIFOs and the like, folders that could not be listed. */
  skipped: SkippedEntry[];
}

export async function collectSubmissions(inputs: readonly string[], opts: { per: Per; idPattern: RegExp | null }): Promise<Collected> {
  const subs: Submission[] = [];
  const skipped: SkippedEntry[] = [];
  const one = (f: SubmittedFile, base: string): Submission => ({ student: studentId(base, opts.idPattern), files: [f], folder: null });
  const none = Buffer.alloc(0);
  // Skipped entries with a capture's name, as files refused.
  const refusedOf = (list: readonly SkippedEntry[]): SubmittedFile[] => list
    .filter((s) => s.kind !== 'unreadable' && isCaptureName(lastName(s.name)))
    .map((s) => ({ path: '', display: s.name, within: none, refused: refusalOf(s) }));
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new InputError(`${input}: no such file or folder`);
    }
    const own = await lstat(input);
    if (st.isDirectory() && own.isSymbolicLink() && othersLink(own.uid)) {
      // `grade submissions/*` names a link a student made: not the instructor's choice.
      skipped.push({ name: input, kind: 'link', detail: `${nameText(await readlink(input, { encoding: 'buffer' }))} (another user's link)` });
      continue;
    }
    if (!st.isDirectory()) {
      const s: SkippedEntry | null = own.isSymbolicLink() ? { name: input, kind: 'link', detail: nameText(await readlink(input, { encoding: 'buffer' })) }
        : own.isFile() ? null : { name: input, kind: 'special', detail: null };
      if (s === null) subs.push(one({ path: input, display: input, within: await realFolder(dirname(input)), refused: null }, basename(input)));
      else {
        skipped.push(s);
        subs.push(one({ path: '', display: input, within: none, refused: refusalOf(s) }, basename(input)));
      }
      continue;
    }
    const root = await realFolder(input);
    if (opts.per === 'file') {
      const found = await walk(input, root);
      skipped.push(...found.skipped);
      for (const f of found.files) subs.push(one({ path: f.path, display: f.name, within: root, refused: null }, lastName(f.name)));
      for (const f of refusedOf(found.skipped)) subs.push(one(f, lastName(f.display)));
      continue;
    }
    const top = await folderEntries(Buffer.from(input), input);
    skipped.push(...top.skipped);
    for (const d of top.folders) {
      const found = await walk(d.path, root);
      skipped.push(...found.skipped);
      const files = [...found.files.map((f) => ({ path: f.path, display: f.name, within: root, refused: null })), ...refusedOf(found.skipped)];
      subs.push({ student: opts.idPattern ? studentId(d.base, opts.idPattern) : d.base, files, folder: d.name });
    }
    for (const f of top.captures) subs.push(one({ path: f.path, display: f.name, within: root, refused: null }, f.base));
    for (const f of refusedOf(top.skipped)) subs.push(one(f, lastName(f.display)));
  }
  subs.sort((a, b) => collator.compare(a.student, b.student) || collator.compare(a.folder ?? a.files[0]?.display ?? '', b.folder ?? b.files[0]?.display ?? ''));
  return { submissions: subs, skipped };
}

/** A link made by another user than this one or root (on a system without uids, none is). */
function othersLink(uid: number): boolean {
  const me = process.getuid?.();
  return me !== undefined && uid !== me && uid !== 0;
}

/** Why a skipped entry is not read, as a gradebook's reason. */
function refusalOf(s: SkippedEntry): string {
  if (s.kind === 'link') return s.detail === null ? 'a symbolic link: not followed' : `a symbolic link to ${s.detail}: not followed`;
  return 'not a regular file (FIFO, socket or device): not read';
}

/** The last name of a path as text. */
function lastName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
