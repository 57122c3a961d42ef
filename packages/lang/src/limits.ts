// The size and depth limits of the language, in one place: the parser, the
// checker and lowering enforce them, and docs/language.md#limits lists them.
// Each is far above what a real model needs and low enough that every stage
// after the parser (checker, constant evaluation, lowering, both engines, the
// reference semantics, the report) handles a model right at the limit without
// running out of stack or memory; the tests run each stage at the limit.

/** Deepest expression tree (operators, parentheses, indexing, chains of `+` count one level each). */
export const MAX_EXPRESSION_DEPTH = 256;
/** Deepest nesting of statement blocks (`if`, `else if`, `while`, `for`, `either`, `atomic` ...). */
export const MAX_BLOCK_DEPTH = 128;
/** Deepest nesting of types (`[K] [K] V`, records of records). */
export const MAX_TYPE_DEPTH = 256;
/** Longest identifier, in characters. */
export const MAX_IDENTIFIER_LENGTH = 255;
/** Longest name the "did you mean" search considers (longer misspellings get no suggestion). */
export const MAX_SUGGESTED_NAME_LENGTH = 64;
/**
 * Most state slots (unpacked 32-bit integers) of one value: a map of maps, a
 * record of maps, a constant. The state as a whole has the same limit (lowering).
 */
export const MAX_VALUE_SLOTS = 65536;
/** Most slots of the unpacked state: globals, locks, refcounts, object pools, and every thread's program counter and locals. */
export const MAX_STATE_SLOTS = 65536;

/** `n` with thousands separators, as limits and sizes are printed in messages. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "more than 2^53";
}
