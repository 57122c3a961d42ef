// Lowering of the workqueue family (lang/workqueue.ts; the ops' contracts are in model.ts,
// the kernel semantics in language.md, "workqueues"): the workqueues' and work items'
// slots, the Workqueue table the engine and the reports read, where a work named by a
// statement is (its entry and its position in its workqueue, both following the index),
// and which ops a statement becomes. lower.ts builds the nodes around them and the
// worker threads' processes.
import { type Expr as LExpr, type Stmt, type Type, type WorkSymbol, type WorkqueueSymbol, type CheckedModel, type Symbol, cardinality, entityEntryName, formatScalar, objectFieldEntity, spanText } from "@knot/lang";
import { type Addr, type Expr, type Op, type SrcLoc, type StateVar, type Workqueue, workEntryWidth } from "./model.js";

/** What lowering these statements needs from the lowerer. */
export interface WorkLoweringContext {
  /** The first slot of a global entity. */
  offsetOf(sym: WorkSymbol | WorkqueueSymbol): number;
  /** The 0-based position of an index expression's value within its array's index type. */
  position(e: LExpr, key: Type, what: string): Expr;
  threads: number;
  /** Index of the workqueue in Model.workqueues. */
  wqIndex(sym: WorkqueueSymbol): number;
  /** A work declaration's first position in its workqueue. */
  basePosition(sym: WorkSymbol): number;
  /** A work field through a reference (`irqfd.shutdown`): its entry, with the field access's checks, and its name (`irqfd->shutdown`). */
  fieldEntry(e: LExpr & { kind: "Field" }, sym: Symbol, entryWidth: number): { addr: Addr; name: string };
}

/** Each work symbol's values of its index, in order (one value, 0, for a single work). */
export function workInstances(w: WorkSymbol): number[] {
  if (!w.index) return [0];
  const t = w.index;
  return Array.from({ length: cardinality(t) }, (_, i) => (t.kind === "int" ? t.lo + i : i));
}

/**
 * The state variables of the workqueues and work items, in declaration order: per workqueue
 * its queue and worker slots, per work declaration its entries. `add` places one and returns
 * its offset; `procNames` formats proc-typed indices.
 */
export function addWorkqueueVars(
  m: CheckedModel, threads: number,
  add: (v: Omit<StateVar, "offset">, init: number[]) => number,
  offsets: Map<Symbol, number>,
): void {
  m.workqueues.forEach((q, wi) => {
    const n = q.works.reduce((k, w) => k + workInstances(w).length, 0);
    const width = n + q.workers;
    offsets.set(q, add({ name: q.name, kind: "workqueue", width, wq: wi, type: { kind: "int", lo: 0, hi: n } }, new Array(width).fill(0)));
  });
  const ew = workEntryWidth(threads);
  for (const w of m.works) {
    if (!w.wq) continue;
    const entries = workInstances(w).length;
    offsets.set(w, add({
      name: w.name, kind: "work", width: entries * ew, entryWidth: ew, wq: m.workqueues.indexOf(w.wq),
      // a symmetric index type stays recorded: the symmetry reduction must not treat the entries as fixed
      index: w.index ? { kind: "int", lo: 0, hi: entries - 1, ...(w.index.kind === "int" && w.index.sym ? { sym: w.index.sym } : {}) } : undefined,
      ...(w.field ? { field: { pool: w.field.pool.name, field: w.field.field } } : {}),
    }, new Array(entries * ew).fill(0)));
  }
}

/** The Workqueue table (worker thread ids from `firstWorker` on, workqueue by workqueue). */
export function workqueueTable(m: CheckedModel, offsets: Map<Symbol, number>, threads: number, firstWorker: number, srcLoc: (s: WorkqueueSymbol["span"]) => SrcLoc): Workqueue[] {
  let next = firstWorker;
  const ew = workEntryWidth(threads);
  return m.workqueues.map((q) => {
    const works: Workqueue["works"] = [];
    for (const w of q.works) {
      workInstances(w).forEach((v, i) => {
        works.push({ name: workItemName(w, v), entry: offsets.get(w)! + i * ew, call: workCall(w, v), at: srcLoc(w.span) });
      });
    }
    const workers = Array.from({ length: q.workers }, () => next++);
    return { name: q.name, offset: offsets.get(q)!, works, workers, ordered: q.maxActive === 1, at: srcLoc(q.span) };
  });
}

