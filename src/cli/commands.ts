/**
 * The commands' options and help: analyze, timeline and key here, grade
 * (grade.ts) and the live ones (live.ts). What a command does is loaded only
 * when it runs (actions.ts, grade-action.ts, live-action.ts): a run of
 * `analyze` does not load the grader, the live capture or the HTML report,
 * which saves about 20 ms and 3 MB at every start (0.22 s and 60 MB to
 * 0.20 s and 57 MB for a small capture).
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { type CommonOptions, DEFAULT_MAX_CONNECTIONS } from './common.ts';
import { type AnalyzeOptions, FORMATS, SHARE_AUTO_BYTES, SHARE_AUTO_CPUS, SHARE_AUTO_MAX, type TimelineOptions } from './options.ts';
import { registerExtractCommand } from './extract.ts';
import { COLUMN_NAMES, COLUMNS } from '../render/columns.ts';
import { registerGradeCommand } from './grade.ts';
import { registerLiveCommands } from './live.ts';
import { registerSplitCommands } from './split.ts';
import { registerClusterCommands } from './cluster.ts';


const FILTER_HELP = `
Filter expressions (--filter, --fail-on), combined with and, or, not, ( ):
  host ADDR, port N, client host ADDR, server port N, stream N
  closed-by client|server|both|none
  close four-way|three-way|simultaneous|reset|refused|incomplete|open
  handshake three-way|simultaneous-open|refused|aborted|rejected-icmp|unanswered|not-captured
  verdict full|cut-short|inconclusive|none        (TIME_WAIT verdict)
  time-wait client|server|both|none               (who entered TIME_WAIT)
  retransmitted-fin [client|server], retransmitted-syn [client|server]
  half-close [client|server], reset [refused|abort|unread-data|keepalive-timeout|after-time-wait|other]
  state STATE, client state STATE, server state STATE   (final state, e.g. TIME_WAIT)
Wireshark style: ip.addr == A, tcp.port == N, tcp.srcport == N (client), tcp.dstport == N
  (server), tcp.stream eq N, tcp.completeness == 31, tcp.flags.reset == 1, tcp.flags.fin == 1
  (== / eq, != / ne, && / and, || / or, ! / not).

Exit codes: 0 done, 1 internal error, 2 bad usage or unreadable input,
3 a --fail-on condition held for some connection; analyze: 130 (Ctrl-C) or 143
(SIGTERM) while reading: the read ended there and the report of what was read
was written (a second Ctrl-C quits at once).`;

function common(cmd: Command): Command {
  return cmd
    .option('--os <preset>', 'TIME_WAIT length preset: rfc (2 x MSL, 240 s), linux (60 s), freebsd (60 s), macos (30 s), windows (240 s)', 'rfc')
    .option('--msl <seconds>', 'Maximum Segment Lifetime; TIME_WAIT must last 2 x MSL (overrides --os)')
    .option('--stream <N>', "only connection N (Wireshark's tcp.stream)")
    .option('--filter <expr>', "only connections matching EXPR, in tcpscope's expressions below (e.g. 'closed-by server', 'port 80 and verdict cut-short'); not a BPF capture filter: it chooses connections after the analysis")
    .option('--fail-on <expr>', "exit with code 3 if a shown connection matches EXPR (e.g. 'retransmitted-fin')")
    .addOption(new Option('--lang <lang>', 'language of labels and explanations (default: from LANG)').choices(['en', 'zh']))
    .option('--no-color', 'no colour (also NO_COLOR=1; colour is only used on a terminal)')
    .option('--max-connections <N>', `most connections held at once; beyond it the one idle the longest is reported early, as if the capture had ended then, and counted in a warning (about 450 bytes each while lingering in TIME_WAIT or idle, 2-4 KB while active; default ${DEFAULT_MAX_CONNECTIONS})`)
    .option('--max-inflate <size>', 'most bytes a gzip-compressed capture may decompress to; past it reading stops with an error (default 16G; K, M, G, T are powers of 1024)')
    .option('--max-inflate-ratio <n>', 'most decompressed bytes per compressed byte, checked past 64 MiB: a gzip bomb stops with an error (default 1000)')
    .option('--width <N>', 'fit the output to N terminal columns (default: the terminal\'s width; a pipe or file gets the full layout unless COLUMNS is set)')
    .option('--wide', 'the full layout, every column, however wide the terminal')
    .option('-q, --quiet', 'no progress bar')
    .option('-o, --output <file>', 'write to FILE instead of standard output (written beside it, then renamed onto it: never through a link)');
}

const actions = (): Promise<typeof import('./actions.ts')> => import('./actions.ts');

export function registerCommands(program: Command): void {
  common(program.command('analyze'))
    .summary('one row per connection: who closed, TIME_WAIT verdict, retransmitted FINs')
    .description('Analyze captures (pcap, pcapng, gzip; folders of them; - for standard input): one row per TCP connection with its handshake, close kind, active closer, final states, TIME_WAIT verdict, retransmitted FINs, half-close bytes and reset cause, and a summary. TCP inside tunnels (VXLAN, GENEVE, GRE, ERSPAN, IP in IP, MPLS, GTP-U, PPPoE, L2TP, Teredo...) and on PPP, 802.11 and IPoIB links is followed; frames in encapsulations it cannot read (ESP, protected 802.11...) are counted.')
    .argument('<capture...>', 'pcap or pcapng files (.gz too), folders (every .pcap, .pcapng, .cap, .gz under them, tcpdump -C numbers after them too), - for standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('table'))
    .option('--columns <list>', `table columns to show, in this order: ${COLUMNS.map((k) => COLUMN_NAMES[k]).join(', ')} (default: all that fit the terminal, most important first)`)
    .option('--series', 'the captures given are one capture cut into files (a rotation series): read in time order as one, frames counted across the files (tcpdump -C numberings, tap.pcap tap.pcap1..., are found without it)')
    .option('--series-pattern <fmt>', "files named by this tcpdump -G pattern (strftime, e.g. 'tap-%Y%m%d-%H%M%S.pcap') are one capture, read in time order; a missing file of the schedule is a warning")
    .option('-j, --jobs <n>', `worker threads for several captures, one capture each (default: the number of CPUs, here ${availableParallelism()})`)
    .option('--threads <n>', `threads reading one capture, each following a share of its connections; the output is the same as with 1 (default: auto, one per CPU up to ${SHARE_AUTO_MAX} for a regular file of ${SHARE_AUTO_BYTES >> 20} MB or more on ${SHARE_AUTO_CPUS} CPUs or more, else 1; standard input and pipes: 1)`, 'auto')
    .addHelpText('after', `
Examples:
  tcpscope analyze fixtures/captures/client-close.pcap
  tcpscope analyze --os linux fixtures/captures/*.pcap
  tcpscope analyze --format ndjson fixtures/captures/   (every capture under it, one per CPU at a time)
  tcpscope analyze --format json capture.pcapng > report.json
  tcpscope analyze --format ndjson big.pcap.gz | jq -c 'select(.close.activeCloser == "server")'
  tcpscope analyze --format csv --output conns.csv capture.pcap
  tcpscope analyze --format html --output report.html capture.pcap
  tcpscope analyze --format parquet --output conns.parquet capture.pcap   (typed columns for DuckDB, Spark, pandas)
  tcpscope analyze --format zeek capture.pcap | zeek-cut id.orig_h id.resp_h conn_state history
  tcpscope analyze --format json tap.pcap tap.pcap1 tap.pcap2   (a tcpdump -C series: one capture)
  tcpscope analyze --series-pattern 'tap-%Y%m%d-%H%M%S.pcap' --format csv captures/
  tcpscope analyze --filter 'port 80 and closed-by server' capture.pcap
  tcpscope analyze --lang zh capture.pcap
  tcpdump -i eth0 -w - | tcpscope analyze --format ndjson -
  tcpscope analyze --quiet --fail-on 'retransmitted-fin or verdict cut-short' capture.pcap || echo "check it"
${FILTER_HELP}`)
    .action(async (args: string[], o: AnalyzeOptions) => (await actions()).analyzeAction(args, o));

  common(program.command('timeline'))
    .summary('the connection as a textbook ladder diagram')
    .description('Draw connections as ladder diagrams, the way textbooks draw the handshake and the four waves of the close: client and server lifelines with their states, one arrow per segment labelled SYN seq=x, SYN+ACK seq=y ack=x+1, FIN seq=u, ACK seq=v ack=u+1, FIN+ACK seq=w ack=u+1, ACK seq=u+1 ack=w+1, relative and absolute numbers, frame and time, and notes (waves, retransmissions, TIME_WAIT and its 2MSL deadline). Without --stream, every connection that matches --filter.')
    .argument('<capture>', 'pcap or pcapng file (.gz too), - for standard input')
    .option('--data', 'draw every data and ACK segment (else runs of them are folded into one line with counts)')
    .addHelpText('after', `
Examples:
  tcpscope timeline fixtures/captures/client-close.pcap
  tcpscope timeline --os linux --stream 0 fixtures/captures/lost-fin.pcap
  tcpscope timeline --data --stream 3 capture.pcapng
  tcpscope timeline --lang zh fixtures/captures/four-way-close.pcap
${FILTER_HELP}`)
    .action(async (file: string, o: TimelineOptions) => (await actions()).timelineAction(file, o));

  common(program.command('key'))
    .summary("the instructor's answer key: x, y, u, v, w, closers, state sequences")
    .description('The answer key of a connection: x, y, u, v, w absolute and relative with the frames that show them, the checks ack=u+1 and ack=w+1, the active and passive closer, each side\'s state sequence, TIME_WAIT and retransmitted FINs. Without --stream, every connection that matches --filter.')
    .argument('<capture>', 'pcap or pcapng file (.gz too), - for standard input')
    .addHelpText('after', `
Examples:
  tcpscope key fixtures/captures/four-way-close.pcap
  tcpscope key --stream 1 --lang zh fixtures/captures/timewait-reuse.pcap
${FILTER_HELP}`)
    .action(async (file: string, o: CommonOptions) => (await actions()).keyAction(file, o));

  registerExtractCommand(program);
  registerGradeCommand(program);
  registerLiveCommands(program);
  registerSplitCommands(program);
  registerClusterCommands(program);
}

