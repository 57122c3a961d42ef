// Robustness past the front end: of 10 × KNOT_FUZZ_RUNS (default 3000) mutated
// versions of the library's models (packages/lang/src/test-mutate.ts; the
// front-end half of this test is packages/lang/src/fuzz.test.ts), those that
// compile without errors are lowered (lowerModel must not throw: a model it
// cannot lower is reported as diagnostics) and, when they lower, explored by
// the engine with at most MAX_STATES states, first violation and --all (which
// must not throw either); and the reference explores them too, with the same
// bound, and must agree with the engine exactly (run-both.ts). Deterministic:
// the mutations are drawn from KNOT_FUZZ_SEED (default 7), so another seed gives
// other inputs. Prints how many inputs ran, compiled, lowered and were compared.
import { describe, expect, it } from "vitest";
import { compileModel, memoryHost } from "@knot/lang";
import { lowerModel } from "@knot/ir";
import { mutatedInputs } from "../../packages/lang/src/test-mutate.js";
import { differences, runBoth } from "./run-both.js";

const INPUTS = 10 * Number(process.env.KNOT_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.KNOT_FUZZ_SEED ?? 7);
const MAX_STATES = 500;

describe("mutated models that compile lower and explore without throwing", () => {
  it(`${INPUTS} mutated inputs from seed ${SEED}`, () => {
    let compiled = 0;
    let lowered = 0;
    let compared = 0;
    let withViolations = 0;
    const failures: string[] = [];
    let n = 0;
    for (const input of mutatedInputs(SEED, INPUTS)) {
      const label = `#${n++} ${input.root} (mutated: ${input.mutated.join(", ")}${input.overrides.length ? `; --set ${input.overrides.map((o) => `${o.name}=${o.text}`).join(" ")}` : ""})`;
      const text = () => input.mutated.map((f) => `--- ${f} ---\n${input.files[f]}`).join("\n");
      const front = compileModel(input.root, { host: memoryHost(input.files), overrides: input.overrides });
      if (!front.model || front.diagnostics.some((d) => d.severity === "error")) continue;
      compiled++;
      try {
        const ir = lowerModel(front.model);
        if (!ir.model) continue;
        lowered++;
        const both = runBoth(front.model, ir.model, { maxStates: MAX_STATES });
        compared++;
        if (both.engine.all.kinds.length) withViolations++;
        const diffs = differences(both);
        if (diffs.length) failures.push(`${label}:\n  ${diffs.join("\n  ")}\n${text()}`);
      } catch (e) {
        failures.push(`${label}: threw ${(e as Error).stack ?? String(e)}\n${text()}`);
      }
    }
    console.log(
      `mutated models (seed ${SEED}): ${n} inputs, ${compiled} compiled without errors, ${lowered} lowered, ` +
      `${compared} explored by both (at most ${MAX_STATES} states; ${withViolations} with violations); ${failures.length} failures`,
    );
    expect(failures.slice(0, 3), `${failures.length} failures`).toEqual([]);
    expect(compared).toBeGreaterThan(INPUTS * 0.02);
  }, 600_000);
});