/** A work item as reports write it: `release_work`, `shutdown_work[1]`, a work field `irqfd[1]->shutdown`. */
export function workItemName(w: WorkSymbol, v: number): string {
  if (w.field) return entityEntryName(w.name, w.field, String(v));
  return w.index ? `${w.name}[${formatScalar(w.index, v, () => "")}]` : w.name;
}

/** What a work item runs, with the index variable replaced by its value: `irqfd_shutdown(1)`; a work field's gets its object, `irqfd_shutdown(irqfd[1])`. */
export function workCall(w: WorkSymbol, v: number): string {
  if (w.field) return `${w.decl.proc.name}(${w.field.pool.name}[${v}])`;
  return `${w.decl.proc.name}(${argText(w.decl.args.map((a) => spanText(a.span)), w, v)})`;
}

/** The value a work's index variable has in the arguments of entry `v`: the index value, or a work field's object reference (slot + 1). */
export function workInstanceValue(w: WorkSymbol, v: number): number {
  return w.field ? v + 1 : v;
}

/** The call's arguments as written, with the index variable replaced by its value. */
function argText(args: string[], w: WorkSymbol, v: number): string {
  const binder = w.decl.instance?.binder.name;
  if (!binder || !w.index) return args.join(", ");
  const value = formatScalar(w.index, v, () => "");
  return args.map((a) => a.replace(new RegExp(`\\b${binder}\\b`, "g"), value)).join(", ");
}

/** A work item named by a statement: its entry, its position in its workqueue, and the text reports give it. */
export function workTarget(e: LExpr, cx: WorkLoweringContext): { wq: number; pos: Expr; entry: Addr; name: string } {
  const field = objectFieldEntity(e);
  if (field?.kind === "work") {
    // a work field: the entry of the object the reference points to (with a field access's checks)
    const { addr, name } = cx.fieldEntry(e as LExpr & { kind: "Field" }, field, workEntryWidth(cx.threads));
    const first = cx.basePosition(field);
    const index = addr.terms[0]!.index;
    return { wq: cx.wqIndex(field.wq!), pos: { k: "bin", op: "+", a: { k: "const", v: first }, b: index }, entry: addr, name };
  }
  const base = e.kind === "Index" ? e.target : e;
  const sym = (base as LExpr & { kind: "Name" }).sym as WorkSymbol;
  if (sym?.kind !== "work" || !sym.wq) throw new Error("work item expected");
  const wq = cx.wqIndex(sym.wq);
  const first = cx.basePosition(sym);
  const offset = cx.offsetOf(sym);
  if (e.kind !== "Index") return { wq, pos: { k: "const", v: first }, entry: { space: "global", offset, terms: [] }, name: spanText(e.span) };
  const index = cx.position(e.index, sym.index!, sym.name);
  const pos: Expr = index.k === "const" ? { k: "const", v: first + index.v } : { k: "bin", op: "+", a: { k: "const", v: first }, b: index };
  return { wq, pos, entry: { space: "global", offset, terms: [{ index, stride: workEntryWidth(cx.threads) }] }, name: spanText(e.span) };
}

/** The ops of a workqueue statement: `main`, and for the waiting ones `register`, the step that stays at the statement. */
export function workOps(s: Stmt & { kind: "Work" }, cx: WorkLoweringContext, result?: boolean): { main: Op; register?: Op } {
  if (s.op === "flush_workqueue") {
    const base = s.target.kind === "Name" ? s.target : undefined;
    const sym = base?.sym as WorkqueueSymbol;
    const wq = cx.wqIndex(sym);
    const name = spanText(s.target.span);
    return {
      main: { k: "work_wait", call: "flush_workqueue", wq, name, register: false },
      register: { k: "work_wait", call: "flush_workqueue", wq, name, register: true },
    };
  }
  return workCallOps(s.op, s.target, cx, result);
}

/** queue_work / flush_work / cancel_work_sync of the work `target` (also as conditions, with `result`). */
export function workCallOps(op: "queue_work" | "flush_work" | "cancel_work_sync", target: LExpr, cx: WorkLoweringContext, result?: boolean): { main: Op; register?: Op } {
  const { wq, pos, entry, name } = workTarget(target, cx);
  if (op === "queue_work") return { main: { k: "queue_work", wq, pos, entry, name, ...(result !== undefined ? { result } : {}) } };
  return {
    main: { k: "work_wait", call: op, wq, pos, entry, name, register: false, ...(result !== undefined ? { result } : {}) },
    register: { k: "work_wait", call: op, wq, pos, entry, name, register: true },
  };
}
