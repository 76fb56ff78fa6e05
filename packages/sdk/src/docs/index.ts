/**
 * Generated documentation for plugins (`@ferry/sdk/docs`): the option table of a schema,
 * and the README section a plugin keeps it in. `ferry-plugin-readme` writes it; a test can
 * compare the README with `pluginOptionsSection(definition)` to keep them in step.
 */
export { optionTable } from './option-table.js';
export { pluginOptionsSection, withOptionsSection, currentOptionsSection, OPTIONS_START, OPTIONS_END } from './readme.js';
