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
  readonly #holdLimit: number;
  #pending: EventSourceMessage[] = [];
  #oversized = false;
  /** Bytes after the last line feed fed so far, and room for the next chunk behind them. */
  #held = Buffer.allocUnsafe(0);
  #heldLength = 0;
  retryMs: number | undefined;
  lastEventId: string | undefined;

  constructor(maxEventBytes: number) {
    this.#holdLimit = maxEventBytes;
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
    const text = this.#completeLines(chunk);
    if (text !== '') this.#parser.feed(text);
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

  /**
   * The text of the chunk up to its last line end, behind what the chunks before it left
   * after theirs; the rest is held for the next chunk. Handed whole lines, the parser never
   * keeps a fragment, which it would join to the next chunk's text: a copy of every byte of
   * the stream as a string, 15% of what the pipeline allocated (a line feed is one byte
   * that no UTF-8 sequence contains, so the cut never splits a character). A line longer
   * than `maxEventBytes` goes to the parser as it comes, which counts it oversized.
   */
  #completeLines(chunk: Uint8Array): string {
    const lastLf = chunk.lastIndexOf(0x0a);
    // After a CR only the next byte tells a line end (CR) from half of one (CRLF): the parser
    // must see that byte as soon as it comes, so such a chunk goes to it whole, as it did.
    const cut = chunk.lastIndexOf(0x0d) > lastLf ? chunk.length : lastLf + 1;
    if (cut === 0 && this.#heldLength + chunk.length <= this.#holdLimit) {
      this.#hold(chunk, chunk.length);
      return '';
    }
    const end = cut === 0 ? chunk.length : cut;
    let text: string;
    if (this.#heldLength === 0) text = this.#decoder.decode(chunk.subarray(0, end), { stream: true });
    else {
      this.#hold(chunk, end);
      text = this.#decoder.decode(this.#held.subarray(0, this.#heldLength), { stream: true });
      this.#heldLength = 0;
    }
    this.#hold(chunk.subarray(end), chunk.length - end);
    return text;
  }

  /** Appends the first `length` bytes of `bytes` to what is held, growing the buffer if it must. */
  #hold(bytes: Uint8Array, length: number): void {
    if (length === 0) return;
    if (this.#heldLength + length > this.#held.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.#held.length, this.#heldLength + length, 64 * 1024));
      this.#held.copy(grown, 0, 0, this.#heldLength);
      this.#held = grown;
    }
    this.#held.set(bytes.subarray(0, length), this.#heldLength);
    this.#heldLength += length;
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
