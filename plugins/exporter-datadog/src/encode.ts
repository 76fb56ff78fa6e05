import type { Batch } from '@ferry/sdk';
import type { DatadogConfig } from './config.js';

/** The Logs intake's limits: per request and per entry. */
export const LIMITS = { entries: 1000, payloadBytes: 5 * 1024 * 1024, entryBytes: 1024 * 1024 } as const;

export interface Entry {
  /** Index of the event in the batch. */
  readonly index: number;
  /** The entry as JSON text. */
  readonly json: string;
  readonly bytes: number;
}

/**
 * The seed's mapping: `ddsource`, `ddtags` (`type:<event type>` then the extra tags),
 * `hostname`, `service`, and `message` = the event as Ferry archived it. An integrity link
 * travels as the `ferry` attribute, so a monitor can see it.
 */
export function encodeEntries(batch: Batch, config: DatadogConfig): Entry[] {
  const events = batch.events;
  const tagSuffix = config.tags.length > 0 ? `,${config.tags.join(',')}` : '';
  return batch.lines.map((line, index) => {
    const event = events[index];
    const entry: Record<string, unknown> = {
      ddsource: config.source,
      ddtags: `type:${event?.type ?? 'unknown'}${tagSuffix}`,
      hostname: config.hostname,
      service: config.service,
      message: line,
    };
    if (event?.ferry !== undefined) entry.ferry = event.ferry;
    const json = JSON.stringify(entry);
    return { index, json, bytes: Buffer.byteLength(json) };
  });
}

/** Cuts entries into requests within the intake's count and payload limits. */
export function chunk(entries: readonly Entry[]): Entry[][] {
  const chunks: Entry[][] = [];
  let current: Entry[] = [];
  let bytes = 2; // [ ]
  for (const entry of entries) {
    if (current.length > 0 && (current.length >= LIMITS.entries || bytes + entry.bytes + 1 > LIMITS.payloadBytes)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(entry);
    bytes += entry.bytes + 1;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function payload(entries: readonly Entry[]): string {
  return `[${entries.map((e) => e.json).join(',')}]`;
}
