import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ferry/sdk';
import { DiskLog } from './disk-log.js';
import { eventually, makeEvents, tempDirectory } from '../../testing/fixtures.js';

/**
 * A real full (and then read-only) file system: a 512 KiB tmpfs mounted for the test.
 * Mounting needs root, which the CI machine has; without it this suite fails loudly.
 */
let mountPoint: { path: string; cleanup: () => Promise<void> };
const errors: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message) => errors.push(message),
  child: () => logger,
};

beforeAll(async () => {
  mountPoint = await tempDirectory('ferry-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint.path]);
  } catch (error) {
    throw new Error(`this suite mounts a small tmpfs to fill a real disk and needs root (mount failed: ${(error as Error).message})`);
  }
});

afterAll(async () => {
  execFileSync('umount', [mountPoint.path]);
  await mountPoint.cleanup();
});

async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

describe('the disk log on a file system that fills up or turns read-only', () => {
  it('names the problem, pushes back, and writes everything once the disk has room again', async () => {
    const directory = join(mountPoint.path, 'log');
    await mkdir(directory);
    const log = await DiskLog.open({ directory, fsync: 'batch', fsyncIntervalMs: 1000, maxBytes: 1024 ** 3, cacheBytes: 1024 * 1024, segmentBytes: 1024 ** 3, cursorNames: ['a'], logger });
    const cursor = log.cursor('a');
    await log.append(makeEvents(5), makeEvents(5).map((e) => JSON.stringify(e)));

    // Fill the file system, leaving less than the next append needs.
    const filler = join(mountPoint.path, 'filler');
    await writeFile(filler, Buffer.alloc(Math.max(0, (await freeBytes(mountPoint.path)) - 2048)));
    const big = makeEvents(200, 5);
    let written = false;
    const appended = log.append(big, big.map((e) => JSON.stringify(e))).then(() => {
      written = true;
    });
    await eventually(() => log.blocked !== undefined, 'the log to notice the full disk');
    expect(log.blocked).toContain('is full (ENOSPC)');
    expect(errors.some((e) => e.includes('is full (ENOSPC)') && e.includes('nothing already accepted is lost'))).toBe(true);
    expect(log.hasRoom(10)).toBe(false);
    expect(written).toBe(false);

    await rm(filler);
    await appended;
    expect(log.blocked).toBeUndefined();
    const read: string[] = [];
    for (let s = await cursor.take(1000, 1e9); s; s = await cursor.take(1000, 1e9)) read.push(...s.lines);
    expect(read).toEqual([...makeEvents(5), ...big].map((e) => JSON.stringify(e)));
    await log.close();

    // Nothing half-written was left behind: a fresh open sees exactly those events.
    const again = await DiskLog.open({ directory, fsync: 'batch', fsyncIntervalMs: 1000, maxBytes: 1024 ** 3, cacheBytes: 0, segmentBytes: 1024 ** 3, cursorNames: ['b'], logger });
    expect(again.endSeq).toBe(205);
    await again.close();
  });

  it('refuses to start on a read-only file system, naming the directory and the cause', async () => {
    const readOnly = await tempDirectory('ferry-ro-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', readOnly.path]);
    try {
      await expect(
        DiskLog.open({ directory: readOnly.path, fsync: 'batch', fsyncIntervalMs: 1000, maxBytes: 1024 ** 3, cacheBytes: 0, segmentBytes: 1024 ** 3, cursorNames: ['a'], logger }),
      ).rejects.toThrow(`cannot use the storage directory ${readOnly.path}: ${readOnly.path} is on a read-only file system (EROFS)`);
    } finally {
      execFileSync('umount', [readOnly.path]);
      await readOnly.cleanup();
    }
  });
});
