import { isAbsolute, resolve } from 'node:path';
import { FILE_PATH_KEYWORD } from '@ferry/sdk';

interface SchemaNode {
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  readonly [FILE_PATH_KEYWORD]?: boolean;
}

/**
 * Makes every relative path option (marked `FilePath()` in its schema) absolute, resolved
 * against `base` — the config file's folder — so a config means the same files whatever
 * directory Ferry is started from. Changes `value` in place.
 */
export function resolvePathOptions(schemaObject: object, value: unknown, base: string): void {
  const schema = schemaObject as SchemaNode;
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    if (schema.items === undefined) return;
    for (const [index, item] of value.entries()) {
      if (schema.items[FILE_PATH_KEYWORD] === true && typeof item === 'string') value[index] = absolute(item, base);
      else resolvePathOptions(schema.items, item, base);
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const current = record[name];
    if (child[FILE_PATH_KEYWORD] === true && typeof current === 'string') record[name] = absolute(current, base);
    else resolvePathOptions(child, current, base);
  }
}

function absolute(path: string, base: string): string {
  // An unset ${env:…} reference is left as written (only commands that do not use it get here).
  return path === '' || isAbsolute(path) || path.includes('${env:') ? path : resolve(base, path);
}
