/**
 * The commands of a capture cut into parts: `part scan`, `part analyze` and
 * `merge` (analyze/split.ts); their actions (split-action.ts) are loaded
 * only when they run.
 */
import { type Command, Option } from 'commander';
import { DEFAULT_MAX_CONNECTIONS } from './common.ts';
import type { MergeCommandOptions, PartAnalyzeOptions, PartScanOptions } from './split-action.ts';

const action = (): Promise<typeof import('./split-action.ts')> => import('./split-action.ts');

export function registerSplitCommands(program: Command): void {
  const part = program.command('part')
    .summary('analyse one part of a capture cut into files, for `tcpscope merge`')
    .description('A capture cut into parts (a rotation series, tcpdump -C or -G files, or one file cut anywhere) can be analysed part by part, on as many machines as there are, and merged into exactly what one `tcpscope analyze` of the whole gives: the same connections, stream and frame numbers, verdicts and lines, in the same order. First `part scan` every part (quick: it counts frames and lists 4-tuples), then `part analyze` every part with every scan, then `tcpscope merge` the results in capture order. A connection that crosses a cut is followed by the merge from the segments the part after the cut writes out for it.')
    .addHelpText('after', `
Examples:
  for f in tap.pcap tap.pcap1 tap.pcap2; do tcpscope part scan $f -o $f.scan; done
  tcpscope part analyze tap.pcap1 --index 1 --scans tap.pcap.scan tap.pcap1.scan tap.pcap2.scan -o tap.pcap1.part
  tcpscope merge tap.pcap.part tap.pcap1.part tap.pcap2.part -f csv -o conns.csv
  tcpscope cluster run ...   (the same steps on a Redis job queue: see tcpscope cluster --help)`);

  part.command('scan')
    .summary('count the frames and list the 4-tuples of one part')
    .description('Read one part (pcap or pcapng, .gz too) and write its scan: the number of frames and a hash of every 4-tuple in it. Every `part analyze` needs the scans of all parts.')
    .argument('<capture>', 'the part: a pcap or pcapng file (.gz too)')
    .requiredOption('-o, --output <file>', 'the scan file to write')
    .option('--max-inflate <size>', 'most bytes a gzip-compressed capture may decompress to (default 16G)')
    .option('--max-inflate-ratio <n>', 'most decompressed bytes per compressed byte, past 64 MiB (default 1000)')
    .action(async (file: string, o: PartScanOptions) => (await action()).partScanAction(file, o));

  part.command('analyze')
    .summary('analyse one part, given the scans of all parts')
    .description('Analyse part K of a capture cut into parts and write the result for `tcpscope merge`: the reports of the connections that end inside the part, those still open at its end (handed over), and the segments of 4-tuples an earlier part holds too, whose connections may have begun there. Frames are numbered after the frames of the parts before it.')
    .argument('<capture>', 'the part: a pcap or pcapng file (.gz too)')
    .requiredOption('--index <K>', 'its place in the capture: 0 for the first part')
    .requiredOption('--scans <files...>', 'the scans of every part, in capture order (part scan)')
    .requiredOption('-o, --output <file>', 'the part file to write')
    .option('--os <preset>', 'TIME_WAIT length preset: rfc, linux, freebsd, macos, windows (as analyze; the same for every part)', 'rfc')
    .option('--msl <seconds>', 'Maximum Segment Lifetime (overrides --os; the same for every part)')
    .option('--max-connections <N>', `most connections held at once (as analyze, default ${DEFAULT_MAX_CONNECTIONS}; the merge says if a part had to evict one)`)
    .option('--max-inflate <size>', 'most bytes a gzip-compressed capture may decompress to (default 16G)')
    .option('--max-inflate-ratio <n>', 'most decompressed bytes per compressed byte, past 64 MiB (default 1000)')
    .action(async (file: string, o: PartAnalyzeOptions) => (await action()).partAnalyzeAction(file, o));

  program.command('merge')
    .summary('join the analysed parts of a capture into one output')
    .description('Join the results of `part analyze` (given in capture order) into the output of one `tcpscope analyze` of the whole capture: NDJSON lines in the order one run writes them, or CSV rows in stream order. The settings (--os, --msl) are those the parts were analysed with.')
    .argument('<parts...>', 'the part files, in capture order')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--name <name>', "the capture's name in the output (`file`; default: the first part's name, as analyze of the series shows it)")
    .option('-o, --output <file>', 'write to FILE instead of standard output (written beside it, then renamed onto it)')
    .option('-q, --quiet', 'no warnings on standard error')
    .addHelpText('after', `
Examples:
  tcpscope merge p0.part p1.part p2.part > conns.ndjson
  tcpscope merge -f csv --name tap.pcap -o conns.csv parts/*.part

Exit codes: 0 done, 1 internal error, 2 bad usage or a part that is not one.`)
    .action(async (parts: string[], o: MergeCommandOptions) => (await action()).mergeAction(parts, o));
}
