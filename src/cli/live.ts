/**
 * The live commands' options and help: `live` (capture on an interface and
 * watch connections change), `interfaces` (capture devices) and
 * `watch-timewait` (the kernel's TIME_WAIT sockets). What they do is in
 * live-action.ts, loaded only when one of them runs. Registered by
 * commands.ts through registerLiveCommands(program).
 */
import { type Command, Option } from 'commander';
import { COLUMN_NAMES, COLUMNS } from '../render/columns.ts';
import { LIVE_FORMATS, type LiveCliOptions, type WatchOptions } from './live-options.ts';


const action = (): Promise<typeof import('./live-action.ts')> => import('./live-action.ts');

export function registerLiveCommands(program: Command): void {
  program.command('live')
    .summary('capture on an interface and watch connections open, change state and close')
    .description('Capture on a network interface and print, as they happen, each connection opened, each state transition of either endpoint, each retransmitted FIN, each TIME_WAIT entered and its verdict when known. Ctrl-C (or SIGTERM, or closing the terminal), --duration or --count stops it: what was captured until then is analysed and the same summary table as analyze printed; a second Ctrl-C quits at once. tcpdump never outlives tcpscope, even when tcpscope is killed. On Linux it also watches the kernel\'s TIME_WAIT table for the connections\' local sockets and compares it with the capture.')
    .argument('[expression...]', "BPF capture filter, as tcpdump takes it: the words after the options, e.g. tcp port 80 (man pcap-filter; put -- before it if it starts with -)")
    .requiredOption('-i, --interface <iface>', 'interface to capture on (any: all; tcpscope interfaces lists them)')
    .option('--filter <bpf>', "the BPF capture filter as one option, e.g. --filter 'tcp port 80' (instead of the trailing expression). Not analyze's --filter: that one chooses connections after the analysis, in tcpscope's own expressions")
    .option('-w, --write <file>', 'also write everything captured to FILE (pcap; pcapng if it ends in .pcapng): a valid capture from the start, and after Ctrl-C, a kill or a crash')
    .option('-C, --rotate-size <MB>', "write a rotation series, as tcpdump -C: a new file once the current one has passed MB million bytes (NAME, NAME1, NAME2...); tcpscope analyze reads them back as one capture")
    .option('-G, --rotate-seconds <N>', "write a rotation series, as tcpdump -G: a new file every N seconds, named by -w with strftime fields in UTC (default name capture-%Y%m%d-%H%M%S.pcap); analyze reads them back with --series-pattern")
    .option('-o, --output <dir>', 'write the capture (or its series) in this folder, made if missing; -w gives the name in it (default capture.pcap)')
    .option('-q, --quiet', 'no event lines and no summary (a recorder: with --output and -C/-G, for days; connections are not kept for a summary); errors and a last line on stderr')
    .option('--duration <time>', 'stop after this long (30s, 5m, 1h)')
    .option('--count <N>', 'stop after N packets')
    .addOption(new Option('-f, --format <format>', 'table: event lines and the summary table; ndjson: events as JSON lines; json: the analyze document at the end').choices([...LIVE_FORMATS]).default('table'))
    .option('--columns <list>', `summary table columns, as analyze's: ${COLUMNS.map((k) => COLUMN_NAMES[k]).join(', ')}`)
    .option('--width <N>', 'fit the event lines and the summary to N terminal columns (default: the terminal\'s width; a pipe gets the full layout unless COLUMNS is set)')
    .option('--wide', 'the full layout, however wide the terminal')
    .addOption(new Option('--backend <backend>', 'capture backend: tcpdump (kernel ns timestamps, drop counts; default when on the PATH) or cap (libpcap in-process, receipt timestamps)').choices(['auto', 'cap', 'tcpdump']).default('auto'))
    .option('--no-kernel', 'do not watch the kernel\'s TIME_WAIT table (/proc/net/tcp)')
    .option('--buffer-size <MiB>', 'kernel capture buffer in MiB (default 256: small buffers lose bursts)')
    .option('--snaplen <bytes>', 'bytes kept of each packet (default 256: every header the analysis reads, and some 400,000 packets fit in the buffer); 0 keeps whole packets in the -w file, but on lo a 256 MiB buffer then holds only about 3,000')
    .option('--os <preset>', 'TIME_WAIT length preset: rfc (2 x MSL, 240 s), linux (60 s), freebsd (60 s), macos (30 s), windows (240 s)', 'rfc')
    .option('--msl <seconds>', 'Maximum Segment Lifetime; TIME_WAIT must last 2 x MSL (overrides --os)')
    .addOption(new Option('--lang <lang>', 'language of the event lines and the summary (default: from LANG)').choices(['en', 'zh']))
    .option('--no-color', 'no colour')
    .addOption(new Option('--utc', 'show times of day in UTC').hideHelp())
    .addHelpText('after', `
Examples:
  sudo tcpscope live -i eth1 tcp port 80
  sudo tcpscope live -i lo -w lab.pcap --os linux tcp port 8080
  sudo tcpscope live -i eth0 --filter 'tcp port 443 and host 192.0.2.7'
  sudo tcpscope live -i any --duration 30s -f ndjson | jq -c 'select(.type == "transition")'
  sudo tcpscope live -i eth0 --backend cap --count 1000
  sudo tcpscope live -i eth0 --quiet --output /var/tmp/tap -G 300 tcp    (then: tcpscope analyze --series-pattern 'capture-%Y%m%d-%H%M%S.pcap' /var/tmp/tap)
  sudo tcpscope live -i eth0 --quiet --output /var/tmp/tap -C 100 tcp    (then: tcpscope analyze /var/tmp/tap/capture.pcap*)

The capture filter is a BPF expression (tcpdump's, man pcap-filter), given after the options
or with --filter; it chooses the packets captured. analyze --filter is another language: it
chooses connections in the report (closed-by server, verdict cut-short...).

Without root (as Wireshark's dumpcap does it): give tcpdump the two capabilities it needs and
let one group run it, then add the users who capture to that group:
  sudo groupadd -f pcap && sudo chgrp pcap "$(command -v tcpdump)" && sudo chmod 750 "$(command -v tcpdump)"
  sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)"
  sudo usermod -aG pcap "$USER"        (log in again)
An update of the tcpdump package undoes the first two lines: run them again after one.
--backend cap needs the same on node itself, which lets every script it runs capture: prefer tcpdump.`)
    .action(async (expression: string[], o: LiveCliOptions) => (await action()).liveAction(expression, o));

  program.command('interfaces')
    .summary('list capture devices')
    .description('List the devices libpcap can capture on: name, description, addresses.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--lang <lang>', 'language (default: from LANG)').choices(['en', 'zh']))
    .option('--width <N>', 'wrap the lines at N terminal columns (default: the terminal\'s width; a pipe gets whole lines unless COLUMNS is set)')
    .option('--wide', 'whole lines, however wide the terminal')
    .action(async (o: { format: string; lang?: string; width?: string; wide?: boolean }) => (await action()).interfacesAction(o));

  program.command('watch-timewait')
    .summary("this host's TIME_WAIT sockets and their remaining time (Linux)")
    .description("Show the local sockets in TIME_WAIT (from /proc/net/tcp and tcp6) with the time left on their timer, refreshed until Ctrl-C; sockets that leave are reported with the measured TIME_WAIT duration and timer restarts.")
    .option('--port <P>', 'only sockets with local or remote port P')
    .option('--once', 'print once and exit')
    .option('--interval <time>', 'refresh period', '1s')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'ndjson']).default('table'))
    .addOption(new Option('--lang <lang>', 'language of the table and lines (default: from LANG)').choices(['en', 'zh']))
    .option('--width <N>', 'fit the table to N terminal columns (default: the terminal\'s width; a pipe gets the full layout unless COLUMNS is set)')
    .option('--wide', 'the full layout, however wide the terminal')
    .action(async (o: WatchOptions) => (await action()).watchAction(o));
}
