import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, RawDeadLetter } from '@ferry/sdk';
import { safeName } from '../collector/context.js';
import { describeStorageError } from '../log/disk/disk-errors.js';
import { wait } from '../delivery/wait.js';
import { deadLetterDirectory } from './store.js';

/** One receiver dead letter as kept on disk: one JSON line each, the input in base64 (it may not be text). */
export interface ReceiverDeadLetterEntry {
  readonly at: string;
  readonly receiver: string;
  readonly reason: string;
  readonly source?: RawDeadLetter['source'];
  /** The input exactly as received, base64. */
  readonly bytes: string;
}

/** Where a receiver's dead letters are kept: beside the exporters' files, in a folder of their own (they are not replayable events). */
export function receiverDeadLetterFile(storageDirectory: string, receiver: string): string {
  return join(deadLetterDirectory(storageDirectory), 'receivers', `${safeName(receiver)}.ndjson`);
}

function entryLine(receiver: string, letter: RawDeadLetter): string {
  const entry: ReceiverDeadLetterEntry = {
    at: new Date().toISOString(),
    receiver,
    reason: letter.reason,
    ...(letter.source === undefined ? {} : { source: letter.source }),
    bytes: Buffer.from(letter.bytes.buffer, letter.bytes.byteOffset, letter.bytes.byteLength).toString('base64'),
  };
  return `${JSON.stringify(entry)}\n`;
}

/**
 * `ReceiverContext.deadLetter` for one receiver: with storage, the input is appended to its
 * file and fsynced before the call resolves (a failing write is retried; the receiver waits,
 * so nothing is let go upstream before it is kept); without storage it is logged at error
 * level with its bytes, the only place left to keep it.
 */
export function receiverDeadLetters(storageDirectory: string | undefined, receiver: string, logger: Logger, signal: AbortSignal): (letter: RawDeadLetter) => Promise<void> {
  if (storageDirectory === undefined) {
    return async (letter) => {
      const entry = JSON.parse(entryLine(receiver, letter)) as ReceiverDeadLetterEntry;
      logger.error('dead-lettered input that is not an event (not kept on disk: no storage configured)', { ...entry });
    };
  }
  const file = receiverDeadLetterFile(storageDirectory, receiver);
  return async (letter) => {
    const line = entryLine(receiver, letter);
    for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        await mkdir(join(file, '..'), { recursive: true });
        const handle = await open(file, 'a');
        try {
          await handle.appendFile(line);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        logger.warn('dead-lettered input that is not an event', { reason: letter.reason, source: letter.source, bytes: letter.bytes.byteLength, file });
        return;
      } catch (error) {
        logger.error(`cannot keep a dead letter: ${describeStorageError(error, file)}; retrying (the receiver waits, nothing is let go)`);
        if (signal.aborted) throw error;
        await wait(delay, signal);
      }
    }
  };
}

/** Each receiver's dead-letter file in a storage directory, with how many inputs it keeps (`ferry dlq list`). */
export async function receiverDeadLetterFiles(storageDirectory: string): Promise<Array<{ receiver: string; path: string; inputs: number }>> {
  const directory = join(deadLetterDirectory(storageDirectory), 'receivers');
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.ndjson')).sort();
  } catch {
    return [];
  }
  const found: Array<{ receiver: string; path: string; inputs: number }> = [];
  for (const name of names) {
    const path = join(directory, name);
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    const receiver = lines.length > 0 ? ((JSON.parse(lines[0] as string) as Partial<ReceiverDeadLetterEntry>).receiver ?? name.slice(0, -'.ndjson'.length)) : name.slice(0, -'.ndjson'.length);
    found.push({ receiver, path, inputs: lines.length });
  }
  return found;
}
