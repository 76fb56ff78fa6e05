/**
 * An exporter's books for this run: every event it had queued at start or that was
 * accepted since ends in exactly one of the other four terms, so
 * `resumed + accepted = delivered + deadLettered + lost + queued` at all times.
 */
export interface Books {
  /** Queued for it when this run began (from an earlier run, with storage). */
  readonly resumed: number;
  readonly accepted: number;
  readonly delivered: number;
  readonly deadLettered: number;
  /** Passed because damage on disk destroyed them (each range reported). */
  readonly lost: number;
  /** Not finished: waiting, being sent, or retrying. */
  readonly queued: number;
}

export function booksBalance(books: Books): boolean {
  return books.resumed + books.accepted === books.delivered + books.deadLettered + books.lost + books.queued;
}
