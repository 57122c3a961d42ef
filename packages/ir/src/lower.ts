// Lowering: CheckedModel -> IR Model.
//
// 1. Layout: globals first (variables, locks, refcounts), then per thread its
//    program counter and its locals. Compound values are flattened to slots.
// 2. Each process body becomes a graph of nodes, with every call inlined (so a
//    program counter value names the whole call chain, and every inlined frame
//    has its own local slots, zeroed when the frame returns). `for` loops are
//    unrolled over their element type; `while` loops stay loops.
// 3. Locations (where a thread can rest between steps) are the nodes that touch
//    shared state or can block (actions), nondeterministic choices, atomic
//    blocks, a breaker on every loop of purely local nodes, and the end.
// 4. Steps are the paths between locations: from a choice, through local work,
//    to the first action; the action; then the deterministic local work after
//    it, up to the next location. Local work is thus done eagerly, right after
//    the action that precedes it, which keeps states canonical (no state ever
//    rests on a purely local statement). Nondeterministic choices are resolved
//    lazily, in the step that executes their first action, so a branch that
//    would block is simply not taken.
// The state's size, the nesting of inlined calls and the work in the steps are
// bounded as they are built (lower-limits.ts), before they can exhaust memory or stack.
import {
  type CheckedModel, type Diagnostic, type Expr as LExpr, type TrylockUse, trylockUse, type LocalSymbol, type Block, type Stmt, type Span,
  type Type, type Value, type BoundSymbol, type ProcSymbol, type ProcessSymbol, type Symbol, type ObjectSymbol, type WorkqueueSymbol, type WorkSymbol,
  error, objectFieldEntity, cardinality, firstValue, nthValue, toLocation, spanText, typeToString, formatScalar, fullMask, stmtExprs, workerThreadName, workFreedMessage, callbackCallText, COMPLETION_ALL, COMPLETION_DONE_FUNCTION, RCU_DOMAIN,
} from "@knot/lang";
import { IrCodes } from "./diagnostics.js";
import { InlineDepth, StateBudget, StepSize } from "./lower-limits.js";
import { type SyncLoweringContext, completionAddr, completionOp, srcuOps } from "./lower-sync.js";
import { type CallbackThread, callRcuOp, callbackSlotCount, callbackTexts, callbackThreadCount, callbackThreads } from "./lower-rcu-callback.js";
import { type WorkLoweringContext, addWorkqueueVars, workCall, workCallOps, workInstanceValue, workInstances, workItemName, workOps, workqueueTable } from "./lower-workqueue.js";
import { foldChain, selectEntry } from "./balanced.js";
import { OBJECT_LIVE, RWSEM_ENTRY_WIDTH, srcuEntryWidth } from "./model.js";
import type {
  Addr, BinOp, Expr, Frame, Layout, Location, LocationKind, LockKind, Model, Op, Pool, Process, Property, SrcLoc,
  ShownLocal, StateVar, Step, Thread, ValueType, SymmetryInfo,
} from "./model.js";

export interface LowerResult {
  model?: Model;
  diagnostics: Diagnostic[];
}

/** Paths from one location above this mean a model with too many local branches in a row. */
const MAX_PATHS_PER_LOCATION = 20000;
const MAX_NODES_PER_PROCESS = 500000;
/** An rwsem's reader set and its waiting writers are each one Int32 slot with a bit per thread. */
const MAX_THREADS_WITH_RWSEM = 32;
/** A registered callback's slot holds its readers and a mark bit above every thread's (model.ts, callbackMark). */
const MAX_THREADS_WITH_CALLBACKS = 30;

class LowerError {
  constructor(readonly diagnostic: Diagnostic) {}
}

// ---------------------------------------------------------------- IR construction helpers

const K = (v: number): Expr => ({ k: "const", v });
const isConst = (e: Expr): e is { k: "const"; v: number } => e.k === "const";

function bin(op: BinOp, a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) {
    const x = a.v;
    const y = b.v;
    switch (op) {
      case "+": return K(x + y);
      case "-": return K(x - y);
      case "*": return K(x * y);
      case "==": return K(x === y ? 1 : 0);
      case "!=": return K(x !== y ? 1 : 0);
      case "<": return K(x < y ? 1 : 0);
      case "<=": return K(x <= y ? 1 : 0);
      case ">": return K(x > y ? 1 : 0);
      case ">=": return K(x >= y ? 1 : 0);
      case "and": return K(x && y ? 1 : 0);
      case "or": return K(x || y ? 1 : 0);
      case "|": return K(x | y);
      case "&": return K(x & y);
      case "&~": return K(x & ~y);
      // C's truncating division and remainder; by zero they keep their run-time check
      case "/": if (y !== 0) return K(Math.trunc(x / y) || 0); break;
      case "%": if (y !== 0) return K(x % y || 0); break;
      default: break;
    }
  }
  if ((op === "|" || op === "+") && isConst(a) && a.v === 0) return b;
  if ((op === "|" || op === "+" || op === "&~" || op === "-") && isConst(b) && b.v === 0) return a;
  if (op === "and") {
    if (isConst(a)) return a.v ? b : K(0);
    if (isConst(b) && b.v) return a;
  }
  if (op === "or") {
    if (isConst(a)) return a.v ? K(1) : b;
    if (isConst(b) && !b.v) return a;
  }
  return { k: "bin", op, a, b };
}

function not(a: Expr): Expr {
  if (isConst(a)) return K(a.v ? 0 : 1);
  if (a.k === "un" && a.op === "not") return a.a;
  return { k: "un", op: "not", a };
}

function ite(c: Expr, a: Expr, b: Expr): Expr {
  if (isConst(c)) return c.v ? a : b;
  // Equal branches still evaluate the condition: it may read shared state (which makes its
  // statement an action) or fault (an index out of range, a division by zero).
  return { k: "ite", c, a, b };
}

function addrAt(base: Addr, delta: number): Addr {
  return { space: base.space, offset: base.offset + delta, terms: base.terms };
}

function flattenValue(v: Value, out: number[] = []): number[] {
  if (typeof v === "number") out.push(v);
  else for (const x of v) flattenValue(x, out);
  return out;
}

export function widthOf(t: Type): number {
  switch (t.kind) {
    case "map": return cardinality(t.key) * widthOf(t.value);
    case "record": return t.fields.reduce((n, f) => n + widthOf(f.type), 0);
    case "ops": return t.fields.length;
    default: return 1;
  }
}

export function toValueType(t: Type): ValueType {
  switch (t.kind) {
    case "bool": return { kind: "bool" };
    case "int": return t.sym ? { kind: "int", lo: t.lo, hi: t.hi, sym: t.sym } : { kind: "int", lo: t.lo, hi: t.hi };
    case "enum": return { kind: "enum", name: t.name, members: t.members };
    case "set": return { kind: "set", elem: toValueType(t.elem) };
    case "map": return { kind: "map", key: toValueType(t.key), value: toValueType(t.value) };
    case "record": return { kind: "record", fields: t.fields.map((f) => ({ name: f.name, type: toValueType(f.type) })) };
    case "ops": return { kind: "ops", name: t.name, fields: t.fields.map((f) => f.name) };
    case "proc": case "none": return { kind: "proc" };
    case "ref": return t.bound === undefined ? { kind: "ref", pool: t.pool } : { kind: "ref", pool: t.pool, bound: t.bound };
    default: return { kind: "int", lo: -2147483648, hi: 2147483647 };
  }
}

/** Per-slot range checks for a stored value of type t. */
function rangesOf(t: Type, out: ({ lo: number; hi: number } | null)[] = []): ({ lo: number; hi: number } | null)[] {
  switch (t.kind) {
    case "int": out.push({ lo: t.lo, hi: t.hi }); break;
    case "map": {
      const n = cardinality(t.key);
      for (let i = 0; i < n; i++) rangesOf(t.value, out);
      break;
    }
    case "record": for (const f of t.fields) rangesOf(f.type, out); break;
    case "ops": for (let i = 0; i < t.fields.length; i++) out.push(null); break;
    default: out.push(null);
  }
  return out;
}

function srcLoc(span: Span): SrcLoc {
  return toLocation(span);
}

function formatSrc(at: SrcLoc): string {
  return `${at.file}:${at.line}:${at.col}`;
}

