import type { OsPreset, Settings } from './types.ts';

/** TIME_WAIT length of each OS preset, seconds (null: 2 x the configured MSL). */
export const OS_TIME_WAIT_SECONDS: Readonly<Record<OsPreset, number | null>> = {
  rfc: null,
  linux: 60,
  freebsd: 60,
  macos: 30,
  windows: 240,
};

/** RFC 9293 3.4.1: "the Maximum Segment Lifetime (MSL) ... is 2 minutes". */
export const DEFAULT_MSL_SECONDS = 120;

export const OS_PRESETS: readonly OsPreset[] = ['rfc', 'linux', 'freebsd', 'macos', 'windows'];

export function isOsPreset(s: string): s is OsPreset {
  return (OS_PRESETS as readonly string[]).includes(s);
}

/**
 * Settings from the user's choices. An explicit `msl` always wins (TIME_WAIT
 * = 2 x msl); otherwise the OS preset gives the TIME_WAIT length and the MSL
 * is half of it; `rfc` without msl is 2 x 120 s.
 */
export function makeSettings(opts: { os?: OsPreset; msl?: number } = {}): Settings {
  const os = opts.os ?? 'rfc';
  if (opts.msl !== undefined) {
    if (!(opts.msl > 0)) throw new RangeError(`msl must be a positive number of seconds, got ${opts.msl}`);
    return { os, msl: opts.msl, timeWaitSeconds: 2 * opts.msl };
  }
  const tw = OS_TIME_WAIT_SECONDS[os];
  if (tw === null) return { os, msl: DEFAULT_MSL_SECONDS, timeWaitSeconds: 2 * DEFAULT_MSL_SECONDS };
  return { os, msl: tw / 2, timeWaitSeconds: tw };
}
