import type { ComponentDefinition, ComponentKind } from '@ferry/sdk';
import type { DeclaredTypes, PluginPackage } from './discover.js';
import type { Registry } from './registry.js';

const KINDS: ReadonlyArray<{ section: keyof DeclaredTypes; kind: ComponentKind }> = [
  { section: 'receivers', kind: 'receiver' },
  { section: 'processors', kind: 'processor' },
  { section: 'exporters', kind: 'exporter' },
];

/** Whether a discovered package must be imported for a config that uses `uses`: yes unless it declares types and none is used. */
export function isNeeded(pkg: PluginPackage, uses: DeclaredTypes): boolean {
  if (pkg.declares === undefined) return true;
  return KINDS.some(({ section }) => (pkg.declares?.[section] ?? []).some((type) => uses[section]?.includes(type)));
}

/** Whether some type the config uses has no definition in the registry yet. */
export function missingTypes(registry: Registry, uses: DeclaredTypes): boolean {
  return KINDS.some(({ section, kind }) => (uses[section] ?? []).some((type) => registry.get(kind, type) === undefined));
}

/** When a package's declaration is not what it provides: it would be skipped when needed, or imported for nothing. */
export function declarationMismatch(pkg: PluginPackage, definitions: readonly ComponentDefinition[]): string | undefined {
  if (pkg.declares === undefined || definitions.length === 0) return undefined;
  const declared = KINDS.flatMap(({ section, kind }) => (pkg.declares?.[section] ?? []).map((type) => `${kind} "${type}"`)).sort();
  const provided = definitions.map((d) => `${d.kind} "${d.type}"`).sort();
  if (declared.join() === provided.join()) return undefined;
  return `installed plugin ${pkg.name} declares ${declared.join(', ') || 'nothing'} in its package.json "ferry" field but provides ${provided.join(', ')}; Ferry may not load it when a config needs it`;
}
