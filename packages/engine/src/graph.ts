// Exploring for the state graph export: the same search, keeping every edge, with
// a cap on the number of states so that a huge graph is refused rather than written.
import type { Model, ViolationKind } from "@knot/ir";
import { Explorer, type SearchResult } from "./explore.js";

export interface ExploredGraph {
  result: SearchResult;
  states: Int32Array[];
  edges: { from: number; to: number; thread: number; step: number }[];
  initial: number[];
  /** State index -> kinds of violations found in or from it. */
  violations: Map<number, string[]>;
  /** True when the state space is larger than the cap (states and edges are then partial). */
  truncated: boolean;
}

export function exploreGraph(model: Model, options: { maxStates: number; disabled?: ReadonlySet<ViolationKind> }): ExploredGraph {
  const edges: ExploredGraph["edges"] = [];
  const explorer = new Explorer(model, {
    all: true,
    maxStates: options.maxStates,
    disabled: options.disabled,
    onEdge: (from, to, thread, step) => edges.push({ from, to, thread, step }),
    // the model's own graph, not its quotient by the symmetric types' permutations
    symmetry: false,
  });
  const result = explorer.run();
  // the search stops, without storing it, at the first state beyond the cap
  const truncated = result.stats.stoppedBy === "max-states";
  const states: Int32Array[] = [];
  for (let i = 0; i < explorer.store.size; i++) states.push(explorer.readState(i));
  const violations = new Map<number, string[]>();
  for (const v of result.violations) {
    if (v.state < 0) continue;
    const list = violations.get(v.state) ?? [];
    if (!list.includes(v.kind)) list.push(v.kind);
    violations.set(v.state, list);
  }
  return { result, states, edges, initial: states.length ? [0] : [], violations, truncated };
}
