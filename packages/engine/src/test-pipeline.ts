// Test helper: the whole pipeline in memory (text -> checked model -> IR ->
// explored state space). Compiling goes through packages/ir's test helper, which
// throws with the rendered diagnostics when the model does not compile. Also
// small accessors that tests use to read violations, traces and states by name.
// Test-only (excluded from the build), so it may reach @knot/lang, which the
// engine itself never imports.
import type { Model } from "@knot/ir";
import { type LowerOptions, lower } from "../../ir/src/test-lower.js";
import { compiledSearchOption } from "./compiled.js";
import { type SearchOptions, type SearchResult, type Violation, explore } from "./explore.js";

export { type LowerOptions, lower, lowerFile, renderDiagnostics, tryLower } from "../../ir/src/test-lower.js";

/** Compile and explore; the IR comes back too, for decoding traces. */
export function check(source: string, search: SearchOptions = {}, options: LowerOptions = {}): SearchResult & { model: Model } {
  const model = lower(source, options);
  return { ...explore(model, search), model };
}

/**
 * Explore `source` with --all in both engines, which must agree (the states, and each
 * violation's kind and message, sorted); returns that summary, with the lock-order
 * warnings as "a -> b" lock lists. `cacheDir`: the compiled engine's cache.
 */
export function runBothEngines(source: string, cacheDir: string, options: SearchOptions = {}): { states: number; violations: string[]; warnings: string[] } {
  const m = lower(source);
  const interp = explore(m, { all: true, ...options });
  const compiled = explore(m, { all: true, ...options, compiled: compiledSearchOption(m, "compiled", { disabled: options.disabled ?? new Set(), cacheDir }) });
  const summary = (r: SearchResult) => ({
    states: r.stats.states,
    violations: r.violations.map((v) => `${v.kind}: ${v.message}`).sort(),
    warnings: r.warnings.map((w) => w.locks.join(" -> ")).sort(),
  });
  if (compiled.stats.engine !== "compiled") throw new Error(`the compiled engine was not used (${compiled.stats.engine})`);
  const a = summary(interp);
  const b = summary(compiled);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the engines disagree:\ninterpreted ${JSON.stringify(a)}\ncompiled    ${JSON.stringify(b)}`);
  return a;
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

/** What two searches of the same model must agree on: counts, each violation with its message and trace, the warnings. */
export function engineSummary(r: SearchResult, m: Model) {
  return {
    states: r.stats.states,
    transitions: r.stats.transitions,
    complete: r.stats.complete,
    violations: r.violations.map((v) => ({
      kind: v.kind,
      message: v.message,
      trace: v.trace.steps.map((s) => `${m.threads[s.thread]!.name}:${s.step}${s.failed ? "!" : ""}`),
    })),
    warnings: r.warnings.map((w) => w.message),
  };
}
