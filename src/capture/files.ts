/**
 * Capture files under folders: what `tcpscope analyze DIR` and `tcpscope
 * grade` read. A capture is a file named `.pcap`, `.pcapng`, `.cap` or `.gz`
 * (gzip-compressed captures); the reader itself goes by magic numbers, the
 * name only chooses which files of a folder to read. Hidden files and
 * macOS zip leftovers (`__MACOSX`, `._name`) are skipped. Paths sort with
 * numbers compared as numbers, so the order does not depend on the file
 * system.
 *
 * Whoever filled the folder is not trusted (a class's submissions): the walk
 * follows no symbolic link, to a file or to a folder (a link is reported as
 * skipped, with its target; a loop of links is never entered), reads no
 * FIFO, socket or device (opening a FIFO waits forever for a writer), and
 * a sub-folder it may not read is reported, not fatal. Names are read as
 * bytes: a name that is not UTF-8 still opens, and is shown with each such
 * byte as `\xNN`. Each file found carries the real path of the folder given,
 * so that the reader can check that what it opened is still inside it
 * (capture/open.ts).
 */
import { readdir, readlink, realpath, stat } from 'node:fs/promises';

// tcpdump -C rotation numbers follow the extension: tap.pcap1, tap.pcap00.gz
const CAPTURE = /\.(?:(?:pcap|pcapng|cap)\d*(?:\.gz)?|gz)$/i;

export const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** A path as the file system takes it: bytes when a name in it is not UTF-8. */
export type FilePath = string | Buffer;

/** A path back from a worker thread (a Buffer arrives as a plain Uint8Array). */
export function filePath(p: string | Uint8Array): FilePath {
  return typeof p === 'string' || Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

export function isCaptureName(name: string): boolean {
  return CAPTURE.test(name) && !name.startsWith('.');
}

/** Not looked into: hidden entries and macOS zip leftovers. */
export function isSkippedEntry(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

/**
 * Bytes of a name as text: UTF-8, with each byte that is not part of a
 * well-formed UTF-8 sequence (RFC 3629: no overlong form, no surrogate,
 * nothing above U+10FFFF) written `\xNN`.
 */
export function nameText(b: Uint8Array): string {
  let out = '';
  let i = 0;
  let plain = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) ok = (b[i + k] & 0xc0) === 0x80;
    if (ok && n === 3) {
      const cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6);
      ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
    } else if (ok && n === 4) {
      const cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12);
      ok = cp >= 0x10000 && cp <= 0x10ffff;
    }
    if (ok) {
      i += n;
      continue;
    }
    out += Buffer.from(b.subarray(plain, i)).toString('utf8') + `\\x${c.toString(16).padStart(2, '0')}`;
    i++;
    plain = i;
  }
  return plain === 0 ? Buffer.from(b).toString('utf8') : out + Buffer.from(b.subarray(plain)).toString('utf8');
}

/** A capture found in a folder. */
export interface FoundCapture {
  /** What to open. */
  path: FilePath;
  /** The path as text (see nameText): what outputs call it. */
  name: string;
  /** Real path of the folder given (as bytes): the file must be opened inside it. */
  within: Buffer;
}

/** An entry of a folder that was not read, and why. */
export interface SkippedEntry {
  /** The path as text (see nameText). */
  name: string;
  /** What it is: a symbolic link, not a file or folder (FIFO, socket, device), or a folder that could not be listed. */
  kind: 'link' | 'special' | 'unreadable';
  /** A link's target as text; an unreadable folder's reason. */
  detail: string | null;
}

/** What a folder holds, one level down. */
export interface FolderEntries {
  /** Sub-folders (not links to folders). */
  folders: { path: Buffer; name: string; base: string }[];
  /** Regular files with a capture's name. */
  captures: { path: FilePath; name: string; base: string }[];
  skipped: SkippedEntry[];
}

function ioReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such folder';
  if (code === 'ENAMETOOLONG') return 'name too long';
  if (code === 'ENOTDIR') return 'not a folder';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** A folder's entries, as bytes; `name` is the folder's path as text. */
