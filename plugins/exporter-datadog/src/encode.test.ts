import { describe, expect, it } from 'vitest';
import { createBatch } from '@ferry/sdk';
import { resolveConfig } from '@ferry/sdk/testkit';
import datadog from './index.js';
import { encodeBatch, entryJson, payload, payloadBytes } from './encode.js';
import type { DatadogConfig } from './config.js';

const config = resolveConfig(datadog.configSchema, { apiKey: 'k'.repeat(32) }) as DatadogConfig;
/** The entry of a batch of one line, as JSON text. */
function entryOf(line: string): string {
  const { body, entries } = encodeBatch(createBatch({ lines: [line] }), config);
  return entries[0] === undefined ? '{}' : entryJson(body, entries[0]);
}
const tagOf = (line: string) => (JSON.parse(entryOf(line)) as { ddtags: string }).ddtags;

describe('the Datadog entry of a line', () => {
  it('tags the type JSON.parse reads, however the line is laid out', () => {
    const at = '"createdAt":"2026-03-01T12:00:00Z"';
    expect(tagOf(`{"id":"e1","type":"grant.created",${at},"data":{"kind":"x"}}`)).toBe('type:grant.created');
    // A nested "type" is not the event's.
    expect(tagOf(`{"id":"e1","type":"grant.created",${at},"data":{"type":"nested"}}`)).toBe('type:grant.created');
    // A top-level duplicate: the last one, as JSON.parse takes it — also with spaces or escapes in its name.
    expect(tagOf(`{"id":"e1","type":"grant.created",${at},"data":{},"type":"token.revoked"}`)).toBe('type:token.revoked');
    expect(tagOf(`{"id":"e1","type":"grant.created",${at},"data":{},"type" : "token.revoked"}`)).toBe('type:token.revoked');
    expect(tagOf(`{"id":"e1","type":"grant.created",${at},"data":{},"typ\\u0065":"token.revoked"}`)).toBe('type:token.revoked');
    // Another member order.
    expect(tagOf(`{"type":"grant.created","id":"e1",${at},"data":{}}`)).toBe('type:grant.created');
  });

  it('carries an integrity link as the ferry attribute', () => {
    const line = '{"id":"e1","type":"grant.created","createdAt":"x","data":{},"ferry":{"v":2,"seq":1}}';
    const entry = JSON.parse(entryOf(line)) as { ferry: unknown; message: string };
    expect(entry.ferry).toEqual({ v: 2, seq: 1 });
    expect(entry.message).toBe(line);
  });
});

/** The entry the seed's mapping gives, written out by hand: the type's tag, then the line as a JSON string, then the link's own text. */
const expected = (type: string, line: string, ferry?: string) =>
  `{"ddsource":"grantex","ddtags":${JSON.stringify(`type:${type}`)},"hostname":"grantex-auth-service","service":"grantex","message":${JSON.stringify(line)}${ferry === undefined ? '' : `,"ferry":${ferry}`}}`;

