// One sentence per check, saying what the violation means (shown under its headline).
import type { ViolationKind } from "@knot/ir";

export const EXPLANATIONS: Record<ViolationKind, string> = {
  "recursive-locking": "A thread tries to take a lock it already holds; kernel locks are not recursive, so it waits for itself forever.",
  "lock-cycle": "Threads wait for locks held by each other in a cycle (an ABBA deadlock), so none of them can ever proceed.",
  "stuck": "No thread can take another step, yet some threads have not finished.",
  "unlock-not-held": "A thread releases a lock that it does not hold.",
  "exit-holding-lock": "A thread finishes while still holding a lock, which then can never be released.",
  "sleep-in-atomic": "A sleeping lock (mutex or rwsem) is taken while a spinlock is held, where sleeping is not allowed.",
  "atomic-blocked": "A statement inside an atomic block would block after the block's first statement, which would break its atomicity.",
  "refcount-underflow": "A reference is dropped from a count that is already zero: the object was released too often.",
  "refcount-inc-from-zero": "A reference is taken on an object whose count is zero, i.e. one that is already being freed.",
  "null-callback": "A callback is called through an ops table field that is none: a NULL function pointer dereference.",
  "assertion": "An assert statement does not hold.",
  "invariant": "An invariant does not hold in a reachable state.",
  "final": "A final property does not hold in a state where every thread has finished.",
  "out-of-range": "A value leaves the range of its type.",
};

/** Deadlocks are reported in states; these kinds carry call chains of blocked threads. */
export const DEADLOCK_KINDS: ReadonlySet<ViolationKind> = new Set(["recursive-locking", "lock-cycle", "stuck"]);
