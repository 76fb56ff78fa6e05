import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT } from './support/ferry-process.js';

const run = promisify(execFile);

describe('generated documentation', () => {
  it('the option tables and the README custom exporter match the code (`pnpm run docs` regenerates them)', async () => {
    const result = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), ['--conditions=ferry-source', join(ROOT, 'scripts', 'generate-docs.ts'), '--check'], { cwd: ROOT }).catch((error: { stderr: string; code: number }) => error);
    expect('stderr' in result ? result.stderr : '').toBe('');
  });
});
