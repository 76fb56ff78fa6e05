/**
 * The decoder cuts each chunk at its last line feed and holds the rest for the next one;
 * whatever the cut, it must hand out exactly the messages the SSE library finds in the
 * whole stream at once, each with the chunk that completes it. Model-based: random streams (events with multi-byte text, several
 * `data` lines, ids, comments, `retry`, LF / CRLF / CR line ends), cut into random chunks —
 * a chunk boundary inside a UTF-8 character or between CR and LF included.
 * Replay a failure with FERRY_SSE_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { SseDecoder } from './stream.js';

const SEED = Number(process.env.FERRY_SSE_SEED ?? Date.now() % 2 ** 31);
const MAX_EVENT_BYTES = 4096;

/** The library fed every chunk as text as it comes (what the decoder did before it cut chunks at line ends). */
function chunkByChunk() {
  const messages: EventSourceMessage[] = [];
  const text = new TextDecoder('utf-8');
  const parser = createParser({ onEvent: (m) => messages.push(m) });
  return { messages, feed: (chunk: Uint8Array) => parser.feed(text.decode(chunk, { stream: true })) };
}

/** What eventsource-parser makes of the whole stream in one piece: the reference. */
function reference(text: string): { messages: EventSourceMessage[]; retryMs: number | undefined } {
  const messages: EventSourceMessage[] = [];
  let retryMs: number | undefined;
  const parser = createParser({ onEvent: (m) => messages.push(m), onRetry: (ms) => (retryMs = ms) });
  parser.feed(text);
  return { messages, retryMs };
}

const value = fc.string({ unit: fc.constantFrom('a', 'Z', '9', '{', '"', ':', ' ', 'é', '東', '🚀', '\u2028'), maxLength: 40 });
const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
const block = fc.record({
  id: fc.option(fc.stringMatching(/^[a-z0-9_]{1,12}$/), { nil: undefined }),
  data: fc.array(value, { minLength: 1, maxLength: 3 }),
  comment: fc.boolean(),
  retry: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
});
const stream = fc.tuple(fc.array(block, { maxLength: 30 }), lineEnd).map(([blocks, end]) =>
  blocks
    .map((b) => [...(b.comment ? [': keep-alive'] : []), ...(b.retry === undefined ? [] : [`retry: ${b.retry}`]), ...(b.id === undefined ? [] : [`id: ${b.id}`]), ...b.data.map((d) => `data: ${d}`)].join(end) + end + end)
    .join(''),
);

describe('SseDecoder', () => {
  it(`hands out the library's messages for the whole stream, however the bytes are cut into chunks (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(stream, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 200 }), (text, sizes) => {
        const bytes = Buffer.from(text, 'utf8');
        const decoder = new SseDecoder(MAX_EVENT_BYTES);
        const got: EventSourceMessage[] = [];
        const plain = chunkByChunk();
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const size = sizes[i % sizes.length] as number;
          const chunk = new Uint8Array(bytes.subarray(at, at + size));
          const { messages, oversized } = decoder.feed(chunk);
          expect(oversized).toBe(false);
          got.push(...messages);
          // No later than before: each message comes out with the chunk that completes it.
          plain.feed(chunk);
          expect(got).toEqual(plain.messages);
          at += size;
        }
        const expected = reference(text);
        expect(got).toEqual(expected.messages);
        expect(decoder.retryMs).toBe(expected.retryMs);
        expect(decoder.lastEventId).toBe(expected.messages.findLast((m) => m.id !== undefined)?.id);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('counts a line longer than maxEventBytes as oversized when it never ends, in chunks with no line feed, and reads on after it', () => {
    const decoder = new SseDecoder(1024);
    let oversized = false;
    for (let i = 0; i < 40 && !oversized; i++) oversized = decoder.feed(Buffer.from(`${i === 0 ? 'data: ' : ''}${'x'.repeat(100)}`)).oversized;
    expect(oversized).toBe(true);
    // The rest of the long line and what follows: the next whole event comes through.
    const after = decoder.feed(Buffer.from(`${'x'.repeat(50)}\n\ndata: {"id":"evt_after"}\n\n`));
    expect(after.messages.map((m) => m.data)).toContain('{"id":"evt_after"}');
  });
});
