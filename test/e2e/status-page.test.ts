import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startGenerator } from '@ferry/generator';
import { runFerry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { freePort } from '../support/ports.js';
import { telemetryAt } from '../support/telemetry.js';

const KEY = 'status-page-key';
const TOKEN = 'status-page-token-0123456789';
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Debian's chromium, which the test command installs when it is missing (scripts/ensure-chromium.ts); no traffic but 127.0.0.1. */
async function browser(): Promise<Browser> {
  const launched = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  cleanups.push(() => launched.close());
  return launched;
}

describe('the status page', () => {
  it('renders the running pipeline in a real browser, and its numbers move while events flow', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: KEY, rate: 200, seed: 91 });
    cleanups.push(() => source.close());
    const port = await freePort();
    const run = runFerry(
      [
        'run',
        '--config',
        await ws.config({
          receivers: { grantex: { url: source.url, apiKey: KEY } },
          processors: { 'filter/no-budget': { exclude: { types: ['budget.*'] } } },
          exporters: { file: { directory: join(ws.dir, 'archive'), flushIntervalMs: 100 } },
          service: { pipelines: { events: { receivers: ['grantex'], processors: ['filter/no-budget'], exporters: ['file'] } }, telemetry: { address: `127.0.0.1:${port}`, authToken: TOKEN } },
        }),
      ],
    );
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.signal('SIGKILL');
      await run.exited;
    });
    await eventually(async () => (await telemetryAt(port).probe('/readyz')).status === 200, 'ferry to be ready');

    const page = await (await browser()).newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(`http://127.0.0.1:${port}/`)) failures.push(`a request off this Ferry: ${request.url()}`);
    });
    // Without the token the page asks for it; with it in the fragment it shows the figures.
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    const sent = page.locator('[data-pipeline="events"] [data-component="exporter:file"] [data-figure="sent"]');
    await sent.waitFor();
    expect(page.url()).toBe(`http://127.0.0.1:${port}/`);
    expect(await page.locator('#status').textContent()).toBe('ok');
    expect(await page.locator('[data-pipeline="events"] [data-component]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-component')))).toEqual([
      'receiver:grantex',
      'processor:filter/no-budget',
      'exporter:file',
    ]);
    const count = async (figure: string, component: string) => Number(((await page.locator(`[data-component="${component}"] [data-figure="${figure}"]`).textContent()) ?? '').replace(/[^\d]/g, ''));
    const before = { sent: await count('sent', 'exporter:file'), accepted: await count('accepted', 'receiver:grantex') };
    // The page refreshes by itself: no reload here.
    await eventually(async () => (await count('sent', 'exporter:file')) > before.sent && (await count('accepted', 'receiver:grantex')) > before.accepted, 'the figures on the page to move', 15_000);
    await eventually(async () => (await count('rate', 'receiver:grantex')) > 0, 'a rate per second');
    expect(await page.locator('[data-component="exporter:file"] [data-figure="lag"]').textContent()).toMatch(/^\d/);
    expect(failures).toEqual([]);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
