// Dining philosophers (models/examples/philosophers.knot) against the reference
// figures of Spin and TLC for the same step granularity (one step per lock, per
// assert, per unlock; start-up is not a step), from /work/shared/bench/README.md.
// Spin's "transitions" (stored + matched) and TLC's "states generated" count the
// initial state as well, so knot's transition count is theirs minus one.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explore } from "./explore.js";
import { lowerFile } from "./test-pipeline.js";

const model = join(import.meta.dirname, "../../../models/examples/philosophers.knot");

describe("dining philosophers", () => {
  // N = 8: Spin/TLC 18,837 states, 99,621 transitions; N = 9: 67,089 and 401,052.
  it.each([
    [8, 18_837, 99_620],
    [9, 67_089, 401_051],
  ])("with ordered forks, N = %i: %i states and %i transitions, no violation", (n, states, transitions) => {
    const r = explore(lowerFile(model, { N: String(n), ORDERED: "true" }));
    expect(r.violations).toEqual([]);
    expect(r.stats).toMatchObject({ states, transitions, complete: true });
  });

  it.each([3, 4, 5])("with unordered forks, N = %i: a lock cycle through all N philosophers", (n) => {
    const ir = lowerFile(model, { N: String(n), ORDERED: "false" });
    const r = explore(ir);
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0]!;
    expect(v.kind).toBe("lock-cycle");
    expect(v.cycle).toEqual(Array.from({ length: n }, (_, i) => i));
    // everyone takes the left fork: the shortest way into the cycle is N steps
    expect(v.trace.steps).toHaveLength(n);
    const parts = Array.from({ length: n }, (_, i) => `phil[${i}] waits for fork[${(i + 1) % n}], held by phil[${(i + 1) % n}]`);
    expect(v.message).toBe(parts.join("; "));
  });
});
