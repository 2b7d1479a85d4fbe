/**
 * `tcpscope extract`: the first pass analyses the capture and keeps the
 * 4-tuple and frame range of each connection chosen by --stream and
 * --filter (their reports are let go of as they come); the second pass
 * (extract/extract.ts) writes those connections' frames.
 */
import { termText } from '../render/escape/terminal.ts';
import { t } from '../render/i18n.ts';
import { type Chosen, ExtractError, type ExtractFormat, extractFrames } from '../extract/extract.ts';
import { analyzeAll, openOutput, withReadableTwice } from './run.ts';
import { type CommonOptions, resolveCommon, selector } from './common.ts';
import { UsageError } from './util.ts';

export interface ExtractCommandOptions extends Omit<CommonOptions, 'color'> {
  format?: ExtractFormat;
  output: string;
}

/** The format the output's name asks for, if it says. */
function formatOfName(name: string): ExtractFormat | null {
  if (/\.pcapng(\.gz)?$/i.test(name)) return 'pcapng';
  if (/\.(pcap|cap)(\.gz)?$/i.test(name)) return 'pcap';
  return null;
}

export async function extractAction(file: string, o: ExtractCommandOptions): Promise<void> {
  const c = resolveCommon({ ...o, color: false, output: o.output === '-' ? undefined : o.output });
  if (c.stream === null && c.filter === null) throw new UsageError('extract: choose the connections with --stream N or --filter EXPR');
  if (/\.gz$/i.test(o.output)) throw new UsageError('--output: extract writes uncompressed captures; name it .pcap or .pcapng (and gzip it after)');
  if (o.output === '-' && process.stdout.isTTY) throw new UsageError('--output -: standard output is a terminal; give a file name or pipe it (| tshark -r -)');
  const format = o.format ?? (o.output === '-' ? null : formatOfName(o.output));
  const out = await openOutput(c.output);
  const keep = selector(c);
  await withReadableTwice(file, async (input) => {
    const chosen: Chosen[] = [];
    let max = -1;
    const run = await analyzeAll([input], c, (r) => {
      if (r.stream > max) max = r.stream;
      if (keep(r)) {
        chosen.push({
          stream: r.stream, client: r.client, server: r.server, firstFrame: r.firstFrame, lastFrame: r.lastFrame,
          x: r.handshake.x?.seq ?? null, y: r.handshake.y?.seq ?? null,
        });
      }
    });
    if (run.failed) {
      await out.abort();
      process.exitCode = 2;
      return;
    }
    // Streams are numbered 0 to the highest, as Wireshark numbers them.
    if (c.stream !== null && c.stream > max) {
      await out.abort();
      throw new UsageError(max < 0 ? t(c.lang, 'cli.noStreamAtAll', { file: termText(file) }) : t(c.lang, 'cli.noStream', { stream: c.stream, file: termText(file), max }));
    }
    let result;
    try {
      result = await extractFrames(input.path, chosen, {
        format, within: input.within ?? null, inflate: c.inflate,
        write: (bytes) => out.write(Buffer.from(bytes)),
        pause: () => out.caughtUp(),
      });
    } catch (e) {
      await out.abort();
      if (e instanceof ExtractError) throw new UsageError(`extract: ${e.message}`);
      throw e;
    }
    await out.close();
    if (!c.quiet) {
      const streams = chosen.length === 1 ? `stream ${chosen[0].stream}` : `${chosen.length} connections`;
      process.stderr.write(`${result.frames} frames of ${streams} written as ${result.format}${c.output === null ? '' : ` to ${termText(c.output)}`}\n`);
    }
  });
}
