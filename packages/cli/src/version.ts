import { readFileSync } from 'node:fs';

/** The `@ferry/cli` package's version (what `ferry --version` prints). */
export const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
