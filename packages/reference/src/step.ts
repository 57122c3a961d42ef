// Steps, straight from language.md "Steps and interleaving" and checks.md.
// A step is one thread running, atomically, from where it rests to its next
// resting point. From an action it executes the action, then the local work
// after it. From a choice (`either`, `pick` over a local set) or the head of a
// loop of local statements it runs local work — resolving every choice on the
// way, lazily — up to and including the first action (an `atomic` block counts
// as one), or stops without one at a loop head or the thread's end (a silent
// step), then runs the local work after the action. Local work after an action
// stops before the next action, choice, atomic block or local-loop head, or
// finishes the thread. Start-up runs each thread's local work before its
// first resting point. Inside `atomic` everything runs; only the block's first
// shared statement may block, a later one is `atomic-blocked`.
// The state is an immer draft; every way through the choices is one run of the
// step, enumerated by replaying prefixes of choice indices (PathOracle).
// A workqueue's worker thread (workqueue.ts) has two steps of its own, taken
// with no frames: the start of a work (then the function's local work, as a
// call) and, after the function returned, the end of it. So has a callback's
// thread (rcu-callback.ts): the start of its callback once nobody holds it
// up, and its end; while it runs, the thread is in atomic context.
import {
  COMPLETION_COUNT_MAX, RCU_DOMAIN, SRCU_NEST_MAX, type SrcuOp, type SrcuSymbol, srcuAction, type CompletionOp, type CompletionSymbol, type ConstSymbol, type Expr, type LocalSymbol, type LockSymbol, type Location, type ObjectSymbol, type RefcountSymbol, type Stmt, type Type,
  type TrylockUse, type WorkOp, type WorkSymbol, spanText, workFreedMessage, trylockUse, typeToString,
} from "@knot/lang";
import { type Draft, type Patch, current, enablePatches, isDraft, produce, produceWithPatches } from "immer";
import { type CompletionCount, completionDone, completionStep } from "./completion.js";
import { type SrcuEntry, newSrcuEntry, readLock, readUnlock, synchronize } from "./srcu.js";
import { type EvalEnv, entryIndex, evaluate } from "./evaluate.js";
import { entryName, heldLockFields, targetSymbol } from "./object-fields.js";
import { lockClass } from "./lock-order.js";
import { type CallbackMove, callbackContext, callbackMove, endCallback, initialCallbacks, leaveSection, register, startCallback } from "./rcu-callback.js";
import { type BlockInfo, EMPTY_CTX, type FrameCtx, ModelError, type Program, type StmtKind, makeCtx } from "./program.js";
import { type LockEntry, type RFrame, type RObject, type RState, type RThread, type RwsemEntry, isRwsem } from "./state.js";
import { type RRecord, type RValue, defaultOf, newRecord, fromEncoded, keyName, parseRef, scalarAt, scalarCount, scalarIndex } from "./values.js";
import { type WorkRuntime, type WorkWait, type WorkerMove, endWork, initialWorkState, startWork, workArguments, workStatement, workerMove } from "./workqueue.js";

enablePatches();

/**
 * Why a step cannot be taken now. `never`: a way whose guard folds to false at
 * compile time (an `await` of a constant-false condition); knot drops such
 * steps, so it is no wait at all.
 */
export type Wait =
  /** `queued`: a reader waiting behind the waiting writers `heldBy` (nobody holds the rwsem for writing). */
  | { kind: "lock"; lock: string; heldBy: string[]; self: boolean; queued?: boolean; statement: string; at: Location }
  /** wait_for_completion on a count of 0. */
  | { kind: "completion"; completion: string; statement: string; at: Location }
  /** synchronize_* waiting for the readers `heldUpBy` of its grace period. */
  | { kind: "grace-period"; domain: string; rcu: boolean; heldUpBy: string[]; statement: string; at: Location }
  /** flush_work, cancel_work_sync or flush_workqueue waiting for the workers `heldBy` (workqueue.ts). */
  | WorkWait
  | { kind: "condition"; reason: "await" | "pick" | "fault"; text: string; labelled?: boolean; check?: string; statement: string; at: Location }
  | { kind: "never"; statement: string; at: Location };

/** A lock entry taken by a step, with the entries the thread held then and the acquiring statement. */
export interface Acquisition {
  taken: string;
  /** The lockdep subclass it was taken with (`lock x nested N`); 0 by default. */
  subclass: number;
  held: string[];
  statement: string;
  at: Location;
}

export class Blocked {
  constructor(readonly wait: Wait) {}
}

export interface Failure {
  kind: string;
  message: string;
  /** The statement that raised it (`end of P` for the end of a thread). */
  statement: string;
  at: Location;
}

export class StepViolation {
  constructor(readonly failure: Failure) {}
}

/** A statement's step that ends with the thread still at the statement (cancel_work_sync(w) registering as a condition). */
class Stay {}

/** Replays a prefix of choice indices, then takes the first alternative of every further choice. */
export class PathOracle {
  readonly trail: { choice: number; arity: number }[] = [];
  constructor(private readonly prefix: readonly number[]) {}
  choose(arity: number): number {
    const i = this.trail.length;
    const choice = i < this.prefix.length ? this.prefix[i]! : 0;
    this.trail.push({ choice, arity });
    return choice;
  }
  /** The next prefix in lexicographic order, or undefined when every path has been run. */
  next(): number[] | undefined {
    let i = this.trail.length - 1;
    while (i >= 0 && this.trail[i]!.choice + 1 >= this.trail[i]!.arity) i--;
    if (i < 0) return undefined;
    return [...this.trail.slice(0, i).map((c) => c.choice), this.trail[i]!.choice + 1];
  }
}

/**
 * A fresh, unfrozen deep copy of a value that may be (or contain) an immer draft
 * or a frozen part of the base state, so that it can be stored elsewhere in the
 * tree and still be written later in the same step.
 */
export function plain(v: RValue): RValue {
  if (v === null || typeof v !== "object") return v;
  const base = isDraft(v) ? (current(v) as RValue) : v;
  return clone(base);
}

function clone(v: RValue): RValue {
  if (v === null || typeof v !== "object") return v;
  if (isDraft(v)) return plain(v);
  if (Array.isArray(v)) return v.map(clone);
  const out: RRecord = newRecord();
  for (const k of Object.keys(v)) out[k] = clone(v[k]!);
  return out;
}

type Phase = "startup" | "pre" | "post" | "atomic";

export class Runner implements EvalEnv {
  phase: Phase = "post";
  /** The step's action: the first action or atomic block it executed. */
  action?: number;
  /** A step that reached the end of a work through local work only executed that end: where it is. */
  endPlace?: { label: string; at: Location };
  readonly choices: string[] = [];
  /** Locks taken by the step, each with the locks the thread held then (for the lock-order graph). */
  readonly acquisitions: Acquisition[] = [];
  finished = false;
  private current = -1;
  /** Frame depth of each open atomic block, innermost last. */
  private atomicStack: number[] = [];
  private touched = false;
  private readonly me: string;
  private ctxCache?: FrameCtx;
  /** A worker's or callback thread's own step (start or end) has no statement: its label and place. */
  private pseudo?: { label: string; at: Location };

