import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import webhook from './index.js';
import { deferred, event, post, rawConnection, running, SECRET, sign, startReceiver } from './testing.js';

afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown();
});

describe('the webhook receiver\'s server', () => {
  it('cuts off a client that trickles its headers byte by byte, and keeps serving others', async () => {
    const { url, port, ctx } = await startReceiver({ headersTimeoutMs: 300 });
    const slow = await rawConnection(port);
    const head = `POST /webhooks/grantex HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(300)}\r\n`;
    let sent = 0;
    // The client's behaviour, not a synchronisation: one byte every 20 ms until it is cut off.
    const trickle = setInterval(() => {
      if (sent < head.length && !slow.socket.destroyed) slow.socket.write(head[sent++] as string);
    }, 20);
    try {
      const body = JSON.stringify(event(5));
      expect((await post(url, body, sign(body))).status).toBe(200);
      await slow.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(head.length);
    expect(ctx.received).toEqual([event(5)]);
    expect(ctx.counts.get('refused_timeout')).toBe(1);
  });

  it('cuts off a client whose body does not arrive within requestTimeoutMs', async () => {
    const { port, ctx } = await startReceiver({ requestTimeoutMs: 400, headersTimeoutMs: 200 });
    const body = JSON.stringify(event(6));
    const slow = await rawConnection(port);
    const headers = Object.entries(sign(body)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    slow.socket.write(`POST /webhooks/grantex HTTP/1.1\r\nHost: x\r\n${headers}content-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(ctx.received).toEqual([]);
  });

  it('answers a request that is not HTTP with 400 and counts it', async () => {
    const { port, ctx } = await startReceiver();
    const garbage = await rawConnection(port);
    garbage.socket.write('HELLO\r\n\r\n');
    await garbage.closed;
    expect(garbage.received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(ctx.counts.get('refused_bad_request')).toBe(1);
  });

  it('on shutdown, closes idle connections, refuses new ones, and answers the delivery being accepted before it returns', async () => {
    const accepted = deferred();
    const consumed = deferred();
    const { url, port, receiver, ctx } = await startReceiver({}, {
      consume: async (events) => {
        ctx.received.push(...events);
        consumed.resolve();
        await accepted.promise;
      },
    });
    const idle = await rawConnection(port);
    idle.socket.write('GET /webhooks/grantex/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await idle.until(/"ok"/);
    const halfSent = await rawConnection(port);
    halfSent.socket.write('POST /webhooks/grantex HTTP/1.1\r\nHost: x\r\n');
    const body = JSON.stringify(event(8));
    const delivery = post(url, body, sign(body));
    await consumed.promise;

    let stopped = false;
    const stopping = receiver.shutdown().then(() => (stopped = true));
    await idle.closed;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(stopped).toBe(false);
    accepted.resolve();
    const answer = await delivery;
    expect([answer.status, answer.headers.get('connection')]).toEqual([200, 'close']);
    await stopping;
    await halfSent.closed;
    await receiver.shutdown();
    expect(ctx.received).toEqual([event(8)]);
  });

  it('stops waiting for a delivery that cannot be accepted after the drain bound', async () => {
    const consumed = deferred();
    const { url, receiver } = await startReceiver({}, {
      consume: async () => {
        consumed.resolve();
        await new Promise(() => undefined);
      },
    }, { drainMs: 100 });
    const body = JSON.stringify(event(9));
    const delivery = post(url, body, sign(body)).then(
      () => 'answered',
      () => 'cut off',
    );
    await consumed.promise;
    await receiver.shutdown();
    // No 2xx: the sender retries it later.
    expect(await delivery).toBe('cut off');
  });

  it('is safe to shut down without start and twice', async () => {
    const receiver = webhook.create(createTestContext(resolveConfig(webhook.configSchema, { endpoint: '127.0.0.1:0', secret: SECRET })));
    await receiver.shutdown?.();
    await receiver.shutdown?.();
  });

  it('reports a port already in use as a configuration error naming the endpoint', async () => {
    const first = await startReceiver();
    const ctx = createTestContext(resolveConfig(webhook.configSchema, { endpoint: `127.0.0.1:${first.port}`, secret: SECRET }));
    const receiver = webhook.create(ctx);
    const error = await receiver.start?.().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${first.port} (receivers.test.endpoint): the port is in use`);
    await receiver.shutdown?.();
  });

  describe('with TLS', () => {
    let dir: string;
    let cert: Buffer;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ferry-webhook-tls-'));
      // A throwaway self-signed certificate for 127.0.0.1, made with the system's openssl.
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      cert = await readFile(join(dir, 'cert.pem'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('serves HTTPS with the configured certificate', async () => {
      const { url, ctx } = await startReceiver({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
      expect(url.startsWith('https://')).toBe(true);
      const body = JSON.stringify(event(10));
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(url, { method: 'POST', ca: cert, headers: sign(body) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(200);
      expect(ctx.received).toEqual([event(10)]);
    });

    it('names the TLS file it cannot read', async () => {
      const config = resolveConfig(webhook.configSchema, { endpoint: '127.0.0.1:0', secret: SECRET, tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'missing.pem') } });
      const receiver = webhook.create(createTestContext(config, { id: 'webhook/tls' }));
      const error = await receiver.start?.().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(`cannot read receivers.webhook/tls.tls.keyFile (${join(dir, 'missing.pem')}): ENOENT`);
      await receiver.shutdown?.();
    });
  });
});
