import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, RetryableError } from '@ferry/sdk';
import { attempt, createExporter, listFiles, makeBatch, makeEvents, tempDirectory } from './test-support.js';

/**
 * A real full and a real read-only file system: small tmpfs mounts made for the test.
 * Mounting needs root (which also makes chmod useless for simulating these), as the
 * host's disk log suite does; without it this suite fails loudly. exporter.test.ts
 * covers the same error paths without mounting (a file in the way of a directory).
 */
let mountPoint: { path: string; cleanup: () => Promise<void> };

function mountTmpfs(path: string, options: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path]);
  } catch (error) {
    throw new Error(`this suite mounts a small tmpfs and needs root (mount failed: ${(error as Error).message})`);
  }
}

beforeAll(async () => {
  mountPoint = await tempDirectory();
  mountTmpfs(mountPoint.path, 'size=512k');
});

afterAll(async () => {
  execFileSync('umount', [mountPoint.path]);
  await mountPoint.cleanup();
});

async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

describe('exporter file on a file system that fills up or turns read-only', () => {
  it('reports a full disk as retryable, leaves nothing half-written, and writes once there is room', async () => {
    const directory = join(mountPoint.path, 'full');
    const { exporter } = createExporter({ directory });
    await exporter.start?.();
    await mkdir(join(directory, 'grantex-events', '2026-03-01'), { recursive: true });
    const filler = join(mountPoint.path, 'filler');
    await writeFile(filler, Buffer.alloc(Math.max(0, (await freeBytes(mountPoint.path)) - 8192)));
    const batch = makeBatch(makeEvents(1000));
    expect(batch.bytes).toBeGreaterThan(64 * 1024);

    const failure = await exporter.export(batch, attempt()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as Error).message).toMatch(new RegExp(`^cannot write grantex-events/2026-03-01/\\S+ to ${directory}: the disk is full \\(ENOSPC\\)$`));
    expect(await listFiles(directory)).toEqual([]);

    await rm(filler);
    await exporter.export(batch, { signal: new AbortController().signal, attempt: 2 });
    expect(await listFiles(directory)).toHaveLength(1);
    await rm(directory, { recursive: true });
  });

  it('reports a disk turned read-only as retryable, naming the directory, and writes once it is writable again', async () => {
    const directory = join(mountPoint.path, 'ro');
    const { exporter } = createExporter({ directory });
    await exporter.start?.();
    execFileSync('mount', ['-o', 'remount,ro', mountPoint.path]);
    const batch = makeBatch(makeEvents(5));
    let failure: unknown;
    try {
      failure = await exporter.export(batch, attempt()).catch((error: unknown) => error);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint.path]);
    }
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as Error).message).toMatch(new RegExp(`^cannot write \\S+ to ${directory}: the file system is read-only \\(EROFS\\)$`));
    await exporter.export(batch, { signal: new AbortController().signal, attempt: 2 });
    expect(await listFiles(directory)).toHaveLength(1);
    await rm(directory, { recursive: true });
  });

  it('refuses to start on a read-only file system with a ConfigError naming the directory and the cause', async () => {
    const readOnly = await tempDirectory();
    mountTmpfs(readOnly.path, 'size=64k,ro');
    try {
      const directory = join(readOnly.path, 'archive');
      const { exporter } = createExporter({ directory });
      const failure = await Promise.resolve(exporter.start?.()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as Error).message).toBe(`cannot use the archive directory ${directory}: the file system is read-only (EROFS)`);
    } finally {
      execFileSync('umount', [readOnly.path]);
      await readOnly.cleanup();
    }
  });

  it('warns (retryable) instead of refusing to start when the disk is full, since space can come back', async () => {
    const directory = join(mountPoint.path, 'full-at-start');
    await mkdir(directory);
    const filler = join(mountPoint.path, 'filler');
    await writeFile(filler, Buffer.alloc(await freeBytes(mountPoint.path))).catch(() => undefined);
    try {
      const { exporter } = createExporter({ directory });
      const failure = await Promise.resolve(exporter.start?.()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RetryableError);
      expect((failure as Error).message).toContain(`cannot use the archive directory ${directory}: the disk is full (ENOSPC)`);
      expect(await readdir(join(directory, '.ferry-tmp'))).toEqual([]);
    } finally {
      await rm(filler, { force: true });
      await rm(directory, { recursive: true });
    }
  });
});
