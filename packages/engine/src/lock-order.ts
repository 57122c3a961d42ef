// The lock-order graph (lockdep): while exploring, an edge A -> B is recorded the
// first time any thread takes lock B while holding lock A, with the state and
// step that created it (under BFS, the shallowest such state, so its trace is a
// shortest one). A cycle in this graph is a possible deadlock even when no
// explored state deadlocks, because the explored interleavings happened not to
// line the paths up. Edges are between lock instances (group_lock[g1], not the
// group_lock class), so ordered locking of array entries is not a false alarm.

export interface LockOrderEdgeRecord {
  from: number;
  to: number;
  /** The state the acquiring step started from, the thread, and the step. */
  state: number;
  thread: number;
  step: number;
}

export class LockOrderGraph {
  /** Edges of the step being tried, as (from, to) slot pairs. */
  private pending = new Int32Array(64);
  private npending = 0;
  private readonly edges = new Map<string, LockOrderEdgeRecord>();
  private readonly out = new Map<number, number[]>();
  /** Edges seen so far, by numeric key, so that the common case (a known edge) costs one lookup. */
  private readonly known = new Set<number>();

  /** Start of a step attempt: forget what an earlier (possibly disabled) attempt recorded. */
  begin(): void {
    this.npending = 0;
  }

  /** Called by the lock op when a thread takes `slot` while holding `held` (the first `n` entries). */
  acquire(held: ArrayLike<number>, slot: number, n = held.length): void {
    if (this.npending + 2 * n > this.pending.length) {
      const bigger = new Int32Array(Math.max(this.pending.length * 2, this.npending + 2 * n));
      bigger.set(this.pending);
      this.pending = bigger;
    }
    for (let i = 0; i < n; i++) {
      this.pending[this.npending++] = held[i]!;
      this.pending[this.npending++] = slot;
    }
  }

  /** The step was enabled: keep the edges it created. */
  commit(state: number, thread: number, step: number): void {
    const p = this.pending;
    for (let i = 0; i < this.npending; i += 2) {
      const from = p[i]!;
      const to = p[i + 1]!;
      const nk = from * 0x100000 + to;
      if (this.known.has(nk)) continue;
      this.known.add(nk);
      this.edges.set(`${from}>${to}`, { from, to, state, thread, step });
      const list = this.out.get(from) ?? [];
      list.push(to);
      this.out.set(from, list);
    }
    this.npending = 0;
  }

  get size(): number {
    return this.edges.size;
  }

  edge(from: number, to: number): LockOrderEdgeRecord | undefined {
    return this.edges.get(`${from}>${to}`);
  }

  /**
   * One shortest cycle per strongly connected component with more than one lock,
   * each starting at its smallest lock (so reports do not depend on search order).
   */
  cycles(): number[][] {
    const nodes = [...new Set([...this.out.keys(), ...[...this.out.values()].flat()])].sort((a, b) => a - b);
    const index = new Map<number, number>();
    const low = new Map<number, number>();
    const onStack = new Set<number>();
    const stack: number[] = [];
    const sccs: number[][] = [];
    let counter = 0;
    // Tarjan's algorithm, iteratively
    for (const root of nodes) {
      if (index.has(root)) continue;
      const work: { n: number; i: number }[] = [{ n: root, i: 0 }];
      index.set(root, counter);
      low.set(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (work.length) {
        const top = work[work.length - 1]!;
        const succ = [...(this.out.get(top.n) ?? [])].sort((a, b) => a - b);
        if (top.i < succ.length) {
          const m = succ[top.i++]!;
          if (!index.has(m)) {
            index.set(m, counter);
            low.set(m, counter++);
            stack.push(m);
            onStack.add(m);
            work.push({ n: m, i: 0 });
          } else if (onStack.has(m)) {
            low.set(top.n, Math.min(low.get(top.n)!, index.get(m)!));
          }
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1]!.n;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.n)!));
        }
        if (low.get(top.n) === index.get(top.n)) {
          const comp: number[] = [];
          for (;;) {
            const x = stack.pop()!;
            onStack.delete(x);
            comp.push(x);
            if (x === top.n) break;
          }
          if (comp.length > 1) sccs.push(comp.sort((a, b) => a - b));
        }
      }
    }
    return sccs.map((comp) => this.shortestCycle(comp)).sort((a, b) => a[0]! - b[0]! || a.length - b.length);
  }

  /** BFS from the component's smallest lock back to itself, inside the component. */
  private shortestCycle(comp: number[]): number[] {
    const inComp = new Set(comp);
    const start = comp[0]!;
    const prev = new Map<number, number>();
    const queue = [start];
    for (let qi = 0; qi < queue.length; qi++) {
      const n = queue[qi]!;
      for (const m of [...(this.out.get(n) ?? [])].sort((a, b) => a - b)) {
        if (!inComp.has(m)) continue;
        if (m === start) {
          const path = [n];
          while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
          return path;
        }
        if (prev.has(m)) continue;
        prev.set(m, n);
        queue.push(m);
      }
    }
    return comp;
  }
}
