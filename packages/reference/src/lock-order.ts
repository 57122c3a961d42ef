// The lock-order analysis (language.md, "Lock-order analysis" and "Lock classes";
// checks.md, "lock-order"), like lockdep: an edge A -> B the first time any thread
// takes lock entry B (with subclass N under `nested N`) while holding A, over every
// explored transition (every mode, never from a lock to itself). By instance, each
// strongly connected part with more than one lock entry is one cycle: its shortest
// cycle from its first-declared entry. By class (the default, as lockdep), an entry
// stands for its class, the declaration it belongs to (`fork[1]` for `fork`,
// `kvm[0]->lock` for `kvm->lock`), at subclass 0 when held and at its subclass when
// taken (`fork/1`): an edge inside one class is "possible recursive locking", and
// the strongly connected parts over classes are the cycles.
import type { Location } from "@knot/lang";

export interface LockOrderEdge {
  from: string;
  to: string;
  /** The subclass `to` was taken with. */
  subclass: number;
  /** The thread and the acquiring step that first created the edge. */
  thread: string;
  statement: string;
  at: Location;
}

export interface LockOrderCycle {
  /** The cycle from its first-declared lock, e.g. [a, b] for a -> b -> a. */
  locks: string[];
  edges: LockOrderEdge[];
  message: string;
  /** By class: two entries of one class nested; `locks` is the class, `edges` the first such nesting. */
  recursive?: boolean;
}

/** The class of a lock entry: its name without indices. */
export function lockClass(entry: string): string {
  return entry.replace(/\[[^\]]*\]/g, "");
}

/** A graph over named nodes with one recorded edge per pair, for its cycles. */
class NameGraph {
  private readonly edges = new Map<string, Map<string, LockOrderEdge>>();

  /** `order`: every node name in declaration order. */
  constructor(private readonly order: readonly string[]) {}

  add(edge: LockOrderEdge): void {
    if (edge.from === edge.to) return;
    let out = this.edges.get(edge.from);
    if (!out) this.edges.set(edge.from, (out = new Map()));
    if (!out.has(edge.to)) out.set(edge.to, edge);
  }

  get size(): number {
    let n = 0;
    for (const out of this.edges.values()) n += out.size;
    return n;
  }

  private successors(n: string): string[] {
    const rank = new Map(this.order.map((x, i) => [x, i]));
    return [...(this.edges.get(n)?.keys() ?? [])].sort((a, b) => rank.get(a)! - rank.get(b)!);
  }

  /** Every cycle: one per strongly connected part with more than one lock. */
  cycles(): LockOrderCycle[] {
    // Tarjan's strongly connected components
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const parts: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      for (const w of this.successors(v)) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, idx.get(w)!));
        }
      }
      if (low.get(v) === idx.get(v)) {
        const part: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          part.push(w);
        } while (w !== v);
        if (part.length > 1) parts.push(part);
      }
    };
    for (const n of this.order) if (!idx.has(n)) visit(n);
    const rank = new Map(this.order.map((x, i) => [x, i]));
    return parts
      .map((part) => {
        const members = new Set(part);
        const start = [...part].sort((a, b) => rank.get(a)! - rank.get(b)!)[0]!;
        // shortest way back to the start, inside the part
        const prev = new Map<string, string>();
        const queue = [start];
        let last: string | undefined;
        for (let i = 0; i < queue.length && last === undefined; i++) {
          const v = queue[i]!;
          for (const w of this.successors(v)) {
            if (!members.has(w)) continue;
            if (w === start) { last = v; break; }
            if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
          }
        }
        const locks: string[] = [];
        for (let v = last!; ; v = prev.get(v)!) {
          locks.unshift(v);
          if (v === start) break;
        }
        const edges = locks.map((from, i) => this.edges.get(from)!.get(locks[(i + 1) % locks.length]!)!);
        return { locks, edges, message: `possible circular locking dependency: ${[...locks, start].join(" -> ")}` };
      })
      .sort((a, b) => rank.get(a.locks[0]!)! - rank.get(b.locks[0]!)!);
  }
}

export class LockOrderGraph {
  /** Every distinct (from, to, subclass) acquisition edge, first recorded first. */
  private readonly all: LockOrderEdge[] = [];
  private readonly seen = new Set<string>();

  /** `entries`: every lock entry name in declaration order. */
  constructor(private readonly entries: readonly string[]) {}

  add(edge: LockOrderEdge): void {
    if (edge.from === edge.to) return;
    const key = `${edge.from}\u0000${edge.to}\u0000${edge.subclass}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.all.push(edge);
  }

  /** Distinct instance edges. */
  get size(): number {
    return new Set(this.all.map((e) => `${e.from}\u0000${e.to}`)).size;
  }

  cycles(by: "class" | "instance" = "class"): LockOrderCycle[] {
    if (by === "instance") {
      const g = new NameGraph(this.entries);
      for (const e of this.all) g.add(e);
      return g.cycles();
    }
    const classes: string[] = [];
    for (const e of this.entries) if (!classes.includes(lockClass(e))) classes.push(lockClass(e));
    const nodes = classes.flatMap((c) => [c, ...[1, 2, 3, 4, 5, 6, 7].map((n) => `${c}/${n}`)]);
    const g = new NameGraph(nodes);
    const recursive = new Map<string, LockOrderEdge>();
    // an edge's class nodes: the held lock at subclass 0, the taken one at its subclass
    const taken = (e: LockOrderEdge) => lockClass(e.to) + (e.subclass ? `/${e.subclass}` : "");
    for (const e of this.all) {
      const from = lockClass(e.from);
      const to = taken(e);
      if (from === to) {
        if (!recursive.has(from)) recursive.set(from, e);
      } else {
        g.add({ ...e, from, to });
      }
    }
    const rank = new Map(nodes.map((n, i) => [n, i]));
    // a class edge keeps the first instance edge that made it: put the entries back on it
    const instance = (edge: LockOrderEdge) => this.all.find((e) => lockClass(e.from) === edge.from && taken(e) === edge.to)!;
    const cycles = g.cycles().map((c) => ({ ...c, edges: c.edges.map(instance) }));
    const nested = [...recursive].map(([cls, e]): LockOrderCycle => ({
      locks: [cls],
      edges: [e],
      recursive: true,
      message: `possible recursive locking: ${e.to} taken while holding ${e.from}, both of lock class ${cls}; may be due to missing lock nesting notation (lock ${e.to} nested 1)`,
    }));
    // in lock order of their first node, recursive before circular at the same class
    const at = (c: LockOrderCycle) => rank.get(c.locks[0]!)! * 2 + (c.recursive ? 0 : 1);
    return [...nested, ...cycles].sort((a, b) => at(a) - at(b));
  }
}
