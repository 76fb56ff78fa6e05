import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { archiveKey, archivePieces, encodeObject } from '@ferry/archive';
import { ConfigError, RetryableError, type Batch, type ExportContext, type Exporter, type Logger } from '@ferry/sdk';
import type { FileConfig } from './config.js';
import { describeFsError, errorCode, isTransientFsError, realMkdirError } from './errors.js';
import { removeStaleTempFiles, TEMP_DIRECTORY, tempName } from './temp.js';
import { PieceBuffers } from './piece-buffers.js';
import { writeAtomically } from './write.js';

// 256 KiB: a 5,000-event object goes out in five writes, and the buffers stay small beside
// the batches they carry whatever the batch size.
const PIECE_BYTES = 256 * 1024;

/** Writes each batch as one archive object under `directory`, atomically (options checked by `validateFile` first). */
export class FileExporter implements Exporter {
  readonly #config: FileConfig;
  readonly #logger: Logger;
  readonly #directory: string;
  readonly #tempDirectory: string;
  readonly #pieces = new PieceBuffers(PIECE_BYTES);

  constructor(config: FileConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#directory = resolve(config.directory);
    this.#tempDirectory = join(this.#directory, TEMP_DIRECTORY);
  }

  /** Proves the directory can be created and written, and clears a crash's leftovers. */
  async start(): Promise<void> {
    const directory = this.#directory;
    const refuse = (error: unknown): never => {
      const message = `cannot use the archive directory ${directory}: ${describeFsError(error)}`;
      if (isTransientFsError(error)) throw new RetryableError(`${message}; writes will be retried until there is room`, { cause: error });
      throw new ConfigError(message, { cause: error });
    };
    const existing = await stat(directory).catch((error: unknown) => (errorCode(error) === 'ENOENT' ? undefined : refuse(error)));
    if (existing !== undefined && !existing.isDirectory()) throw new ConfigError(`cannot use the archive directory ${directory}: it exists and is a file, not a directory`);
    try {
      await mkdir(this.#tempDirectory, { recursive: true });
    } catch (error) {
      refuse(await realMkdirError(error, this.#tempDirectory));
    }
    const removed = await removeStaleTempFiles(this.#tempDirectory).catch(refuse);
    if (removed.length > 0) this.#logger.info('removed unfinished objects left by an earlier run', { directory: this.#tempDirectory, files: removed.length });
    const probe = join(this.#tempDirectory, tempName('probe'));
    try {
      await writeFile(probe, 'ferry write probe\n', { flag: 'wx' });
      await unlink(probe);
    } catch (error) {
      await unlink(probe).catch(() => undefined);
      refuse(error);
    }
  }

  async export(batch: Batch, context: ExportContext): Promise<void> {
    const { prefix, layout, compression, fsync } = this.#config;
    const key = archiveKey({ prefix, layout, compression, receivedAt: batch.receivedAt, firstSeq: batch.firstSeq, batchId: batch.id });
    const path = join(this.#directory, key);
    const options = { tempDirectory: this.#tempDirectory, fsync, signal: context.signal, batchId: batch.id };
    // Compressed, the object is smaller and must exist whole before it is written; plain, it
    // is written through a reused buffer (see `archivePieces`).
    const compressed = compression === 'gzip' ? await encodeObject(batch, compression) : undefined;
    try {
      if (compressed !== undefined) await writeAtomically(path, () => [compressed], options);
      else await this.#pieces.lend((scratch) => writeAtomically(path, () => archivePieces(batch, scratch), options));
    } catch (error) {
      if (context.signal.aborted) throw error;
      throw new RetryableError(`cannot write ${key} to ${this.#directory}: ${describeFsError(error)}`, { cause: error });
    }
  }
}
