import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const NEWLINE = 0x0a;

/** Why an object could not be read to its end. */
export class ObjectDamage extends Error {
  override readonly name = 'ObjectDamage';
  /** The number of the line the object ends in (the last whole line + 1). */
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/**
 * Streams an object's NDJSON lines to `onLine` as bytes (1-based line numbers, empty lines
 * included in the count), decompressing gzip on the way: only one chunk and one partial
 * line are ever held, and a line is a view of the chunk (valid only during the call).
 * Rejects with ObjectDamage when the object cannot be read to its end (a truncated gzip, a
 * cut-off last line), naming the line where it ends.
 */
export async function readLines(body: Readable, gzip: boolean, onLine: (bytes: Buffer, line: number) => void): Promise<number> {
  // Large chunks: fewer trips between the zlib thread and this loop (each one left the loop idle).
  const stream = gzip ? body.pipe(createGunzip({ chunkSize: 256 * 1024 })) : body;
  if (gzip) body.once('error', (error) => stream.destroy(error));
  let line = 0;
  let partial: Buffer | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        line++;
        const bytes = partial === undefined ? chunk.subarray(start, end) : Buffer.concat([partial, chunk.subarray(start, end)]);
        partial = undefined;
        onLine(bytes, line);
        start = end + 1;
      }
      if (start < chunk.length) partial = partial === undefined ? Buffer.from(chunk.subarray(start)) : Buffer.concat([partial, chunk.subarray(start)]);
    }
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'unexpected end of file' : (error as Error).message;
    throw new ObjectDamage(`it cannot be read past line ${line}: ${why} (truncated or corrupted)`, line + 1);
  }
  if (partial !== undefined && partial.length > 0) {
    // Ferry ends every line with a newline: text after the last one is what is left of a cut-off record.
    line++;
    if (!isJson(partial.toString('utf8'))) throw new ObjectDamage(`it ends inside line ${line}, which is cut off (truncated)`, line);
    onLine(partial, line);
  }
  return line;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
