/**
 * Copy detection: submissions of different students that share a capture.
 * - `identical`: the same bytes (sha256);
 * - `same-connections`: the same TCP connection (client and server ISN and
 *   the time of its first frame to the microsecond), as in a pcap re-saved as
 *   pcapng, a filtered or merged copy: two honest students cannot produce it;
 * - `same-isns`: the same ISNs at another time: the same connection captured
 *   on both of its ends (lab partners) or a copy with shifted timestamps.
 * Each group lists the students and files involved, strongest kind first.
 */
import { collator } from '../capture/files.ts';
import type { Fingerprint } from './types.ts';

export type CopyKind = 'identical' | 'same-connections' | 'same-isns';

export interface CopyGroup {
  kind: CopyKind;
  students: string[];
  files: string[];
  /** What they share: the sha256, or the ISNs (and time) of the first shared connection. */
  detail: string;
}

export interface CopyInput {
  student: string;
  file: string;
  fingerprint: Fingerprint;
}

const RANK: Record<CopyKind, number> = { identical: 0, 'same-connections': 1, 'same-isns': 2 };

export function findCopies(items: readonly CopyInput[]): CopyGroup[] {
  const buckets = new Map<string, { kind: CopyKind; detail: string; members: Map<string, Set<string>> }>();
  const add = (kind: CopyKind, k: string, detail: string, it: CopyInput): void => {
    const id = `${kind}\0${k}`;
    let b = buckets.get(id);
    if (!b) {
      b = { kind, detail, members: new Map() };
      buckets.set(id, b);
    }
    let files = b.members.get(it.student);
    if (!files) {
      files = new Set();
      b.members.set(it.student, files);
    }
    files.add(it.file);
  };
  for (const it of items) {
    if (it.fingerprint.size === 0) continue;
    add('identical', it.fingerprint.sha256, `sha256 ${it.fingerprint.sha256.slice(0, 16)}…`, it);
    for (const c of it.fingerprint.connections) {
      add('same-connections', c.key, c.key, it);
      add('same-isns', c.isns, c.isns, it);
    }
  }
  // Merge buckets with the same kind and the same students (one group per pair of captures, not per connection).
  const groups = new Map<string, CopyGroup & { extra: number }>();
  for (const b of buckets.values()) {
    if (b.members.size < 2) continue;
    const students = [...b.members.keys()].sort(collator.compare);
    const files = [...new Set([...b.members.values()].flatMap((s) => [...s]))].sort(collator.compare);
    const id = `${b.kind}\0${students.join('\0')}`;
    const g = groups.get(id);
    if (g) {
      g.extra++;
      for (const f of files) if (!g.files.includes(f)) g.files.push(f);
    } else groups.set(id, { kind: b.kind, students, files, detail: b.detail, extra: 0 });
  }
  // A weaker group adds nothing when a stronger one already ties the same students.
  const sorted = [...groups.values()].sort((a, b) => RANK[a.kind] - RANK[b.kind] || collator.compare(a.students.join(','), b.students.join(',')));
  const out: CopyGroup[] = [];
  const covered: Set<string>[] = [];
  for (const g of sorted) {
    if (covered.some((c) => g.students.every((s) => c.has(s)))) continue;
    covered.push(new Set(g.students));
    out.push({
      kind: g.kind, students: g.students, files: g.files.sort(collator.compare),
      detail: g.extra > 0 ? `${g.detail} (+${g.extra} more)` : g.detail,
    });
  }
  return out;
}

/** For each student, the other students they share a capture with. */
export function copiesByStudent(groups: readonly CopyGroup[]): Map<string, { students: string[]; kind: CopyKind }[]> {
  const m = new Map<string, { students: string[]; kind: CopyKind }[]>();
  for (const g of groups) {
    for (const s of g.students) {
      const list = m.get(s) ?? [];
      list.push({ students: g.students.filter((x) => x !== s), kind: g.kind });
      m.set(s, list);
    }
  }
  return m;
}
