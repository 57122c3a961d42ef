// The checker's rules for the completion, SRCU/RCU and workqueue families (completion.ts,
// srcu.ts, workqueue.ts hold their vocabulary): their declarations' indices and settings, a
// work's workqueue, procedure and constant arguments, the statements' targets, and the
// conditions that stand where a trylock may (try_wait_for_completion, queue_work,
// cancel_work_sync), and call_rcu / call_srcu (rcu-callback.ts). checker.ts calls these with
// the few services they need (SyncChecker).
import type { Expr, Stmt, TypeNode } from "./ast.js";
import type { ExprCtx, Scope } from "./checker-scope.js";
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { TRY_WAIT_FUNCTION } from "./locking.js";
import { withArticle } from "./names.js";
import { type Span, spanText } from "./source.js";
import { CALL_RCU, CALL_SRCU, MAX_CALLBACKS, callbackCount, isCallbackParamType } from "./rcu-callback.js";
import { RCU_DOMAIN } from "./srcu.js";
import {
  type CompletionSymbol, type GlobalSymbol, type LocalSymbol, type LockSymbol, type ProcSymbol, type RcuCallbackGroup, type RefcountSymbol,
  type SrcuSymbol, type WorkSymbol, type WorkqueueSymbol, symbolKindName,
} from "./symbols.js";
import { BOOL, ERROR, type Type, typeToString } from "./types.js";
import { MAX_WORKERS, stateName } from "./workqueue.js";

export type EntityKind = "lock" | "refcount" | "completion" | "srcu" | "work" | "workqueue";
export type EntitySymbol = LockSymbol | RefcountSymbol | CompletionSymbol | SrcuSymbol | WorkSymbol | WorkqueueSymbol;

/** What these rules need from the checker. */
export interface SyncChecker {
  readonly diags: Diagnostic[];
  readonly globals: ReadonlyMap<string, GlobalSymbol>;
  /** Builtin calls that stand where a trylock may. */
  readonly trylockSites: ReadonlySet<Expr>;
  resolveType(node: TypeNode): Type;
  checkIndexType(t: Type, span: Span, what: string): boolean;
  constInt(e: Expr, what: string): number | undefined;
  /** A lock, refcount, completion, domain, work or workqueue named by `e` (an entry of an array with its index). */
  entity(e: Expr, scope: Scope, want: EntityKind): EntitySymbol | undefined;
  expr(e: Expr, scope: Scope, ctx: ExprCtx, expected: Type | undefined): Type;
  expectType(actual: Type, expected: Type, span: Span): void;
  unknownName(name: string, span: Span, what: string): void;
}

/** The index type of a completion or SRCU domain array. */
export function resolveSyncIndex(cx: SyncChecker, sym: CompletionSymbol | SrcuSymbol): void {
  if (!sym.decl.index) return;
  const t = cx.resolveType(sym.decl.index);
  const what = sym.kind === "srcu" ? "SRCU domain array indices" : "completion array indices";
  if (t.kind !== "error" && cx.checkIndexType(t, sym.decl.index.span, what)) sym.index = t;
}

/** max_active: 1 to MAX_WORKERS (K4050 below, K4051 above). */
export function resolveWorkqueue(cx: SyncChecker, sym: WorkqueueSymbol): void {
  const e = sym.decl.maxActive;
  if (!e) return;
  const v = cx.constInt(e, "max_active");
  if (v === undefined) return;
  if (v < 1) {
    cx.diags.push(error(LangCodes.MaxActiveBelowOne, `max_active of workqueue '${sym.name}' is ${v}; a workqueue needs at least one worker (max_active: 1 is an ordered workqueue)`, e.span));
    return;
  }
  if (v > MAX_WORKERS) {
    cx.diags.push(error(LangCodes.TooManyWorkers, `max_active of workqueue '${sym.name}' is ${v}; knot runs at most ${MAX_WORKERS} workers per workqueue (each is a thread of the model)`, e.span));
    return;
  }
  sym.maxActive = v;
}

