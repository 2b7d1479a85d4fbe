/**
 * A bounded burst of short TCP connections on loopback, for measuring live
 * capture under load (bench.ts --live, test/live/load.test.ts):
 *
 *   node --import tsx src/bench/load.ts [--connections N] [--concurrency K] [--port P]
 *
 * One process is both the server and the client: the client keeps K
 * connections in flight and opens the next as soon as one is done, as fast
 * as one Node client can. Each connection is a handshake, one byte each way
 * and a close by the client (about ten packets on lo), so the client's
 * socket goes to TIME_WAIT like a browser's or a load tester's. Prints one
 * JSON line (LoadResult) when every connection has closed.
 */
import net from 'node:net';

export interface LoadOptions {
  /** Connections to make in all. */
  connections: number;
  /** Connections in flight at once. */
  concurrency: number;
  /** The server's port (0: any free one). */
  port: number;
  host: string;
}

export interface LoadResult {
  connections: number;
  /** Connections that completed the exchange (handshake, a byte each way, close). */
  completed: number;
  failed: number;
  /** The server's port: a capture filter names it. */
  port: number;
  /** From the first connect to the last close, seconds. */
  seconds: number;
  /** Client ports of completed connections, in the order they were opened. */
  clientPorts: number[];
}

export const DEFAULT_LOAD: LoadOptions = { connections: 3000, concurrency: 64, port: 0, host: '127.0.0.1' };

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', () => s.write('y'));
    s.on('end', () => s.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  const clientPorts: number[] = [];
  let started = 0;
  let completed = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((done) => {
    let active = 0;
    const next = (): void => {
      while (active < o.concurrency && started < o.connections) {
        started++;
        active++;
        const c = net.connect({ port, host: o.host });
        let ok = false;
        c.on('error', () => undefined);
        c.once('connect', () => c.write('x'));
        c.once('data', () => {
          ok = true;
          clientPorts.push(c.localPort as number);
          c.end();
        });
        c.on('end', () => undefined);
        c.once('close', () => {
          active--;
          if (ok) completed++;
          else failed++;
          if (completed + failed === o.connections) done();
          else next();
        });
      }
    };
    next();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { connections: o.connections, completed, failed, port, seconds, clientPorts };
}

function parse(argv: string[]): LoadOptions {
  const o = { ...DEFAULT_LOAD };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    const n = Number(v);
    const whole = v !== undefined && /^\d+$/.test(v);
    switch (argv[i]) {
      case '--connections': if (!whole || n < 1) throw new Error('--connections: a whole number >= 1'); o.connections = n; break;
      case '--concurrency': if (!whole || n < 1) throw new Error('--concurrency: a whole number >= 1'); o.concurrency = n; break;
      case '--port': if (!whole || n > 65535) throw new Error('--port: 0-65535'); o.port = n; break;
      case '--host': if (v === undefined) throw new Error('--host: an address'); o.host = v; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runLoad(parse(process.argv.slice(2))).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: unknown) => {
      process.stderr.write(`load: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
