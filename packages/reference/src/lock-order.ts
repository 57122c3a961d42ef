// The lock-order analysis (language.md, "Lock-order analysis"; checks.md,
// "lock-order"), like lockdep: an edge A -> B the first time any thread takes
// lock entry B while holding A, over every explored transition (every mode,
// never from a lock to itself); after the search each strongly connected part
// with more than one lock is one cycle: its shortest cycle from its
// first-declared lock.
import type { Location } from "@knot/lang";

export interface LockOrderEdge {
  from: string;
  to: string;
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
}

export class LockOrderGraph {
  private readonly edges = new Map<string, Map<string, LockOrderEdge>>();

  /** `order`: every lock entry name in declaration order. */
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
