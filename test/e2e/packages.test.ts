import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import { ferry, ROOT, runFerry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { startNdjsonSink, type NdjsonSink } from '../support/ndjson-sink.js';
import { markedBlock } from '../support/readme.js';
import { expectBooksBalanced, loggedBooks } from '../support/books.js';

const run = promisify(execFile);

/**
 * Ferry as someone outside this repository gets it: every package packed with
 * `pnpm pack:all`, the README's install lines run as they are in an empty folder under the
 * system's temporary directory (plain npm: the Ferry packages from the tarballs, their
 * third-party dependencies from the registry), then the README's custom exporter and config
 * written there and run on a pipeline.
 */
describe('Ferry installed from packed tarballs, outside the repository', () => {
  let packages: string;
  let home: string;
  let project: string;
  let bin: string;
  let source: GeneratorServer;
  let sink: NdjsonSink;
  // npm must not inherit the settings pnpm passes to the scripts it runs (npm_config_*); it
  // may take third-party packages from its cache, and skips the audit and funding requests.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && !name.startsWith('PNPM_'))),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };

  beforeAll(async () => {
    packages = await mkdtemp(join(tmpdir(), 'ferry-packages-'));
    home = await mkdtemp(join(tmpdir(), 'ferry-outside-'));
    project = join(home, 'my-collector');
    bin = join(project, 'node_modules', '.bin', 'ferry');
    source = await startGenerator({ apiKey: 'grantex-key', mode: 'pull', total: 200, seed: 31 });
    sink = await startNdjsonSink();
  }, 60_000);
  afterAll(async () => {
    await source.close();
    await sink.close();
    await rm(packages, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });

  it('pnpm pack:all packs every package with workspace dependencies turned into versions', async () => {
    await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'pack.ts'), packages], { cwd: ROOT });
    const tarballs = await readdir(packages);
    expect(tarballs).toEqual(expect.arrayContaining(['ferry-cli-0.1.0.tgz', 'ferry-host-0.1.0.tgz', 'ferry-sdk-0.1.0.tgz', 'ferry-receiver-grantex-0.1.0.tgz', 'ferry-processor-batch-0.1.0.tgz']));
    const { stdout } = await run('tar', ['-xzOf', join(packages, 'ferry-cli-0.1.0.tgz'), 'package/package.json']);
    const manifest = JSON.parse(stdout) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@ferry/host']).toBe('0.1.0');
    expect(Object.values(manifest.dependencies).filter((v) => v.startsWith('workspace:'))).toEqual([]);
  }, 120_000);

  it('installs with plain npm by the README\'s lines, in an empty folder', async () => {
    const lines = (await markedBlock('outside-repository')).replaceAll('~/ferry-packages', packages);
    await run('bash', ['-e', '-c', lines], { cwd: home, env, maxBuffer: 16 * 1024 * 1024 });
    const components = await ferry(['components', '--json'], { bin, cwd: project, env });
    expect(components.status).toBe(0);
    expect((JSON.parse(components.stdout) as Array<{ type: string; package: string }>).map((c) => `${c.package}:${c.type}`)).toEqual(['@ferry/receiver-grantex:grantex', '@ferry/processor-batch:batch']);
    // The test kit the README's conformance snippet imports resolves from the installed SDK.
    await run(process.execPath, ['--input-type=module', '-e', "const { conformanceCases } = await import('@ferry/sdk/testkit'); if (typeof conformanceCases !== 'function') process.exit(1);"], { cwd: project, env });
  }, 240_000);

  it('runs the README\'s custom exporter on the README\'s pipeline config, and says what to do when the folder is not an ES module', async () => {
    await writeFile(join(project, 'http-ndjson-exporter.ts'), await markedBlock('custom-exporter'));
    await writeFile(join(project, 'collector.config.json'), await markedBlock('custom-exporter-config'));
    const settings = { ...env, GRANTEX_URL: source.url, GRANTEX_API_KEY: 'grantex-key', INGEST_URL: sink.url, INGEST_TOKEN: 'ingest-secret-token' };

    await run('npm', ['pkg', 'delete', 'type'], { cwd: project, env });
    const commonjs = await ferry(['validate'], { bin, cwd: project, env: settings });
    expect(commonjs.status).toBe(2);
    expect(commonjs.stderr).toContain('a TypeScript plugin is an ES module: add "type": "module" to the package.json of its folder (`npm pkg set type=module`)');
    await run('npm', ['pkg', 'set', 'type=module'], { cwd: project, env });
    const valid = await ferry(['validate'], { bin, cwd: project, env: settings });
    expect(valid.stdout).toContain(`${join(project, 'collector.config.json')} is valid (1 pipeline: events)`);

    const collector = runFerry([], { bin, cwd: project, env: settings });
    await source.waitForDelivered(200);
    await eventually(() => new Set(sink.events.map((e) => e.id)).size === 200, 'every event at the custom exporter\'s destination');
    collector.signal('SIGTERM');
    expect(await collector.exited).toBe(0);
    expect(new Set(sink.events.map((e) => e.id))).toEqual(new Set(source.delivered.map((e) => e.id)));
    expect(loggedBooks(collector).length).toBeGreaterThan(0);
    expectBooksBalanced(collector, loggedBooks(collector).map((b) => b.exporter));
    expect(collector.stderr()).not.toContain('ingest-secret-token');
  }, 120_000);
});
