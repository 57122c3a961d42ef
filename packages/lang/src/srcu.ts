// The SRCU/RCU family's vocabulary shared by every stage (include/linux/srcu.h,
// include/linux/rcupdate.h, Documentation/RCU/whatisRCU.rst): the statements, which
// domain each names, and the bound of read-side nesting. `srcu D` declares an SRCU
// domain (arrays too); `rcu` is the one RCU domain, used through the rcu_*
// statements, which name no domain. A read-side section may nest; a grace period
// (synchronize_srcu / synchronize_rcu) waits for the read-side sections of its
// domain that began before it, not for those that begin later.
import type { SrcuOp } from "./ast.js";

/** The deepest read-side nesting knot counts per thread and domain (2 bits). */
export const SRCU_NEST_MAX = 3;

/** The name reports give the RCU domain. */
export const RCU_DOMAIN = "rcu";

/** read: enters a read-side section; unlock: leaves one; sync: waits for a grace period. */
export function srcuAction(op: SrcuOp): "read" | "unlock" | "sync" {
  return op.endsWith("read_lock") ? "read" : op.endsWith("read_unlock") ? "unlock" : "sync";
}
