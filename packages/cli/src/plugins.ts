import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where installed plugins are looked for: the current project and Ferry's own installation. */
export function pluginSearchPath(): string[] {
  return [process.cwd(), dirname(fileURLToPath(import.meta.url))];
}
