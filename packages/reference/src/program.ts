// The static view of a checked model: a pre-pass that gives every statement an
// id (states hold ids, never AST nodes), its block, label and location; the
// model's constants converted to run-time values; the threads; and the static
// facts that decide where a thread can rest (language.md, "Steps and
// interleaving"): which statements are actions (they read or write shared
// state or can block), which are choices, and which `while` loops are made of
// local statements only and so rest at their head. These facts are computed
// after constant folding of constants, unrolled `for` variables and parameters
// passed a constant (and never assigned), as knot does: `if C and g` with C
// false reads nothing shared, and a loop whose every path acts needs no rest.
// The threads are the processes' instances, then the workqueues' worker
// threads (workqueue.ts), then the RCU and SRCU callbacks' threads
// (rcu-callback.ts), which rest with no frames while idle.
import {
  type Block, type BoundSymbol, type CheckedModel, type Expr, type LocalSymbol, type Location, type LockSymbol, type ObjectSymbol,
  type ProcSymbol, type ProcessSymbol, type RefcountSymbol, type Stmt, type Symbol, type Type, spanText, toLocation,
} from "@knot/lang";
import { type EvalEnv, NotConstant, evaluate } from "./evaluate.js";
import type { RState } from "./state.js";
import { type RValue, canonical, fromEncoded, scalarValues } from "./values.js";
import { CallbackTable, type CallbackInfo, callbackFinished } from "./rcu-callback.js";
import { WorkTable, type WorkerInfo } from "./workqueue.js";

export type StmtKind = "local" | "action" | "atomic" | "choice" | "breaker";

export interface OwnerInfo {
  kind: "proc" | "process";
  name: string;
  body: BlockInfo;
  proc?: ProcSymbol;
  process?: ProcessSymbol;
  /** Parameters, in order (procedures only). */
  params: LocalSymbol[];
  /** Names of locals assigned somewhere in the body (a parameter assigned is never folded). */
  assigned: Set<string>;
  /** Type of each local by name (the first declaration of a name), for printing. */
  localTypes: Map<string, Type>;
}

export interface BlockInfo {
  block: Block;
  stmts: number[];
  parent: { kind: "stmt"; id: number } | { kind: "body"; owner: OwnerInfo };
  /** Locals declared directly in this block; they are reset when it ends. */
  declared: string[];
  /** The closing brace. */
  end: Location;
}

export interface StmtInfo {
  id: number;
  stmt: Stmt;
  block: BlockInfo;
  index: number;
  owner: OwnerInfo;
  /** The statement as traces show it: `lock dev_lock`, `if dec_and_test(kref)`, `either`. */
  label: string;
  at: Location;
  /** If: [then, else?]; While, For, Pick, Atomic: [body]; Either: its branches. */
  children: BlockInfo[];
}

export interface ThreadInfo {
  index: number;
  name: string;
  /** The process of a process thread (undefined for a worker or callback thread). */
  process?: ProcessSymbol;
  owner?: OwnerInfo;
  /** The instance variable's value, for `process p[x in T]`. */
  instance?: { sym: LocalSymbol; value: RValue };
  /** A workqueue's worker thread (`kworker/wq[k]`): idle, or running a work's procedure. */
  worker?: WorkerInfo;
  /** A callback's thread (`rcu_callback/free_dev(dev[0])`): idle, or running the callback's procedure. */
  callback?: CallbackInfo;
}

/** What folding may assume in one frame: values of constant parameters and of unrolled `for` variables. */
export interface FrameCtx {
  known: ReadonlyMap<string, RValue>;
  /** A `return` of this frame stores into a target that touches shared state (so it is an action). */
  returnShared: boolean;
  /**
   * The call of this frame stores its result (`x := call f()`). A value nobody
   * stores is not computed: `return e` of a call whose result is discarded reads
   * nothing and cannot fault, so it is local work.
   */
  returnStored: boolean;
  key: string;
}

