import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { loadConfig } from './load.js';
import { ConfigInvalidError, formatIssue } from './issue.js';
import { loadTestConfig, TEST_PLUGINS } from '../testing/harness.js';
import { tempDirectory, writeJson } from '../testing/fixtures.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDirectory();
});
afterEach(() => dir.cleanup());

const minimal = {
  receivers: { driven: { name: 'r' } },
  exporters: { memory: { name: 'm' } },
  service: { pipelines: { events: { receivers: ['driven'], exporters: ['memory'] } } },
};

async function problems(config: unknown, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadTestConfig(dir.path, config as Record<string, unknown>, env);
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('loading a config', () => {
  it('fills defaults, freezes the result and keeps component options', async () => {
    const loaded = await loadTestConfig(dir.path, minimal);
    expect(loaded.config.exporters.memory).toMatchObject({ name: 'm', timeoutMs: 30_000, maxInFlight: 4, retry: { initialIntervalMs: 100, maxElapsedMs: 0 } });
    expect(loaded.config.service.pipelines.events?.processors).toEqual([]);
    expect(loaded.config.service.shutdownTimeoutMs).toBe(30_000);
    expect(Object.isFrozen(loaded.config.exporters.memory)).toBe(true);
    expect(loaded.config.storage).toBeUndefined();
  });

  it('treats a null component as one with its defaults', async () => {
    const loaded = await loadTestConfig(dir.path, { ...minimal, processors: { tag: null }, service: { pipelines: { events: { receivers: ['driven'], processors: ['tag'], exporters: ['memory'] } } } });
    expect(loaded.config.processors.tag).toEqual({});
  });

  it('substitutes ${env:NAME} and ${env:NAME:-default}, with $${ as a literal', async () => {
    const loaded = await loadTestConfig(
      dir.path,
      { ...minimal, exporters: { memory: { name: 'x-${env:SUFFIX}', apiKey: '${env:KEY:-fallback}', timeoutMs: '${env:TIMEOUT}' }, 'memory/raw': { name: '$${env:NOT_SUBSTITUTED}' } } },
      { SUFFIX: 'prod', TIMEOUT: '1500' },
    );
    expect(loaded.config.exporters.memory).toMatchObject({ name: 'x-prod', apiKey: 'fallback', timeoutMs: 1500 });
    expect(loaded.config.exporters['memory/raw']?.name).toBe('${env:NOT_SUBSTITUTED}');
    expect(loaded.warnings).toContain('exporters.memory/raw: configured but used by no pipeline, so the exporter is not started');
  });

  it('says that service.memoryMaxBytes is ignored when storage is on, and not when it is off', async () => {
    const ignored = 'service.memoryMaxBytes: ignored with storage, where each pipeline\'s log is on disk and bounded by storage.maxBytes';
    const service = { ...minimal.service, memoryMaxBytes: 8 * 1024 * 1024 };
    const withStorage = await loadTestConfig(dir.path, { ...minimal, storage: { directory: 'state' }, service });
    expect(withStorage.warnings).toContain(ignored);
    const inMemory = await loadTestConfig(dir.path, { ...minimal, service });
    expect(inMemory.warnings).not.toContain(ignored);
    expect(inMemory.config.service.memoryMaxBytes).toBe(8 * 1024 * 1024);
    // Unset, it is the default, and storage on says nothing of it.
    const defaults = await loadTestConfig(dir.path, { ...minimal, storage: { directory: 'state' } });
    expect(defaults.warnings).not.toContain(ignored);
    expect(defaults.config.service.memoryMaxBytes).toBe(4 * 1024 * 1024);
  });

  it('resolves a relative storage directory against the config file\'s folder, whatever the working directory', async () => {
    const loaded = await loadTestConfig(dir.path, { ...minimal, storage: { directory: 'state/ferry' } });
    expect(loaded.config.storage?.directory).toBe(join(dir.path, 'state', 'ferry'));
  });

  it('lets a command that needs only part of the config treat an unset variable elsewhere as a warning', async () => {
    const file = await writeJson(join(dir.path, 'partial.json'), { plugins: TEST_PLUGINS, ...minimal, receivers: { driven: { name: '${env:SOURCE_NAME}' } } });
    const loaded = await loadConfig({ file, env: {}, discoverFrom: [], envRequiredAt: (path) => !path.startsWith('receivers.') });
    expect(loaded.warnings).toContain('receivers.driven.name: environment variable SOURCE_NAME is not set (this command does not need it; running the collector does)');
    expect(loaded.config.receivers.driven?.name).toBe('${env:SOURCE_NAME}');
    const refused = await loadConfig({ file, env: {}, discoverFrom: [], envRequiredAt: (path) => path.startsWith('receivers.') }).catch((e: unknown) => e);
    expect((refused as ConfigInvalidError).issues.map(formatIssue)).toEqual([expect.stringContaining('receivers.driven.name: environment variable SOURCE_NAME is not set')]);
  });

  it('names a missing environment variable and where it is used', async () => {
    expect(await problems({ ...minimal, exporters: { memory: { name: '${env:DEST_NAME}' } } })).toEqual([
      'exporters.memory.name: environment variable DEST_NAME is not set — set DEST_NAME, or give a default with ${env:DEST_NAME:-value}',
    ]);
  });

  it('reports every problem at once, each with its path, what was expected and what was found', async () => {
    const found = await problems({
      receivers: { driven: { name: 'r', port: 1 } },
      exporters: { memory: { timeoutMs: 0, retry: { multiplier: 'fast' } } },
      service: { pipelines: { events: { receivers: ['driven'], exporters: ['memroy'] } }, telemetry: { logs: { level: 'verbose' } } },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'receivers.driven.port: unknown option — expected one of name, leaderElection',
        'exporters.memory.name: required — expected a string (Which scripted destination to use), found nothing',
        'exporters.memory.timeoutMs: too small — expected at least 1, found 0',
        'exporters.memory.retry.multiplier: wrong type — expected a number, found "fast"',
        'service.telemetry.logs.level: not an allowed value — expected one of "debug", "info", "warn", "error", found "verbose"',
        'service.pipelines.events.exporters[0]: "memroy" is not a configured exporter — did you mean "memory"?',
      ]),
    );
    expect(found).toHaveLength(6);
  });

  it('runs each component\'s own validate on the options its schema accepted, naming the option, with every other problem at once', async () => {
    const found = await problems({
      ...minimal,
      receivers: { driven: { name: 'r', leaderElection: { nats: { servers: ['nats://127.0.0.1:4222'] }, leaseMs: 3000, renewDeadlineMs: 3000 } } },
      processors: { 'tag/a': { dropType: 'grant.*' }, 'tag/b': { dropType: 5, extra: true }, 'tag/c': { dropType: '${env:UNSET_TYPE}' } },
      exporters: { memory: { name: 'm', timeoutMs: 0 } },
      service: { pipelines: { events: { receivers: ['driven'], processors: ['tag/a', 'tag/b', 'tag/c'], exporters: ['memory'] } } },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'processors.tag/a.dropType: "grant.*" is a glob — name one event type',
        'receivers.driven.leaderElection.renewDeadlineMs: 3000 must be less than leaseMs (3000), or a leader could still read after its lease expired',
        'exporters.memory.timeoutMs: too small — expected at least 1, found 0',
      ]),
    );
    // tag/b fails its schema, so its own check is not run on options it was never meant to see.
    expect(found.filter((line) => line.startsWith('processors.tag/b'))).toEqual(['processors.tag/b.extra: unknown option — expected one of dropType']);
    expect(found.find((line) => line.startsWith('processors.tag/c'))).toBe('processors.tag/c.dropType: environment variable UNSET_TYPE is not set — set UNSET_TYPE, or give a default with ${env:UNSET_TYPE:-value}');
  });

  it('does not judge a value left as its unset ${env:…} reference by a command that does not need it', async () => {
    const file = await writeJson(join(dir.path, 'unset.json'), { plugins: TEST_PLUGINS, ...minimal, processors: { tag: { dropType: '${env:UNSET_GLOB}*' } }, service: { pipelines: { events: { receivers: ['driven'], processors: ['tag'], exporters: ['memory'] } } } });
    const loaded = await loadConfig({ file, env: {}, discoverFrom: [], envRequiredAt: () => false });
    expect(loaded.config.processors.tag).toEqual({ dropType: '${env:UNSET_GLOB}*' });
  });

  it('suggests the closest option name for a typo', async () => {
    expect(await problems({ ...minimal, exporters: { memory: { name: 'm', batchSise: 5 } } })).toEqual([
      expect.stringMatching(/^exporters\.memory\.batchSise: unknown option — expected one of .*; did you mean "batchSize"\?$/),
    ]);
  });

  it('names the package to install for a type no plugin provides', async () => {
    const found = await problems({ ...minimal, exporters: { ...minimal.exporters, 'kafka/audit': {} } });
    expect(found).toEqual([
      'exporters.kafka/audit: no installed plugin provides exporter type "kafka" — expected one of "memory"; install the plugin (`pnpm add @ferry/exporter-kafka`, or the package that provides it) or list its package in "plugins"',
    ]);
  });

  it('says when a pipeline names a component from another section', async () => {
    const found = await problems({ ...minimal, processors: { tag: {} }, service: { pipelines: { events: { receivers: ['driven'], exporters: ['memory', 'tag'] } } } });
    expect(found).toEqual(['service.pipelines.events.exporters[1]: "tag" is not a configured exporter — "tag" is configured under processors; list it in the pipeline\'s processors']);
  });

  it('refuses malformed component ids and empty pipelines', async () => {
    const found = await problems({ ...minimal, exporters: { 'Memory Exporter': { name: 'x' }, memory: { name: 'm' } }, service: { pipelines: { events: { receivers: [], exporters: ['memory'] } } } });
    expect(found).toEqual(
      expect.arrayContaining([
        'exporters.Memory Exporter: not a valid component id — expected `type` or `type/name` (lower-case type), found "Memory Exporter"',
        'service.pipelines.events.receivers: too few entries — expected at least 1, found an array of 0',
      ]),
    );
  });

  it('never shows the value of a secret option in an error', async () => {
    const found = await problems({ ...minimal, exporters: { memory: { name: 'm', apiKey: { value: 'sk_live_should_not_leak' } } } });
    expect(found).toEqual(['exporters.memory.apiKey: wrong type — expected a string, found a value (hidden: secret)']);
    expect(found.join('\n')).not.toContain('sk_live');
  });

  it('collects secret values so logs can scrub them', async () => {
    const loaded = await loadTestConfig(dir.path, { ...minimal, exporters: { memory: { name: 'm', apiKey: '${env:KEY}' } } }, { KEY: 'sk_live_123456' });
    expect(loaded.secrets).toEqual(['sk_live_123456']);
  });

  it('says where a file that is not JSON breaks, masking secret-looking values', async () => {
    const file = join(dir.path, 'broken.json');
    await writeFile(file, '{\n  "exporters": { "x": { "apiKey": "sk_live_abc" "b": 1 } }\n}\n');
    const error = await loadConfig({ file, discoverFrom: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInvalidError);
    const text = formatIssue((error as ConfigInvalidError).issues[0]!);
    expect(text).toContain('not valid JSON at line 2, column 49');
    expect(text).toContain('"apiKey": "***********" "b"');
    expect(text).not.toContain('sk_live');
  });

  it('says when the file cannot be read', async () => {
    const error = await loadConfig({ file: join(dir.path, 'missing.json'), discoverFrom: [] }).catch((e: unknown) => e);
    expect((error as ConfigInvalidError).issues.map(formatIssue)).toEqual(['(config): cannot read the config file (no such file)']);
    expect((error as ConfigInvalidError).source).toBe(join(dir.path, 'missing.json'));
  });

  it('reports a plugin that cannot be found, or was built for another SDK', async () => {
    const future = TEST_PLUGINS[0]!.replace('memory-exporter.ts', 'future-plugin.ts');
    const found = await problems({ ...minimal, plugins: [...TEST_PLUGINS, future, './nope.ts', '@acme/ferry-nothing'] });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('future-plugin.ts" (exporter "future") was built for @ferry/sdk ^9.0.0, but this Ferry provides @ferry/sdk 0.1.0'),
        expect.stringMatching(/^plugins\[4\]: plugin "\.\/nope\.ts" cannot be found — no file or package at .*nope\.ts$/),
        'plugins[5]: plugin "@acme/ferry-nothing" cannot be found — install it with: pnpm add @acme/ferry-nothing',
      ]),
    );
  });
});
