import { describe, expect, it } from 'vitest';
import { createBatch } from '@ferry/sdk';
import { resolveConfig } from '@ferry/sdk/testkit';
import datadog from './index.js';
import { encodeBatch } from './encode.js';
import type { DatadogConfig } from './config.js';

const config = resolveConfig(datadog.configSchema, { apiKey: 'k'.repeat(32) }) as DatadogConfig;
const tagOf = (line: string) => (JSON.parse((encodeBatch(createBatch({ lines: [line] }), config).entries[0]?.json ?? '{}')) as { ddtags: string }).ddtags;

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
    const entry = JSON.parse(encodeBatch(createBatch({ lines: [line] }), config).entries[0]?.json ?? '{}') as { ferry: unknown; message: string };
    expect(entry.ferry).toEqual({ v: 2, seq: 1 });
    expect(entry.message).toBe(line);
  });
});
