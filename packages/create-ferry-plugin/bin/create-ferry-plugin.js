#!/usr/bin/env node
// `npm create ferry-plugin <receiver|processor|exporter> <name> [--dir <folder>] [--sdk <range or tarball>]`
import { createPlugin } from '../dist/index.js';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const [value] = args.splice(at, 2).slice(1);
  return value;
};
const directory = option('--dir');
const sdk = option('--sdk');
const [kind, name] = args;
if (kind === undefined || name === undefined || args.length > 2) {
  process.stderr.write('usage: npm create ferry-plugin <receiver|processor|exporter> <name> [--dir <folder>] [--sdk <range or tarball>]\n');
  process.exitCode = 2;
} else {
  process.exitCode = await createPlugin({ kind, name, ...(directory === undefined ? {} : { directory }), ...(sdk === undefined ? {} : { sdk }) });
}
