import { ConfigInvalidError, ComponentFailedError, StorageError, TelemetryAddressError, formatIssue } from '@ferry/host';
import { EXIT } from './exit-codes.js';

/** Every problem of a config, under the config file's path. */
export function printConfigErrors(error: ConfigInvalidError): void {
  const [only] = error.issues;
  if (error.issues.length === 1 && only !== undefined && only.path === '') {
    // The file itself (unreadable, not JSON): one line that names it.
    process.stderr.write(`ferry: ${error.source}: ${formatIssue(only).replace(/^\(config\): /, '').replace(/\n/g, '\n  ')}\n`);
    return;
  }
  const count = error.issues.length;
  process.stderr.write(`ferry: the config ${error.source} has ${count} problem${count === 1 ? '' : 's'}:\n`);
  for (const issue of error.issues) process.stderr.write(`  ✗ ${formatIssue(issue).replace(/\n/g, '\n    ')}\n`);
}

/** Prints a failure the user can act on and returns the exit status it deserves. */
export function reportFailure(error: unknown): number {
  if (error instanceof ConfigInvalidError) {
    printConfigErrors(error);
    return EXIT.invalidConfig;
  }
  if (error instanceof ComponentFailedError || error instanceof StorageError || error instanceof TelemetryAddressError) {
    process.stderr.write(`ferry: ${error.message}\n`);
    return EXIT.failure;
  }
  process.stderr.write(`ferry: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.failure;
}
