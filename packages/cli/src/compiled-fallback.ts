// Whether a search compiles the model, and what happens when it cannot. Above
// the compiled engine's size bound (engine/code-size.ts) the code is never
// generated: `--engine auto` simply stays with the interpreter, `--engine
// compiled` says so in a note. A failure while generating, parsing or
// loading the code (a RangeError on a pathological model, say) is not an
// internal error either: the search goes on interpreted, with a note. Both
// engines give the same results, so falling back changes only the speed.
import type { Model, ViolationKind } from "@knot/ir";
import { type CodeCache, type SearchOptions, codeSizeBound, compiledSearchOption, estimateCodeSize } from "@knot/engine";

/** `knot: note: ...` lines, for the command to print. */
export type NoteSink = (message: string) => void;

function megabytes(bytes: number): string {
  const mb = bytes / 2 ** 20;
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
}

/**
 * The `compiled` search option for `engine`, or undefined when the model is too large to
 * compile. `bound` and `build` are the code size bound and the engine's option builder
 * (tests give others: a bound just below or above a model's size, a build that fails).
 */
export function guardedCompiledOption(
  model: Model,
  engine: "auto" | "compiled",
  options: { disabled: ReadonlySet<ViolationKind>; version: string; cacheDir?: string | false | CodeCache },
  note: NoteSink,
  bound = codeSizeBound(),
  build: typeof compiledSearchOption = compiledSearchOption,
): SearchOptions["compiled"] {
  const size = estimateCodeSize(model, { lockOrder: !options.disabled.has("lock-order") });
  if (size > bound) {
    if (engine === "compiled") note(`the model is too large to compile (about ${megabytes(size)} MB of code); using the interpreter`);
    return undefined;
  }
  const option = build(model, engine, options);
  let failed = false;
  const fallBack = (e: unknown): undefined => {
    failed = true;
    note(`the model could not be compiled (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); using the interpreter`);
    return undefined;
  };
  return {
    switchAfterMs: option.switchAfterMs,
    create: (layout, lockOrder) => {
      if (failed) return undefined;
      try {
        return option.create(layout, lockOrder);
      } catch (e) {
        return fallBack(e);
      }
    },
    ready: option.ready && ((elapsedMs, layout) => {
      if (failed) return false;
      try {
        return option.ready!(elapsedMs, layout);
      } catch (e) {
        fallBack(e);
        return false;
      }
    }),
  };
}
