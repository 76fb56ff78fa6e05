/**
 * Test helpers (not exported by the package): a real SSE client over node:http, decoding
 * with `eventsource-parser` (a devDependency) the way a receiver would.
 */
import { get, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseClient {
  readonly status: Promise<number>;
  readonly headers: Promise<IncomingHttpHeaders>;
  /** Decoded events, live. */
  readonly messages: EventSourceMessage[];
  /** Comment lines without the leading ': ' (e.g. 'keepalive'), live. */
  readonly comments: string[];
  readonly retries: number[];
  /** The body's bytes as they arrived, one entry per 'data' event. */
  readonly chunks: Buffer[];
  /** How the body ended: `end` (complete), `aborted` (cut short) or `error`. */
  readonly ended: Promise<'end' | 'aborted' | 'error'>;
  /** The body so far as text. */
  text(): string;
  resume(): void;
  close(): void;
}

/** Opens `url` with a bearer key; `paused: true` reads nothing until `resume()`. */
export function openStream(url: string, apiKey: string | undefined, options: { paused?: boolean } = {}): SseClient {
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const chunks: Buffer[] = [];
  const parser = createParser({ onEvent: (m) => messages.push(m), onComment: (c) => comments.push(c), onRetry: (r) => retries.push(r) });
  // fatal: a byte sequence that is not UTF-8 fails the test instead of turning into U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let endedAs: (how: 'end' | 'aborted' | 'error') => void = () => {};
  const ended = new Promise<'end' | 'aborted' | 'error'>((resolve) => (endedAs = resolve));
  let onResponse: (response: IncomingMessage) => void = () => {};
  const response = new Promise<IncomingMessage>((resolve) => (onResponse = resolve));
  const request = get(url, { headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` } }, (res) => {
    onResponse(res);
    if (options.paused) res.pause();
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      parser.feed(decoder.decode(chunk, { stream: true }));
    });
    res.on('end', () => endedAs('end'));
    res.on('aborted', () => endedAs('aborted'));
    res.on('error', () => endedAs('aborted'));
  });
  request.on('error', () => endedAs('error'));
  return {
    status: response.then((r) => r.statusCode ?? 0),
    headers: response.then((r) => r.headers),
    messages,
    comments,
    retries,
    chunks,
    ended,
    text: () => Buffer.concat(chunks).toString('utf8'),
    resume: () => void response.then((r) => r.resume()),
    close: () => request.destroy(),
  };
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