export const EMPTY_CTX: FrameCtx = { known: new Map(), returnShared: false, returnStored: false, key: "|0|0" };

export function makeCtx(known: ReadonlyMap<string, RValue>, returnShared: boolean, returnStored: boolean): FrameCtx {
  const entries = [...known.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { known, returnShared, returnStored, key: `${entries.length ? canonical(entries) : ""}|${returnShared ? 1 : 0}|${returnStored ? 1 : 0}` };
}

interface Outcomes {
  /** Some path of local statements reaches the end of the block. */
  normal: boolean;
  /** Some path of local statements reaches a local `return` of the procedure. */
  ret: boolean;
}

const CUT: Outcomes = { normal: false, ret: false };
const PASS: Outcomes = { normal: true, ret: false };

export class ModelError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class Program {
  readonly procNames: string[];
  readonly procs = new Map<string, ProcSymbol>();
  readonly owners = new Map<string, OwnerInfo>();
  readonly stmts: StmtInfo[] = [];
  readonly stmtIds = new Map<Stmt, number>();
  readonly blocks = new Map<Block, BlockInfo>();
  readonly threads: ThreadInfo[] = [];
  readonly pools = new Map<string, ObjectSymbol>();
  readonly locks = new Map<string, LockSymbol>();
  readonly refcounts = new Map<string, RefcountSymbol>();
  /** The work items, workqueues and worker threads (workqueue.ts). */
  readonly work: WorkTable;
  /** The call_rcu / call_srcu callbacks and their threads (rcu-callback.ts). */
  readonly callbacks: CallbackTable;
  private readonly consts = new Map<Symbol, RValue>();
  private readonly kindCache = new Map<string, StmtKind>();
  private readonly breakerCache = new Map<string, boolean>();
  private readonly breakerActive = new Set<string>();

  constructor(readonly model: CheckedModel, readonly disabled: ReadonlySet<string>) {
    this.procNames = model.procs.map((p) => p.name);
    for (const p of model.procs) this.procs.set(p.name, p);
    for (const o of model.objects) this.pools.set(o.name, o);
    for (const l of model.locks) this.locks.set(l.name, l);
    for (const r of model.refcounts) this.refcounts.set(r.name, r);
    for (const c of model.consts) this.consts.set(c, fromEncoded(c.type, c.value, this.procNames));
    for (const p of model.procs) this.addOwner("proc", p.name, p.decl.body, p.params, p.locals, p, undefined);
    for (const p of model.processes) this.addOwner("process", p.name, p.decl.body, [], p.locals, undefined, p);
    this.checkNoRecursion();
    for (const p of model.processes) {
      const owner = this.owners.get(p.name)!;
      for (const raw of p.instances) {
        const inst = p.instance ? { sym: p.instance, value: fromEncoded(p.instance.type, raw, this.procNames) } : undefined;
        const name = inst ? `${p.name}[${String(inst.value)}]` : p.name;
        this.threads.push({ index: this.threads.length, name, process: p, owner, instance: inst });
      }
    }
    // worker threads after the processes, in workqueue declaration order
    this.work = new WorkTable(model, this.threads.length);
    for (const [index, worker] of this.work.workers) this.threads.push({ index, name: worker.wq.workerNames[worker.k]!, worker });
    // then the callbacks' threads, in the order the checker gave their groups
    this.callbacks = new CallbackTable(model, this.threads.length);
    for (const callback of this.callbacks.callbacks) this.threads.push({ index: callback.thread, name: callback.name, callback });
  }

  /**
   * A process thread has finished; a worker thread is idle with nothing to start (workqueue.ts);
   * a callback thread is idle with a callback that cannot start (rcu-callback.ts).
   */
  finished(s: RState, t: number): boolean {
    if (s.threads[t]!.frames.length) return false;
    const info = this.threads[t]!;
    if (info.worker) return this.work.workerFinished(s, t);
    if (info.callback) return callbackFinished(this.callbacks, s, t);
    return true;
  }

  constValue(sym: Symbol): RValue {
    return this.consts.get(sym)!;
  }

  stmt(id: number): StmtInfo {
    return this.stmts[id]!;
  }

  owner(name: string): OwnerInfo {
    return this.owners.get(name)!;
  }

  enabled(check: string): boolean {
    return !this.disabled.has(check);
  }

  // ------------------------------------------------------------ pre-pass

  private addOwner(kind: "proc" | "process", name: string, body: Block, params: LocalSymbol[], locals: LocalSymbol[], proc?: ProcSymbol, process?: ProcessSymbol): void {
    const localTypes = new Map<string, Type>();
    for (const l of locals) if (!localTypes.has(l.name)) localTypes.set(l.name, l.type);
    const owner: OwnerInfo = { kind, name, body: undefined as unknown as BlockInfo, proc, process, params, assigned: new Set(), localTypes };
    owner.body = this.addBlock(body, { kind: "body", owner }, owner);
    this.owners.set(name, owner);
  }

  private addBlock(block: Block, parent: BlockInfo["parent"], owner: OwnerInfo): BlockInfo {
    const end = toLocation({ file: block.span.file, start: Math.max(block.span.start, block.span.end - 1), end: block.span.end });
    const info: BlockInfo = { block, stmts: [], parent, declared: [], end };
    this.blocks.set(block, info);
    block.stmts.forEach((s, index) => {
      const id = this.stmts.length;
      const si: StmtInfo = { id, stmt: s, block: info, index, owner, label: labelOf(s), at: toLocation(s.span), children: [] };
      this.stmts.push(si);
      this.stmtIds.set(s, id);
      info.stmts.push(id);
      if (s.kind === "LocalVar") info.declared.push(s.name.name);
      if (s.kind === "Assign") owner.assigned.add(rootName(s.target));
      if (s.kind === "Call" && s.result) owner.assigned.add(rootName(s.result));
      const child = (b: Block) => si.children.push(this.addBlock(b, { kind: "stmt", id }, owner));
      switch (s.kind) {
        case "If": child(s.then); if (s.else) child(s.else); break;
        case "While": case "For": case "Pick": case "Atomic": child(s.body); break;
        case "Either": s.branches.forEach(child); break;
        default: break;
      }
    });
    return info;
  }

  /**
   * knot inlines calls, so recursion is a model error (K6001) -- found while inlining what the
   * processes and the works call: a recursive procedure that none calls is never inlined, and is no error.
   */
  private checkNoRecursion(): void {
    const state = new Map<string, number>();
    const visit = (name: string, path: string[]): void => {
      const st = state.get(name);
      if (st === 2) return;
      if (st === 1) throw new ModelError("K6001", `recursive call of '${name}' (via ${[...path, name].join(" -> ")}): knot inlines calls, so recursion must be rewritten as a loop`);
      state.set(name, 1);
      for (const callee of this.directCallees(this.owners.get(name)!.body)) visit(callee, [...path, name]);
      state.set(name, 2);
    };
    for (const p of this.model.processes) for (const callee of this.directCallees(this.owners.get(p.name)!.body)) visit(callee, []);
    for (const w of this.model.works) visit(w.proc!.name, []); // a worker runs the work's function as a call
    for (const g of this.model.rcuCallbacks) visit(g.proc.name, []); // and a callback thread its procedure
  }

  private directCallees(b: BlockInfo): string[] {
    const out: string[] = [];
    const walk = (bi: BlockInfo) => {
      for (const id of bi.stmts) {
        const si = this.stmts[id]!;
        const s = si.stmt;
        if (s.kind === "Call" && s.callee.kind === "Name" && s.callee.sym?.kind === "proc") out.push(s.callee.name);
        si.children.forEach(walk);
      }
    };
    walk(b);
    return out;
  }

  // ------------------------------------------------------------ folding

  private foldEnv(ctx: FrameCtx): EvalEnv {
    const notConstant = (): never => { throw new NotConstant(); };
    return {
      constValue: (s) => this.constValue(s),
      local: (sym) => ((sym.role === "param" || sym.role === "for") && ctx.known.has(sym.name) ? ctx.known.get(sym.name)! : notConstant()),
      global: notConstant,
      refcount: notConstant,
      held: notConstant,
      locked: notConstant,
      completion: notConstant,
      field: notConstant,
      objectSlot: notConstant,
      fault: notConstant,
    };
  }

  /** The value of `e` if it is a constant in this frame context. */
  fold(e: Expr, ctx: FrameCtx): { value: RValue } | undefined {
    try {
      return { value: evaluate(e, this.foldEnv(ctx), new Map<BoundSymbol, RValue>(), this) };
    } catch (err) {
      if (err instanceof NotConstant) return undefined;
      throw err;
    }
  }

  /** Can evaluating `e` (left to right, short-circuiting on constants) read shared state? */
  readsShared(e: Expr, ctx: FrameCtx): boolean {
    const rs = (x: Expr): boolean => this.readsShared(x, ctx);
    switch (e.kind) {
      case "Name": return e.sym?.kind === "var" || e.sym?.kind === "refcount";
      case "Unary": return rs(e.operand);
      case "Binary": {
        if (e.op === "and" || e.op === "or" || e.op === "=>") {
          const l = this.fold(e.left, ctx);
          if (l) {
            const v = !!l.value;
            const shortCircuit = e.op === "or" ? v : !v;
            return shortCircuit ? false : rs(e.right);
          }
        }
        return rs(e.left) || rs(e.right);
      }
      case "SetLit": return e.elems.some(rs);
      case "RecordLit": return e.fields.some((f) => rs(f.value));
      case "MapLit": return e.entries.some((en) => rs(en.key) || rs(en.value));
      case "MapComp": return rs(e.domain) || rs(e.body);
      case "Index":
        if (e.target.kind === "Name" && e.target.sym?.kind === "refcount") return true;
        return rs(e.target) || rs(e.index);
      case "Field": return e.target.ty?.kind === "ref" || rs(e.target);
      case "Builtin": return e.fn.name !== "size" || e.args.some(rs);
      case "Cond": {
        const c = this.fold(e.cond, ctx);
        if (c) return rs(c.value ? e.then : e.else);
        return rs(e.cond) || rs(e.then) || rs(e.else);
      }
      case "Quant": return rs(e.domain) || rs(e.body);
      case "Alloc": return true;
      default: return false;
    }
  }

  /** Does storing into the place `e` touch shared state (a global, an object field, a shared index)? */
  placeTouchesShared(e: Expr, ctx: FrameCtx): boolean {
    switch (e.kind) {
      case "Name": return e.sym?.kind === "var";
      case "Index": return this.placeTouchesShared(e.target, ctx) || this.readsShared(e.index, ctx);
      case "Field": return e.target.ty?.kind === "ref" ? true : this.placeTouchesShared(e.target, ctx);
      default: return true;
    }
  }

  /** The folding context of a callee frame: the parameters passed constants and never assigned. */
  calleeCtx(proc: ProcSymbol, args: readonly Expr[], callerCtx: FrameCtx, result: Expr | undefined): FrameCtx {
    return makeCtx(this.constParams(proc, args, callerCtx), result ? this.placeTouchesShared(result, callerCtx) : false, result !== undefined);
  }

  constParams(proc: ProcSymbol, args: readonly Expr[], callerCtx: FrameCtx): Map<string, RValue> {
    const owner = this.owners.get(proc.name)!;
    const known = new Map<string, RValue>();
    proc.params.forEach((p, i) => {
      if (owner.assigned.has(p.name)) return;
      const f = this.fold(args[i]!, callerCtx);
      if (f) known.set(p.name, f.value);
    });
    return known;
  }

  // ------------------------------------------------------------ classification

  /** What kind of resting point (if any) statement `id` is in a frame with this folding context. */
  classify(id: number, ctx: FrameCtx): StmtKind {
    const key = `${id}#${ctx.key}`;
    let k = this.kindCache.get(key);
    if (k === undefined) {
      k = this.computeKind(id, ctx);
      this.kindCache.set(key, k);
    }
    return k;
  }

  private computeKind(id: number, ctx: FrameCtx): StmtKind {
    const si = this.stmts[id]!;
    const s = si.stmt;
    const rs = (e: Expr) => this.readsShared(e, ctx);
    switch (s.kind) {
      case "Lock": case "Refcount": case "Await": case "Completion": case "Srcu": case "Work": return "action";
      case "CallRcu": return "action"; // it registers the callback: shared state, whatever its argument
      case "Free": {
        const f = this.fold(s.target, ctx);
        return f && f.value === null ? "local" : "action"; // `free null` does nothing
      }
      case "Atomic": return "atomic";
      case "Either": return "choice";
      case "Pick": return rs(s.domain) ? "action" : "choice";
      case "Skip": return "local";
      case "MightSleep": return "action";
      case "LocalVar": return s.init && (s.init.kind === "Alloc" || rs(s.init)) ? "action" : "local";
      case "Assign": return s.value.kind === "Alloc" || rs(s.value) || this.placeTouchesShared(s.target, ctx) ? "action" : "local";
      case "Assert": return rs(s.cond) ? "action" : "local";
      case "If": return s.cond.kind !== "Expr" || rs(s.cond.expr) ? "action" : "local";
      case "While":
        if (rs(s.cond)) return "action";
        return this.isBreaker(id, ctx) ? "breaker" : "local";
      case "For": return rs(s.domain) ? "action" : "local";
      case "Call": {
        const direct = s.callee.kind === "Name" && s.callee.sym?.kind === "proc";
        if (direct) return s.args.some(rs) ? "action" : "local";
        // a call through `none` only raises null-callback (or, with the check off, is skipped): its
        // arguments are never evaluated, so they read nothing
        return rs(s.callee) || (this.mayCallSomething(s.callee, ctx) && s.args.some(rs)) ? "action" : "local";
      }
      case "Return":
        if (si.owner.kind !== "proc" || !ctx.returnStored) return "local"; // nothing stores the value: not computed
        return (s.value && rs(s.value)) || ctx.returnShared ? "action" : "local";
    }
  }

  /**
   * A `while` with a local condition rests at its head when some iteration can
   * run through local statements only back to the head (otherwise such a loop
   * would never come to rest). Nested local loops and choices count as local.
   */
  isBreaker(id: number, ctx: FrameCtx): boolean {
    const key = `${id}#${ctx.key}`;
    const cached = this.breakerCache.get(key);
    if (cached !== undefined) return cached;
    if (this.breakerActive.has(key)) return false;
    this.breakerActive.add(key);
    const s = this.stmts[id]!.stmt as Stmt & { kind: "While" };
    const c = this.fold(s.cond, ctx);
    const result = c && !c.value ? false : this.blockOutcomes(this.stmts[id]!.children[0]!, ctx).normal;
    this.breakerActive.delete(key);
    this.breakerCache.set(key, result);
    return result;
  }

  private blockOutcomes(b: BlockInfo, ctx: FrameCtx): Outcomes {
    let ret = false;
    for (const id of b.stmts) {
      const o = this.stmtOutcomes(id, ctx);
      ret ||= o.ret;
      if (!o.normal) return { normal: false, ret };
    }
    return { normal: true, ret };
  }

  private stmtOutcomes(id: number, ctx: FrameCtx): Outcomes {
    // Only actions cut a path: loops of local statements nested in the body do not
    // (their exit is a local path too), nor do choices.
    const kind = this.classify(id, ctx);
    if (kind === "action" || kind === "atomic") return CUT;
    const si = this.stmts[id]!;
    const s = si.stmt;
    const union = (os: Outcomes[]): Outcomes => ({ normal: os.some((o) => o.normal), ret: os.some((o) => o.ret) });
    switch (s.kind) {
      case "Either": return union(si.children.map((b) => this.blockOutcomes(b, ctx)));
      case "Pick": // whether a value can be picked is a run-time guard, as for `for`
        return this.blockOutcomes(si.children[0]!, ctx);
      case "If": {
        if (s.cond.kind !== "Expr") return CUT;
        const thenO = this.blockOutcomes(si.children[0]!, ctx);
        const elseO = si.children[1] ? this.blockOutcomes(si.children[1], ctx) : PASS;
        const c = this.fold(s.cond.expr, ctx);
        if (c) return c.value ? thenO : elseO;
        return union([thenO, elseO]);
      }
      case "While": {
        const c = this.fold(s.cond, ctx);
        if (c && !c.value) return PASS;
        const body = this.blockOutcomes(si.children[0]!, ctx);
        return { normal: !(c && c.value), ret: body.ret };
      }
      case "For": {
        const elem = (s.domain.ty as Type & { kind: "set" }).elem;
        const binder = s.binder.name;
        const withBinder = (v: RValue) => {
          const known = new Map(ctx.known);
          known.set(binder, v);
          return makeCtx(known, ctx.returnShared, ctx.returnStored);
        };
        // Unrolled as "for each element of the type: if it is in the snapshot, the body":
        // the snapshot is a run-time value even when the set is constant, so an
        // element can always be skipped.
        return { normal: true, ret: scalarValues(elem).some((v) => this.blockOutcomes(si.children[0]!, withBinder(v)).ret) };
      }
      case "Call": {
        const target = this.callTarget(s, ctx);
        if (target === undefined) return PASS;
        if (target === null) return PASS; // a null-callback is a check on the way, not a guard
        const proc = this.procs.get(target)!;
        const o = this.blockOutcomes(this.owners.get(target)!.body, this.calleeCtx(proc, s.args, ctx, s.result));
        return { normal: o.normal || o.ret, ret: false };
      }
      case "Return": return si.owner.kind === "proc" ? { normal: false, ret: true } : CUT;
      default: return PASS;
    }
  }

  /**
   * Can a callee expression hold a procedure (rather than `none`)? Known statically when it
   * folds to a constant, or reads a field of an entry of a constant map of tables (every entry
   * is then a candidate); otherwise assumed.
   */
  mayCallSomething(callee: Expr, ctx: FrameCtx): boolean {
    const f = this.fold(callee, ctx);
    if (f) return f.value !== null;
    if (callee.kind === "Field" && callee.target.kind === "Index" && callee.target.target.kind === "Name" && callee.target.target.sym?.kind === "const") {
      const table = this.constValue(callee.target.target.sym) as Record<string, Record<string, RValue>>;
      return Object.values(table).some((entry) => entry[callee.field.name] !== null);
    }
    return true;
  }

  /** The procedure a call statement calls, if known statically: a name, null for `none`, undefined if unknown. */
  callTarget(s: Stmt & { kind: "Call" }, ctx: FrameCtx): string | null | undefined {
    if (s.callee.kind === "Name" && s.callee.sym?.kind === "proc") return s.callee.name;
    const f = this.fold(s.callee, ctx);
    return f ? (f.value as string | null) : undefined;
  }
}

function rootName(e: Expr): string {
  let x = e;
  while (x.kind === "Index" || x.kind === "Field") x = x.target;
  return x.kind === "Name" ? x.name : "";
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function labelOf(s: Stmt): string {
  switch (s.kind) {
    case "If": return `if ${oneLine(s.cond.kind === "Expr" ? spanText(s.cond.expr.span) : spanText(s.cond.span))}`;
    case "While": return `while ${oneLine(spanText(s.cond.span))}`;
    case "For": return `for ${s.binder.name} in ${oneLine(spanText(s.domain.span))}`;
    case "Pick": return `pick ${s.binder.name} in ${oneLine(spanText(s.domain.span))}`;
    case "Either": return "either";
    case "Atomic": return "atomic";
    default: return oneLine(spanText(s.span));
  }
}
