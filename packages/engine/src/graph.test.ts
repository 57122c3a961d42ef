// Tests of the state-graph export: every state and every transition is kept,
// and a graph larger than the cap is marked truncated rather than returned whole.
import { describe, expect, it } from "vitest";
import { exploreGraph } from "./graph.js";
import { lower } from "./test-pipeline.js";

const lattice = lower(`
var x: 0..2 = 0
var y: 0..2 = 0
process p { x := 1 }
process q { y := 1; y := 2 }
`);

describe("exploreGraph", () => {
  it("keeps every state and transition of a graph within the cap", () => {
    // positions 2 x 3 = 6 states; moves: p from the 3 states where it has not
    // moved, q from the 4 where it has not finished: 7 edges
    for (const maxStates of [6, 100]) {
      const g = exploreGraph(lattice, { maxStates });
      expect(g.truncated).toBe(false);
      expect(g.states).toHaveLength(6);
      expect(g.edges).toHaveLength(7);
      expect(g.initial).toEqual([0]);
      expect(new Set(g.edges.map((e) => `${e.from}>${e.to}`)).size).toBe(7);
    }
  });

  it("marks a graph larger than the cap as truncated", () => {
    const g = exploreGraph(lattice, { maxStates: 5 });
    expect(g.truncated).toBe(true);
    expect(g.states).toHaveLength(5);
  });

  it("records the states where violations were found", () => {
    const g = exploreGraph(lower(`
mutex a
process t { unlock a }
`), { maxStates: 10 });
    expect([...g.violations]).toEqual([[0, ["unlock-not-held"]]]);
  });
});
