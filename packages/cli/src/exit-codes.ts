// Exit codes, as documented in the README and docs/cli.md.
export const ExitCode = {
  /** Every check passed on the whole state space. */
  Pass: 0,
  /** A violation was found. */
  Violation: 1,
  /** The model or the command line is wrong (diagnostics printed). */
  UsageOrModelError: 2,
  /** A limit stopped the search before it finished; nothing violated so far. */
  Incomplete: 3,
  /** A bug in knot. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
