import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './ferry-process.js';

export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
  /** The line of the opening fence (1-based), to name the block in a failure. */
  readonly line: number;
}

/** Every fenced code block of a Markdown file of this repository, in order. */
export async function codeBlocks(file = 'README.md'): Promise<CodeBlock[]> {
  const lines = (await readFile(join(ROOT, file), 'utf8')).split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    blocks.push({ lang: open[1] ?? '', code: `${lines.slice(i + 1, end).join('\n')}\n`, line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The code of the block between `<!-- marker:start -->` and `<!-- marker:end -->`. */
export async function markedBlock(marker: string, file = 'README.md'): Promise<string> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const from = text.indexOf(`<!-- ${marker}:start -->`);
  const to = text.indexOf(`<!-- ${marker}:end -->`);
  const block = /```\w*\n([\s\S]*?)```/.exec(text.slice(from, to));
  if (from === -1 || to === -1 || block === null) throw new Error(`${file} has no code block marked ${marker}`);
  return block[1] ?? '';
}
