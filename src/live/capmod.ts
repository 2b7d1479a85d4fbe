/**
 * Loading the `cap` module (an optional dependency with a native part). Its
 * failure is a LiveError saying what to install.
 */
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { capMissingError } from './errors.ts';

export interface CapAddress { addr?: string; netmask?: string; broadaddr?: string }
export interface CapDevice { name: string; description?: string; addresses?: CapAddress[]; flags?: string }

export interface CapInstance extends EventEmitter {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
}

export interface CapModule {
  Cap: { new(): CapInstance; deviceList(): CapDevice[]; findDevice(ip?: string): string | undefined };
}

let cached: CapModule | null = null;

export function loadCap(): CapModule {
  if (cached) return cached;
  if (process.env.TCPSCOPE_NO_CAP === '1') throw capMissingError('disabled by TCPSCOPE_NO_CAP=1');
  const require = createRequire(import.meta.url);
  try {
    cached = require('cap') as CapModule;
  } catch (e) {
    throw capMissingError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
  return cached;
}
