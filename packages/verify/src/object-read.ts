import type { Readable } from 'node:stream';
import { checkLineBytes, type Hashers, type LineResult } from './line-check.js';
import { ObjectDamage, readLines } from './lines.js';

/** Every line of one archive object checked on its own (`checkLine`), and where reading it stopped, if it did. */
export interface ObjectResult {
  /** One per line, in order (line n is `results[n - 1]`). */
  readonly results: LineResult[];
  /** Set when the object could not be read to its end. */
  readonly damage?: { readonly line: number; readonly problem: string };
}

/** Reads and checks one object, streaming (gzip or not): only one chunk and one line are held besides the results. */
export async function readObject(body: Readable, gzip: boolean, hashers: Hashers): Promise<ObjectResult> {
  const results: LineResult[] = [];
  try {
    await readLines(body, gzip, (bytes) => results.push(checkLineBytes(bytes, hashers)));
    return { results };
  } catch (error) {
    if (error instanceof ObjectDamage) return { results, damage: { line: error.line, problem: `the object is damaged: ${error.message}` } };
    return { results, damage: { line: 0, problem: `the object cannot be read: ${(error as Error).message}` } };
  }
}
