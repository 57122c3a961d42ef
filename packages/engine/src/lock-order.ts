// The lock-order graph (lockdep): while exploring, an edge A -> B is recorded the
// first time any thread takes lock B (with lockdep subclass `sub`, `lock B nested
// sub`) while holding lock A, with the state and step that created it (under BFS,
// the shallowest such state, so its trace is a shortest one). A cycle is a possible
// deadlock even when no explored state deadlocks, because the explored
// interleavings happened not to line the paths up.
//
// Two views of the same edges (language.md, "Lock classes"): by instance (fork[0]
// and fork[1] are different locks, so ordered locking of array entries is no
// alarm), and by lock class as lockdep has them (every entry of one declaration,
// array or object field is one class; `nested N` makes subclass N of it). In the
// class view an edge between two locks of one class is lockdep's "possible
// recursive locking". The state does not keep the subclass a lock was taken with,
// so a held lock is its class's subclass 0: `nested` marks the inner acquisition.

export interface LockOrderEdgeRecord {
  from: number;
  to: number;
  /** The subclass `to` was taken with. */
  sub: number;
  /** The state the acquiring step started from, the thread, and the step. */
  state: number;
  thread: number;
  step: number;
  /**
   * An edge added by closing the graph under the model's symmetry (symmetry.ts): the witness is
   * the run of the record at `state`, `thread`, `step` with each symmetric type's values permuted
   * by `via[k]`.
   */
  via?: Int32Array[];
}

export class LockOrderGraph {
  /** Edges of the step being tried, as (from, to, subclass) triples. */
  private pending = new Int32Array(96);
  private npending = 0;
  /** Every distinct (from, to, subclass) edge, in the order first recorded. */
  private readonly records: LockOrderEdgeRecord[] = [];
  /** The first record of each instance pair (from, to). */
  private readonly byPair = new Map<number, LockOrderEdgeRecord>();
  /** Edges seen so far, by numeric key, so that the common case (a known edge) costs one lookup. */
  private readonly known = new Set<number>();

  /** Start of a step attempt: forget what an earlier (possibly disabled) attempt recorded. */
  begin(): void {
    this.npending = 0;
  }

  /** The lock class of a slot, for nest locks (set once the model's lock-order nodes are known). */
  classOf: ((slot: number) => number) | undefined;

  /**
   * Called by the lock op when a thread takes `slot` (subclass `sub`) while holding `held` (the
   * first `n` entries). `nest`: the slot of the acquisition's nest lock (`lock x nest_lock l`),
   * or -1; while it is held, taking a lock of a class already held records nothing, as lockdep's
   * check_deadlock() and validate_chain() do.
   */
  acquire(held: ArrayLike<number>, slot: number, n = held.length, sub = 0, nest = -1): void {
    if (nest >= 0 && this.nested(held, slot, n, nest)) return;
    if (this.npending + 3 * n > this.pending.length) {
      const bigger = new Int32Array(Math.max(this.pending.length * 2, this.npending + 3 * n));
      bigger.set(this.pending);
      this.pending = bigger;
    }
    for (let i = 0; i < n; i++) {
      this.pending[this.npending++] = held[i]!;
      this.pending[this.npending++] = slot;
      this.pending[this.npending++] = sub;
    }
  }

  /** Does the thread hold the nest lock and a lock of `slot`'s class? */
  private nested(held: ArrayLike<number>, slot: number, n: number, nest: number): boolean {
    const classOf = this.classOf;
    if (!classOf) throw new Error("internal: a nest lock before the lock classes are known");
    const cls = classOf(slot);
    let holdsNest = false;
    let sameClass = false;
    for (let i = 0; i < n; i++) {
      if (held[i] === nest) holdsNest = true;
      if (classOf(held[i]!) === cls) sameClass = true;
    }
    return holdsNest && sameClass;
  }

  /** The step was enabled: keep the edges it created. */
  commit(state: number, thread: number, step: number): void {
    const p = this.pending;
    for (let i = 0; i < this.npending; i += 3) {
      const from = p[i]!;
      const to = p[i + 1]!;
      const sub = p[i + 2]!;
      const pair = from * 0x100000 + to;
      const nk = pair * 8 + sub;
      if (this.known.has(nk)) continue;
      this.known.add(nk);
      const rec = { from, to, sub, state, thread, step };
      this.records.push(rec);
      if (!this.byPair.has(pair)) this.byPair.set(pair, rec);
    }
    this.npending = 0;
  }

