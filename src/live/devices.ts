/** Capture devices: from libpcap through cap when it loads, else tcpdump -D and the OS. */
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { loadCap } from './capmod.ts';

export interface Device {
  name: string;
  description: string;
  addresses: string[];
  loopback: boolean;
}

/** The devices libpcap can capture on; `via` says who listed them. */
export function listDevices(): { devices: Device[]; via: 'libpcap (cap)' | 'tcpdump -D' | 'os' } {
  try {
    const cap = loadCap();
    const list = cap.Cap.deviceList();
    return {
      via: 'libpcap (cap)',
      devices: list.map((d) => ({
        name: d.name,
        description: d.description ?? '',
        addresses: (d.addresses ?? []).map((a) => a.addr).filter((a): a is string => typeof a === 'string'),
        loopback: (d.flags ?? '').includes('LOOPBACK'),
      })),
    };
  } catch {
    // fall through
  }
  const os = networkInterfaces();
  const addrs = (name: string): string[] => (os[name] ?? []).map((a) => a.address);
  try {
    const out = execFileSync('tcpdump', ['-D'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const devices: Device[] = [];
    for (const line of out.split('\n')) {
      // 1.eth0 [Up, Running, Connected]   or   5.any (Pseudo-device that captures on all interfaces) [Up, Running]
      const m = /^\d+\.(\S+)(?:\s+\(([^)]*)\))?(?:\s+\[([^\]]*)\])?/.exec(line.trim());
      if (!m) continue;
      devices.push({ name: m[1], description: m[2] ?? '', addresses: addrs(m[1]), loopback: (m[3] ?? '').includes('Loopback') });
    }
    return { devices, via: 'tcpdump -D' };
  } catch {
    // fall through
  }
  return {
    via: 'os',
    devices: Object.entries(os).map(([name, list]) => ({
      name, description: '', addresses: (list ?? []).map((a) => a.address), loopback: (list ?? []).some((a) => a.internal),
    })),
  };
}

export function deviceNames(): string[] {
  try {
    return listDevices().devices.map((d) => d.name);
  } catch {
    return [];
  }
}
