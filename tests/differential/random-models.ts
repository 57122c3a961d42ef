// A seeded generator of random small knot models for differential testing.
// `generateModel(seed)` always returns the same text for the same seed
// (mulberry32). The models are meant to compile: every expression is built for
// the type its place needs, names never clash (each local, binder and bound
// variable has a fresh name), calls only go to procedures declared earlier
// (callbacks neither call nor change tables), no `while` runs inside `atomic`,
// and a procedure with a return type ends with `return`. They are small (2-3
// processes, at most 4 threads, short bodies, loops bounded by counters, the
// odd `while true`) but use every construct: mutexes, a lock array, a
// spinlock, an rwsem, trylocks of each, refcounts (plain, ranged, array; get, put, dec_and_test, dec_and_lock,
// inc-not-zero), bool, range, enumeration, set, map and record variables
// (ranges with run-time bounds, map comprehensions, quantifiers), an object
// pool (alloc, free, fields, references passed to procedures), an ops table
// type (constant tables, a map of tables, a variable table, local copies,
// `none` fields, calls through them), procedures with parameters, locals and
// return values (stored or discarded), and if/else, either/or, while, for,
// pick, await, atomic (nested too), assert, return, invariants and finals.
// Lock sections are mostly well nested, but sometimes not (ABBA orders between
// processes, double unlock, a lock kept at exit, a mutex under the spinlock),
// counts are sometimes dropped once too often, fields are sometimes read
// through null or freed references, callbacks may be none, and values may leave
// their ranges, so the checks fire too. A third of the models also switch one
// or two checks off (`disabled`).
//
// A quarter of the models have wide integers: variables over the whole 32-bit
// range and constants, products, quotients and remainders near 2^53 (where the
// engines' doubles stop being exact; the reference computes with BigInt), and
// closed constants whose intermediates go far beyond it. A few of those step
// past the limits on purpose (a range past 32 bits, a product that can pass
// 2^53): the checker must reject them (`rejects` says with which codes). One
// model in six names its enumeration members, record, object and ops fields
// and some variables after Object.prototype's properties (__proto__, constructor, …).

import { mulberry32 } from "@knot/reference";

export { mulberry32 };

/** One generated model: the seed it came from, its source, and the checks it switches off. */
export interface GeneratedModel {
  seed: number;
  text: string;
  disabled: string[];
  /** Set when the model steps past an integer limit on purpose: the diagnostic codes the checker must reject it with. */
  rejects?: string[];
}

/** The checks a generated model may switch off. */
const SWITCHABLE = [
  "recursive-locking", "lock-cycle", "stuck", "unlock-not-held", "exit-holding-lock", "sleep-in-atomic", "refcount-underflow",
  "refcount-inc-from-zero", "null-callback", "use-after-free", "double-free", "leak", "null-deref", "assertion", "invariant", "final",
  "out-of-range", "lock-order",
];

type GT =
  | { k: "bool" }
  | { k: "int"; lo: number; hi: number; text: string }
  | { k: "enum" }
  | { k: "set"; elem: "small" | "enum" }
  | { k: "map"; key: "idx" | "enum" }
  | { k: "rec" }
  | { k: "ref" }
  | { k: "ops" };

type IntT = Extract<GT, { k: "int" }>;

const BOOL: GT = { k: "bool" };
const IDX: IntT = { k: "int", lo: 0, hi: 1, text: "Idx" };
const SMALL: IntT = { k: "int", lo: 0, hi: 3, text: "Small" };
const MEMBERS = ["mode_a", "mode_b", "mode_c"];

interface Var {
  name: string;
  ty: GT;
  /** A global (shared) variable; else a local, parameter or binder. */
  shared: boolean;
  writable: boolean;
  /** Ranges over (nearly) all of 32 bits: used by the wide-integer expressions, rarely elsewhere. */
  wide?: boolean;
}

/** 2^31 - 1 and 2^22: WMAX * WK is 2^53 - 2^22, just inside what doubles hold exactly. */
const WMAX = 2147483647;
const WK = 4194304;

interface ProcInfo {
  name: string;
  params: GT[];
  ret?: GT;
  /** Contains a `while` (itself or through its callees): not callable inside `atomic`. */
  hasWhile: boolean;
}

interface Scope {
  vars: Var[];
  /** "thread": a procedure or process body; "prop": an invariant or final (shared state only, no held()). */
  ctx: "thread" | "prop";
  inAtomic: boolean;
  /** The procedure being generated (undefined in a process). */
  proc?: ProcInfo;
  /** Procedures this body may call. */
  callable: ProcInfo[];
  /** Locks taken by enclosing sections, to keep most sections non-recursive. */
  held: string[];
  /** This body contains a `while` (set while generating). */
  flags: { hasWhile: boolean };
  /** A callback: it neither calls through nor changes an ops table (no call can come back round). */
  callback?: boolean;
}

const typeText = (t: GT): string => {
  switch (t.k) {
    case "bool": return "bool";
    case "int": return t.text;
    case "enum": return "Mode";
    case "set": return t.elem === "small" ? "set<Small>" : "set<Mode>";
    case "map": return t.key === "idx" ? "[Idx] Small" : "[Mode] bool";
    case "rec": return "Rec";
    case "ref": return "node";
    case "ops": return "dev_ops";
  }
};

export class ModelGenerator {
  private readonly r: () => number;
  private n = 0;
  /** A for/pick binder named like its pool (`node`) is in scope: nested binders take fresh names. */
  private binderIsPool = false;
  private readonly lines: string[] = [];
  // features of this model
  private readonly f: {
    enumT: boolean; set: boolean; setMode: boolean; map: boolean; mapMode: boolean; rec: boolean; obj: boolean; ops: boolean;
    lockArr: boolean; spin: boolean; rw: boolean; refArr: boolean; r1: boolean; wide: boolean; completion: boolean; completionArr: boolean;
    srcu: boolean; srcuArr: boolean; rcu: boolean;
    wq: boolean; wqArr: boolean;
    cb: boolean;
    objSync: boolean;
    lists: boolean;
    /** With objSync and a workqueue: a work item inside each object (`wk: work on wq0 runs wf2`). */
    objWork: boolean;
    /** A symmetric type `Vid` with a process array over it and state indexed by it (language.md, "Symmetric types"). */
    sym: boolean;
  };
  /** With sym: how many values Vid has. */
  private symN = 2;
  /** The codes a deliberately out-of-limits model must be rejected with. */
  rejects: string[] | undefined;
  private readonly globals: Var[] = [];
  private readonly mutexes: string[] = ["m0", "m1"];
  private readonly opsProcs = { open: [] as string[], release: [] as string[], query: [] as string[] };
  private readonly helpers: ProcInfo[] = [];
  /** With objSync: the objects' lock is a spinlock (else a mutex). */
  private readonly objSpin: boolean;
  /** nest_lock annotations, from a stream of their own. */
  private readonly nestR: () => number;
  /** call_rcu / call_srcu callbacks: each is registered on one domain only (rcu, ss, or an entry of sa), to keep the callback threads few. */
  private readonly cbs: { name: string; param?: GT; domain: "rcu" | "ss" | "sa" }[] = [];

  constructor(readonly seed: number) {
    this.r = mulberry32(seed);
    const p = (x: number) => this.r() < x;
    this.f = {
      enumT: p(0.5), set: p(0.5), setMode: p(0.25), map: p(0.5), mapMode: p(0.25), rec: p(0.3), obj: p(0.4), ops: p(0.45),
      lockArr: p(0.35), spin: p(0.3), rw: p(0.4), refArr: p(0.3), r1: p(0.5),
      // from a stream of its own, so that models without wide integers are what their seed gave before
      wide: mulberry32(seed ^ 0x9e3779b9)() < 0.25,
      // likewise: whether the model has completions does not shift the other features
      completion: mulberry32(seed ^ 0x85ebca6b)() < 0.4,
      completionArr: mulberry32(seed ^ 0xc2b2ae35)() < 0.3,
      srcu: mulberry32(seed ^ 0x27d4eb2f)() < 0.35,
      srcuArr: mulberry32(seed ^ 0x165667b1)() < 0.3,
      rcu: mulberry32(seed ^ 0xd3a2646c)() < 0.3,
      wq: mulberry32(seed ^ 0x4cf5ad43)() < 0.35,
      wqArr: mulberry32(seed ^ 0x2545f491)() < 0.4,
      cb: mulberry32(seed ^ 0x7f4a7c15)() < 0.5,
      objSync: mulberry32(seed ^ 0x3c6ef372)() < 0.5,
      lists: mulberry32(seed ^ 0x5bd1e995)() < 0.6,
      objWork: mulberry32(seed ^ 0x1b873593)() < 0.6,
      sym: mulberry32(seed ^ 0x510e527f)() < 0.35,
    };
    this.symN = mulberry32(seed ^ 0x510e527f ^ 1)() < 0.25 ? 3 : 2;
    this.objSpin = mulberry32(seed ^ 0x3c6ef372 ^ 1)() < 0.3;
    this.nestR = mulberry32(seed ^ 0x6a09e667);
    this.rejects = undefined;
    if (!this.f.enumT) { this.f.setMode = false; this.f.mapMode = false; }
    if (!this.f.obj) this.f.lists = false;
    if (!this.f.obj || !this.f.objSync || !this.f.wq) this.f.objWork = false;
  }

