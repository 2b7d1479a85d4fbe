/**
 * Copy detection: submissions of different students that share a capture.
 * - `identical`: the same bytes (sha256);
 * - `same-connections`: the same TCP connection (client and server ISN and
 *   the time of its first frame to the microsecond), as in a pcap re-saved as
 *   pcapng, a filtered or merged copy: two honest students cannot produce it;
 * - `same-isns`: the same ISNs at another time: the same connection captured
 *   on both of its ends (lab partners) or a copy with shifted timestamps.
 * Each group lists the students and files involved, strongest kind first.
 * Submissions are told apart by their place in the batch (`owner`), not by
 * student id: two submissions with the same id (a student who named a file
 * after a classmate) are two parties to a copy like any others.
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
  /** The submission (its index in the batch). */
  owner: number;
  file: string;
  fingerprint: Fingerprint;
}

const RANK: Record<CopyKind, number> = { identical: 0, 'same-connections': 1, 'same-isns': 2 };

/** A group and the submissions (owners) in it, in the order of its `students`. */
export interface OwnedCopyGroup {
  group: CopyGroup;
  owners: number[];
}

export function findCopies(items: readonly CopyInput[]): OwnedCopyGroup[] {
  const student = new Map(items.map((it) => [it.owner, it.student]));
  const buckets = new Map<string, { kind: CopyKind; detail: string; members: Map<number, Set<string>> }>();
  const add = (kind: CopyKind, k: string, detail: string, it: CopyInput): void => {
    const id = `${kind}\0${k}`;
    let b = buckets.get(id);
    if (!b) {
      b = { kind, detail, members: new Map() };
      buckets.set(id, b);
    }
    let files = b.members.get(it.owner);
    if (!files) {
      files = new Set();
      b.members.set(it.owner, files);
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
  const groups = new Map<string, CopyGroup & { extra: number; owners: number[] }>();
  for (const b of buckets.values()) {
    if (b.members.size < 2) continue;
    const owners = [...b.members.keys()].sort((x, y) => collator.compare(student.get(x) ?? '', student.get(y) ?? '') || x - y);
    const students = owners.map((o) => student.get(o) ?? '');
    const files = [...new Set([...b.members.values()].flatMap((s) => [...s]))].sort(collator.compare);
    const id = `${b.kind}\0${owners.join('\0')}`;
    const g = groups.get(id);
    if (g) {
      g.extra++;
      for (const f of files) if (!g.files.includes(f)) g.files.push(f);
    } else groups.set(id, { kind: b.kind, students, owners, files, detail: b.detail, extra: 0 });
  }
  // A weaker group adds nothing when a stronger one already ties the same students.
  const sorted = [...groups.values()].sort((a, b) => RANK[a.kind] - RANK[b.kind] || collator.compare(a.students.join(','), b.students.join(',')));
  const out: OwnedCopyGroup[] = [];
  const covered: Set<number>[] = [];
  for (const g of sorted) {
    if (covered.some((c) => g.owners.every((o) => c.has(o)))) continue;
    covered.push(new Set(g.owners));
    out.push({
      group: {
        kind: g.kind, students: g.students, files: g.files.sort(collator.compare),
        detail: g.extra > 0 ? `${g.detail} (+${g.extra} more)` : g.detail,
      },
      owners: g.owners,
    });
  }
  return out;
}

/** For each submission (owner), the other students it shares a capture with. */
export function copiesByOwner(groups: readonly OwnedCopyGroup[]): Map<number, { students: string[]; kind: CopyKind }[]> {
  const m = new Map<number, { students: string[]; kind: CopyKind }[]>();
  for (const { group: g, owners } of groups) {
    owners.forEach((o, i) => {
      const list = m.get(o) ?? [];
      list.push({ students: g.students.filter((_, j) => j !== i), kind: g.kind });
      m.set(o, list);
    });
  }
  return m;
}
