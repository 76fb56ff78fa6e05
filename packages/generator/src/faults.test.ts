import { afterEach, describe, expect, it } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { startGenerator, type GeneratorOptions, type GeneratorServer } from './index.js';
import { openStream, until, type SseClient } from './testing.js';

const KEY = 'test-key';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function generator(options: Partial<GeneratorOptions> = {}): Promise<GeneratorServer> {
  // Keepalives after the last event also settle a CR-only stream's final CR (it might have begun a CRLF).
  // Pull mode: each test counts what its client received of a fixed total.
  const server = await startGenerator({ apiKey: KEY, seed: 1, keepaliveMs: 20, mode: 'pull', ...options });
  cleanups.push(() => server.close());
  return server;
}
function stream(server: GeneratorServer, query = ''): SseClient {
  const client = openStream(`${server.url}/v1/events/stream${query}`, KEY);
  cleanups.push(() => client.close());
  return client;
}
const decoded = (client: SseClient): FerryEvent[] => client.messages.map((m) => JSON.parse(m.data) as FerryEvent);
/** Runs a generator with `faults` for `total` events and returns what one client decoded. */
async function receiveAll(total: number, faults: GeneratorOptions['faults'], query = ''): Promise<{ server: GeneratorServer; client: SseClient }> {
  const server = await generator({ total, faults });
  const client = stream(server, query);
  await server.waitForDelivered(total);
  await until(() => client.messages.length >= total + server.malformedSent && client.comments.includes('keepalive'), 'every event and a keepalive after them');
  return { server, client };
}

describe('line endings', () => {
  const separators = { lf: /(?<!\r)\n\n/g, crlf: /\r\n\r\n/g, cr: /\r\r(?!\n)/g };
  for (const lineEnding of ['lf', 'crlf', 'cr', 'mixed'] as const) {
    it(`${lineEnding}: decodes to exactly the delivered events`, async () => {
      const { server, client } = await receiveAll(30, { lineEnding });
      expect(decoded(client)).toEqual(server.delivered);
      const text = client.text();
      const counts = Object.fromEntries(Object.entries(separators).map(([name, pattern]) => [name, text.match(pattern)?.length ?? 0]));
      if (lineEnding === 'mixed') for (const count of Object.values(counts)) expect(count).toBeGreaterThanOrEqual(9);
      else {
        expect(counts[lineEnding]).toBeGreaterThanOrEqual(30);
        for (const [name, count] of Object.entries(counts)) if (name !== lineEnding) expect(count).toBe(0);
      }
    });
  }
});

describe('framing faults', () => {
  it('multilineData: an event over several data: lines decodes back to the identical event', async () => {
    const { server, client } = await receiveAll(20, { multilineData: true });
    expect(decoded(client)).toEqual(server.delivered);
    for (const message of client.messages) expect(message.data).toContain('\n');
    expect(client.text().match(/^data: /gm)!.length).toBeGreaterThan(20 * 5);
  });

  it('comments: comment lines before, between and after field lines change nothing', async () => {
    const { server, client } = await receiveAll(20, { comments: true, multilineData: true, ids: true });
    expect(decoded(client)).toEqual(server.delivered);
    expect(client.comments).toEqual(expect.arrayContaining(['connected', 'next event', 'inside an event']));
    const single = await receiveAll(10, { comments: true });
    expect(decoded(single.client)).toEqual(single.server.delivered);
    expect(single.client.comments).toEqual(expect.arrayContaining(['end of fields']));
  });

  it('ids: each event carries its own id as the SSE id', async () => {
    const { server, client } = await receiveAll(15, { ids: true });
    expect(client.messages.map((m) => m.id)).toEqual(server.delivered.map((e) => e.id));
  });

  it('retryField: one retry: field at the start of each stream', async () => {
    const { client } = await receiveAll(5, { retryField: 250 });
    expect(client.retries).toEqual([250]);
    expect(client.text().startsWith('retry: 250\n\n')).toBe(true);
  });

  for (const split of ['bytes', 'random'] as const) {
    it(`split ${split}: pieces, also inside UTF-8 characters, reassemble to the same events`, async () => {
      // These types carry non-ASCII text.
      const { server, client } = await receiveAll(60, { split, lineEnding: 'mixed', multilineData: split === 'random' }, '?types=sso.login,consent_bundle.created,dpdp.consent.recorded');
      expect(decoded(client)).toEqual(server.delivered);
      expect(client.chunks.length).toBeGreaterThan(60 * 2);
      const cutInsideCharacter = client.chunks.filter((chunk) => chunk[0]! >= 0x80 && chunk[0]! < 0xc0).length;
      expect(cutInsideCharacter).toBeGreaterThan(0);
    });
  }
});

