/**
 * Helpers for this package's tests: a started receiver on a free port of 127.0.0.1,
 * Grantex's signature computed independently with node:crypto, and a raw TCP client for
 * what fetch cannot do (trickle bytes, keep a connection idle).
 */
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { EventConsumer, FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import webhook from './index.js';
import { WebhookReceiver, type WebhookReceiverOptions } from './receiver.js';
import type { WebhookConfig } from './config.js';

export const SECRET = 'whsec_test_secret';

export const event = (n: number): FerryEvent => ({ id: `evt_${n}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n, city: 'Zürich' } });

export interface Started {
  readonly url: string;
  readonly port: number;
  readonly ctx: TestContext<WebhookConfig>;
  readonly receiver: WebhookReceiver;
}

/** Receivers started by `startReceiver`; shut them all down after each test. */
export const running: WebhookReceiver[] = [];

export async function startReceiver(config: Record<string, unknown> = {}, next?: EventConsumer, options: WebhookReceiverOptions = {}): Promise<Started> {
  const resolved = resolveConfig(webhook.configSchema, { endpoint: '127.0.0.1:0', secret: SECRET, requestTimeoutMs: 2000, headersTimeoutMs: 500, ...config });
  const ctx = createTestContext(resolved, { id: 'webhook', ...(next ? { next } : {}) });
  const receiver = new WebhookReceiver(ctx, options);
  await receiver.start();
  running.push(receiver);
  const port = receiver.port as number;
  const scheme = resolved.tls === undefined ? 'http' : 'https';
  return { url: `${scheme}://127.0.0.1:${port}${resolved.path}`, port, ctx, receiver };
}

export function sign(body: string | Buffer, timestamp = Math.floor(Date.now() / 1000), secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-grantex-timestamp': String(timestamp),
    'x-grantex-signature-v2': `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`,
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** A promise and the function that resolves it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A raw connection that records what the server sends and when it closes. */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves once the received text matches. */
  until(pattern: RegExp): Promise<string>;
  /** Resolves when the server (or anyone) closed the connection. */
  readonly closed: Promise<void>;
}

export async function rawConnection(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    socket,
    received: () => text,
    until: async (pattern) => {
      while (!pattern.test(text)) {
        if (socket.destroyed) throw new Error(`connection closed; received ${JSON.stringify(text)}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return text;
    },
    closed,
  };
}
