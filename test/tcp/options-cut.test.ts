/**
 * SYNs whose TCP options the snaplen cut (tcpdump -s 54 / -s 66): the window
 * scale they offered is unknown, so a window field is judged as if scaled by
 * up to 2^14 (as when no SYN was captured), not as unscaled; the report says
 * what the capture cannot show (caveat options-cut, options in effect null).
 * Hand-built segments, then the kernel captures (fixtures/captures/snaplen-cut-*).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { NoteKind } from '../../src/tcp/notes.ts';
import { capturesDir } from '../helpers/paths.ts';
import { ACK, IRS, ISS, RST, SYN, Wire, collectingTracker, type SegSpec } from './helpers.ts';

function run(cut: boolean, serverOffers = true): ReturnType<typeof collectingTracker>['done'] {
  const { tracker, done } = collectingTracker();
  const w = new Wire();
  const push = (c: boolean, spec: SegSpec, truncated = false): void => {
    const seg = w.next(c, spec);
    seg.optionsTruncated = truncated;
    tracker.push(seg);
  };
  // Both offered window scale 7 on the wire; the capture may have cut it.
  push(true, { flags: SYN, seq: ISS, window: 64240, wscale: cut ? undefined : 7 }, cut);
  push(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1, window: 65160, wscale: cut || !serverOffers ? undefined : 7 }, cut && serverOffers);
  push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, window: 502 });
  push(false, { flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 1000, window: 502 });
  push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1001, window: 502 });
  // A RST 10000 past the client's RCV.NXT: inside its real window (502 << 7 = 64256), not at RCV.NXT.
  push(false, { flags: RST | ACK, seq: IRS + 11001, ack: ISS + 1, t: 0.5 });
  tracker.finish();
  return done;
}

describe('SYN options cut by the snaplen', () => {
  it('the other SYN, whole, without a window scale option: no scaling, whatever the cut one offered (RFC 7323 2.2)', () => {
    const [c] = run(true, false);
    assert.ok(c.notes.list.some((n) => n.kind === NoteKind.RstOutOfWindow), 'a RST 10000 past RCV.NXT is outside an unscaled 502');
  });

  it('a RST inside the scaled window is judged in the window whether the window scale was captured or cut', () => {
    for (const cut of [false, true]) {
      const [c] = run(cut);
      const kinds = c.notes.list.map((n) => n.kind);
      assert.ok(!kinds.includes(NoteKind.RstOutOfWindow), `cut ${cut}: judged outside the window`);
    }
  });
});

async function reports(name: string): Promise<ConnectionReport[]> {
  const out: ConnectionReport[] = [];
  await analyzeFile(join(capturesDir, name), makeSettings(), (r) => out.push(r), { keepConnections: false });
  return out;
}

describe('the kernel captures (-s 54, -s 66)', () => {
  for (const name of ['snaplen-cut-54.pcap', 'snaplen-cut-66.pcap']) {
    it(`${name}: verdicts as on the whole packets; caveat options-cut for both SYNs; options in effect unknown`, async () => {
      const [r] = await reports(name);
      assert.equal(r.close.kind, 'three-way');
      assert.deepEqual(r.close.finRetransmissions, { client: 1, server: 0 });
      assert.equal(r.timeWait.endpoint, 'client');
      assert.deepEqual(r.caveats.filter((c) => c.code === 'options-cut').map((c) => [c.side, c.frame]), [['client', 1], ['server', 2]]);
      assert.equal(r.analysis.options.windowScaling, null);
      assert.equal(r.analysis.options.timestamps, null);
      assert.equal(r.analysis.options.client?.windowScale, null);
    });
  }
});
