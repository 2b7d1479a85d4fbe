/** What the tests that capture live (test/live/capture.test.ts, replay.test.ts) need of this machine. */
import type { BackendName } from '../../src/live/backend.ts';
import { loadCap } from '../../src/live/capmod.ts';
import { tcpdumpPath } from '../../src/live/tcpdump.ts';

/** Why `backend` cannot capture here (null: it can). */
export function backendMissing(backend: BackendName): string | null {
  if (process.platform !== 'linux') return 'live capture is tested on Linux';
  if (process.getuid?.() !== 0) return 'capturing needs root (run the tests with sudo, or in CI)';
  if (backend === 'tcpdump' && tcpdumpPath() === null) return 'tcpdump is not on the PATH (apt-get install tcpdump)';
  if (backend === 'cap') {
    try {
      loadCap();
    } catch (e) {
      return (e as Error).message;
    }
  }
  return null;
}

/** The options of a suite that needs what `why` says is missing: in CI a failure, elsewhere a skip with the reason. */
export function skipUnless(suite: string, why: string | null): { skip: string | false } {
  if (why === null) return { skip: false };
  if (process.env.CI) throw new Error(`${suite} tests cannot run in CI: ${why}`);
  return { skip: `${suite}: ${why}` };
}
