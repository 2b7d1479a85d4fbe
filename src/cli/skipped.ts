/**
 * The warning for an entry of a folder that was not read (capture/files.ts):
 * `warning: <path>: symbolic link to <target>: not followed`, the path and
 * the target escaped for the terminal.
 */
import type { SkippedEntry } from '../capture/files.ts';
import { termText } from '../render/escape/terminal.ts';

export function skippedLine(s: SkippedEntry): string {
  const what = s.kind === 'link' ? `symbolic link${s.detail === null ? '' : ` to ${termText(s.detail)}`}: not followed`
    : s.kind === 'special' ? 'not a regular file (FIFO, socket or device): not read'
      : `folder not read: ${termText(s.detail ?? '?')}`;
  return `warning: ${termText(s.name)}: ${what}`;
}
