// The reference state: plain, immutable, JSON-able data (built with immer).
// Shared state by user names — globals, lock holders, refcounts, object pools —
// and per thread its call stack: each frame names its procedure (or process),
// the id of the statement it rests at (for callers: the call in progress), its
// live locals by name, the snapshots of its running `for` loops, and which
// parameters are compile-time constants (which decides folding, as in knot).
// A finished thread has no frames; so has a worker thread that is idle or rests
// at the end of its work (Program.finished tells them apart by the work it runs),
// and a callback thread that is idle or rests at the end of its callback.
// Dead locals are absent, never stale.
import type { CompletionCount } from "./completion.js";
import type { CallbackEntry } from "./rcu-callback.js";
import type { SrcuEntry } from "./srcu.js";
import type { RValue } from "./values.js";
import type { WorkEntry, WorkqueueEntry } from "./workqueue.js";

/** A mutex or spinlock entry: the holding thread's name, or null when free. */
export type MutexEntry = string | null;
/** An rwsem entry: the writer, or the readers in thread order; and the writers waiting for it, in thread order. */
export interface RwsemEntry {
  writer: string | null;
  readers: string[];
  waiting: string[];
}
export type LockEntry = MutexEntry | RwsemEntry;

export type ObjectStatus = "unallocated" | "live" | "freed";

export interface RObject {
  status: ObjectStatus;
  /** Field values; defaults while unallocated and after `free` (which clears them). */
  fields: Record<string, RValue>;
}

export interface RFrame {
  /** The procedure, or for the bottom frame the process. */
  proc: string;
  /** Statement id: where the thread rests (innermost frame) or the call in progress (callers). */
  at: number;
  locals: Record<string, RValue>;
  /** Snapshot of each running `for` loop, keyed by the loop's statement id. */
  snapshots: Record<string, RValue[]>;
  /** Parameters passed a constant and never assigned: knot folds them. */
  constParams: string[];
}

export interface RThread {
  name: string;
  /** Outermost first; empty once the thread has finished. */
  frames: RFrame[];
}

export interface RState {
  globals: Record<string, RValue>;
  /** One entry per lock of an array, in index order (one for a plain lock). */
  locks: Record<string, LockEntry[]>;
  /** One count per refcount of an array, in index order (one for a plain refcount). */
  refcounts: Record<string, number[]>;
  /** One count per completion of an array (completion.ts). */
  completions: Record<string, CompletionCount[]>;
  /** One entry per SRCU domain of an array, and `rcu` when the model uses RCU (srcu.ts). */
  srcu: Record<string, SrcuEntry[]>;
  /** Per workqueue its queue and what each worker runs; per work item (by work, one per index value) its canceller and flush states (workqueue.ts). */
  workqueues: Record<string, WorkqueueEntry>;
  works: Record<string, WorkEntry[]>;
  /** By domain (as `srcu`), one entry per callback of the domain in thread order: registered and whom it waits for, running (rcu-callback.ts). */
  callbacks: Record<string, CallbackEntry[]>;
  objects: Record<string, RObject[]>;
  threads: RThread[];
}

export function isRwsem(e: LockEntry): e is RwsemEntry {
  return e !== null && typeof e === "object";
}
