// Differential test of the two engines on random models: KNOT_FUZZ_RUNS / 10
// (default 30) models from random-models.ts, seeds KNOT_FUZZ_SEED (default 1)
// onwards, explored with --all by the IR interpreter and by the compiled engine
// (generated code), with the checks the model switches off and a state bound;
// both must find the same states, transitions, depth and violations (kind and
// message), and the same lock-order warnings. The reference is compared with the
// interpreter by random-models.test.ts; this closes the triangle for the code
// generator, which the library models alone exercise on few shapes of each
// construct.
import { describe, expect, it } from "vitest";
import { compileModel, memoryHost } from "@knot/lang";
import { type ViolationKind, lowerModel } from "@knot/ir";
import { type SearchResult, explore } from "../../packages/engine/src/explore.js";
import { compiledSearchOption } from "../../packages/engine/src/compiled.js";
import { testDir } from "../support/temp-dir.js";
import { generateModel } from "./random-models.js";

const RUNS = Math.max(1, Math.round(Number(process.env.KNOT_FUZZ_RUNS ?? 300) / 10));
const SEED = Number(process.env.KNOT_FUZZ_SEED ?? 1);
const MAX_STATES = 1500;
const cacheDir = testDir("knot-compiled-random-");

function summary(r: SearchResult): string {
  return JSON.stringify({
    states: r.stats.states, transitions: r.stats.transitions, depth: r.stats.depth, complete: r.stats.complete,
    violations: r.violations.map((v) => `${v.kind}: ${v.message}`),
    warnings: r.warnings.map((w) => w.locks.join(" -> ")),
  });
}

describe("the compiled engine agrees with the interpreter on random models", () => {
  it(`${RUNS} models from seed ${SEED}`, () => {
    const failures: string[] = [];
    let compared = 0;
    for (let i = 0; i < RUNS; i++) {
      const seed = SEED + i;
      const g = generateModel(seed);
      if (g.rejects) continue;
      const front = compileModel("t.knot", { host: memoryHost({ "t.knot": g.text }) });
      if (!front.model) continue;
      const lowered = lowerModel(front.model);
      if (!lowered.model) continue;
      const disabled = new Set(g.disabled) as ReadonlySet<ViolationKind>;
      const options = { all: true, disabled, maxStates: MAX_STATES };
      const interp = explore(lowered.model, options);
      let compiled: SearchResult;
      try {
        compiled = explore(lowered.model, { ...options, compiled: compiledSearchOption(lowered.model, "compiled", { disabled, cacheDir }) });
      } catch (e) {
        failures.push(`seed ${seed} (KNOT_FUZZ_SEED=${seed} KNOT_FUZZ_RUNS=10): the compiled engine threw ${(e as Error).stack ?? String(e)}\n--- model ---\n${g.text}`);
        continue;
      }
      compared++;
      if (compiled.stats.engine !== "compiled") failures.push(`seed ${seed}: the compiled engine was not used`);
      else if (summary(interp) !== summary(compiled)) {
        failures.push(`seed ${seed} (KNOT_FUZZ_SEED=${seed} KNOT_FUZZ_RUNS=10):\n  interpreted ${summary(interp)}\n  compiled    ${summary(compiled)}\n--- model ---\n${g.text}`);
      }
    }
    console.log(`compiled engine (random models, seeds ${SEED}..${SEED + RUNS - 1}): ${compared} compared, ${failures.length} disagreements`);
    expect(failures.slice(0, 3).join("\n\n")).toBe("");
  }, Math.max(60_000, RUNS * 200)); // several times the default size (KNOT_FUZZ_RUNS) takes minutes
});
