// Test helper: the whole pipeline in memory (text -> checked model -> IR ->
// explored state space). Compiling goes through packages/ir's test helper, which
// throws with the rendered diagnostics when the model does not compile. Also
// small accessors that tests use to read violations, traces and states by name.
// Test-only (excluded from the build), so it may reach @knot/lang, which the
// engine itself never imports.
import type { Model } from "@knot/ir";
import { type LowerOptions, lower } from "../../ir/src/test-lower.js";
import { type SearchOptions, type SearchResult, type Violation, explore } from "./explore.js";

export { type LowerOptions, lower, lowerFile, renderDiagnostics, tryLower } from "../../ir/src/test-lower.js";

/** Compile and explore; the IR comes back too, for decoding traces. */
export function check(source: string, search: SearchOptions = {}, options: LowerOptions = {}): SearchResult & { model: Model } {
  const model = lower(source, options);
  return { ...explore(model, search), model };
}

/** The single violation of a result (fails, naming what was found, when there is not exactly one). */
export function only(r: SearchResult): Violation {
  if (r.violations.length !== 1) {
    throw new Error(`expected exactly one violation, got ${r.violations.length}: ${r.violations.map((v) => `${v.kind}: ${v.message}`).join("; ")}`);
  }
  return r.violations[0]!;
}

/** The slot of a state variable (global, lock, refcount, pc[thread], local), by its layout name. */
export function slotOf(model: Model, name: string): number {
  const v = model.layout.vars.find((x) => x.name === name);
  if (!v) throw new Error(`no state variable ${name}; the layout has ${model.layout.vars.map((x) => x.name).join(", ")}`);
  return v.offset;
}

/** A trace as "thread: statement" lines, for readable assertions. */
export function traceLines(model: Model, v: Violation): string[] {
  return v.trace.steps.map((s) => `${model.threads[s.thread]!.name}: ${model.steps[s.step]!.label}`);
}
