/**
 * Our decoder against tshark 4.0, frame by frame, over the public capture
 * corpus (../shared/corpus beside the clone or $TCPSCOPE_CORPUS, read in
 * place, never copied into the project)
 * over the kernel captures of fixtures/captures and over the hand-built
 * captures of fixtures/handmade (tunnels and link types the kernel here
 * cannot make). Compared per TCP frame:
 * frame number, epoch time to the nanosecond (as a string), wire and captured
 * lengths, addresses, ports, raw seq and ack, flags, payload length. A frame
 * one side has as TCP and the other not is a disagreement too.
 *
 * Every disagreement is fixed or listed in KNOWN_DIFFERENCES with its reason;
 * a listed difference that no longer occurs fails the test as well, so the
 * table stays true.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeStatus } from '../../src/decode/segment.ts';
import { capturesDir, corpusDir, handmadeDir } from '../helpers/paths.ts';
import { compareCapture, formatAgreement, type Comparison, type KnownDifference } from './tshark-tsv.ts';

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    file: 'pcapplusplus__ExamplesTest__pcap_examples__tcp-reassembly.pcap',
    frame: 66,
    status: DecodeStatus.NotTcp,
    reason: 'UDP sFlow datagram (port 6343) whose flow sample quotes an Ethernet/IPv4/TCP header; '
      + 'tshark lists the quoted header (and leaves tcp_len empty), but it is a sample, not a segment on this link',
  },
  {
    file: 'undecoded.pcap',
    frame: 5,
    status: DecodeStatus.Undecoded,
    reason: 'GRE version 2: tshark reads it as version 0; RFC 2784 2.3.1 makes receivers discard it (Linux ip_gre does), '
      + 'so it carries no segment of a connection; counted as an undecoded `gre` encapsulation',
  },
  {
    file: 'undecoded.pcap',
    frame: 9,
    status: DecodeStatus.Undecoded,
    reason: 'VXLAN-GPE carrying NSH (RFC 8300) then IPv4: tshark decodes NSH; tcpscope counts it as an undecoded `vxlan-gpe` encapsulation',
  },
  {
    file: 'undecoded.pcap',
    frame: 12,
    status: DecodeStatus.Undecoded,
    reason: 'thirteen nested IPv4 headers: tcpscope stops after 12 network layers and counts the frame as undecoded `nesting`',
  },
];

function tsvFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.frames.tsv')).sort().map((f) => join(dir, f));
}

function compareFolder(title: string, dir: string, emptyNote: string): void {
  describe(title, () => {
    const files = tsvFiles(dir);
    const results: Comparison[] = [];
    if (files.length === 0) {
      it('has captures to compare', { skip: emptyNote }, () => {});
      return;
    }
    for (const tsv of files) {
      it(tsv.slice(dir.length + 1, -'.frames.tsv'.length), async () => {
        const c = await compareCapture(tsv, KNOWN_DIFFERENCES);
        results.push(c);
        const show = (list: { frame: number; what: string }[]): string =>
          list.slice(0, 20).map((m) => `  frame ${m.frame}: ${m.what}`).join('\n');
        assert.equal(c.unexplained.length, 0, `${c.file}: disagreements with tshark\n${show(c.unexplained)}`);
        assert.deepEqual(c.unusedKnown, [], `${c.file}: KNOWN_DIFFERENCES entries that no longer occur`);
      });
    }
    it('agreement', (t) => {
      for (const line of formatAgreement(results).split('\n')) t.diagnostic(line);
      const compared = results.reduce((s, r) => s + r.compared, 0);
      assert.ok(compared > 0);
    });
  });
}

compareFolder('tshark agreement: public corpus', corpusDir, `no corpus at ${corpusDir} (set TCPSCOPE_CORPUS)`);
compareFolder('tshark agreement: kernel captures (fixtures/captures)', capturesDir,
  'fixtures/captures holds no *.frames.tsv yet (npm run fixtures generates them)');
compareFolder('tshark agreement: hand-built captures (fixtures/handmade)', handmadeDir,
  'fixtures/handmade holds no *.frames.tsv (node fixtures/tools/handmade.mjs writes them)');
