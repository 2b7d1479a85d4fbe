/**
 * The cluster commands' options and help: `cluster worker` (take part jobs
 * from a BullMQ queue on Redis) and `cluster run` (queue a capture's parts
 * and their merge, print the merged output). What they do is in
 * cluster-action.ts, loaded only when one of them runs. Registered by
 * commands.ts through registerClusterCommands(program).
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { CLUSTER_FORMATS, DEFAULT_QUEUE } from '../cluster/jobs.ts';
import type { RunCliOptions, WorkerCliOptions } from './cluster-action.ts';

const action = (): Promise<typeof import('./cluster-action.ts')> => import('./cluster-action.ts');

const REDIS_HELP = `
Redis (Debian's redis-server; 6.2 or later recommended) must keep every key:
maxmemory-policy noeviction (BullMQ's requirement); with appendonly yes the queued jobs
also survive a restart of Redis. Bind it to an address the machines reach and set a
password (requirepass), then give it in the URL: redis://:PASSWORD@host:6379/0 (rediss://
for TLS).`;

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster')
    .summary('analyse a capture cut into parts on several machines (a BullMQ queue on Redis)')
    .description('Analyse captures cut into parts (a rotation series, or one file cut into pieces) on as many machines as run `tcpscope cluster worker`, through a job queue on Redis (BullMQ). `cluster run` queues a scan of every part, then the analysis of every part and their merge, and prints the merged output: byte for byte what `tcpscope analyze` prints for the whole capture.');

  cluster.command('worker')
    .summary('take scan, part and merge jobs from the queue until stopped')
    .description("Take jobs from the queue and run them, as many at once as --concurrency: scans of parts, analyses of parts, merges. Run one on each machine (as a service); each job runs in a thread of its own. A worker that dies mid-job loses it only for a while: once its lock has lapsed (--lock-duration) another worker's check (--stalled-interval) puts the job back in the queue. Ctrl-C or SIGTERM stops taking jobs and lets the running ones finish; a second one quits at once (the queue gives its jobs to others). Capture files are read at the paths `cluster run` gives, and the work directory must be the same: the same paths on every machine (a shared file system). Whoever can write to the Redis can make workers read any capture they can read: protect Redis with a password.")
    .requiredOption('--redis <url>', 'the Redis of the queue: redis://[:password@]host[:port][/db], rediss:// for TLS')
    .requiredOption('--work <dir>', 'the shared directory that cluster run is given (the same path on every machine): jobs write only in runs\' folders in it, and jobs of runs elsewhere are refused')
    .option('--queue <name>', 'the queue\'s name (several clusters can share one Redis)', DEFAULT_QUEUE)
    .option('--concurrency <n>', `jobs run at once (default: the number of CPUs, here ${availableParallelism()})`)
    .option('--lock-duration <time>', 'how long a job stays taken without news from its worker: a dead worker\'s job waits this long before another takes it (30s, 2m, 500ms)', '30s')
    .option('--stalled-interval <time>', 'how often this worker looks for jobs whose worker died', '30s')
    .option('--max-stalled <n>', 'how many times a job may lose its worker before it fails', '2')
    .option('-q, --quiet', 'no line for each job (errors and Redis trouble are still written)')
    .addHelpText('after', `
Examples:
  tcpscope cluster worker --redis redis://:secret@10.0.0.5:6379 --work /mnt/shared/tmp
  tcpscope cluster worker --redis redis://127.0.0.1:6379 --work /tmp --concurrency 2 --quiet
  tcpscope cluster worker --redis redis://10.0.0.5 --work /mnt/shared/tmp --lock-duration 10s --stalled-interval 5s
${REDIS_HELP}

Exit codes: 0 stopped (Ctrl-C or SIGTERM, running jobs finished), 2 bad usage or Redis not
reachable at the start, 130/143 a second Ctrl-C/SIGTERM quit at once.`)
    .action(async (o: WorkerCliOptions) => (await action()).clusterWorkerAction(o));

  cluster.command('run')
    .summary('queue the parts of a capture and their merge; print the merged output')
    .description('Queue the parts of one capture (a rotation series or a file cut into pieces, read in the order analyze reads a series) for the workers, wait, and print the merged output: the same bytes as `tcpscope analyze -f FORMAT` of the whole capture. The scans, parts and output travel through a folder made for the run in --work, removed at the end. A job that fails with an error is tried again (--attempts); one that fails for good (a corrupt capture, a part no worker can read) is reported with its part and reason, and nothing is printed.')
    .argument('<capture...>', 'the parts (pcap or pcapng, .gz too), read in time order as analyze --series reads them; every worker must read them at the same absolute path')
    .requiredOption('--redis <url>', 'the Redis of the queue: redis://[:password@]host[:port][/db], rediss:// for TLS')
    .requiredOption('--work <dir>', 'a directory every worker can read and write at the same path (a shared file system when the workers are on other machines)')
    .option('--queue <name>', 'the queue\'s name', DEFAULT_QUEUE)
    .addOption(new Option('-f, --format <format>', 'output format').choices([...CLUSTER_FORMATS]).default('ndjson'))
    .option('-o, --output <file>', 'write to FILE instead of standard output (written beside it, then renamed onto it: never through a link)')
    .option('--name <name>', 'the capture name the output shows (default: the name analyze gives the parts read as one capture: tap.pcap* for a tcpdump -C series, else \'first … last (N files)\')')
    .option('--os <preset>', 'TIME_WAIT length preset: rfc (2 x MSL, 240 s), linux (60 s), freebsd (60 s), macos (30 s), windows (240 s)', 'rfc')
    .option('--msl <seconds>', 'Maximum Segment Lifetime; TIME_WAIT must last 2 x MSL (overrides --os)')
    .option('--max-connections <N>', 'most connections held at once by each part\'s analysis and by the merge (as analyze\'s; default 100000)')
    .option('--attempts <n>', 'tries of a job that fails with an error before the run fails (bad input fails at once)', '3')
    .option('--keep-work', 'keep the run\'s folder in --work (scans, parts, output) to look at')
    .option('-q, --quiet', 'no progress lines')
    .addHelpText('after', `
Examples:
  tcpscope cluster run --redis redis://10.0.0.5 --work /mnt/shared/tmp /mnt/shared/tap/tap.pcap*
  tcpscope cluster run --redis redis://127.0.0.1 --work /tmp -f csv -o conns.csv part1.pcap part2.pcap
  tcpscope cluster run --redis redis://10.0.0.5 --work /mnt/shared/tmp --name tap.pcap --os linux tap.pcap tap.pcap1
${REDIS_HELP}

Exit codes: 0 done, 1 internal error, 2 bad usage, Redis not reachable, or a job failed for
good (each one reported on a line), 130/143 Ctrl-C/SIGTERM (the run's jobs are taken off
the queue).`)
    .action(async (files: string[], o: RunCliOptions) => (await action()).clusterRunAction(files, o));
}
