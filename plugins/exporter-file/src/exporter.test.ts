import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, watch } from 'node:fs';
import { mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { archiveKey } from '@ferry/archive';
import { ConfigError, RetryableError, createBatch } from '@ferry/sdk';
import { configProblems, conformanceCases } from '@ferry/sdk/testkit';
import definition from './index.js';
import { attempt, createExporter, eventually, listFiles, makeBatch, makeEvents, RECEIVED_AT, tempDirectory } from './test-support.js';
import { archiveLines, ENVELOPE_VERSION } from '@ferry/archive';
import type { Batch } from '@ferry/sdk';

/** What an archive object holds: each event with Ferry's envelope version. */
const archiveBody = (batch: Batch) => Buffer.from(`${archiveLines(batch).join('\n')}\n`);

const conformanceDirectory = mkdtempSync(join(tmpdir(), 'ferry-file-conformance-'));
afterAll(() => rmSync(conformanceDirectory, { recursive: true, force: true }));

describe('exporter file: conformance', () => {
  for (const c of conformanceCases(definition, {
    config: { directory: conformanceDirectory },
    exportEvents: makeEvents(3),
    invalidConfigs: [
      { config: {}, because: 'directory is required' },
      { config: { directory: '' }, because: 'directory is empty' },
      { config: { directory: '/x', compression: 'zstd' }, because: 'zstd is not a supported compression' },
      { config: { directory: '/x', layout: 'monthly' }, because: 'monthly is not a layout' },
      { config: { directory: '/x', batchSize: 10 }, because: 'batchSize is a host option the exporter must not declare' },
      { config: { directory: '/x', prefix: '../y' }, because: 'the prefix leaves the directory' },
    ],
  })) {
    it(c.name, c.run);
  }
});

describe('exporter file: objects', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDirectory();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('writes a batch as one object under its archive key, holding exactly the batch NDJSON', async () => {
    const { exporter } = createExporter({ directory: dir.path });
    await exporter.start?.();
    const batch = makeBatch(makeEvents(5));
    await exporter.export(batch, attempt());
    const key = `grantex-events/2026-03-01/12-00-00.123Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`;
    expect(await listFiles(dir.path)).toEqual([key]);
    const written = await readFile(join(dir.path, key));
    expect(written.equals(archiveBody(batch))).toBe(true);
    expect(written.toString().split('\n').slice(0, -1).map((line) => JSON.parse(line))).toEqual(makeEvents(5).map((e) => ({ ...e, ferry: { v: ENVELOPE_VERSION } })));
  });

  it('writes objects larger than its write buffer, several at once, each byte for byte (the buffers are lent one per write and reused)', async () => {
    const { exporter } = createExporter({ directory: dir.path });
    await exporter.start?.();
    // 5,000 events of about 160 bytes: each object is about three of the exporter's 256 KiB
    // pieces; four written at once, then four more through the same buffers.
    const rounds = [0, 1].map((round) => [0, 1, 2, 3].map((i) => makeBatch(makeEvents(5000, (4 * round + i) * 5000), 10_000 * (4 * round + i))));
    for (const batches of rounds) await Promise.all(batches.map((batch) => exporter.export(batch, attempt())));
    const files = await listFiles(dir.path);
    expect(files).toHaveLength(8);
    for (const batch of rounds.flat()) {
      const key = files.find((file) => file.includes(batch.id.slice(0, 12))) as string;
      const written = await readFile(join(dir.path, key));
      expect(written.length).toBeGreaterThan(512 * 1024);
      expect(written.equals(archiveBody(batch))).toBe(true);
    }
  });

  it('gzips objects that gunzip to exactly the batch NDJSON', async () => {
    const { exporter } = createExporter({ directory: dir.path, compression: 'gzip', prefix: 'archive' });
    await exporter.start?.();
    const batch = makeBatch(makeEvents(200));
    await exporter.export(batch, attempt());
    const key = `archive/2026-03-01/12-00-00.123Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson.gz`;
    expect(await listFiles(dir.path)).toEqual([key]);
    const gz = await readFile(join(dir.path, key));
    expect(gz[0]).toBe(0x1f);
    expect(gunzipSync(gz).equals(archiveBody(batch))).toBe(true);
  });

  it('writes the daily, hive and flat layouts, the same keys as archiveKey gives the s3 exporter', async () => {
    const batch = makeBatch(makeEvents(2), 7);
    const id = batch.id.slice(0, 12);
    const expected = {
      daily: `grantex-events/2026-03-01/12-00-00.123Z-000000000000000007-${id}.ndjson`,
      hive: `grantex-events/dt=2026-03-01/12-00-00.123Z-000000000000000007-${id}.ndjson`,
      flat: `grantex-events/2026-03-01T12-00-00-123Z-000000000000000007-${id}.ndjson`,
    } as const;
    for (const layout of ['daily', 'hive', 'flat'] as const) {
      const directory = join(dir.path, layout);
      const { exporter } = createExporter({ directory, layout });
      await exporter.start?.();
      await exporter.export(batch, attempt());
      expect(await listFiles(directory)).toEqual([expected[layout]]);
      expect(expected[layout]).toBe(archiveKey({ prefix: 'grantex-events', layout, compression: 'none', receivedAt: RECEIVED_AT, firstSeq: 7, batchId: batch.id }));
      expect((await readFile(join(directory, expected[layout]))).equals(archiveBody(batch))).toBe(true);
    }
  });

  it('writes no prefix folder when prefix is empty, and creates missing directories', async () => {
    const directory = join(dir.path, 'not', 'yet', 'there');
    const { exporter } = createExporter({ directory, prefix: '' });
    await exporter.start?.();
    const batch = makeBatch(makeEvents(1));
    await exporter.export(batch, attempt());
    expect(await listFiles(directory)).toEqual([`2026-03-01/12-00-00.123Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`]);
  });

  it('keeps one object for a retried batch, even one rebuilt from the log after a restart', async () => {
    const { exporter } = createExporter({ directory: dir.path });
    await exporter.start?.();
    const events = makeEvents(10);
    const batch = makeBatch(events);
    await exporter.export(batch, attempt());
    await exporter.export(batch, { signal: new AbortController().signal, attempt: 2 });
    const rebuilt = createBatch({ lines: events.map((e) => JSON.stringify(e)), receivedAt: RECEIVED_AT, firstSeq: 42 });
    const { exporter: afterRestart } = createExporter({ directory: dir.path });
    await afterRestart.start?.();
    await afterRestart.export(rebuilt, attempt());
    const files = await listFiles(dir.path);
    expect(files).toHaveLength(1);
    expect((await readFile(join(dir.path, files[0] as string))).equals(archiveBody(batch))).toBe(true);
  });

  it('writes different batches of the same millisecond as different objects, in sequence order', async () => {
    const { exporter } = createExporter({ directory: dir.path, fsync: false });
    await exporter.start?.();
    await Promise.all([exporter.export(makeBatch(makeEvents(3, 0), 100), attempt()), exporter.export(makeBatch(makeEvents(3, 3), 103), attempt())]);
    const files = await listFiles(dir.path);
    expect(files).toHaveLength(2);
    expect(files[0]).toContain('-000000000000000100-');
    expect(files[1]).toContain('-000000000000000103-');
  });

  it('never writes under the final name: the object arrives whole by a rename from the temp directory', async () => {
    const { exporter } = createExporter({ directory: dir.path });
    await exporter.start?.();
    // Large enough that writing it takes many write() calls.
    const batch = makeBatch(makeEvents(40_000));
    const name = `12-00-00.123Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`;
    const finalDirectory = join(dir.path, 'grantex-events', '2026-03-01');
    await mkdir(finalDirectory, { recursive: true });
    const finalEvents: string[] = [];
    const tempEvents: string[] = [];
    const finalWatcher = watch(finalDirectory, (type, file) => {
      if (file === name) finalEvents.push(type);
    });
    const tempWatcher = watch(join(dir.path, '.ferry-tmp'), (type, file) => tempEvents.push(`${type}:${file}`));
    try {
      await exporter.export(batch, attempt());
      // inotify reports one directory's events in order: once the name's arrival is seen,
      // any in-place write to it would have been reported before.
      await eventually(() => finalEvents.includes('rename'), 'the object to appear');
      await eventually(() => tempEvents.some((e) => e.endsWith('.tmp')), 'the temp file events');
    } finally {
      finalWatcher.close();
      tempWatcher.close();
    }
    expect(finalEvents).toEqual(['rename']);
    expect(tempEvents.some((e) => /^(rename|change):[0-9a-f]{12}\.\d+\.[0-9a-f]+\.tmp$/.test(e))).toBe(true);
    expect((await readFile(join(finalDirectory, name))).equals(archiveBody(batch))).toBe(true);
    expect(await readdir(join(dir.path, '.ferry-tmp'))).toEqual([]);
  });

  it('works without fsync too', async () => {
    const { exporter } = createExporter({ directory: dir.path, fsync: false });
    await exporter.start?.();
    const batch = makeBatch(makeEvents(4));
    await exporter.export(batch, attempt());
    const files = await listFiles(dir.path);
    expect(files).toHaveLength(1);
    expect((await readFile(join(dir.path, files[0] as string))).equals(archiveBody(batch))).toBe(true);
  });

  it('writes nothing, and leaves no temp file, for an attempt already aborted', async () => {
    const { exporter } = createExporter({ directory: dir.path });
    await exporter.start?.();
    const controller = new AbortController();
    controller.abort(new Error('attempt timed out'));
    await expect(exporter.export(makeBatch(makeEvents(3)), attempt(controller.signal))).rejects.toThrow('attempt timed out');
    expect(await listFiles(dir.path)).toEqual([]);
  });
});