  constructor(
    private readonly prog: Program,
    private readonly s: Draft<RState>,
    private readonly t: number,
    private readonly oracle: PathOracle,
  ) {
    this.me = prog.threads[t]!.name;
  }

  private get thread(): Draft<RThread> {
    return this.s.threads[this.t]!;
  }

  private get frame(): Draft<RFrame> {
    const f = this.thread.frames;
    return f[f.length - 1]!;
  }

  // ------------------------------------------------------------ driving

  /** Start-up: push the process frame and run its local work up to the first resting point. */
  startup(): void {
    const info = this.prog.threads[this.t]!;
    if (info.worker || info.callback) return; // a worker or callback thread starts idle
    const locals: Record<string, RValue> = newRecord();
    if (info.instance) locals[info.instance.sym.name] = info.instance.value;
    this.thread.frames.push({ proc: info.process!.name, at: -1, locals, snapshots: {}, constParams: [] });
    this.ctxCache = undefined;
    this.phase = "startup";
    this.enterBlock(info.owner!.body);
    this.loop();
  }

  /** The statement being executed, as violations and acquisitions name it. */
  private here(): { label: string; at: Location } {
    return this.current >= 0 ? this.prog.stmt(this.current) : this.pseudo!;
  }

  /**
   * A worker's own step: the start of a work (it leaves the queue; the worker takes
   * `(wq_completion)wq` then `(work_completion)(&w)`, then runs the function's local work
   * as a call does), or its end (exit-holding-lock as at a thread's end, then idle).
   */
  workerStep(move: WorkerMove): void {
    this.pseudo = { label: move.label, at: move.item.at };
    const item = move.item;
    if (move.kind === "end") {
      this.endCheck(`work ${item.name}`);
      endWork(this.prog.work, this.s, this.t);
      return;
    }
    this.acquired(item.wq.lock);
    startWork(this.prog.work, this.s, this.t, item);
    this.acquired(item.lock);
    // a work field lies in its object: started after the object was freed, it is freed memory
    const field = item.sym.field;
    if (field && this.s.objects[field.pool.name]![item.index]!.status === "freed" && this.prog.enabled("use-after-free")) {
      this.violation("use-after-free", workFreedMessage(item.name, item.value as string));
    }
    // every argument is a constant: parameters never assigned are folded, as for a call with constants
    const args = workArguments(this.prog, item, (kind, message) => this.fail(kind, message));
    const owner = this.prog.owner(item.proc.name);
    this.enterProc(item.proc.name, args, item.proc.params.filter((p) => !owner.assigned.has(p.name)).map((p) => p.name));
    this.loop();
  }

  /**
   * A callback thread's own step: the start of its callback (it is no longer registered; then
   * the procedure's local work with the value as argument, as a call), or its end
   * (exit-holding-lock as a worker's end, then idle).
   */
  callbackStep(move: CallbackMove): void {
    const cb = move.cb;
    this.pseudo = { label: move.label, at: cb.at };
    if (move.kind === "end") {
      this.endCheck(`callback ${cb.call}`);
      endCallback(this.s, cb);
      return;
    }
    startCallback(this.s, cb);
    // one thread per value: the parameter is a constant, folded unless the procedure assigns it
    const owner = this.prog.owner(cb.proc.name);
    this.enterProc(cb.proc.name, cb.args, cb.proc.params.filter((p) => !owner.assigned.has(p.name)).map((p) => p.name));
    this.loop();
  }

  /** The end of a work or callback: holding a lock or inside a read-side section is exit-holding-lock (check off: it keeps them). */
  private endCheck(what: string): void {
    const held = this.locksHeld();
    const inside = this.readSections();
    if ((held.length || inside.length) && this.prog.enabled("exit-holding-lock")) {
      const parts = [...(held.length ? [`while holding ${held.join(", ")}`] : []), ...inside.map((d) => `inside a read-side section of ${d}`)];
      this.violation("exit-holding-lock", `${this.me} finishes ${what} ${parts.join(" and ")}`);
    }
  }

  /** One step from the statement the thread rests at. */
  step(): void {
    const r = this.frame.at;
    this.current = r;
    const kind = this.kindOf(r);
    switch (kind) {
      case "action": case "atomic":
        this.phase = "pre";
        this.act(r, kind);
        break;
      case "choice":
        this.phase = "pre";
        this.exec(r);
        break;
      case "breaker": {
        const s = this.prog.stmt(r);
        this.phase = "pre";
        if (this.eval((s.stmt as Stmt & { kind: "While" }).cond)) this.enterBlock(s.children[0]!);
        else this.after(r);
        break;
      }
      case "local":
        throw new Error(`thread ${this.me} rests at a local statement (${this.prog.stmt(r).label})`);
    }
    this.loop();
  }

  private act(id: number, kind: StmtKind): void {
    this.action ??= id;
    try {
      this.exec(id);
    } catch (err) {
      if (!(err instanceof Stay)) throw err; // the statement's step is done; the thread stays at it
    }
    if (kind !== "atomic" && this.phase === "pre") this.phase = "post";
  }

  private loop(): void {
    while (!this.finished) {
      const id = this.frame.at;
      const kind = this.kindOf(id);
      switch (this.phase) {
        case "startup":
        case "post":
          if (kind !== "local") return;
          this.exec(id);
          break;
        case "pre":
          if (kind === "breaker") return;
          if (kind === "local" || kind === "choice") this.exec(id);
          else this.act(id, kind);
          break;
        case "atomic":
          if (this.prog.stmt(id).stmt.kind === "While") {
            throw new ModelError("K6002", `a while loop inside atomic (${this.prog.stmt(id).label} at ${fmt(this.prog.stmt(id).at)}): an atomic block must be finite`);
          }
          this.exec(id);
          if (kind === "action") this.touched = true;
          break;
      }
    }
  }

  private kindOf(id: number): StmtKind {
    return this.prog.classify(id, this.ctx());
  }

  private knownOf(depth: number): Map<string, RValue> | undefined {
    const f = this.thread.frames[depth]!;
    const snaps = Object.keys(f.snapshots);
    if (f.constParams.length === 0 && snaps.length === 0) return undefined;
    const known = new Map<string, RValue>();
    for (const n of f.constParams) known.set(n, plain(f.locals[n]!));
    for (const key of snaps) {
      const binder = (this.prog.stmt(Number(key)).stmt as Stmt & { kind: "For" }).binder.name;
      known.set(binder, plain(f.locals[binder]!));
    }
    return known;
  }

  /** The folding context of the innermost frame (cached until a frame or a `for` variable changes). */
  private ctx(): FrameCtx {
    this.ctxCache ??= this.computeCtx();
    return this.ctxCache;
  }

