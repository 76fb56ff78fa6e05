import { describe, expect, it } from 'vitest';
import { splitForWrite } from './chunking.js';
import { createRandom } from './random.js';

const text = Buffer.from('data: {"city":"Zürich","title":"カレンダーへのアクセス","name":"Łukasz Wróbel"}\n\n'.repeat(20));
const isContinuation = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x80 && byte < 0xc0;

describe('splitForWrite', () => {
  it('keeps a buffer whole with none', () => {
    expect(splitForWrite(text, 'none', createRandom(1))).toEqual([text]);
  });

  it('cuts 1–7 byte pieces with bytes', () => {
    const pieces = splitForWrite(text, 'bytes', createRandom(1));
    expect(Buffer.concat(pieces)).toEqual(text);
    for (const piece of pieces) expect(piece.length).toBeGreaterThanOrEqual(1);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(7);
    expect(new Set(pieces.map((p) => p.length)).size).toBe(7);
  });

  it('cuts at random places with random, often inside multi-byte characters', () => {
    const pieces = splitForWrite(text, 'random', createRandom(2));
    expect(Buffer.concat(pieces)).toEqual(text);
    expect(pieces.length).toBeGreaterThan(10);
    const insideCharacter = pieces.slice(1).filter((piece) => isContinuation(piece[0])).length;
    expect(insideCharacter).toBeGreaterThan(5);
  });
});
