// Parent links (TLC's trace file): for every stored state, the state it was first
// reached from, the thread and the step, and its depth. Enough to rebuild the
// path from an initial state to any state.
import { IntColumn, type StateStore } from "./state-store.js";

export interface TraceLink {
  parent: number;
  thread: number;
  step: number;
}

export class TraceStore {
  private readonly parents = new IntColumn();
  private readonly threads = new IntColumn();
  private readonly stepIds = new IntColumn();
  private readonly depths = new IntColumn();

  record(index: number, parent: number, thread: number, step: number, depth: number): void {
    this.parents.set(index, parent);
    this.threads.set(index, thread);
    this.stepIds.set(index, step);
    this.depths.set(index, depth);
  }

  depth(index: number): number {
    return this.depths.get(index);
  }

  /** The links from an initial state to `index`, in order. */
  path(index: number): TraceLink[] {
    const out: TraceLink[] = [];
    for (let i = index; this.parents.get(i) >= 0; i = this.parents.get(i)) {
      out.push({ parent: this.parents.get(i), thread: this.threads.get(i), step: this.stepIds.get(i) });
    }
    return out.reverse();
  }

  /** The initial state `index` descends from. */
  root(index: number): number {
    let i = index;
    while (this.parents.get(i) >= 0) i = this.parents.get(i);
    return i;
  }

  bytes(): number {
    return this.parents.bytes() * 4;
  }
}

export function readState(store: StateStore, index: number): Int32Array {
  const s = new Int32Array(store.width);
  store.read(index, s);
  return s;
}
