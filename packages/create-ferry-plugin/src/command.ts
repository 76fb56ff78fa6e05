import { resolve } from 'node:path';
import { pluginNames } from './names.js';
import { scaffold } from './scaffold.js';

export interface CreatePluginArguments {
  readonly kind: string;
  readonly name: string;
  /** The folder to write (default: `./<package name>`). */
  readonly directory?: string;
  /** The `@ferry/sdk` dependency: a range, or a packed tarball while Ferry is not on the registry. */
  readonly sdk?: string;
}

/** A `file:` spec for a tarball path, resolved against where the command runs; a range or spec as it is. */
function sdkSpec(sdk: string | undefined, cwd: string): string | undefined {
  if (sdk === undefined || !/\.tgz$/.test(sdk) || sdk.startsWith('file:')) return sdk;
  return `file:${resolve(cwd, sdk)}`;
}

/**
 * Writes the plugin and says what to do next on stdout (problems on stderr); returns the
 * exit status: 0 written, 2 the arguments cannot be used, 1 the folder could not be written.
 */
export async function createPlugin(args: CreatePluginArguments, cwd: string = process.cwd()): Promise<number> {
  const names = pluginNames(args.kind, args.name);
  if ('problem' in names) {
    process.stderr.write(`ferry new: ${names.problem}\n`);
    return 2;
  }
  const directory = resolve(cwd, args.directory ?? names.packageName);
  const sdk = sdkSpec(args.sdk, cwd);
  try {
    const files = await scaffold({ ...names, directory, ...(sdk === undefined ? {} : { sdk }) });
    process.stdout.write(
      [
        `wrote ${names.kind} "${names.type}" as the package ${names.packageName} in ${directory}:`,
        ...files.map((file) => `  ${file}`),
        '',
        'next:',
        `  cd ${directory}`,
        '  npm install && npm test     # conformance, behaviour, README in step with the schema',
        '  npm run build               # dist/ and the README option table',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`ferry new: ${(error as Error).message}\n`);
    return 1;
  }
}
