import { deadLetterFiles, readDeadLetters } from './store.js';

export interface DeadLetterSummary {
  readonly exporter: string;
  readonly events: number;
  readonly oldest: string | undefined;
  readonly newest: string | undefined;
  /** Why, with how many events each. */
  readonly reasons: ReadonlyArray<{ readonly reason: string; readonly events: number }>;
  readonly pipelines: readonly string[];
  /** Left over from an interrupted replay; replayed again by the next `ferry dlq replay`. */
  readonly replaying: boolean;
  /** Lines that cannot be read (not counted in `events`); a replay keeps them in `unreadableFile`. */
  readonly unreadable: number;
}

/** What `ferry dlq list` shows: per exporter, how many events, why, and since when. */
export async function summarizeDeadLetters(storageDirectory: string): Promise<DeadLetterSummary[]> {
  const summaries: DeadLetterSummary[] = [];
  for (const file of await deadLetterFiles(storageDirectory)) {
    let events = 0;
    let oldest: string | undefined;
    let newest: string | undefined;
    let exporter = file.exporter;
    const reasons = new Map<string, number>();
    const pipelines = new Set<string>();
    let unreadable = 0;
    for await (const entry of readDeadLetters(file.path, () => unreadable++)) {
      events++;
      exporter = entry.exporter;
      if (oldest === undefined || entry.at < oldest) oldest = entry.at;
      if (newest === undefined || entry.at > newest) newest = entry.at;
      reasons.set(entry.reason, (reasons.get(entry.reason) ?? 0) + 1);
      pipelines.add(entry.pipeline);
    }
    if (events === 0 && unreadable === 0) continue;
    summaries.push({
      exporter,
      events,
      oldest,
      newest,
      reasons: [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, events: count })),
      pipelines: [...pipelines],
      replaying: file.replaying,
      unreadable,
    });
  }
  return summaries;
}