/** A work item: its index, its workqueue, and a procedure called with arguments fixed by the declaration. */
export function checkWork(cx: SyncChecker, sym: WorkSymbol, scope: Scope): void {
  const d = sym.decl;
  if (sym.field) return checkWorkField(cx, sym);
  if (d.instance) {
    const t = cx.resolveType(d.instance.domain);
    if (t.kind !== "error" && cx.checkIndexType(t, d.instance.domain.span, "work array indices")) {
      sym.index = t;
      // bound to each index value in turn, like a `for` variable (not a process instance)
      const local: LocalSymbol = { kind: "local", role: "for", name: d.instance.binder.name, span: d.instance.binder.span, type: t, index: 0 };
      d.instance.sym = local;
      sym.instance = local;
      scope.names.set(local.name, local);
    }
  }
  const proc = bindWork(cx, sym);
  if (proc) {
    if (d.args.length !== proc.params.length) {
      cx.diags.push(error(LangCodes.ArgumentCount, `${proc.name} takes ${proc.params.length} argument${proc.params.length === 1 ? "" : "s"}, but work '${sym.name}' gives ${d.args.length}`, d.proc.span));
    }
  }
  d.args.forEach((a, i) => {
    const pt = sym.proc?.params[i]?.type;
    const at = cx.expr(a, scope, { mode: "thread", what: "a work's arguments" }, pt);
    if (pt) cx.expectType(at, pt, a.span);
    const state = stateName(a);
    if (state) cx.diags.push(error(LangCodes.NotAllowedHere, `a work's arguments are fixed when it is declared (INIT_WORK binds the function to its own work item): use constants and the index '${d.instance?.binder.name ?? "i"}', not ${state}`, a.span));
  });
}

/**
 * A work field `w: work on wq runs f` of pool P (its index, one entry per object, is set with
 * the pool's other fields): f takes one argument, a P, which is the object the work is in
 * (INIT_WORK(&obj->w, f) and container_of() in f).
 */
function checkWorkField(cx: SyncChecker, sym: WorkSymbol): void {
  const d = sym.decl;
  const pool = sym.field!.pool;
  const proc = bindWork(cx, sym);
  if (!proc) return;
  const param = proc.params[0];
  if (proc.params.length !== 1) {
    cx.diags.push(error(LangCodes.ArgumentCount, `${proc.name} takes ${proc.params.length} argument${proc.params.length === 1 ? "" : "s"}, but work field '${pool.name}.${d.name.name}' passes one, its object (the kernel's container_of()): declare 'proc ${proc.name}(x: ${pool.name})'`, d.proc.span, [{ message: "declared here", span: proc.span }]));
  } else if (param && param.type.kind !== "error") cx.expectType(pool.type, param.type, d.proc.span);
  // the object, bound to each object's reference as a work array's index is to its values
  const local: LocalSymbol = { kind: "local", role: "for", name: param?.name ?? pool.name, span: d.name.span, type: pool.type, index: 0 };
  sym.instance = local;
  d.args = [{ kind: "Name", name: local.name, sym: local, ty: pool.type, span: d.proc.span }];
}

/** A work's workqueue (the work joins its list) and procedure, set on the symbol; the procedure, when it is one. */
function bindWork(cx: SyncChecker, sym: WorkSymbol): ProcSymbol | undefined {
  const d = sym.decl;
  const wq = cx.globals.get(d.wq.name);
  if (!wq) cx.unknownName(d.wq.name, d.wq.span, "workqueue");
  else if (wq.kind !== "workqueue") {
    cx.diags.push(error(LangCodes.WrongKindOfName, `'${d.wq.name}' is ${withArticle(symbolKindName(wq))}, not a workqueue`, d.wq.span, [{ message: "declared here", span: wq.span }]));
  } else {
    sym.wq = wq;
    wq.works.push(sym);
  }
  const proc = cx.globals.get(d.proc.name);
  if (!proc) cx.unknownName(d.proc.name, d.proc.span, "procedure");
  else if (proc.kind !== "proc") {
    cx.diags.push(error(LangCodes.WrongKindOfName, `'${d.proc.name}' is ${withArticle(symbolKindName(proc))}, not a procedure`, d.proc.span, [{ message: "declared here", span: proc.span }]));
  } else {
    sym.proc = proc;
    return proc;
  }
  return undefined;
}

