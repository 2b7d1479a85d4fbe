/**
 * Rubric validation (every mistake with its path), the built-in rubrics, and
 * the checks on hand-made connection reports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkAnswers, parseAnswers, parseCsv, parseSeconds } from '../../src/grade/answers.ts';
import { studentId } from '../../src/grade/collect.ts';
import { evaluate, handshakeFact } from '../../src/grade/checks.ts';
import { gradeCapture } from '../../src/grade/evaluate.ts';
import { allGradeMessages, factText } from '../../src/grade/i18n.ts';
import { loadRubric, parseRubric, parseRubricText, RubricError } from '../../src/grade/rubric.ts';
import { BUILTIN_RUBRICS } from '../../src/grade/rubrics/index.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { fixture } from './class.ts';

function problems(doc: unknown): string[] {
  try {
    parseRubric(doc, 'r.json');
  } catch (e) {
    assert.ok(e instanceof RubricError);
    return e.problems;
  }
  assert.fail('expected a RubricError');
}

const ok = { id: 'a', points: 1, description: 'x', check: { close: 'four-way' } };

describe('rubric validation', () => {
  it('accepts the built-in rubrics', async () => {
    for (const name of Object.keys(BUILTIN_RUBRICS)) {
      const r = await loadRubric(name);
      assert.equal(r.name, name);
      assert.equal(r.criteria.reduce((s, c) => s + c.points, 0), 10);
      for (const c of r.criteria) assert.ok(c.description.en && c.description.zh, c.id);
    }
  });

  it('names every mistake with its path', () => {
    assert.deepEqual(problems({
      nmae: 'x',
      os: 'linuz',
      criteria: [
        { id: 'a', pionts: 2, description: { en: 'x', fr: 'y' }, check: { close: 'fourway' } },
        { id: 'a', points: '2', description: 'x', check: { all: [{ handshake: 'three-way' }, { reset: 'maybe' }, { port: 70000 }] } },
        { id: 'c d', points: 1, description: 'x', connection: { filter: 'port', pick: 'some' }, check: { timeWait: 'active-closer', close: 'open' } },
        { id: 'e', points: 1, description: 'x', check: { states: { side: 'active', sequence: ['FIN-WAIT-1', 'TIME_WAIT', 'WAITING'] } } },
        { id: 'f', points: 1, description: 'x', check: { capturedBetween: { from: '2025-03-14', to: 'tuesday' } } },
        { id: 'g', points: 1, description: 'x', check: { hosts: '10.0.0.0/8' } },
        { id: 'h', points: 1, description: 'x', check: { not: { serverHost: '10.0.0.0/33' } } },
        'criterion',
      ],
    }), [
      "nmae: unknown field (did you mean 'name'?); expected name, title, os, msl, damaged, connection, criteria",
      "os: expected one of rfc, linux, freebsd, macos, windows, got the string 'linuz'",
      "criteria[0].pionts: unknown field (did you mean 'points'?); expected id, points, description, connection, check",
      'criteria[0].points: expected a number >= 0, got nothing',
      'criteria[0].description.fr: unknown field; expected en, zh',
      "criteria[0].check.close: 'fourway' is not a close kind (did you mean 'four-way'?); expected one of four-way, three-way, simultaneous, reset-after-fin, reset, refused, incomplete, never-opened, open",
      "criteria[1].id: 'a' is already the id of criteria[0]",
      "criteria[1].points: expected a number >= 0, got the string '2'",
      "criteria[1].check.all[1].reset: 'maybe' is not a reset cause (or true/false); expected one of refused, handshake-aborted, data-after-close, keepalive-timeout, unread-data, abort, after-time-wait, no-connection, other",
      'criteria[1].check.all[2].port: expected a port number 0-65535, got number 70000',
      "criteria[2].id: 'c d': use letters, digits, '-', '_' and '.' only (it is a column name)",
      "criteria[2].connection.pick: 'some' is not a connection choice; expected one of best, any, every",
      'criteria[2].check: a check has exactly one key, got timeWait, close (combine them with all: [...])',
      "criteria[3].check.states.side: 'active' is not a side; expected one of client, server, active-closer, passive-closer",
      "criteria[3].check.states.sequence[2]: 'WAITING' is not a state name; expected one of CLOSED, LISTEN, SYN_SENT, SYN_RCVD, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT",
      "criteria[4].check.capturedBetween.to: expected a date or time (2025-03-14, 2025-03-14T09:00:00+08:00), got the string 'tuesday'",
      "criteria[5].check.hosts: unknown check (did you mean 'host'?); expected one of all, any, not, handshake, close, activeCloser, timeWait, timeWaitVerdict, finRetransmissions, synRetransmissions, halfClose, reset, port, clientPort, serverPort, host, clientHost, serverHost, capturedBetween, finalState, states, reuse, closeAcks, filter",
      'criteria[6].check.not.serverHost: expected an IPv4 or IPv6 address or prefix (192.0.2.1, 10.0.0.0/8, 2001:db8::/32), got the string \'10.0.0.0/33\'',
      'criteria[7]: expected a criterion {id, points, description, connection, check}, got the string \'criterion\'',
    ]);
  });

  it('reports a bad filter expression where it is', () => {
    const p = problems({ criteria: [{ ...ok, connection: { filter: 'port eighty' } }] });
    assert.equal(p.length, 1);
    assert.match(p[0], /^criteria\[0\]\.connection\.filter: bad filter expression: /);
  });

  it('needs criteria, and says when a file is neither a rubric file nor a built-in', async () => {
    assert.deepEqual(problems({ name: 'x' }), ['criteria: expected a non-empty list of criteria, got nothing']);
    await assert.rejects(loadRubric('/nonexistent/rubric.json'), (e: unknown) => e instanceof RubricError && /not a built-in rubric \(built-in: lifecycle-lab, timewait-lab\)/.test(e.message));
    await assert.rejects(loadRubric('constructor'), RubricError);
  });

  it('reads JSON text, and YAML when the yaml package is there', async () => {
    const r = await parseRubricText(JSON.stringify({ name: 'j', criteria: [ok] }), 'r.json', false);
    assert.deepEqual(r.criteria[0], { id: 'a', points: 1, description: { en: 'x', zh: 'x' }, select: { pick: 'best', filter: null }, check: { close: ['four-way'] } });
    await assert.rejects(parseRubricText('{"criteria": [', 'r.json', false), /not valid JSON/);
    const yaml = 'name: y\nos: rfc\ncriteria:\n  - id: close\n    points: 2\n    description: {en: Closed, zh: 关闭}\n    connection: {filter: "port 5000", pick: any}\n    check: {close: [four-way, three-way]}\n';
    let haveYaml = true;
    try {
      await import('yaml' as string);
    } catch {
      haveYaml = false;
    }
    if (haveYaml) {
      const y = await parseRubricText(yaml, 'r.yaml', true);
      assert.deepEqual(y.criteria[0].select, { pick: 'any', filter: 'port 5000' });
      assert.equal(y.os, 'rfc');
    } else {
      await assert.rejects(parseRubricText(yaml, 'r.yaml', true), /YAML rubrics need the 'yaml' package/);
    }
  });

  it('loads a rubric file', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tcpscope-rubric-'));
    try {
      writeFileSync(join(d, 'r.json'), JSON.stringify({ criteria: [ok, { id: 'b', pionts: 1, description: 'x', check: { reset: false } }] }));
      await assert.rejects(loadRubric(join(d, 'r.json')), (e: unknown) => e instanceof RubricError && e.problems.length === 2);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('has every message in both languages', () => {
    for (const [k, v] of Object.entries(allGradeMessages())) assert.ok(v.en && v.zh, k);
  });
});

describe('checks', () => {
  let conns: ConnectionReport[] = [];
  const get = async (scenario: string): Promise<ConnectionReport[]> => (await analyzeFile(fixture(scenario), makeSettings({ os: 'linux' }))).connections;

  it('combines checks with all, any, not and picks connections', async () => {
    conns = await get('timewait-reuse');
    const [c0, c1] = conns;
    assert.equal(evaluate({ all: [{ handshake: ['three-way'] }, { close: ['three-way'] }] }, c0).pass, true);
    assert.equal(evaluate({ any: [{ reset: true }, { activeCloser: ['server'] }] }, c0).pass, true);
    assert.equal(evaluate({ not: { reuse: true } }, c0).pass, true);
    assert.equal(evaluate({ reuse: true }, c1).pass, true);
    assert.equal(evaluate({ timeWait: ['active-closer'] }, c0).pass, true);
    assert.equal(evaluate({ timeWait: ['passive-closer'] }, c0).pass, false);
    assert.equal(evaluate({ serverPort: [80, 443] }, c0).pass, false);
    assert.equal(evaluate({ port: [5000] }, c0).pass, true);
    assert.equal(evaluate({ host: ['192.0.2.0/24'] }, c0).pass, true);
    assert.equal(evaluate({ clientHost: ['2001:db8::/32'] }, c0).pass, false);
    assert.equal(evaluate({ finalState: { 'active-closer': ['CLOSED'] } }, c0).pass, true);
    assert.equal(evaluate({ filter: 'closed-by server' }, c0).pass, true);
    const day = c0.firstTime.slice(0, 10);
    assert.equal(evaluate({ capturedBetween: { from: day, to: day } }, c0).pass, true);
    assert.equal(evaluate({ capturedBetween: { from: null, to: '2000-01-01' } }, c0).pass, false);

    const rubric = parseRubric({
      criteria: [
        { id: 'web', points: 1, description: 'x', connection: { filter: 'port 80 or port 443' }, check: { close: 'four-way' } },
        { id: 'every', points: 1, description: 'x', connection: 'every', check: { timeWait: 'active-closer' } },
        { id: 'any-reuse', points: 1, description: 'x', connection: 'any', check: { reuse: true } },
        { id: 'best-closed-by-client', points: 1, description: 'x', check: { activeCloser: 'client' } },
      ],
    });
    const g = gradeCapture(rubric, { connections: conns, frames: 20, tcpSegments: 20 });
    assert.deepEqual(g.criteria.map((c) => [c.id, c.pass, c.stream]), [['web', false, null], ['every', true, 1], ['any-reuse', true, 1], ['best-closed-by-client', true, 1]]);
    assert.deepEqual(g.criteria[0].facts, [{ key: 'noMatch', params: { filter: 'port 80 or port 443', n: 2, list: '0 192.0.2.1:40000 → 192.0.2.2:5000; 1 192.0.2.1:40000 → 192.0.2.2:5000' } }]);
    assert.equal(g.stream, 1);
    const none = gradeCapture(rubric, { connections: [], frames: 3, tcpSegments: 0 });
    assert.deepEqual(none.criteria[1].facts, [{ key: 'noConnection', params: { frames: 3, segments: 0 } }]);
  });

  it('says which ICMP error rejected the handshake: the SYN\'s, or the SYN+ACK\'s (the server dropped its half-open connection)', async () => {
    const [v4] = await get('icmp-reject');
    assert.deepEqual(handshakeFact(v4), { key: 'hs.rejected-icmp', params: { syn: 1, icmp: 2, message: 'destination unreachable (port unreachable)', from: '192.0.2.2' } });
    const [, host, six] = await get('icmp-reject-synack');
    assert.deepEqual(handshakeFact(host), { key: 'hs.rejected-icmp-synack', params: { syn: 9, icmp: 14, message: 'destination unreachable (host unreachable)', from: '192.0.2.1', synack: 10 } });
    assert.equal(factText('en', handshakeFact(six)), 'the SYN+ACK answering the SYN at frame 15 (frame 16) did not reach the client: ICMP destination unreachable (port unreachable) from 2001:db8::1 at frame 20 quoted it, and the server dropped its half-open connection (it sent nothing of it after)');
    assert.match(factText('zh', handshakeFact(six)), /第 20 帧来自 2001:db8::1 的 ICMP/);
  });

  it('counts retransmitted FINs and data in CLOSE_WAIT', async () => {
    const [lost] = await get('lost-fin');
    assert.equal(evaluate({ finRetransmissions: { min: 1 } }, lost).pass, true);
    assert.equal(evaluate({ finRetransmissions: { min: 1, side: 'passive-closer' } }, lost).pass, false);
    const [half] = await get('half-close');
    assert.equal(evaluate({ halfClose: 'passive-closer' }, half).pass, true);
    assert.equal(evaluate({ halfClose: false }, half).pass, false);
  });
});

describe('answers and names', () => {
  it('parses CSV with quotes, BOM, semicolons', () => {
    assert.deepEqual(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\n'), [['a', 'b'], ['x, y', 'say "hi"']]);
    assert.deepEqual(parseCsv('a;b\n1;2\n'), [['a', 'b'], ['1', '2']]);
  });

  it('rejects unknown columns and duplicate students', () => {
    assert.throws(() => parseAnswers('student,actve_closer\ns1,client\ns1,server\n', 'a.csv'), (e: Error) =>
      e.message.includes("column 2 'actve_closer': unknown") && e.message.includes("line 3: student 's1' already answered on line 2"));
    assert.throws(() => parseAnswers('name,x\n', 'a.csv'), /no student column/);
  });

  it('reads durations and student ids', () => {
    assert.equal(parseSeconds('60'), 60);
    assert.equal(parseSeconds('1 min'), 60);
    assert.equal(parseSeconds('500ms'), 0.5);
    assert.equal(parseSeconds('60秒'), 60);
    assert.equal(parseSeconds('a minute'), null);
    assert.equal(studentId('s2024001_lab3.pcapng.gz', null), 's2024001_lab3');
    assert.equal(studentId('s2024001_lab3.pcapng.gz', /^(s\d+)/), 's2024001');
    assert.equal(studentId('.pcap', null), '.pcap');
  });

  it('marks answers without a capture as unknown', () => {
    const row = parseAnswers('student,x,close\ns1,1,four-way\n', 'a.csv').get('s1');
    assert.ok(row);
    assert.deepEqual(checkAnswers(row, null, { os: 'linux', msl: 30 }).map((a) => [a.field, a.right]), [['x', null], ['close', null]]);
  });
});
