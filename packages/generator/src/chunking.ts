import type { Random } from './random.js';

export type SplitMode = 'none' | 'random' | 'bytes';

/** True for the first byte of a multi-byte UTF-8 character. */
const isLeadByte = (byte: number): boolean => byte >= 0xc0;

/**
 * Cuts `buffer` into the pieces written one by one: whole (`none`), 1–7 bytes each
 * (`bytes`), or cuts at random places up to 256 bytes apart (`random`), half of which
 * fall inside a multi-byte UTF-8 character when one is in reach, since that is where a
 * client that decodes each piece on its own goes wrong.
 */
export function splitForWrite(buffer: Buffer, mode: SplitMode, random: Random): Buffer[] {
  if (mode === 'none' || buffer.length === 0) return [buffer];
  const pieces: Buffer[] = [];
  for (let at = 0; at < buffer.length; ) {
    let end = Math.min(buffer.length, at + 1 + random.int(mode === 'bytes' ? 7 : 256));
    if (mode === 'random' && random.next() < 0.5) {
      for (let i = at; i < end - 1; i++) {
        if (isLeadByte(buffer[i] as number)) {
          end = i + 1;
          break;
        }
      }
    }
    pieces.push(buffer.subarray(at, end));
    at = end;
  }
  return pieces;
}
