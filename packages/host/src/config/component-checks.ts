import type { ComponentDefinition, ConfigProblem } from '@ferry/sdk';
import type { ConfigIssue } from './issue.js';
import { joinPath } from './issue.js';
import { SECTIONS } from './schema.js';
import { typeOf } from './types.js';
import type { Registry } from '../plugins/registry.js';
import { splitExporterConfig } from '../collector/split-exporter-config.js';
import { electionProblems, splitReceiverConfig } from '../receivers/leader-schema.js';

type Sections = Readonly<Record<(typeof SECTIONS)[number]['section'], unknown>>;

export interface ComponentCheckOptions {
  /** Whether a component's options are already known to be wrong (then its own checks would only add noise). */
  readonly skip: (path: string) => boolean;
  /** Makes the component's file paths absolute, in place, before its checks see them (as `create` will). */
  readonly resolvePaths: (schema: object, options: Record<string, unknown>) => void;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function issueOf(at: string, problem: ConfigProblem): ConfigIssue {
  const path = problem.path === '' ? at : problem.path.startsWith('[') ? `${at}${problem.path}` : `${at}.${problem.path}`;
  return { path, code: 'FERRY_CONFIG_VALUE', problem: problem.problem, ...(problem.hint === undefined ? {} : { hint: problem.hint }) };
}

/** A plugin's own check, run on a frozen copy of its options; a check that throws is the plugin's bug, named as such. */
function ownProblems(definition: ComponentDefinition, options: Readonly<Record<string, unknown>>, at: string): ConfigIssue[] {
  // A plugin built against an SDK before `validate` has none.
  if (typeof definition.validate !== 'function') return [];
  try {
    return definition.validate(deepFreeze(structuredClone(options)) as never).map((problem) => issueOf(at, problem));
  } catch (error) {
    return [{ path: at, code: 'FERRY_CONFIG_PLUGIN', problem: `the ${definition.kind} "${definition.type}" failed to check its options: ${(error as Error).message}`, hint: 'a bug in the plugin: its validate() must return problems, not throw' }];
  }
}

/**
 * What the schemas cannot check, for every component whose options they accepted: each
 * definition's pure `validate` on the plugin's own options (defaults filled, paths made
 * absolute), and the host's own checks of the options it keeps (a receiver's
 * `leaderElection` timings). Nothing is created and no I/O is done, so `ferry validate`
 * reports exactly what `ferry run` would refuse.
 */
export function componentIssues(config: Sections, registry: Registry, options: ComponentCheckOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { section, kind } of SECTIONS) {
    const entries = config[section];
    if (!isRecord(entries)) continue;
    for (const [id, value] of Object.entries(entries)) {
      const at = joinPath([section, id]);
      const definition = registry.get(kind, typeOf(id))?.definition;
      if (definition === undefined || !isRecord(value) || options.skip(at)) continue;
      options.resolvePaths(definition.configSchema, value);
      if (definition.kind === 'exporter') {
        issues.push(...ownProblems(definition, splitExporterConfig(value).own, at));
      } else if (definition.kind === 'receiver') {
        const { own, host } = splitReceiverConfig(value);
        issues.push(...ownProblems(definition, own, at));
        if (host.leaderElection !== undefined) issues.push(...electionProblems(host.leaderElection).map((problem) => issueOf(`${at}.leaderElection`, problem)));
      } else {
        issues.push(...ownProblems(definition, value, at));
      }
    }
  }
  return issues;
}
