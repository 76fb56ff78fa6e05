import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RetryableError, type Logger } from '@ferry/sdk';
import type { LoadedConfig } from '../config/types.js';
import { buildExporters } from '../collector/build.js';
import { safeName } from '../collector/context.js';
import { MemoryLog } from '../log/memory-log.js';
import { lineSizes } from '../log/records.js';
import { acquireLock } from '../log/disk/lock.js';
import { ExporterRunner } from '../delivery/runner.js';
import { resolveBatchPolicy } from '../delivery/policy.js';
import { Telemetry } from '../telemetry/metrics.js';
import { deadLetterFiles, DiskDeadLetters, readDeadLetters, removeReplayed, takeForReplay, unreadableFile, type DeadLetterEntry } from './store.js';

export interface ReplayOptions {
  readonly loaded: Pick<LoadedConfig, 'config' | 'registry'>;
  /** Only this exporter's dead letters; all exporters' when absent. */
  readonly exporter?: string;
  readonly logger: Logger;
  /** How long to keep retrying a destination that fails before putting the rest back. */
  readonly timeoutMs: number;
}

export interface ReplayResult {
  readonly exporter: string;
  readonly replayed: number;
  readonly deadLetteredAgain: number;
  /** Lines that could not be read: kept in `<exporter>.unreadable` beside the dead letters, not replayed. */
  readonly unreadable: number;
  /** Put back as dead letters because the destination did not take them before the timeout. */
  readonly putBack: number;
}

const FEED_CHUNK = 5000;

/**
 * Sends dead letters again through the exporter they failed on, with the same batching,
 * retries and dead-lettering as a running collector. Needs the collector stopped (it takes
 * the pipelines' locks). A letter is removed only once delivered or dead-lettered again;
 * what the destination does not take before the timeout is put back.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult[]> {
  const storage = options.loaded.config.storage;
  if (storage === undefined) throw new Error('dead letters are kept only with "storage" configured, and this config has none');
  const releases: Array<() => Promise<void>> = [];
  try {
    for (const pipeline of Object.keys(options.loaded.config.service.pipelines)) {
      releases.push(await acquireLock(join(storage.directory, 'pipelines', safeName(pipeline))).catch((error: Error) => {
        throw new Error(`${error.message}: stop the collector before replaying dead letters`);
      }));
    }
    const results: ReplayResult[] = [];
    for (const file of await deadLetterFiles(storage.directory)) {
      if (options.exporter !== undefined && file.exporter !== safeName(options.exporter)) continue;
      results.push(await replayFile(options, await takeForReplay(file), storage.directory, file.exporter));
    }
    return results;
  } finally {
    for (const release of releases) await release();
  }
}

/** Appends lines no reader could decode to the exporter's `.unreadable` file, saying so. */
async function keepUnreadable(lines: readonly string[], storageDirectory: string, exporter: string, logger: Logger): Promise<void> {
  if (lines.length === 0) return;
  const kept = unreadableFile(storageDirectory, exporter);
  await appendFile(kept, `${lines.join('\n')}\n`);
  logger.error(`${lines.length} dead letters of exporter "${exporter}" could not be read and were not replayed; they are kept in ${kept}`, { unreadable: lines.length, file: kept });
}

async function replayFile(options: ReplayOptions, path: string, storageDirectory: string, fileExporter: string): Promise<ReplayResult> {
  // A line that cannot be read is kept aside, never dropped with the replayed file.
  const unreadable: string[] = [];
  const first = await readDeadLetters(path, (_line, text) => unreadable.push(text)).next();
  if (first.done) {
    await keepUnreadable(unreadable, storageDirectory, fileExporter, options.logger);
    await removeReplayed(path);
    return { exporter: fileExporter, replayed: 0, deadLetteredAgain: 0, unreadable: unreadable.length, putBack: 0 };
  }
  unreadable.length = 0;
  const { exporter: id, pipeline } = first.value;
  if (options.loaded.config.exporters[id] === undefined) {
    throw new Error(`dead letters of exporter "${id}" cannot be replayed: it is not in this config (left in ${path})`);
  }
  const abort = new AbortController();
  const telemetry = new Telemetry();
  const logger = options.logger.child({ component: `exporter/${id}`, replay: true });
  const built = buildExporters(
    {
      loaded: options.loaded,
      logger: options.logger,
      telemetry,
      signal: abort.signal,
      onComponentError: (_k, _i, error) => logger.error(error.message),
      // A replay runs no pipeline, so no exporter can tell how far another has got.
      progress: { of: () => undefined },
    },
    new Set([id]),
  ).get(id)!;
  try {
    await built.component.start();
  } catch (error) {
    if (!(error instanceof RetryableError)) throw error;
    logger.warn('destination unreachable at start; retrying while replaying', { error: error.message });
  }
  const log = new MemoryLog({ maxBytes: 64 * 1024 * 1024 });
  const recorder = telemetry.component('exporter', id, pipeline);
  const cursor = log.cursor(id);
  const runner = new ExporterRunner({
    pipeline,
    exporterId: id,
    exporter: built.component.instance,
    gate: built.gate,
    cursor,
    endSeq: () => log.endSeq,
    accepted: () => log.endSeq,
    nextAppend: () => log.nextAppend(),
    delivery: { ...built.delivery, batch: resolveBatchPolicy(built.ownBatching, [], built.batchDefaults, built.limits) },
    recorder,
    logger,
    deadLetters: new DiskDeadLetters(storageDirectory, logger, abort.signal),
    fromPipelineLog: false,
  });
  runner.start();
  const deadline = Date.now() + options.timeoutMs;
  let chunk: DeadLetterEntry[] = [];
  const feed = async () => {
    const lines = chunk.map((entry) => JSON.stringify(entry.event));
    const sized = lineSizes(lines);
    await log.room(sized.bytes);
    void log.append(chunk.map((entry) => entry.event), lines, undefined, sized);
    chunk = [];
  };
  for await (const entry of readDeadLetters(path, (_line, text) => unreadable.push(text))) {
    chunk.push(entry);
    if (chunk.length >= FEED_CHUNK) await feed();
  }
  if (chunk.length > 0) await feed();
  await keepUnreadable(unreadable, storageDirectory, id, logger);
  await runner.drain(deadline);
  abort.abort();
  await runner.stop();
  await built.component.shutdown();
  // Everything from the first letter not finished on is kept (some after it may have been delivered: at-least-once).
  const putBack = cursor.committed < log.endSeq ? await putBackRest(path, cursor.committed, storageDirectory, id) : 0;
  await removeReplayed(path);
  return { exporter: id, replayed: recorder.counts.sent, deadLetteredAgain: recorder.counts.failed, unreadable: unreadable.length, putBack };
}

/** Appends the letters from index `from` on back to the exporter's live dead-letter file. */
async function putBackRest(path: string, from: number, storageDirectory: string, exporter: string): Promise<number> {
  let index = 0;
  let body = '';
  let count = 0;
  for await (const entry of readDeadLetters(path)) {
    if (index++ < from) continue;
    body += `${JSON.stringify(entry)}\n`;
    count++;
  }
  await appendFile(join(storageDirectory, 'deadletters', `${safeName(exporter)}.ndjson`), body);
  return count;
}