describe('the exact entry of a line', () => {
  const at = '"createdAt":"2026-03-01T12:00:00Z"';

  it('as Grantex writes it, ASCII or not, measured in UTF-8 bytes', () => {
    for (const line of [
      `{"id":"e1","type":"grant.created",${at},"data":{"principalName":"Jo"}}`,
      `{"id":"e1","type":"grant.created",${at},"data":{"principalName":"Zoë Müller"}}`,
      `{"id":"e1","type":"grant.created",${at},"data":{"principalName":"山田 🚢"}}`,
      `{"id":"e1","type":"grant.créé",${at},"data":{}}`,
    ]) {
      const { body, entries } = encodeBatch(createBatch({ lines: [line] }), config);
      const type = (JSON.parse(line) as { type: string }).type;
      expect(entryJson(body, entries[0] as never)).toBe(expected(type, line));
      expect(entries[0]?.bytes).toBe(Buffer.byteLength(expected(type, line)));
    }
  });

  it('tags the last of duplicated type members, the one JSON.parse takes, escaped or spaced', () => {
    for (const last of ['"type":"token.revoked"', '"type" : "token.revoked"', '"typ\\u0065":"token.revoked"', '"\\u0074ype":"token.revoked"']) {
      const line = `{"id":"e1","type":"grant.created",${at},"data":{},${last}}`;
      expect(entryOf(line)).toBe(expected('token.revoked', line));
    }
    // Not the event's type: a nested member, a string that reads "type", an escaped quote around it.
    for (const data of ['{"type":"nested"}', '{"kind":"type"}', '{"note":"a \\"type\\" here"}', '{"note":"\\"type\\":\\"x\\""}']) {
      const line = `{"id":"e1","type":"grant.created",${at},"data":${data}}`;
      expect(entryOf(line)).toBe(expected('grant.created', line));
    }
  });

  it('passes a top-level ferry member through as its own text, whatever its shape, and no other', () => {
    for (const ferry of ['{"v":3,"seq":7}', '{ "v" : 3 }', '"text"', '[1,{"type":"x"}]', '{"type":"inside the link"}']) {
      const line = `{"id":"e1","type":"grant.created",${at},"data":{},"ferry":${ferry}}`;
      expect(entryOf(line)).toBe(expected('grant.created', line, ferry));
    }
    // Its name escaped; the last of two.
    const escaped = `{"id":"e1","type":"grant.created",${at},"data":{},"\\u0066erry":{"v":3}}`;
    expect(entryOf(escaped)).toBe(expected('grant.created', escaped, '{"v":3}'));
    const twice = `{"id":"e1","type":"grant.created","ferry":{"v":2},${at},"data":{},"ferry":{"v":3}}`;
    expect(entryOf(twice)).toBe(expected('grant.created', twice, '{"v":3}'));
    // "ferry" in the data: nested, a string value, inside a string.
    for (const data of ['{"ferry":{"v":3}}', '{"kind":"ferry"}', '{"note":"the \\"ferry\\":{} left"}']) {
      const line = `{"id":"e1","type":"grant.created",${at},"data":${data}}`;
      expect(entryOf(line)).toBe(expected('grant.created', line));
    }
  });

  it('reads the type behind escapes in the id or the type itself', () => {
    for (const line of [`{"id":"e\\"1","type":"grant.created",${at}}`, `{"id":"e\\\\","type":"grant.created",${at}}`, `{"id":"e1","type":"grant\\u002ecreated",${at}}`, `{"id":"e1","type":"a\\"b"}`]) {
      expect(entryOf(line)).toBe(expected((JSON.parse(line) as { type: string }).type, line));
    }
    // A type that is not a string, or none.
    expect(entryOf('{"id":"e1","type":7}')).toBe(expected('unknown', '{"id":"e1","type":7}'));
    expect(entryOf('{"id":"e1"}')).toBe(expected('unknown', '{"id":"e1"}'));
  });

  it('agrees with JSON.parse on lines assembled from awkward parts (seeded)', () => {
    const parts = ['"type":"a.b"', '"type":"c"', '"typ\\u0065":"d"', '"type":7', '"ferry":{"v":3}', '"ferry":"s"', '"\\u0066erry":[1]', '"data":{"type":"n","ferry":1}', '"note":"\\"type\\":\\"x\\",\\"ferry\\":1"', '"name":"Zoë 🚢"', '"kind":"type"', '"x":"\\\\"'];
    let state = 15;
    const random = (n: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((state / 2 ** 31) * n);
    };
    for (let i = 0; i < 2000; i++) {
      const members = Array.from({ length: random(5) }, () => parts[random(parts.length)] as string);
      const line = `{"id":"e${i}",${random(3) === 0 ? '' : '"type":"lead",'}${members.join(',')}${members.length > 0 ? ',' : ''}"z":0}`;
      const parsed = JSON.parse(line) as { type?: unknown; ferry?: unknown };
      const entry = JSON.parse(entryOf(line)) as { ddtags: string; message: string; ferry?: unknown };
      expect(entry.ddtags, line).toBe(`type:${typeof parsed.type === 'string' ? parsed.type : 'unknown'}`);
      expect(entry.message).toBe(line);
      expect(entry.ferry, line).toEqual(parsed.ferry);
    }
  });
});

describe('a batch body', () => {
  const lines = ['{"id":"a","type":"t"}', '{"id":"b","type":"ü"}', '{"id":"c","type":"t"}', '{"id":"d","type":"t"}'];

  it('is the JSON array of its entries, each at its place', () => {
    const { body, entries } = encodeBatch(createBatch({ lines }), config);
    expect(body.toString()).toBe(`[${lines.map((line) => expected((JSON.parse(line) as { type: string }).type, line)).join(',')}]`);
    expect(payload(body, entries)).toBe(body);
    expect(payloadBytes(entries)).toBe(body.length);
    expect(payload(body, entries.slice(1, 3)).toString()).toBe(`[${entryJson(body, entries[1] as never)},${entryJson(body, entries[2] as never)}]`);
    expect(payload(body, [entries[0], entries[3]] as never[]).toString()).toBe(`[${expected('t', lines[0] as string)},${expected('t', lines[3] as string)}]`);
    expect(payload(body, []).toString()).toBe('[]');
  });

  it('leaves out an entry over 1 MB, measured, and keeps its neighbours whole', () => {
    const big = `{"id":"big","type":"t","data":"${'é'.repeat(600_000)}"}`;
    for (const order of [[big, ...lines], [...lines.slice(0, 2), big, ...lines.slice(2)], [...lines, big]]) {
      const { body, entries, oversize } = encodeBatch(createBatch({ lines: order }), config);
      expect(oversize).toEqual([{ index: order.indexOf(big), bytes: Buffer.byteLength(expected('t', big)) }]);
      expect(entries.map((e) => e.index)).toEqual(order.flatMap((line, index) => (line === big ? [] : [index])));
      expect(body.toString()).toBe(`[${lines.map((line) => expected((JSON.parse(line) as { type: string }).type, line)).join(',')}]`);
      expect(payload(body, entries)).toBe(body);
    }
  });
});
