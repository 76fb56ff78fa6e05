import type { TSchema } from '../schema.js';
import { SECRET_KEYWORD } from '../schema.js';
import type { ComponentDefinition } from '../index.js';
import type { Component } from '../component.js';
import { createBatch } from '../batch.js';
import type { FerryEvent } from '../event.js';
import { configProblems, createTestContext, resolveComponentConfig } from './context.js';

/** One named check; run each as a test of your framework: `for (const c of cases) it(c.name, c.run)`. */
export interface ConformanceCase {
  readonly name: string;
  run(): Promise<void>;
}

export interface ConformanceOptions {
  /** A valid config for the component (defaults are applied). */
  readonly config: unknown;
  /** Configs the host must refuse (by the schema or the definition's `validate`), each with why. */
  readonly invalidConfigs?: ReadonlyArray<{ readonly config: unknown; readonly because: string }>;
  /**
   * For exporters: events a started exporter must accept in one export (requires a
   * reachable destination, such as a local protocol peer).
   */
  readonly exportEvents?: readonly FerryEvent[];
  /** Whether `start` can run in the test (a receiver's server must be reachable). Default true. */
  readonly start?: boolean;
  /** A storage directory to give the component, if it needs one. */
  readonly storageDirectory?: string;
}

const SECRET_NAME = /(api_?key|secret|token|password|credential)/i;
const STABILITIES = new Set(['development', 'alpha', 'beta', 'stable', 'deprecated']);

function fail(message: string): never {
  throw new Error(`conformance: ${message}`);
}

/** Runs a check of the options; one that throws (writing to frozen options, say) fails the case. */
function guard<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    return fail(`validate threw instead of returning problems: ${(error as Error).message}`);
  }
}

function walkProperties(schema: TSchema, path: string, visit: (path: string, schema: TSchema) => void): void {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (properties === undefined) return;
  for (const [name, child] of Object.entries(properties)) {
    const childPath = path ? `${path}.${name}` : name;
    visit(childPath, child);
    walkProperties(child, childPath, visit);
    const items = (child as { items?: TSchema }).items;
    if (items !== undefined) walkProperties(items, `${childPath}[]`, visit);
  }
}

async function settle(component: Component, phase: 'start' | 'shutdown'): Promise<void> {
  const method = component[phase];
  if (method !== undefined) await method.call(component);
}

/**
 * The checks every Ferry component must pass: a well-formed definition whose schema
 * documents and types every option, secrets marked as such, and the lifecycle contract
 * (shutdown without start, shutdown twice, start then shutdown).
 */
export function conformanceCases(definition: ComponentDefinition, options: ConformanceOptions): ConformanceCase[] {
  const cases: ConformanceCase[] = [
    {
      name: 'definition states kind, type, description, stability and SDK range',
      run: async () => {
        if (!['receiver', 'processor', 'exporter'].includes(definition.kind)) fail(`unknown kind ${String(definition.kind)}`);
        if (!/^[a-z][a-z0-9_]*$/.test(definition.type)) fail(`bad type name "${definition.type}"`);
        if (definition.description.trim().length < 10) fail('description must be a sentence');
        if (!STABILITIES.has(definition.stability)) fail(`unknown stability "${definition.stability}"`);
        if (!/\d+\.\d+/.test(definition.sdkVersion)) fail(`sdkVersion "${definition.sdkVersion}" is not a semver range`);
      },
    },
    {
      name: 'config schema describes every option and refuses unknown ones',
      run: async () => {
        const schema = definition.configSchema as TSchema & { additionalProperties?: unknown };
        if (schema.additionalProperties !== false) fail('configSchema must set additionalProperties: false so typos are caught');
        walkProperties(definition.configSchema, '', (path, child) => {
          if (typeof (child as { description?: unknown }).description !== 'string') fail(`option ${path} has no description`);
        });
      },
    },
    {
      name: 'options that hold credentials are marked secret',
      run: async () => {
        walkProperties(definition.configSchema, '', (path, child) => {
          const leaf = path.split('.').pop() ?? path;
          const isString = (child as { type?: unknown }).type === 'string';
          if (isString && SECRET_NAME.test(leaf) && (child as Record<string, unknown>)[SECRET_KEYWORD] !== true) {
            fail(`option ${path} looks like a credential but is not marked Secret()`);
          }
        });
      },
    },
    {
      name: 'the example config is valid and invalid configs are refused',
      run: async () => {
        const problems = configProblems(definition, options.config);
        if (problems.length > 0) fail(`the example config is refused: ${problems.join('; ')}`);
        for (const invalid of options.invalidConfigs ?? []) {
          if (configProblems(definition, invalid.config).length === 0) fail(`config accepted although ${invalid.because}`);
        }
      },
    },
    {
      name: 'validate is pure: the same answer twice, the options left as they were',
      run: async () => {
        for (const config of [options.config, ...(options.invalidConfigs ?? []).map((c) => c.config)]) {
          const first = JSON.stringify(guard(() => configProblems(definition, config)));
          const second = JSON.stringify(guard(() => configProblems(definition, config)));
          if (first !== second) fail(`validate answered ${first}, then ${second}, for the same options`);
        }
      },
    },
    {
      name: 'shutdown is safe without start and safe twice',
      run: async () => {
        const component = instantiate(definition, options);
        await settle(component, 'shutdown');
        await settle(component, 'shutdown');
      },
    },
  ];
  if (options.start !== false) {
    cases.push({
      name: 'start returns and shutdown stops it',
      run: async () => {
        const component = instantiate(definition, options);
        await settle(component, 'start');
        await settle(component, 'shutdown');
        await settle(component, 'shutdown');
      },
    });
  }
  if (definition.kind === 'exporter' && options.exportEvents !== undefined) {
    const events = options.exportEvents;
    cases.push({
      name: 'a started exporter accepts a batch and keeps nothing running after shutdown',
      run: async () => {
        const exporter = definition.create(createTestContext(resolveComponentConfig(definition, options.config), testContextOptions(definition, options)));
        await settle(exporter, 'start');
        try {
          const result = await exporter.export(createBatch(events), { signal: new AbortController().signal, attempt: 1 });
          if (result && (result.rejected?.length ?? 0) > 0) fail(`export rejected ${result.rejected?.length} events of a valid batch`);
        } finally {
          await settle(exporter, 'shutdown');
        }
      },
    });
  }
  return cases;
}

function testContextOptions(definition: ComponentDefinition, options: ConformanceOptions) {
  return { id: definition.type, ...(options.storageDirectory ? { storageDirectory: options.storageDirectory } : {}) };
}

function instantiate(definition: ComponentDefinition, options: ConformanceOptions): Component {
  const config = resolveComponentConfig(definition, options.config);
  const context = createTestContext(config, testContextOptions(definition, options));
  switch (definition.kind) {
    case 'receiver':
      return definition.create(context);
    case 'processor':
      return definition.create(context);
    case 'exporter':
      return definition.create(context);
  }
}
