import { isDeepStrictEqual } from 'node:util';
import type { FerryEvent } from '@ferry/sdk';
import { withoutEnvelope } from './archive.js';

/**
 * What a destination holds, counted by event id against what the source had acknowledged:
 * the events missing (with the contiguous runs they form, in the source's order, since a
 * log bug loses ranges), the extra copies, ids the source never sent, and events whose
 * content differs from what was sent.
 */
export interface Tally {
  readonly expected: number;
  readonly received: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly unexpected: number;
  readonly altered: number;
  /** One line for a failure message: every count, the first runs of missing events, the first altered ids. */
  readonly summary: string;
}

const MAX_RUNS_SHOWN = 5;

function describeRuns(expected: readonly FerryEvent[], isMissing: readonly boolean[]): string {
  const runs: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!isMissing[i] || (i > 0 && isMissing[i - 1])) continue;
    let end = i;
    while (end + 1 < expected.length && isMissing[end + 1]) end++;
    count++;
    if (runs.length < MAX_RUNS_SHOWN) runs.push(`#${i}–#${end} (${end - i + 1} events, ${expected[i]?.id} … ${expected[end]?.id})`);
  }
  if (count === 0) return '';
  return ` in ${count} run${count === 1 ? '' : 's'}: ${runs.join(', ')}${count > runs.length ? ', …' : ''}`;
}

/** Counts `received` (as a destination holds it) against `expected` (in the order the source sent it). */
export function tally(expected: readonly FerryEvent[], received: readonly FerryEvent[], name: string): Tally {
  const byId = new Map<string, FerryEvent>();
  for (const event of expected) byId.set(event.id, event);
  const copies = new Map<string, number>();
  let unexpected = 0;
  const altered: string[] = [];
  for (const event of received) {
    const original = byId.get(event.id);
    if (original === undefined) {
      unexpected++;
      continue;
    }
    const seen = copies.get(event.id) ?? 0;
    copies.set(event.id, seen + 1);
    // Each copy is checked: a retried batch must carry the same bytes as the first attempt.
    if (!isDeepStrictEqual(withoutEnvelope(event), original)) altered.push(event.id);
  }
  const isMissing = expected.map((event) => !copies.has(event.id));
  const missing = isMissing.filter(Boolean).length;
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  const summary =
    `${name}: ${received.length} records for ${expected.length} expected events — ` +
    `missing ${missing}${describeRuns(expected, isMissing)}; duplicates ${duplicates}; unexpected ids ${unexpected}; ` +
    `altered ${altered.length}${altered.length > 0 ? ` (${altered.slice(0, 3).join(', ')}${altered.length > 3 ? ', …' : ''})` : ''}`;
  return { expected: expected.length, received: received.length, missing, duplicates, unexpected, altered: altered.length, summary };
}