  private computeCtx(): FrameCtx {
    const depth = this.thread.frames.length - 1;
    const known = this.knownOf(depth);
    let returnShared = false;
    let returnStored = false;
    if (depth > 0) {
      const call = this.prog.stmt(this.thread.frames[depth - 1]!.at).stmt as Stmt & { kind: "Call" };
      if (call.result) {
        returnStored = true;
        const callerKnown = this.knownOf(depth - 1);
        returnShared = this.prog.placeTouchesShared(call.result, callerKnown ? makeCtx(callerKnown, false, false) : EMPTY_CTX);
      }
    }
    if (!known && !returnStored) return EMPTY_CTX;
    return makeCtx(known ?? new Map(), returnShared, returnStored);
  }

  // ------------------------------------------------------------ control flow

  private enterBlock(b: BlockInfo): void {
    if (b.stmts.length) this.frame.at = b.stmts[0]!;
    else this.blockEnd(b);
  }

  private after(id: number): void {
    const si = this.prog.stmt(id);
    const b = si.block;
    if (si.index + 1 < b.stmts.length) this.frame.at = b.stmts[si.index + 1]!;
    else this.blockEnd(b);
  }

  private blockEnd(b: BlockInfo): void {
    const f = this.frame;
    for (const name of b.declared) delete f.locals[name];
    const p = b.parent;
    if (p.kind === "body") {
      if (p.owner.kind === "proc") this.doReturn(undefined);
      else this.threadEnd();
      return;
    }
    const ps = this.prog.stmt(p.id);
    const s = ps.stmt;
    switch (s.kind) {
      case "If": case "Either":
        this.after(p.id);
        return;
      case "Atomic":
        this.atomicStack.pop();
        if (this.atomicStack.length === 0) this.phase = "post";
        this.after(p.id);
        return;
      case "Pick":
        delete f.locals[s.binder.name];
        this.after(p.id);
        return;
      case "While":
        f.at = p.id;
        return;
      case "For": {
        const key = String(p.id);
        const snap = f.snapshots[key]!;
        const elem = (s.domain.ty as Type & { kind: "set" }).elem;
        const ci = scalarIndex(elem, f.locals[s.binder.name]!);
        const next = snap.find((x) => scalarIndex(elem, x) > ci);
        this.ctxCache = undefined;
        if (next !== undefined) {
          f.locals[s.binder.name] = next;
          this.enterBlock(ps.children[0]!);
        } else {
          delete f.snapshots[key];
          delete f.locals[s.binder.name];
          this.after(p.id);
        }
        return;
      }
      default:
        throw new Error(`block under ${s.kind}`);
    }
  }

  private doReturn(value: RValue | undefined): void {
    const frames = this.thread.frames;
    if (frames.length === 1) {
      this.threadEnd();
      return;
    }
    frames.pop();
    this.ctxCache = undefined;
    while (this.atomicStack.length && this.atomicStack[this.atomicStack.length - 1]! > frames.length) this.atomicStack.pop();
    if (this.phase === "atomic" && this.atomicStack.length === 0) this.phase = "post";
    const callId = this.frame.at;
    const call = this.prog.stmt(callId).stmt as Stmt & { kind: "Call" };
    if (call.result && value !== undefined) this.store(call.result, value);
    this.after(callId);
  }

  private threadEnd(): void {
    const info = this.prog.threads[this.t]!;
    if (info.worker || info.callback) {
      // the work's function (the callback's procedure) returned: the thread rests at the end of
      // it, whose step checks what it holds. The end is an action: a step that has not executed
      // one yet (from a loop head or a choice, through local work only) executes it too, as it
      // would any action.
      this.thread.frames.splice(0);
      this.ctxCache = undefined;
      this.atomicStack = [];
      this.finished = true;
      if (this.phase === "pre" && this.action === undefined) {
        const move = ownMove(this.prog, this.s as RState, this.t);
        if (move?.kind === "end") {
          this.phase = "post";
          this.endPlace = { label: move.label, at: move.at };
          move.run(this);
        }
      }
      return;
    }
    const held = this.locksHeld();
    const inside = this.readSections();
    if ((held.length || inside.length) && this.prog.enabled("exit-holding-lock")) {
      const parts = [...(held.length ? [`while holding ${held.join(", ")}`] : []), ...inside.map((d) => `inside a read-side section of ${d}`)];
      throw new StepViolation({ kind: "exit-holding-lock", message: `${this.me} finishes ${parts.join(" and ")}`, statement: `end of ${info.process!.name}`, at: info.owner!.body.end });
    }
    this.thread.frames.splice(0);
    this.ctxCache = undefined;
    this.atomicStack = [];
    this.finished = true;
  }

  // ------------------------------------------------------------ statements