describe('content and connection faults', () => {
  it('all at once: every fault that keeps the connection decodes to exactly the delivered events', async () => {
    const faults = { lineEnding: 'mixed', split: 'random', multilineData: true, comments: true, ids: true, retryField: 100, malformedEvery: 7 } as const;
    const { server, client } = await receiveAll(200, faults);
    const valid = client.messages.filter((m) => m.id !== undefined);
    expect(valid.map((m) => JSON.parse(m.data) as FerryEvent)).toEqual(server.delivered);
    expect(client.messages.length - valid.length).toBe(server.malformedSent);
    expect(server.malformedSent).toBe(Math.floor(client.messages.length / 7));
  });

  it('malformedEvery: every Nth message is malformed, rotating the three kinds, and none is delivered', async () => {
    const { server, client } = await receiveAll(9, { malformedEvery: 3 });
    // v v M v v M v v M v v M v: 9 valid and 4 malformed
    expect(client.messages).toHaveLength(13);
    expect(server.malformedSent).toBe(4);
    const malformed = client.messages.filter((_, i) => (i + 1) % 3 === 0).map((m) => m.data);
    const kind = (data: string): string => {
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(data) as Record<string, unknown>;
      } catch {
        return 'invalid JSON';
      }
      if (!('id' in value)) return 'missing id';
      return typeof value.data === 'object' ? 'valid' : 'data not an object';
    };
    expect(malformed.map(kind)).toEqual(['invalid JSON', 'missing id', 'data not an object', 'invalid JSON']);
    const valid = client.messages.filter((_, i) => (i + 1) % 3 !== 0).map((m) => JSON.parse(m.data) as FerryEvent);
    expect(valid).toEqual(server.delivered);
  });

  it('dropAfter: half of the next event, then the connection is cut; the half event is not delivered, nor sent again', async () => {
    const server = await generator({ total: 100, faults: { dropAfter: 5 } });
    const first = stream(server);
    expect(await first.ended).toBe('aborted');
    expect(server.delivered).toHaveLength(5);
    expect(decoded(first)).toEqual(server.delivered);
    const tail = first.text().split(/\n\n/).at(-1)!;
    expect(tail).toMatch(/^data: \{"id":"evt_/);
    expect(() => JSON.parse(tail.slice('data: '.length))).toThrow();
    const second = stream(server);
    expect(await second.ended).toBe('aborted');
    expect(server.delivered).toHaveLength(10);
    expect(decoded(second)).toEqual(server.delivered.slice(5));
    const cutId = /"id":"(evt_[0-9A-Z]*)/.exec(tail)?.[1] ?? '';
    expect(server.delivered.some((e) => e.id.startsWith(cutId))).toBe(false);
    expect(server.connections).toBe(2);
  });

  it('stallAfter: silence after N events, not even keepalives, with the connection left open', async () => {
    const server = await generator({ total: 6, keepaliveMs: 10, faults: { stallAfter: 3 } });
    const stalled = stream(server);
    await until(() => stalled.messages.length === 3, 'three events');
    let ended = false;
    void stalled.ended.then(() => (ended = true));
    // A second stream takes the other three events and then, the total reached, gets keepalives
    // from a timer set up after the stalled stream's: once it has three, the stalled stream's
    // timer would have fired at least as often.
    const control = stream(server);
    await until(() => control.messages.length === 3, 'the other three events');
    const before = control.comments.length;
    await until(() => control.comments.slice(before).filter((c) => c === 'keepalive').length >= 3, 'keepalives on the other stream');
    expect(stalled.messages).toHaveLength(3);
    expect(stalled.comments).toEqual(['connected']);
    expect(ended).toBe(false);
    expect(server.deliveredCount).toBe(6);
  });

  it('responses: planned statuses for the first attempts, Retry-After on 429 and 503, then normal service', async () => {
    const server = await generator({ total: 2, faults: { responses: [503, 429, 401] } });
    const answers: Array<[number, string | undefined]> = [];
    for (let i = 0; i < 3; i++) {
      const client = stream(server);
      answers.push([await client.status, (await client.headers)['retry-after'] as string | undefined]);
    }
    expect(answers).toEqual([
      [503, '1'],
      [429, '1'],
      [401, undefined],
    ]);
    const served = stream(server);
    expect(await served.status).toBe(200);
    await until(() => served.messages.length === 2, 'the events');
    expect(server.connections).toBe(4);
  });
});
