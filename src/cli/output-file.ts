/**
 * Writing a file of output (`-o`, the gradebook, feedback files) so that it
 * never writes anywhere but the name given, in the folder given: the bytes
 * go to a new temporary file in that folder, created with O_EXCL and
 * O_NOFOLLOW (never an existing file, never through a link someone put
 * there), and the finished file is renamed onto the name. rename(2)
 * replaces whatever had the name, a symbolic link included, and never
 * follows it: a link planted as `bob.txt -> ~/.bashrc` is replaced by the
 * feedback, and ~/.bashrc is untouched. Readers see the old file or the new
 * one, never half of it. The new file takes the mode of the regular file it
 * replaces (a gradebook kept 0600 stays so) when that file is this user's,
 * else 0666 less the umask: a file someone else planted under the name
 * (`grades.csv`, mode 0666, in a students' folder) does not make the
 * gradebook writable by them. Set-id and sticky bits are never copied.
 *
 * The temporary name is hidden (`.name.tcpscope-PID-RANDOM.tmp`): tcpscope's
 * own folder walks skip it. Temporary files still there when the process
 * exits (an error on the way) are removed.
 */
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream, openSync, unlinkSync, type WriteStream } from 'node:fs';
import { chmod, lstat, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const pending = new Set<string>();
let cleanupOn = false;

function removeLeftovers(): void {
  for (const p of pending) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  pending.clear();
}

/** A reason for a failed write, in a few words. */
export function writeReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'EROFS') return 'read-only file system';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** A file of this user's (on a system without uids, any file). */
function ownedByUs(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}

export class OutputFile {
  private done = false;

  /** `fd`: the temporary file's descriptor, which `stream` owns (a writer may write it directly, then commit). */
  private constructor(readonly path: string, private readonly temp: string, readonly stream: WriteStream, readonly fd: number) {}

  /** Start writing `path` (nothing is replaced until commit). Errors are the file system's. */
  static async create(path: string): Promise<OutputFile> {
    const dir = dirname(path);
    const temp = join(dir, `.${basename(path)}.tcpscope-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    // A plain descriptor (not a FileHandle, which closes itself when collected): the stream owns it.
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
    pending.add(temp);
    if (!cleanupOn) {
      cleanupOn = true;
      process.once('exit', removeLeftovers);
    }
    const stream = createWriteStream('', { fd, autoClose: true });
    return new OutputFile(path, temp, stream, fd);
  }

  /** Finish writing and put the file in place of `path`. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    await new Promise<void>((resolve) => {
      if (this.stream.closed) resolve();
      else this.stream.once('close', () => resolve());
    });
    try {
      const old = await lstat(this.path).catch(() => null);
      if (old?.isFile() && ownedByUs(old.uid)) await chmod(this.temp, old.mode & 0o777);
      await rename(this.temp, this.path);
    } catch (e) {
      await unlink(this.temp).catch(() => undefined);
      throw e;
    } finally {
      pending.delete(this.temp);
    }
  }

  /** Give up: the temporary file goes, `path` stays as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stream.destroy();
    await unlink(this.temp).catch(() => undefined);
    pending.delete(this.temp);
  }
}

/** Write `text` as the file `name` of folder `dir`, as OutputFile does. */
export async function writeFileIn(dir: string, name: string, text: string): Promise<void> {
  const f = await OutputFile.create(join(dir, name));
  try {
    f.stream.write(text);
  } catch (e) {
    await f.abort();
    throw e;
  }
  await f.commit();
}
