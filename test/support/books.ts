import { expect } from 'vitest';
import type { FerryProcess } from './ferry-process.js';

/** One exporter's books as a stopped `ferry run` logged them (see the README: "The books"). */
export interface LoggedBooks {
  readonly pipeline: string;
  readonly exporter: string;
  readonly books: 'balanced' | 'unbalanced';
  readonly resumed: number;
  readonly accepted: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly lost: number;
  readonly queued: number;
}

/** The books every exporter logged when the run stopped (JSON log lines on stderr). */
export function loggedBooks(run: FerryProcess): LoggedBooks[] {
  const found: LoggedBooks[] = [];
  for (const text of run.stderr().split('\n')) {
    // A live progress line may precede a log line on the same row (it is redrawn with \r).
    const line = text.slice(text.indexOf('{"level"'));
    if (!text.includes('{"level"') || !line.includes('"books"')) continue;
    const entry = JSON.parse(line) as Partial<LoggedBooks>;
    if (entry.books === 'balanced' || entry.books === 'unbalanced') found.push(entry as LoggedBooks);
  }
  return found;
}

/**
 * Checks what a stopped run logged: a line of books per exporter (one per pipeline it
 * serves), each with resumed + accepted = delivered + dead-lettered + lost + queued.
 */
export function expectBooksBalanced(run: FerryProcess, exporters: readonly string[]): LoggedBooks[] {
  const books = loggedBooks(run);
  expect(books.map((b) => b.exporter).sort(), `books logged at shutdown\n${run.stderr().slice(-4000)}`).toEqual([...exporters].sort());
  for (const b of books) {
    expect(b.books, `books of ${b.exporter}: ${JSON.stringify(b)}`).toBe('balanced');
    expect(b.resumed + b.accepted, `books of ${b.exporter}: ${JSON.stringify(b)}`).toBe(b.delivered + b.deadLettered + b.lost + b.queued);
  }
  return books;
}