  private exec(id: number): void {
    this.current = id;
    const si = this.prog.stmt(id);
    const s = si.stmt;
    switch (s.kind) {
      case "Skip":
        return this.after(id);
      case "MightSleep": {
        // include/linux/kernel.h: "annotation for functions that can sleep" (atomic context: a spinlock)
        const ctx = this.prog.enabled("sleep-in-atomic") ? this.atomicContext() : undefined;
        if (ctx) this.violation("sleep-in-atomic", `${this.me} calls might_sleep() ${ctx}`);
        return this.after(id);
      }
      case "LocalVar": {
        const type = s.sym!.type;
        let v: RValue;
        const tried = trylockUse(s.init, false);
        if (!s.init) v = defaultOf(type);
        else if (tried) v = this.tryLock(tried);
        else if (s.init.kind === "Alloc") v = this.alloc(s.init);
        else v = this.eval(s.init);
        this.checkStore(v, type, s.name.name);
        this.frame.locals[s.name.name] = plain(v);
        return this.after(id);
      }
      case "Assign": {
        const tried = trylockUse(s.value, false);
        const v = tried ? this.tryLock(tried) : s.value.kind === "Alloc" ? this.alloc(s.value) : this.eval(s.value);
        this.store(s.target, v);
        return this.after(id);
      }
      case "Call":
        return this.call(s, id);
      case "Return":
        // a value nobody stores is not computed (language.md: a value is checked when it is stored)
        return this.doReturn(s.value && this.ctx().returnStored ? this.eval(s.value) : undefined);
      case "Lock":
        // a writer that joined the wait queue is still at its down_write
        if (this.lockOp(s.op, s.target, s.subclass ?? 0, s.nestLock) === "queued") return;
        return this.after(id);
      case "Refcount": {
        if (s.op === "get") this.refGet(s.target);
        else this.refDrop(s.target);
        return this.after(id);
      }
      case "Completion":
        this.completionOp(s.op, s.target);
        return this.after(id);
      case "Srcu":
        // a synchronize that starts a grace period stays at the statement
        if (this.srcuOp(s.op, s.target) === "started") return;
        return this.after(id);
      case "CallRcu":
        this.callRcu(s);
        return this.after(id);
      case "Work":
        // a flush or cancel that registers stays at the statement
        if (this.workOp(s.op, s.target).stay) return;
        return this.after(id);
      case "Await":
        if (!this.eval(s.cond)) {
          const folded = this.prog.fold(s.cond, this.ctx());
          if (folded && !folded.value) this.block({ kind: "never", statement: si.label, at: si.at });
          this.block({ kind: "condition", reason: "await", text: s.label ?? si.label, ...(s.label !== undefined ? { labelled: true } : {}), statement: si.label, at: si.at });
        }
        return this.after(id);
      case "Assert":
        // with the check off the assert does nothing: its condition is not even evaluated (it cannot fault)
        if (this.prog.enabled("assertion") && !this.eval(s.cond)) this.violation("assertion", s.message ?? `assertion ${spanText(s.cond.span)} failed`);
        return this.after(id);
      case "If": {
        const tried = s.cond.kind === "Expr" ? trylockUse(s.cond.expr, true) : undefined;
        const taken = s.cond.kind === "DecAndTest" ? this.refDrop(s.cond.target) : s.cond.kind === "DecAndLock" ? this.decAndLock(s.cond.target, s.cond.lock) : tried ? this.tryLock(tried) !== tried.negated : !!this.eval(s.cond.expr);
        if (taken) this.enterBlock(si.children[0]!);
        else if (si.children[1]) this.enterBlock(si.children[1]);
        else this.after(id);
        return;
      }
      case "While": {
        const tried = trylockUse(s.cond, true);
        if (tried ? this.tryLock(tried) !== tried.negated : this.eval(s.cond)) this.enterBlock(si.children[0]!);
        else this.after(id);
        return;
      }
      case "For": {
        const snap = plain(this.eval(s.domain)) as RValue[];
        if (!snap.length) return this.after(id);
        this.frame.snapshots[String(id)] = snap;
        this.frame.locals[s.binder.name] = snap[0]!;
        this.ctxCache = undefined;
        return this.enterBlock(si.children[0]!);
      }
      case "Pick": {
        const values = plain(this.eval(s.domain)) as RValue[];
        if (!values.length) {
          this.block({ kind: "condition", reason: "pick", text: `${si.label}: the set is empty`, statement: si.label, at: si.at });
        }
        const i = this.oracle.choose(values.length);
        this.choices.push(`${s.binder.name} = ${String(values[i])}`);
        this.frame.locals[s.binder.name] = values[i]!;
        return this.enterBlock(si.children[0]!);
      }
      case "Either": {
        const n = si.children.length;
        const i = this.oracle.choose(n);
        const label = (si.stmt as Stmt & { kind: "Either" }).labels?.[i];
        this.choices.push(`${label === undefined ? "" : `"${label}": `}branch ${i + 1} of ${n} of the either at ${fmt(si.at)}`);
        return this.enterBlock(si.children[i]!);
      }
      case "Atomic":
        if (this.atomicStack.length === 0) this.touched = false;
        this.atomicStack.push(this.thread.frames.length);
        this.phase = "atomic";
        return this.enterBlock(si.children[0]!);
      case "Free": {
        const r = this.eval(s.target);
        if (r !== null) {
          const { pool, index } = parseRef(r as string);
          const obj = this.s.objects[pool]![index]!;
          if (obj.status === "freed") {
            if (this.prog.enabled("double-free")) this.violation("double-free", `free ${spanText(s.target.span)}: ${r as string} was already freed`);
          } else {
            // lockdep's "held lock freed!": before the free, which (check off) leaves the locks as they are
            const held = heldLockFields(this.prog.pools.get(pool)!, this.s as RState, index);
            if (held.length && this.prog.enabled("held-lock-freed")) this.violation("held-lock-freed", `free ${spanText(s.target.span)}: ${held.join(", ")}`);
            obj.status = "freed";
            obj.fields = this.defaultFields(pool);
          }
        }
        return this.after(id);
      }
    }
  }

  private call(s: Stmt & { kind: "Call" }, id: number): void {
    let target: string | null;
    if (s.callee.kind === "Name" && s.callee.sym?.kind === "proc") target = s.callee.name;
    else target = this.eval(s.callee) as string | null;
    if (target === null) {
      if (this.prog.enabled("null-callback")) this.violation("null-callback", `call through ${spanText(s.callee.span)}, which is none`);
      return this.after(id);
    }
    const proc = this.prog.procs.get(target)!;
    const args = s.args.map((a) => this.eval(a));
    this.enterProc(target, args, [...this.prog.constParams(proc, s.args, this.ctx()).keys()]);
  }

  /** Enter procedure `target` with evaluated arguments (range-checked against the parameters). */
  private enterProc(target: string, args: readonly RValue[], constParams: string[]): void {
    const proc = this.prog.procs.get(target)!;
    proc.params.forEach((p, i) => this.checkStore(args[i]!, p.type, `arguments of ${target}`));
    const locals: Record<string, RValue> = newRecord();
    proc.params.forEach((p, i) => { locals[p.name] = plain(args[i]!); });
    this.thread.frames.push({ proc: target, at: -1, locals, snapshots: {}, constParams });
    this.ctxCache = undefined;
    this.enterBlock(this.prog.owner(target).body);
  }

  // ------------------------------------------------------------ locks

  /** The entry a lock, refcount, completion or SRCU target names (`x`, `x[i]` or a field `e.f`): its symbol, position and display name. */
  private entryOf<S extends LockSymbol | RefcountSymbol | CompletionSymbol | SrcuSymbol | WorkSymbol>(target: Expr): { sym: S; index: number; name: string } {
    const sym = targetSymbol(target) as S;
    const index = entryIndex(target, sym.index, this, new Map(), this.prog);
    return { sym, index, name: entryName(sym, index) };
  }

  private lockEntry(target: Expr): { sym: LockSymbol; index: number; name: string } {
    return this.entryOf<LockSymbol>(target);
  }

