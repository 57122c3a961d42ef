// One sentence per check, saying what the violation means (shown under its headline).
import type { ViolationKind } from "@knot/ir";

export const EXPLANATIONS: Record<ViolationKind, string> = {
  "recursive-locking": "A thread waits for itself: it takes a lock it already holds (kernel locks are not recursive), waits for a grace period inside its own read-side section, or flushes (cancels) the work it is running or one that can only run after it, so it waits forever.",
  "lock-cycle": "Threads wait for each other in a cycle (for locks the others hold, for grace periods their read-side sections hold up, or for works they are running: an ABBA deadlock), so none of them can ever proceed.",
  "stuck": "No thread can take another step, yet some threads have not finished.",
  "unlock-not-held": "A thread releases a lock that it does not hold.",
  "exit-holding-lock": "A thread finishes (or a worker ends a work, or an RCU callback returns) while still holding a lock, which then can never be released.",
  "sleep-in-atomic": "Something that may sleep (a mutex, an rwsem, wait_for_completion, synchronize_*, flush_work, cancel_work_sync, might_sleep()) runs while a spinlock is held, inside an RCU read-side section or in an RCU/SRCU callback, where sleeping is not allowed.",
  "atomic-blocked": "A statement inside an atomic block would block after the block's first statement, which would break its atomicity.",
  "refcount-underflow": "A reference is dropped from a count that is already zero: the object was released too often.",
  "refcount-inc-from-zero": "A reference is taken on an object whose count is zero, i.e. one that is already being freed.",
  "null-callback": "A callback is called through an ops table field that is none: a NULL function pointer dereference.",
  "use-after-free": "An object is read or written through a reference after it was freed.",
  "double-free": "An object that was already freed is freed again (or its rcu_head is queued by call_rcu while it is still queued).",
  "leak": "An object is still allocated when every thread has finished: nothing can free it any more.",
  "null-deref": "A field is read or written through a null reference.",
  "held-lock-freed": "An object is freed while a lock inside it is held, so the holder later releases (and waiters take) a lock in freed memory.",
  "lock-order": "Locks are taken in orders that form a cycle (lockdep's \"possible circular locking dependency\"): threads following these paths concurrently can deadlock, even if no explored interleaving does.",
  "pool-exhausted": "An object pool ran out of objects: the model's bound is too small for this run; raise it.",
  "assertion": "An assert statement does not hold.",
  "invariant": "An invariant does not hold in a reachable state.",
  "final": "A final property does not hold in a state where every thread has finished.",
  "out-of-range": "A value leaves the range of its type.",
};

/** Deadlocks are reported in states; these kinds carry call chains of blocked threads. */
export const DEADLOCK_KINDS: ReadonlySet<ViolationKind> = new Set(["recursive-locking", "lock-cycle", "stuck"]);

/** The explanation of a lock-order warning for two locks of one class nested (lockdep's "possible recursive locking detected"). */
export const RECURSIVE_LOCKING_EXPLANATION = "Two locks of one lock class are held at once (lockdep's \"possible recursive locking detected\"): a class is the declaration, array or object field the locks belong to, and threads nesting them in another order would deadlock. If the nesting is ordered, give the inner acquisition its own subclass (lock x nested 1, as mutex_lock_nested); --lock-order instance tells the instances apart.";
