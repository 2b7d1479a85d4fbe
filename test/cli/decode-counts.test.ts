import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, epb, idb, shb } from '../helpers/build.ts';
import { collect } from '../capture/collect.ts';
import { capture, tcpscope } from '../helpers/cli.ts';
import { handmadeDir } from '../helpers/paths.ts';

/**
 * Frames that are not TCP segments are counted and reported, never silently
 * dropped: a pcapng with the real frames of a kernel capture, one of them cut
 * inside its TCP header by the snaplen, and an interface of a link type we do
 * not decode.
 */
describe('frames that are not analysed are counted and reported', () => {
  let dir = '';
  let file = '';
  let frames = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-counts-'));
    const real = collect(new Uint8Array(readFileSync(capture('client-close.pcap')))).frames;
    frames = real.length + 2;
    const blocks = real.map((f, i) => {
      const data = Buffer.from(f.data, 'hex');
      // Frame 3 cut 10 bytes into its TCP header (14 Ethernet + 20 IPv4 + 10).
      return i === 2 ? epb(0, BigInt(i), data.subarray(0, 44), { origLen: data.length }) : epb(0, BigInt(i), data);
    });
    // Two frames on a Bluetooth HCI interface (link type 201).
    const bt = [epb(1, 100n, Buffer.from('0102030405', 'hex')), epb(1, 101n, Buffer.from('0607', 'hex'))];
    file = join(dir, 'mixed.pcapng');
    writeFileSync(file, concat(shb(), idb(1), idb(201), ...blocks, ...bt));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('in the JSON document', async () => {
    const r = await tcpscope(['analyze', '--format', 'json', file]);
    assert.equal(r.code, 0, r.stderr);
    const cap = JSON.parse(r.stdout).captures[0];
    assert.equal(cap.frames, frames);
    assert.equal(cap.tcpSegments, frames - 3);
    assert.deepEqual(cap.decode, {
      notTcp: 0, ipFragments: 0, truncated: 1, malformed: 0, loopbackDuplicates: 0,
      unsupportedLinkTypes: [{ linkType: 201, frames: 2 }], undecodedEncapsulations: [], tunnels: [],
    });
  });

  it('under the table, in English and Chinese', async () => {
    const en = await tcpscope(['analyze', '--lang', 'en', file]);
    assert.match(en.stdout, /not analysed: 1 frame with the TCP header cut by the snaplen, 2 frames of unsupported link type 201/);
    const zh = await tcpscope(['analyze', '--lang', 'zh', file]);
    assert.match(zh.stdout, /未分析：1 帧 TCP 首部被截断（snaplen），2 帧链路类型 201 不支持/);
  });
});

/**
 * Frames that stop at an encapsulation tcpscope recognises but does not
 * decode (ESP, L2TPv3, a compressed PPP datagram, a protected 802.11 frame...)
 * may hold TCP: they are counted per kind, never as "without TCP".
 */
describe('frames in encapsulations tcpscope does not decode are counted per kind', () => {
  const undecoded = join(handmadeDir, 'undecoded.pcap');
  const radiotap = join(handmadeDir, 'radiotap-80211.pcap');

  it('in the JSON document, and the tunnels the TCP came through', async () => {
    const r = await tcpscope(['analyze', '--format', 'json', undecoded, radiotap]);
    assert.equal(r.code, 0, r.stderr);
    const [u, w] = JSON.parse(r.stdout).captures;
    assert.equal(u.tcpSegments, 0);
    assert.equal(u.decode.notTcp, 0);
    assert.deepEqual(u.decode.undecodedEncapsulations, [
      { kind: 'gre', frames: 2 }, { kind: 'ppp', frames: 2 }, { kind: 'l2tpv3', frames: 2 }, { kind: 'mpls', frames: 1 },
      { kind: 'geneve', frames: 1 }, { kind: 'vxlan-gpe', frames: 1 }, { kind: 'erspan', frames: 1 }, { kind: 'gtp-u', frames: 1 },
      { kind: 'esp', frames: 1 }, { kind: 'nesting', frames: 1 },
    ]);
    assert.equal(u.frames, 13);
    // A beacon and a null-data frame carry nothing; the protected frame may carry TCP.
    assert.equal(w.decode.notTcp, 2);
    assert.deepEqual(w.decode.undecodedEncapsulations, [{ kind: 'wlan-protected', frames: 1 }]);
    assert.deepEqual(w.decode.tunnels, []);
  });

  it('under the table, in English and Chinese', async () => {
    const en = await tcpscope(['analyze', '--lang', 'en', radiotap]);
    assert.match(en.stdout, /not analysed: 2 frames without TCP, 1 frame in encapsulations tcpscope does not decode, which may hold TCP \(wlan-protected 1\)/);
    const zh = await tcpscope(['analyze', '--lang', 'zh', radiotap]);
    assert.match(zh.stdout, /未分析：2 帧不含 TCP，1 帧封装未能解码，其中可能含 TCP（wlan-protected 1）/);
  });
});
