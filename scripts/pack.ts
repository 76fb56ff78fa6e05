/**
 * `pnpm pack:all [destination]`: packs every Ferry package (`pnpm pack`, which rewrites the
 * `workspace:*` dependencies to versions) into `destination` (default `.tmp/packages`), so
 * Ferry can be installed with plain npm from those files while it is not on the registry:
 *
 *   npm install <destination>/ferry-{cli,host,sdk,verify,archive}-0.1.0.tgz <destination>/ferry-<plugin>-0.1.0.tgz …
 *
 * The packages carry the JavaScript `pnpm build` compiled into their dist/ (run at install).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const destination = resolve(process.argv[2] ?? join(ROOT, '.tmp', 'packages'));

const unbuilt = ['packages', 'plugins'].flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(group, name))).filter((pkg) => existsSync(join(ROOT, pkg, 'src')) && !existsSync(join(ROOT, pkg, 'dist')));
if (unbuilt.length > 0) {
  process.stderr.write(`pack: ${unbuilt.join(', ')} not built: run \`pnpm build\` first\n`);
  process.exit(1);
}

mkdirSync(destination, { recursive: true });
// pnpm itself when run through it (pnpm sets npm_execpath), else the one on PATH.
const pnpm = process.env.npm_execpath;
const [command, prefix] = pnpm !== undefined && /pnpm\.c?js$/.test(pnpm) ? [process.execPath, [pnpm]] : ['pnpm', []];
execFileSync(command, [...prefix, '-r', '--filter', './packages/*', '--filter', './plugins/*', 'pack', '--pack-destination', destination], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const tarballs = readdirSync(destination).filter((name) => /^(ferry|create-ferry)-.*\.tgz$/.test(name)).sort();
process.stdout.write(`packed ${tarballs.length} packages into ${destination}:\n${tarballs.map((t) => `  ${t}`).join('\n')}\n`);
