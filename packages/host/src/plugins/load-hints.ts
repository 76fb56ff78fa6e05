import { basename } from 'node:path';

/**
 * What to do about a plugin module that failed to import, for the two mistakes a first
 * plugin written outside this repository runs into; undefined when there is nothing better
 * to say than the error itself.
 */
export function pluginLoadHint(error: unknown, modulePath: string): string | undefined {
  const { code, message } = error as NodeJS.ErrnoException;
  // tsx compiles a .ts file to CommonJS unless its package.json says "type": "module", and a
  // CommonJS plugin cannot require() the ESM SDK: Node reports a cycle that says nothing of that.
  if (/\.tsx?$/.test(modulePath) && (code === 'ERR_REQUIRE_CYCLE_MODULE' || code === 'ERR_REQUIRE_ESM' || /Cannot use import statement outside a module/.test(message ?? ''))) {
    return `a TypeScript plugin is an ES module: add "type": "module" to the package.json of its folder (\`npm pkg set type=module\`), or name it ${basename(modulePath).replace(/\.tsx?$/, '.mts')}`;
  }
  const missing = code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find package '(@ferry\/[^']+)'/.exec(message ?? '')?.[1] : undefined;
  if (missing !== undefined) return `install ${missing} where the plugin is (npm install ${missing}, or its packed tarball: see "Writing a plugin" in Ferry's README)`;
  return undefined;
}
