import { readerFor } from '../../src/capture/source.ts';
import type { CaptureReader, CaptureWarning } from '../../src/capture/frame.ts';

export interface Got {
  number: number;
  time: string;
  capLen: number;
  origLen: number;
  linkType: number;
  interfaceId: number;
  fileOffset: number;
  data: string;
}

/** Feed `input` to a fresh reader in chunks of `chunk` bytes and copy out every frame. */
export function collect(input: Uint8Array, chunk = input.length): { frames: Got[]; warnings: CaptureWarning[]; reader: CaptureReader } {
  const reader = readerFor(input);
  const frames: Got[] = [];
  const drain = (): void => {
    for (let f = reader.next(); f; f = reader.next()) {
      frames.push({
        number: f.number,
        time: `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`,
        capLen: f.capLen,
        origLen: f.origLen,
        linkType: f.linkType,
        interfaceId: f.interfaceId,
        fileOffset: f.fileOffset,
        data: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex'),
      });
    }
  };
  for (let i = 0; i < input.length; i += chunk) {
    // Copy: a reader owns what it is given.
    reader.append(input.slice(i, Math.min(input.length, i + chunk)));
    drain();
  }
  reader.end();
  drain();
  return { frames, warnings: reader.warnings, reader };
}