  /** A lock statement; "queued" when a down_write joined the rwsem's wait queue instead of taking it. */
  private lockOp(op: string, target: Expr, subclass = 0, nestLock?: Expr): "done" | "queued" {
    const { sym, index, name } = this.lockEntry(target);
    const entries = this.s.locks[sym.name]!;
    const me = this.me;
    const si = this.prog.stmt(this.current);
    const wait = (heldBy: string[]): Wait => ({ kind: "lock", lock: name, heldBy, self: heldBy.includes(me), statement: si.label, at: si.at });
    switch (op) {
      case "lock": {
        const h = entries[index] as string | null;
        if (h !== null) this.block(wait([h]));
        if (sym.lockKind === "mutex") this.sleepCheck("mutex", name);
        this.acquired(name, subclass, this.nestEntry(nestLock));
        entries[index] = me;
        return "done";
      }
      case "unlock": {
        const h = entries[index] as string | null;
        if (h === me) entries[index] = null;
        else if (this.prog.enabled("unlock-not-held")) this.violation("unlock-not-held", `${me} does unlock ${name}, but ${h === null ? "it is not locked" : `it is held by ${h}`}`);
        return "done";
      }
      case "down_read": {
        const e = entries[index] as RwsemEntry;
        if (e.readers.includes(me)) {
          this.fail("recursive-locking", `${me} takes ${name} for reading again while it already holds it for reading; a writer queuing in between would deadlock both (rwsem read locks are not recursive)`);
        }
        if (e.writer !== null) this.block(wait([e.writer]));
        // kernel/locking/rwsem.c: a reader that finds writers waiting queues behind them, unless
        // nobody holds the rwsem (then it may steal it; rwsem_down_read_slowpath)
        if (e.readers.length && e.waiting.length) this.block({ ...(wait([...e.waiting]) as Wait & { kind: "lock" }), queued: true });
        this.sleepCheck("rwsem", name);
        this.acquired(name, subclass);
        e.readers = this.byThread([...e.readers, me]);
        return "done";
      }
      case "down_write": {
        const e = entries[index] as RwsemEntry;
        if (e.writer !== null || e.readers.length) {
          // a writer that cannot have it joins the wait queue, in a step of its own (and stays at
          // the down_write); one that holds it itself does not queue: it waits for itself
          const own = e.writer === me || e.readers.includes(me);
          if (!own && !e.waiting.includes(me) && this.atomicStack.length === 0) {
            e.waiting = this.byThread([...e.waiting, me]);
            return "queued";
          }
          this.block(wait(e.writer !== null ? [e.writer] : [...e.readers]));
        }
        this.sleepCheck("rwsem", name);
        this.acquired(name, subclass, this.nestEntry(nestLock));
        e.writer = me;
        e.waiting = e.waiting.filter((w) => w !== me);
        return "done";
      }
      case "up_read": case "up_write": {
        const e = entries[index] as RwsemEntry;
        if (op === "up_read" && e.readers.includes(me)) { e.readers = e.readers.filter((r) => r !== me); return "done"; }
        if (op === "up_write" && e.writer === me) { e.writer = null; return "done"; }
        if (this.prog.enabled("unlock-not-held")) {
          const who = e.writer !== null ? `it is held for writing by ${e.writer}` : e.readers.length ? `it is held for reading by ${e.readers.join(", ")}` : "it is not locked";
          this.violation("unlock-not-held", `${me} does ${op} ${name}, but ${who}`);
        }
        return "done";
      }
    }
    throw new Error(`unknown lock statement ${op}`);
  }

  /**
   * mutex_trylock, spin_trylock, down_read_trylock, down_write_trylock (language.md,
   * "trylock"): take the lock if it is free for the mode and say whether it was taken.
   * Never waits, never sleeps, and is no acquisition for the lock-order graph (lockdep
   * adds no dependency for a trylock); the lock is held afterwards like any other.
   */
  private tryLock(use: TrylockUse): boolean {
    if (use.fn === "queue_work" || use.fn === "cancel_work_sync") {
      // a cancel that registers has no value yet: the statement's step ends there
      const r = this.workOp(use.fn, use.target);
      if (r.stay) throw new Stay();
      return r.value;
    }
    if (!use.info) return this.tryWait(use.target);
    const { sym, index, name } = this.lockEntry(use.target);
    const entries = this.s.locks[sym.name]!;
    const me = this.me;
    if (use.info.lockKind !== "rwsem") {
      if (entries[index] !== null) return false;
      entries[index] = me;
      return true;
    }
    const e = entries[index] as RwsemEntry;
    if (use.info.mode === "read") {
      if (e.readers.includes(me)) this.fail("recursive-locking", `${me} tries ${name} for reading while it already holds it for reading (knot counts the threads that read an rwsem, not how deeply each does)`);
      // a waiting writer makes a read trylock fail (RWSEM_FLAG_WAITERS is in RWSEM_READ_FAILED_MASK)
      if (e.writer !== null || e.waiting.length) return false;
      e.readers = this.byThread([...e.readers, me]);
      return true;
    }
    if (e.writer !== null || e.readers.length || e.waiting.length) return false;
    e.writer = me;
    return true;
  }

  /** The entry `lock x nest_lock l` names as its nest lock, evaluated when the lock is taken (C evaluates both arguments). */
  private nestEntry(nestLock: Expr | undefined): string | undefined {
    return nestLock ? this.lockEntry(nestLock).name : undefined;
  }

  /**
   * A lock-order acquisition: edges from every lock held, read-side section entered and (a
   * worker's) pseudo-lock. With a nest lock the thread holds, taking a lock whose class it
   * already holds records none (lockdep: check_deadlock() allows it, validate_chain() adds no
   * dependency).
   */
  private acquired(name: string, subclass = 0, nest?: string): void {
    const si = this.here();
    const held = [...this.locksHeld(), ...this.readSections(), ...this.prog.work.pseudoHeld(this.s as RState, this.t)].filter((h) => h !== name);
    if (nest !== undefined && held.includes(nest) && held.some((h) => lockClass(h) === lockClass(name))) return;
    this.acquisitions.push({ taken: name, subclass, held, statement: si.label, at: si.at });
  }

  private byThread(names: string[]): string[] {
    const order = new Map(this.prog.threads.map((t) => [t.name, t.index]));
    return names.sort((a, b) => order.get(a)! - order.get(b)!);
  }

  private sleepCheck(kind: string, name: string): void {
    if (!this.prog.enabled("sleep-in-atomic")) return;
    const ctx = this.atomicContext();
    if (ctx) this.violation("sleep-in-atomic", `${this.me} takes ${kind} ${name}, which may sleep, ${ctx}`);
  }

  /** Lock entries this thread holds (optionally of one kind), in declaration order. */
  private locksHeld(only?: string): string[] {
    return locksHeldBy(this.prog, this.s as RState, this.me, only);
  }

  // ------------------------------------------------------------ refcounts

  private refEntry(target: Expr): { sym: RefcountSymbol; index: number; name: string } {
    return this.entryOf<RefcountSymbol>(target);
  }

  private refGet(target: Expr): void {
    const { sym, index, name } = this.refEntry(target);
    const counts = this.s.refcounts[sym.name]!;
    const c = counts[index]!;
    if (c === 0 && this.prog.enabled("refcount-inc-from-zero")) this.violation("refcount-inc-from-zero", `get ${name} on a count of 0: the object may already be freed`);
    if (c + 1 > sym.type.hi) this.fail("out-of-range", `get ${name} would raise the count above its bound ${sym.type.hi}`);
    counts[index] = c + 1;
  }

  /**
   * `dec_and_lock(r, m)` (language.md, "dec_and_lock"; lib/refcount.c refcount_dec_and_lock):
   * a put; the put that drops the last reference first takes `m` (waiting for it, as `lock`
   * does) in the same step, and returns true holding it. The count's target is evaluated first;
   * the lock's (an array index, a field's reference) only by the put that takes it, as
   * refcount_dec_and_mutex_lock() touches the mutex only for the last reference.
   */
  private decAndLock(target: Expr, lock: Expr): boolean {
    const { sym, index } = this.refEntry(target);
    if (this.s.refcounts[sym.name]![index] === 1) this.lockOp("lock", lock);
    return this.refDrop(target);
  }

  /** `put` / `dec_and_test`: true iff the count was 1 (this put dropped the last reference). */
  private refDrop(target: Expr): boolean {
    const { sym, index, name } = this.refEntry(target);
    const counts = this.s.refcounts[sym.name]!;
    const c = counts[index]!;
    if (c === 0) {
      if (this.prog.enabled("refcount-underflow")) this.violation("refcount-underflow", `put ${name} on a count of 0`);
      return false;
    }
    if (c - 1 < sym.type.lo) this.fail("out-of-range", `put ${name} would lower the count below its bound ${sym.type.lo}`);
    counts[index] = c - 1;
    return c === 1;
  }