  /** The model goes past an integer limit on purpose: the checker must reject it with this code (or another one recorded). */
  private reject(code: string): void {
    // a model can go past several limits; the checker reports at least one of them
    if (!this.rejects?.includes(code)) this.rejects = [...(this.rejects ?? []), code];
  }

  // ------------------------------------------------------------ randomness

  private chance(x: number): boolean {
    return this.r() < x;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  /** A choice among weighted alternatives (weight 0: unavailable). */
  private weighted<T>(alts: readonly [number, () => T][]): T {
    const total = alts.reduce((s, [w]) => s + w, 0);
    let x = this.r() * total;
    for (const [w, f] of alts) {
      if (w <= 0) continue;
      if (x < w) return f();
      x -= w;
    }
    return alts.find(([w]) => w > 0)![1]();
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  // ------------------------------------------------------------ the model

  generate(): string {
    const f = this.f;
    this.emit(`// generated model, seed ${this.seed}`);
    this.emit("type Idx = 0..1");
    this.emit("type Small = 0..3");
    if (f.enumT) this.emit(`type Mode = {${MEMBERS.join(", ")}}`);
    if (f.rec) this.emit("type Rec = {a: Small, b: bool}");
    // variables
    const nb = this.int(1, 2);
    for (let i = 0; i < nb; i++) this.global(`b${i}`, BOOL, this.chance(0.5) ? "false" : "true");
    const ni = this.int(1, 2);
    for (let i = 0; i < ni; i++) {
      const hi = this.pick([1, 2, 3]);
      this.global(`x${i}`, { k: "int", lo: 0, hi, text: `0..${hi}` }, String(this.int(0, hi)));
    }
    if (f.wide) this.wideDecls();
    if (f.enumT) this.global("md", { k: "enum" }, this.pick(MEMBERS));
    if (f.set) this.global("s0", { k: "set", elem: "small" }, this.pick(["{}", "{1}", "{0, 2}"]));
    if (f.setMode) this.global("sm", { k: "set", elem: "enum" }, this.pick(["{}", "{mode_a}", "Mode"]));
    if (f.map) this.global("mp", { k: "map", key: "idx" }, this.pick(["[0: 0, 1: 0]", "[0: 1, 1: 2]", "[i in Idx: i]"]));
    if (f.mapMode) this.global("mm", { k: "map", key: "enum" }, this.pick(["[mode_a: false, mode_b: true, mode_c: false]", "[q in Mode: q == mode_a]"]));
    if (f.rec) this.global("rec", { k: "rec" }, this.pick(["{a: 0, b: false}", "{a: 2, b: true}"]));
    // locks and refcounts
    this.emit("mutex m0");
    this.emit("mutex m1");
    if (f.lockArr) this.emit("mutex ma[Idx]");
    if (f.spin) this.emit("spinlock sl");
    if (f.rw) this.emit("rwsem rw");
    if (f.srcu) this.emit("srcu ss");
    if (f.srcu && f.srcuArr) this.emit("srcu sa[Idx]");
    if (f.completion) this.emit("completion cp");
    if (f.completion && f.completionArr) this.emit("completion ca[Idx]");
    this.emit(`refcount r0 = ${this.int(1, 2)}`);
    if (f.r1) this.emit(`refcount r1: ${this.pick(["0..3", "1..3", "0..2"])} = ${this.int(1, 2)}`);
    if (f.refArr) this.emit(`refcount ra[Idx] = ${this.int(1, 2)}`);
    // objects
    if (f.obj) {
      // with objSync, a lock and a refcount inside each object (language.md, "Locks and refcounts in objects")
      // and with ops tables an ops table inside each object, under the kernel's name for it
      const bound = this.int(1, 3);
      this.emit(`object node[${bound}] { val: 0..2, on: bool${f.objSync ? `, lk: ${this.objSpin ? "spinlock" : "mutex"}, rc: refcount 0..3 = 1, nx: node` : ""}${f.objSync && f.ops ? ", ops: dev_ops" : ""}${f.objSync && f.srcu ? ", sd: srcu" : ""}${f.objSync && f.completion ? ", cd: completion" : ""}${f.objSync && f.lists ? ", ls: set<node>" : ""}${f.objWork ? ", wk: work on wq0 runs wf2" : ""} }`);
      const gpObject = this.chance(f.objSync ? 0.75 : 0.3);
      this.global("gp", { k: "ref" }, gpObject ? "alloc node {val: 1}" : "null");
      // a linked initial state: a second initial object pointing to the first (from a stream of its own)
      const linked = mulberry32(this.seed ^ 0x7a3c15e9);
      if (f.objSync && gpObject && bound >= 2 && linked() < 0.5) this.global("gq", { k: "ref" }, `alloc node {val: 2, nx: gp${f.lists && linked() < 0.5 ? ", ls: {gp}" : ""}}`);
      // a list of objects (language.md, "Sets of references"), sometimes holding the initial object
      if (f.lists) this.emit(`var gl: set<node> = ${gpObject && linked() < 0.6 ? "{gp}" : "{}"}`);
    }
    // ops tables and their callbacks
    if (f.ops) {
      this.emit("ops dev_ops { open(d: Idx), release(), query(): bool }");
      const opens = this.int(1, 2);
      for (let i = 0; i < opens; i++) this.opsProc("open");
      const releases = this.int(1, 2);
      for (let i = 0; i < releases; i++) this.opsProc("release");
      this.opsProc("query");
      this.emit(`const tbl: dev_ops = ${this.opsValue()}`);
      this.emit(`const tbls: [Idx] dev_ops = [0: ${this.opsValue()}, 1: ${this.opsValue()}]`);
      this.global("fops", { k: "ops" }, this.opsValue());
    }
    if (f.cb) this.callbackDecls();
    // helper procedures: each may call the ones before it
    const helpers = this.int(0, 2);
    for (let i = 0; i < helpers; i++) this.helper(i);
    if (f.wq) this.workqueueDecls();
    if (f.sym) this.symDecls();
    // processes
    const nproc = this.int(f.sym ? 1 : 2, f.sym ? 2 : 3);
    const instanced = this.chance(0.35) ? this.int(0, nproc - 1) : -1;
    for (let i = 0; i < nproc; i++) this.processDecl(i, i === instanced);
    if (f.sym) this.symProcesses();
    // properties: mostly disjunctions, so that they often hold
    if (this.chance(0.5)) this.emit(`invariant inv0: (${this.propBool()}) or (${this.propBool()})`);
    if (this.chance(0.2)) this.emit(`invariant inv1: ${this.propBool()}`);
    if (this.chance(0.5)) this.emit(`final fin0: (${this.propBool()}) or (${this.propBool()})`);
    return this.lines.join("\n") + "\n";
  }

  // ------------------------------------------------------------ symmetric types

  /** `type Vid = symmetric ...` and the state indexed by it; a procedure taking a Vid. */
  private symDecls(): void {
    this.emit(`type Vid = symmetric 0..${this.symN - 1}`);
    this.emit("mutex mv[Vid]");
    this.emit(`var vs: set<Vid> = ${this.chance(0.2) ? "Vid" : "{}"}`);
    this.emit(`var vm: [Vid] Small = [q in Vid: ${this.int(0, 2)}]`);
    if (this.chance(0.5)) this.emit(`refcount rv[Vid] = ${this.int(1, 2)}`);
    else this.emit("refcount rv[Vid] = 1");
    this.emit("proc vproc(vx: Vid) {");
    const self: ProcInfo = { name: "vproc", params: [], hasWhile: false };
    for (const l of this.symBlock(["vx"], this.int(1, 3), 1, this.bodyScope([], self, [...this.helpers]))) this.emit(`  ${l}`);
    this.emit("}");
  }

  /** The process array over Vid, and sometimes a thread of its own that picks a Vid. */
  private symProcesses(): void {
    const scope = this.bodyScope([], undefined, [...this.helpers]);
    const body = this.symBlock(["vi"], this.int(2, 4), 0, scope);
    this.emit("process sv[vi in Vid] {");
    for (const l of body) this.emit(`  ${l}`);
    this.emit("}");
    if (this.chance(0.4)) {
      const b = this.symBlock([], this.int(1, 2), 0, scope);
      this.emit("process sf {");
      for (const l of b) this.emit(`  ${l}`);
      this.emit("}");
    }
    if (this.chance(0.4)) this.emit(`invariant symi: forall q in Vid: vm[q] < ${this.int(2, 3)} or q in vs`);
    if (this.chance(0.3)) this.emit(`final symf: ${this.pick(["vs == Vid", "vs == {}", "exists q in Vid: vm[q] > 0", "size(vs) < 2"])}`);
  }

  /** A Vid-valued expression over the Vid names in scope (a fresh pick when there are none). */
  private symStmt(names: string[], depth: number, scope: Scope): string[] {
    const deep = depth < 2;
    const x = () => this.pick(names);
    const small = () => this.pick(["0", "1", "2", "(vm[" + x() + "] + 1) % 4"]);
    const cond = (): string => this.weighted<string>([
      [3, () => `${x()} in vs`],
      [names.length > 1 ? 2 : 0, () => `${x()} ${this.pick(["==", "!="])} ${x()}`],
      [2, () => `vm[${x()}] ${this.pick(["<", ">", "=="])} ${this.int(0, 2)}`],
      [1, () => `${this.pick(["forall", "exists"])} q${this.n} in Vid: vm[q${this.n++}] ${this.pick(["<", ">"])} ${this.int(0, 3)}`],
      [1, () => `locked(mv[${x()}])`],
    ]);
    const nestedSym = (more: string[] = []) => this.symBlock([...names, ...more], this.int(1, 2), depth + 1, scope).map((l) => `  ${l}`);
    if (names.length === 0) {
      const y = this.fresh("y");
      return this.wrap(`pick ${y} in ${this.chance(0.7) ? "Vid" : "vs"}`, this.symBlock([y], this.int(1, 2), depth + 1, scope).map((l) => `  ${l}`));
    }
    return this.weighted<string[]>([
      [deep ? 5 : 0, () => {
        const v = x();
        return [`lock mv[${v}]`, ...nestedSym(), `unlock mv[${v}]`];
      }],
      [1, () => [`lock mv[${x()}]`]], // sometimes kept: exit-holding-lock, or a deadlock with another value's thread
      [3, () => [`vs := vs ${this.pick(["+", "-"])} {${x()}}`]],
      [3, () => [`vm[${x()}] := ${small()}`]],
      [2, () => [`${this.pick(["get", "put"])} rv[${x()}]`]],
      [deep ? 3 : 0, () => (this.chance(0.5) ? this.wrap(`if ${cond()}`, nestedSym()) : [`if ${cond()} {`, ...nestedSym(), "} else {", ...nestedSym(), "}"])],
      [deep ? 2 : 0, () => {
        const y = this.fresh("y");
        return this.wrap(`pick ${y} in ${this.chance(0.6) ? "Vid" : "vs"}`, nestedSym([y]));
      }],
      [2, () => {
        const y = this.fresh("y");
        return [`var ${y}: Vid = ${x()}`, ...this.symBlock([...names, y], 1, depth + 1, scope)];
      }],
      [1.5, () => [`await ${cond()}`]],
      [1, () => [`assert ${cond()}`]],
      [scope.proc ? 0 : 2, () => [`call vproc(${x()})`]],
      // visits the values in order: symmetry is not used, and the checker says why
      [deep ? 0.3 : 0, () => {
        const q = this.fresh("q");
        return this.wrap(`for ${q} in Vid`, this.symBlock([...names, q], 1, depth + 1, scope).map((l) => `  ${l}`));
      }],
      [deep ? 2 : 0, () => this.block(scope, 1, depth + 1, { noWhile: true })],
    ]);
  }

  private symBlock(names: string[], count: number, depth: number, scope: Scope): string[] {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const st = this.symStmt(names, depth, scope);
      out.push(...st);
      // a local declared here stays in scope for the rest of the block
      const decl = /^var (y\d+): Vid/.exec(st[0] ?? "");
      if (decl) names = [...names, decl[1]!];
    }
    return out;
  }

  private emit(line: string): void {
    this.lines.push(line);
  }

  private global(name: string, ty: GT, init: string, wide = false): void {
    this.globals.push({ name, ty, shared: true, writable: true, wide });
    this.emit(`var ${name}: ${typeText(ty)} = ${init}`);
  }

  /** Wide integers: constants near the limits, two variables over 32 bits, and sometimes a step past a limit. */
  private wideDecls(): void {
    this.emit(`const WMAX = ${WMAX}`);
    this.emit("const WMIN = -WMAX - 1");
    this.emit(`const WK = ${WK}`);
    this.emit("const WBIG = WMAX * WK");
    // exact: 4611686014132420609 % 1000 = 609, though (2^31 - 1)^2 is far beyond 2^53
    this.emit(`const WODD = (WMAX * WMAX) % ${this.pick([1000, 7, 2, 65536])}`);
    this.global("wa", { k: "int", lo: 0, hi: WMAX, text: "0..WMAX" }, this.pick(["0", "WMAX", "46341", "WODD"]), true);
    this.global("wb", { k: "int", lo: -WMAX - 1, hi: WMAX, text: "WMIN..WMAX" }, this.pick(["WMIN", "-1", "WMAX", "-WODD"]), true);
    if (this.chance(0.03)) {
      this.emit("var wpast: 0..WMAX + 1"); // one past 32 bits
      this.reject("K4010");
    }
  }

  /** An expression over the wide variables that stays within 2^53 (or, rarely, one that may not). */
  private wideInt(scope: Scope): string {
    const wa = "wa";
    const small = this.int_(SMALL, scope, 0);
    return this.weighted<string>([
      [2, () => `${wa} * WK`], // up to 2^53 - 2^22
      [2, () => `WBIG - ${wa} * ${this.pick(["WK", "1000", "3"])}`],
      [2, () => `(wb * ${this.pick(["1000", "4194303", "2"])} + WODD) % ${this.pick(["WMAX", "7", "1000"])}`],
      [2, () => `wb / (${small} + 1)`],
      [1, () => `(WMAX * WMAX * WMAX) / (WMAX * WMAX) - ${wa}`], // closed constant beyond 2^53, folded exactly
      [1, () => `-wb + ${wa}`],
      [1, () => `wb % (${small} - 1)`], // by zero when the small one is 1
      [0.05, () => { this.reject("K4011"); return `${wa} * wb`; }], // can pass 2^53
      [0.05, () => { this.reject("K4011"); return `wb * WK`; }], // -2^53 is one past
    ]);
  }

  /** An assignment to a wide variable: exact values, sometimes out of its range (out-of-range). */
  private wideAssign(scope: Scope): string[] {
    const target = this.pick(["wa", "wb"]);
    return [`${target} := ${this.weighted<string>([
      [3, () => `(${this.wideInt(scope)}) % ${this.pick(["WMAX", "1000", "46341"])}`],
      [2, () => `${target} ${this.pick(["+", "-"])} ${this.int_(SMALL, scope, 0)}`], // at the bounds: out-of-range
      [1, () => `-${target}`], // -WMIN does not fit
      [1, () => `(WBIG / WK) ${this.pick(["-", "+"])} ${this.int(0, 1)}`],
      [1, () => this.pick(["WMAX", "WMIN", "WODD", "0"])],
    ])}`];
  }

  private opsValue(): string {
    const fields: string[] = [];
    for (const field of ["open", "release", "query"] as const) {
      if (this.chance(0.7)) fields.push(`${field}: ${this.pick(this.opsProcs[field])}`);
    }
    return `{${fields.join(", ")}}`;
  }

  /** A callback: it calls nothing (so no call can come back round), and has no while. */
  private opsProc(field: "open" | "release" | "query"): void {
    const name = `op_${field}_${this.opsProcs[field].length}`;
    this.opsProcs[field].push(name);
    const params: Var[] = field === "open" ? [{ name: this.fresh("d"), ty: IDX, shared: false, writable: true }] : [];
    const info: ProcInfo = { name, params: params.map((p) => p.ty), ret: field === "query" ? BOOL : undefined, hasWhile: false };
    const scope: Scope = { ...this.bodyScope(params, info, []), callback: true };
    const body = this.block(scope, 1, 1, { noWhile: true });
    if (info.ret) body.push(`return ${this.bool(scope, 1)}`);
    this.emit(`proc ${name}(${params.map((p) => `${p.name}: ${typeText(p.ty)}`).join(", ")})${info.ret ? `: ${typeText(info.ret)}` : ""} {`);
    for (const l of body) this.emit(`  ${l}`);
    this.emit("}");
  }

  private helper(i: number): void {
    const name = `h${i}`;
    const params: Var[] = [];
    const kinds: GT[] = this.f.obj ? [IDX, SMALL, BOOL, { k: "ref" }] : [IDX, SMALL, BOOL];
    const nparams = this.int(0, 2);
    for (let k = 0; k < nparams; k++) params.push({ name: this.fresh("a"), ty: this.pick(kinds), shared: false, writable: true });
    const ret = this.chance(0.4) ? this.pick<GT>([BOOL, SMALL]) : undefined;
    const info: ProcInfo = { name, params: params.map((p) => p.ty), ret, hasWhile: false };
    const scope = this.bodyScope(params, info, [...this.helpers]);
    const body = this.block(scope, this.int(1, 2), 1, {});
    if (ret) body.push(`return ${this.expr(ret, scope, 1)}`);
    info.hasWhile = scope.flags.hasWhile;
    this.helpers.push(info);
    this.emit(`proc ${name}(${params.map((p) => `${p.name}: ${typeText(p.ty)}`).join(", ")})${ret ? `: ${typeText(ret)}` : ""} {`);
    for (const l of body) this.emit(`  ${l}`);
    this.emit("}");
  }

  private processDecl(i: number, instanced: boolean): void {
    const params: Var[] = instanced ? [{ name: "pi", ty: IDX, shared: false, writable: false }] : [];
    const scope = this.bodyScope(params, undefined, [...this.helpers]);
    const body = this.block(scope, this.int(2, 4), 0, {});
    // sometimes a thread that never finishes
    if (this.chance(0.04)) body.push(...this.wrap("while true", this.nested(scope, 0, {})));
    this.emit(`process w${i}${instanced ? "[pi in Idx]" : ""} {`);
    for (const l of body) this.emit(`  ${l}`);
    this.emit("}");
  }

  private bodyScope(params: Var[], proc: ProcInfo | undefined, callable: ProcInfo[]): Scope {
    return { vars: [...this.globals, ...params], ctx: "thread", inAtomic: false, proc, callable, held: [], flags: { hasWhile: false } };
  }

  // ------------------------------------------------------------ statements

  /** `count` statements (a compound one counts as one), as indented lines. */
  private block(scope: Scope, count: number, depth: number, opts: { noWhile?: boolean }): string[] {
    const inner: Scope = { ...scope, vars: [...scope.vars], held: [...scope.held] };
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(...this.stmt(inner, depth, opts, i === count - 1));
    return out;
  }

  private nested(scope: Scope, depth: number, opts: { noWhile?: boolean }, extra?: Partial<Scope>): string[] {
    const s: Scope = { ...scope, ...extra };
    return this.block(s, this.int(1, depth >= 1 ? 1 : 2), depth + 1, opts).map((l) => `  ${l}`);
  }

  private wrap(head: string, body: string[], tail = "}"): string[] {
    return [`${head} {`, ...body, tail];
  }

  private stmt(scope: Scope, depth: number, opts: { noWhile?: boolean }, last: boolean): string[] {
    const f = this.f;
    const deep = depth < 2;
    const sharedWritable = scope.vars.filter((v) => v.shared && v.writable && !(scope.callback && v.ty.k === "ops"));
    const localWritable = scope.vars.filter((v) => !v.shared && v.writable && v.ty.k !== "ref" && v.ty.k !== "ops");
    const refs = scope.vars.filter((v) => v.ty.k === "ref");
    const callable = scope.callable.filter((p) => !scope.inAtomic || !p.hasWhile);
    return this.weighted<string[]>([
      [6, () => this.assign(this.pick(sharedWritable), scope)],
      [localWritable.length ? 2 : 0, () => this.assign(this.pick(localWritable), scope)],
      [3, () => this.localDecl(scope)],
      [deep ? 6 : 0, () => this.lockSection(scope, depth, opts)],
      [deep ? 2.5 : 0, () => this.twoLocks(scope, depth, opts)],
      [f.rw && deep ? 3 : 0, () => this.rwSection(scope, depth, opts)],
      [deep ? 2.5 : 0, () => this.trylockStmt(scope, depth, opts)],
      [4, () => this.refcountStmt(scope, depth, opts)],
      [2, () => [`await ${this.bool(scope, 2)}${this.chance(0.15) ? ` : "event ${this.n++}"` : ""}`]],
      [0.3, () => [`await ${this.bool({ ...scope, vars: scope.vars.filter((v) => !v.shared) }, 0)}`]], // on locals: still a step
      [2, () => [`assert ${this.bool(scope, 2)}${this.chance(0.3) ? ` : "check ${this.n++}"` : ""}`]],
      [deep ? 4 : 0, () => {
        const cond = this.bool(scope, 2);
        const then = this.nested(scope, depth, opts);
        return this.chance(0.5) ? this.wrap(`if ${cond}`, then) : [`if ${cond} {`, ...then, "} else {", ...this.nested(scope, depth, opts), "}"];
      }],
      [deep ? 3 : 0, () => {
        const branches = this.int(2, 3);
        // sometimes labelled, as a report shows them: either "fails" { … } or { … }
        const labelled = this.chance(0.2);
        const label = (b: number) => (labelled && b !== 1 ? `"path ${b}" ` : "");
        const out = [`either ${label(0)}{`];
        for (let b = 0; b < branches; b++) {
          if (b > 0) out.push(`} or ${label(b)}{`);
          out.push(...this.nested(scope, depth, opts));
        }
        out.push("}");
        return out;
      }],
      [deep && !scope.inAtomic && !opts.noWhile ? 2 : 0, () => this.whileLoop(scope, depth, opts)],
      [deep ? 2 : 0, () => this.forOrPick("for", scope, depth, opts)],
      [deep ? 2 : 0, () => this.forOrPick("pick", scope, depth, opts)],
      [deep ? (scope.inAtomic ? 0.3 : 2) : 0, () => this.wrap("atomic", this.nested(scope, depth, opts, { inAtomic: true }))], // nested ones merge
      [callable.length ? 4 : 0, () => this.callProc(this.pick(callable), scope)],
      [f.ops && !scope.callback ? 3 : 0, () => this.callOps(scope)],
      [f.ops && !scope.callback ? 1 : 0, () => this.assignOps(scope)],
      [f.obj ? 3 : 0, () => this.objectStmt(scope, refs, depth, opts)],
      [f.lists && !scope.callback ? 2.5 : 0, () => this.listStmt(scope, depth, opts)],
      [f.wide ? 3 : 0, () => this.wideAssign(scope)],
      [f.wide ? 1 : 0, () => [`assert ${this.wideBool(scope)}`]],
      [last && depth > 0 ? 1 : 0, () => [this.returnStmt(scope)]],
      [0.3, () => ["skip"]],
      [f.spin ? 0.6 : 0.2, () => ["might_sleep()"]],
      [f.completion ? 4 : 0, () => [this.completionStmt(scope)]],
      [f.srcu && deep ? 3 : 0, () => this.readSection(scope, depth, opts, this.srcuDomain(scope))],
      [f.rcu && deep ? 2.5 : 0, () => this.readSection(scope, depth, opts, undefined)],
      [(f.srcu || f.rcu) && !scope.inAtomic && !opts.noWhile ? 2.5 : 0, () => {
        scope.flags.hasWhile = true; // a grace period cannot be waited for inside atomic, so neither can this body's callers
        return [f.srcu && (!f.rcu || this.chance(0.6)) ? `synchronize_srcu ${this.srcuDomain(scope)}` : "synchronize_rcu"];
      }],
      [f.srcu ? 0.2 : 0, () => [`srcu_read_unlock ${this.srcuDomain(scope)}`]], // not inside: unlock-not-held
      [f.wq ? 4 : 0, () => this.workStmt(scope)],
      [this.cbs.length ? 3 : 0, () => this.callRcuStmt(scope)],
    ]);
  }

  /**
   * A workqueue (ordered, two workers, or one per work) with a work and maybe a work array, each
   * running a work function of its own: random statements, which may queue, flush or cancel
   * works themselves (their own included: recursive-locking).
   */
  private workqueueDecls(): void {
    // from a stream of its own, so that a workqueue's shape does not shift the rest of the model
    const r = mulberry32(this.seed ^ 0x68e31da4);
    const wf = (name: string, param: GT | undefined) => {
      const params: Var[] = param ? [{ name: this.fresh(param.k === "ref" ? "wn" : "wi"), ty: param, shared: false, writable: false }] : [];
      const info: ProcInfo = { name, params: params.map((p) => p.ty), hasWhile: false };
      const scope = this.bodyScope(params, info, [...this.helpers]);
      const body = this.block(scope, this.int(1, 2), 1, {});
      this.emit(`proc ${name}(${params.map((p) => `${p.name}: ${typeText(p.ty)}`).join(", ")}) {`);
      for (const l of body) this.emit(`  ${l}`);
      this.emit("}");
    };
    wf("wf0", undefined);
    if (this.f.wqArr) wf("wf1", IDX);
    // a work inside each object: its function gets the object (container_of)
    if (this.f.objWork) wf("wf2", { k: "ref" });
    const shape = r();
    this.emit(shape < 0.4 ? "workqueue wq0 { max_active: 1 }" : shape < 0.75 ? "workqueue wq0 { max_active: 2 }" : "workqueue wq0");
    this.emit("work wk0 on wq0 runs wf0()");
    if (this.f.wqArr) this.emit(`work wka[i in Idx] on wq0 runs wf1(${r() < 0.7 ? "i" : "1 - i"})`);
  }

  /**
   * call_rcu / call_srcu callbacks (language.md, "call_rcu and call_srcu"): one with an index
   * parameter, maybe one without, and with objects one that frees its object. Declared before
   * the helpers, so that every body after them (the callbacks' own too: a callback may re-arm
   * itself) can register them.
   */
  private callbackDecls(): void {
    const r = mulberry32(this.seed ^ 0x1b873593);
    const domains: ("rcu" | "ss" | "sa")[] = [...(this.f.rcu ? ["rcu" as const] : []), ...(this.f.srcu ? ["ss" as const] : []), ...(this.f.srcu && this.f.srcuArr ? ["sa" as const] : [])];
    if (!domains.length) return;
    const pickD = () => domains[Math.floor(r() * domains.length)]!;
    this.cbs.push({ name: "cb0", param: IDX, domain: pickD() });
    if (r() < 0.5) this.cbs.push({ name: "cb1", domain: pickD() });
    // an object's callback frees it: on a single domain (a pool of 3 is 4 callbacks per entry)
    if (this.f.obj && r() < 0.7) this.cbs.push({ name: "cbfree", param: { k: "ref" }, domain: this.f.rcu ? "rcu" : "ss" });
    for (const cb of this.cbs) {
      const params: Var[] = cb.param ? [{ name: this.fresh("c"), ty: cb.param, shared: false, writable: false }] : [];
      const info: ProcInfo = { name: cb.name, params: params.map((p) => p.ty), hasWhile: false };
      const scope = this.bodyScope(params, info, []);
      const body = cb.name === "cbfree"
        ? [...(r() < 0.5 ? this.block(scope, 1, 1, {}) : []), `free ${params[0]!.name}`, ...(r() < 0.2 ? this.block(scope, 1, 1, {}) : [])]
        : this.block(scope, this.int(1, 2), 1, {});
      this.emit(`proc ${cb.name}(${params.map((p) => `${p.name}: ${typeText(p.ty)}`).join(", ")}) {`);
      for (const l of body) this.emit(`  ${l}`);
      this.emit("}");
    }
  }

  /** call_rcu / call_srcu of one of the callbacks, with an argument of its parameter's type (an index may be out of range). */
  private callRcuStmt(scope: Scope): string[] {
    const cb = this.pick(this.cbs);
    let arg = "";
    if (cb.param?.k === "ref") {
      const refs = this.varsOf(scope, "ref");
      arg = refs.length && this.chance(0.9) ? this.pick(refs).name : "null";
    } else if (cb.param) arg = this.idx(scope);
    const call = `${cb.name}(${arg})`;
    if (cb.domain === "rcu") return [`call_rcu ${call}`];
    return [`call_srcu ${cb.domain === "sa" ? `sa[${this.idx(scope)}]` : "ss"} ${call}`];
  }

  /** A work statement: queueing, flushing, cancelling, as statements and as conditions. */
  private workStmt(scope: Scope): string[] {
    // an object's work, through a reference (null or freed: null-deref, use-after-free)
    const refs = this.f.objWork ? this.varsOf(scope, "ref") : [];
    const w = refs.length && this.chance(0.4) ? `${this.pick(refs).name}.wk` : this.f.wqArr && this.chance(0.5) ? `wka[${this.idx(scope)}]` : "wk0";
    const waits = !scope.inAtomic;
    if (waits) scope.flags.hasWhile = true; // a flush cannot be inside atomic, so neither can this body's callers
    return this.weighted<string[]>([
      [3, () => [`queue_work ${w}`]],
      [1, () => [`if ${this.chance(0.3) ? "not " : ""}queue_work(${w}) { ${this.pick(["skip", "get r0", `x0 := ${this.int(0, 1)}`])} }`]],
      [waits ? 2 : 0, () => [`flush_work ${w}`]],
      [waits ? 1.5 : 0, () => [`cancel_work_sync ${w}`]],
      [waits ? 1 : 0, () => [`if cancel_work_sync(${w}) { ${this.pick(["skip", "put r0", `x0 := ${this.int(0, 1)}`])} }`]],
      [waits ? 0.8 : 0, () => ["flush_workqueue wq0"]],
    ]);
  }

  private srcuDomain(scope: Scope): string {
    // an object's SRCU domain, through a reference (struct kvm's srcu)
    const refs = this.f.obj && this.f.objSync ? this.varsOf(scope, "ref") : [];
    if (refs.length && this.chance(0.3)) return `${this.pick(refs).name}.sd`;
    return this.f.srcuArr && this.chance(0.4) ? `sa[${this.idx(scope)}]` : "ss";
  }

  /** An SRCU (domain given) or RCU read-side section, sometimes nested or left open. */
  private readSection(scope: Scope, depth: number, opts: { noWhile?: boolean }, domain: string | undefined): string[] {
    const lock = domain ? `srcu_read_lock ${domain}` : "rcu_read_lock";
    const unlock = domain ? `srcu_read_unlock ${domain}` : "rcu_read_unlock";
    const inner = this.chance(0.08) ? [lock] : [];
    const body = this.nested(scope, depth, opts).map((x) => x.slice(2));
    const close = this.chance(0.95) ? [unlock, ...inner.map(() => unlock)] : [];
    return [lock, ...inner, ...body, ...close];
  }

  /** complete / complete_all / wait_for_completion / reinit_completion of cp or ca[i]. */
  private completionStmt(scope: Scope): string {
    const refs = this.f.obj && this.f.objSync ? this.varsOf(scope, "ref") : [];
    const c = refs.length && this.chance(0.3) ? `${this.pick(refs).name}.cd` : this.f.completionArr && this.chance(0.4) ? `ca[${this.idx(scope)}]` : "cp";
    if (this.chance(0.15)) return this.chance(0.5) ? `if try_wait_for_completion(${c}) { complete ${c} }` : `if not try_wait_for_completion(${c}) { skip }`;
    return `${this.weighted<string>([
      [3, () => "complete"],
      [0.7, () => "complete_all"],
      [3, () => "wait_for_completion"],
      [0.4, () => "reinit_completion"],
    ])} ${c}`;
  }

  private assign(v: Var, scope: Scope): string[] {
    switch (v.ty.k) {
      case "set":
        return [`${v.name} := ${this.weighted([
          [3, () => `${v.name} + {${this.setElem(v.ty as GT & { k: "set" }, scope)}}`],
          [2, () => `${v.name} - {${this.setElem(v.ty as GT & { k: "set" }, scope)}}`],
          [1, () => this.setExpr(v.ty as GT & { k: "set" }, scope, 1)],
          // a range with bounds read at run time may reach outside the element type
          [(v.ty as GT & { k: "set" }).elem === "small" ? 0.7 : 0, () => `${this.int_(SMALL, scope, 0)}..${this.int_(SMALL, scope, 0)}${this.pick(["", " + 1"])}`],
        ])}`];
      case "map":
        if (v.ty.key === "idx") {
          if (this.chance(0.15)) return [`${v.name} := [${this.quant()} in Idx: ${this.chance(0.5) ? `${this.lastQuant()} + ${this.int(0, 2)}` : this.int_(SMALL, scope, 0)}]`];
          return [`${v.name}[${this.idx(scope)}] := ${this.int_(SMALL, scope, 2)}`];
        }
        return [`${v.name}[${this.enumExpr(scope, 1)}] := ${this.bool(scope, 2)}`];
      case "rec":
        return this.chance(0.7)
          ? [this.chance(0.5) ? `${v.name}.a := ${this.int_(SMALL, scope, 2)}` : `${v.name}.b := ${this.bool(scope, 2)}`]
          : [`${v.name} := {a: ${this.int_(SMALL, scope, 1)}, b: ${this.bool(scope, 1)}}`];
      case "ref":
        return [`${v.name} := ${this.chance(0.5) ? "null" : `alloc node {val: ${this.int_({ k: "int", lo: 0, hi: 2, text: "0..2" }, scope, 1)}}`}`];
      case "ops":
        return this.assignOps();
      default:
        return [`${v.name} := ${this.expr(v.ty, scope, 2)}`];
    }
  }

  private localDecl(scope: Scope): string[] {
    const ty = this.weighted<GT>([
      [3, () => SMALL],
      [2, () => BOOL],
      [1, () => IDX],
      [this.f.enumT ? 1 : 0, () => ({ k: "enum" })],
      [this.f.obj ? 1 : 0, () => ({ k: "ref" })],
    ]);
    const name = this.fresh("l");
    let init: string;
    if (ty.k === "ref") init = this.chance(0.5) ? `alloc node {val: ${this.int(0, 2)}}` : this.pick(scope.vars.filter((v) => v.ty.k === "ref")).name;
    else init = this.expr(ty, scope, 2);
    scope.vars.push({ name, ty, shared: false, writable: true });
    return [`var ${name}: ${typeText(ty)} = ${init}`];
  }

  /** A lock to take: mostly one not taken by an enclosing section. */
  private lockName(scope: Scope, allowSpin: boolean): string {
    const all = [...this.mutexes];
    if (this.f.obj && this.f.objSync) {
      // an object's lock, through a reference (null or freed: null-deref, use-after-free)
      const refs = this.varsOf(scope, "ref");
      if (refs.length && (allowSpin || !this.objSpin)) all.push(`${this.pick(refs).name}.lk`);
    }
    if (this.f.lockArr) all.push(`ma[${this.idx(scope)}]`, `ma[${this.idx(scope)}]`);
    if (this.f.spin && allowSpin) all.push("sl");
    const free = all.filter((l) => !scope.held.includes(l));
    return this.chance(0.93) && free.length ? this.pick(free) : this.pick(all);
  }

  private lockSection(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const l = this.lockName(scope, true);
    const body = this.nested(scope, depth, opts, { held: [...scope.held, l] });
    return this.weighted<string[]>([
      [40, () => [`lock ${l}${this.chance(0.04) ? " nested 1" : ""}`, ...body.map((x) => x.slice(2)), `unlock ${l}`]],
      [1.5, () => [`lock ${l}`, ...body.map((x) => x.slice(2))]], // kept: exit-holding-lock or a later deadlock
      [1.5, () => [`lock ${l}`, ...body.map((x) => x.slice(2)), `unlock ${l}`, `unlock ${l}`]], // double unlock
      [1, () => [...body.map((x) => x.slice(2)), `unlock ${l}`]], // never taken
    ]);
  }

  /** Two locks nested, in a random order: processes that nest the same two in opposite orders deadlock (ABBA). */
  private twoLocks(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const a = this.lockName(scope, false);
    const b = this.lockName({ ...scope, held: [...scope.held, a] }, this.chance(0.3));
    const body = this.nested(scope, depth, opts, { held: [...scope.held, a, b] }).map((x) => x.slice(2));
    // mutex_lock_nested(): a subclass for the inner lock, now and then (language.md, "Lock classes");
    // else, from a stream of its own, mutex_lock_nest_lock() with the outer lock or another one
    const nested = this.chance(0.25) ? ` nested ${this.chance(0.8) ? 1 : 2}` : this.nestR() < 0.15 && !a.startsWith("rw") ? ` nest_lock ${this.nestR() < 0.7 ? a : this.pick(this.mutexes)}` : "";
    return [`lock ${a}`, `lock ${b}${nested}`, ...body, `unlock ${b}`, `unlock ${a}`];
  }

  private rwSection(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const write = this.chance(0.5);
    const nestedDown = this.chance(0.05) ? [write ? "down_read rw" : "down_write rw"] : []; // nested: recursive-locking
    const body = this.nested(scope, depth, opts, { held: [...scope.held, "rw"] }).map((x) => x.slice(2));
    const up = this.chance(0.95) ? (write ? "up_write rw" : "up_read rw") : (write ? "up_read rw" : "up_write rw");
    return [write ? "down_write rw" : "down_read rw", ...nestedDown, ...body, up];
  }

  /** mutex_trylock, spin_trylock, down_read_trylock, down_write_trylock in each place one may stand. */
  private trylockStmt(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const rw = this.f.rw && this.chance(0.3);
    const write = this.chance(0.5);
    const l = rw ? "rw" : this.lockName(scope, true);
    const fn = rw ? (write ? "down_write_trylock" : "down_read_trylock") : l === "sl" || (l.endsWith(".lk") && this.objSpin) ? "spin_trylock" : "mutex_trylock";
    const release = rw ? (write ? "up_write rw" : "up_read rw") : `unlock ${l}`;
    const call = `${fn}(${l})`;
    const held = () => this.nested(scope, depth, opts, { held: [...scope.held, l] });
    const bools = scope.vars.filter((v) => v.writable && v.ty.k === "bool" && !(scope.callback && v.shared));
    return this.weighted<string[]>([
      [4, () => [`if ${call} {`, ...held(), `  ${release}`, "}"]],
      [2, () => [`if not ${call} {`, ...this.nested(scope, depth, opts), "} else {", ...held(), `  ${release}`, "}"]],
      [2, () => {
        const name = this.fresh("t");
        scope.vars.push({ name, ty: BOOL, shared: false, writable: false });
        return [`var ${name}: bool = ${call}`, `if ${name} {`, ...held(), `  ${release}`, "}"];
      }],
      [bools.length ? 1 : 0, () => {
        const v = this.pick(bools);
        return [`${v.name} := ${call}`, `if ${this.chance(0.8) ? v.name : "true"} { ${release} }`];
      }],
      [!scope.inAtomic && !opts.noWhile ? 1 : 0, () => [`while not ${call} { skip }`, ...held().map((x) => x.slice(2)), release]],
      [0.5, () => [`if ${call} { skip }`]], // kept: exit-holding-lock, or a later deadlock
    ]);
  }

  private refName(scope: Scope): string {
    const all = ["r0", "r0"];
    if (this.f.r1) all.push("r1");
    if (this.f.obj && this.f.objSync) {
      const refs = this.varsOf(scope, "ref");
      if (refs.length) all.push(`${this.pick(refs).name}.rc`);
    }
    if (this.f.refArr) all.push(`ra[${this.idx(scope)}]`);
    return this.pick(all);
  }

  private refcountStmt(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const r = this.refName(scope);
    return this.weighted<string[]>([
      [3, () => [`get ${r}`]],
      [3, () => [`put ${r}`]],
      [depth < 2 ? 3 : 0, () => {
        const then = this.nested(scope, depth, opts);
        return this.chance(0.6) ? this.wrap(`if dec_and_test(${r})`, then) : [`if dec_and_test(${r}) {`, ...then, "} else {", ...this.nested(scope, depth, opts), "}"];
      }],
      [depth < 2 ? 2 : 0, () => {
        // refcount_dec_and_lock: the last put takes the lock with it
        const l = this.lockName(scope, true);
        const then = [...this.nested(scope, depth, opts, { held: [...scope.held, l] }), ...(this.chance(0.9) ? [`  unlock ${l}`] : [])];
        return this.chance(0.6) ? this.wrap(`if dec_and_lock(${r}, ${l})`, then) : [`if dec_and_lock(${r}, ${l}) {`, ...then, "} else {", ...this.nested(scope, depth, opts), "}"];
      }],
      [2, () => [`get ${r}`, `put ${r}`]],
      [1, () => this.wrap("atomic", [`  if ${r} > 0 {`, `    get ${r}`, "  }"])], // refcount_inc_not_zero
    ]);
  }

  private whileLoop(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    scope.flags.hasWhile = true;
    if (this.chance(0.25)) {
      // a loop on shared state: each test is a step
      const v = this.pick(scope.vars.filter((x) => x.shared && x.ty.k === "int")) as Var & { ty: GT & { k: "int" } };
      return this.wrap(`while ${v.name} < ${v.ty.hi}`, [...this.nested(scope, depth, opts), `  ${v.name} := ${v.name} + 1`]);
    }
    const c = this.fresh("c");
    const bound = this.int(1, 2);
    const counter: Var = { name: c, ty: { k: "int", lo: 0, hi: 2, text: "0..2" }, shared: false, writable: false };
    scope.vars.push(counter);
    return [`var ${c}: 0..2 = 0`, ...this.wrap(`while ${c} < ${bound}`, [...this.nested(scope, depth, opts), `  ${c} := ${c} + 1`])];
  }

  private forOrPick(kind: "for" | "pick", scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const binder = this.fresh(kind === "for" ? "i" : "k");
    const domains: [number, () => [string, GT]][] = [
      [3, () => ["Idx", IDX]],
      [1, () => ["Small", SMALL]],
      [2, () => ["0..2", { k: "int", lo: 0, hi: 2, text: "0..2" }]],
      [this.f.set ? 4 : 0, () => [this.pick(["s0", "s0 - {1}", "s0 + {3}"]), SMALL]],
      [this.f.setMode ? 2 : 0, () => [this.pick(["sm", "Mode - sm"]), { k: "enum" }]],
      [this.f.enumT ? 1 : 0, () => ["Mode", { k: "enum" }]],
    ];
    const [domain, elem] = this.weighted(domains);
    const body = this.nested(scope, depth, opts, { vars: [...scope.vars, { name: binder, ty: elem, shared: false, writable: false }] });
    return this.wrap(`${kind} ${binder} in ${domain}`, body);
  }

  private args(p: ProcInfo, scope: Scope): string {
    return p.params.map((t) => (t === IDX ? this.idx(scope) : this.expr(t, scope, 1))).join(", ");
  }

  private callProc(p: ProcInfo, scope: Scope): string[] {
    if (p.hasWhile) scope.flags.hasWhile = true; // through its callees, too
    const call = `call ${p.name}(${this.args(p, scope)})`;
    if (!p.ret) return [call];
    const targets = scope.vars.filter((v) => v.writable && this.sameType(v.ty, p.ret!));
    if (targets.length === 0 || this.chance(0.15)) return [call];
    return [`${this.pick(targets).name} := ${call}`];
  }

  private sameType(a: GT, b: GT): boolean {
    return a.k === b.k && (a.k !== "int" || b.k === "int");
  }

  private callOps(scope: Scope): string[] {
    const localTables = scope.vars.filter((v) => !v.shared && v.ty.k === "ops");
    const table = this.weighted<string>([
      [2, () => "tbl"],
      [2, () => `tbls[${this.idx(scope)}]`],
      [2, () => "fops"],
      [localTables.length ? 2 : 0, () => this.pick(localTables).name],
      // through an object's ops field (null or freed: null-deref, use-after-free)
      [this.f.obj && this.f.objSync && this.varsOf(scope, "ref").length ? 2 : 0, () => `${this.pick(this.varsOf(scope, "ref")).name}.ops`],
    ]);
    if (this.chance(0.12)) {
      // a local copy of a table: calls through it read nothing shared
      const name = this.fresh("t");
      scope.vars.push({ name, ty: { k: "ops" }, shared: false, writable: true });
      return [`var ${name}: dev_ops = ${this.pick(["fops", "tbl", `tbls[${this.idx(scope)}]`])}`, `call ${name}.${this.pick(["release()", `open(${this.idx(scope)})`])}`];
    }
    return this.weighted<string[]>([
      [3, () => [`call ${table}.open(${this.idx(scope)})`]],
      [3, () => [`call ${table}.release()`]],
      [2, () => {
        const targets = scope.vars.filter((v) => v.writable && v.ty.k === "bool");
        return targets.length ? [`${this.pick(targets).name} := call ${table}.query()`] : [`call ${table}.query()`];
      }],
      [2, () => this.wrap(`if ${table}.release != none`, [`  call ${table}.release()`])],
    ]);
  }

  private assignOps(scope?: Scope): string[] {
    const refs = scope && this.f.obj && this.f.objSync ? this.varsOf(scope, "ref") : [];
    return this.weighted<string[]>([
      [refs.length ? 2 : 0, () => [`${this.pick(refs).name}.ops := ${this.opsValue()}`]],
      [2, () => [`fops.release := ${this.chance(0.5) ? "none" : this.pick(this.opsProcs.release)}`]],
      [2, () => [`fops.open := ${this.chance(0.5) ? "none" : this.pick(this.opsProcs.open)}`]],
      [1, () => ["fops := {}"]],
      [1, () => [`fops := ${this.opsValue()}`]],
    ]);
  }

  private objectStmt(scope: Scope, refs: Var[], depth: number, opts: { noWhile?: boolean }): string[] {
    const ref = this.pick(refs).name;
    return this.weighted<string[]>([
      [3, () => [`${ref} := alloc node {val: ${this.int(0, 2)}${this.chance(0.5) ? `, on: ${this.bool(scope, 1)}` : ""}}`]],
      [3, () => [`free ${ref}`]],
      [4, () => this.wrap(`if ${ref} != null`, [`  ${ref}.val := ${this.int_({ k: "int", lo: 0, hi: 2, text: "0..2" }, scope, 1)}`, ...(depth < 2 ? this.nested(scope, depth, opts) : [])])],
      [1, () => [`${ref}.on := ${this.bool(scope, 1)}`]], // unguarded: may be null or freed
      [2, () => [`${ref} := null`]],
      [0.3, () => ["free null"]],
      [1, () => [`assert ${ref} == null or ${ref}.val <= 2`]],
    ]);
  }

  /** A list of objects: the global gl, or (with objSync) an object's ls field through a reference. */
  private listName(scope: Scope): string {
    const refs = this.f.objSync ? this.varsOf(scope, "ref") : [];
    return refs.length && this.chance(0.35) ? `${this.pick(refs).name}.ls` : "gl";
  }

  /** list_add, list_del, list_for_each_entry and friends on a set of references (null, freed: the checks fire). */
  private listStmt(scope: Scope, depth: number, opts: { noWhile?: boolean }): string[] {
    const l = this.listName(scope);
    const names = this.varsOf(scope, "ref").map((v) => v.name);
    const ref = () => (names.length ? this.pick(names) : "gp");
    const entry = (kind: "for" | "pick") => {
      // now and then the binder takes the pool's own name (`for node in gl`, as `struct kvm *kvm`)
      const poolName = !this.binderIsPool && this.chance(0.4);
      const x = poolName ? "node" : this.fresh(kind === "for" ? "e" : "q");
      if (poolName) this.binderIsPool = true;
      const body = this.weighted<string[]>([
        [3, () => [`  ${x}.val := ${this.int_({ k: "int", lo: 0, hi: 2, text: "0..2" }, scope, 1)}`]],
        [2, () => [`  free ${x}`]],
        [1, () => [`  ${l} := ${l} - {${x}}`, `  free ${x}`]], // list_for_each_entry_safe: off the list, then freed
        [1, () => [`  assert ${x}.val <= ${this.int(1, 2)}`]],
        [depth < 2 ? 2 : 0, () => this.nested(scope, depth, opts)],
      ]);
      if (poolName) this.binderIsPool = false;
      return this.wrap(`${kind} ${x} in ${l}`, body);
    };
    return this.weighted<string[]>([
      [4, () => [`${l} := ${l} + {${ref()}}`]],
      [3, () => [`${l} := ${l} - {${ref()}}`]],
      [1, () => [`${l} := {}`]],
      [this.f.objSync ? 0.7 : 0, () => [`${this.listName(scope)} := ${l}`]],
      [depth < 2 ? 3 : 0, () => entry("for")],
      [depth < 2 ? 1 : 0, () => entry("pick")],
      [depth < 2 ? 2 : 0, () => this.wrap(`if ${ref()} ${this.pick(["in", "not in"])} ${l}`, this.nested(scope, depth, opts))],
    ]);
  }

  private returnStmt(scope: Scope): string {
    if (scope.proc?.ret) return `return ${this.expr(scope.proc.ret, scope, 1)}`;
    return "return";
  }

  // ------------------------------------------------------------ expressions

  private expr(t: GT, scope: Scope, depth: number): string {
    switch (t.k) {
      case "bool": return this.bool(scope, depth);
      case "int": return this.int_(t, scope, depth);
      case "enum": return this.enumExpr(scope, depth);
      case "set": return this.setExpr(t, scope, depth);
      case "ref": {
        const refs = this.varsOf(scope, "ref");
        return refs.length && this.chance(0.85) ? this.pick(refs).name : "null";
      }
      default: throw new Error(`no expression of ${t.k}`);
    }
  }

  private varsOf(scope: Scope, k: GT["k"]): Var[] {
    const wideToo = this.f.wide && this.chance(0.1);
    return scope.vars.filter((v) => v.ty.k === k && (scope.ctx === "thread" || v.shared) && (!v.wide || wideToo));
  }

  /** An Idx value: mostly in range, sometimes any small integer (an index out of range). */
  private idx(scope: Scope): string {
    const idxVars = this.varsOf(scope, "int").filter((v) => (v.ty as GT & { k: "int" }).hi <= 1);
    // out of range only through shared state: a constant index outside Idx does not compile (K6005)
    const globalInts = this.globals.filter((v) => v.ty.k === "int");
    return this.weighted<string>([
      [3, () => String(this.int(0, 1))],
      [idxVars.length ? 4 : 0, () => this.pick(idxVars).name],
      [idxVars.length ? 1 : 0, () => `1 - ${this.pick(idxVars).name}`],
      [0.7, () => `${this.pick(globalInts).name}${this.pick(["", " + 1", " - 1"])}`],
    ]);
  }

  private int_(target: GT & { k: "int" }, scope: Scope, depth: number): string {
    const ints = this.varsOf(scope, "int");
    const leaf = (): string => this.weighted<string>([
      [3, () => String(this.int(target.lo, target.hi + (this.chance(0.05) ? 1 : 0)))],
      [ints.length ? 5 : 0, () => this.pick(ints).name],
      [1.5, () => this.refName(scope)],
      [this.f.map ? 1 : 0, () => `mp[${this.idx(scope)}]`],
      [this.f.rec ? 1 : 0, () => "rec.a"],
      [this.f.set ? 1 : 0, () => "size(s0)"],
      [this.f.obj && scope.vars.some((v) => v.ty.k === "ref") && scope.ctx === "thread" ? 0.5 : 0, () => `${this.pick(scope.vars.filter((v) => v.ty.k === "ref")).name}.val`],
    ]);
    if (depth <= 0) return leaf();
    return this.weighted<string>([
      [6, leaf],
      [2, () => `${leaf()} + 1`],
      [2, () => `${leaf()} - 1`],
      [1, () => `(${this.int_(target, scope, depth - 1)} + ${leaf()}) % ${this.int(2, 3)}`],
      [0.5, () => `${leaf()} / ${this.chance(0.8) ? this.int(1, 2) : leaf()}`], // sometimes by zero
      [0.7, () => `(if ${this.bool(scope, depth - 1)} then ${leaf()} else ${leaf()})`],
    ]);
  }

  private enumExpr(scope: Scope, depth: number): string {
    const vars = this.varsOf(scope, "enum");
    return this.weighted<string>([
      [3, () => this.pick(MEMBERS)],
      [vars.length ? 3 : 0, () => this.pick(vars).name],
      [depth > 0 ? 1 : 0, () => `(if ${this.bool(scope, depth - 1)} then ${this.pick(MEMBERS)} else ${this.enumExpr(scope, 0)})`],
    ]);
  }

  private setElem(t: GT & { k: "set" }, scope: Scope): string {
    return t.elem === "small" ? this.int_(SMALL, scope, 1) : this.enumExpr(scope, 0);
  }

  private setExpr(t: GT & { k: "set" }, scope: Scope, depth: number): string {
    const own = this.varsOf(scope, "set").filter((v) => (v.ty as GT & { k: "set" }).elem === t.elem);
    return this.weighted<string>([
      [own.length ? 3 : 0, () => this.pick(own).name],
      [2, () => `{${this.setElem(t, scope)}}`],
      [1, () => "{}"],
      [1, () => (t.elem === "small" ? "Small" : "Mode")],
      [depth > 0 && own.length ? 2 : 0, () => `${this.pick(own).name} ${this.pick(["+", "-", "&"])} {${this.setElem(t, scope)}}`],
    ]);
  }

  private bool(scope: Scope, depth: number): string {
    const f = this.f;
    const bools = this.varsOf(scope, "bool");
    const thread = scope.ctx === "thread";
    const leaf = (): string => this.weighted<string>([
      [1, () => this.pick(["true", "false"])],
      [bools.length ? 5 : 0, () => this.pick(bools).name],
      [4, () => `${this.int_(SMALL, scope, 1)} ${this.pick(["<", "<=", "==", "!=", ">", ">="])} ${this.int_(SMALL, scope, 0)}`],
      [f.enumT ? 1.5 : 0, () => `${this.enumExpr(scope, 0)} ${this.pick(["==", "!="])} ${this.pick(MEMBERS)}`],
      [f.set ? 2 : 0, () => `${this.int_(SMALL, scope, 0)} ${this.pick(["in", "not in"])} s0`],
      [f.set ? 0.5 : 0, () => `s0 ${this.pick(["==", "!="])} ${this.setExpr({ k: "set", elem: "small" }, scope, 0)}`],
      [f.setMode ? 1 : 0, () => `${this.enumExpr(scope, 0)} in sm`],
      [f.mapMode ? 1 : 0, () => `mm[${this.enumExpr(scope, 0)}]`],
      [f.rec ? 1 : 0, () => "rec.b"],
      [thread ? 1.5 : 0, () => `held(${this.lockName(scope, true)})`],
      [1.5, () => `locked(${this.lockName(scope, true)})`],
      [f.rw ? 0.7 : 0, () => `${this.pick(["held", "locked"].filter((x) => thread || x === "locked"))}(rw)`],
      [f.completion ? 0.8 : 0, () => `completion_done(${f.completionArr && this.chance(0.4) ? `ca[${thread ? this.idx(scope) : this.int(0, 1)}]` : "cp"})`],
      [2, () => `${this.refName(scope)} ${this.pick([">", "==", "<="])} ${this.int(0, 2)}`],
      [f.obj && this.varsOf(scope, "ref").length ? 1.5 : 0, () => `${this.pick(this.varsOf(scope, "ref")).name} ${this.pick(["==", "!="])} null`],
      [f.ops ? 1 : 0, () => `${this.pick(["tbl", "fops", `tbls[${this.idx(scope)}]`])}.${this.pick(["open", "release", "query"])} ${this.pick(["==", "!="])} none`],
      [f.ops && this.opsProcs.release.length ? 0.3 : 0, () => `fops.release ${this.pick(["==", "!="])} ${this.pick(this.opsProcs.release)}`],
      [f.map ? 1 : 0, () => `${this.pick(["forall", "exists"])} ${this.quant()} in Idx: mp[${this.lastQuant()}] ${this.pick(["<", ">", "=="])} ${this.int(0, 2)}`],
      [f.set ? 0.7 : 0, () => `${this.pick(["forall", "exists"])} ${this.quant()} in s0: ${this.lastQuant()} ${this.pick(["<", ">", "!="])} ${this.int_(SMALL, scope, 0)}`],
      [f.obj && !thread ? 0.3 : 0, () => "gp == null or gp.val < 2"],
      [f.lists ? 1 : 0, () => `${this.expr({ k: "ref" }, scope, 0)} ${this.pick(["in", "not in"])} gl`],
      [f.lists ? 0.7 : 0, () => `size(gl) ${this.pick(["<", "==", ">"])} ${this.int(0, 2)}`],
      [f.lists && !thread ? 0.3 : 0, () => `forall ${this.quant()} in gl: ${this.lastQuant()}.val ${this.pick(["<", "<=", "!="])} 2`],
      [f.wide ? 2 : 0, () => this.wideBool(scope)],
    ]);
    if (depth <= 0) return leaf();
    return this.weighted<string>([
      [6, leaf],
      [2, () => `(${leaf()}) ${this.pick(["and", "or", "=>"])} (${this.bool(scope, depth - 1)})`],
      [1, () => `not (${leaf()})`],
    ]);
  }

  private wideBool(scope: Scope): string {
    return this.weighted<string>([
      [3, () => `(${this.wideInt(scope)}) ${this.pick(["<", "<=", "==", "!=", ">", ">="])} ${this.pick(["WBIG", "0", "WODD", "wb", "-WBIG"])}`],
      [1, () => `(${this.wideInt(scope)}) % 2 == ${this.pick(["0", "1", "-1"])}`],
      [1, () => "(WMAX * WMAX) % 2 == 1"], // true: (2^31 - 1)^2 is odd
    ]);
  }

  private quantName = "";

  private quant(): string {
    this.quantName = this.fresh("q");
    return this.quantName;
  }

  private lastQuant(): string {
    return this.quantName;
  }

  /** A property: shared state only, no held(). */
  private propBool(): string {
    return this.bool({ vars: this.globals, ctx: "prop", inAtomic: false, callable: [], held: [], flags: { hasWhile: false } }, 1);
  }
}

/** The model of one seed, with the checks it switches off (a third of the models switch one or two off). */
export function generateModel(seed: number): GeneratedModel {
  const gen = new ModelGenerator(seed);
  let text = gen.generate();
  const r = mulberry32(seed ^ 0x5bd1e995);
  if (mulberry32(seed ^ 0x2545f491)() < 1 / 6) text = withPrototypeNames(text);
  const disabled: string[] = [];
  if (r() < 0.33) {
    const n = r() < 0.7 ? 1 : 2;
    while (disabled.length < n) {
      const k = SWITCHABLE[Math.floor(r() * SWITCHABLE.length)]!;
      if (!disabled.includes(k)) disabled.push(k);
    }
  }
  return { seed, text, disabled, rejects: gen.rejects };
}

/**
 * The same model with names of Object.prototype's properties for its enumeration
 * members, record, object and ops fields and two variables: an implementation
 * that keeps values in plain objects reads the prototype's instead.
 */
const PROTOTYPE_NAMES: [RegExp, string][] = [
  [/\bmode_a\b/g, "__proto__"], [/\bmode_b\b/g, "constructor"], [/\bmode_c\b/g, "toString"],
  [/(?<=[.{,] ?)a(?=:| :=|\b)/g, "hasOwnProperty"], [/(?<=[.{,] ?)b(?=:| :=|\b)/g, "valueOf"],
  [/\bval\b/g, "isPrototypeOf"], [/(?<!^work [^\n]*|\bwork )\bon\b/gm, "propertyIsEnumerable"], // not a work declaration's or work field's `on`
  [/\bopen\b/g, "toLocaleString"], [/\brelease\b/g, "__defineGetter__"], [/\bquery\b/g, "__lookupSetter__"],
  [/\bb0\b/g, "__defineSetter__"], [/\bx0\b/g, "__lookupGetter__"],
];

function withPrototypeNames(text: string): string {
  for (const [re, name] of PROTOTYPE_NAMES) text = text.replace(re, name);
  return text;
}
