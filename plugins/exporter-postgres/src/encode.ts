import { PermanentError, type Batch, type FerryEvent, type JsonValue } from '@ferry/sdk';
import { auditColumns, type AuditColumns } from './mapping.js';

/** One event as a row of the audit table. */
export interface Row extends AuditColumns {
  readonly index: number;
  readonly eventId: string;
  /** The event's createdAt as ISO-8601 UTC. */
  readonly createdAt: string;
  /** The UTC day of `createdAt` (`2026-03-01`): the partition the row goes to. */
  readonly day: string;
  readonly eventType: string;
  /** The event's JSON text, stored as jsonb. */
  readonly event: string;
  readonly envelopeVersion: number | null;
  readonly chainWriter: string | null;
  readonly chainSeq: number | null;
  readonly chainPrev: string | null;
  readonly chainHash: string | null;
  /** Where the event sits in Ferry's log: which log, which pipeline, which position. */
  readonly logId: string;
  readonly logPipeline: string;
  readonly logSeq: number;
}

export type Encoded = { readonly ok: true; readonly row: Row } | { readonly ok: false; readonly index: number; readonly error: PermanentError };

// An odd run of backslashes before u0000 is an escaped U+0000, which jsonb and text refuse.
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

function link(event: FerryEvent): Pick<Row, 'envelopeVersion' | 'chainWriter' | 'chainSeq' | 'chainPrev' | 'chainHash'> {
  const ferry = event.ferry as { [key: string]: JsonValue } | undefined;
  const isObject = typeof ferry === 'object' && ferry !== null && !Array.isArray(ferry);
  const pick = <T>(key: string, type: 'string' | 'number'): T | null => (isObject && typeof ferry[key] === type ? (ferry[key] as T) : null);
  return { envelopeVersion: pick('v', 'number'), chainWriter: pick('writer', 'string'), chainSeq: pick('seq', 'number'), chainPrev: pick('prev', 'string'), chainHash: pick('hash', 'string') };
}

/** Encodes every event of a batch; an event PostgreSQL could never store is refused for good, with why. */
export function encodeBatch(batch: Batch, logId: string): Encoded[] {
  const lines = batch.lines;
  return batch.events.map((event, index) => {
    const line = lines[index] as string;
    const time = Date.parse(event.createdAt);
    const year = new Date(time).getUTCFullYear();
    if (Number.isNaN(time) || year < 1 || year > 9999) return { ok: false, index, error: new PermanentError(`event ${event.id}: createdAt ${JSON.stringify(event.createdAt)} is not a timestamp of years 1 to 9999, so it has no day partition`) };
    if (NUL_ESCAPE.test(line)) return { ok: false, index, error: new PermanentError(`event ${event.id} contains U+0000, which PostgreSQL's jsonb cannot store`) };
    return {
      ok: true,
      row: {
        index,
        eventId: event.id,
        // The instant, as JavaScript read it (PostgreSQL might read an odd format otherwise); the text stays in `event`.
        createdAt: new Date(time).toISOString(),
        day: new Date(time).toISOString().slice(0, 10),
        eventType: event.type,
        event: line,
        ...auditColumns(event),
        ...link(event),
        logId,
        logPipeline: batch.pipeline,
        logSeq: batch.seq(index),
      },
    };
  });
}