  // ------------------------------------------------------------ SRCU and RCU

  /** The domain entry a target names (none: RCU): its state, display name, domain and position. */
  private srcuEntry(target: Expr | undefined): { entry: SrcuEntry; name: string; domain: string; index: number } {
    if (!target) return { entry: this.s.srcu[RCU_DOMAIN]![0]!, name: RCU_DOMAIN, domain: RCU_DOMAIN, index: 0 };
    const { sym, index, name } = this.entryOf<SrcuSymbol>(target);
    return { entry: this.s.srcu[sym.name]![index]!, name, domain: sym.name, index };
  }

  /** The read-side sections the thread is inside, as domain entry names (for the lock-order graph and exits). */
  private readSections(): string[] {
    return readSectionsOf(this.prog, this.s as RState, this.t);
  }

  /** "while holding spinlock s" / "inside an RCU read-side critical section" when the thread may not sleep here. */
  private atomicContext(): string | undefined {
    const spin = this.locksHeld("spinlock")[0];
    if (spin) return `while holding spinlock ${spin}`;
    const rcu = this.s.srcu[RCU_DOMAIN]?.[0];
    if (rcu && rcu.depth[this.t]! > 0) return "inside an RCU read-side critical section";
    // a callback's thread runs nothing but its callback, so it is in that context whenever it has a statement to run
    const cb = this.prog.threads[this.t]!.callback;
    if (cb) return callbackContext(cb);
    return undefined;
  }

  private srcuOp(op: SrcuOp, target: Expr | undefined): "done" | "started" {
    const { entry, name, domain, index } = this.srcuEntry(target);
    const t = this.t;
    const rcu = target === undefined;
    switch (srcuAction(op)) {
      case "read":
        if (readLock(entry, t) === "overflow") this.fail("out-of-range", `${rcu ? "rcu_read_lock" : `srcu_read_lock ${name}`} nests read-side sections deeper than ${SRCU_NEST_MAX} (knot's bound)`);
        return "done";
      case "unlock":
        if (readUnlock(entry, t, this.me) === "not-inside") {
          if (this.prog.enabled("unlock-not-held")) this.violation("unlock-not-held", `${this.me} does ${rcu ? "rcu_read_unlock" : `srcu_read_unlock ${name}`}, but it is not inside a read-side section of ${name}`);
        } else if (entry.depth[t] === 0) {
          // the outermost: it no longer holds up the entry's callbacks, as it no longer holds up its grace periods
          leaveSection(this.prog.callbacks, this.s, domain, index, this.me);
        }
        return "done";
      case "sync": {
        const call = rcu ? "synchronize_rcu()" : `synchronize_srcu(${name})`;
        const ctx = this.prog.enabled("sleep-in-atomic") ? this.atomicContext() : undefined;
        if (ctx) this.violation("sleep-in-atomic", `${this.me} calls ${call}, which sleeps, ${ctx}`);
        if (entry.depth[t]! > 0) this.fail("recursive-locking", `${this.me} calls ${call} inside its own read-side section of ${name}: the grace period waits for ${this.me} itself`);
        const r = synchronize(entry, t, this.prog.threads.map((x) => x.name));
        if (r === "started") return "started";
        if (r !== "done") {
          const si = this.prog.stmt(this.current);
          this.block({ kind: "grace-period", domain: name, rcu, heldUpBy: r.heldUpBy, statement: si.label, at: si.at });
        }
        this.acquired(name);
        return "done";
      }
    }
  }

  /**
   * call_rcu f(x) / call_srcu d f(x) (rcu-callback.ts): the entry index, then the argument (as C
   * evaluates a call's arguments first); a value outside the parameter's type is out-of-range,
   * as for a call. The callback then waits for the readers inside the entry now; still
   * registered, it is double-free (check off: nothing happens). Never blocks, never sleeps.
   */
  private callRcu(s: Stmt & { kind: "CallRcu" }): void {
    const g = s.group!;
    const { entry, index } = this.srcuEntry(s.domain);
    const arg = s.args[0] ? this.eval(s.args[0]) : undefined;
    if (g.param) this.checkStore(arg!, g.param, `arguments of ${g.proc.name}`);
    const cb = this.prog.callbacks.find(g, index, arg)!;
    if (register(this.s, cb, entry, this.prog.threads.map((x) => x.name))) return;
    if (this.prog.enabled("double-free")) {
      const kernel = g.domain ? "call_srcu(): Leaked duplicate callback" : "__call_rcu(): Double-freed CB";
      this.violation("double-free", `${this.me} calls ${cb.text} while that callback still waits for its grace period (the kernel's ${kernel})`);
    }
  }

  // ------------------------------------------------------------ workqueues

  /** A workqueue statement or condition (workqueue.ts), after evaluating its operand. */
  private workOp(op: WorkOp, target: Expr) {
    const name = op === "flush_workqueue" ? (target as Expr & { kind: "Name" }).name : this.entryOf<WorkSymbol>(target).name;
    const si = this.here();
    const rt: WorkRuntime = {
      table: this.prog.work,
      s: this.s as RState,
      t: this.t,
      me: this.me,
      statement: { label: si.label, at: si.at },
      enabled: (check) => this.prog.enabled(check),
      atomicContext: () => this.atomicContext(),
      inAtomic: () => this.atomicStack.length > 0,
      fail: (kind, message) => this.fail(kind, message),
      violation: (kind, message) => this.violation(kind, message),
      block: (wait) => this.block(wait),
      acquire: (lock) => this.acquired(lock),
      modelError: (code, message) => { throw new ModelError(code, message); },
    };
    return workStatement(rt, op, name);
  }

  // ------------------------------------------------------------ completions

  private completionEntry(target: Expr): { sym: CompletionSymbol; index: number; name: string } {
    return this.entryOf<CompletionSymbol>(target);
  }

  private completionOp(op: CompletionOp, target: Expr): void {
    // the operand first (C evaluates a call's arguments before the call)
    const { sym, index, name } = this.completionEntry(target);
    if (op === "wait_for_completion") {
      // __wait_for_common: might_sleep() before it looks at the count
      const ctx = this.prog.enabled("sleep-in-atomic") ? this.atomicContext() : undefined;
      if (ctx) this.violation("sleep-in-atomic", `${this.me} calls wait_for_completion(${spanText(target.span)}), which may sleep, ${ctx}`);
    }
    const counts = this.s.completions[sym.name]!;
    const next = completionStep(op, counts[index]!);
    const si = this.prog.stmt(this.current);
    if (next === "wait") this.block({ kind: "completion", completion: name, statement: si.label, at: si.at });
    if (next === "overflow") this.fail("out-of-range", `complete ${name} would count more than ${COMPLETION_COUNT_MAX} pending completions (knot's bound)`);
    counts[index] = next;
  }

