import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import { ferry, FERRY_BIN, ROOT, runFerry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { startNdjsonSink, type NdjsonSink } from '../support/ndjson-sink.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(() => ws.cleanup());

const valid = {
  receivers: { grantex: { url: 'https://api.grantex.dev', apiKey: '${env:E2E_KEY:-sk_test_123456}' } },
  processors: { 'filter/security': { include: { types: ['grant.*'] } }, batch: {} },
  exporters: { file: { directory: '/tmp/ferry-e2e-archive' } },
  service: { pipelines: { events: { receivers: ['grantex'], processors: ['filter/security', 'batch'], exporters: ['file'] } } },
};

describe('the ferry command', () => {
  it('is installed at node_modules/.bin/ferry and explains itself', async () => {
    expect(existsSync(FERRY_BIN)).toBe(true);
    const help = await ferry(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['run', 'validate', 'components', 'schema', 'dlq', 'top', 'tap']) expect(help.stdout).toContain(command);
    expect(help.stdout).toContain('Exit status');
  });

  it('validate: exit 0 on a valid config', async () => {
    const result = await ferry(['validate', '--config', await ws.config(valid, 'valid.json')]);
    expect(result.stdout).toContain('is valid (1 pipeline: events)');
    expect(result.status).toBe(0);
  });

  it('validate: every problem at once, with paths, expectations, findings and suggestions, exit 2', async () => {
    const broken = {
      receivers: { grantex: { url: 'https://api.grantex.dev', apiKey: 'sk_live_must_not_leak', typez: ['grant.created'] }, 'kafka/in': {} },
      processors: { batch: { batchSize: 0 } },
      exporters: { file: { compression: 'zip' }, s3: { bucket: 'b' } },
      service: { pipelines: { events: { receivers: ['grantex'], processors: ['batch'], exporters: ['file', 'fiel'] } } },
    };
    const result = await ferry(['validate', '--config', await ws.config(broken, 'broken.json')]);
    expect(result.status).toBe(2);
    const lines = result.stderr;
    expect(lines).toContain('receivers.grantex.typez: unknown option');
    expect(lines).toContain('did you mean "types"?');
    expect(lines).toContain('receivers.kafka/in: no installed plugin provides receiver type "kafka"');
    expect(lines).toContain('`pnpm add @ferry/receiver-kafka`');
    expect(lines).toContain('processors.batch.batchSize: too small — expected at least 1, found 0');
    expect(lines).toContain('exporters.file.directory: required');
    expect(lines).toContain('exporters.file.compression: not an allowed value — expected one of "none", "gzip", found "zip"');
    expect(lines).toContain('service.pipelines.events.exporters[1]: "fiel" is not a configured exporter — did you mean "file"?');
    expect(lines).not.toContain('sk_live_must_not_leak');
  });

  it('validate: a start with the compiled validators cached says exactly what a first start says, and FERRY_CACHE_DIR=off keeps none', async () => {
    const broken = { ...valid, processors: { batch: { batchSize: 0, flushIntervalMs: 'soon' } }, exporters: { file: { compression: 'zip', directory: 7 } } };
    const file = await ws.config(broken, 'cached.json');
    const cache = join(ws.dir, 'schema-cache');
    const first = await ferry(['validate', '--config', file], { env: { FERRY_CACHE_DIR: cache } });
    expect(first.status).toBe(2);
    expect(first.stderr).toContain('processors.batch.batchSize: too small');
    const cached = await readdir(join(cache, 'schemas'));
    expect(cached.length).toBeGreaterThan(0);
    const second = await ferry(['validate', '--config', file], { env: { FERRY_CACHE_DIR: cache } });
    expect(second).toMatchObject({ status: first.status, stdout: first.stdout, stderr: first.stderr });
    expect(await readdir(join(cache, 'schemas'))).toEqual(cached);
    const off = join(ws.dir, 'no-cache');
    const uncached = await ferry(['validate', '--config', file], { env: { FERRY_CACHE_DIR: 'off', XDG_CACHE_HOME: off } });
    expect(uncached.stderr).toBe(first.stderr);
    expect(existsSync(off)).toBe(false);
  });

  it('run: says once at start when the compiled validators cannot be kept, and why, and runs all the same', async () => {
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 20, seed: 5 });
    try {
      const config = await ws.config(
        { receivers: { grantex: { url: source.url, apiKey: 'k' } }, exporters: { file: { directory: join(ws.dir, 'cache-run-archive') } }, service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } }, telemetry: { progress: 'always' } } },
        'cache-run.json',
      );
      // Code read from the cache is run, so a directory others can write is refused.
      const shared = join(ws.dir, 'shared-cache');
      await mkdir(join(shared, 'schemas'), { recursive: true });
      await chmod(join(shared, 'schemas'), 0o777);
      const run = runFerry(['run', '--config', config], { env: { FERRY_CACHE_DIR: shared } });
      await run.waitFor('file: sent 20');
      run.signal('SIGTERM');
      expect(await run.exited).toBe(0);
      const said = run.stderr().split('\n').filter((line) => line.includes('compiled config validators are not kept between starts'));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(`${join(shared, 'schemas')} can be written by other users`);
      expect(said[0]).toContain('FERRY_CACHE_DIR');
      expect(await readdir(join(shared, 'schemas'))).toEqual([]);
      // A usable cache, or none asked for: nothing to say.
      for (const env of [{ FERRY_CACHE_DIR: join(ws.dir, 'own-cache') }, { FERRY_CACHE_DIR: 'off' }]) {
        const quiet = runFerry(['run', '--config', config], { env });
        await quiet.waitFor('collector started');
        quiet.signal('SIGTERM');
        expect(await quiet.exited).toBe(0);
        expect(quiet.stderr()).not.toContain('compiled config validators are not kept');
      }
    } finally {
      await source.close();
    }
  });

  it('validate: the components\' own checks too (a redact path, a filter regex), without running anything', async () => {
    const storage = join(ws.dir, 'never-created');
    const checked = {
      ...valid,
      storage: { directory: storage },
      processors: {
        'filter/security': { include: { where: [{ field: 'data.agentId', matches: '(unclosed' }] } },
        redact: { rules: [{ types: ['grant.*'], remove: ['data.ip', 'data'] }] },
      },
      service: { pipelines: { events: { receivers: ['grantex'], processors: ['filter/security', 'redact'], exporters: ['file'] } } },
    };
    const result = await ferry(['validate', '--config', await ws.config(checked, 'own-checks.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the config');
    expect(result.stderr).toContain('has 2 problems');
    expect(result.stderr).toMatch(/processors\.filter\/security\.include\.where\[0\]\.matches: "\(unclosed" is not a valid regular expression: .*Unterminated group/);
    expect(result.stderr).toContain('processors.redact.rules[0].remove[1]: "data" is part of every event and cannot be redacted whole — name a field inside it (such as "data.ip")');
    expect(existsSync(storage)).toBe(false);
    // run refuses the same config with the same words before it opens anything.
    const refused = await ferry(['run', '--config', await ws.config(checked, 'own-checks-run.json')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('processors.redact.rules[0].remove[1]: "data" is part of every event');
    expect(existsSync(storage)).toBe(false);
  });

  it('validate and dlq list only warn about an unset variable (secrets live where Ferry runs); run refuses it, naming it', async () => {
    const config = await ws.config({ ...valid, storage: { directory: join(ws.dir, 'env-storage') }, receivers: { grantex: { url: 'https://api.grantex.dev', apiKey: '${env:FERRY_E2E_UNSET_KEY}' } } }, 'env.json');
    const env = { FERRY_E2E_UNSET_KEY: undefined };
    const checked = await ferry(['validate', '--config', config], { env });
    expect(checked.stdout).toContain('is valid (1 pipeline: events)');
    expect(checked.stderr).toContain('warning: receivers.grantex.apiKey: environment variable FERRY_E2E_UNSET_KEY is not set');
    expect(checked.status).toBe(0);
    const listed = await ferry(['dlq', 'list', '--config', config], { env });
    expect([listed.status, listed.stdout]).toEqual([0, 'no dead letters\n']);
    const refused = await ferry(['run', '--config', config], { env });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('receivers.grantex.apiKey: environment variable FERRY_E2E_UNSET_KEY is not set');
  });

  it('the demo config: validate, dlq list and schema need no Grantex key', async () => {
    const env = { GRANTEX_API_KEY: undefined, GRANTEX_URL: undefined };
    const checked = await ferry(['validate', '--config', join(ROOT, 'collector.config.json')], { env });
    expect([checked.status, checked.stdout]).toEqual([0, `ferry: ${join(ROOT, 'collector.config.json')} is valid (1 pipeline: events)\n`]);
    expect((await ferry(['dlq', 'list', '--config', join(ROOT, 'collector.config.json')], { env })).status).toBe(0);
    expect((await ferry(['schema', '--config', join(ROOT, 'collector.config.json')], { env })).status).toBe(0);
  });

  it('an unknown command is named with the closest one, not taken for an argument of run', async () => {
    const result = await ferry(['valdate', '--config', 'x.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'valdate'");
    expect(result.stderr).toContain('Did you mean validate?');
    expect(result.stderr).not.toContain("too many arguments for 'run'");
    const dlq = await ferry(['dlq', 'lst']);
    expect(dlq.stderr).toContain('Did you mean list?');
  });

  it('run is the default command: `ferry --config <file>` runs that file', async () => {
    const result = await ferry(['--config', join(ws.dir, 'absent.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`ferry: ${join(ws.dir, 'absent.json')}: cannot read the config file (no such file)\n`);
  });

  it('help and version load no plugin and not the host; validate loads only the plugins its config uses', async () => {
    const loaded = async (args: string[]) => (await ferry(args, { env: { NODE_DEBUG: 'esm' } })).stderr.match(/file:\/\/\S+/g) ?? [];
    for (const args of [['--help'], ['--version'], ['validate', '--help']]) {
      const modules = await loaded(args);
      expect(modules.length).toBeGreaterThan(0);
      expect(modules.filter((url) => /\/packages\/(host|verify)\/|\/plugins\//.test(url))).toEqual([]);
    }
    const validating = await loaded(['validate', '--config', await ws.config(valid, 'traced.json')]);
    const plugins = [...new Set(validating.map((url) => /\/plugins\/([a-z-]+)\//.exec(url)?.[1]).filter((p) => p !== undefined))].sort();
    expect(plugins).toEqual(expect.arrayContaining(['exporter-file', 'processor-batch', 'processor-filter', 'receiver-grantex']));
    // Plugins that declare their types and are not used are not even imported.
    for (const unused of ['exporter-s3', 'exporter-bigquery', 'exporter-datadog', 'exporter-debug', 'receiver-webhook', 'processor-dedup', 'processor-redact']) expect(plugins).not.toContain(unused);
  });

  it('validate loads neither the AWS SDK nor the BigQuery client, even for a config that uses both: their exporters import them when they start', async () => {
    const config = {
      receivers: { grantex: { url: 'https://api.grantex.dev', apiKey: 'sk_test_123456' } },
      exporters: { s3: { bucket: 'audit-archive', region: 'us-east-1' }, bigquery: { projectId: 'p', datasetId: 'd', tableId: 't' } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['s3', 'bigquery'] } } },
    };
    const result = await ferry(['validate', '--config', await ws.config(config, 'clouds.json')], { env: { NODE_OPTIONS: `--import=${join(ROOT, 'test/support/report-loaded-modules.mjs')}` } });
    expect(result.status).toBe(0);
    const loaded = result.stderr.split('\n').filter((line) => line.startsWith('loaded-module '));
    // The hook works: some CommonJS modules are always loaded (ajv's package.json, which the SDK reads, for one).
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((line) => /@aws-sdk|@smithy|@google-cloud|google-auth-library/.test(line))).toEqual([]);
  });

  it('validate: says where a file that is not JSON breaks', async () => {
    const result = await ferry(['validate', '--config', await ws.config('{\n  "receivers": {\n    "grantex": { "url": "x" "apiKey": "sk_live_x" }\n  }\n}\n', 'syntax.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('not valid JSON at line 3, column 29');
    expect(result.stderr).toContain('^');
    expect(result.stderr).not.toContain('sk_live_x');
  });

  it('validate: a missing file, named by its absolute path', async () => {
    const result = await ferry(['validate', '--config', 'nope.json'], { cwd: ws.dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`ferry: ${join(ws.dir, 'nope.json')}: cannot read the config file (no such file)\n`);
  });

  it('components: every installed receiver, processor and exporter with package, version and stability', async () => {
    const result = await ferry(['components', '--json']);
    expect(result.status).toBe(0);
    // No warning: in particular, every plugin declares in its package.json exactly the types it provides.
    expect(result.stderr).toBe('');
    const rows = JSON.parse(result.stdout) as Array<{ kind: string; type: string; package: string; version: string; stability: string }>;
    expect(rows).toEqual(
      expect.arrayContaining([
        { kind: 'receiver', type: 'grantex', package: '@ferry/receiver-grantex', version: '0.1.0', stability: 'beta', description: expect.any(String) },
        expect.objectContaining({ kind: 'processor', type: 'filter', package: '@ferry/processor-filter' }),
        expect.objectContaining({ kind: 'processor', type: 'batch', package: '@ferry/processor-batch' }),
        expect.objectContaining({ kind: 'exporter', type: 'file', package: '@ferry/exporter-file' }),
        expect.objectContaining({ kind: 'exporter', type: 'debug', package: '@ferry/exporter-debug' }),
      ]),
    );
    const table = await ferry(['components']);
    expect(table.stdout.split('\n')[0]).toMatch(/^KIND\s+TYPE\s+PACKAGE\s+VERSION\s+STABILITY\s+DESCRIPTION$/);
    // Descriptions name what they mean (`@grantex/destinations`), not this project's internal word for it.
    expect(table.stdout).not.toMatch(/\bseeds?\b/i);
    expect(table.stdout).toContain('the row mapping of @grantex/destinations');
  });

  it('schema: the composed JSON Schema, which refuses what validate refuses', async () => {
    const result = await ferry(['schema']);
    expect(result.status).toBe(0);
    const schema = JSON.parse(result.stdout) as { $defs: Record<string, { properties: Record<string, { secret?: boolean }> }>; properties: Record<string, unknown> };
    expect(Object.keys(schema.$defs)).toEqual(expect.arrayContaining(['receiver.grantex', 'processor.filter', 'exporter.file']));
    expect(schema.$defs['receiver.grantex']?.properties.apiKey?.secret).toBe(true);
    expect(schema.$defs['exporter.file']?.properties).toHaveProperty('batchSize');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['receivers', 'processors', 'exporters', 'service', 'storage', 'plugins']));
  });

  describe('a custom exporter loaded from a path', () => {
    let source: GeneratorServer;
    let sink: NdjsonSink;
    beforeAll(async () => {
      source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 300, seed: 4 });
      sink = await startNdjsonSink();
    });
    afterAll(async () => {
      await source.close();
      await sink.close();
    });

    it('runs the README exporter end to end, throttled by 429 with Retry-After, losing nothing', async () => {
      sink.plan.push({ status: 429, retryAfterSeconds: 1 }, { status: 503 });
      const config = {
        plugins: [join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts')],
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        exporters: { http_ndjson: { url: sink.url, token: 'tok_secret_value', flushIntervalMs: 50, retry: { initialIntervalMs: 50, maxIntervalMs: 200 } } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['http_ndjson'] } } },
      };
      const run = runFerry(['run', '--config', await ws.config(config, 'custom.json')]);
      await source.waitForDelivered(300);
      await eventually(() => new Set(sink.events.map((e) => e.id)).size === 300, 'every event at the sink');
      run.signal('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(new Set(sink.events.map((e) => e.id))).toEqual(new Set(source.delivered.map((e) => e.id)));
      expect(expectBooksBalanced(run, ['http_ndjson'])[0]).toMatchObject({ accepted: 300, delivered: 300, queued: 0 });
      expect(sink.malformed).toEqual([]);
      expect(sink.requests.byStatus.get(429)).toBe(1);
      expect(run.stderr()).not.toContain('tok_secret_value');
    });
  });
});
