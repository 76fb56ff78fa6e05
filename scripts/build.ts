/**
 * Compiles every package's TypeScript sources to JavaScript in its `dist/`, file by file
 * (esbuild transpiles; `pnpm typecheck` checks types). The `ferry` binary runs the compiled
 * code, so it starts fast and lean; tests and editors read the sources through the
 * `ferry-source` export condition. A package with a `tsconfig.build.json` (the SDK, which
 * plugin authors outside this repository type-check against) also gets its declarations.
 * Runs after `pnpm install` and before `pnpm test`.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function sources(directory: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const started = Date.now();
let files = 0;
for (const group of ['packages', 'plugins']) {
  for (const name of await readdir(join(ROOT, group))) {
    const pkg = join(ROOT, group, name);
    const src = join(pkg, 'src');
    let entryPoints: string[];
    try {
      entryPoints = await sources(src);
    } catch {
      continue;
    }
    await rm(join(pkg, 'dist'), { recursive: true, force: true });
    await build({ entryPoints, outdir: join(pkg, 'dist'), outbase: src, format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'warning' });
    files += entryPoints.length;
    const declarations = join(pkg, 'tsconfig.build.json');
    if (existsSync(declarations)) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', declarations], { stdio: 'inherit' });
  }
}
process.stdout.write(`built ${files} files in ${Date.now() - started} ms (${relative(process.cwd(), ROOT) || '.'})\n`);