export function completionTarget(cx: SyncChecker, e: Expr, scope: Scope): CompletionSymbol | undefined {
  const sym = cx.entity(e, scope, "completion");
  return sym?.kind === "completion" ? sym : undefined;
}

/** An SRCU domain; `rcu` is refused (K4040: RCU has statements of its own). */
export function srcuTarget(cx: SyncChecker, e: Expr, scope: Scope): SrcuSymbol | undefined {
  if (e.kind === "Name" && e.name === RCU_DOMAIN && !scope.lookup(e.name) && !cx.globals.has(e.name)) {
    cx.diags.push(error(LangCodes.RcuAsSrcu, "'rcu' is the RCU domain, which has statements of its own: use rcu_read_lock, rcu_read_unlock and synchronize_rcu (srcu_* statements take a domain declared with 'srcu')", e.span));
    return undefined;
  }
  const sym = cx.entity(e, scope, "srcu");
  return sym?.kind === "srcu" ? sym : undefined;
}

/** One argument, and the call standing where a trylock may (K4020 elsewhere); false when the call is misplaced or miscounted. */
function trylockSite(cx: SyncChecker, e: Expr & { kind: "Builtin" }, ctx: ExprCtx, what: string, misplaced: string): boolean | undefined {
  if (e.args.length !== 1) {
    cx.diags.push(error(LangCodes.ArgumentCount, `${e.fn.name}() takes one argument, ${what}`, e.span));
    return undefined;
  }
  if (ctx.mode !== "thread" || !cx.trylockSites.has(e)) {
    const where = ctx.mode !== "thread" ? ` (not in ${ctx.what})` : "";
    cx.diags.push(error(LangCodes.TrylockMisplaced, `${misplaced}${where}`, e.span));
    return false;
  }
  return true;
}

const SITES = "it may only be the whole condition of an if or while (or 'not' of it), or the whole right side of ':=' or of a local's initializer";

/** try_wait_for_completion(c): a bool, where a trylock may stand, on a completion. */
export function tryWait(cx: SyncChecker, e: Expr & { kind: "Builtin" }, scope: Scope, ctx: ExprCtx): Type {
  const ok = trylockSite(cx, e, ctx, "the completion", `${TRY_WAIT_FUNCTION}() takes a pending completion when there is one, so ${SITES}`);
  if (ok === undefined) return ERROR;
  if (ok) completionTarget(cx, e.args[0]!, scope);
  return BOOL;
}

/** queue_work(w) / cancel_work_sync(w): a bool (was it queued / was it pending), where a trylock may stand. */
export function workCondition(cx: SyncChecker, e: Expr & { kind: "Builtin" }, scope: Scope, ctx: ExprCtx): Type {
  const name = e.fn.name;
  const ok = trylockSite(cx, e, ctx, "the work item", `${name}() changes the work item's state, so as a value ${SITES}; as a statement, write '${name} ${e.args[0] ? spanText(e.args[0].span) : "w"}'`);
  if (ok === undefined) return ERROR;
  if (ok) cx.entity(e.args[0]!, scope, "work");
  return BOOL;
}

/**
 * `call_rcu f(x)` / `call_srcu d f(x)` (language.md, "call_rcu and call_srcu"): the domain,
 * a procedure of at most one scalar parameter (K4052, K4053), the argument; the statement's
 * (procedure, domain) group, found in `groups` or added to it.
 */
