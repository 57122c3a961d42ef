// When the compiled engine is used (compiled-fallback.ts): a model whose code is
// estimated at the bound is compiled and gives the interpreter's results; one
// byte under it, `--engine compiled` says it uses the interpreter and `auto`
// says nothing; a build that fails (a RangeError in code generation, at the
// start of the search or when `auto` switches mid-search) falls back to the
// interpreter with a note, once, and the search's results are the interpreter's.
import { describe, expect, it } from "vitest";
import type { Model } from "@knot/ir";
import { type SearchResult, compiledSearchOption, estimateCodeSize, explore } from "@knot/engine";
import { lower } from "../../ir/src/test-lower.js";
import { guardedCompiledOption } from "./compiled-fallback.js";

const MODEL = `
mutex a
mutex b
var n: 0..7
proc ab() { lock a; lock b; n := (n + 1) % 8; unlock b; unlock a }
proc ba() { lock b; lock a; n := (n + 7) % 8; unlock a; unlock b }
process p[i in 0..2] { call ab(); call ab() }
process q { call ba() }
`;

function outcome(m: Model, r: SearchResult) {
  return {
    states: r.stats.states,
    transitions: r.stats.transitions,
    violations: r.violations.map((v) => `${v.kind} ${v.trace.steps.map((s) => `${m.threads[s.thread]!.name}:${s.step}`).join(" ")}`),
    warnings: r.warnings.map((w) => w.message),
  };
}

const options = { disabled: new Set<never>(), version: "test", cacheDir: false as const };

describe("compiling or not", () => {
  const m = lower(MODEL);
  const size = estimateCodeSize(m, { lockOrder: true });
  const interp = explore(m, { all: true });

  it("compiles a model estimated right at the bound, with the interpreter's results", () => {
    const notes: string[] = [];
    const r = explore(m, { all: true, compiled: guardedCompiledOption(m, "compiled", options, (n) => notes.push(n), size) });
    expect(r.stats.engine).toBe("compiled");
    expect(notes).toEqual([]);
    expect(outcome(m, r)).toEqual(outcome(m, interp));
    expect(interp.violations.length).toBeGreaterThan(0);
  });

  it("runs a model just over the bound interpreted: with a note for --engine compiled, silently for auto", () => {
    const notes: string[] = [];
    const option = guardedCompiledOption(m, "compiled", options, (n) => notes.push(n), size - 1);
    expect(option).toBeUndefined();
    expect(notes).toEqual([`the model is too large to compile (about ${(size / 2 ** 20).toFixed(1)} MB of code); using the interpreter`]);
    expect(guardedCompiledOption(m, "auto", options, (n) => notes.push(n), size - 1)).toBeUndefined();
    expect(notes.length).toBe(1);
  });

  it("falls back to the interpreter, with one note, when building the code fails", () => {
    const failing: typeof compiledSearchOption = () => ({
      create: () => {
        throw new RangeError("Maximum call stack size exceeded");
      },
    });
    const notes: string[] = [];
    const r = explore(m, { all: true, compiled: guardedCompiledOption(m, "compiled", options, (n) => notes.push(n), Infinity, failing) });
    expect(r.stats.engine).toBe("interp");
    expect(notes).toEqual(["the model could not be compiled (RangeError: Maximum call stack size exceeded); using the interpreter"]);
    expect(outcome(m, r)).toEqual(outcome(m, interp));
  });

  it("falls back when auto's mid-search build fails, and does not try again", () => {
    let builds = 0;
    const failing: typeof compiledSearchOption = (model, engine, o) => ({
      ...compiledSearchOption(model, engine, o),
      switchAfterMs: 0,
      ready: () => true,
      create: () => {
        builds++;
        throw new Error("transpile failed");
      },
    });
    const notes: string[] = [];
    const r = explore(m, { all: true, compiled: guardedCompiledOption(m, "auto", options, (n) => notes.push(n), Infinity, failing) });
    expect(r.stats.engine).toBe("interp");
    expect(builds).toBe(1);
    expect(notes).toEqual(["the model could not be compiled (Error: transpile failed); using the interpreter"]);
    expect(outcome(m, r)).toEqual(outcome(m, interp));
  });
});