  /**
   * Adds every image of the graph's edges under the permutations `generators` produce (each maps
   * a record to its image, or undefined when it is fixed), until nothing new appears: the edges a
   * search of every state would have recorded, when it searched one state per orbit.
   */
  closeUnder(generators: ((r: LockOrderEdgeRecord) => LockOrderEdgeRecord | undefined)[]): void {
    for (let i = 0; i < this.records.length; i++) {
      for (const g of generators) {
        const img = g(this.records[i]!);
        if (!img) continue;
        const pair = img.from * 0x100000 + img.to;
        const nk = pair * 8 + img.sub;
        if (this.known.has(nk)) continue;
        this.known.add(nk);
        this.records.push(img);
        if (!this.byPair.has(pair)) this.byPair.set(pair, img);
      }
    }
  }

  /** Distinct instance edges (from, to). */
  get size(): number {
    return this.byPair.size;
  }

  /** Every distinct edge as `from>to/subclass`, in the order first recorded (for cross-checks). */
  edgeKeys(): string[] {
    return this.records.map((r) => `${r.from}>${r.to}/${r.sub}`);
  }

  edge(from: number, to: number): LockOrderEdgeRecord | undefined {
    return this.byPair.get(from * 0x100000 + to);
  }

  /**
   * Instance view: one shortest cycle per strongly connected component with more than
   * one lock, each starting at its smallest lock (so reports do not depend on search order).
   */
  cycles(): number[][] {
    const g = new Digraph();
    for (const r of this.byPair.values()) g.add(r.from, r.to);
    return g.cycles();
  }

  /**
   * Class view: nodes are `class * 8 + subclass` (`classOf` maps a lock slot to its class,
   * numbered in declaration order); each class edge keeps the first instance edge that made
   * it. Returns the class-level cycles (as for `cycles`) and the same-class edges.
   */
  classView(classOf: (slot: number) => number): { cycles: number[][]; recursive: number[]; edge: (from: number, to: number) => LockOrderEdgeRecord } {
    const g = new Digraph();
    const first = new Map<number, LockOrderEdgeRecord>();
    const recursive = new Set<number>();
    for (const r of this.records) {
      const from = classOf(r.from) * 8;
      const to = classOf(r.to) * 8 + r.sub;
      const key = from * 0x100000 + to;
      if (first.has(key)) continue;
      first.set(key, r);
      if (from === to) recursive.add(from);
      else g.add(from, to);
    }
    return {
      cycles: g.cycles(),
      recursive: [...recursive].sort((a, b) => a - b),
      edge: (from, to) => first.get(from * 0x100000 + to)!,
    };
  }
}

/** A directed graph over numbers, for its cycles. */
class Digraph {
  private readonly out = new Map<number, number[]>();

  add(from: number, to: number): void {
    const list = this.out.get(from);
    if (list) list.push(to);
    else this.out.set(from, [to]);
  }

  /** One shortest cycle per strongly connected component with more than one node, from its smallest node. */
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

/** A lock instance's class name: its name without indices (`kvm[1]->lock` is of class `kvm->lock`, `fork[2]` of `fork`). */
export function lockClassName(instance: string): string {
  return instance.replace(/\[[^\]]*\]/g, "");
}

/** The lock classes of a model's lock-order nodes, numbered by their first slot (declaration order). */
export function lockClasses(m: { locks: { slot: number; name: string }[]; domains: { slot: number; name: string }[]; pseudoLocks: { slot: number; name: string }[] }): { of: (slot: number) => number; name: (cls: number) => string } {
  const nodes = [...m.locks, ...m.domains, ...m.pseudoLocks].sort((a, b) => a.slot - b.slot);
  const ids = new Map<string, number>();
  const bySlot = new Map<number, number>();
  for (const n of nodes) {
    const c = lockClassName(n.name);
    if (!ids.has(c)) ids.set(c, ids.size);
    bySlot.set(n.slot, ids.get(c)!);
  }
  const names = [...ids.keys()];
  return {
    of: (slot) => {
      const c = bySlot.get(slot);
      if (c === undefined) throw new Error(`internal: lock-order node ${slot} is no lock, domain or pseudo-lock`);
      return c;
    },
    name: (cls) => names[cls]!,
  };
}
