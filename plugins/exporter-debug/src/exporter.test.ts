import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { createBatch, type Batch, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import definition from './index.js';
import { DebugExporter } from './exporter.js';
import type { DebugConfig } from './config.js';

const ESC = '\u001b';

const EVENTS: FerryEvent[] = [
  {
    id: 'evt_01',
    type: 'grant.created',
    createdAt: '2026-03-01T12:00:00.000Z',
    data: { grantId: 'grnt_1', agentId: 'ag_1', scopes: ['read', 'write'], expiresIn: 3600 },
  },
  {
    id: 'evt_02',
    type: 'budget.exhausted',
    createdAt: '2026-03-01T12:00:01.500Z',
    data: { budgetId: 'bdg_9', note: 'over the limit', spent: 12.5, hard: true, parent: null },
  },
  { id: 'evt_03', type: 'grant.created', createdAt: '2026-03-01T12:00:02.000Z', data: {} },
];

function batchOf(events: readonly FerryEvent[]): Batch {
  return createBatch({ events, receivedAt: Date.parse('2026-03-01T12:00:03.000Z'), firstSeq: 7 });
}

/** A stream standing in for stdout: records every write, and can pretend to be a terminal. */
class Capture extends Writable {
  readonly writes: string[] = [];
  constructor(readonly isTTY = false) {
    super({ decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: string, callback: (error?: Error | null) => void): void {
    this.writes.push(chunk.toString());
    callback();
  }
  get text(): string {
    return this.writes.join('');
  }
}

function exporterWith(config: Partial<DebugConfig>, options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const resolved = resolveConfig(definition.configSchema, config);
  const context = createTestContext(resolved, { id: 'debug' });
  const stream = new Capture(options.tty ?? false);
  const exporter = new DebugExporter(resolved, { stream, env: options.env ?? {}, logger: context.logger });
  return { exporter, stream, context };
}

async function print(config: Partial<DebugConfig>, events: readonly FerryEvent[] = EVENTS, options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const { exporter, stream } = exporterWith(config, options);
  await exporter.start();
  await exporter.export(batchOf(events));
  await exporter.shutdown();
  return stream;
}

describe('exporter debug: conformance', () => {
  for (const c of conformanceCases(definition, {
    config: { verbosity: 'basic', stream: 'stderr', color: 'never' },
    exportEvents: EVENTS,
    invalidConfigs: [
      { config: { verbosity: 'verbose' }, because: 'verbose is not a verbosity' },
      { config: { stream: 'stdlog' }, because: 'stdlog is not a stream' },
      { config: { color: true }, because: 'color is auto, always or never' },
    ],
  })) {
    it(c.name, c.run);
  }
});

describe('exporter debug: verbosity', () => {
  it('basic prints one line per batch with its size and how many events of each type', async () => {
    const stream = await print({ verbosity: 'basic', color: 'never' });
    const bytes = batchOf(EVENTS).bytes;
    expect(stream.text).toBe(`batch of 3 events (${bytes} bytes, received 2026-03-01T12:00:03.000Z, first seq 7): 2 grant.created, 1 budget.exhausted\n`);
  });

  it('basic lists the commonest types first and says how many more there are', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...EVENTS[2], id: `evt_${i}`, type: `type.${String.fromCharCode(97 + i)}` }) as FerryEvent);
    many.push({ ...(EVENTS[2] as FerryEvent), id: 'evt_x', type: 'type.l' });
    const stream = await print({ verbosity: 'basic', color: 'never' }, many);
    expect(stream.text).toMatch(/: 2 type\.l, 1 type\.a, 1 type\.b, 1 type\.c, 1 type\.d, 1 type\.e, 1 type\.f, 1 type\.g, … 4 more types\n$/);
  });

  it('normal (the default) prints one aligned line per event: time, type, id and its data as key=value', async () => {
    const stream = await print({ color: 'never' });
    expect(stream.text).toBe(
      [
        '2026-03-01T12:00:00.000Z grant.created    evt_01 grantId=grnt_1 agentId=ag_1 scopes=["read","write"] expiresIn=3600',
        '2026-03-01T12:00:01.500Z budget.exhausted evt_02 budgetId=bdg_9 note="over the limit" spent=12.5 hard=true parent=null',
        '2026-03-01T12:00:02.000Z grant.created    evt_03',
        '',
      ].join('\n'),
    );
  });

  it('normal truncates long values and long summaries', async () => {
    const data: Record<string, string | number> = { reason: 'x'.repeat(100) };
    for (let i = 0; i < 30; i++) data[`field${i}`] = i;
    const stream = await print({ color: 'never' }, [{ id: 'evt_long', type: 'anomaly.auto_revoked', createdAt: '2026-03-01T12:00:00.000Z', data }]);
    const line = stream.text.trimEnd();
    expect(stream.text.split('\n')).toHaveLength(2);
    expect(line).toContain(`reason=${'x'.repeat(39)}…`);
    expect(line).toMatch(/ … \+\d+$/);
    expect(line.length).toBeLessThan(240);
  });

  it('detailed prints a batch header and every event in full', async () => {
    const stream = await print({ verbosity: 'detailed', color: 'never' }, EVENTS.slice(0, 2));
    const bytes = batchOf(EVENTS.slice(0, 2)).bytes;
    const expected = [
      `batch of 2 events (${bytes} bytes, received 2026-03-01T12:00:03.000Z, first seq 7)`,
      'event 1/2',
      JSON.stringify(EVENTS[0], null, 2),
      'event 2/2',
      JSON.stringify(EVENTS[1], null, 2),
      '',
    ].join('\n');
    expect(stream.text).toBe(expected);
  });

  it('writes each batch with a single write', async () => {
    for (const verbosity of ['basic', 'normal', 'detailed'] as const) {
      const stream = await print({ verbosity, color: 'always' });
      expect(stream.writes).toHaveLength(1);
    }
  });
});

