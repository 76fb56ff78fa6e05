import { relative, resolve, sep } from 'node:path';
import { FilePath, Type, type ConfigProblem, type Static } from '@ferry/sdk';
import { TEMP_DIRECTORY } from './temp.js';

export const configSchema = Type.Object(
  {
    directory: FilePath({
      minLength: 1,
      description: 'Where the archive is written (created if missing). A relative path is resolved against the config file\'s folder.',
    }),
    prefix: Type.String({
      default: 'grantex-events',
      description: 'Folder inside `directory` that every object key starts with, as the s3 exporter\'s `prefix`, so a local archive and a bucket read the same. Empty: none.',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip')], {
      default: 'none',
      description: '`gzip` writes `.ndjson.gz` objects; `none` plain `.ndjson`.',
    }),
    layout: Type.Union([Type.Literal('daily'), Type.Literal('hive'), Type.Literal('flat')], {
      default: 'daily',
      description: 'Object key layout, shared with the s3 exporter: `daily` (`<prefix>/2026-03-01/…`), `hive` (`<prefix>/dt=2026-03-01/…`, for Athena/Glue partitions) or `flat` (`<prefix>/2026-03-01T…`).',
    }),
    fsync: Type.Boolean({
      default: true,
      description: 'Flush every object and its directory to the disk before the batch counts as delivered, so a power loss cannot lose it. `false` is faster and still never leaves a partial object.',
    }),
  },
  { additionalProperties: false },
);

export type FileConfig = Static<typeof configSchema>;

/** What the schema cannot say: the prefix keeps every object inside `directory`, out of its temporary folder. */
export function validateFile(config: Readonly<FileConfig>): ConfigProblem[] {
  const directory = resolve(config.directory);
  const inside = relative(directory, resolve(directory, config.prefix.replace(/^\/+/, ''), 'x'));
  if (inside.startsWith(`..${sep}`) || inside.split(sep)[0] === TEMP_DIRECTORY) {
    return [{ path: 'prefix', problem: `${JSON.stringify(config.prefix)} would write outside ${directory} or into its ${TEMP_DIRECTORY} directory` }];
  }
  return [];
}