  /** try_wait_for_completion: take a pending complete() if there is one; never waits, never sleeps. */
  private tryWait(target: Expr): boolean {
    const { sym, index } = this.completionEntry(target);
    const counts = this.s.completions[sym.name]!;
    const done = counts[index]!;
    if (done === 0) return false;
    counts[index] = completionStep("wait_for_completion", done) as CompletionCount;
    return true;
  }

  completion(sym: CompletionSymbol, index: number): boolean {
    return completionDone(this.s.completions[sym.name]![index]!);
  }

  // ------------------------------------------------------------ objects

  private defaultFields(pool: string): Record<string, RValue> {
    const out: Record<string, RValue> = newRecord();
    for (const f of this.prog.pools.get(pool)!.fields) out[f.name] = defaultOf(f.type);
    return out;
  }

  private alloc(e: Expr & { kind: "Alloc" }): string {
    const pool = this.prog.pools.get(e.pool.name)!;
    const fields = this.defaultFields(pool.name);
    // the given fields in the pool's declaration order (as knot evaluates them), each checked when computed
    for (const f of pool.fields) {
      const g = e.fields.find((x) => x.name.name === f.name);
      if (!g) continue;
      const v = this.eval(g.value);
      this.checkStore(v, f.type, `${pool.name}.${f.name}`);
      fields[f.name] = plain(v);
    }
    const objs = this.s.objects[pool.name]!;
    const i = objs.findIndex((o) => o.status === "unallocated");
    if (i < 0) {
      this.violation("pool-exhausted", `object pool ${pool.name} is exhausted: all ${pool.bound} objects have been allocated (objects are never reused); raise the bound in 'object ${pool.name}[${pool.bound}]'`);
    }
    objs[i] = { status: "live", fields } as RObject;
    return `${pool.name}[${i}]`;
  }

  /** The object a reference points to, for a read or a write of a field (null-deref, use-after-free). */
  private objectFor(ref: RValue, refText: string): Draft<RObject> {
    if (ref === null) this.fail("null-deref", `${refText} is null`);
    const { pool, index } = parseRef(ref as string);
    const obj = this.s.objects[pool]![index]!;
    if (obj.status === "freed" && this.prog.enabled("use-after-free")) this.violation("use-after-free", `${refText} points to ${ref as string}, which was freed`);
    return obj;
  }

  // ------------------------------------------------------------ places and values

  /** Store an evaluated value: its range checks first, then the place (which may fault), as knot does. */
  private store(target: Expr, v: RValue): void {
    this.checkStore(v, target.ty!, spanText(target.span));
    const place = this.place(target);
    place.container[place.key] = plain(v);
  }

  private place(e: Expr): { container: Record<string, RValue>; key: string } {
    switch (e.kind) {
      case "Name":
        if (e.sym?.kind === "var") return { container: this.s.globals as Record<string, RValue>, key: e.name };
        return { container: this.frame.locals as Record<string, RValue>, key: e.name };
      case "Index": {
        const p = this.place(e.target);
        const m = p.container[p.key] as RRecord;
        const k = this.eval(e.index);
        const kt = (e.target.ty as Type & { kind: "map" }).key;
        if (scalarIndex(kt, k) < 0) this.fail("out-of-range", `index of ${spanText(e.target.span)}: ${String(k)} is outside ${typeToString(kt)}`);
        return { container: m, key: keyName(k) };
      }
      case "Field": {
        if (e.target.ty?.kind === "ref") {
          const obj = this.objectFor(this.eval(e.target), spanText(e.target.span));
          return { container: obj.fields as Record<string, RValue>, key: e.field.name };
        }
        const p = this.place(e.target);
        return { container: p.container[p.key] as RRecord, key: e.field.name };
      }
      default:
        throw new Error(`not assignable: ${e.kind}`);
    }
  }

  private checkStore(v: RValue, t: Type, what: string): void {
    switch (t.kind) {
      case "int":
        if (typeof v !== "number" || v < t.lo || v > t.hi) this.fail("out-of-range", `${what} would become ${String(v)}, outside its type ${t.lo}..${t.hi}`);
        return;
      case "record":
        for (const f of t.fields) this.checkStore((v as RRecord)[f.name]!, f.type, `${what}.${f.name}`);
        return;
      case "map":
        for (const k of Object.keys(v as RRecord)) this.checkStore((v as RRecord)[k]!, t.value, `${what}[${k}]`);
        return;
      default:
        return;
    }
  }

  private eval(e: Expr): RValue {
    return evaluate(e, this, new Map(), this.prog);
  }

  // EvalEnv
  constValue(sym: ConstSymbol): RValue {
    return this.prog.constValue(sym);
  }
  local(sym: LocalSymbol): RValue {
    const v = this.frame.locals[sym.name];
    if (v === undefined) throw new Error(`local ${sym.name} read outside its scope`);
    return v;
  }
  global(name: string): RValue {
    return this.s.globals[name]!;
  }
  refcount(sym: RefcountSymbol, index: number): number {
    return this.s.refcounts[sym.name]![index]!;
  }
  held(sym: LockSymbol, index: number): boolean {
    return holds(this.s.locks[sym.name]![index]!, this.me);
  }
  locked(sym: LockSymbol, index: number): boolean {
    return isLocked(this.s.locks[sym.name]![index]!);
  }
  field(ref: RValue, _pool: ObjectSymbol, field: string, refText: string): RValue {
    return this.objectFor(ref, refText).fields[field]!;
  }
  objectSlot(ref: RValue, refText: string): number {
    this.objectFor(ref, refText);
    return parseRef(ref as string).index;
  }
  fault(kind: string, message: string): never {
    return this.fail(kind, message);
  }

  // ------------------------------------------------------------ outcomes

  /** A check that stops the statement: a violation, or with the check off a statement that cannot run. */
  private fail(kind: string, message: string): never {
    if (this.prog.enabled(kind)) this.violation(kind, message);
    const si = this.here();
    throw new Blocked({ kind: "condition", reason: "fault", check: kind, text: message, statement: si.label, at: si.at });
  }

  private violation(kind: string, message: string): never {
    const si = this.here();
    throw new StepViolation({ kind, message, statement: si.label, at: si.at });
  }

  private block(wait: Wait): never {
    if (this.phase === "atomic" && this.touched) {
      this.violation("atomic-blocked", `${this.here().label} would block inside an atomic block (only its first statement may block)`);
    }
    throw new Blocked(wait);
  }
}

export function holds(e: LockEntry, thread: string): boolean {
  return isRwsem(e) ? e.writer === thread || e.readers.includes(thread) : e === thread;
}

export function isLocked(e: LockEntry): boolean {
  return isRwsem(e) ? e.writer !== null || e.readers.length > 0 : e !== null;
}

/** Names of the lock entries `thread` holds, in declaration order (only spinlocks, mutexes or rwsems with `only`). */
export function locksHeldBy(prog: Program, s: RState, thread: string, only?: string): string[] {
  const out: string[] = [];
  for (const l of prog.model.locks) {
    if (only && l.lockKind !== only) continue;
    s.locks[l.name]!.forEach((e, i) => {
      if (holds(e, thread)) out.push(entryName(l, i));
    });
  }
  return out;
}

