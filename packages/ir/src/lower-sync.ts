// Lowering of the completion and SRCU/RCU family (lang/completion.ts, lang/srcu.ts;
// the ops' contracts are in model.ts): where an entry's slots are, and which ops a
// statement becomes. lower.ts builds the nodes around them; a synchronize is two
// alternatives there (the grace period's start stays at the statement).
import { type Expr as LExpr, RCU_DOMAIN, type SrcuSymbol, type Stmt, type Symbol, type Type, objectFieldEntity, spanText, srcuAction } from "@knot/lang";
import { type Addr, type Expr, type Op, srcuEntryWidth } from "./model.js";

/** What lowering these statements needs from the lowerer. */
export interface SyncLoweringContext {
  /** The first slot of a global entity. */
  offsetOf(sym: Symbol): number;
  /** The 0-based position of an index expression's value within its array's index type. */
  position(e: LExpr, key: Type, what: string): Expr;
  /** The model's thread count (an SRCU entry has two slots per thread). */
  threads: number;
  /** The RCU domain's first slot, when the model uses RCU. */
  rcuOffset: number | undefined;
  /** The callback slots per entry of a domain (undefined: RCU), after its grace periods. */
  callbackSlots(domain: SrcuSymbol | undefined): number;
  /** A completion or SRCU field through a reference (`vm.srcu`): its entry, with the field access's checks, and its name (`vm->srcu`). */
  fieldEntry(e: LExpr & { kind: "Field" }, sym: Symbol, entryWidth: number): { addr: Addr; name: string };
}

/** A completion entry, `c` or `c[i]`: its slot and the name reports give it. */
export function completionAddr(e: LExpr, cx: SyncLoweringContext): { addr: Addr; name: string } {
  const field = objectFieldEntity(e);
  if (field?.kind === "completion") return cx.fieldEntry(e as LExpr & { kind: "Field" }, field, 1);
  const base = e.kind === "Index" ? e.target : e;
  const sym = (base as LExpr & { kind: "Name" }).sym!;
  if (sym.kind !== "completion") throw new Error("completion expected");
  const terms = e.kind === "Index" ? [{ index: cx.position(e.index, sym.index!, sym.name), stride: 1 }] : [];
  return { addr: { space: "global", offset: cx.offsetOf(sym), terms }, name: spanText(e.span) };
}

/** An SRCU domain entry, `d` or `d[i]`, or the RCU domain (no operand). */
export function srcuAddr(e: LExpr | undefined, cx: SyncLoweringContext): { addr: Addr; name: string; rcu: boolean; callbacks: number } {
  if (!e) return { addr: { space: "global", offset: cx.rcuOffset!, terms: [] }, name: RCU_DOMAIN, rcu: true, callbacks: cx.callbackSlots(undefined) };
  const field = objectFieldEntity(e);
  if (field?.kind === "srcu") {
    const callbacks = cx.callbackSlots(field);
    return { ...cx.fieldEntry(e as LExpr & { kind: "Field" }, field, srcuEntryWidth(cx.threads, callbacks)), rcu: false, callbacks };
  }
  const base = e.kind === "Index" ? e.target : e;
  const sym = (base as LExpr & { kind: "Name" }).sym!;
  if (sym.kind !== "srcu") throw new Error("srcu domain expected");
  const callbacks = cx.callbackSlots(sym);
  const terms = e.kind === "Index" ? [{ index: cx.position(e.index, sym.index!, sym.name), stride: srcuEntryWidth(cx.threads, callbacks) }] : [];
  return { addr: { space: "global", offset: cx.offsetOf(sym), terms }, name: spanText(e.span), rcu: false, callbacks };
}

/** The op of a completion statement. */
export function completionOp(s: Stmt & { kind: "Completion" }, cx: SyncLoweringContext): Op {
  const { addr, name } = completionAddr(s.target, cx);
  if (s.op === "wait_for_completion") return { k: "wait_completion", c: addr, name };
  return { k: "complete", c: addr, mode: s.op === "complete" ? "one" : s.op === "complete_all" ? "all" : "reinit", name };
}

/**
 * The ops of an SRCU/RCU statement: `main` is the statement's step; a synchronize also has
 * `gpStart`, the step that starts a grace period and stays at the statement.
 */
export function srcuOps(s: Stmt & { kind: "Srcu" }, cx: SyncLoweringContext): { main: Op; gpStart?: Op } {
  const { addr, name, rcu, callbacks } = srcuAddr(s.target, cx);
  const action = srcuAction(s.op);
  if (action === "read") return { main: { k: "srcu_read_lock", d: addr, name, rcu } };
  if (action === "unlock") return { main: { k: "srcu_read_unlock", d: addr, name, rcu, ...(callbacks ? { callbacks } : {}) } };
  return { main: { k: "srcu_sync", d: addr, name, rcu }, gpStart: { k: "srcu_gp_start", d: addr, name, rcu } };
}
