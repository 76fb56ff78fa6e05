export type PluginKind = 'receiver' | 'processor' | 'exporter';

export const PLUGIN_KINDS: readonly PluginKind[] = ['receiver', 'processor', 'exporter'];

/** What a new plugin is called, everywhere it is named. */
export interface PluginNames {
  readonly kind: PluginKind;
  /** The type in configs and component ids: `acme_logs`. */
  readonly type: string;
  /** The npm package: `ferry-exporter-acme-logs`. */
  readonly packageName: string;
}

// The SDK's rule for type names (defineExporter refuses any other).
const TYPE_NAME = /^[a-z][a-z0-9_]*$/;

/** The names of a new plugin, or why the ones given cannot be used. */
export function pluginNames(kind: string, name: string): PluginNames | { readonly problem: string } {
  if (!(PLUGIN_KINDS as readonly string[]).includes(kind)) return { problem: `"${kind}" is not a kind of plugin: give receiver, processor or exporter` };
  const type = name.replace(/-/g, '_');
  if (!TYPE_NAME.test(type)) return { problem: `"${name}" cannot be a component type: lower-case letters, digits and _ (or -), starting with a letter, such as acme_logs` };
  return { kind: kind as PluginKind, type, packageName: `ferry-${kind}-${type.replace(/_/g, '-')}` };
}
