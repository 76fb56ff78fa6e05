import { createPlugin } from 'create-ferry-plugin';

/** `ferry new <kind> <name>`: writes a plugin package (the same as `npm create ferry-plugin`). */
export function newPlugin(kind: string, name: string, options: { dir?: string; sdk?: string }): Promise<number> {
  return createPlugin({ kind, name, ...(options.dir === undefined ? {} : { directory: options.dir }), ...(options.sdk === undefined ? {} : { sdk: options.sdk }) });
}
