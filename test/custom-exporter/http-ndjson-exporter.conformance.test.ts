import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, it } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { conformanceCases } from '@ferry/sdk/testkit';
import exporter from './http-ndjson-exporter.js';

// A local destination that takes every batch, for the cases that export.
const destination = createServer((request, response) => request.resume().on('end', () => response.end()));
let sinkUrl = '';
beforeAll(async () => {
  await new Promise<void>((listening) => destination.listen(0, '127.0.0.1', listening));
  sinkUrl = `http://127.0.0.1:${(destination.address() as AddressInfo).port}/ingest`;
});
afterAll(() => destination.close());

const events: FerryEvent[] = [
  { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: 'grnt_1' } },
  { id: 'evt_2', type: 'token.issued', createdAt: '2026-03-01T12:00:01Z', data: { tokenId: 'tok_1' } },
];

for (const c of conformanceCases(exporter, {
  get config() {
    return { url: sinkUrl, token: 'test-token' }; // read when a case runs, once the destination listens
  },
  invalidConfigs: [{ config: { url: 'not a url' }, because: 'url is not a URI' }],
  exportEvents: events,
})) {
  it(c.name, c.run);
}
