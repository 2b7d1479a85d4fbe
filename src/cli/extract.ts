/**
 * The extract command's options and help; its action (extract-action.ts)
 * is loaded only when it runs.
 */
import { type Command, Option } from 'commander';
import type { ExtractCommandOptions } from './extract-action.ts';

export function registerExtractCommand(program: Command): void {
  program.command('extract')
    .summary('write the frames of chosen connections to a new pcap or pcapng')
    .description("Write the frames of the connections chosen with --stream or --filter to a new capture, as they were: the same link type, timestamps and precision (a nanosecond pcap stays nanosecond; pcapng interfaces are copied with their if_tsresol), lengths and bytes, in their order. A frame is written when it is a TCP segment of a chosen connection, or an ICMP or ICMPv6 error quoting one of its segments (also after its last segment, until a new SYN on its 4-tuple): what Wireshark's tcp.stream eq N shows; --filter chooses connections, and each is written so. The output is pcap or pcapng by its name (.pcapng, .pcap, .cap) or by --format, else the input's format; it opens in Wireshark, tshark and tcpdump. The capture is read twice (standard input is copied to a temporary file first); frames are written as they are read.")
    .argument('<capture>', 'pcap or pcapng file (.gz too), - for standard input')
    .requiredOption('-o, --output <file>', 'the new capture (written beside it, then renamed onto it: never through a link); - for standard output')
    .addOption(new Option('-f, --format <format>', 'pcap or pcapng (default: from the output name, else the input\'s format)').choices(['pcap', 'pcapng']))
    .option('--stream <N>', "connection N (Wireshark's tcp.stream)")
    .option('--filter <expr>', "connections matching EXPR (the language of analyze --filter, e.g. 'closed-by server and verdict cut-short')")
    .option('--os <preset>', 'TIME_WAIT preset the filter\'s verdicts are judged with (rfc, linux, freebsd, macos, windows)', 'rfc')
    .option('--msl <seconds>', 'Maximum Segment Lifetime for the verdicts (overrides --os)')
    .option('--max-connections <N>', 'most connections held at once while choosing (as analyze)')
    .option('--max-inflate <size>', 'most bytes a gzip-compressed capture may decompress to (default 16G)')
    .option('--max-inflate-ratio <n>', 'most decompressed bytes per compressed byte, past 64 MiB (default 1000)')
    .option('-q, --quiet', 'no progress bar, no summary line')
    .addHelpText('after', `
Examples:
  tcpscope extract --stream 3 -o stream3.pcap capture.pcapng
  tcpscope extract --filter 'retransmitted-fin or verdict cut-short' -o odd.pcapng big.pcap.gz
  tcpscope extract --filter 'port 443 and closed-by server' -f pcapng -o - capture.pcap | tshark -r -

Exit codes: 0 done (also when nothing matched: the capture is then empty), 1 internal error,
2 bad usage or unreadable input.`)
    .action(async (file: string, o: ExtractCommandOptions) => (await import('./extract-action.ts')).extractAction(file, o));
}
