/**
 * Opening a capture file. A file the user named is opened as named (through
 * a link if it is one: the user chose it; a FIFO too: `tcpdump -w fifo`).
 * A file found in a folder (capture/files.ts) is opened as one that someone
 * else may have planted or swapped since the folder was listed:
 *  - O_NOFOLLOW: a symbolic link put in the file's place is not followed
 *    (ELOOP);
 *  - O_NONBLOCK: a FIFO put there does not block the open, and is then
 *    refused with anything else that is not a regular file;
 *  - the path the kernel opened (/proc/self/fd/N, Linux) must lie inside
 *    the real path of the folder given: a folder on the way replaced by a
 *    link to elsewhere is caught after the fact, before a byte is read.
 * Where /proc is not mounted the last check is skipped; the walk already
 * followed no link.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, readlink } from 'node:fs/promises';
import { CaptureError } from './frame.ts';
import type { FilePath } from './files.ts';

/** A system error as a few words (the path is not repeated: messages name the file already). */
export function ioReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ELOOP') return 'is a symbolic link (not followed)';
  if (code === 'ENAMETOOLONG') return 'name too long';
  if (code === 'ENXIO') return 'is a socket or device (not read)';
  if (code !== undefined) return code;
  return e instanceof Error ? e.message : String(e);
}

const SAFE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Open `path` for reading; with `within` (the real path of the folder it was
 * found in, as bytes), only a regular file inside that folder, reached
 * through no link. Errors are CaptureErrors with the reason.
 */
export async function openCapture(path: FilePath, within: Buffer | null): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, within === null ? 'r' : SAFE_FLAGS);
  } catch (e) {
    throw new CaptureError(`cannot open: ${ioReason(e)}`, 0, 0);
  }
  if (within === null) return fh;
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new CaptureError('is a directory', 0, 0);
    if (!st.isFile()) throw new CaptureError('not a regular file (FIFO, socket or device): not read', 0, 0);
    let opened: Buffer | null = null;
    try {
      opened = await readlink(`/proc/self/fd/${fh.fd}`, { encoding: 'buffer' });
    } catch {
      // no /proc: the walk's own checks stand
    }
    if (opened !== null && !inside(opened, within)) {
      throw new CaptureError('is not inside the folder given any more (a folder on its path was replaced by a link?): not read', 0, 0);
    }
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** `path` is `dir` itself or below it (byte-wise: names need not be UTF-8). */
function inside(path: Buffer, dir: Buffer): boolean {
  if (dir.length === 1 && dir[0] === 0x2f) return path[0] === 0x2f;
  return path.length > dir.length && path[dir.length] === 0x2f && path.subarray(0, dir.length).equals(dir);
}