describe('exporter debug: colour', () => {
  const colored = async (color: DebugConfig['color'], tty: boolean, env: NodeJS.ProcessEnv = {}) => (await print({ color }, EVENTS, { tty, env })).text.includes(ESC);

  it('auto colours a terminal and nothing else', async () => {
    expect(await colored('auto', true)).toBe(true);
    expect(await colored('auto', false)).toBe(false);
  });

  it('auto honours NO_COLOR (when not empty) and TERM=dumb', async () => {
    expect(await colored('auto', true, { NO_COLOR: '1' })).toBe(false);
    expect(await colored('auto', true, { NO_COLOR: '' })).toBe(true);
    expect(await colored('auto', true, { TERM: 'dumb' })).toBe(false);
  });

  it('always and never decide regardless of the stream (an explicit setting overrides NO_COLOR)', async () => {
    expect(await colored('always', false, { NO_COLOR: '1' })).toBe(true);
    expect(await colored('never', true)).toBe(false);
  });

  it('colours change only the look: without escape codes the text is the plain one', async () => {
    for (const verbosity of ['basic', 'normal', 'detailed'] as const) {
      const plain = (await print({ verbosity, color: 'never' })).text;
      const colour = (await print({ verbosity, color: 'always' })).text;
      expect(colour).not.toBe(plain);
      expect(colour.replace(/\u001b\[\d+m/g, '')).toBe(plain);
    }
  });
});

describe('exporter debug: untrusted text', () => {
  const hostile: FerryEvent = {
    id: 'evt_\u001b]0;owned\u0007',
    type: 'grant.created\u001b[2J',
    createdAt: '2026-03-01T12:00:00.000Z\r',
    data: { 'k\u001b[31m': 'v\u009b31m', note: 'line\nbreak', bidi: 'abc\u202edef', del: 'a\u007fb' },
  };

  for (const verbosity of ['basic', 'normal', 'detailed'] as const) {
    it(`${verbosity} never prints control characters or bidi overrides from an event`, async () => {
      const text = (await print({ verbosity, color: 'never' }, [hostile])).text;
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      if (verbosity !== 'basic') expect(text).toContain('\\u001b');
    });
  }

  it('keeps detailed output valid JSON after escaping', async () => {
    const text = (await print({ verbosity: 'detailed', color: 'never' }, [hostile])).text;
    const json = text.split('\n').slice(2).join('\n');
    expect(JSON.parse(json)).toEqual(hostile);
  });
});

describe('exporter debug: a broken output', () => {
  it('does not throw when the stream fails, and warns once', async () => {
    const resolved = resolveConfig(definition.configSchema, {});
    const context = createTestContext(resolved, { id: 'debug' });
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const exporter = new DebugExporter(resolved, { stream: broken, env: {}, logger: context.logger });
    await exporter.start();
    await exporter.export(batchOf(EVENTS));
    await exporter.export(batchOf(EVENTS));
    await exporter.shutdown();
    const warnings = context.logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields.error).toBe('write EPIPE');
    expect(broken.listenerCount('error')).toBe(0);
  });
});

describe('exporter debug: the real process streams', () => {
  const run = promisify(execFile);
  const index = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = (config: object) => `
    const { default: definition } = await import(${JSON.stringify(index)});
    const { createBatch } = await import('@ferry/sdk');
    const { createTestContext, resolveConfig } = await import('@ferry/sdk/testkit');
    const config = resolveConfig(definition.configSchema, ${JSON.stringify(config)});
    const exporter = definition.create(createTestContext(config));
    await exporter.start();
    await exporter.export(createBatch(${JSON.stringify(EVENTS)}), { signal: new AbortController().signal, attempt: 1 });
    await exporter.shutdown();
  `;
  const node = (config: object) =>
    run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(config)], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' },
    });

  it('prints to stdout by default, without colour when stdout is a pipe', async () => {
    const { stdout, stderr } = await node({});
    expect(stdout.split('\n')[0]).toBe('2026-03-01T12:00:00.000Z grant.created    evt_01 grantId=grnt_1 agentId=ag_1 scopes=["read","write"] expiresIn=3600');
    expect(stdout).not.toContain(ESC);
    expect(stderr).toBe('');
  });

  it('prints to stderr when asked', async () => {
    const { stdout, stderr } = await node({ stream: 'stderr', verbosity: 'basic' });
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^batch of 3 events \(\d+ bytes, received .+, first seq 0\): 2 grant\.created, 1 budget\.exhausted\n$/);
  });
});
