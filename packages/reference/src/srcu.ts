// SRCU and RCU in the reference interpreter, from docs/language.md "SRCU and RCU"
// (include/linux/srcu.h, Documentation/RCU/whatisRCU.rst). A domain entry is, per
// thread, how deeply it is inside read-side sections, and, per thread that waits
// in synchronize_*, the readers its grace period still waits for (null: it waits
// for none). A grace period waits for the readers that were inside when it
// started; leaving the outermost section takes a reader out of every grace
// period of the domain; a reader entering later holds up none.
import { SRCU_NEST_MAX } from "@knot/lang";

export interface SrcuEntry {
  /** Read-side nesting depth, by thread index. */
  depth: number[];
  /** By thread index: the readers (thread names, in thread order) its grace period still waits for, or null. */
  gp: (string[] | null)[];
}

export function newSrcuEntry(threads: number): SrcuEntry {
  return { depth: Array.from({ length: threads }, () => 0), gp: Array.from({ length: threads }, () => null) };
}

/** srcu_read_lock / rcu_read_lock: "overflow" past knot's nesting bound. */
export function readLock(e: SrcuEntry, t: number): "ok" | "overflow" {
  if (e.depth[t]! >= SRCU_NEST_MAX) return "overflow";
  e.depth[t] = e.depth[t]! + 1;
  return "ok";
}

/** srcu_read_unlock / rcu_read_unlock: "not-inside" when the thread is in no section of the domain. */
export function readUnlock(e: SrcuEntry, t: number, name: string): "ok" | "not-inside" {
  if (e.depth[t] === 0) return "not-inside";
  e.depth[t] = e.depth[t]! - 1;
  if (e.depth[t] === 0) {
    e.gp.forEach((g, w) => {
      if (g !== null) e.gp[w] = g.filter((r) => r !== name);
    });
  }
  return "ok";
}

/**
 * synchronize_*, after the atomic-context and own-section checks: "done" when there is no
 * grace period to wait for or the one started has ended (then it is forgotten), "started"
 * when the readers inside now become the ones it waits for (the statement stays), else the
 * readers holding it up.
 */
export function synchronize(e: SrcuEntry, t: number, names: readonly string[]): "done" | "started" | { heldUpBy: string[] } {
  const g = e.gp[t];
  if (g === null || g === undefined) {
    const inside = names.filter((_, r) => r !== t && e.depth[r]! > 0);
    if (inside.length === 0) return "done";
    e.gp[t] = inside;
    return "started";
  }
  if (g.length === 0) {
    e.gp[t] = null;
    return "done";
  }
  return { heldUpBy: [...g] };
}

/**
 * "idle", or "read: A, B ×2; grace period of W waits for A" (as knot's traces show it),
 * followed by `more` (the entry's pending callbacks, rcu-callback.ts).
 */
export function formatSrcu(e: SrcuEntry, names: readonly string[], more: readonly string[] = []): string {
  const readers = names.flatMap((n, t) => (e.depth[t]! > 0 ? [e.depth[t]! > 1 ? `${n} ×${e.depth[t]}` : n] : []));
  const parts = readers.length ? [`read: ${readers.join(", ")}`] : [];
  e.gp.forEach((g, w) => {
    if (g === null) return;
    parts.push(g.length ? `grace period of ${names[w]} waits for ${g.join(", ")}` : `grace period of ${names[w]} ends`);
  });
  parts.push(...more);
  return parts.length ? parts.join("; ") : "idle";
}
