/**
 * Writes a new Ferry plugin package. `ferry new <kind> <name>` and `npm create ferry-plugin
 * <kind> <name>` both run `createPlugin`.
 */
export { scaffold } from './scaffold.js';
export type { ScaffoldOptions } from './scaffold.js';
export { pluginNames, PLUGIN_KINDS } from './names.js';
export type { PluginKind, PluginNames } from './names.js';
export { createPlugin } from './command.js';
export type { CreatePluginArguments } from './command.js';
