import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { archiveWriter, chain, events, ingest } from '../../packages/verify/src/testing/archive.js';
import { ferry } from '../support/ferry-process.js';
import { cleanAfterEach } from '../support/cleanups.js';

const cleanups = cleanAfterEach();
const SECRET = 'report-chain-secret-0123';

interface VerifiedRecord {
  ok: boolean;
  source: string;
  checkedAt: string;
  ferryVersion: string;
  keyFingerprint: string;
  perDay: Record<string, number>;
  writers: Array<{ writer: string; verified: number; gaps: unknown[]; duplicates: number; broken?: { key: string; line: number } }>;
}

/** `ferry verify --report --json` on a directory: the page's path and the JSON it printed. */
async function verifyWithReport(dir: string, name: string): Promise<{ page: string; json: VerifiedRecord; status: number }> {
  const page = join(dir, `${name}.html`);
  const run = await ferry(['verify', join(dir, 'archive'), '--json', '--report', page], { env: { FERRY_VERIFY_SECRET: SECRET } });
  return { page, json: JSON.parse(run.stdout) as VerifiedRecord, status: run.status };
}

describe('ferry verify --report', () => {
  it('writes a self-contained page that shows the verdict, each chain, the first break and the per-day counts of the JSON, in a real browser', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-report-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const archive = archiveWriter(join(dir, 'archive'));
    const [east, west] = [chain('east', SECRET), chain('west', SECRET)];
    const eastKeys = await archive.write([ingest([east], events(30)), ingest([east], events(25, 30)), ingest([east], events(5, 55))]);
    const westKeys = await archive.write([ingest([west], events(20, 100))], { compression: 'gzip' });
    const intact = await verifyWithReport(dir, 'intact');
    expect(intact.status).toBe(0);

    await archive.edit(westKeys[0]!, (lines) => lines.map((line, i) => (i === 6 ? line.replace('"user-106"', '"user-666"') : line)));
    await archive.edit(eastKeys[1]!, (lines) => lines.filter((_, i) => i !== 4));
    const failed = await verifyWithReport(dir, 'failed');
    expect(failed.status).toBe(1);
    const brokenWest = failed.json.writers.find((w) => w.writer === 'west')!;
    // Line 7 is in west's first block (records 1–16, one receiver call): the break is named at the block's first line.
    expect(brokenWest.broken).toMatchObject({ key: westKeys[0], line: 1 });
    const html = await readFile(failed.page, 'utf8');
    expect(html).not.toContain(SECRET);

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const offPage: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file://')) offPage.push(request.url());
    });

    await page.goto(pathToFileURL(intact.page).href);
    await expect(page.locator('#verdict').getAttribute('data-ok')).resolves.toBe('true');
    expect(await page.locator('#verdict h1').innerText()).toBe('Archive verified: every chain holds');

    await page.goto(pathToFileURL(failed.page).href);
    const verdict = page.locator('#verdict');
    expect(await verdict.isVisible()).toBe(true);
    expect(await verdict.getAttribute('data-ok')).toBe('false');
    expect(await page.locator('#verdict h1').innerText()).toBe('Archive FAILED verification');
    // Red at a glance: the verdict's background as the browser painted it.
    const paint = (element: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(element).backgroundColor;
    expect(await verdict.evaluate(paint)).toBe('rgb(207, 34, 46)');

    for (const w of failed.json.writers) {
      const section = page.locator(`.writer[data-writer="${w.writer}"]`);
      expect(await section.getAttribute('data-status')).toBe(w.broken === undefined && w.gaps.length === 0 ? 'ok' : 'broken');
      expect(await section.locator('[data-field="verified"]').innerText()).toBe(w.verified.toLocaleString('en-US'));
      expect(await section.locator('[data-field="duplicates"]').getAttribute('data-count')).toBe(String(w.duplicates));
    }
    const westBreak = page.locator('.writer[data-writer="west"] [data-field="first-break"]');
    expect(await westBreak.locator('[data-key]').innerText()).toBe(brokenWest.broken!.key);
    expect(await westBreak.locator('[data-line]').innerText()).toBe(String(brokenWest.broken!.line));
    expect(await page.locator('.writer[data-writer="east"] [data-field="gaps"]').getAttribute('data-count')).toBe('1'); // record 35, deleted

    const bars = page.locator('#per-day-chart rect[data-day]');
    const drawn = new Map<string, number>();
    for (let i = 0; i < (await bars.count()); i++) {
      const bar = bars.nth(i);
      const count = Number(await bar.getAttribute('data-count'));
      drawn.set((await bar.getAttribute('data-day'))!, count);
      if (count > 0) expect((await bar.boundingBox())!.height).toBeGreaterThan(0); // drawn, not only present
    }
    const days = Object.entries(failed.json.perDay);
    expect(days.length).toBeGreaterThan(2);
    // Every day of the JSON with its count, and the days in between with none (east ends on the 3rd, west writes the 6th) as 0.
    expect([...drawn].filter(([, count]) => count > 0)).toEqual(days);
    expect([...drawn.keys()]).toEqual([...drawn.keys()].sort());
    expect([...drawn].filter(([, count]) => count === 0).map(([day]) => day)).toEqual(['2026-03-04', '2026-03-05']);

    expect(await page.locator('[data-fact="source"]').innerText()).toBe(failed.json.source);
    expect(await page.locator('[data-fact="checked-at"]').innerText()).toBe(failed.json.checkedAt);
    expect(await page.locator('[data-fact="version"]').innerText()).toBe((await ferry(['--version'])).stdout.trim());
    expect(await page.locator('[data-fact="key-fingerprint"]').innerText()).toBe(failed.json.keyFingerprint);
    expect(failed.json.keyFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(offPage).toEqual([]);
  });
});

describe('ferry verify --sealed', () => {
  it('passes an archive whose last block still awaits its seal, listing those records, and fails it with --sealed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-sealed-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const archive = archiveWriter(join(dir, 'archive'));
    const w = chain('w1', SECRET);
    const [first, second] = [ingest([w], events(16)), ingest([w], events(16, 16))];
    // The second call's block cut between two objects, the second of which is not written yet.
    const keys = await archive.write([first, second.slice(0, 10)]);
    const live = await ferry(['verify', join(dir, 'archive')], { env: { FERRY_VERIFY_SECRET: SECRET } });
    expect(live.status).toBe(0);
    expect(live.stdout).toContain(`AWAITING SEAL: records 17–26 (${keys[1]}:1 to ${keys[1]}:10)`);
    expect(live.stdout).toContain('writer w1: 16 records verified (seq 1–26)');
    const closed = await ferry(['verify', join(dir, 'archive'), '--sealed'], { env: { FERRY_VERIFY_SECRET: SECRET } });
    expect(closed.status).toBe(1);
    await archive.write([second.slice(10)]);
    const whole = await ferry(['verify', join(dir, 'archive'), '--sealed'], { env: { FERRY_VERIFY_SECRET: SECRET } });
    expect(whole.stdout).toContain('writer w1: 32 records verified (seq 1–32)');
    expect(whole.status).toBe(0);
  });
});