export function checkCallRcu(cx: SyncChecker, s: Stmt & { kind: "CallRcu" }, scope: Scope, ectx: ExprCtx, groups: RcuCallbackGroup[]): void {
  const what = s.domain ? CALL_SRCU : CALL_RCU;
  let domain: SrcuSymbol | undefined;
  let domainOk = true;
  if (s.domain) {
    domain = srcuTarget(cx, s.domain, scope);
    domainOk = domain !== undefined;
  }
  const sym = scope.lookup(s.callee.name) ?? cx.globals.get(s.callee.name);
  let proc: ProcSymbol | undefined;
  if (!sym) cx.unknownName(s.callee.name, s.callee.span, "procedure");
  else if (sym.kind !== "proc") {
    cx.diags.push(error(LangCodes.WrongKindOfName, `'${s.callee.name}' is ${withArticle(symbolKindName(sym))}, not a procedure: ${what} registers a procedure as the callback`, s.callee.span, sym.span ? [{ message: "declared here", span: sym.span }] : []));
  } else proc = sym;
  let ok = proc !== undefined && domainOk;
  if (proc && proc.params.length > 1) {
    cx.diags.push(error(LangCodes.CallbackParams, `a callback takes at most one argument (the kernel's rcu_callback_t takes the rcu_head, from which container_of() finds the object), but '${proc.name}' has ${proc.params.length} parameters`, s.callee.span, [{ message: "declared here", span: proc.span }]));
    ok = false;
  } else if (proc && s.args.length !== proc.params.length) {
    cx.diags.push(error(LangCodes.ArgumentCount, `${proc.name} takes ${proc.params.length} argument${proc.params.length === 1 ? "" : "s"}, but ${s.args.length} ${s.args.length === 1 ? "is" : "are"} given`, s.callee.span));
    ok = false;
  }
  s.args.forEach((a, i) => {
    const pt = proc && proc.params.length <= 1 ? proc.params[i]?.type : undefined;
    const at = cx.expr(a, scope, ectx, pt);
    if (pt) cx.expectType(at, pt, a.span);
  });
  if (!ok || !proc) return;
  const param = proc.params[0]?.type;
  if (param && !isCallbackParamType(param)) {
    cx.diags.push(error(LangCodes.TooManyCallbacks, `a callback's parameter is a bool, an integer range, an enumeration or a reference (knot runs one callback per value), but '${proc.params[0]!.name}' of '${proc.name}' is ${typeToString(param)}`, s.callee.span, [{ message: "declared here", span: proc.params[0]!.span }]));
    return;
  }
  let group = groups.find((g) => g.proc === proc && g.domain === domain);
  if (!group) {
    const pool = param?.kind === "ref" ? cx.globals.get(param.pool) : undefined;
    group = { proc, domain, param, poolBound: pool?.kind === "object" ? pool.bound : 0, span: s.span };
    if (param) group.binder = { kind: "local", role: "for", name: proc.params[0]!.name, span: proc.params[0]!.span, type: param, index: 0 };
    const n = callbackCount(group);
    if (n > MAX_CALLBACKS) {
      cx.diags.push(error(LangCodes.TooManyCallbacks, `${what} of '${proc.name}'${domain ? ` on '${domain.name}'` : ""} has ${n} callbacks (one per ${domain?.index ? "domain entry and " : ""}value of its parameter), more than the ${MAX_CALLBACKS} knot runs (each is a thread): narrow the parameter's type`, s.callee.span));
      return;
    }
    groups.push(group);
  }
  s.group = group;
}

/** The groups in the order their threads come (language.md): by procedure, then domain (rcu first). */
export function orderCallbackGroups(groups: RcuCallbackGroup[], srcus: readonly SrcuSymbol[]): RcuCallbackGroup[] {
  const rank = (g: RcuCallbackGroup) => (g.domain ? 1 + srcus.indexOf(g.domain) : 0);
  return [...groups].sort((a, b) => a.proc.index - b.proc.index || rank(a) - rank(b));
}
