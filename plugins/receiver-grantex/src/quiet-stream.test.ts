import { describe, it, onTestFinished, type ExpectStatic } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import grantex from './index.js';
import type { GrantexConfig } from './config.js';

/**
 * The real Grantex route writes nothing, not even its 200, until the first event or its
 * 30 s keepalive, and replays nothing. These tests run the generator in its default mode,
 * which behaves the same, against the receiver: a stream quiet from the moment it connects,
 * then slow events, then a burst. Every event published while the receiver runs must
 * arrive, over one connection.
 */

const KEY = 'quiet-key';

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The scenario's own silence (nothing is published meanwhile), not a synchronisation. */
const passTime = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function generatorAndReceiver(generatorKeepaliveMs: number | undefined, receiver: Partial<GrantexConfig>): Promise<{ generator: GeneratorServer; ctx: TestContext<GrantexConfig> }> {
  const generator = await startGenerator({ apiKey: KEY, seed: 17, ...(generatorKeepaliveMs === undefined ? {} : { keepaliveMs: generatorKeepaliveMs }) });
  onTestFinished(() => generator.close());
  const ctx = createTestContext(resolveConfig(grantex.configSchema, { url: generator.url, apiKey: KEY, ...receiver }), { id: 'grantex' });
  const component = grantex.create(ctx);
  await component.start?.();
  onTestFinished(() => component.shutdown?.());
  await until(() => generator.streams === 1, 'the receiver to be subscribed');
  return { generator, ctx };
}

/**
 * Quiet for `quietMs` from the moment the receiver is subscribed, then `slow` events one at a
 * time `slowGapMs` apart, then a burst: every event published must arrive, in order, over the
 * one connection, with nothing to warn about.
 */
async function quietSlowBurst(expect: ExpectStatic, generator: GeneratorServer, ctx: TestContext<GrantexConfig>, quietMs: number, slow: number, slowGapMs: number): Promise<void> {
  await passTime(quietMs);
  const published: FerryEvent[] = [];
  for (let i = 0; i < slow; i++) {
    published.push(...generator.publish(1));
    await until(() => ctx.received.length === published.length, `slow event ${i + 1}`);
    await passTime(slowGapMs);
  }
  published.push(...generator.publish(2000));
  await until(() => ctx.received.length >= published.length, 'the burst');
  expect(ctx.received).toEqual(published);
  expect(generator.missed).toBe(0);
  expect(generator.connections).toBe(1);
  expect(ctx.counts.get('reconnects')).toBeUndefined();
  expect(ctx.logs.filter((l) => l.level === 'warn')).toEqual([]);
}

describe.concurrent('a quiet Grantex stream', () => {
  it('with the real settings (30 s keepalive, the receiver\'s defaults), quiet for 12 s — past the old 10 s connectTimeoutMs — then slow events, then a burst: every event, one connection', async ({ expect }) => {
    const { generator, ctx } = await generatorAndReceiver(undefined, {});
    await quietSlowBurst(expect, generator, ctx, 12_000, 4, 1000);
  });

  it('scaled down (a 2 s keepalive, the margin scaled alike), quiet for 12 s — six keepalives, twice the idle timeout — then slow events, then a burst: every event, one connection', async ({ expect }) => {
    const { generator, ctx } = await generatorAndReceiver(2000, { keepaliveMs: 2000, connectTimeoutMs: 667 });
    await quietSlowBurst(expect, generator, ctx, 12_000, 3, 2100);
  });
});
