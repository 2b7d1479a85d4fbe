/**
 * Capture files under folders: what `tcpscope analyze DIR` and `tcpscope
 * grade` read. A capture is a file named `.pcap`, `.pcapng`, `.cap` or `.gz`
 * (gzip-compressed captures); the reader itself goes by magic numbers, the
 * name only chooses which files of a folder to read. Hidden files and
 * macOS zip leftovers (`__MACOSX`, `._name`) are skipped. Paths sort with
 * numbers compared as numbers, so the order does not depend on the file
 * system.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const CAPTURE = /\.(pcap|pcapng|cap|gz)$/i;

export const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

export function isCaptureName(name: string): boolean {
  return CAPTURE.test(name) && !name.startsWith('.');
}

/** Not looked into: hidden entries and macOS zip leftovers. */
export function isSkippedEntry(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

/** Every capture file under `dir`, at any depth, in collator order. */
export async function capturesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (isSkippedEntry(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await capturesUnder(p)));
    else if ((e.isFile() || e.isSymbolicLink()) && isCaptureName(e.name)) out.push(p);
  }
  return out.sort(collator.compare);
}

/** A folder holding no capture file. */
export class NoCapturesError extends Error {
  constructor(readonly dir: string) {
    super(`${dir}: no capture files (.pcap, .pcapng, .cap, .gz) in this folder`);
  }
}

/**
 * Command-line inputs with each folder replaced by the captures under it
 * (in order); files, `-` and paths that do not exist stay as given (reading
 * them reports what is wrong).
 */
export async function expandFolders(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
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
      out.push(input);
      continue;
    }
    const found = await capturesUnder(input);
    if (found.length === 0) throw new NoCapturesError(input);
    out.push(...found);
  }
  return out;
}
