// Ctrl-C and SIGTERM during a search. While a command searches, the first signal
// stops the search after the state being expanded, so that the command prints the
// figures so far and exits 130 (SIGINT) or 143 (SIGTERM); a second one ends the
// process at once with the same code. Either way the trace store's temporary
// files are removed (the engine removes them on exit). Outside a search the
// signals keep their default: nothing is lost by dying at once.

export type InterruptSignal = "SIGINT" | "SIGTERM";

/** What the searches of one command look at: an AbortSignal-like flag, and which signal set it. */
export interface Interrupt {
  readonly aborted: boolean;
  readonly signal: InterruptSignal | undefined;
}

/** The exit code of a process ended by `signal` (128 + its number, as a shell reports it). */
export function interruptExitCode(signal: InterruptSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}

/** A source of interruptions; `process` in the CLI, a fake one in tests. */
export interface SignalSource {
  on(signal: InterruptSignal, handler: () => void): void;
  off(signal: InterruptSignal, handler: () => void): void;
  exit(code: number): void;
}

const processSignals: SignalSource = {
  on: (s, h) => void process.on(s, h),
  off: (s, h) => void process.off(s, h),
  exit: (code) => process.exit(code),
};

/**
 * Runs `body` with SIGINT and SIGTERM caught; the handlers are removed when it
 * settles. `body` passes the interrupt to its searches as their signal.
 */
export async function withInterrupts<T>(body: (interrupt: Interrupt) => Promise<T>, source: SignalSource = processSignals): Promise<T> {
  const state: { aborted: boolean; signal: InterruptSignal | undefined } = { aborted: false, signal: undefined };
  const handlers = new Map<InterruptSignal, () => void>();
  for (const s of ["SIGINT", "SIGTERM"] as const) {
    const h = () => {
      if (state.aborted) source.exit(interruptExitCode(state.signal ?? s));
      state.aborted = true;
      state.signal = s;
    };
    handlers.set(s, h);
    source.on(s, h);
  }
  try {
    return await body(state);
  } finally {
    for (const [s, h] of handlers) source.off(s, h);
  }
}
