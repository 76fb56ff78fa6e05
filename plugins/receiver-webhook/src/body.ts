import type { IncomingMessage } from 'node:http';
import { arrayItemTexts, asLine, checkEvent, decodeEvent, withText, type FerryEvent } from '@ferry/sdk';

export class BodyTooLarge extends Error {}

/** The client closed the connection before the whole body arrived. */
export class BodyAborted extends Error {}

/**
 * Reads the body, stopping as soon as it passes `limit`: the rest is never read or
 * buffered (the connection is closed after the answer). A declared Content-Length over
 * the limit is refused before reading anything.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void): void => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        request.pause();
        settle(() => reject(new BodyTooLarge()));
      }
    };
    const onEnd = (): void => settle(() => resolve(Buffer.concat(chunks, size)));
    const onError = (error: Error): void => settle(() => reject(error));
    const onClose = (): void => settle(() => reject(new BodyAborted()));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

export type Parsed = { readonly ok: true; readonly events: FerryEvent[] } | { readonly ok: false; readonly problem: string };

/** A Grantex delivery: exactly one event envelope. */
export function parseDelivery(body: Buffer): Parsed {
  const decoded = decodeEvent(body.toString('utf8'));
  return decoded.ok ? { ok: true, events: [decoded.event] } : { ok: false, problem: decoded.problem };
}

/** Generic mode: a JSON event, a JSON array of events, or NDJSON; all or nothing. */
export function parseGeneric(body: Buffer, contentType: string | undefined): Parsed {
  if (contentType?.includes('ndjson') || contentType?.includes('jsonl')) {
    const events: FerryEvent[] = [];
    // Each line decoded from its own bytes: a string of its own, not a slice of the body's.
    for (let start = 0, index = 0; start < body.length; index++) {
      const newline = body.indexOf(0x0a, start);
      const end = newline === -1 ? body.length : newline;
      const line = body.toString('utf8', start, end);
      start = end + 1;
      if (line.trim() === '') continue;
      const decoded = decodeEvent(line);
      if (!decoded.ok) return { ok: false, problem: `line ${index + 1}: ${decoded.problem}` };
      events.push(decoded.event);
    }
    return events.length > 0 ? { ok: true, events } : { ok: false, problem: 'no events in the body' };
  }
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `invalid JSON (${(error as Error).message})` };
  }
  if (!Array.isArray(value)) {
    const problem = checkEvent(value);
    return problem === undefined ? { ok: true, events: [withText(value as FerryEvent, asLine(text))] } : { ok: false, problem };
  }
  if (value.length === 0) return { ok: false, problem: 'no events in the body' };
  // Each item keeps its own text from the body, as a line or a single event would.
  const items = arrayItemTexts(text) as string[];
  const events: FerryEvent[] = [];
  for (const [index, item] of value.entries()) {
    const problem = checkEvent(item);
    if (problem !== undefined) return { ok: false, problem: `event ${index}: ${problem}` };
    events.push(withText(item as FerryEvent, asLine(items[index] as string)));
  }
  return { ok: true, events };
}
