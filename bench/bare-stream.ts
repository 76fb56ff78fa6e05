/**
 * What both bare loops do first: open the Grantex SSE stream and hand over the `data` of
 * each event as it is decoded, a network chunk's worth at a time. Bundled into each loop's
 * program by esbuild.
 */
import { createParser } from 'eventsource-parser';

export async function* sseData(url: string, apiKey: string): AsyncGenerator<string[]> {
  const decoded: string[] = [];
  const parser = createParser({ onEvent: (message) => void decoded.push(message.data) });
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' } });
  if (!response.ok || response.body === null) throw new Error(`the stream answered ${response.status}`);
  process.stderr.write('connected\n');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.feed(decoder.decode(value, { stream: true }));
    yield decoded.splice(0);
  }
}