describe('exporter file: start and failures', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDirectory();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('refuses at start a directory that is a file, naming it', async () => {
    const file = join(dir.path, 'archive');
    await writeFile(file, 'not a directory');
    const { exporter } = createExporter({ directory: file });
    await expect(exporter.start?.()).rejects.toThrow(ConfigError);
    await expect(exporter.start?.()).rejects.toThrow(`cannot use the archive directory ${file}: it exists and is a file, not a directory`);
  });

  it('refuses at start a directory that cannot be created, naming it and the cause', async () => {
    const file = join(dir.path, 'a-file');
    await writeFile(file, '');
    const directory = join(file, 'archive');
    const { exporter } = createExporter({ directory });
    await expect(exporter.start?.()).rejects.toThrow(ConfigError);
    await expect(exporter.start?.()).rejects.toThrow(`cannot use the archive directory ${directory}: a part of the path is a file, not a directory (ENOTDIR)`);
  });

  it('refuses a prefix that would leave the directory, in validate', () => {
    expect(configProblems(definition, { directory: dir.path, prefix: '../elsewhere' })).toEqual([`prefix: "../elsewhere" would write outside ${dir.path} or into its .ferry-tmp directory`]);
    expect(configProblems(definition, { directory: dir.path, prefix: 'a/../../b' })).toEqual([expect.stringMatching(/would write outside/)]);
    expect(configProblems(definition, { directory: dir.path, prefix: '.ferry-tmp' })).toEqual([expect.stringMatching(/\.ferry-tmp/)]);
    expect(configProblems(definition, { directory: dir.path, prefix: '/audit/2026' })).toEqual([]);
  });

  it('turns a write that cannot happen into a RetryableError naming the directory and the cause, and succeeds once it can', async () => {
    // Root ignores permissions, so instead of chmod a file takes the place of the prefix
    // folder: every write under it fails, as on a read-only disk, until it is removed.
    const { exporter } = createExporter({ directory: dir.path });
    await exporter.start?.();
    const blocker = join(dir.path, 'grantex-events');
    await writeFile(blocker, '');
    const batch = makeBatch(makeEvents(3));
    const failure = await exporter.export(batch, attempt()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as Error).message).toMatch(new RegExp(`^cannot write grantex-events/2026-03-01/\\S+\\.ndjson to ${dir.path}: a part of the path is a file, not a directory \\(ENOTDIR\\)$`));
    expect(await readdir(join(dir.path, '.ferry-tmp'))).toEqual([]);

    await rm(blocker);
    await exporter.export(batch, { signal: new AbortController().signal, attempt: 2 });
    expect(await listFiles(dir.path)).toEqual([`grantex-events/2026-03-01/12-00-00.123Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`]);
  });

  it('removes temp files left by a crashed run at start, keeping those of live writers', async () => {
    const temp = join(dir.path, '.ferry-tmp');
    await mkdir(temp, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const crashed = `3fa9c1d2e4b5.${deadPid}.0a0b0c0d0e0f.tmp`;
    const oldLive = `3fa9c1d2e4b6.${process.pid}.0a0b0c0d0e0f.tmp`;
    const inFlight = `3fa9c1d2e4b7.${process.pid}.0a0b0c0d0e0f.tmp`;
    for (const name of [crashed, oldLive, inFlight, 'stray-file']) await writeFile(join(temp, name), '{"id":"evt_');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(join(temp, oldLive), twoHoursAgo, twoHoursAgo);

    const { exporter, context } = createExporter({ directory: dir.path });
    await exporter.start?.();
    expect(await readdir(temp)).toEqual([inFlight]);
    expect(context.logs.some((l) => l.message.includes('removed unfinished objects') && l.fields.files === 3)).toBe(true);
  });
});
