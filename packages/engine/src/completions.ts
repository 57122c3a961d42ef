// Who could still complete a completion: for reports of a thread stuck in
// wait_for_completion. A completion has no owner (any thread may complete it), so
// this is a static fact about the control flow, not about the state: from its
// current location, can the thread reach a `complete` or `complete_all` of that
// completion? An entry addressed dynamically counts as every entry of its array.
// Reports only: waits on a completion are not wait-for edges (language.md,
// "Completions"), so no verdict depends on this.
import type { Model } from "@knot/ir";

export class CompletionReach {
  /** Per process, per location: the completion slots a complete of which is reachable. */
  private readonly reach: Set<number>[][];

  constructor(private readonly model: Model) {
    this.reach = model.processes.map((p, pi) => {
      const sets = p.locations.map(() => new Set<number>());
      const direct = p.locations.map(() => new Set<number>());
      for (const st of model.steps) {
        if (st.process !== pi || st.from < 0) continue;
        for (const op of st.ops) {
          if (op.k !== "complete" || op.mode === "reinit") continue;
          const v = model.layout.vars[model.layout.slotOwner[op.c.offset]!]!;
          if (op.c.terms.length === 0) direct[st.from]!.add(op.c.offset);
          else for (let i = 0; i < v.width; i++) direct[st.from]!.add(v.offset + i);
        }
      }
      direct.forEach((d, i) => d.forEach((x) => sets[i]!.add(x)));
      // backwards to a fixpoint: what the step's target can reach, its source can
      for (let changed = true; changed; ) {
        changed = false;
        for (const st of model.steps) {
          if (st.process !== pi || st.from < 0) continue;
          const from = sets[st.from]!;
          for (const x of sets[st.to]!) {
            if (!from.has(x)) {
              from.add(x);
              changed = true;
            }
          }
        }
      }
      return sets;
    });
  }

  /** The threads other than `waiter`, at their locations in `s`, that could still complete the completion at `slot`. */
  completers(s: Int32Array, slot: number, waiter: number): number[] {
    const out: number[] = [];
    for (const t of this.model.threads) {
      if (t.id === waiter) continue;
      const loc = s[t.pcSlot]!;
      if (this.reach[t.process]![loc]?.has(slot)) out.push(t.id);
    }
    return out;
  }
}
