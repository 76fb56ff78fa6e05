/**
 * Compiles every package's TypeScript sources to JavaScript in its `dist/`, file by file
 * (esbuild transpiles; `pnpm typecheck` checks types). The `ferry` binary runs the compiled
 * code, so it starts fast and lean; tests and editors read the sources through the
 * `ferry-source` export condition. A package with a `tsconfig.build.json` (the SDK, which
 * plugin authors outside this repository type-check against) also gets its declarations.
 * Runs after `pnpm install` and before `pnpm test`.
 */
import { build, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { draft07CheckCode, DRAFT_07_CHECK_FILE } from '../packages/sdk/src/validation.js';

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

/**
 * The packages every `ferry` start loads are bundled instead (esbuild, split into chunks so
 * that each module exists once across a package's entry points), with the pure-JavaScript
 * dependencies named here inlined: Node resolved and read about 700 files at each start,
 * a third of its start-up. Everything else stays an import of the installed package: the
 * other Ferry packages (plugins must share one SDK), pino-pretty (loaded only for a
 * terminal), tsx. OpenTelemetry's API keeps its state in one process-wide global, so a
 * plugin's own copy still meets the host's.
 */
const BUNDLED: Record<string, { inline: readonly string[]; entries?: readonly string[] }> = {
  sdk: { inline: ['@sinclair/typebox', 'ajv', 'ajv-formats', 'fast-uri', 'fast-deep-equal', 'json-schema-traverse', 'require-from-string'], entries: ['docs/readme-cli.ts'] },
  host: {
    inline: ['@opentelemetry/api', 'pino', '@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus', '@opentelemetry/core', '@opentelemetry/resources', '@opentelemetry/semantic-conventions', 'semver', 'fastest-levenshtein', 'import-meta-resolve'],
  },
  cli: { inline: ['commander'], entries: ['main.ts'] },
};

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Bare imports of the package's own code stay imports unless their package is one to inline (with what it imports in turn). */
function externalExcept(inline: readonly string[]): Plugin {
  return {
    name: 'external-except',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.kind === 'entry-point' || args.importer.includes('/node_modules/') || inline.includes(packageNameOf(args.path)) ? undefined : { path: args.path, external: true }));
    },
  };
}

async function bundledEntries(pkg: string, src: string, extra: readonly string[]): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { exports?: Record<string, { 'ferry-source'?: string }> };
  const fromExports = Object.values(manifest.exports ?? {}).flatMap((entry) => (entry['ferry-source'] === undefined ? [] : [join(pkg, entry['ferry-source'])]));
  return [...new Set([...fromExports, ...extra.map((file) => join(src, file))])];
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
    const bundled = group === 'packages' ? BUNDLED[name] : undefined;
    if (bundled === undefined) {
      await build({ entryPoints, outdir: join(pkg, 'dist'), outbase: src, format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'warning' });
    } else {
      await build({
        entryPoints: await bundledEntries(pkg, src, bundled.entries ?? []),
        outdir: join(pkg, 'dist'),
        outbase: src,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        bundle: true,
        splitting: true,
        // At dist/'s root, where code that finds its package's files by relative path (../package.json) expects to be.
        chunkNames: '[name]-[hash]',
        plugins: [externalExcept(bundled.inline)],
        // Inlined CommonJS (ajv, semver) calls require.
        banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
        logLevel: 'warning',
      });
    }
    files += entryPoints.length;
    const declarations = join(pkg, 'tsconfig.build.json');
    if (existsSync(declarations)) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', declarations], { stdio: 'inherit' });
  }
}
// ajv's draft-07 meta-schema check as code, beside the SDK's (see draft07CheckCode).
await writeFile(join(ROOT, 'packages', 'sdk', 'dist', DRAFT_07_CHECK_FILE), draft07CheckCode());
process.stdout.write(`built ${files} files in ${Date.now() - started} ms (${relative(process.cwd(), ROOT) || '.'})\n`);
