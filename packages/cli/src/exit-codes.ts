/** Exit statuses of the `ferry` command (listed in the README). */
export const EXIT = {
  ok: 0,
  /** A component failed to start, no receiver could work, or events were lost at shutdown. */
  failure: 1,
  /** The config is invalid (or the command line is). */
  invalidConfig: 2,
  /** A second signal asked to stop at once. */
  interrupted: 130,
} as const;
