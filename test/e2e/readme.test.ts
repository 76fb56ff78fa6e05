import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { startGenerator } from '@ferry/generator';
import { ferry, ROOT, runFerry } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { codeBlocks, markedBlock } from '../support/readme.js';
import { workspace } from '../support/workspace.js';

const exec = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const ws = await workspace();
  cleanups.push(ws.cleanup);
  return ws.dir;
}

/**
 * The README's snippets are complete and work as written. The custom exporter, its config
 * and its conformance test are files the suite runs (test/custom-exporter, and
 * packages.test.ts outside the repository); this file checks the rest.
 */
describe('the README, as written', () => {
  it('every config in it is complete and valid', async () => {
    const configs = (await codeBlocks()).filter((b) => b.lang === 'json' && b.code.includes('"service"'));
    expect(configs.length).toBeGreaterThanOrEqual(3);
    for (const block of configs) {
      // Inside the repository, so the plugin the custom exporter's config names finds @ferry/sdk.
      await mkdir(join(ROOT, '.tmp'), { recursive: true });
      const dir = await mkdtemp(join(ROOT, '.tmp', 'readme-config-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
      await copyFile(join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts'), join(dir, 'http-ndjson-exporter.ts'));
      await writeFile(join(dir, 'collector.config.json'), block.code);
      const result = await ferry(['validate', '--config', join(dir, 'collector.config.json')]);
      expect({ line: block.line, status: result.status, stderr: result.stderr.replace(/^ferry: warning: .*\n/gm, '') }).toEqual({ line: block.line, status: 0, stderr: '' });
    }
  });

  it('the s3 exporter\'s README examples (AWS, MinIO, R2, B2, WORM) validate, placeholders included', async () => {
    const [example] = (await codeBlocks('plugins/exporter-s3/README.md')).filter((b) => b.lang === 'json');
    const { exporters } = JSON.parse(example?.code ?? '{}') as { exporters: Record<string, unknown> };
    expect(Object.keys(exporters)).toContain('s3/r2');
    const file = join(await tempDir(), 'collector.config.json');
    await writeFile(
      file,
      JSON.stringify({
        receivers: { grantex: { url: 'https://api.grantex.dev', apiKey: 'k' } },
        exporters,
        service: { pipelines: { events: { receivers: ['grantex'], exporters: Object.keys(exporters) } } },
      }),
    );
    const result = await ferry(['validate', '--config', file], { env: { R2_ACCOUNT_ID: '0123456789abcdef' } });
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  it('the config errors it shows are what ferry validate prints', async () => {
    const dir = await tempDir();
    const file = join(dir, 'collector.config.json');
    await writeFile(
      file,
      JSON.stringify({
        receivers: { grantex: { url: 'https://api.grantex.dev', apiKey: 'k' } },
        exporters: { s3: { compresion: 'gzip' }, datadog: { apiKey: 'k' } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['s3', 'datadg'] } } },
      }),
    );
    const result = await ferry(['validate', '--config', file]);
    const shown = (await markedBlock('config-errors')).replace('/etc/ferry/collector.config.json', file);
    const pattern = shown
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    expect(result.stderr).toMatch(new RegExp(`^${pattern}$`));
    expect(result.status).toBe(2);
  });

  it('every command of "Running Ferry" works on the demo config', async () => {
    const dir = await tempDir();
    await copyFile(join(ROOT, 'collector.config.json'), join(dir, 'collector.config.json'));
    const source = await startGenerator({ apiKey: 'demo', mode: 'pull', total: 60, seed: 41 });
    cleanups.push(() => source.close());
    const env = { GRANTEX_URL: source.url, GRANTEX_API_KEY: 'demo' };
    const lines = (await markedBlock('running')).split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    expect(lines[0]).toBe('ferry run --config collector.config.json');

    // The first line runs the collector: until the events are archived, then Ctrl-C.
    const collector = runFerry(lines[0]!.split(' ').slice(1), { cwd: dir, env });
    await eventually(async () => (await archivedEvents(join(dir, '.ferry', 'archive'))).length === 60, 'the demo archive');
    collector.signal('SIGINT');
    expect(await collector.exited).toBe(0);

    const path = `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`;
    for (const line of lines.slice(1)) {
      const result = await exec('bash', ['-e', '-c', line], { cwd: dir, env: { ...process.env, PATH: path, ...env } }).then(
        () => 0,
        (error: { code: number; stderr: string }) => `${error.code}: ${error.stderr}`,
      );
      expect({ line, result }).toEqual({ line, result: 0 });
    }
  });
});
