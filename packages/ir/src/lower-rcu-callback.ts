// Lowering of call_rcu / call_srcu (lang/rcu-callback.ts; the ops' contracts are in model.ts,
// the kernel semantics in language.md, "call_rcu and call_srcu"): how many callback slots a
// domain entry has and which is whose, the callback threads' names and slots, and the op a
// statement becomes. lower.ts builds the callback threads' processes around them.
import {
  type CheckedModel, type Expr as LExpr, type RcuCallbackGroup, type SrcuSymbol, type Stmt, type Type,
  callbackCallText, callbackDomainText, callbackEntries, callbackThreadName, callbackValues, cardinality, formatScalar, spanText,
} from "@knot/lang";
import type { Expr, Op } from "./model.js";
import { type SyncLoweringContext, srcuAddr } from "./lower-sync.js";

/** The groups whose callbacks live in the entries of `domain` (undefined: the RCU domain). */
function groupsOf(m: CheckedModel, domain: SrcuSymbol | undefined): RcuCallbackGroup[] {
  return m.rcuCallbacks.filter((g) => g.domain === domain);
}

/** Callback slots per entry of a domain: its groups' values, group after group. */
export function callbackSlotCount(m: CheckedModel, domain: SrcuSymbol | undefined): number {
  return groupsOf(m, domain).reduce((n, g) => n + callbackValues(g).length, 0);
}

/** The first callback slot (counted within the entry's callback slots) of a group. */
function callbackBase(m: CheckedModel, g: RcuCallbackGroup): number {
  let n = 0;
  for (const h of groupsOf(m, g.domain)) {
    if (h === g) return n;
    n += callbackValues(h).length;
  }
  throw new Error("callback group not on its domain");
}

/** Each callback slot's callback as reports write it, in slot order. */
export function callbackTexts(m: CheckedModel, domain: SrcuSymbol | undefined): string[] {
  return groupsOf(m, domain).flatMap((g) => callbackValues(g).map((v) => callbackCallText(g, v)));
}

/** The model's callback threads: one per group, domain entry and value. */
export function callbackThreadCount(m: CheckedModel): number {
  return m.rcuCallbacks.reduce((n, g) => n + callbackEntries(g) * callbackValues(g).length, 0);
}

/** One callback thread: its name, the domain entry's index, the parameter value, and its slot's place in the entry's callback slots. */
export interface CallbackThread {
  group: RcuCallbackGroup;
  name: string;
  /** The domain entry as reports write it: `rcu`, `kvm_srcu`, `ss[1]`. */
  domain: string;
  entry: number;
  value: number;
  slotInEntry: number;
}

/** The callback threads in the model's order (language.md): group by group, entry by entry, value by value. */
export function callbackThreads(m: CheckedModel, procName: (i: number) => string): CallbackThread[] {
  const out: CallbackThread[] = [];
  for (const g of m.rcuCallbacks) {
    const base = callbackBase(m, g);
    const index = g.domain?.index;
    for (let e = 0; e < callbackEntries(g); e++) {
      const entryText = index ? formatScalar(index, index.kind === "int" ? index.lo + e : e, procName) : undefined;
      const domain = callbackDomainText(g, entryText);
      callbackValues(g).forEach((v, k) => out.push({ group: g, name: callbackThreadName(g, entryText, v), domain, entry: e, value: v, slotInEntry: base + k }));
    }
  }
  return out;
}

/** The op of `call_rcu f(x)` / `call_srcu d f(x)`: the domain entry, then the callback's slot from the argument's value. */
export function callRcuOp(s: Stmt & { kind: "CallRcu" }, m: CheckedModel, cx: SyncLoweringContext, value: (e: LExpr) => Expr): Op {
  const g = s.group!;
  const { addr, name, rcu } = srcuAddr(s.domain, cx);
  const base = callbackBase(m, g);
  const arg = s.args[0];
  let cb: Expr = { k: "const", v: base };
  if (arg && g.param) {
    const pos = positionOf(arg, g.param, cx, value, `${g.proc.name}'s parameter`);
    cb = pos.k === "const" ? { k: "const", v: base + pos.v } : base === 0 ? pos : { k: "bin", op: "+", a: { k: "const", v: base }, b: pos };
  }
  const call = `${s.callee.name}(${s.args.map((a) => spanText(a.span)).join(", ")})`;
  return { k: "call_rcu", d: addr, cb, name, rcu, call };
}

/** The 0-based position of the argument's value among the parameter type's values (a reference's value is its position: null is 0). */
function positionOf(e: LExpr, t: Type, cx: SyncLoweringContext, value: (e: LExpr) => Expr, what: string): Expr {
  if (t.kind === "int" && cardinality(t) > 0) return cx.position(e, t, what);
  return value(e);
}
