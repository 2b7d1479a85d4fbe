/**
 * The Redis a cluster runs on: its URL checked, shown without its password,
 * reached once before anything is queued (so a wrong host, port or password
 * is one line, not endless reconnection), then connections for BullMQ.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** A `--redis` value that is not a Redis URL. */
export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

/** Redis could not be reached or refused us (wrong host, port, password, TLS). */
export class RedisUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnreachableError';
  }
}

/**
 * The URL of `--redis`, checked: redis://[user:password@]host[:port][/db] or
 * rediss:// (TLS). Anything else (http://, a bare host, a socket path) is
 * refused with a one-line reason.
 */
export function parseRedisUrl(s: string, flag = '--redis'): URL {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new RedisUrlError(`${flag}: expected a URL like redis://host:6379 or rediss://:password@host:6380/0, got '${s}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisUrlError(`${flag}: expected a redis:// or rediss:// URL, got '${shownUrl(u)}'`);
  }
  if (u.hostname === '') throw new RedisUrlError(`${flag}: the URL names no host: '${shownUrl(u)}'`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new RedisUrlError(`${flag}: the database after the host must be a number (redis://host:6379/0), got '/${db}'`);
  return u;
}

/** The URL without its password, for messages and logs. */
export function shownUrl(u: URL): string {
  if (u.password === '') return u.href;
  const c = new URL(u.href);
  c.password = '***';
  return c.href;
}

/** A connection as BullMQ's blocking clients need it (commands wait through reconnections). */
export function connect(url: URL, extra: RedisOptions = {}): Redis {
  const r = new Redis(url.href, { maxRetriesPerRequest: null, ...extra });
  return r;
}

/**
 * Reach Redis once, with a few quick tries: the server's version, or a
 * one-line reason (connection refused, no such host, wrong password).
 */
export async function reachRedis(url: URL, timeoutMs = 5000): Promise<string> {
  let last: Error | null = null;
  const r = new Redis(url.href, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (times) => (times > 2 ? null : 200 * times),
  });
  r.on('error', (e: Error) => {
    last = e;
  });
  try {
    await r.connect();
    const info = await r.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch (e) {
    const err = (e instanceof Error ? e : new Error(String(e)));
    throw new RedisUnreachableError(`cannot use Redis at ${shownUrl(url)}: ${reason(last ?? err)}`);
  } finally {
    r.disconnect();
  }
}

/** A Redis or socket error in a few words. */
export function reason(e: Error): string {
  const code = (e as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused (is redis-server running and bound to that address?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host';
  if (code === 'ETIMEDOUT') return 'timed out';
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(e.message)) return 'authentication failed (the URL\'s password: redis://:PASSWORD@host:6379)';
  return e.message.split('\n')[0];
}