/** The statement's text for traces: a compound statement's header (without its body), on one line. */
function stmtLabel(s: Stmt): string {
  let end = s.span.end;
  switch (s.kind) {
    case "If": case "While": case "For": case "Pick": case "Atomic":
      end = (s.kind === "If" ? s.then : s.body).span.start;
      break;
    case "Either":
      // not its first branch's label: the step may take another branch
      return "either";
    default:
      break;
  }
  return spanText({ file: s.span.file, start: s.span.start, end }).replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------- the node graph

interface Alt {
  ops: Op[];
  next: Node;
  /** For choices: which branch or value this alternative is. */
  choice?: string;
}

interface Node {
  id: number;
  kind: "stmt" | "branch" | "choice" | "atomic" | "end";
  alts: Alt[];
  at: SrcLoc;
  label: string;
  frames: Frame[];
  /** The atomic block this node belongs to (inside it), if any. */
  region?: number;
  /** For "atomic" nodes: the region of its body. */
  body?: number;
  /** Touches shared state or may block: an action. */
  shared: boolean;
  /** Set for loop breakers and locations. */
  location?: LocationKind;
}

interface FrameEnv {
  locals: Map<Symbol, number>;
  /** Locals whose value is known while lowering (a `for` variable in one unrolled iteration, a parameter given a constant and never assigned). */
  consts: Map<Symbol, Expr[]>;
  /** Every slot allocated in this frame, zeroed when the frame returns. */
  slots: { offset: number; width: number }[];
  /** Where `return e` stores e (in the caller's frame), if the call assigns the result. */
  retTarget?: { addrs: Addr[]; ranges: ({ lo: number; hi: number } | null)[]; what: string };
  retType?: Type;
  exit: Node;
  frames: Frame[];
  /** Path of procedure names, for naming locals. */
  path: string[];
  /** The procedures being inlined, to reject recursion. */
  active: Set<ProcSymbol>;
}

interface LocalSlotInfo {
  frameId: number;
  name: string;
  offset: number;
  width: number;
  type: ValueType;
  frame: string[];
  hidden: boolean;
}

export function lowerModel(model: CheckedModel): LowerResult {
  const diagnostics: Diagnostic[] = [];
  try {
    const lowerer = new Lowerer(model, diagnostics);
    const ir = lowerer.run();
    return { model: diagnostics.some((d) => d.severity === "error") ? undefined : ir, diagnostics };
  } catch (e) {
    if (e instanceof LowerError) {
      diagnostics.push(e.diagnostic);
      return { diagnostics };
    }
    throw e;
  }
}

class Lowerer {
  private readonly globalVars: StateVar[] = [];
  private globalWidth = 0;
  private readonly globalOffset = new Map<Symbol, number>();
  private readonly steps: Step[] = [];
  private readonly procNames: string[];
  private boundCounter = 0;
  private readonly pools: Pool[] = [];
  /** What keeps a symmetric type's values from being interchangeable (Model.symmetry). */
  private readonly symmetryBreakers: SymmetryInfo["breakers"] = [];
  private readonly poolIndex = new Map<ObjectSymbol, number>();
  private frameCounter = 0;
  private locationIds = new Map<Node, number>();
  // per-process state
  private nodes: Node[] = [];
  private localSlots: LocalSlotInfo[] = [];
  private localWidth = 0;
  private region: number | undefined;
  /** The RCU domain's slots, when the model uses RCU. */
  private rcuOffset: number | undefined;
  private regionCounter = 0;
  private boundExprs = new Map<Symbol, Expr>();
  /** The process being lowered (its name for messages; its body's end, where a thread exits; workers have none). */
  private currentProcess: { name: string; body?: Block } | undefined;
  private readonly stateBudget = new StateBudget();
  private readonly inlineDepth = new InlineDepth();
  private readonly stepSize = new StepSize();

  constructor(private readonly m: CheckedModel, private readonly diags: Diagnostic[]) {
    this.procNames = m.procs.map((p) => p.name);
  }

  run(): Model {
    const m = this.m;
    const initial: number[] = [];
    // the state's size, before anything of that size is allocated
    for (const v of m.vars) this.stateBudget.add(`variable '${v.name}'`, widthOf(v.type), v.span);
    for (const l of m.locks) this.stateBudget.add(`lock '${l.name}'`, (l.index ? cardinality(l.index) : 1) * (l.lockKind === "rwsem" ? RWSEM_ENTRY_WIDTH : 1), l.span);
    for (const r of m.refcounts) this.stateBudget.add(`refcount '${r.name}'`, r.index ? cardinality(r.index) : 1, r.span);
    const nThreads = this.threadCount;
    const srcuWidth = srcuEntryWidth(nThreads, callbackSlotCount(m, undefined));
    for (const d of m.srcus) this.stateBudget.add(`SRCU domain '${d.name}'`, (d.index ? cardinality(d.index) : 1) * srcuEntryWidth(nThreads, callbackSlotCount(m, d)), d.span);
    for (const c of m.completions) this.stateBudget.add(`completion '${c.name}'`, c.index ? cardinality(c.index) : 1, c.span);
    for (const o of m.objects) this.stateBudget.add(`object pool '${o.name}'`, (1 + widthOf({ kind: "record", fields: o.fields })) * o.bound, o.span);
    const tooLarge = this.stateBudget.checkGlobals();
    if (tooLarge) throw new LowerError(tooLarge);
    const addGlobal = (sv: Omit<StateVar, "offset">, init: number[]) => {
      const v: StateVar = { ...sv, offset: this.globalWidth };
      this.globalVars.push(v);
      this.globalWidth += v.width;
      for (const x of init) initial.push(x);
      return v.offset;
    };
    for (const v of m.vars) {
      const w = widthOf(v.type);
      this.globalOffset.set(v, addGlobal({ name: v.name, kind: "var", width: w, type: toValueType(v.type) }, flattenValue(v.init)));
    }
    for (const l of m.locks) {
      const entries = l.index ? cardinality(l.index) : 1;
      const entryWidth = l.lockKind === "rwsem" ? RWSEM_ENTRY_WIDTH : 1;
      this.globalOffset.set(l, addGlobal({
        name: l.name, kind: "lock", width: entries * entryWidth, lockKind: l.lockKind, entryWidth,
        index: l.index ? toValueType(l.index) : undefined, ...(l.field ? { field: { pool: l.field.pool.name, field: l.field.field } } : {}),
      }, new Array(entries * entryWidth).fill(0)));
    }
    for (const r of m.refcounts) {
      const entries = r.index ? cardinality(r.index) : 1;
      this.globalOffset.set(r, addGlobal({
        name: r.name, kind: "refcount", width: entries, entryWidth: 1, type: toValueType(r.type),
        index: r.index ? toValueType(r.index) : undefined, ...(r.field ? { field: { pool: r.field.pool.name, field: r.field.field } } : {}),
      }, new Array(entries).fill(r.init)));
    }
    for (const c of m.completions) {
      const entries = c.index ? cardinality(c.index) : 1;
      this.globalOffset.set(c, addGlobal({
        name: c.name, kind: "completion", width: entries, entryWidth: 1, type: { kind: "int", lo: 0, hi: COMPLETION_ALL },
        index: c.index ? toValueType(c.index) : undefined, ...(c.field ? { field: { pool: c.field.pool.name, field: c.field.field } } : {}),
      }, new Array(entries).fill(0)));
    }
    for (const d of m.srcus) {
      const entries = d.index ? cardinality(d.index) : 1;
      const ew = srcuEntryWidth(nThreads, callbackSlotCount(m, d));
      const callbacks = callbackTexts(m, d);
      this.globalOffset.set(d, addGlobal({
        name: d.name, kind: "srcu", width: entries * ew, entryWidth: ew, index: d.index ? toValueType(d.index) : undefined,
        ...(d.field ? { field: { pool: d.field.pool.name, field: d.field.field } } : {}),
        ...(callbacks.length ? { callbacks } : {}),
      }, new Array(entries * ew).fill(0)));
    }
    addWorkqueueVars(m, nThreads, addGlobal, this.globalOffset);
    if (m.usesRcu) {
      const callbacks = callbackTexts(m, undefined);
      this.rcuOffset = addGlobal({ name: RCU_DOMAIN, kind: "srcu", width: srcuWidth, entryWidth: srcuWidth, rcu: true, ...(callbacks.length ? { callbacks } : {}) }, new Array(srcuWidth).fill(0));
    }
    for (const o of m.objects) {
      const fieldsType: Type & { kind: "record" } = { kind: "record", fields: o.fields };
      const stride = 1 + widthOf(fieldsType);
      const vt = toValueType(fieldsType) as ValueType & { kind: "record" };
      const locks = o.syncFields.flatMap((f) => f.kind === "lock"
        ? [{ field: f.field!.field, offset: this.globalOffset.get(f)!, entryWidth: f.lockKind === "rwsem" ? RWSEM_ENTRY_WIDTH : 1, lockKind: f.lockKind }]
        : []);
      const pool: Pool = { name: o.name, offset: this.globalWidth, stride, bound: o.bound, type: vt, defaults: flattenValue(defaultValueOf(fieldsType)), locks, leakFrom: 0, at: srcLoc(o.span) };
      this.pools.push(pool);
      this.poolIndex.set(o, this.pools.length - 1);
      addGlobal({ name: o.name, kind: "object", width: stride * o.bound, type: vt, pool }, new Array(stride * o.bound).fill(0));
    }
    // objects that exist in the initial state (`var x: pool = alloc pool {...}`), in declaration order
    const used = new Map<Pool, number>();
    for (const v of m.vars) {
      if (!v.initObject) continue;
      const pool = this.pools[this.poolIndex.get(v.initObject.pool)!]!;
      const i = used.get(pool) ?? 0;
      if (i >= pool.bound) {
        this.diags.push(error(IrCodes.TooLarge, `the initial objects need more than the ${pool.bound} objects of pool '${pool.name}'; raise its bound`, v.decl.span));
        continue;
      }
      used.set(pool, i + 1);
      const base = pool.offset + i * pool.stride;
      initial[base] = OBJECT_LIVE;
      flattenValue(v.initObject.fields).forEach((x, k) => (initial[base + 1 + k] = x));
      initial[this.globalOffset.get(v)!] = i + 1;
    }
    // a pool no free statement takes: its initial objects outlive the model (no leak)
    for (const o of m.objects) {
      const pool = this.pools[this.poolIndex.get(o)!]!;
      if (!o.freedByModel) pool.leakFrom = used.get(pool) ?? 0;
    }

    const processes: Process[] = [];
    const processLocals: LocalSlotInfo[][] = [];
    for (const p of m.processes) {
      processes.push(this.lowerProcess(p, processes.length));
      processLocals.push(this.localSlots);
    }
    const workerProcesses: { process: number; workers: number }[] = [];
    m.workqueues.forEach((q, wi) => {
      if (q.workers === 0) return;
      workerProcesses.push({ process: processes.length, workers: q.workers });
      processes.push(this.lowerWorkers(q, wi, processes.length));
      processLocals.push(this.localSlots);
    });
    const callbackProcesses: number[] = [];
    for (const cb of callbackThreads(m, (i) => this.procNames[i]!)) {
      callbackProcesses.push(processes.length);
      processes.push(this.lowerCallbackThread(cb, processes.length));
      processLocals.push(this.localSlots);
    }

    // threads: pc and locals after the globals
    const threads: Thread[] = [];
    const vars = [...this.globalVars];
    let width = this.globalWidth;
    const addThread = (name: string, pi: number, instance: number) => {
      const id = threads.length;
      const pcSlot = width;
      vars.push({ name: `pc[${name}]`, kind: "pc", offset: pcSlot, width: 1, thread: id });
      width++;
      const localBase = width;
      const used = new Map<string, number>();
      for (const l of processLocals[pi]!) {
        const short = l.frame.length ? `${l.frame[l.frame.length - 1]}.${l.name}` : l.name;
        const n = (used.get(short) ?? 0) + 1;
        used.set(short, n);
        vars.push({
          name: `${name}.${short}${n > 1 ? `#${n}` : ""}`, kind: "local", offset: localBase + l.offset, width: l.width,
          type: l.type, thread: id, frame: l.frame, hidden: l.hidden || undefined, frameId: l.frameId,
        });
      }
      width += processes[pi]!.localWidth;
      threads.push({ id, name, process: pi, instance, pcSlot, localBase });
    };
    m.processes.forEach((p, pi) => {
      for (const inst of p.instances) addThread(p.instance ? `${p.name}[${formatScalar(p.instance.type, inst, (i) => this.procNames[i]!)}]` : p.name, pi, inst);
    });
    // the workers, after the processes' threads: instance k is worker k (lang/workqueue.ts)
    for (const { process: pi, workers } of workerProcesses) {
      for (let k = 0; k < workers; k++) addThread(`${processes[pi]!.name}[${k}]`, pi, k);
    }
    // the callback threads, after the workers: one thread, one callback (lang/rcu-callback.ts)
    for (const pi of callbackProcesses) addThread(processes[pi]!.name, pi, 0);
    if (callbackProcesses.length && threads.length > MAX_THREADS_WITH_CALLBACKS) {
      const g = m.rcuCallbacks[0]!;
      this.diags.push(error(IrCodes.TooManyThreads, `the model has ${threads.length} threads (${callbackProcesses.length} of them run call_rcu/call_srcu callbacks), but a waiting callback is tracked as a mask of readers for at most ${MAX_THREADS_WITH_CALLBACKS} threads; narrow the callbacks' parameter types or reduce the number of process instances`, g.span));
    }
    // An rwsem's readers are a bit mask in one 32-bit slot, one bit per thread.
    const rwsem = m.locks.find((l) => l.lockKind === "rwsem");
    if (rwsem && threads.length > MAX_THREADS_WITH_RWSEM) {
      this.diags.push(error(IrCodes.TooManyThreads, `the model has ${threads.length} threads, but rwsem readers are tracked for at most ${MAX_THREADS_WITH_RWSEM} threads (rwsem '${rwsem.name}'); reduce the number of process instances`, rwsem.span));
    }
    // so are the readers a grace period waits for
    if ((m.srcus.length || m.usesRcu) && threads.length > MAX_THREADS_WITH_RWSEM) {
      const at = m.srcus[0]?.span ?? m.processes[0]!.span;
      this.diags.push(error(IrCodes.TooManyThreads, `the model has ${threads.length} threads, but the readers a grace period waits for are tracked for at most ${MAX_THREADS_WITH_RWSEM} threads (${m.srcus[0] ? `SRCU domain '${m.srcus[0].name}'` : "RCU"}); reduce the number of process instances`, at));
    }
    const slotOwner: number[] = new Array(width);
    vars.forEach((v, i) => {
      for (let s = 0; s < v.width; s++) slotOwner[v.offset + s] = i;
    });
    const layout: Layout = { width, vars, slotOwner };

    const properties: Property[] = [...m.invariants, ...m.finals].map((p) => {
      this.boundExprs = new Map();
      const env = this.emptyEnv();
      return {
        name: p.name, kind: p.kind, cond: this.scalar(p.decl.cond, env),
        at: srcLoc(p.decl.cond.span), text: spanText(p.decl.cond.span).replace(/\s+/g, " "),
      } as Property;
    });

    return {
      file: m.root.path,
      constants: m.consts.map((c) => ({ name: c.name, value: this.formatConst(c.type, c.value), overridden: c.overridden !== undefined })),
      layout,
      initial,
      threads,
      processes,
      steps: this.steps,
      properties,
      procNames: this.procNames,
      pools: this.pools,
      workqueues: workqueueTable(m, this.globalOffset, nThreads, this.processThreads, srcLoc),
      ...this.symmetryInfo(m),
    };
  }

  private symmetryInfo(m: CheckedModel): { symmetry?: SymmetryInfo } {
    const types = m.types.flatMap((t) => (t.type.kind === "int" && t.type.sym === t.name ? [{ name: t.name, lo: t.type.lo, count: t.type.hi - t.type.lo + 1, at: srcLoc(t.span) }] : []));
    // a callback taking a value of the type, or on a domain indexed by it, has a thread per value: not permuted (yet)
    for (const g of m.rcuCallbacks) {
      const sym = (t: Type | undefined) => (t?.kind === "int" ? t.sym : undefined);
      const type = sym(g.param) ?? sym(g.domain?.index);
      if (type) this.symmetryBreakers.push({ type, message: `the callback ${g.proc.name} ${sym(g.param) ? "takes" : "is queued on a domain indexed by"} a value of ${type}, and its callback threads (one per value) are not permuted`, at: srcLoc(g.span) });
    }
    return types.length ? { symmetry: { types, breakers: this.symmetryBreakers } } : {};
  }

  private formatConst(t: Type, v: Value): string {
    return formatValueLang(t, v, this.procNames);
  }

  private emptyEnv(): FrameEnv {
    const end: Node = { id: -1, kind: "end", alts: [], at: { file: "", line: 0, col: 0 }, label: "end", frames: [], shared: false };
    return { locals: new Map(), consts: new Map(), slots: [], exit: end, frames: [], path: [], active: new Set() };
  }

  // ------------------------------------------------------------ processes

  /** A fresh lowering of one process (of `threads` threads) into nodes, within the state budget. */
  private beginProcess(name: string, threads: number, span: Span, body?: Block): void {
    this.nodes = [];
    this.localSlots = [];
    this.localWidth = 0;
    this.region = undefined;
    this.boundExprs = new Map();
    this.currentProcess = body ? { name, body } : { name };
    const tooLarge = this.stateBudget.startProcess(name, threads, span);
    if (tooLarge) throw new LowerError(tooLarge);
  }

  private lowerProcess(p: ProcessSymbol, index: number): Process {
    this.beginProcess(p.name, p.instances.length, p.span, p.decl.body);
    const at = srcLoc(p.span);
    const end = this.makeNode("end", [], at, `end of ${p.name}`, []);
    // a `return` finishes the thread: like the end of a procedure, it resets the whole frame
    // (the locals of the blocks it leaves, running `for` snapshots), so that dead values do not split states
    const ret = this.makeNode("stmt", [], at, `return from ${p.name}`, []);
    const env: FrameEnv = { locals: new Map(), consts: new Map(), slots: [], exit: ret, frames: [], path: [], active: new Set() };
    const entry = this.block(p.decl.body, env, end);
    ret.alts = [{ ops: this.resetSlots(env.slots), next: end }];
    return this.finishProcess({
      name: p.name, localWidth: 0, locations: [], init: [], end: 0,
      instance: p.instance ? { name: p.instance.name, type: toValueType(p.instance.type) } : undefined,
      at,
    }, entry, end, index);
  }

  /**
   * The worker threads of a workqueue (language.md, "workqueues"): from the idle location, a
   * step per work item that starts it and runs its function's local work, as a call of it; the
   * function's return leads to a location of its own whose step ends the work and goes idle.
   */
  private lowerWorkers(q: WorkqueueSymbol, wq: number, index: number): Process {
    const name = workerThreadName(q.name);
    this.beginProcess(name, q.workers, q.span);
    const at = srcLoc(q.span);
    const end = this.makeNode("end", [], at, `end of ${name}`, []);
    const idle = this.makeNode("stmt", [], at, "start a work", []);
    idle.shared = true;
    let pos = 0;
    for (const w of q.works) {
      const proc = w.proc!;
      const d = w.decl;
      for (const v of workInstances(w)) {
        const env: FrameEnv = { locals: new Map(), consts: new Map(), slots: [], exit: idle, frames: [], path: [], active: new Set() };
        if (w.instance) env.consts.set(w.instance, [K(workInstanceValue(w, v))]);
        const done = this.makeNode("stmt", [{ ops: [{ k: "work_end", wq, pos }], next: idle }], srcLoc(d.span), `${workItemName(w, v)} done`, []);
        done.shared = true;
        const callSpan: Span = { file: d.span.file, start: d.proc.span.start, end: d.span.end };
        const call: Stmt & { kind: "Call" } = {
          kind: "Call", callee: { kind: "Name", name: proc.name, sym: proc, span: d.proc.span, ty: proc.type }, args: d.args, span: callSpan, calleeSpan: d.proc.span,
        };
        const body = this.call(call, env, done);
        const start: Op = { k: "work_start", wq, pos, at: srcLoc(d.span), label: `${workItemName(w, v)}: ${workCall(w, v)}`, frames: [] };
        idle.alts.push({ ops: [start, ...this.workObjectCheck(w, v), ...body.alts[0]!.ops], next: body.alts[0]!.next });
        pos++;
      }
    }
    const proc = this.finishProcess({ name, localWidth: 0, locations: [], init: [], end: 0, instance: { name: "worker", type: { kind: "int", lo: 0, hi: q.workers - 1 } }, at }, idle, end, index);
    proc.worker = { wq, idle: this.renumbered(idle) };
    // a start step reads as the work it runs, at the work's declaration
    for (const sid of proc.locations[proc.worker.idle]!.steps) {
      const st = this.steps[sid]!;
      const start = st.ops.find((o) => o.k === "work_start")!;
      st.label = start.label!;
      st.at = start.at!;
    }
    return proc;
  }

  /**
   * A work field's object must be live when a worker starts the work: the work_struct is in
   * the object, so a work still queued when its object was freed is a use-after-free in
   * process_one_work() (language.md, "Work items in objects").
   */
  private workObjectCheck(w: WorkSymbol, v: number): Op[] {
    if (!w.field) return [];
    const pool = this.pools[this.poolIndex.get(w.field.pool)!]!;
    const item = workItemName(w, v);
    const live = bin("==", { k: "read", addr: { space: "global", offset: pool.offset + v * pool.stride, terms: [] } }, K(OBJECT_LIVE));
    return [{ k: "check", cond: live, violation: "use-after-free", message: workFreedMessage(item, `${pool.name}[${v}]`) }];
  }

  /**
   * A callback thread (language.md, "call_rcu and call_srcu"): idle until its callback is
   * ready, then the procedure with the callback's value as its argument (bound like a work's
   * index), then the end, an action of its own, back to idle.
   */
  private lowerCallbackThread(cb: CallbackThread, index: number): Process {
    const g = cb.group;
    this.beginProcess(cb.name, 1, g.span);
    // a callback thread's steps are at the callback's declaration (it may be queued from many statements)
    const at = srcLoc(g.proc.decl.span);
    const call = callbackCallText(g, cb.value);
    const end = this.makeNode("end", [], at, `end of ${cb.name}`, []);
    const idle = this.makeNode("stmt", [], at, "start the callback", []);
    idle.shared = true;
    const env: FrameEnv = { locals: new Map(), consts: new Map(), slots: [], exit: idle, frames: [], path: [], active: new Set() };
    if (g.binder) env.consts.set(g.binder, [K(cb.value)]);
    const done = this.makeNode("stmt", [{ ops: [{ k: "rcu_callback_end", call }], next: idle }], at, `${call} done`, []);
    done.shared = true;
    const procSpan = g.proc.decl.name.span;
    const args: LExpr[] = g.binder ? [{ kind: "Name", name: g.binder.name, sym: g.binder, span: procSpan, ty: g.param }] : [];
    const stmt: Stmt & { kind: "Call" } = {
      kind: "Call", callee: { kind: "Name", name: g.proc.name, sym: g.proc, span: procSpan, ty: g.proc.type }, args, span: procSpan, calleeSpan: procSpan,
    };
    const body = this.call(stmt, env, done);
    const entryOffset = (g.domain ? this.globalOffset.get(g.domain)! : this.rcuOffset!) + cb.entry * srcuEntryWidth(this.threadCount, callbackSlotCount(this.m, g.domain));
    const slot = entryOffset + 2 * this.threadCount + cb.slotInEntry;
    const start: Op = { k: "rcu_callback_start", slot, at, label: `${g.domain ? "call_srcu" : "call_rcu"} callback ${call}`, frames: [] };
    idle.alts.push({ ops: [start, ...body.alts[0]!.ops], next: body.alts[0]!.next });
    const proc = this.finishProcess({ name: cb.name, localWidth: 0, locations: [], init: [], end: 0, at }, idle, end, index);
    proc.callback = { idle: this.renumbered(idle), slot, call, domain: cb.domain, rcu: !g.domain };
    for (const sid of proc.locations[proc.callback.idle]!.steps) {
      const st = this.steps[sid]!;
      st.label = start.label!;
      st.at = start.at!;
    }
    return proc;
  }

  /** The final location id of a node, after finishProcess. */
  private renumbered(n: Node): number {
    return this.locationIds.get(n)!;
  }

  private finishProcess(proc: Process, entry: Node, end: Node, index: number): Process {
    this.markLocations(entry, end);
    const located = this.numberLocations(entry, end);
    proc.localWidth = this.localWidth;
    // Expand every location, then keep only the locations some step can reach: an
    // action that is always executed as part of a choice's step is never a resting place.
    const initSteps = this.expandInit(entry, index);
    const stepsOf = new Map<number, Step[]>(located.map((n) => [n.id, this.expand(n, index, n.id)]));
    const reached = new Set<number>([end.id]);
    const work = initSteps.map((st) => st.to);
    while (work.length) {
      const id = work.pop()!;
      if (reached.has(id) && id !== end.id) continue;
      reached.add(id);
      for (const st of stepsOf.get(id) ?? []) if (!reached.has(st.to)) work.push(st.to);
    }
    const kept = located.filter((n) => reached.has(n.id));
    const renumber = new Map(kept.map((n, i) => [n.id, i]));
    const push = (st: Step): number => {
      st.id = this.steps.length;
      st.from = st.from < 0 ? -1 : renumber.get(st.from)!;
      st.to = renumber.get(st.to)!;
      this.steps.push(st);
      return st.id;
    };
    this.locationIds = new Map(kept.map((n) => [n, renumber.get(n.id)!]));
    for (const n of kept) {
      proc.locations.push({ id: renumber.get(n.id)!, kind: n.location!, at: n.at, label: n.label, frames: n.frames, steps: [] } as Location);
    }
    for (const n of kept) proc.locations[renumber.get(n.id)!]!.steps = stepsOf.get(n.id)!.map(push);
    proc.init = initSteps.map(push);
    proc.end = renumber.get(end.id)!;
    return proc;
  }

  private makeNode(kind: Node["kind"], alts: Alt[], at: SrcLoc, label: string, frames: Frame[]): Node {
    if (this.nodes.length >= MAX_NODES_PER_PROCESS) {
      throw new LowerError(error(IrCodes.TooLarge, `process '${this.currentProcess?.name}' expands to more than ${MAX_NODES_PER_PROCESS} statements after inlining calls and unrolling loops; reduce the model`));
    }
    const n: Node = { id: this.nodes.length, kind, alts, at, label, frames, region: this.region, shared: false };
    this.nodes.push(n);
    return n;
  }

  private stmtNode(kind: Node["kind"], s: Stmt, env: FrameEnv, alts: Alt[], forceShared = false): Node {
    const n = this.makeNode(kind, alts, srcLoc(s.span), stmtLabel(s), env.frames);
    n.shared = forceShared || alts.some((a) => opsShared(a.ops));
    // ops made for this statement (not those of inlined callees, which are stamped already)
    for (const a of alts) {
      for (const op of a.ops) {
        if (op.at) continue;
        op.at = n.at;
        op.label = n.label;
        op.frames = n.frames;
      }
    }
    return n;
  }

  private allocLocal(name: string, type: Type, env: FrameEnv, hidden = false): number {
    const w = widthOf(type);
    const offset = this.localWidth;
    this.localWidth += w;
    const tooLarge = this.stateBudget.locals(this.localWidth);
    if (tooLarge) throw new LowerError(tooLarge);
    this.localSlots.push({ name, offset, width: w, type: toValueType(type), frame: env.path, hidden, frameId: env.frames.length ? env.frames[env.frames.length - 1]!.id : 0 });
    env.slots.push({ offset, width: w });
    return offset;
  }

  private localFor(sym: LocalSymbol, env: FrameEnv): number {
    let off = env.locals.get(sym);
    if (off === undefined) {
      off = this.allocLocal(sym.name, sym.type, env);
      env.locals.set(sym, off);
    }
    return off;
  }

  private resetOps(syms: LocalSymbol[], env: FrameEnv): Op[] {
    const targets: Addr[] = [];
    for (const s of syms) {
      const off = env.locals.get(s);
      if (off === undefined) continue;
      const w = widthOf(s.type);
      for (let i = 0; i < w; i++) targets.push({ space: "local", offset: off + i, terms: [] });
    }
    return targets.length ? [{ k: "assign", targets, values: targets.map(() => K(0)), ranges: targets.map(() => null), what: "locals" }] : [];
  }

  private resetSlots(slots: { offset: number; width: number }[]): Op[] {
    const targets: Addr[] = [];
    for (const s of slots) for (let i = 0; i < s.width; i++) targets.push({ space: "local", offset: s.offset + i, terms: [] });
    return targets.length ? [{ k: "assign", targets, values: targets.map(() => K(0)), ranges: targets.map(() => null), what: "locals" }] : [];
  }

  // ------------------------------------------------------------ statements

  private block(b: Block, env: FrameEnv, next: Node): Node {
    const tooDeep = this.inlineDepth.enter(b.span, this.currentProcess!.name);
    if (tooDeep) throw new LowerError(tooDeep);
    try {
      return this.blockHere(b, env, next);
    } finally {
      this.inlineDepth.leave();
    }
  }

  private blockHere(b: Block, env: FrameEnv, next: Node): Node {
    const declared = b.stmts.filter((s): s is Stmt & { kind: "LocalVar" } => s.kind === "LocalVar").map((s) => s.sym!).filter((s) => s);
    for (const s of declared) this.localFor(s, env);
    let cur = next;
    const resets = this.resetOps(declared, env);
    if (resets.length) {
      cur = this.makeNode("stmt", [{ ops: resets, next: cur }], srcLoc(b.span), "end of block", env.frames);
    }
    for (let i = b.stmts.length - 1; i >= 0; i--) cur = this.stmt(b.stmts[i]!, env, cur);
    return cur;
  }

  private stmt(s: Stmt, env: FrameEnv, next: Node): Node {
    switch (s.kind) {
      case "Skip":
        return next;
      case "MightSleep":
        return this.stmtNode("stmt", s, env, [{ ops: [{ k: "might_sleep" }], next }], true);
      case "LocalVar": {
        const sym = s.sym!;
        const off = this.localFor(sym, env);
        const w = widthOf(sym.type);
        if (s.init?.kind === "Alloc") {
          return this.stmtNode("stmt", s, env, [{ ops: [this.allocOp(s.init, { space: "local", offset: off, terms: [] }, env)], next }], true);
        }
        const targets = Array.from({ length: w }, (_, i): Addr => ({ space: "local", offset: off + i, terms: [] }));
        const tried = trylockUse(s.init, false);
        if (tried) return this.trylockNode(s, tried, env, (taken) => [{ k: "assign", targets, values: [K(taken ? 1 : 0)], ranges: [null], what: sym.name }], next, next);
        const values = s.init ? this.value(s.init, env) : flattenValue(defaultValueOf(sym.type)).map(K);
        return this.stmtNode("stmt", s, env, [{ ops: [{ k: "assign", targets, values, ranges: s.init ? rangesOf(sym.type) : targets.map(() => null), what: sym.name }], next }]);
      }
      case "Free": {
        if (s.target.ty?.kind === "null") return next; // free(null) does nothing
        const t = s.target.ty as Type & { kind: "ref" };
        const ref = this.scalar(s.target, env);
        // known to be null here (a constant parameter): nothing to free, and not a step (language.md, "free")
        if (isConst(ref) && ref.v === 0) return next;
        const op: Op = { k: "free", pool: this.poolOf(t), ref, what: spanText(s.target.span) };
        return this.stmtNode("stmt", s, env, [{ ops: [op], next }], true);
      }
      case "Assign": {
        const place = this.place(s.target, env);
        if (s.value.kind === "Alloc") {
          return this.stmtNode("stmt", s, env, [{ ops: [this.allocOp(s.value, place.addr, env)], next }], true);
        }
        const tried = trylockUse(s.value, false);
        if (tried) return this.trylockNode(s, tried, env, (taken) => [this.assignOp(place, [K(taken ? 1 : 0)], s.target)], next, next);
        const values = this.value(s.value, env);
        return this.stmtNode("stmt", s, env, [{ ops: [this.assignOp(place, values, s.target)], next }]);
      }
      case "Call":
        return this.call(s, env, next);
      case "Lock": {
        const { addr, kind, name } = this.lockAddr(s.target, env);
        const mode = s.op === "down_read" || s.op === "up_read" ? "read" : s.op === "down_write" || s.op === "up_write" ? "write" : "exclusive";
        const op: Op = s.op === "lock" || s.op === "down_read" || s.op === "down_write"
          ? { k: "lock", lock: addr, lockKind: kind, mode, name, ...(s.subclass ? { subclass: s.subclass } : {}), ...(s.nestLock ? { nest: this.lockAddr(s.nestLock, env).addr } : {}) }
          : { k: "unlock", lock: addr, lockKind: kind, mode, name };
        const node = this.stmtNode("stmt", s, env, [{ ops: [op], next }], true);
        if (s.op === "down_write" && this.region === undefined) {
          // a writer that cannot have the rwsem joins its wait queue first (a step that stays
          // here), so that readers arriving later queue behind it (language.md, "rwsem")
          node.alts.push({ ops: [{ k: "rwsem_queue", lock: addr, name, at: node.at, label: node.label, frames: node.frames }], next: node });
        }
        return node;
      }
      case "Refcount": {
        const { addr, lo, hi, name } = this.refAddr(s.target, env);
        const op: Op = s.op === "get" ? { k: "refget", ref: addr, hi, name } : { k: "refput", ref: addr, name, lo };
        return this.stmtNode("stmt", s, env, [{ ops: [op], next }], true);
      }
      case "Srcu": {
        const { main, gpStart } = srcuOps(s, this.syncContext(env));
        if (!gpStart) return this.stmtNode("stmt", s, env, [{ ops: [main], next }], true);
        if (this.region !== undefined) {
          this.diags.push(error(IrCodes.SyncInAtomic, `${s.op} waits for a grace period, which ends only when other threads leave their read-side sections, so it cannot be inside an atomic block (an atomic block is one step)`, s.span));
        }
        const node = this.stmtNode("stmt", s, env, [{ ops: [main], next }], true);
        // the grace period starts in a step of its own that stays here, so that readers
        // entering later do not hold it up (language.md, "SRCU and RCU")
        node.alts.push({ ops: [{ ...gpStart, at: node.at, label: node.label, frames: node.frames }], next: node });
        return node;
      }
      case "Completion":
        return this.stmtNode("stmt", s, env, [{ ops: [completionOp(s, this.syncContext(env))], next }], true);
      case "CallRcu":
        return this.stmtNode("stmt", s, env, [{ ops: [callRcuOp(s, this.m, this.syncContext(env), (e) => this.scalar(e, env))], next }], true);
      case "Work": {
        const { main, register } = workOps(s, this.workContext(env));
        if (!register) return this.stmtNode("stmt", s, env, [{ ops: [main], next }], true);
        if (this.region !== undefined) {
          this.diags.push(error(IrCodes.SyncInAtomic, `${s.op} waits for work items to finish, which takes other threads' steps, so it cannot be inside an atomic block (an atomic block is one step)`, s.span));
        }
        const node = this.stmtNode("stmt", s, env, [{ ops: [main], next }], true);
        // registering what it waits for is a step of its own that stays here (language.md, "workqueues")
        node.alts.push({ ops: [{ ...register, at: node.at, label: node.label, frames: node.frames }], next: node });
        return node;
      }
      case "Await": {
        const cond = this.scalar(s.cond, env);
        const op: Op = s.label !== undefined
          ? { k: "assume", cond, wait: s.label, labelled: true }
          : { k: "assume", cond, wait: stmtLabel(s), ...this.shownLocals(s.cond, env) };
        return this.stmtNode("stmt", s, env, [{ ops: [op], next }], true);
      }
      case "Assert": {
        const cond = this.scalar(s.cond, env);
        const message = s.message ?? `assertion ${spanText(s.cond.span).replace(/\s+/g, " ")} failed`;
        return this.stmtNode("stmt", s, env, [{ ops: [{ k: "check", cond, violation: "assertion", message }], next }]);
      }
      case "If": {
        const elseNode = s.else ? this.block(s.else, env, next) : next;
        const thenNode = this.block(s.then, env, next);
        if (s.cond.kind === "DecAndLock") {
          // refcount_dec_and_lock (lib/refcount.c): a decrement that leaves the count above zero
          // never takes the lock; the one that drops it to zero takes the lock first, waiting
          // for it, and the two happen as one step
          const { addr, lo, name } = this.refAddr(s.cond.target, env);
          const lock = this.lockAddr(s.cond.lock, env);
          const put: Op = { k: "refput", ref: addr, name, lo };
          const before = { k: "read", addr } as Expr;
          const take: Op = { k: "lock", lock: lock.addr, lockKind: lock.kind, mode: "exclusive", name: lock.name };
          return this.stmtNode("branch", s, env, [
            { ops: [{ k: "assume", cond: bin("==", before, K(1)) }, take, put], next: thenNode },
            { ops: [{ k: "assume", cond: bin("!=", before, K(1)) }, put], next: elseNode },
          ], true);
        }
        if (s.cond.kind === "DecAndTest") {
          const { addr, lo, name } = this.refAddr(s.cond.target, env);
          const put: Op = { k: "refput", ref: addr, name, lo };
          const before = { k: "read", addr } as Expr;
          // the test is on the count before the decrement: it drops the last reference iff it was 1
          // (so with refcount-underflow off, a put on 0 saturates and tests false, as refcount_t does)
          return this.stmtNode("branch", s, env, [
            { ops: [{ k: "assume", cond: bin("==", before, K(1)) }, put], next: thenNode },
            { ops: [{ k: "assume", cond: bin("!=", before, K(1)) }, put], next: elseNode },
          ], true);
        }
        const tried = trylockUse(s.cond.expr, true);
        if (tried) return this.trylockNode(s, tried, env, () => [], tried.negated ? elseNode : thenNode, tried.negated ? thenNode : elseNode);
        const c = this.scalar(s.cond.expr, env);
        if (isConst(c)) return c.v ? thenNode : elseNode;
        return this.stmtNode("branch", s, env, [
          { ops: [{ k: "assume", cond: c }], next: thenNode },
          { ops: [{ k: "assume", cond: not(c) }], next: elseNode },
        ]);
      }
      case "While": {
        if (this.region !== undefined) {
          this.diags.push(error(IrCodes.LoopInAtomic, "a while loop cannot be inside an atomic block (an atomic block is one step; use 'for' over a finite set)", s.span));
          return next;
        }
        const tried = trylockUse(s.cond, true);
        if (tried) {
          const head = this.stmtNode("branch", s, env, []);
          const body = this.block(s.body, env, head);
          const made = this.tryOp(tried, env);
          const op = (taken: boolean): Op => ({ ...made(taken), at: head.at, label: head.label, frames: head.frames });
          // the loop runs while the condition holds: while the trylock succeeds, or with not, while it fails
          head.alts = [{ ops: [op(!tried.negated)], next: body }, { ops: [op(tried.negated)], next }];
          head.shared = true;
          this.addRegisterStep(head, tried, env);
          return head;
        }
        const c = this.scalar(s.cond, env);
        if (isConst(c) && !c.v) return next;
        const head = this.stmtNode("branch", s, env, []);
        const body = this.block(s.body, env, head);
        head.alts = isConst(c)
          ? [{ ops: [], next: body }]
          : [{ ops: [{ k: "assume", cond: c }], next: body }, { ops: [{ k: "assume", cond: not(c) }], next }];
        head.shared = head.alts.some((a) => opsShared(a.ops));
        return head;
      }
      case "For": {
        const sym = s.sym!;
        const setType = s.domain.ty as Type & { kind: "set" };
        const elem = setType.elem;
        if (elem.kind === "int" && elem.sym) {
          // unrolled in order, the loop variable a constant in each iteration: the values are not interchangeable
          const where = env.frames.length ? env.frames[env.frames.length - 1]!.proc : this.currentProcess?.name ?? "a process";
          this.symmetryBreakers.push({ type: elem.sym, message: `${where} visits the values of ${elem.sym} in order (for ${sym.name} in ${spanText(s.domain.span)})`, at: srcLoc(s.span) });
        }
        const xOff = this.localFor(sym, env);
        const snapOff = this.allocLocal(`$for_${sym.name}`, setType, env, true);
        const snap: Addr = { space: "local", offset: snapOff, terms: [] };
        const x: Addr = { space: "local", offset: xOff, terms: [] };
        let cur: Node = this.makeNode("stmt", [{ ops: [{ k: "assign", targets: [x, snap], values: [K(0), K(0)], ranges: [null, null], what: "loop end" }], next }], srcLoc(s.span), "end of for", env.frames);
        const n = cardinality(elem);
        for (let i = n - 1; i >= 0; i--) {
          // within this iteration the loop variable is a known constant, so branches on it fold
          env.consts.set(sym, [K(nthValue(elem, i))]);
          const body = this.block(s.body, env, cur);
          env.consts.delete(sym);
          const hasIt = bin("&", { k: "read", addr: snap }, K(1 << i));
          const iter = this.makeNode("branch", [
            { ops: [{ k: "assume", cond: bin("!=", hasIt, K(0)) }, { k: "assign", targets: [x], values: [K(nthValue(elem, i))], ranges: [null], what: sym.name }], next: body },
            { ops: [{ k: "assume", cond: bin("==", hasIt, K(0)) }], next: cur },
          ], srcLoc(s.span), stmtLabel(s), env.frames);
          cur = iter;
        }
        const domain = this.scalar(s.domain, env);
        return this.stmtNode("stmt", s, env, [{ ops: [{ k: "assign", targets: [snap], values: [domain], ranges: [null], what: `snapshot of ${spanText(s.domain.span)}` }], next: cur }]);
      }
      case "Pick": {
        const sym = s.sym!;
        const setType = s.domain.ty as Type & { kind: "set" };
        const elem = setType.elem;
        const xOff = this.localFor(sym, env);
        const x: Addr = { space: "local", offset: xOff, terms: [] };
        const reset = this.makeNode("stmt", [{ ops: [{ k: "assign", targets: [x], values: [K(0)], ranges: [null], what: "pick end" }], next }], srcLoc(s.span), "end of pick", env.frames);
        const body = this.block(s.body, env, reset);
        const domain = this.scalar(s.domain, env);
        const n = cardinality(elem);
        const alts: Alt[] = [];
        const label = stmtLabel(s);
        // Only an empty set blocks the pick; an element that is not in the set merely
        // disables its alternative. Keeping the two apart matters inside an atomic
        // block, where a blocking wait becomes an atomic-blocked check (noBlocking).
        const nonEmpty = bin("!=", domain, K(0));
        for (let i = 0; i < n; i++) {
          const v = nthValue(elem, i);
          const member = bin("!=", bin("&", domain, K(1 << i)), K(0));
          alts.push({
            ops: [
              ...(isConst(nonEmpty) && nonEmpty.v ? [] : [{ k: "assume", cond: nonEmpty, wait: `${label}: the set is empty` } as Op]),
              ...(isConst(member) && member.v ? [] : [{ k: "assume", cond: member } as Op]),
              { k: "assign", targets: [x], values: [K(v)], ranges: [null], what: sym.name },
            ],
            next: body,
            choice: `${sym.name} = ${formatScalar(elem, v, (j) => this.procNames[j]!)}`,
          });
        }
        const node = this.stmtNode("choice", s, env, alts);
        return node;
      }
      case "Either": {
        const alts = s.branches.map((b, i): Alt => ({ ops: [], next: this.block(b, env, next), choice: eitherChoice(i, s.branches.length, formatSrc(srcLoc(s.span)), s.labels?.[i]) }));
        return this.stmtNode("choice", s, env, alts);
      }
      case "Return": {
        const ops: Op[] = [];
        // a value nobody stores is not computed
        if (s.value && env.retTarget && env.retType) {
          const values = this.value(s.value, env);
          ops.push({ k: "assign", targets: env.retTarget.addrs, values, ranges: env.retTarget.ranges, what: env.retTarget.what });
        }
        return this.stmtNode("stmt", s, env, [{ ops, next: env.exit }]);
      }
      case "Atomic": {
        if (this.region !== undefined) return this.block(s.body, env, next);
        const region = ++this.regionCounter;
        this.region = region;
        let body: Node;
        try {
          body = this.block(s.body, env, next);
        } finally {
          this.region = undefined;
        }
        const n = this.stmtNode("atomic", s, env, [{ ops: [], next: body }], true);
        n.body = region;
        return n;
      }
    }
  }

  private poolOf(t: Type & { kind: "ref" }): number {
    const sym = this.m.objects.find((o) => o.type.id === t.id)!;
    return this.poolIndex.get(sym)!;
  }

  private allocOp(e: LExpr & { kind: "Alloc" }, target: Addr, env: FrameEnv): Op {
    const t = e.ty as Type & { kind: "ref" };
    const sym = this.m.objects.find((o) => o.type.id === t.id)!;
    const fields: Expr[] = [];
    const range: ({ lo: number; hi: number } | null)[] = [];
    for (const f of sym.fields) {
      const given = e.fields.find((x) => x.name.name === f.name);
      fields.push(...(given ? this.value(given.value, env) : flattenValue(defaultValueOf(f.type)).map(K)));
      range.push(...(given ? rangesOf(f.type) : rangesOf(f.type).map(() => null)));
    }
    return { k: "alloc", pool: this.poolIndex.get(sym)!, target, fields, range };
  }

  private assignOp(place: Place, values: Expr[], target: LExpr): Op {
    const w = widthOf(place.type);
    const targets = Array.from({ length: w }, (_, i) => addrAt(place.addr, i));
    return { k: "assign", targets, values, ranges: rangesOf(place.type), what: spanText(target.span) };
  }

  private call(s: Stmt & { kind: "Call" }, env: FrameEnv, next: Node): Node {
    const label = stmtLabel(s);
    const site = srcLoc(s.span);
    const retTarget = s.result
      ? (() => {
          const place = this.place(s.result, env);
          const w = widthOf(place.type);
          return { addrs: Array.from({ length: w }, (_, i) => addrAt(place.addr, i)), ranges: rangesOf(place.type), what: spanText(s.result.span) };
        })()
      : undefined;
    const args = s.args.map((a) => this.value(a, env));
    const inline = (proc: ProcSymbol): { ops: Op[]; next: Node } => {
      const tooDeep = this.inlineDepth.enter(s.span, this.currentProcess!.name);
      if (tooDeep) throw new LowerError(tooDeep);
      try {
        return inlineHere(proc);
      } finally {
        this.inlineDepth.leave();
      }
    };
    const inlineHere = (proc: ProcSymbol): { ops: Op[]; next: Node } => {
      if (env.active.has(proc)) {
        throw new LowerError(error(IrCodes.Recursion, `recursive call of '${proc.name}' (via ${[...env.active].map((p) => p.name).join(" -> ")} -> ${proc.name}): knot inlines calls, so recursion must be rewritten as a loop`, s.span));
      }
      const frames: Frame[] = [...env.frames, { id: ++this.frameCounter, proc: proc.name, site, call: label }];
      const calleeEnv: FrameEnv = {
        locals: new Map(), consts: new Map(), slots: [], retTarget, retType: proc.ret, exit: next, frames, path: [...env.path, proc.name],
        active: new Set([...env.active, proc]),
      };
      const paramOffsets = proc.params.map((p) => this.localFor(p, calleeEnv));
      const assigned = this.assignedLocals(proc);
      proc.params.forEach((p, i) => {
        if (!assigned.has(p) && args[i]!.every(isConst)) calleeEnv.consts.set(p, args[i]!);
      });
      // the exit resets the whole frame; allocate the body's locals first so that the reset covers them
      const exit = this.makeNode("stmt", [], site, `return from ${proc.name}`, frames);
      calleeEnv.exit = exit;
      const body = this.block(proc.decl.body, calleeEnv, exit);
      exit.alts = [{ ops: this.resetSlots(calleeEnv.slots), next }];
      const targets: Addr[] = [];
      const values: Expr[] = [];
      const ranges: ({ lo: number; hi: number } | null)[] = [];
      proc.params.forEach((p, i) => {
        const w = widthOf(p.type);
        const rs = rangesOf(p.type);
        for (let j = 0; j < w; j++) {
          targets.push({ space: "local", offset: paramOffsets[i]! + j, terms: [] });
          values.push(args[i]![j]!);
          ranges.push(rs[j]!);
        }
      });
      const ops: Op[] = targets.length ? [{ k: "assign", targets, values, ranges, what: `arguments of ${proc.name}` }] : [];
      return { ops, next: body };
    };

    const callee = s.callee;
    if (callee.kind === "Name" && callee.sym?.kind === "proc") {
      const { ops, next: body } = inline(callee.sym);
      return this.stmtNode("stmt", s, env, [{ ops, next: body }]);
    }
    // a call through a procedure value: dispatch on the value
    const target = this.scalar(callee, env);
    const candidates = this.candidates(target, callee.ty as Type & { kind: "proc" });
    const alts: Alt[] = [];
    const calleeText = spanText(s.calleeSpan);
    if (isConst(target)) {
      if (target.v === 0) {
        return this.stmtNode("stmt", s, env, [{ ops: [{ k: "fail", violation: "null-callback", message: `call through ${calleeText}, which is none` }], next }]);
      }
      const { ops, next: body } = inline(this.m.procs[target.v - 1]!);
      return this.stmtNode("stmt", s, env, [{ ops, next: body }]);
    }
    for (const pi of candidates) {
      const { ops, next: body } = inline(this.m.procs[pi]!);
      alts.push({ ops: [{ k: "assume", cond: bin("==", target, K(pi + 1)) }, ...ops], next: body });
    }
    alts.push({ ops: [{ k: "assume", cond: bin("==", target, K(0)) }, { k: "fail", violation: "null-callback", message: `call through ${calleeText}, which is none` }], next });
    // The call is an action when its arguments read shared state, unless the callee is known to be
    // none when the model is compiled (language.md, "call"): a constant, or a field every entry of a
    // constant map of tables leaves none. A callee whose possible values are not known (a local
    // copy of a table) may call something, even when no procedure of its type is used as a value.
    const knownNone = candidates.length === 0 && isConstTableField(callee);
    const argsShared = args.some((a) => a.some(exprShared));
    return this.stmtNode("branch", s, env, alts, !knownNone && argsShared);
  }

  /** Procedures a procedure-valued expression can hold. */
  private candidates(e: Expr, t: Type & { kind: "proc" }): number[] {
    const out = new Set<number>();
    const collect = (x: Expr): boolean => {
      switch (x.k) {
        case "const": if (x.v > 0) out.add(x.v - 1); return true;
        case "table": for (const v of x.values) if (v > 0) out.add(v - 1); return true;
        case "ite": return collect(x.a) && collect(x.b);
        default: return false;
      }
    };
    if (collect(e)) return [...out].sort((a, b) => a - b);
    // not statically known: every procedure of the right signature that is used as a value
    const used = this.procsUsedAsValues();
    return this.m.procs.filter((p) => used.has(p) && typesMatch(p.type, t)).map((p) => p.index);
  }

  private readonly assignedCache = new Map<ProcSymbol, Set<Symbol>>();
  /** Locals of a procedure that some statement assigns (or passes as a call's result target). */
  private assignedLocals(proc: ProcSymbol): Set<Symbol> {
    let out = this.assignedCache.get(proc);
    if (out) return out;
    out = new Set();
    const root = (e: LExpr | undefined): Symbol | undefined => {
      let x = e;
      while (x && (x.kind === "Index" || x.kind === "Field")) x = x.target;
      return x?.kind === "Name" ? x.sym : undefined;
    };
    const found = out;
    walkStmts(proc.decl.body, (st) => {
      const target = st.kind === "Assign" ? st.target : st.kind === "Call" ? st.result : undefined;
      const sym = root(target);
      if (sym) found.add(sym);
    });
    this.assignedCache.set(proc, out);
    return out;
  }

  private usedAsValues?: Set<ProcSymbol>;
  private procsUsedAsValues(): Set<ProcSymbol> {
    if (this.usedAsValues) return this.usedAsValues;
    const used = new Set<ProcSymbol>();
    const visitExpr = (e: LExpr | undefined): void => {
      if (!e) return;
      walkExpr(e, (x) => {
        if (x.kind === "Name" && x.sym?.kind === "proc") used.add(x.sym);
      });
    };
    for (const mod of this.m.modules) {
      for (const d of mod.decls) {
        if (d.kind === "Const") visitExpr(d.value);
        if (d.kind === "Var") visitExpr(d.init);
        if (d.kind === "Proc" || d.kind === "Process") walkStmts(d.body, (s) => {
          // the callee of a direct call (`call f()`) names the procedure, it is not a value
          const direct = s.kind === "Call" && s.callee.kind === "Name" && s.callee.sym?.kind === "proc";
          for (const e of stmtExprs(s)) if (!(direct && e === (s as Stmt & { kind: "Call" }).callee)) visitExpr(e);
        });
      }
    }
    this.usedAsValues = used;
    return used;
  }

  // ------------------------------------------------------------ expressions

  private scalar(e: LExpr, env: FrameEnv): Expr {
    const v = this.value(e, env);
    return v[0]!;
  }

  /**
   * A trylock statement: two steps, the lock taken (then `ops(true)`, on to `taken`) and
   * the lock busy (`ops(false)`, on to `busy`); exactly one is enabled in any state.
   */
  private trylockNode(s: Stmt, use: TrylockUse, env: FrameEnv, ops: (taken: boolean) => Op[], taken: Node, busy: Node): Node {
    const op = this.tryOp(use, env);
    const node = this.stmtNode("branch", s, env, [
      { ops: [op(true), ...ops(true)], next: taken },
      { ops: [op(false), ...ops(false)], next: busy },
    ], true);
    this.addRegisterStep(node, use, env);
    return node;
  }

  /** cancel_work_sync(w) as a condition waits like the statement: its registration step stays at the node. */
  private addRegisterStep(node: Node, use: TrylockUse, env: FrameEnv): void {
    if (use.fn !== "cancel_work_sync") return;
    if (this.region !== undefined) {
      this.diags.push(error(IrCodes.SyncInAtomic, "cancel_work_sync waits for a running work item to finish, which takes other threads' steps, so it cannot be inside an atomic block (an atomic block is one step)", use.call.span));
    }
    const { register } = workCallOps("cancel_work_sync", use.target, this.workContext(env));
    node.alts.push({ ops: [{ ...register!, at: node.at, label: node.label, frames: node.frames }], next: node });
  }

  /** The op of one outcome of a trylock, a try_wait_for_completion, or queue_work(w) / cancel_work_sync(w). */
  private tryOp(use: TrylockUse, env: FrameEnv): (taken: boolean) => Op {
    if (use.fn === "queue_work" || use.fn === "cancel_work_sync") {
      const fn = use.fn;
      const cx = this.workContext(env);
      return (taken) => workCallOps(fn, use.target, cx, taken).main;
    }
    if (!use.info) {
      const { addr, name } = completionAddr(use.target, this.syncContext(env));
      return (taken) => ({ k: "try_wait_completion", c: addr, name, taken });
    }
    const lock = this.lockAddr(use.target, env);
    const mode = use.info.mode;
    return (taken) => ({ k: "trylock", lock: lock.addr, lockKind: lock.kind, mode, name: lock.name, taken });
  }

  private lockAddr(e: LExpr, env: FrameEnv): { addr: Addr; kind: LockKind; name: string } {
    const field = objectFieldEntity(e);
    if (field?.kind === "lock") {
      const entryWidth = field.lockKind === "rwsem" ? RWSEM_ENTRY_WIDTH : 1;
      return { addr: this.fieldEntryAddr(e as LExpr & { kind: "Field" }, field, entryWidth, env), kind: field.lockKind, name: kernelFieldText(e) };
    }
    const base = e.kind === "Index" ? e.target : e;
    const sym = (base as LExpr & { kind: "Name" }).sym!;
    if (sym.kind !== "lock") throw new Error("lock expected");
    const offset = this.globalOffset.get(sym)!;
    const entryWidth = sym.lockKind === "rwsem" ? RWSEM_ENTRY_WIDTH : 1;
    const terms = e.kind === "Index" ? [{ index: this.position(e.index, sym.index!, env, sym.name), stride: entryWidth }] : [];
    return { addr: { space: "global", offset, terms }, kind: sym.lockKind, name: spanText(e.span) };
  }

  /** The locals an await's condition names (each once, in order), for reports to print with their values. */
  private shownLocals(e: LExpr, env: FrameEnv): { shows?: ShownLocal[] } {
    const out: ShownLocal[] = [];
    const seen = new Set<Symbol>();
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) return x.forEach(visit);
      if (!x || typeof x !== "object") return;
      const node = x as { kind?: unknown; span?: unknown; sym?: Symbol; name?: string };
      if (typeof node.kind !== "string" || !node.span) return;
      if (node.kind === "Name" && node.sym?.kind === "local" && !seen.has(node.sym)) {
        const sym = node.sym;
        seen.add(sym);
        const type = toValueType(sym.type);
        const known = env.consts.get(sym);
        if (sym.role === "instance") out.push({ name: sym.name, type, instance: true });
        else if (known && known.every(isConst)) out.push({ name: sym.name, type, value: known.map((k) => (k as Expr & { k: "const" }).v) });
        else {
          const local = env.locals.get(sym);
          if (local !== undefined) out.push({ name: sym.name, type, local });
        }
        return;
      }
      for (const [k, v] of Object.entries(node)) if (k !== "sym" && k !== "ty" && k !== "span") visit(v);
    };
    visit(e);
    return out.length ? { shows: out } : {};
  }

  /** What lower-sync.ts needs, in the frame `env`. */
  private syncContext(env: FrameEnv): SyncLoweringContext {
    return {
      offsetOf: (sym) => this.globalOffset.get(sym)!,
      position: (e, key, what) => this.position(e, key, env, what),
      threads: this.threadCount,
      rcuOffset: this.rcuOffset,
      callbackSlots: (d) => callbackSlotCount(this.m, d),
      fieldEntry: (e, sym, entryWidth) => ({ addr: this.fieldEntryAddr(e, sym, entryWidth, env), name: kernelFieldText(e) }),
    };
  }

  /** The processes' threads (the workers come after them). */
  private get processThreads(): number {
    return this.m.processes.reduce((n, p) => n + p.instances.length, 0);
  }

  /** The model's threads: its processes' instances, then the workqueues' workers, then the callback threads. */
  private get threadCount(): number {
    return this.processThreads + this.m.workqueues.reduce((n, q) => n + q.workers, 0) + callbackThreadCount(this.m);
  }

  private workContext(env: FrameEnv): WorkLoweringContext {
    return {
      offsetOf: (sym) => this.globalOffset.get(sym)!,
      position: (e, key, what) => this.position(e, key, env, what),
      threads: this.threadCount,
      wqIndex: (sym) => this.m.workqueues.indexOf(sym),
      basePosition: (sym) => {
        let n = 0;
        for (const w of sym.wq!.works) {
          if (w === sym) return n;
          n += workInstances(w).length;
        }
        throw new Error("work not on its workqueue");
      },
      fieldEntry: (e, sym, entryWidth) => ({ addr: this.fieldEntryAddr(e, sym, entryWidth, env), name: kernelFieldText(e) }),
    };
  }

  /** The entry of a lock or refcount field for the object `e.target` refers to: null-deref and use-after-free as for any field. */
  private fieldEntryAddr(e: LExpr & { kind: "Field" }, sym: Symbol, entryWidth: number, env: FrameEnv): Addr {
    const pi = this.poolOf(e.target.ty as Type & { kind: "ref" });
    const pool = this.pools[pi]!;
    const index: Expr = {
      k: "deref", ref: this.scalar(e.target, env), pool: pi, what: spanText(e.target.span),
      offset: pool.offset, stride: pool.stride, bound: pool.bound, name: pool.name,
    };
    return { space: "global", offset: this.globalOffset.get(sym)!, terms: [{ index, stride: entryWidth }] };
  }

  private refAddr(e: LExpr, env: FrameEnv): { addr: Addr; lo: number; hi: number; name: string } {
    const field = objectFieldEntity(e);
    if (field?.kind === "refcount") {
      return { addr: this.fieldEntryAddr(e as LExpr & { kind: "Field" }, field, 1, env), lo: field.type.lo, hi: field.type.hi, name: kernelFieldText(e) };
    }
    const base = e.kind === "Index" ? e.target : e;
    const sym = (base as LExpr & { kind: "Name" }).sym!;
    if (sym.kind !== "refcount") throw new Error("refcount expected");
    const offset = this.globalOffset.get(sym)!;
    const terms = e.kind === "Index" ? [{ index: this.position(e.index, sym.index!, env, sym.name), stride: 1 }] : [];
    return { addr: { space: "global", offset, terms }, lo: sym.type.lo, hi: sym.type.hi, name: spanText(e.span) };
  }

  /** The 0-based position of an index expression's value within the finite type `key`. */
  private position(e: LExpr, key: Type, env: FrameEnv, what: string): Expr {
    const v = this.scalar(e, env);
    if (key.kind === "int") {
      const et = e.ty;
      if (isConst(v)) {
        if (v.v < key.lo || v.v > key.hi) {
          this.diags.push(error(IrCodes.ConstantOutOfRange, `index ${v.v} is outside ${typeToString(key)} (the index type of ${what})`, e.span));
        }
        return K(v.v - key.lo);
      }
      if (et?.kind === "int" && et.lo >= key.lo && et.hi <= key.hi) return key.lo === 0 ? v : bin("-", v, K(key.lo));
      return { k: "pos", a: v, lo: key.lo, count: cardinality(key), what: `index of ${what}` };
    }
    return v;
  }

  private place(e: LExpr, env: FrameEnv): Place {
    const p = this.tryPlace(e, env);
    if (!p) throw new Error(`not a place: ${e.kind}`);
    return p;
  }

  private tryPlace(e: LExpr, env: FrameEnv): Place | undefined {
    switch (e.kind) {
      case "Name": {
        const sym = e.sym;
        if (!sym) return undefined;
        if (sym.kind === "var") return { addr: { space: "global", offset: this.globalOffset.get(sym)!, terms: [] }, type: sym.type };
        if (sym.kind === "refcount" && !sym.index) return { addr: { space: "global", offset: this.globalOffset.get(sym)!, terms: [] }, type: sym.type };
        if (sym.kind === "local" && sym.role !== "instance") return { addr: { space: "local", offset: this.localFor(sym, env), terms: [] }, type: sym.type };
        return undefined;
      }
      case "Index": {
        if (e.target.kind === "Name" && e.target.sym?.kind === "refcount") {
          const { addr } = this.refAddr(e, env);
          return { addr, type: e.target.sym.type };
        }
        const p = this.tryPlace(e.target, env);
        if (!p || p.type.kind !== "map") return undefined;
        const stride = widthOf(p.type.value);
        const idx = this.position(e.index, p.type.key, env, spanText(e.target.span));
        if (isConst(idx)) return { addr: addrAt(p.addr, idx.v * stride), type: p.type.value };
        return { addr: { space: p.addr.space, offset: p.addr.offset, terms: [...p.addr.terms, { index: idx, stride }] }, type: p.type.value };
      }
      case "Field": {
        const tt = e.target.ty;
        const counter = objectFieldEntity(e);
        if (counter?.kind === "refcount") return { addr: this.fieldEntryAddr(e, counter, 1, env), type: counter.type }; // refcount_read()
        if (tt?.kind === "ref") {
          const pi = this.poolOf(tt);
          const pool = this.pools[pi]!;
          const sym = this.m.objects.find((o) => o.type.id === tt.id)!;
          let off = 1;
          for (const f of sym.fields) {
            if (f.name === e.field.name) {
              const index: Expr = {
                k: "deref", ref: this.scalar(e.target, env), pool: pi, what: spanText(e.target.span),
                offset: pool.offset, stride: pool.stride, bound: pool.bound, name: pool.name,
              };
              return { addr: { space: "global", offset: pool.offset + off, terms: [{ index, stride: pool.stride }] }, type: f.type };
            }
            off += widthOf(f.type);
          }
          return undefined;
        }
        const p = this.tryPlace(e.target, env);
        if (!p) return undefined;
        if (p.type.kind === "record") {
          let off = 0;
          for (const f of p.type.fields) {
            if (f.name === e.field.name) return { addr: addrAt(p.addr, off), type: f.type };
            off += widthOf(f.type);
          }
        }
        if (p.type.kind === "ops") {
          const i = p.type.fields.findIndex((f) => f.name === e.field.name);
          return { addr: addrAt(p.addr, i), type: { kind: "proc", params: p.type.fields[i]!.params, ret: p.type.fields[i]!.ret } };
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private readPlace(p: Place): Expr[] {
    const w = widthOf(p.type);
    return Array.from({ length: w }, (_, i): Expr => ({ k: "read", addr: addrAt(p.addr, i) }));
  }

  /** The flattened value of an expression: one IR expression per slot. */
  value(e: LExpr, env: FrameEnv): Expr[] {
    const v = this.valueOf(e, env);
    const t = e.ty!;
    if (t.kind === "set" && t.elem.kind === "ref" && (e.kind === "Name" || e.kind === "Index" || e.kind === "Field")) return [this.liveElements(v[0]!, t.elem, e)];
    return v;
  }

  /**
   * A set of references read from a variable, local, map entry or field: every object in it
   * must still be live (language.md, "Sets of references": a list that still holds a freed
   * object is use-after-free when it is read). Checked in slot order; the value is the set.
   */
  private liveElements(set: Expr, elem: Type & { kind: "ref" }, e: LExpr): Expr {
    if (isConst(set) && set.v === 0) return set;
    const pi = this.poolOf(elem);
    const pool = this.pools[pi]!;
    const id = this.boundCounter++;
    const what = `an element of ${spanText(e.span)}`;
    const live: Expr = bin(">=", { k: "deref", ref: { k: "bound", id }, pool: pi, what, offset: pool.offset, stride: pool.stride, bound: pool.bound, name: pool.name }, K(0));
    return ite({ k: "quant", q: "forall", set, lo: 1, count: pool.bound, id, body: live }, set, K(0));
  }

  private valueOf(e: LExpr, env: FrameEnv): Expr[] {
    const t = e.ty!;
    // a closed constant, already evaluated exactly by the checker (BigInt intermediates)
    if (e.folded !== undefined) return [K(e.folded)];
    switch (e.kind) {
      case "IntLit": return [K(e.value)];
      case "BoolLit": return [K(e.value ? 1 : 0)];
      case "NoneLit": case "NullLit": return [K(0)];
      case "Name": {
        const sym = e.sym!;
        switch (sym.kind) {
          case "const": return flattenValue(sym.value).map(K);
          case "member": return [K(sym.index)];
          case "type": return [K(fullMask(sym.type))];
          case "proc": return [K(sym.index + 1)];
          case "bound": {
            const b = this.boundExprs.get(sym);
            if (!b) throw new Error(`unbound ${sym.name}`);
            return [b];
          }
          case "local": {
            if (sym.role === "instance") return [{ k: "instance" }];
            const known = env.consts.get(sym);
            if (known) return known;
            return this.readPlace(this.place(e, env));
          }
          case "var": case "refcount":
            return this.readPlace(this.place(e, env));
          default:
            throw new Error(`cannot lower name of kind ${sym.kind}`);
        }
      }
      case "Unary": {
        const a = this.scalar(e.operand, env);
        if (e.op === "not") return [not(a)];
        return [isConst(a) ? K(-a.v) : { k: "un", op: "neg", a }];
      }
      case "Binary": return this.binary(e, env);
      case "SetLit": {
        if (t.kind === "ops") return t.fields.map(() => K(0));
        const elem = (t as Type & { kind: "set" }).elem;
        const bits = e.elems.map((x) => this.bit(this.scalar(x, env), elem, spanText(x.span)));
        return [foldChain(K(0), bits, (a, b) => bin("|", a, b))];
      }
      case "RecordLit": {
        if (t.kind === "ops") {
          return t.fields.map((f) => {
            const fe = e.fields.find((x) => x.name.name === f.name);
            return fe ? this.scalar(fe.value, env) : K(0);
          });
        }
        const rt = t as Type & { kind: "record" };
        return rt.fields.flatMap((f) => this.value(e.fields.find((x) => x.name.name === f.name)!.value, env));
      }
      case "MapLit": {
        const mt = t as Type & { kind: "map" };
        const w = widthOf(mt.value);
        const out: Expr[] = new Array(cardinality(mt.key) * w);
        for (const en of e.entries) {
          const k = this.scalar(en.key, env);
          if (!isConst(k)) throw new Error("map keys are constants");
          const pos = mt.key.kind === "int" ? k.v - mt.key.lo : k.v;
          this.value(en.value, env).forEach((x, j) => (out[pos * w + j] = x));
        }
        return out;
      }
      case "MapComp": {
        const mt = t as Type & { kind: "map" };
        const n = cardinality(mt.key);
        const out: Expr[] = [];
        for (let i = 0; i < n; i++) {
          this.boundExprs.set(e.sym!, K(nthValue(mt.key, i)));
          out.push(...this.value(e.body, env));
        }
        this.boundExprs.delete(e.sym!);
        return out;
      }
      case "Index": {
        const p = this.tryPlace(e, env);
        if (p) return this.readPlace(p);
        const tt = e.target.ty as Type & { kind: "map" };
        const values = this.value(e.target, env);
        const w = widthOf(tt.value);
        const n = cardinality(tt.key);
        const idx = this.position(e.index, tt.key, env, spanText(e.target.span));
        const out: Expr[] = [];
        for (let j = 0; j < w; j++) {
          const column = Array.from({ length: n }, (_, i) => values[i * w + j]!);
          // a constant index outside the key type has been reported (K6005): any value will do
          if (isConst(idx)) out.push(column[idx.v] ?? K(0));
          else if (column.every(isConst)) {
            // even when every entry is the same, the index is evaluated: it may read shared state or leave the key type
            out.push({ k: "table", values: column.map((c) => (c as { v: number }).v), index: idx });
          } else {
            out.push(selectEntry(column, (i) => bin("==", idx, K(i)), (i) => bin("<", idx, K(i)), ite));
          }
        }
        return out;
      }
      case "Field": {
        const p = this.tryPlace(e, env);
        if (p) return this.readPlace(p);
        const tt = e.target.ty!;
        const values = this.value(e.target, env);
        if (tt.kind === "record") {
          let off = 0;
          for (const f of tt.fields) {
            const w = widthOf(f.type);
            if (f.name === e.field.name) return values.slice(off, off + w);
            off += w;
          }
        }
        if (tt.kind === "ops") {
          const i = tt.fields.findIndex((f) => f.name === e.field.name);
          return [values[i]!];
        }
        throw new Error("field of non-record");
      }
      case "Builtin": {
        const arg = e.args[0]!;
        if (e.fn.name === "size") {
          const s = this.scalar(arg, env);
          return [isConst(s) ? K(popcountConst(s.v)) : { k: "un", op: "popcount", a: s }];
        }
        if (e.fn.name === COMPLETION_DONE_FUNCTION) return [bin("!=", { k: "read", addr: completionAddr(arg, this.syncContext(env)).addr }, K(0))];
        const { addr, kind } = this.lockAddr(arg, env);
        return [{ k: e.fn.name === "held" ? "held" : "locked", lock: addr, lockKind: kind }];
      }
      case "Cond": {
        const c = this.scalar(e.cond, env);
        const a = this.value(e.then, env);
        const b = this.value(e.else, env);
        return a.map((x, i) => ite(c, x, b[i]!));
      }
      case "Quant": {
        const st = e.domain.ty as Type & { kind: "set" };
        const set = this.scalar(e.domain, env);
        const id = this.boundCounter++;
        this.boundExprs.set(e.sym as BoundSymbol, { k: "bound", id });
        const body = this.scalar(e.body, env);
        this.boundExprs.delete(e.sym as BoundSymbol);
        const lo = firstValue(st.elem);
        return [{ k: "quant", q: e.quant, set, lo, count: cardinality(st.elem), id, body }];
      }
      case "Alloc":
        throw new Error("alloc outside an assignment in a checked model");
      case "ErrorExpr":
        throw new Error("error expression in a checked model");
    }
  }

  private bit(v: Expr, elem: Type, what: string): Expr {
    if (elem.kind === "ref") {
      // an object joins a list: the reference must be to a live object (null-deref, use-after-free)
      const pi = this.poolOf(elem);
      const pool = this.pools[pi]!;
      const index: Expr = { k: "deref", ref: v, pool: pi, what, offset: pool.offset, stride: pool.stride, bound: pool.bound, name: pool.name };
      return { k: "bit", a: index, lo: 0, count: pool.bound, what: `element ${what}` };
    }
    const lo = elem.kind === "int" ? elem.lo : 0;
    const count = cardinality(elem);
    if (isConst(v)) {
      const i = v.v - lo;
      if (i >= 0 && i < count) return K(1 << i);
    }
    return { k: "bit", a: v, lo, count, what: `element ${what}` };
  }

  private binary(e: LExpr & { kind: "Binary" }, env: FrameEnv): Expr[] {
    const op = e.op;
    const lt = e.left.ty!;
    switch (op) {
      case "and": case "or": return [bin(op, this.scalar(e.left, env), this.scalar(e.right, env))];
      case "=>": return [bin("or", not(this.scalar(e.left, env)), this.scalar(e.right, env))];
      case "==": case "!=": {
        const a = this.value(e.left, env);
        const b = this.value(e.right, env);
        const eq = foldChain(K(1), a.map((x, i) => bin("==", x, b[i]!)), (p, q) => bin("and", p, q));
        return [op === "==" ? eq : not(eq)];
      }
      case "<": case "<=": case ">": case ">=":
        return [bin(op, this.scalar(e.left, env), this.scalar(e.right, env))];
      case "in": case "notin": {
        const st = e.right.ty as Type & { kind: "set" };
        const a = this.scalar(e.left, env);
        const set = this.scalar(e.right, env);
        const lo = firstValue(st.elem);
        const count = cardinality(st.elem);
        let m: Expr;
        if (isConst(a)) {
          const i = a.v - lo;
          // outside the element type: never in the set, which is still evaluated (it may read shared state)
          m = bin("!=", bin("&", set, K(i >= 0 && i < count ? 1 << i : 0)), K(0));
        } else m = { k: "member", a, set, lo, count };
        return [op === "in" ? m : not(m)];
      }
      case "..": {
        const st = e.ty as Type & { kind: "set" };
        const elem = st.elem as Type & { kind: "int" };
        const a = this.scalar(e.left, env);
        const b = this.scalar(e.right, env);
        let mask: Expr = K(0);
        for (let i = 0; i < cardinality(elem); i++) {
          const v = elem.lo + i;
          mask = bin("|", mask, ite(bin("and", bin("<=", a, K(v)), bin("<=", K(v), b)), K(1 << i), K(0)));
        }
        // Bounds that are not constants may reach outside the element type: the first element
        // outside it is out-of-range, as for a set literal (it folds away for constant bounds).
        const lo = elem.lo;
        const hi = elem.lo + cardinality(elem) - 1;
        const firstBad = ite(bin("<=", a, b), ite(bin("<", a, K(lo)), a, ite(bin(">", b, K(hi)), ite(bin(">", a, K(hi)), a, K(hi + 1)), K(lo))), K(lo));
        return [bin("|", mask, bin("&", this.bit(firstBad, elem, spanText(e.span)), K(0)))];
      }
      case "+": case "-": case "&": {
        const a = this.scalar(e.left, env);
        const b = this.scalar(e.right, env);
        if (lt.kind === "set") return [bin(op === "+" ? "|" : op === "-" ? "&~" : "&", a, b)];
        return [bin(op as BinOp, a, b)];
      }
      case "*": case "/": case "%":
        return [bin(op, this.scalar(e.left, env), this.scalar(e.right, env))];
    }
  }

  // ------------------------------------------------------------ locations and steps

  private isLocation(n: Node): boolean {
    return n.location !== undefined;
  }

  private markLocations(entry: Node, end: Node): void {
    end.location = "end";
    const reachable = this.reachable(entry);
    for (const n of reachable) {
      if (n.region !== undefined) continue;
      if (n.kind === "atomic") n.location = "atomic";
      else if (n.shared) n.location = "action";
      else if (n.kind === "choice") n.location = "choice";
    }
    // Break every cycle of local nodes (outside atomic regions) with a loop location.
    const color = new Map<Node, number>();
    const inLocalGraph = (n: Node) => n.region === undefined && (n.location === undefined || n.location === "choice");
    for (const root of reachable) {
      if (!inLocalGraph(root) || color.has(root)) continue;
      const stack: { n: Node; i: number }[] = [{ n: root, i: 0 }];
      color.set(root, 1);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        if (top.i >= top.n.alts.length) {
          color.set(top.n, 2);
          stack.pop();
          continue;
        }
        const next = top.n.alts[top.i++]!.next;
        if (!inLocalGraph(next)) continue;
        const c = color.get(next);
        if (c === 1) {
          next.location = "loop";
        } else if (c === undefined) {
          color.set(next, 1);
          stack.push({ n: next, i: 0 });
        }
      }
    }
  }

  private reachable(entry: Node): Node[] {
    const seen = new Set<Node>([entry]);
    const order: Node[] = [entry];
    for (let i = 0; i < order.length; i++) {
      for (const a of order[i]!.alts) {
        if (!seen.has(a.next)) {
          seen.add(a.next);
          order.push(a.next);
        }
      }
    }
    return order;
  }

  /** Number the locations in source order of first reach from the entry; the end location last. */
  private numberLocations(entry: Node, end: Node): Node[] {
    const located = this.reachable(entry).filter((n) => this.isLocation(n) && n !== end);
    located.push(end);
    located.forEach((n, i) => (n.id = i));
    return located;
  }

  private expandInit(entry: Node, process: number): Step[] {
    const paths: Path[] = [];
    if (this.isLocation(entry)) paths.push({ ops: [], to: entry, action: undefined });
    else this.walk(entry, [], "post", paths, undefined, new Set());
    return paths.flatMap((p) => feasible(p, entry)).map((p) => this.emit(p, process, -1, entry));
  }

  private expand(from: Node, process: number, fromId: number): Step[] {
    const paths: Path[] = [];
    if (from.location === "end") return [];
    if (from.location === "action") {
      for (const alt of from.alts) this.walk(alt.next, alt.ops, "post", paths, { node: from, choice: alt.choice }, new Set());
    } else if (from.location === "atomic") {
      this.walkRegion(from.alts[0]!.next, [], from.body!, false, paths, { node: from }, new Set());
    } else {
      // choice or loop: resolve choices and local work up to the first action
      for (const alt of from.alts) this.walk(alt.next, alt.ops, "pre", paths, alt.choice ? { node: from, choice: alt.choice, pending: true } : undefined, new Set([from]));
    }
    return paths.flatMap((p) => feasible(p, from)).map((p) => this.emit(p, process, fromId, from));
  }

  /** A step of the path (numbered later, when the process's locations are final). */
  private emit(p: Path, process: number, fromId: number, from: Node): Step {
    // a silent step (choices resolved, no action reached, e.g. a local loop through a `pick`) is the
    // step of the place it starts from, as a thread resting there shows
    const action = p.action && !p.action.pending ? p.action.node : from;
    const simplified = dropRedundantResets(p.ops);
    const ops = p.to.location === "end" ? [...simplified, this.exitOp()] : simplified;
    // from a choice to the chosen branch's first action: the choice is named too
    const choiceAt = p.action?.choice !== undefined && action !== from && from.location === "choice" ? { choiceAt: { label: from.label, at: from.at } } : {};
    return {
      id: -1, process, from: fromId, to: p.to.id, ops,
      at: action.at, label: action.label, frames: action.frames,
      choice: p.action?.choice, ...choiceAt,
      silent: p.action === undefined || p.action.pending ? true : undefined,
    };
  }

  /** The thread's exit, at the closing brace of its process (workers never reach their end). */
  private exitOp(): Op {
    const proc = this.currentProcess!;
    const body = proc.body!.span;
    const close = body.file.position(body.end - 1);
    return { k: "exit", at: { ...srcLoc(body), line: close.line, col: close.col }, label: `end of ${proc.name}`, frames: [] };
  }

  private countPaths(paths: Path[], at: Node): void {
    if (paths.length > MAX_PATHS_PER_LOCATION) {
      throw new LowerError(error(IrCodes.TooManyPaths, `more than ${MAX_PATHS_PER_LOCATION} different paths lead on from ${at.label} (${at.at.file}:${at.at.line}) before the next shared statement; split the local work with a shared statement or simplify the branches`));
    }
  }

  /**
   * Follow local nodes from `n`. In the "pre" phase (before the step's action) choices
   * are resolved and the first action is executed; in the "post" phase the walk stops
   * at the next location.
   */
  private walk(n: Node, ops: Op[], phase: "pre" | "post", paths: Path[], action: PathAction | undefined, onPath: Set<Node>): void {
    this.walkAll({ kind: "walk", n, ops: chunk(ops, null), phase, action, onPath }, paths);
  }

  /** Walk an atomic block's body: everything inside is one step; blocking after the first shared statement is an error. */
  private walkRegion(n: Node, ops: Op[], region: number, sharedSeen: boolean, paths: Path[], action: PathAction, onPath: Set<Node>): void {
    this.walkAll({ kind: "region", n, ops: chunk(ops, null), region, sharedSeen, action, onPath }, paths);
  }

  /**
   * The walks above, depth first with an explicit stack rather than recursion (a process
   * may have a hundred thousand local statements in a row), visiting alternatives in
   * order. A path's ops are a shared list of chunks until the path ends, so a long
   * stretch of local work is not copied at every node. The choices on the way (`onPath`,
   * which stops a walk that comes round to a choice again) are one set, a choice added on
   * the way down and removed once everything below it is walked, rather than a copy per
   * choice. The ops of the paths found count towards the model's size as they are found,
   * so that too many long paths stop the lowering before they fill the memory.
   */
  private walkAll(first: WalkTask, paths: Path[]): void {
    const stack: (WalkTask | { kind: "leave"; n: Node; onPath: Set<Node> })[] = [first];
    const later: WalkTask[] = [];
    while (stack.length) {
      const task = stack.pop()!;
      if (task.kind === "leave") {
        task.onPath.delete(task.n);
        continue;
      }
      const n = task.n;
      later.length = 0;
      if (task.kind === "region") {
        const { region, sharedSeen, action, onPath } = task;
        if (n.region !== region) {
          stack.push({ kind: "walk", n, ops: task.ops, phase: "post", action, onPath });
          continue;
        }
        for (const alt of n.alts) {
          const altOps = sharedSeen ? alt.ops.map(noBlocking) : alt.ops;
          later.push({ kind: "region", n: alt.next, ops: chunk(altOps, task.ops), region, sharedSeen: sharedSeen || n.shared, action: { ...action, choice: mergeChoice(action.choice, alt.choice) }, onPath });
        }
      } else {
        const { phase, action, onPath } = task;
        if (this.isLocation(n)) {
          if (phase === "post" || n.location === "end" || n.location === "loop" || onPath.has(n)) {
            const ops = opsOf(task.ops);
            paths.push({ ops, to: n, action });
            this.countPaths(paths, n);
            const tooLarge = this.stepSize.add(ops, this.currentProcess!.name, paths.length, n);
            if (tooLarge) throw new LowerError(tooLarge);
            continue;
          }
          if (n.location === "action") {
            for (const alt of n.alts) {
              later.push({ kind: "walk", n: alt.next, ops: chunk(alt.ops, task.ops), phase: "post", action: { node: n, choice: mergeChoice(action?.choice, alt.choice) }, onPath: new Set() });
            }
          } else if (n.location === "atomic") {
            later.push({ kind: "region", n: n.alts[0]!.next, ops: task.ops, region: n.body!, sharedSeen: false, action: { node: n, choice: action?.choice }, onPath: new Set() });
          } else {
            // a choice reached before the action: resolve it in this step too
            onPath.add(n);
            stack.push({ kind: "leave", n, onPath });
            for (const alt of n.alts) {
              later.push({ kind: "walk", n: alt.next, ops: chunk(alt.ops, task.ops), phase: "pre", action: { node: action?.node ?? n, choice: mergeChoice(action?.choice, alt.choice), pending: true }, onPath });
            }
          }
        } else {
          if (n.region !== undefined) throw new Error("walked into an atomic region from outside");
          for (const alt of n.alts) later.push({ kind: "walk", n: alt.next, ops: chunk(alt.ops, task.ops), phase, action, onPath });
        }
      }
      // the first alternative is walked first
      for (let i = later.length - 1; i >= 0; i--) stack.push(later[i]!);
    }
  }
}

/** A pending walk: from node `n`, with the ops gathered so far. */
type WalkTask =
  | { kind: "walk"; n: Node; ops: OpChunks; phase: "pre" | "post"; action: PathAction | undefined; onPath: Set<Node> }
  | { kind: "region"; n: Node; ops: OpChunks; region: number; sharedSeen: boolean; action: PathAction; onPath: Set<Node> };

/** A path's ops, newest chunk first; shared by every path that continues from the same place. */
type OpChunks = { ops: Op[]; prev: OpChunks } | null;

function chunk(ops: Op[], prev: OpChunks): OpChunks {
  return ops.length ? { ops, prev } : prev;
}

function opsOf(list: OpChunks): Op[] {
  const chunks: Op[][] = [];
  for (let c = list; c; c = c.prev) chunks.push(c.ops);
  const out: Op[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) for (const op of chunks[i]!) out.push(op);
  return out;
}

interface Place {
  addr: Addr;
  type: Type;
}

interface PathAction {
  node: Node;
  choice?: string;
  /** Choices resolved but the action not yet reached. */
  pending?: boolean;
}

interface Path {
  ops: Op[];
  to: Node;
  action: PathAction | undefined;
}

/**
 * A path with a guard that is constantly false can never run (e.g. a pick alternative outside a
 * constant set) and is dropped -- unless something before that guard can raise a violation or
 * block (local work that faults on the way to an `await false`): the statements run in order, so
 * that violation (or wait) is real. Such a path is kept up to the guard, which then disables it
 * without a wait of its own.
 */
function feasible(p: Path, from: Node): Path[] {
  const i = p.ops.findIndex((op) => op.k === "assume" && isConst(op.cond) && op.cond.v === 0);
  if (i < 0) return [p];
  const before = p.ops.slice(0, i);
  if (!before.some(opMayRaise)) return [];
  // The guard is the first op of the path's action (an await, or a pick alternative), which the
  // step therefore never executes: like a silent step, it is the step of the place it starts from.
  const action = p.action === undefined || p.action.node === from ? p.action : { node: from, choice: p.action.choice, pending: true };
  return [{ ...p, ops: [...before, { k: "assume", cond: K(0) }], action }];
}

/** Can an op raise a violation, fault or block (rather than only compute, assign or test)? */
function opMayRaise(op: Op): boolean {
  switch (op.k) {
    case "assume": return op.wait !== undefined || exprMayFault(op.cond);
    case "assign": return op.ranges.some((r) => r !== null) || op.values.some(exprMayFault) || op.targets.some((t) => t.terms.some((x) => exprMayFault(x.index)));
    default: return true;
  }
}

/** Can evaluating this expression fault (an index, element or division out of range, a dereference)? */
export function exprMayFault(e: Expr): boolean {
  switch (e.k) {
    case "pos": case "bit": case "deref": return true;
    case "bin": return e.op === "/" || e.op === "%" || exprMayFault(e.a) || exprMayFault(e.b);
    case "un": return exprMayFault(e.a);
    case "ite": return exprMayFault(e.c) || exprMayFault(e.a) || exprMayFault(e.b);
    case "table": return exprMayFault(e.index);
    case "member": return exprMayFault(e.a) || exprMayFault(e.set);
    case "quant": return exprMayFault(e.set) || exprMayFault(e.body);
    case "read": return e.addr.terms.some((t) => exprMayFault(t.index));
    case "held": case "locked": return e.lock.terms.some((t) => exprMayFault(t.index));
    default: return false;
  }
}

/** Drop local resets of slots that an earlier op on the path already zeroed (block and frame exits overlap). */
function dropRedundantResets(ops: Op[]): Op[] {
  const zero = new Set<number>();
  const out: Op[] = [];
  for (const op of ops) {
    if (op.k === "assign") {
      const isReset = op.targets.every((t) => t.space === "local" && t.terms.length === 0) && op.values.every((v) => isConst(v) && v.v === 0);
      if (isReset) {
        const keep = op.targets.filter((t) => !zero.has(t.offset));
        for (const t of op.targets) zero.add(t.offset);
        if (keep.length === 0) continue;
        out.push(keep.length === op.targets.length ? op : { ...op, targets: keep, values: keep.map(() => K(0)), ranges: keep.map(() => null) });
        continue;
      }
      for (const t of op.targets) {
        if (t.space !== "local") continue;
        if (t.terms.length) zero.clear();
        else zero.delete(t.offset);
      }
    }
    out.push(op);
  }
  return out;
}

function mergeChoice(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return `${a}; ${b}`;
}

/** Inside an atomic block, after its first shared statement, blocking is a violation. */
function noBlocking(op: Op): Op {
  if (op.k === "lock" || op.k === "wait_completion") return { ...op, noBlock: true };
  if (op.k === "assume" && op.wait !== undefined) return { k: "check", cond: op.cond, violation: "atomic-blocked", message: `${op.wait} would block inside an atomic block (only its first statement may block)`, at: op.at };
  return op;
}

function exprShared(e: Expr): boolean {
  switch (e.k) {
    case "read": return e.addr.space === "global" || e.addr.terms.some((t) => exprShared(t.index));
    case "held": case "locked": return true;
    case "un": return exprShared(e.a);
    case "bin": return exprShared(e.a) || exprShared(e.b);
    case "ite": return exprShared(e.c) || exprShared(e.a) || exprShared(e.b);
    case "table": return exprShared(e.index);
    case "pos": case "bit": return exprShared(e.a);
    case "member": return exprShared(e.a) || exprShared(e.set);
    case "quant": return exprShared(e.set) || exprShared(e.body);
    case "deref": return true;
    default: return false;
  }
}

function addrShared(a: Addr): boolean {
  return a.space === "global" || a.terms.some((t) => exprShared(t.index));
}

export function opsShared(ops: Op[]): boolean {
  for (const op of ops) {
    switch (op.k) {
      case "lock": case "unlock": case "trylock": case "rwsem_queue": case "refget": case "refput": case "exit": case "alloc": case "free": case "might_sleep": case "complete": case "wait_completion": case "try_wait_completion":
      case "srcu_read_lock": case "srcu_read_unlock": case "srcu_gp_start": case "srcu_sync": return true;
      case "queue_work": case "work_start": case "work_end": case "work_wait": return true;
      case "call_rcu": case "rcu_callback_start": case "rcu_callback_end": return true;
      case "assume": if (exprShared(op.cond)) return true; break;
      case "check": if (exprShared(op.cond)) return true; break;
      case "assign": if (op.targets.some(addrShared) || op.values.some(exprShared)) return true; break;
      case "fail": break;
    }
  }
  return false;
}

function popcountConst(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

function defaultValueOf(t: Type): Value {
  switch (t.kind) {
    case "int": return Math.max(t.lo, Math.min(0, t.hi));
    case "map": return Array.from({ length: cardinality(t.key) }, () => defaultValueOf(t.value));
    case "record": return t.fields.map((f) => defaultValueOf(f.type));
    case "ops": return t.fields.map(() => 0);
    default: return 0;
  }
}

function typesMatch(a: Type & { kind: "proc" }, b: Type & { kind: "proc" }): boolean {
  return a.params.length === b.params.length && a.params.every((p, i) => typeToString(p) === typeToString(b.params[i]!)) &&
    (a.ret ? typeToString(a.ret) : "") === (b.ret ? typeToString(b.ret) : "");
}

function formatValueLang(t: Type, v: Value, procNames: string[]): string {
  const name = (i: number) => procNames[i] ?? `?${i}`;
  if (typeof v === "number") return formatScalar(t, v, name);
  if (t.kind === "map") {
    const n = cardinality(t.key);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`${formatScalar(t.key, nthValue(t.key, i), name)}: ${formatValueLang(t.value, v[i]!, procNames)}`);
    return `[${parts.join(", ")}]`;
  }
  if (t.kind === "record") return `{${t.fields.map((f, i) => `${f.name}: ${formatValueLang(f.type, v[i]!, procNames)}`).join(", ")}}`;
  if (t.kind === "ops") return `{${t.fields.map((f, i) => (v[i] ? `${f.name}: ${name((v[i] as number) - 1)}` : "")).filter((x) => x).join(", ")}}`;
  return JSON.stringify(v);
}

// ---------------------------------------------------------------- syntax tree walks

/** `C[i].f` with `C` a constant (map of ops tables). */
function isConstTableField(e: LExpr): boolean {
  return e.kind === "Field" && e.target.kind === "Index" && e.target.target.kind === "Name" && e.target.target.sym?.kind === "const";
}

function walkExpr(e: LExpr, f: (e: LExpr) => void): void {
  f(e);
  switch (e.kind) {
    case "Unary": return walkExpr(e.operand, f);
    case "Binary": walkExpr(e.left, f); return walkExpr(e.right, f);
    case "SetLit": return e.elems.forEach((x) => walkExpr(x, f));
    case "RecordLit": return e.fields.forEach((x) => walkExpr(x.value, f));
    case "MapLit": return e.entries.forEach((x) => { walkExpr(x.key, f); walkExpr(x.value, f); });
    case "MapComp": walkExpr(e.domain, f); return walkExpr(e.body, f);
    case "Index": walkExpr(e.target, f); return walkExpr(e.index, f);
    case "Field": return walkExpr(e.target, f);
    case "Builtin": return e.args.forEach((x) => walkExpr(x, f));
    case "Cond": walkExpr(e.cond, f); walkExpr(e.then, f); return walkExpr(e.else, f);
    case "Quant": walkExpr(e.domain, f); return walkExpr(e.body, f);
    case "Alloc": return e.fields.forEach((x) => walkExpr(x.value, f));
    default: return;
  }
}

function walkStmts(b: Block, f: (s: Stmt) => void): void {
  for (const s of b.stmts) {
    f(s);
    switch (s.kind) {
      case "If": walkStmts(s.then, f); if (s.else) walkStmts(s.else, f); break;
      case "While": case "For": case "Pick": case "Atomic": walkStmts(s.body, f); break;
      case "Either": s.branches.forEach((x) => walkStmts(x, f)); break;
      default: break;
    }
  }
}

/** A lock or refcount field as the kernel writes it, `vm->lock`, `dev->kvm->users_count` (the dots through references become arrows). */
function kernelFieldText(e: LExpr): string {
  if (e.kind !== "Field") return spanText(e.span);
  const through = e.target.ty?.kind === "ref" ? "->" : ".";
  return `${kernelFieldText(e.target)}${through}${e.field.name}`;
}

/** How a trace names an either's branch (language.md, "Choices"): `branch 1 of 2 of the either at f.knot:5:3`, after its label if it has one. */
function eitherChoice(i: number, n: number, at: string, label: string | undefined): string {
  const where = `branch ${i + 1} of ${n} of the either at ${at}`;
  return label === undefined ? where : `"${label}": ${where}`;
}