/** The SRCU/RCU domain entries thread `t` is inside a read-side section of, by name, in declaration order (rcu last). */
export function readSectionsOf(prog: Program, s: RState, t: number): string[] {
  const out: string[] = [];
  for (const d of prog.model.srcus) {
    s.srcu[d.name]!.forEach((e, i) => {
      if (e.depth[t]! > 0) out.push(entryName(d, i));
    });
  }
  if (s.srcu[RCU_DOMAIN]?.[0]?.depth[t]) out.push(RCU_DOMAIN);
  return out;
}

export function fmt(l: Location): string {
  return `${l.file}:${l.line}:${l.col}`;
}

// ------------------------------------------------------------ enumeration

export interface StepOutcome {
  thread: number;
  /** Where the thread rested before the step. */
  start: number;
  /** The step's action (statement id), if it executed one. */
  action?: number;
  /** A worker's or callback thread's start or end (no statement): its label and place; `start` is -1. */
  place?: { label: string; at: Location };
  choices: string[];
  result:
    | { kind: "enabled"; next: RState; patches: Patch[]; inversePatches: Patch[]; acquisitions: Acquisition[] }
    | { kind: "violation"; failure: Failure }
    | { kind: "blocked"; wait: Wait };
}

/** Every way thread `t` can take a step from `state` (enabled, violating or blocked), in knot's order. */
export function threadSteps(prog: Program, state: RState, t: number): StepOutcome[] {
  const thread = state.threads[t]!;
  if (thread.frames.length === 0) {
    const move = ownMove(prog, state, t);
    return move ? runSteps(prog, state, t, -1, move.run, { label: move.label, at: move.at }) : [];
  }
  return runSteps(prog, state, t, thread.frames[thread.frames.length - 1]!.at, (r) => r.step());
}

/** A worker's or callback thread's own step, taken with no frames: its start or end, label and place. */
interface OwnMove {
  kind: "start" | "end";
  label: string;
  at: Location;
  run: (r: Runner) => void;
}

function ownMove(prog: Program, s: RState, t: number): OwnMove | undefined {
  const info = prog.threads[t]!;
  if (info.worker) {
    const m = workerMove(prog.work, s, t);
    return m && { kind: m.kind, label: m.label, at: m.item.at, run: (r) => r.workerStep(m) };
  }
  if (info.callback) {
    const m = callbackMove(prog.callbacks, s, t);
    return m && { kind: m.kind, label: m.label, at: m.cb.at, run: (r) => r.callbackStep(m) };
  }
  return undefined;
}

function runSteps(prog: Program, state: RState, t: number, start: number, run: (r: Runner) => void, place?: StepOutcome["place"]): StepOutcome[] {
  const out: StepOutcome[] = [];
  let prefix: number[] | undefined = [];
  while (prefix) {
    const oracle = new PathOracle(prefix);
    let runner: Runner | undefined;
    let result: StepOutcome["result"];
    try {
      const [next, patches, inversePatches] = produceWithPatches(state, (draft) => {
        runner = new Runner(prog, draft, t, oracle);
        run(runner);
      });
      result = { kind: "enabled", next, patches, inversePatches, acquisitions: runner!.acquisitions };
    } catch (err) {
      if (err instanceof Blocked) result = { kind: "blocked", wait: err.wait };
      else if (err instanceof StepViolation) result = { kind: "violation", failure: err.failure };
      else throw err;
    }
    const at = place ?? runner?.endPlace;
    out.push({ thread: t, start, action: runner?.action, ...(at ? { place: at } : {}), choices: runner ? [...runner.choices] : [], result });
    prefix = oracle.next();
  }
  return out;
}

export type StartupResult =
  | { kind: "ok"; state: RState }
  | { kind: "violation"; thread: number; failure: Failure }
  | { kind: "cannot-start"; thread: number; wait: Wait };

/** The shared state before start-up: initial values, free locks, initial counts, initial objects. */
export function sharedInitial(prog: Program): RState {
  const m = prog.model;
  const globals: Record<string, RValue> = newRecord();
  const objects: Record<string, RObject[]> = newRecord();
  for (const pool of m.objects) {
    const fields: Record<string, RValue> = newRecord();
    for (const f of pool.fields) fields[f.name] = defaultOf(f.type);
    objects[pool.name] = Array.from({ length: pool.bound }, () => ({ status: "unallocated", fields: { ...fields } }));
  }
  for (const v of m.vars) {
    if (v.initObject) {
      const pool = v.initObject.pool;
      const objs = objects[pool.name]!;
      const i = objs.findIndex((o) => o.status === "unallocated");
      if (i < 0) throw new ModelError("K6004", `the initial objects need more objects than pool ${pool.name} has (${pool.bound})`);
      const fields: Record<string, RValue> = newRecord();
      pool.fields.forEach((f, k) => { fields[f.name] = fromEncoded(f.type, v.initObject!.fields[k]!, prog.procNames); });
      objs[i] = { status: "live", fields };
      globals[v.name] = `${pool.name}[${i}]`;
    } else {
      globals[v.name] = fromEncoded(v.type, v.init, prog.procNames);
    }
  }
  const locks: Record<string, LockEntry[]> = newRecord();
  for (const l of m.locks) {
    const n = l.index ? scalarCount(l.index) : 1;
    locks[l.name] = Array.from({ length: n }, () => (l.lockKind === "rwsem" ? { writer: null, readers: [], waiting: [] } : null));
  }
  const refcounts: Record<string, number[]> = newRecord();
  for (const r of m.refcounts) refcounts[r.name] = Array.from({ length: r.index ? scalarCount(r.index) : 1 }, () => r.init);
  const completions: Record<string, CompletionCount[]> = newRecord();
  for (const c of m.completions) completions[c.name] = Array.from({ length: c.index ? scalarCount(c.index) : 1 }, (): CompletionCount => 0);
  const srcu: Record<string, SrcuEntry[]> = newRecord();
  for (const d of m.srcus) srcu[d.name] = Array.from({ length: d.index ? scalarCount(d.index) : 1 }, () => newSrcuEntry(prog.threads.length));
  if (m.usesRcu) srcu[RCU_DOMAIN] = [newSrcuEntry(prog.threads.length)];
  const { workqueues, works } = initialWorkState(m, prog.work, prog.threads.length);
  const callbacks = initialCallbacks(prog.callbacks);
  const threads: RThread[] = prog.threads.map((t) => ({ name: t.name, frames: [] }));
  return { globals, locks, refcounts, completions, srcu, workqueues, works, callbacks, objects, threads };
}

/** Start-up: every thread's local work before its first resting point, in thread order. */
export function startup(prog: Program): StartupResult {
  const base = sharedInitial(prog);
  let t = 0;
  try {
    const state = produce(base, (draft) => {
      for (t = 0; t < prog.threads.length; t++) new Runner(prog, draft, t, new PathOracle([])).startup();
    });
    return { kind: "ok", state };
  } catch (err) {
    if (err instanceof StepViolation) return { kind: "violation", thread: t, failure: err.failure };
    if (err instanceof Blocked) return { kind: "cannot-start", thread: t, wait: err.wait };
    throw err;
  }
}
