import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FerryEvent } from '@ferry/sdk';
import { ferry, ROOT, runFerry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { startNdjsonSink, type NdjsonSink } from '../support/ndjson-sink.js';
import { freePort } from '../support/ports.js';
import { expectBooksBalanced } from '../support/books.js';

const run = promisify(execFile);

/**
 * The scaffold as a plugin author meets it, outside this repository: `ferry new` (and
 * `npm create ferry-plugin`'s bin) write one package of each kind into an empty folder
 * under the system's temporary directory, depending on the SDK packed as a tarball (Ferry
 * is not on the registry yet); plain npm installs the rest from the registry. Each package
 * builds, passes its own tests (the SDK's conformance kit, its behaviour against a local
 * peer, its README against its schema) and packs what it would publish; then Ferry loads
 * the three and runs events through them.
 */
describe('ferry new: a plugin package to start from', () => {
  // npm must not inherit what pnpm passes to the scripts it runs; it may use its cache.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && !name.startsWith('PNPM_'))),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  let home: string;
  let sdk: string;
  const packages = { exporter: 'ferry-exporter-acme-logs', processor: 'ferry-processor-acme-drop', receiver: 'ferry-receiver-acme-http' } as const;
  const at = (kind: keyof typeof packages) => join(home, packages[kind]);
  let sink: NdjsonSink;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ferry-scaffold-'));
    const { stdout } = await run('npm', ['pack', '--pack-destination', home], { cwd: join(ROOT, 'packages', 'sdk'), env });
    sdk = join(home, stdout.trim().split('\n').pop() as string);
    sink = await startNdjsonSink();
  }, 60_000);
  afterAll(async () => {
    await sink.close();
    await rm(home, { recursive: true, force: true });
  });

  it('writes a package of each kind, by `ferry new` and by npm create\'s bin, refusing a name that cannot be a type', async () => {
    const exporter = await ferry(['new', 'exporter', 'acme_logs', '--sdk', sdk], { cwd: home });
    expect([exporter.status, exporter.stderr]).toEqual([0, '']);
    expect(exporter.stdout).toContain(`wrote exporter "acme_logs" as the package ferry-exporter-acme-logs in ${at('exporter')}`);
    expect((await ferry(['new', 'receiver', 'acme-http', '--sdk', sdk], { cwd: home })).status).toBe(0);
    await run(process.execPath, [join(ROOT, 'packages', 'create-ferry-plugin', 'bin', 'create-ferry-plugin.js'), 'processor', 'acme_drop', '--sdk', sdk], { cwd: home, env });
    const manifest = JSON.parse(await readFile(join(at('processor'), 'package.json'), 'utf8')) as { ferry: unknown; dependencies: Record<string, string> };
    expect(manifest.ferry).toEqual({ plugin: true, processors: ['acme_drop'] });
    expect(manifest.dependencies['@ferry/sdk']).toBe(`file:${sdk}`);
    const refused = await ferry(['new', 'exporter', 'Acme Logs'], { cwd: home });
    expect([refused.status, refused.stderr]).toEqual([2, 'ferry new: "Acme Logs" cannot be a component type: lower-case letters, digits and _ (or -), starting with a letter, such as acme_logs\n']);
    expect((await ferry(['new', 'exporter', 'acme_logs'], { cwd: home })).stderr).toContain('already exists and is not empty');
  });

  it('each package installs, builds, passes its own tests and packs only what it publishes', async () => {
    await run('npm', ['install'], { cwd: at('exporter'), env, maxBuffer: 16 * 1024 * 1024 });
    // The three depend on the same packages: one install serves them all.
    for (const kind of ['processor', 'receiver'] as const) await symlink(join(at('exporter'), 'node_modules'), join(at(kind), 'node_modules'));
    for (const kind of ['exporter', 'processor', 'receiver'] as const) {
      const readme = await readFile(join(at(kind), 'README.md'), 'utf8');
      await run('npm', ['run', 'build'], { cwd: at(kind), env });
      // The option table the scaffold wrote is the one ferry-plugin-readme makes from the built schema.
      expect(await readFile(join(at(kind), 'README.md'), 'utf8')).toBe(readme);
      // npm test fails (and so does this) when any test of the package does.
      const summary = (await run('npm', ['test'], { cwd: at(kind), env })).stdout.replace(/\x1b\[[0-9;]*m/g, '');
      expect(summary).toMatch(/Tests {2}\d+ passed \(\d+\)/);
    }
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: at('exporter'), env });
    const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    expect(packed?.files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/config.d.ts', 'dist/config.js', 'dist/index.d.ts', 'dist/index.js', 'dist/send.d.ts', 'dist/send.js', 'package.json']);
  }, 300_000);

  it('Ferry loads the three, checks them with their own validate, and runs events through them', async () => {
    const port = await freePort();
    const config = (dropTypes: string[]) => ({
      storage: { directory: join(home, 'storage') },
      plugins: [at('receiver'), at('processor'), at('exporter')],
      receivers: { acme_http: { port } },
      processors: { acme_drop: { dropTypes } },
      exporters: { acme_logs: { url: sink.url, flushIntervalMs: 50 } },
      service: { pipelines: { events: { receivers: ['acme_http'], processors: ['acme_drop'], exporters: ['acme_logs'] } } },
    });
    const file = join(home, 'collector.config.json');
    await writeFile(file, JSON.stringify(config(['budget.*'])));
    const refused = await ferry(['validate', '--config', file], { env });
    expect([refused.status, refused.stderr]).toEqual([2, expect.stringContaining('processors.acme_drop.dropTypes[0]: "budget.*" is a pattern, and types here are matched exactly')]);

    await writeFile(file, JSON.stringify(config(['token.introspected'])));
    const collector = runFerry(['run', '--config', file], { env });
    await collector.waitFor('listening for events');
    const events: FerryEvent[] = Array.from({ length: 20 }, (_, i) => ({ id: `evt_${i}`, type: i % 4 === 0 ? 'token.introspected' : 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n: i } }));
    const response = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST', body: events.map((e) => JSON.stringify(e)).join('\n') });
    expect(response.status).toBe(200);
    const kept = events.filter((e) => e.type !== 'token.introspected');
    await eventually(() => sink.events.length === kept.length, 'the kept events at the destination');
    expect(sink.events).toEqual(kept);
    collector.signal('SIGTERM');
    expect(await collector.exited).toBe(0);
    const [books] = expectBooksBalanced(collector, ['acme_logs']);
    expect(books).toMatchObject({ accepted: kept.length, delivered: kept.length, deadLettered: 0, queued: 0 });
  }, 60_000);
});
