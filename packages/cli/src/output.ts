import { ConfigInvalidError, ComponentFailedError, StorageError, formatIssue } from '@ferry/host';
import { EXIT } from './exit-codes.js';

export function printConfigErrors(error: ConfigInvalidError): void {
  const count = error.issues.length;
  process.stderr.write(`ferry: the config has ${count} problem${count === 1 ? '' : 's'}:\n`);
  for (const issue of error.issues) process.stderr.write(`  ✗ ${formatIssue(issue).replace(/\n/g, '\n    ')}\n`);
}

/** Prints a failure the user can act on and returns the exit status it deserves. */
export function reportFailure(error: unknown): number {
  if (error instanceof ConfigInvalidError) {
    printConfigErrors(error);
    return EXIT.invalidConfig;
  }
  if (error instanceof ComponentFailedError || error instanceof StorageError) {
    process.stderr.write(`ferry: ${error.message}\n`);
    return EXIT.failure;
  }
  process.stderr.write(`ferry: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.failure;
}