export async function folderEntries(dir: Buffer, name: string): Promise<FolderEntries> {
  const out: FolderEntries = { folders: [], captures: [], skipped: [] };
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (e) {
    out.skipped.push({ name, kind: 'unreadable', detail: ioReason(e) });
    return out;
  }
  const sep = name.endsWith('/') ? '' : '/';
  const bsep = dir.length > 0 && dir[dir.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/');
  for (const e of entries) {
    const base = nameText(e.name);
    if (isSkippedEntry(base)) continue;
    const path = Buffer.concat([dir, bsep, e.name]);
    const text = name + sep + base;
    // Dirent's type is the entry's own (lstat's), never that of a link's target.
    if (e.isSymbolicLink()) {
      let target: string;
      try {
        target = nameText(await readlink(path, { encoding: 'buffer' }));
      } catch (err) {
        target = `(${ioReason(err)})`;
      }
      out.skipped.push({ name: text, kind: 'link', detail: target });
    } else if (e.isDirectory()) out.folders.push({ path, name: text, base });
    else if (!e.isFile()) {
      if (isCaptureName(base)) out.skipped.push({ name: text, kind: 'special', detail: null });
    } else if (isCaptureName(base)) out.captures.push({ path: pathOf(path), name: text, base });
  }
  return out;
}

/** The result of a walk: the captures in collator order, and what was skipped (in the order met). */
export interface Walk {
  files: FoundCapture[];
  skipped: SkippedEntry[];
}

/** Real path of a folder given by the user, as bytes (the user named it: a link there is followed). */
export async function realFolder(dir: string | Buffer): Promise<Buffer> {
  return realpath(dir, { encoding: 'buffer' });
}

/** Every capture file under `dir`, at any depth, in collator order; links and special files skipped. */
export async function capturesUnder(dir: string | Buffer, within?: Buffer): Promise<Walk> {
  const root = within ?? await realFolder(dir);
  const name = typeof dir === 'string' ? dir : nameText(dir);
  const walk: Walk = { files: [], skipped: [] };
  const visit = async (path: Buffer, text: string): Promise<void> => {
    const e = await folderEntries(path, text);
    walk.skipped.push(...e.skipped);
    for (const f of e.captures) walk.files.push({ path: f.path, name: f.name, within: root });
    for (const d of e.folders) await visit(d.path, d.name);
  };
  await visit(typeof dir === 'string' ? Buffer.from(dir) : dir, name);
  walk.files.sort((a, b) => collator.compare(a.name, b.name));
  return walk;
}

/** A path as a string when it is UTF-8 (most are), else as bytes. */
function pathOf(b: Buffer): FilePath {
  const s = b.toString('utf8');
  return Buffer.from(s).equals(b) ? s : b;
}

/** A folder holding no capture file. */
export class NoCapturesError extends Error {
  /** `skipped`: what the folder held that was not read (links, FIFOs...). */
  constructor(readonly dir: string, readonly skipped: SkippedEntry[] = []) {
    super(`${dir}: no capture files (.pcap, .pcapng, .cap, .gz) in this folder`);
  }
}

/** A command-line input, after folders were expanded. */
export interface ExpandedInput {
  name: string;
  path: FilePath;
  /** Set for files found in a folder (see FoundCapture.within). */
  within: Buffer | null;
}

/**
 * Command-line inputs with each folder replaced by the captures under it
 * (in order); files, `-` and paths that do not exist stay as given (reading
 * them reports what is wrong: a file named by the user is read even through
 * a link). `skipped` lists what the folders held and was not read.
 */
export async function expandFolders(inputs: readonly string[]): Promise<{ inputs: ExpandedInput[]; skipped: SkippedEntry[] }> {
  const out: ExpandedInput[] = [];
  const skipped: SkippedEntry[] = [];
  for (const input of inputs) {
    let dir = false;
    if (input !== '-') {
      try {
        dir = (await stat(input)).isDirectory();
      } catch {
        // not there: the reader says so
      }
    }
    if (!dir) {
      out.push({ name: input, path: input, within: null });
      continue;
    }
    const found = await capturesUnder(input);
    skipped.push(...found.skipped);
    if (found.files.length === 0) throw new NoCapturesError(input, skipped);
    out.push(...found.files.map((f) => ({ name: f.name, path: f.path, within: f.within })));
  }
  return { inputs: out, skipped };
}
