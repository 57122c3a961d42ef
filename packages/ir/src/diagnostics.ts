// The IR stage's catalog of diagnostic codes (K6xxx): limits of lowering that a
// model can hit after it passed the type checker.
export const IrCodes = {
  Recursion: "K6001",
  LoopInAtomic: "K6002",
  TooManyPaths: "K6003",
  TooLarge: "K6004",
  ConstantOutOfRange: "K6005",
  TooManyThreads: "K6006",
} as const;
