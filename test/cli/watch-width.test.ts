/**
 * `tcpscope watch-timewait`'s table in English and Chinese, fitted to 80 and
 * 120 columns: long IPv6 addresses are shortened in their middle, their
 * ports kept; the count is plural-aware. And `tcpscope interfaces`' lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interfacesTable, watchTable } from '../../src/cli/live-action.ts';
import type { KernelTimeWaitRecord } from '../../src/live/kernel.ts';
import { displayWidth } from '../../src/render/text.ts';

const now = 1_000_000;
function rec(localIp: string, localPort: number, remoteIp: string, remotePort: number, restarts = 0): KernelTimeWaitRecord {
  return {
    localIp, localPort, remoteIp, remotePort, firstSeenMs: now - 2000, remainingAtFirstSeen: 58, enteredMs: now - 4000,
    lastSeenMs: now, lastRemaining: 56, leftMs: null, endedEarly: false, measuredSeconds: null, totalSeconds: null,
    restarts: Array.from({ length: restarts }, (_, i) => ({ atMs: now - 1000 + i, remainingBefore: 50, remainingAfter: 60 })),
  } as KernelTimeWaitRecord;
}

const long = [
  rec('2001:db8:1234:5678:9abc:def0:1234:5678', 65535, '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', 443, 2),
  rec('127.0.0.1', 40000, '127.0.0.1', 8080),
];

describe('watch-timewait table', () => {
  for (const lang of ['en', 'zh'] as const) {
    for (const width of [80, 120]) {
      it(`fits ${width} columns (${lang}), ports kept, addresses shortened only as needed`, () => {
        const text = watchTable(long, now, lang, width);
        const lines = text.trimEnd().split('\n');
        for (const l of lines) assert.ok(displayWidth(l) <= width, `${displayWidth(l)} > ${width}: ${l}`);
        assert.match(lines[2], /^\[2001:d\S*…\S*\]:65535 +\[2001:d\S*\]:443 /);
        assert.match(lines[3], /^127\.0\.0\.1:40000 +127\.0\.0\.1:8080 /);
        assert.match(lines[2], / 2$/, 'restarts');
        assert.equal(lines[0], lang === 'zh' ? '2 个套接字处于 TIME_WAIT' : '2 sockets in TIME_WAIT');
      });
    }
  }

  it('whole addresses where they fit (160 columns) and without a width; one socket is "1 socket"', () => {
    assert.ok(watchTable(long, now, 'en', 160).includes('[2001:db8:1234:5678:9abc:def0:1234:5678]:65535'));
    const text = watchTable(long.slice(0, 1), now);
    assert.ok(text.startsWith('1 socket in TIME_WAIT\n'), text);
    assert.ok(text.includes('[2001:db8:1234:5678:9abc:def0:1234:5678]:65535'), text);
    assert.ok(text.includes('[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:443'), text);
  });
});

describe('interfaces list', () => {
  const devices = [
    { name: 'eth0', description: '', loopback: false, addresses: ['192.0.2.2', 'fd00::2', 'fe80::fc:ff:fe00:1', '2001:db8:1234:5678:9abc:def0:1234:5678'] },
    { name: 'lo', description: '', loopback: true, addresses: ['127.0.0.1', '::1'] },
    { name: 'a-very-long-device-name-0', description: 'Pseudo-device that captures on all interfaces', loopback: false, addresses: [] },
  ];
  for (const lang of ['en', 'zh'] as const) {
    for (const width of [40, 80]) {
      it(`wraps descriptions and addresses in their column at ${width} columns (${lang})`, () => {
        const lines = interfacesTable(devices, lang, width).trimEnd().split('\n');
        for (const l of lines) assert.ok(displayWidth(l) <= width, `${displayWidth(l)} > ${width}: ${l}`);
        assert.ok(lines[0].startsWith('eth0  '), lines[0]);
        const text = lines.join('\n');
        // An address wider than its column is cut, never lost.
        for (const a of devices[0].addresses) assert.ok(text.replace(/\s+/g, '').includes(a), a);
        assert.ok(text.includes(lang === 'zh' ? '环回接口' : 'loopback'), text);
        // Continuation lines start in the column of the descriptions, never at the left edge.
        for (const l of lines.slice(1)) if (!/^(lo|a-very)/.test(l)) assert.match(l, /^ {6,}\S/, l);
      });
    }
  }
  it('whole lines without a width', () => {
    assert.equal(interfacesTable(devices.slice(0, 2), 'en', null),
      'eth0  192.0.2.2, fd00::2, fe80::fc:ff:fe00:1, 2001:db8:1234:5678:9abc:def0:1234:5678\nlo    loopback  127.0.0.1, ::1\n');
  });
});
