import type { Batch } from '@ferry/sdk';
import type { HttpConfig } from './config.js';

/** One event of a batch, as it goes into a body. */
export interface Item {
  /** Index of the event in the batch. */
  readonly index: number;
  /** The event's stored text: the exact line Ferry archived. */
  readonly line: string;
}

export const CONTENT_TYPES = { json: 'application/json', ndjson: 'application/x-ndjson' } as const;

export function itemsOf(batch: Batch): Item[] {
  return batch.lines.map((line, index) => ({ index, line }));
}

/**
 * The request body, built from the stored texts, never from decoded events: integers
 * beyond 2^53, key order and escapes reach the receiver as the source sent them.
 */
export function body(items: readonly Item[], format: HttpConfig['format']): Buffer {
  if (format === 'ndjson') return Buffer.from(items.map((item) => `${item.line}\n`).join(''));
  return Buffer.from(`[${items.map((item) => item.line).join(',')}]`);
}
