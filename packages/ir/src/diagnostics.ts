// The IR stage's catalog of diagnostic codes (K6xxx): limits of lowering that a
// model can hit after it passed the type checker.
export const IrCodes = {
  Recursion: "K6001",
  LoopInAtomic: "K6002",
  /** synchronize_srcu / synchronize_rcu inside an atomic block (a grace period needs other threads' steps). */
  SyncInAtomic: "K6030",
  TooManyPaths: "K6003",
  TooLarge: "K6004",
  ConstantOutOfRange: "K6005",
  TooManyThreads: "K6006",
  /** The unpacked state would have more than MAX_STATE_SLOTS slots. */
  StateTooLarge: "K6007",
  /** Blocks and calls nested too deeply once calls are inlined. */
  NestedTooDeeply: "K6008",
  /** The compiled engine's code would be too large to build: the interpreter runs instead (a note), `knot compile --emit js` refuses. */
  TooLargeToCompile: "K6009",
} as const;
