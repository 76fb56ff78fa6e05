import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

/**
 * Turns the bytes of one SSE response into messages, chunk by chunk: UTF-8 decoded in
 * streaming mode (a character split across chunks is kept whole), parsed by
 * eventsource-parser (LF, CRLF and CR, multi-line data, comments, id, retry), whose
 * `maxBufferSize` bounds what one event may buffer.
 */
export class SseDecoder {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #parser: EventSourceParser;
  #pending: EventSourceMessage[] = [];
  #oversized = false;
  retryMs: number | undefined;
  lastEventId: string | undefined;

  constructor(maxEventBytes: number) {
    this.#parser = createParser({
      maxBufferSize: maxEventBytes,
      onEvent: (message) => {
        if (message.id !== undefined) this.lastEventId = message.id;
        this.#pending.push(message);
      },
      onRetry: (ms) => {
        this.retryMs = ms;
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.#oversized = true;
      },
    });
  }

  /** Feeds one network chunk; returns the messages it completed and whether an oversized event was dropped. */
  feed(chunk: Uint8Array): { messages: EventSourceMessage[]; oversized: boolean } {
    this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
    const oversized = this.#oversized;
    if (oversized) {
      // The parser stops at an oversized event; start afresh (the rest of it decodes as malformed).
      this.#parser.reset({ consume: false });
      this.#oversized = false;
    }
    const messages = this.#pending;
    this.#pending = [];
    for (const message of messages) message.data = ownText(message.data);
    return { messages, oversized };
  }
}

/**
 * The text as a string of its own. The parser's `data` is a slice of the decoded chunk: it
 * keeps the whole chunk alive for as long as the event is kept (the memory log holds it
 * until every exporter is done), and a chunk with one character beyond Latin-1 anywhere
 * is a two-byte string, so every event cut from it is too: twice the memory, and slower
 * to parse, hash and encode. Re-decoding the event's own UTF-8 gives a compact string (one
 * byte per character when it allows), for less than serializing the event costs. The
 * bytes go through one reused buffer: a Buffer per event was garbage outside the V8 heap
 * that the collector is slow to notice (tens of MB of peak RSS).
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

function ownText(text: string): string {
  if (text.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(text.length * 3, 2 * scratch.length));
  const bytes = scratch.write(text, 0, 'utf8');
  return scratch.toString('utf8', 0, bytes);
}
