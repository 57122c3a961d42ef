// Differential test on random models: KNOT_FUZZ_RUNS (default 300) models from
// random-models.ts, seeds KNOT_FUZZ_SEED (default 1) onwards, are each explored
// by the engine and by the reference, first violation and --all, with the
// checks the model switches off, and must agree exactly (run-both.ts). Both
// searches stop at MAX_STATES stored states, and count the same way there. A
// model that does not compile, or does not lower, is counted, and must stay
// rare (under 5%). A model the generator put past an integer limit on purpose
// must be rejected by the checker with the codes it names (`rejects`). A
// disagreement or a crash fails with the seed, the checks
// switched off and the model text, so that it can be reproduced with
// KNOT_FUZZ_SEED=<seed> KNOT_FUZZ_RUNS=1. Prints (once) how many models ran,
// how many had violations, and the first violations' kinds.
import { describe, expect, it } from "vitest";
import { compileModel, memoryHost } from "@knot/lang";
import { lowerModel } from "@knot/ir";
import { type Both, ModelError, differences, renderDiagnostics, runBoth } from "./run-both.js";
import { generateModel } from "./random-models.js";

/** The kernel primitives the generator uses, counted per compared model for the figures. */
const PRIMITIVES: readonly [string, RegExp][] = [
  ["rwsem", /\bdown_(read|write) /],
  ["trylock", /\b(mutex|spin|down_read|down_write)_trylock\(/],
  ["dec_and_test", /\bdec_and_test\(/],
  ["dec_and_lock", /\bdec_and_lock\(/],
  ["might_sleep", /\bmight_sleep\(\)/],
  ["completion", /\b(wait_for_completion|complete|complete_all) /],
  ["try_wait_for_completion", /\btry_wait_for_completion\(/],
  ["await label", /\bawait [^\n]*: "/],
  ["srcu", /\b(srcu_read_lock|synchronize_srcu) /],
  ["rcu", /\b(rcu_read_lock|synchronize_rcu)\b/],
  ["grace period", /\bsynchronize_(srcu|rcu)\b/],
  ["queue_work", /\bqueue_work[ (]/],
  ["flush_work", /\bflush_work /],
  ["cancel_work_sync", /\bcancel_work_sync[ (]/],
  ["flush_workqueue", /\bflush_workqueue /],
  ["ordered workqueue", /max_active: 1\b/],
  ["call_rcu", /\bcall_rcu /],
  ["call_srcu", /\bcall_srcu /],
  ["callback frees", /\bcall_(s?rcu)( \S+)? cbfree\(/],
  ["lock in object", /\b(lock|unlock|mutex_trylock|spin_trylock) \w+\.lk\b|_trylock\(\w+\.lk\)/],
  ["refcount in object", /\b(get|put) \w+\.rc\b|dec_and_(test|lock)\(\w+\.rc/],
  ["ops table in object", /\bcall \w+\.ops\.|\w+\.ops := /],
  ["srcu or completion in object", /\b(srcu_read_lock|synchronize_srcu|call_srcu|complete|wait_for_completion) \w+\.(sd|cd)\b/],
  ["set of references", /\bgl := |\.ls := |\bfor e\d+ in (gl|\w+\.ls)\b/],
  ["lock nesting subclass", / nested \d\b/],
  ["a local named like its pool", /\b(for|pick) node in\b/],
  ["nest_lock", / nest_lock /],
  ["work in object", /\b(queue_work|flush_work|cancel_work_sync)[ (]\w+\.wk\b/],
  ["symmetric type", /\btype Vid = symmetric\b/],
];

const RUNS = Number(process.env.KNOT_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.KNOT_FUZZ_SEED ?? 1);
const MAX_STATES = 2000;

describe("engine and reference agree on random models", () => {
  it(`${RUNS} models from seed ${SEED}`, () => {
    const failures: string[] = [];
    const firstKinds = new Map<string, number>();
    let ran = 0;
    let withViolations = 0;
    let truncated = 0;
    let withDisabled = 0;
    let rejected = 0;
    let wide = 0;
    let states = 0;
    let symmetric = 0;
    const uses = new Map<string, number>();
    const notCompiling: string[] = [];
    const notLowering: string[] = [];
    const started = performance.now();
    for (let i = 0; i < RUNS; i++) {
      const seed = SEED + i;
      const g = generateModel(seed);
      const repro = `seed ${seed} (model #${i}; KNOT_FUZZ_SEED=${seed} KNOT_FUZZ_RUNS=1)${g.disabled.length ? `, ${g.disabled.map((d) => `--no-${d}`).join(" ")}` : ""}`;
      const front = compileModel("t.knot", { host: memoryHost({ "t.knot": g.text }) });
      if (g.rejects) {
        // past an integer limit on purpose: the checker must say so, with one of these codes
        const codes = front.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
        if (front.model || !codes.some((c) => g.rejects!.includes(c))) {
          failures.push(`${repro}: expected the checker to reject the model with ${g.rejects.join(" or ")}, got ${codes.join(", ") || "no error"}\n--- model ---\n${g.text}`);
        } else rejected++;
        continue;
      }
      if (!front.model) {
        notCompiling.push(`${repro}:\n${renderDiagnostics(front.diagnostics)}\n--- model ---\n${g.text}`);
        continue;
      }
      let lowered: ReturnType<typeof lowerModel>;
      try {
        lowered = lowerModel(front.model);
      } catch (e) {
        failures.push(`${repro}: lowering threw: ${(e as Error).stack ?? String(e)}\n--- model ---\n${g.text}`);
        continue;
      }
      if (!lowered.model) {
        notLowering.push(`${repro}:\n${renderDiagnostics(lowered.diagnostics)}\n--- model ---\n${g.text}`);
        continue;
      }
      let both: Both;
      try {
        // the lock-order analysis by class for even seeds, by instance for odd ones
        both = runBoth(front.model, lowered.model, { disabled: g.disabled, maxStates: MAX_STATES, lockOrder: seed % 2 ? "instance" : "class" });
      } catch (e) {
        const what = e instanceof ModelError ? `the reference reports model error ${e.code} that lowering did not` : "threw";
        failures.push(`${repro}: ${what}: ${(e as Error).stack ?? String(e)}\n--- model ---\n${g.text}`);
        continue;
      }
      ran++;
      if (g.disabled.length) withDisabled++;
      if (g.text.includes("const WMAX")) wide++;
      for (const [name, pattern] of PRIMITIVES) if (pattern.test(g.text)) uses.set(name, (uses.get(name) ?? 0) + 1);
      states += both.engine.all.states;
      if (both.symmetric) symmetric++;
      const diffs = differences(both);
      if (diffs.length) failures.push(`${repro}:\n  ${diffs.join("\n  ")}\n--- model ---\n${g.text}`);
      const first = both.engine.first.first;
      if (first) {
        withViolations++;
        firstKinds.set(first.kind, (firstKinds.get(first.kind) ?? 0) + 1);
      }
      if (!both.engine.all.complete) truncated++;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const kinds = [...firstKinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `differential (random models, seeds ${SEED}..${SEED + RUNS - 1}): ${ran} of ${RUNS} models compared in ${seconds} s ` +
      `(${notCompiling.length} do not compile, ${notLowering.length} do not lower, ${rejected} rejected at an integer limit as intended; ` +
      `${withDisabled} with checks switched off, ${wide} with wide integers; ` +
      `${truncated} stopped at ${MAX_STATES} states; ${states} states under --all in all); ` +
      `${withViolations} with violations, first violations: ${kinds || "none"}; ` +
      `${symmetric} also searched with symmetry reduction; models compared that use: ${PRIMITIVES.map(([name]) => `${name} ${uses.get(name) ?? 0}`).join(", ")}; ${failures.length} disagreements`,
    );
    // the first few in full; the seeds of all of them
    expect(failures.slice(0, 5), `${failures.length} disagreements, seeds: ${failures.map((f) => f.split(" ")[1]).join(", ")}`).toEqual([]);
    // the generator is meant to produce valid models: a few that the compiler rejects are tolerated
    expect(notCompiling.length < RUNS * 0.05, notCompiling.slice(0, 3).join("\n\n")).toBe(true);
    expect(notLowering.length < RUNS * 0.05, notLowering.slice(0, 3).join("\n\n")).toBe(true);
  }, 600_000);
});
