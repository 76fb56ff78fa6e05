import { get } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Reads an SSE stream with a real parser, for tests: the decoded messages, live. */
export function readStream(url: string, apiKey: string): { messages: EventSourceMessage[]; status: Promise<number>; ended: Promise<void>; close(): void } {
  const messages: EventSourceMessage[] = [];
  let close = () => {};
  let resolveEnd!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnd = resolve;
  });
  const status = new Promise<number>((resolve, reject) => {
    const request = get(url, { headers: { authorization: `Bearer ${apiKey}` } }, (response) => {
      resolve(response.statusCode ?? 0);
      const parser = createParser({ onEvent: (message) => messages.push(message) });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => parser.feed(chunk));
      response.on('close', resolveEnd);
      response.on('error', resolveEnd);
    });
    request.on('error', (error) => {
      resolveEnd();
      reject(error);
    });
    close = () => request.destroy();
  });
  return { messages, status, ended, close: () => close() };
}

export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
