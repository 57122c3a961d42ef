// The lockdep-style lock-order analysis: edges recorded over every explored
// transition, cycles reported even when no explored state deadlocks, and no
// false alarm for consistently ordered locking of array entries.
import { describe, expect, it } from "vitest";
import { lowerFile } from "../../ir/src/test-lower.js";
import { explore } from "./explore.js";
import { LockOrderGraph } from "./lock-order.js";
import { check } from "./test-pipeline.js";

describe("lock-order analysis", () => {
  it("finds an ABBA order that no explored interleaving deadlocks on", () => {
    // q only starts after p is done, so the two orders never overlap in time
    const r = check(`
mutex a
mutex b
var done: bool = false
process p { lock a; lock b; unlock b; unlock a; done := true }
process q { await done; lock b; lock a; unlock a; unlock b }
`);
    expect(r.violations).toEqual([]);
    expect(r.stats.complete).toBe(true);
    expect(r.warnings.map((w) => w.message)).toEqual(["possible circular locking dependency: a -> b -> a"]);
    const [ab, ba] = r.warnings[0]!.edges;
    expect([ab!.from, ab!.to, r.model.threads[ab!.thread]!.name]).toEqual(["a", "b", "p"]);
    expect([ba!.from, ba!.to, r.model.threads[ba!.thread]!.name]).toEqual(["b", "a", "q"]);
    // each edge comes with the shortest trace that creates it, ending with the acquisition
    expect(ab!.trace.steps.map((s) => r.model.steps[s.step]!.label)).toEqual(["lock a", "lock b"]);
    expect(ba!.trace.steps.length).toBe(8);
    expect(r.model.steps[ba!.trace.steps[7]!.step]!.label).toBe("lock a");
  });

  it("reports longer cycles once, starting at the smallest lock", () => {
    const r = check(`
mutex a
mutex b
mutex c
process p { lock a; lock b; unlock b; unlock a }
process q { lock b; lock c; unlock c; unlock b }
process s { lock c; lock a; unlock a; unlock c }
`);
    expect(r.warnings.map((w) => w.locks)).toEqual([["a", "b", "c"]]);
  });

  it("treats entries of a lock array as separate locks: ordered philosophers are clean", () => {
    const ordered = explore(lowerFile("models/examples/philosophers.knot", { N: "4", ORDERED: "true" }));
    expect(ordered.warnings).toEqual([]);
    const unordered = explore(lowerFile("models/examples/philosophers.knot", { N: "3" }), { all: true });
    expect(unordered.warnings.map((w) => w.locks)).toEqual([["fork[0]", "fork[1]", "fork[2]"]]);
  });

  it("records nothing for a step that turns out disabled, and nothing when switched off", () => {
    const src = `
mutex a
mutex b
process p { lock a; lock b; unlock b; unlock a }
process q { lock b; lock a; unlock a; unlock b }
`;
    expect(check(src, { disabled: new Set(["lock-order"]) }).warnings).toEqual([]);
    const g = new LockOrderGraph();
    g.begin();
    g.acquire([1], 2);
    g.begin(); // the attempt was disabled: forgotten
    g.commit(0, 0, 0);
    expect(g.size).toBe(0);
  });
});
