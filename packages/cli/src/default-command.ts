const PROGRAM_OPTIONS = new Set(['-h', '--help', '-V', '--version']);

/**
 * `ferry` alone, or with run's options only (`ferry --config prod.json`), means `ferry run`.
 * Anything else names a command, so that a mistyped one (`ferry valdate`) is reported as an
 * unknown command with the closest one suggested, not as an argument `run` did not expect
 * (which is what commander's own default command does).
 */
export function withDefaultCommand(argv: readonly string[]): string[] {
  const [node = 'node', script = 'ferry', ...args] = argv;
  const first = args[0];
  const isRun = first === undefined || (first.startsWith('-') && !PROGRAM_OPTIONS.has(first));
  return isRun ? [node, script, 'run', ...args] : [node, script, ...args];
}
