// Preloaded with NODE_OPTIONS=--import=…: at exit, prints every CommonJS module file the
// process loaded (one `loaded-module <path>` line each on stderr), so a test can tell which
// dependencies a command imported. NODE_DEBUG=esm shows the ESM side, not this one.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
process.on('exit', () => {
  for (const file of Object.keys(require('node:module')._cache)) process.stderr.write(`loaded-module ${file}\n`);
});
