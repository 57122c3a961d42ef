// Code generation: IR -> TypeScript source of one successor function per thread
// and one function per (thread, step), working directly on packed states (every
// static slot read or write becomes a shift and a mask on a known word). The
// semantics mirror interpret.ts op for op; the test suite runs every model
// through both and compares state counts, transitions and traces.
//
// Safety: nothing a model author wrote reaches the generated text. Names and
// messages stay in the IR; the code holds only numbers, generated identifiers,
// and indices into tables passed in at load time.
import {
  type Addr, SRCU_NEST_MAX, COMPLETION_ALL, COMPLETION_COUNT_MAX, type Expr, type Location, type Model, type Op, type Step, type ViolationKind, type Workqueue,
  WORK_FLUSH_DONE, WORK_FLUSH_NONE, WORK_FLUSH_PENDING, WORK_FLUSH_RUNNING, exprMayFault,
} from "@knot/ir";
import type { PackedLayout } from "./packing.js";

/** A number as code: negative ones in parentheses, so that no operator written before it can merge with its sign. */
function num(v: number): string {
  return v < 0 ? `(${v})` : `${v}`;
}

/** Step function results. */
export const R_ENABLED = 0;
export const R_DISABLED = 1;
export const R_VIOLATED = 2;
/** Disabled by an await, an empty pick, or a statement whose check is off and that cannot run. */
export const R_OTHER = 3;
/** Disabled waiting on an rwsem. */
export const R_COMPLEX = 4;
/** Disabled waiting on the lock at slot (result - R_LOCK). */
export const R_LOCK = 16;

export interface GeneratedSource {
  /** TypeScript source of a module exporting `create(rt)`. */
  text: string;
  /** Constant tables the code indexes (passed back to `create` through the runtime). */
  tables: number[][];
  /** Messages the code refers to by index. */
  messages: string[];
}

interface Options {
  disabled: ReadonlySet<ViolationKind>;
  lockOrder: boolean;
  /**
   * "thread": code specialised per thread (every slot at a known place: fastest);
   * "process": one piece of code per process, shared by its instances (smaller, so
   * quicker to build for models with many instances and steps). Default: by size.
   */
  shape?: "thread" | "process";
}

/** Below this many (thread, step) pairs, per-thread code is small enough to build quickly. */
export const PER_THREAD_LIMIT = 400;

export function chooseShape(model: Model): "thread" | "process" {
  const pairs = model.threads.reduce((n, t) => n + model.processes[t.process]!.locations.reduce((k, l) => k + l.steps.length, 0), 0);
  return pairs <= PER_THREAD_LIMIT ? "thread" : "process";
}

class Writer {
  private readonly lines: string[] = [];
  private depth = 0;
  line(s: string): void {
    this.lines.push("  ".repeat(this.depth) + s);
  }
  open(s: string): void {
    this.line(s);
    this.depth++;
  }
  close(s = "}"): void {
    this.depth--;
    this.line(s);
  }
  /** `} else {` and the like: out one level, a line, in again. */
  mid(s: string): void {
    this.depth--;
    this.line(s);
    this.depth++;
  }
  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

/**
 * The generator's own text, for the compile cache's key: an entry built by another
 * version of this file is never used, even where CODEGEN_VERSION was not bumped.
 */
export function codegenSourceText(): string {
  return `${generateSource.toString()}\n${Generator.toString()}\n${Writer.toString()}`;
}

export function generateSource(model: Model, layout: PackedLayout, options: Options): GeneratedSource {
  return new Generator(model, layout, options).run();
}

/** Where a slot lives, as generated code sees it. */
type SlotRef =
  | { g: number } // a global slot, at a fixed place
  | { l: number } // a slot of the running thread's block (pc -1, locals 0..), same place relative to every instance's block
  | { d: string }; // a slot computed at run time (an absolute slot index expression)

class Generator {
  private w = new Writer();
  private readonly tables: number[][] = [];
  private readonly tableIds = new Map<string, number>();
  private readonly messages: string[] = [];
  /** Per-thread constants read by the code of a process: name -> values by thread id. */
  private readonly perThread = new Map<string, number[]>();
  private tempCounter = 0;
  private bounds = new Set<number>();
  private readonly locks: { slot: number; kind: string }[] = [];
  private readonly spinSlots: number[] = [];
  /** SRCU/RCU domain entries (first slots), and the RCU domain's first slot or -1. */
  private readonly domains: number[] = [];
  private rcuSlot = -1;
  // the group of threads whose code is being generated (a process's instances, or one thread),
  // its number (for naming tables and functions) and its first thread
  private group: number[] = [];
  private process = 0;
  private t0 = 0;

  constructor(private readonly m: Model, private readonly layout: PackedLayout, private readonly opts: Options) {
    for (const v of m.layout.vars) {
      if (v.kind !== "lock") continue;
      const ew = v.entryWidth ?? 1;
      for (let i = 0; i < v.width / ew; i++) {
        this.locks.push({ slot: v.offset + i * ew, kind: v.lockKind! });
        if (v.lockKind === "spinlock") this.spinSlots.push(v.offset + i * ew);
      }
    }
    for (const v of m.layout.vars) {
      if (v.kind !== "srcu") continue;
      for (let i = 0; i < v.width / v.entryWidth!; i++) this.domains.push(v.offset + i * v.entryWidth!);
      if (v.rcu) this.rcuSlot = v.offset;
    }
  }

  /** The running thread's id, as a constant where the code is one thread's. */
  private tid(): string {
    return this.threadTable("TID", (t) => t);
  }

  /** Slot `ref + k + tid`. */
  private plusThread(ref: SlotRef, k = 0): SlotRef {
    const tid = this.tid();
    if ("g" in ref && /^\d+$/.test(tid)) return { g: ref.g + k + Number(tid) };
    return { d: `(${this.absolute(ref)} + ${k} + ${tid})` };
  }

  /**
   * A lock-order acquisition of the lock or domain `id` (an absolute slot expression): an edge
   * from every other lock the thread holds and every read-side section it is inside.
   */
  private acquisition(id: string): void {
    const w = this.w;
    const nh = this.temp("nh");
    w.line(`let ${nh} = 0;`);
    for (const l of this.locks) {
      const held = l.kind === "rwsem"
        ? `(${this.read({ g: l.slot })} === O || (${this.read({ g: l.slot + 1 })} & BIT) !== 0)`
        : `${this.read({ g: l.slot })} === O`;
      w.line(`if (${held} && ${id} !== ${l.slot}) H[${nh}++] = ${l.slot};`);
    }
    for (const d of this.domains) w.line(`if (${this.read(this.plusThread({ g: d }))} > 0 && ${id} !== ${d}) H[${nh}++] = ${d};`);
    // a worker running a work holds its workqueue's pseudo-lock, then the work's (interpret.ts, pseudoHeld)
    const worker = this.m.processes[this.m.threads[this.t0]!.process]!.worker;
    if (worker) {
      const q = this.m.workqueues[worker.wq]!;
      const wp = this.temp("wp");
      w.line(`const ${wp} = ${this.read(this.workerSlot(q, "WW", (tid) => q.workers.indexOf(tid)))};`);
      w.open(`if (${wp} !== 0) {`);
      w.line(`if (${id} !== ${q.offset}) H[${nh}++] = ${q.offset};`);
      const e = this.temp("we");
      w.line(`const ${e} = T${this.table(q.works.map((x) => x.entry))}[${wp} - 1];`);
      w.line(`if (${id} !== ${e}) H[${nh}++] = ${e};`);
      w.close();
    }
    w.line(`if (${nh} > 0) acquire(H, ${id}, ${nh});`);
  }

  /** The slot of the running worker's running work in workqueue `q` (worker number by thread; `name`: its per-thread table's, one per `worker` function). */
  private workerSlot(q: Workqueue, name: string, worker: (tid: number) => number): SlotRef {
    const n = q.works.length;
    const slot = this.uniform(`${name}${this.m.workqueues.indexOf(q)}`, (tid) => q.offset + n + worker(tid));
    return /^\d+$/.test(slot) ? { g: Number(slot) } : { d: slot };
  }

  /** A number per thread of the current group, as a constant when every thread of the group has the same. */
  private uniform(name: string, value: (tid: number) => number): string {
    const v = value(this.group[0]!);
    if (this.group.every((t) => value(t) === v)) return num(v);
    return this.threadTable(name, value);
  }

  /** Return violated (or `code`) when the thread is in atomic context: it holds a spinlock, or is inside an RCU read-side section. */
  private atomicChecks(code: number = R_VIOLATED): void {
    for (const sl of this.spinSlots) this.w.line(`if (${this.read({ g: sl })} === O) return ${code};`);
    if (this.rcuSlot >= 0) this.w.line(`if (${this.read(this.plusThread({ g: this.rcuSlot }))} > 0) return ${code};`);
  }

  /** Return violated when the thread holds a lock or is inside a read-side section (exit-holding-lock). */
  private holdingChecks(): void {
    for (const l of this.locks) {
      const held = l.kind === "rwsem"
        ? `${this.read({ g: l.slot })} === O || (${this.read({ g: l.slot + 1 })} & BIT) !== 0`
        : `${this.read({ g: l.slot })} === O`;
      this.w.line(`if (${held}) return ${R_VIOLATED};`);
    }
    for (const d of this.domains) this.w.line(`if (${this.read(this.plusThread({ g: d }))} > 0) return ${R_VIOLATED};`);
  }

  private get atomicPossible(): boolean {
    return this.spinSlots.length > 0 || this.rcuSlot >= 0;
  }

  private on(k: ViolationKind): boolean {
    return !this.opts.disabled.has(k);
  }

  private temp(prefix = "v"): string {
    return `${prefix}${this.tempCounter++}`;
  }

  /** A number per thread of the current group (static when the group is one thread). */
  private threadTable(name: string, value: (tid: number) => number): string {
    if (this.group.length === 1) return `${value(this.group[0]!)}`;
    const key = `${name}_${this.process}`;
    if (!this.perThread.has(key)) {
      const members = new Set(this.group);
      this.perThread.set(key, this.m.threads.map((t) => (members.has(t.id) ? value(t.id) : 0)));
    }
    return `${key}[tid]`;
  }

  // ------------------------------------------------------------ slots

  private slot(a: Addr): SlotRef {
    let off = a.offset;
    const dyn: string[] = [];
    for (const term of a.terms) {
      const idx = this.expr(term.index);
      if (/^-?\d+$/.test(idx)) off += Number(idx) * term.stride;
      else dyn.push(term.stride === 1 ? idx : `${idx} * ${term.stride}`);
    }
    if (a.space === "global") return dyn.length ? { d: `(${off} + ${dyn.join(" + ")})` } : { g: off };
    if (!dyn.length) return { l: off };
    return { d: `(${this.threadTable("LB", (tid) => this.m.threads[tid]!.localBase)} + ${off} + ${dyn.join(" + ")})` };
  }

  /**
   * Where a slot of the running thread's block is packed: static when the process
   * has one thread, else looked up in per-thread tables (the instances of a
   * process share code, but their slots sit at different places of the packed state).
   */
  private blockPlace(rel: number): { word: string; shift: string; mask: number; lo: number; constant?: string } {
    const L = this.layout;
    const threads = this.group;
    const slotOf = (tid: number) => this.m.threads[tid]!.localBase + rel;
    const s0 = slotOf(this.t0);
    const name = rel < 0 ? "pc" : `${rel}`;
    if (L.mask[s0] === 0) {
      // constant after start-up, possibly different in each instance
      return { word: "", shift: "", mask: 0, lo: 0, constant: threads.length === 1 ? num(L.lo[s0]!) : this.threadTable(`K${name}`, (tid) => L.lo[slotOf(tid)]!) };
    }
    if (threads.length === 1) return { word: `${L.word[s0]}`, shift: `${L.shift[s0]}`, mask: L.mask[s0]!, lo: L.lo[s0]! };
    return {
      word: this.threadTable(`W${name}`, (tid) => L.word[slotOf(tid)]!),
      shift: this.threadTable(`S${name}`, (tid) => L.shift[slotOf(tid)]!),
      mask: L.mask[s0]!,
      lo: L.lo[s0]!,
    };
  }

  private read(ref: SlotRef, buf = "t"): string {
    if ("d" in ref) return `rd(${buf}, ${ref.d})`;
    const L = this.layout;
    let word: string;
    let shift: string;
    let m: number;
    let lo: number;
    if ("g" in ref) {
      word = `${L.word[ref.g]}`;
      shift = `${L.shift[ref.g]}`;
      m = L.mask[ref.g]!;
      lo = L.lo[ref.g]!;
    } else {
      const p = this.blockPlace(ref.l);
      if (p.constant !== undefined) return p.constant;
      ({ word, shift, mask: m, lo } = p);
    }
    // a negative constant in parentheses: `-${x}` of "-1" would be the decrement "--1"
    if (m === 0) return num(lo);
    if (m === -1) return `${buf}[${word}]`;
    const core = shift === "0" ? `(${buf}[${word}] & ${m})` : `((${buf}[${word}] >>> ${shift}) & ${m})`;
    return lo ? `(${core} + ${lo})` : core;
  }

  private write(ref: SlotRef, value: string): string {
    if ("d" in ref) return `wr(t, ${ref.d}, ${value});`;
    const L = this.layout;
    if ("g" in ref) {
      const m = L.mask[ref.g]!;
      if (m === 0) return "";
      const w = L.word[ref.g]!;
      if (m === -1) return `t[${w}] = ${value};`;
      const sh = L.shift[ref.g]!;
      const lo = L.lo[ref.g]!;
      const v = lo ? `(${value} - ${lo})` : value;
      return `t[${w}] = (t[${w}] & ${~(m << sh)}) | ((${v} & ${m}) << ${sh});`;
    }
    const p = this.blockPlace(ref.l);
    if (p.constant !== undefined || p.mask === 0) return "";
    if (p.mask === -1) return `t[${p.word}] = ${value};`;
    const v = p.lo ? `(${value} - ${p.lo})` : value;
    if (/^\d+$/.test(p.shift)) {
      return `t[${p.word}] = (t[${p.word}] & ${~(p.mask << Number(p.shift))}) | ((${v} & ${p.mask}) << ${p.shift});`;
    }
    const ww = this.temp("w");
    const sh = this.temp("sh");
    return `{ const ${ww} = ${p.word}, ${sh} = ${p.shift}; t[${ww}] = (t[${ww}] & ~(${p.mask} << ${sh})) | ((${v} & ${p.mask}) << ${sh}); }`;
  }

  private plus(ref: SlotRef, k: number): SlotRef {
    if ("g" in ref) return { g: ref.g + k };
    if ("l" in ref) return { l: ref.l + k };
    return { d: `(${ref.d} + ${k})` };
  }

  /** A slot as a number or expression for lock ids and waits (absolute slot index). */
  private absolute(ref: SlotRef): string {
    if ("g" in ref) return `${ref.g}`;
    if ("l" in ref) return `(${this.threadTable("LB", (tid) => this.m.threads[tid]!.localBase)} + ${ref.l})`;
    return ref.d;
  }

  // ------------------------------------------------------------ expressions

  private table(values: number[]): number {
    const key = values.join(",");
    let id = this.tableIds.get(key);
    if (id === undefined) {
      id = this.tables.length;
      this.tables.push(values);
      this.tableIds.set(key, id);
    }
    return id;
  }

  /** Messages live in a table; the code only carries their index. */
  private message(text: string): number {
    this.messages.push(text);
    return this.messages.length - 1;
  }

  expr(e: Expr): string {
    switch (e.k) {
      case "const": return e.v < 0 ? `(${e.v})` : `${e.v}`;
      case "read": return this.read(this.slot(e.addr));
      case "instance": return this.threadTable("INST", (tid) => this.m.threads[tid]!.instance);
      case "bound":
        this.bounds.add(e.id);
        return `b${e.id}`;
      case "un": {
        const a = this.expr(e.a);
        if (e.op === "neg") return `(-${a})`;
        if (e.op === "not") return `(${a} ? 0 : 1)`;
        return `pc32(${a})`;
      }
      case "bin": {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        switch (e.op) {
          case "+": case "-": case "*": return `(${a} ${e.op} ${b})`;
          case "/": return `div(${a}, ${b})`;
          case "%": return `mod(${a}, ${b})`;
          case "==": return `(${a} === ${b} ? 1 : 0)`;
          case "!=": return `(${a} !== ${b} ? 1 : 0)`;
          case "<": case "<=": case ">": case ">=": return `(${a} ${e.op} ${b} ? 1 : 0)`;
          case "and": return `(${a} && ${b} ? 1 : 0)`;
          case "or": return `(${a} || ${b} ? 1 : 0)`;
          case "|": return `(${a} | ${b})`;
          case "&": return `(${a} & ${b})`;
          case "&~": return `(${a} & ~${b})`;
        }
        break;
      }
      case "ite": return `(${this.expr(e.c)} ? ${this.expr(e.a)} : ${this.expr(e.b)})`;
      case "table": return `T${this.table(e.values)}[${this.expr(e.index)}]`;
      case "pos": return `pos(${this.expr(e.a)}, ${e.lo}, ${e.count}, ${this.message(e.what)})`;
      case "bit": return `(1 << pos(${this.expr(e.a)}, ${e.lo}, ${e.count}, ${this.message(e.what)}))`;
      case "member": return `mem(${this.expr(e.a)}, ${this.expr(e.set)}, ${e.lo}, ${e.count})`;
      case "held": case "locked": {
        const x = this.slot(e.lock);
        const w = this.read(x);
        if (e.lockKind === "rwsem") {
          const r = this.read(this.plus(x, 1));
          return e.k === "held" ? `(${w} === O || (${r} & BIT) !== 0 ? 1 : 0)` : `(${w} !== 0 || ${r} !== 0 ? 1 : 0)`;
        }
        return e.k === "held" ? `(${w} === O ? 1 : 0)` : `(${w} !== 0 ? 1 : 0)`;
      }
      case "quant": {
        this.bounds.add(e.id);
        const forall = e.q === "forall";
        return `((m) => { for (let i = 0; i < ${e.count}; i++) { if (!((m >>> i) & 1)) continue; b${e.id} = ${e.lo} + i; if (${forall ? "!" : ""}(${this.expr(e.body)})) return ${forall ? 0 : 1}; } return ${forall ? 1 : 0}; })(${this.expr(e.set)})`;
      }
      case "deref": return `deref(t, ${this.expr(e.ref)}, ${e.offset}, ${e.stride}, ${e.bound}, ${e.pool}, ${this.message(e.what)})`;
    }
    throw new Error(`codegen: unknown expression ${(e as Expr).k}`);
  }

  // ------------------------------------------------------------ ops

  private op(o: Op): void {
    const w = this.w;
    const RANGE = this.on("out-of-range") ? R_VIOLATED : R_OTHER;
    switch (o.k) {
      case "assume":
        w.line(`if (!${this.expr(o.cond)}) return ${o.wait !== undefined ? R_OTHER : R_DISABLED};`);
        return;
      case "assign": {
        const vals = o.values.map((v) => {
          const text = this.expr(v);
          if (/^\(?-?\d+\)?$/.test(text)) return text;
          const n = this.temp();
          w.line(`const ${n} = ${text};`);
          return n;
        });
        o.ranges.forEach((r, i) => {
          const v = vals[i]!;
          if (!r) return;
          if (/^\(?-?\d+\)?$/.test(v)) {
            const c = Number(v.replace(/[()]/g, ""));
            if (c < r.lo || c > r.hi) w.line(`return ${RANGE};`);
            return;
          }
          w.line(`if (${v} < ${r.lo} || ${v} > ${r.hi}) return ${RANGE};`);
        });
        const slots = o.targets.map((a): SlotRef => {
          const s = this.slot(a);
          if (!("d" in s)) return s;
          const n = this.temp("x");
          w.line(`const ${n} = ${s.d};`);
          return { d: n };
        });
        slots.forEach((s, i) => {
          const line = this.write(s, vals[i]!);
          if (line) w.line(line);
        });
        return;
      }
      case "lock": {
        const x = this.slotTemp(o.lock);
        const id = this.absolute(x);
        const blocked = o.noBlock ? `${R_VIOLATED}` : o.lockKind === "rwsem" ? `${R_COMPLEX}` : `${R_LOCK} + ${id}`;
        const sleep = o.lockKind !== "spinlock" && this.atomicPossible && this.on("sleep-in-atomic");
        if (o.lockKind === "rwsem" && o.mode === "read") {
          w.line(`if ((${this.read(this.plus(x, 1))} & BIT) !== 0) return ${this.on("recursive-locking") ? R_VIOLATED : R_OTHER};`);
          // behind a writer, or behind a waiting writer while others read
          w.line(`if (${this.read(x)} !== 0 || (${this.read(this.plus(x, 1))} !== 0 && ${this.read(this.plus(x, 2))} !== 0)) return ${blocked};`);
        } else if (o.lockKind === "rwsem") {
          w.line(`if (${this.read(x)} !== 0 || ${this.read(this.plus(x, 1))} !== 0) return ${blocked};`);
        } else {
          w.line(`if (${this.read(x)} !== 0) return ${blocked};`);
        }
        if (sleep) this.atomicChecks();
        if (this.opts.lockOrder) this.acquisition(id);
        if (o.lockKind === "rwsem" && o.mode === "read") {
          const r = this.plus(x, 1);
          w.line(this.write(r, `(${this.read(r)} | BIT)`));
        } else {
          w.line(this.write(x, "O"));
          if (o.lockKind === "rwsem") {
            const q = this.plus(x, 2);
            w.line(this.write(q, `(${this.read(q)} & ~BIT)`));
          }
        }
        return;
      }
      case "rwsem_queue": {
        const x = this.slotTemp(o.lock);
        const r = this.plus(x, 1);
        const q = this.plus(x, 2);
        w.line(`if (${this.read(x)} === 0 && ${this.read(r)} === 0) return ${R_DISABLED};`);
        w.line(`if (${this.read(x)} === O || (${this.read(r)} & BIT) !== 0 || (${this.read(q)} & BIT) !== 0) return ${R_DISABLED};`);
        w.line(this.write(q, `(${this.read(q)} | BIT)`));
        return;
      }
      case "trylock": {
        // one outcome of a trylock: never waits, never sleeps, records no lock-order edge
        const x = this.slotTemp(o.lock);
        // a waiting writer makes both rwsem trylocks fail (RWSEM_FLAG_WAITERS)
        const free = o.lockKind !== "rwsem" ? `${this.read(x)} === 0`
          : o.mode === "write" ? `(${this.read(x)} === 0 && ${this.read(this.plus(x, 1))} === 0 && ${this.read(this.plus(x, 2))} === 0)`
          : `(${this.read(x)} === 0 && ${this.read(this.plus(x, 2))} === 0)`;
        if (o.lockKind === "rwsem" && o.mode === "read") {
          const held = `(${this.read(this.plus(x, 1))} & BIT) !== 0`;
          w.line(`if (${held}) return ${o.taken ? (this.on("recursive-locking") ? R_VIOLATED : R_OTHER) : R_DISABLED};`);
        }
        w.line(`if (${o.taken ? "!" : ""}(${free})) return ${R_DISABLED};`);
        if (o.taken) {
          if (o.lockKind === "rwsem" && o.mode === "read") {
            const r = this.plus(x, 1);
            w.line(this.write(r, `(${this.read(r)} | BIT)`));
          } else w.line(this.write(x, "O"));
        }
        return;
      }
      case "unlock": {
        const x = this.slotTemp(o.lock);
        const check = this.on("unlock-not-held");
        if (o.lockKind === "rwsem" && o.mode === "read") {
          const r = this.plus(x, 1);
          w.open(`if ((${this.read(r)} & BIT) !== 0) {`);
          w.line(this.write(r, `(${this.read(r)} & ~BIT)`));
          w.close(check ? `} else return ${R_VIOLATED};` : "}");
        } else {
          w.open(`if (${this.read(x)} === O) {`);
          w.line(this.write(x, "0"));
          w.close(check ? `} else return ${R_VIOLATED};` : "}");
        }
        return;
      }
      case "refget": {
        const x = this.slotTemp(o.ref);
        const v = this.temp();
        w.line(`const ${v} = ${this.read(x)};`);
        if (this.on("refcount-inc-from-zero")) w.line(`if (${v} === 0) return ${R_VIOLATED};`);
        w.line(`if (${v} >= ${o.hi}) return ${RANGE};`);
        w.line(this.write(x, `(${v} + 1)`));
        return;
      }
      case "refput": {
        const x = this.slotTemp(o.ref);
        const v = this.temp();
        w.line(`const ${v} = ${this.read(x)};`);
        w.open(`if (${v} === 0) {`);
        if (this.on("refcount-underflow")) w.line(`return ${R_VIOLATED};`);
        w.mid("} else {");
        w.line(`if (${v} - 1 < ${o.lo ?? 0}) return ${RANGE};`);
        w.line(this.write(x, `(${v} - 1)`));
        w.close();
        return;
      }
      case "check":
        if (this.on(o.violation)) w.line(`if (!${this.expr(o.cond)}) return ${R_VIOLATED};`);
        return;
      case "fail":
        if (this.on(o.violation)) w.line(`return ${R_VIOLATED};`);
        return;
      case "alloc": {
        const pool = this.m.pools[o.pool]!;
        const vals = o.fields.map((f) => {
          const n = this.temp();
          w.line(`const ${n} = ${this.expr(f)};`);
          return n;
        });
        o.range.forEach((r, i) => {
          if (r) w.line(`if (${vals[i]} < ${r.lo} || ${vals[i]} > ${r.hi}) return ${RANGE};`);
        });
        const i = this.temp("i");
        w.line(`let ${i} = -1;`);
        w.line(`for (let j = 0; j < ${pool.bound}; j++) if (rd(t, ${pool.offset} + j * ${pool.stride}) === 0) { ${i} = j; break; }`);
        w.line(`if (${i} < 0) return ${R_VIOLATED};`);
        w.line(`wr(t, ${pool.offset} + ${i} * ${pool.stride}, 1);`);
        vals.forEach((v, k) => w.line(`wr(t, ${pool.offset} + ${i} * ${pool.stride} + ${k + 1}, ${v});`));
        w.line(this.write(this.slot(o.target), `(${i} + 1)`));
        return;
      }
      case "free": {
        const pool = this.m.pools[o.pool]!;
        const r = this.temp();
        w.line(`const ${r} = ${this.expr(o.ref)};`);
        w.open(`if (${r} !== 0) {`);
        const b = this.temp("b");
        w.line(`const ${b} = ${pool.offset} + (${r} - 1) * ${pool.stride};`);
        w.open(`if (rd(t, ${b}) === 2) {`);
        if (this.on("double-free")) w.line(`return ${R_VIOLATED};`);
        w.mid("} else {");
        w.line(`wr(t, ${b}, 2);`);
        pool.defaults.forEach((d, k) => w.line(`wr(t, ${b} + ${k + 1}, ${d});`));
        w.close();
        w.close();
        return;
      }
      case "complete": {
        const x = this.slotTemp(o.c);
        if (o.mode !== "one") {
          w.line(this.write(x, o.mode === "all" ? `${COMPLETION_ALL}` : "0"));
          return;
        }
        const v = this.temp();
        w.line(`const ${v} = ${this.read(x)};`);
        w.open(`if (${v} !== ${COMPLETION_ALL}) {`);
        w.line(`if (${v} >= ${COMPLETION_COUNT_MAX}) return ${RANGE};`);
        w.line(this.write(x, `(${v} + 1)`));
        w.close();
        return;
      }
      case "try_wait_completion": {
        const x = this.slotTemp(o.c);
        const v = this.temp();
        w.line(`const ${v} = ${this.read(x)};`);
        w.line(`if (${v} ${o.taken ? "===" : "!=="} 0) return ${R_DISABLED};`);
        if (o.taken) w.line(`if (${v} !== ${COMPLETION_ALL}) { ${this.write(x, `(${v} - 1)`)} }`);
        return;
      }
      case "wait_completion": {
        // the operand first (C evaluates it before the call), then might_sleep(), as __wait_for_common does
        const x = this.slotTemp(o.c);
        if (this.on("sleep-in-atomic")) this.atomicChecks();
        const v = this.temp();
        w.line(`const ${v} = ${this.read(x)};`);
        w.line(`if (${v} === 0) return ${o.noBlock ? (this.on("atomic-blocked") ? R_VIOLATED : R_DISABLED) : R_OTHER};`);
        w.line(`if (${v} !== ${COMPLETION_ALL}) { ${this.write(x, `(${v} - 1)`)} }`);
        return;
      }
      case "might_sleep": {
        if (!this.on("sleep-in-atomic")) return;
        this.atomicChecks();
        return;
      }
      case "srcu_read_lock": {
        const x = this.slotTemp(o.d);
        const me = this.plusThread(x);
        const v = this.temp();
        w.line(`const ${v} = ${this.read(me)};`);
        w.line(`if (${v} >= ${SRCU_NEST_MAX}) return ${RANGE};`);
        w.line(this.write(me, `(${v} + 1)`));
        return;
      }
      case "srcu_read_unlock": {
        const T = this.m.threads.length;
        const x = this.slotTemp(o.d);
        const me = this.plusThread(x);
        const v = this.temp();
        w.line(`const ${v} = ${this.read(me)};`);
        w.open(`if (${v} === 0) {`);
        if (this.on("unlock-not-held")) w.line(`return ${R_VIOLATED};`);
        w.mid("} else {");
        w.line(this.write(me, `(${v} - 1)`));
        w.open(`if (${v} === 1) {`);
        for (let k = 0; k < T; k++) {
          const g = this.plus(x, T + k);
          w.line(this.write(g, `(${this.read(g)} & ~BIT)`));
        }
        w.close();
        w.close();
        return;
      }
      case "srcu_gp_start": {
        const T = this.m.threads.length;
        const x = this.slotTemp(o.d);
        w.line(`if (${this.read(this.plusThread(x, T))} !== 0 || ${this.read(this.plusThread(x))} !== 0) return ${R_DISABLED};`);
        // in atomic context the synchronize is sleep-in-atomic first: no grace period starts
        if (this.atomicPossible && this.on("sleep-in-atomic")) {
          for (const sl of this.spinSlots) w.line(`if (${this.read({ g: sl })} === O) return ${R_DISABLED};`);
          if (this.rcuSlot >= 0) w.line(`if (${this.read(this.plusThread({ g: this.rcuSlot }))} > 0) return ${R_DISABLED};`);
        }
        const r = this.temp("rd");
        w.line(`let ${r} = 0;`);
        for (let k = 0; k < T; k++) w.line(`if (${this.read(this.plus(x, k))} > 0) ${r} |= ${k === 31 ? "(1 << 31)" : 1 << k};`);
        w.line(`${r} &= ~BIT;`);
        w.line(`if (${r} === 0) return ${R_DISABLED};`);
        w.line(this.write(this.plusThread(x, T), `(${r} | BIT)`));
        return;
      }
      case "srcu_sync": {
        const T = this.m.threads.length;
        const x = this.slotTemp(o.d);
        if (this.atomicPossible && this.on("sleep-in-atomic")) this.atomicChecks();
        w.line(`if (${this.read(this.plusThread(x))} > 0) return ${this.on("recursive-locking") ? R_VIOLATED : R_OTHER};`);
        const g = this.temp("gp");
        w.line(`const ${g} = ${this.read(this.plusThread(x, T))};`);
        const others: string[] = [];
        for (let k = 0; k < T; k++) others.push(`(${this.read(this.plus(x, k))} > 0 && ${this.tid()} !== ${k})`);
        // no grace period yet: one to start first if others read; one started: it ends when nobody holds it up
        w.line(`if (${g} === 0 && (${others.join(" || ")})) return ${R_DISABLED};`);
        w.line(`if (${g} !== 0 && ${g} !== BIT) return ${R_COMPLEX};`);
        w.line(this.write(this.plusThread(x, T), "0"));
        if (this.opts.lockOrder) this.acquisition(this.absolute(x));
        return;
      }
      case "exit": {
        if (!this.on("exit-holding-lock")) return;
        this.holdingChecks();
        return;
      }
      case "queue_work": case "work_start": case "work_end": case "work_wait":
        this.workOp(o);
        return;
    }
  }

  // ------------------------------------------------------------ workqueues

  /*
   * The workqueue ops, as interpret-workqueue.ts has them. The workqueue's slots (its queue,
   * then a slot per worker) are copied into the scratch array WQ, where the helpers wqPend
   * (is the work at a position pending?), wqRun (the worker running it, or -1) and wqDeq
   * (take it out of the queue) work as isPending, runningOn and dequeue do; the queue slots
   * are written back where the op changes them.
   */
  private loadQueue(q: Workqueue): void {
    const width = q.works.length + q.workers.length;
    for (let i = 0; i < width; i++) this.w.line(`WQ[${i}] = ${this.read({ g: q.offset + i })};`);
  }

  private storeQueue(q: Workqueue): void {
    for (let i = 0; i < q.works.length; i++) {
      const line = this.write({ g: q.offset + i }, `WQ[${i}]`);
      if (line) this.w.line(line);
    }
  }

  private workOp(o: Op & { k: "queue_work" | "work_start" | "work_end" | "work_wait" }): void {
    const w = this.w;
    const q = this.m.workqueues[o.wq]!;
    const n = q.works.length;
    const W = q.workers.length;
    const T = this.m.threads.length;
    switch (o.k) {
      case "queue_work": {
        const x = this.slotTemp(o.entry); // the entry first, then the position
        const p = this.temp("p");
        w.line(`const ${p} = ${this.expr(o.pos)};`);
        this.loadQueue(q);
        const queued = this.temp("qd");
        w.line(`const ${queued} = !wqPend(${n}, ${p}) && ${this.read(x)} === 0;`);
        if (o.result !== undefined) w.line(`if (${queued} !== ${o.result}) return ${R_DISABLED};`);
        w.open(`if (${queued}) {`);
        w.line(`for (let i = 0; i < ${n}; i++) { if (WQ[i] !== 0) continue; WQ[i] = ${p} + 1; break; }`);
        this.storeQueue(q);
        w.close();
        return;
      }
      case "work_start": {
        const entry = q.works[o.pos]!.entry;
        const k = this.temp("k");
        w.line(`const ${k} = ${this.expr({ k: "instance" })};`);
        this.loadQueue(q);
        w.line(`if (WQ[${n} + ${k}] !== 0) return ${R_DISABLED};`);
        w.line(`for (let j = 0; j < ${k}; j++) if (WQ[${n} + j] === 0) return ${R_DISABLED};`); // the lowest idle worker starts
        const first = this.temp("first");
        w.line(`let ${first} = -1;`);
        w.line(`for (let i = 0; i < ${n}; i++) { const v = WQ[i]; if (v === 0) break; if (wqRun(${n}, ${W}, v - 1) >= 0) continue; ${first} = v - 1; break; }`);
        w.line(`if (${first} !== ${o.pos}) return ${R_DISABLED};`);
        w.line(`wqDeq(${n}, ${o.pos});`);
        this.storeQueue(q);
        // lockdep's process_one_work(): the workqueue's map, then the work's
        if (this.opts.lockOrder) this.acquisition(`${q.offset}`);
        const line = this.write(this.workerSlot(q, "WK", (tid) => this.m.threads[tid]!.instance), `${o.pos + 1}`);
        if (line) w.line(line);
        if (this.opts.lockOrder) this.acquisition(`${entry}`);
        for (let t = 0; t < T; t++) this.flushState({ g: entry + 2 + t }, WORK_FLUSH_PENDING, WORK_FLUSH_RUNNING);
        return;
      }
      case "work_end": {
        const entry = q.works[o.pos]!.entry;
        if (this.on("exit-holding-lock")) this.holdingChecks();
        const line = this.write(this.workerSlot(q, "WK", (tid) => this.m.threads[tid]!.instance), "0");
        if (line) w.line(line);
        for (let t = 0; t < T; t++) this.flushState({ g: entry + 2 + t }, WORK_FLUSH_RUNNING, WORK_FLUSH_DONE);
        return;
      }
      case "work_wait":
        if (o.call === "flush_workqueue") this.flushWorkqueue(o, q);
        else this.workWait(o, q);
        return;
    }
  }

  /** A cancel took the pending instance off the queue (`was`): the flushes waiting for it are done (interpret-workqueue.ts, cancelPending). */
  private cancelledFlushes(x: SlotRef, was: string): void {
    const T = this.m.threads.length;
    this.w.open(`if (${was}) {`);
    for (let t = 0; t < T; t++) this.flushState(this.plus(x, 2 + t), WORK_FLUSH_PENDING, WORK_FLUSH_DONE);
    this.w.close();
  }

  /** A flush state `from` becomes `to`. */
  private flushState(f: SlotRef, from: number, to: number): void {
    const v = this.read(f);
    if (/^\(?-?\d+\)?$/.test(v) && Number(v.replace(/[()]/g, "")) !== from) return; // a flush state that never changes
    const line = this.write(f, `${to}`);
    if (line) this.w.line(`if (${v} === ${from}) { ${line} }`);
  }

  /**
   * sleep-in-atomic, then recursive-locking when `own` (a condition) holds: a violation, or
   * (register) not this step (interpret-workqueue.ts, refuse).
   */
  private refuse(register: boolean, own: string | undefined): void {
    if (this.atomicPossible && this.on("sleep-in-atomic")) this.atomicChecks(register ? R_DISABLED : R_VIOLATED);
    if (own === undefined) return;
    const code = register ? R_DISABLED : this.on("recursive-locking") ? R_VIOLATED : R_OTHER;
    this.w.line(`if (${own}) return ${code};`);
  }

  /** The running thread's worker number in `q` as code, or undefined when no thread of the group is one of its workers. */
  private ownWorker(q: Workqueue): string | undefined {
    if (this.group.every((t) => !q.workers.includes(t))) return undefined;
    return this.uniform(`WI${this.m.workqueues.indexOf(q)}`, (tid) => q.workers.indexOf(tid));
  }

  /** flush_work and cancel_work_sync of one work (interpret-workqueue.ts, workWait). */
  private workWait(o: Op & { k: "work_wait" }, q: Workqueue): void {
    const w = this.w;
    const n = q.works.length;
    const W = q.workers.length;
    const cancel = o.call === "cancel_work_sync";
    const x = this.slotTemp(o.entry!); // the operand first, as C evaluates it
    const p = this.temp("p");
    w.line(`const ${p} = ${this.expr(o.pos!)};`);
    const me = this.ownWorker(q);
    let own: string | undefined;
    if (me !== undefined && me !== "(-1)") {
      const slot = /^\d+$/.test(me) ? this.read({ g: q.offset + n + Number(me) }) : `rd(t, ${q.offset + n} + ${me})`;
      own = /^\d+$/.test(me) ? `${slot} === ${p} + 1` : `(${me} >= 0 && ${slot} === ${p} + 1)`;
    }
    this.refuse(o.register, own);
    const f = this.plusThread(x, 2);
    const state = this.temp("st");
    w.line(`const ${state} = ${this.read(f)};`);
    this.loadQueue(q);
    const pending = this.temp("pend");
    const running = this.temp("run");
    w.line(`const ${pending} = wqPend(${n}, ${p});`);
    w.line(`const ${running} = wqRun(${n}, ${W}, ${p}) >= 0;`);
    const acquire = (id: string) => {
      if (this.opts.lockOrder) this.acquisition(id);
    };
    if (o.register) {
      w.line(`if (${state} !== ${WORK_FLUSH_NONE}) return ${R_DISABLED};`);
      if (cancel) {
        w.line(`if (${this.read(x)} !== 0 || !${running}) return ${R_DISABLED};`);
        const was = this.temp("was");
        w.line(`const ${was} = wqDeq(${n}, ${p});`);
        this.storeQueue(q);
        this.cancelledFlushes(x, was);
        w.line(this.write(this.plus(x, 1), `(${was} ? 1 : 0)`));
        w.line(this.write(x, "O"));
        w.line(this.write(f, `${WORK_FLUSH_RUNNING}`));
        acquire(this.absolute(x));
        return;
      }
      w.line(`if (!${pending} && !${running}) return ${R_DISABLED};`);
      w.line(this.write(f, `(${pending} ? ${WORK_FLUSH_PENDING} : ${WORK_FLUSH_RUNNING})`));
      acquire(this.absolute(x));
      if (q.ordered) acquire(`${q.offset}`);
      return;
    }
    w.open(`if (${state} === ${WORK_FLUSH_DONE}) {`);
    if (cancel) {
      const was = this.temp("was");
      w.line(`const ${was} = ${this.read(this.plus(x, 1))} !== 0;`);
      if (o.result !== undefined) w.line(`if (${was} !== ${o.result}) return ${R_DISABLED};`);
      w.line(this.write(x, "0"));
      w.line(this.write(this.plus(x, 1), "0"));
    }
    w.line(this.write(f, `${WORK_FLUSH_NONE}`));
    w.mid("} else {");
    // waiting: a wait-for edge the search checks in full (it re-runs the interpreter)
    w.line(`if (${state} !== ${WORK_FLUSH_NONE}) return ${R_COMPLEX};`);
    if (cancel) {
      w.line(`if (${this.read(x)} !== 0) return ${R_COMPLEX};`); // another thread's cancel: the kernel's cancel_waitq
      w.line(`if (${running}) return ${R_DISABLED};`); // registers first
      if (o.result !== undefined) w.line(`if (${pending} !== ${o.result}) return ${R_DISABLED};`);
      const was = this.temp("was");
      w.line(`const ${was} = wqDeq(${n}, ${p});`);
      this.storeQueue(q);
      this.cancelledFlushes(x, was);
      acquire(this.absolute(x));
    } else {
      w.line(`if (${pending} || ${running}) return ${R_DISABLED};`); // registers first
      acquire(this.absolute(x));
    }
    w.close();
  }

  /** flush_workqueue (interpret-workqueue.ts, flushWorkqueue). */
  private flushWorkqueue(o: Op & { k: "work_wait" }, q: Workqueue): void {
    const w = this.w;
    const n = q.works.length;
    const W = q.workers.length;
    const me = this.ownWorker(q);
    let own: string | undefined;
    if (me !== undefined && me !== "(-1)") {
      own = /^\d+$/.test(me) ? `${this.read({ g: q.offset + n + Number(me) })} !== 0` : `(${me} >= 0 && rd(t, ${q.offset + n} + ${me}) !== 0)`;
    }
    this.refuse(o.register, own);
    const waiting = this.temp("waiting");
    const done = this.temp("done");
    const busy = this.temp("busy");
    w.line(`let ${waiting} = false, ${done} = false, ${busy} = false;`);
    this.loadQueue(q);
    const flush = q.works.map((x) => this.plusThread({ g: x.entry }, 2));
    flush.forEach((f, i) => {
      const v = this.temp("f");
      w.line(`const ${v} = ${this.read(f)};`);
      w.line(`if (${v} === ${WORK_FLUSH_PENDING} || ${v} === ${WORK_FLUSH_RUNNING}) ${waiting} = true; else if (${v} === ${WORK_FLUSH_DONE}) ${done} = true;`);
      w.line(`if (wqPend(${n}, ${i}) || wqRun(${n}, ${W}, ${i}) >= 0) ${busy} = true;`);
    });
    if (o.register) {
      w.line(`if (${waiting} || ${done} || !${busy}) return ${R_DISABLED};`);
      flush.forEach((f, i) => {
        w.line(`if (wqPend(${n}, ${i})) { ${this.write(f, `${WORK_FLUSH_PENDING}`)} } else if (wqRun(${n}, ${W}, ${i}) >= 0) { ${this.write(f, `${WORK_FLUSH_RUNNING}`)} }`);
      });
      if (this.opts.lockOrder) this.acquisition(`${q.offset}`);
      return;
    }
    w.line(`if (${waiting}) return ${R_COMPLEX};`);
    w.open(`if (${done}) {`);
    for (const f of flush) {
      const line = this.write(f, `${WORK_FLUSH_NONE}`);
      if (line) w.line(line);
    }
    w.mid("} else {");
    w.line(`if (${busy}) return ${R_DISABLED};`); // registers first
    if (this.opts.lockOrder) this.acquisition(`${q.offset}`);
    w.close();
  }

  /** A lock or refcount slot, computed once into a temporary when it is dynamic. */
  private slotTemp(a: Addr): SlotRef {
    const s = this.slot(a);
    if (!("d" in s)) return s;
    const n = this.temp("x");
    this.w.line(`const ${n} = ${s.d};`);
    return { d: n };
  }

  /** Can this op throw a fault (an index, element or division out of range, a dereference)? */
  private static faulty(o: Op): boolean {
    const exprs: Expr[] = [];
    const addr = (a: Addr) => a.terms.forEach((t) => exprs.push(t.index));
    switch (o.k) {
      case "assume": case "check": exprs.push(o.cond); break;
      case "assign": o.values.forEach((v) => exprs.push(v)); o.targets.forEach(addr); break;
      case "lock": case "unlock": case "trylock": case "rwsem_queue": addr(o.lock); break;
      case "refget": case "refput": addr(o.ref); break;
      case "complete": case "wait_completion": case "try_wait_completion": addr(o.c); break;
      case "srcu_read_lock": case "srcu_read_unlock": case "srcu_gp_start": case "srcu_sync": addr(o.d); break;
      case "alloc": o.fields.forEach((f) => exprs.push(f)); addr(o.target); break;
      case "free": exprs.push(o.ref); break;
      case "queue_work": addr(o.entry); exprs.push(o.pos); break;
      case "work_wait": if (o.entry) addr(o.entry); if (o.pos) exprs.push(o.pos); break;
      default: break;
    }
    return exprs.some(exprMayFault);
  }

  // ------------------------------------------------------------ functions

  private stepFunction(st: Step): string {
    const name = `s${st.id}_${this.process}`;
    const body = new Writer();
    const saved = this.w;
    this.w = body;
    this.bounds = new Set();
    const guarded = st.ops.some((o) => Generator.faulty(o));
    if (guarded) body.open("try {");
    for (const o of st.ops) this.op(o);
    body.line(this.write({ l: -1 }, `${st.to}`));
    body.line(`return ${R_ENABLED};`);
    if (guarded) {
      body.close("} catch (e) {");
      body.line("  return fault(e);");
      body.line("}");
    }
    this.w = saved;
    const text = body.text();
    const w = this.w;
    w.open(`function ${name}(t: Int32Array, tid: number): number {`);
    if (/\bO\b/.test(text)) w.line("const O = tid + 1;");
    if (/\bBIT\b/.test(text)) w.line("const BIT = 1 << tid;");
    if (this.bounds.size) w.line(`let ${[...this.bounds].map((b) => `b${b} = 0`).join(", ")};`);
    for (const l of text.trimEnd().split("\n")) w.line(l);
    w.close();
    return name;
  }

  private copy(from: string, to: string, offset: string): string {
    const n = this.layout.words;
    if (n > 12) return offset === "0" ? `${to}.set(${from});` : `${to}.set(${from}, ${offset});`;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`${to}[${offset === "0" ? i : `${offset} + ${i}`}] = ${from}[${i}];`);
    return parts.join(" ");
  }

  /** One function per location of the process: try each of its steps, collect the enabled ones. */
  private locationFunction(loc: Location, stepNames: Map<number, string>): string {
    const w = this.w;
    const name = `l${this.process}_${loc.id}`;
    const words = this.layout.words;
    w.open(`function ${name}(s: Int32Array, idx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number, t: Int32Array, tid: number): number {`);
    w.line("let k = 0, wait = -3, other = 0, r = 0;");
    w.line("info[0] = -1;");
    loc.steps.forEach((sid, i) => {
      w.open(`if (first <= ${i}) {`);
      w.line(this.copy("s", "t", "0"));
      if (this.opts.lockOrder) w.line("begin();");
      w.line(`r = ${stepNames.get(sid)}(t, tid);`);
      w.open(`if (r === ${R_ENABLED}) {`);
      w.line(this.copy("t", "out", `k * ${words}`));
      w.line(`outStep[k++] = ${sid};`);
      if (this.opts.lockOrder) w.line(`commit(idx, tid, ${sid});`);
      w.close(`} else if (r === ${R_VIOLATED}) { info[0] = ${sid}; info[2] = ${i}; return k; }`);
      w.line(`else if (r >= ${R_LOCK}) wait = wait === -3 || wait === r - ${R_LOCK} ? r - ${R_LOCK} : -2;`);
      w.line(`else if (r === ${R_COMPLEX}) wait = -2;`);
      w.line(`else if (r === ${R_OTHER}) other = 1;`);
      w.close();
    });
    w.line("if (k === 0) info[1] = other || wait === -3 ? -1 : wait;");
    w.line("return k;");
    w.close();
    return name;
  }

  run(): GeneratedSource {
    const w = this.w;
    w.line("// Generated by knot: successor functions over packed states. Do not edit.");
    w.open("export function create(rt: any): ((s: Int32Array, idx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number, t: Int32Array) => number)[] {");
    w.line("const { rd, wr, pos, mem, div, mod, pc32, deref, fault, acquire, begin, commit } = rt;");
    w.line(`const H = new Int32Array(${Math.max(1, this.locks.length + this.domains.length + (this.m.workqueues.length ? 2 : 0))});`);
    if (this.m.workqueues.length) {
      // the workqueue helpers (interpret-workqueue.ts: isPending, runningOn, dequeue) on a copy of a workqueue's slots
      w.line(`const WQ = new Int32Array(${Math.max(...this.m.workqueues.map((q) => q.works.length + q.workers.length))});`);
      w.line("function wqPend(n: number, p: number): boolean { for (let i = 0; i < n; i++) { const v = WQ[i]; if (v === 0) return false; if (v === p + 1) return true; } return false; }");
      w.line("function wqRun(n: number, nw: number, p: number): number { for (let k = 0; k < nw; k++) if (WQ[n + k] === p + 1) return k; return -1; }");
      w.line("function wqDeq(n: number, p: number): boolean { for (let i = 0; i < n; i++) { const v = WQ[i]; if (v === 0) return false; if (v !== p + 1) continue; for (let j = i; j < n - 1; j++) WQ[j] = WQ[j + 1]; WQ[n - 1] = 0; return true; } return false; }");
    }
    w.line("//TABLES");
    w.line("function noSteps(_s: Int32Array, _idx: number, _out: Int32Array, _outStep: Int32Array, info: Int32Array): number { info[0] = -1; info[1] = -1; return 0; }");
    const threadEntries: string[] = new Array(this.m.threads.length);
    const shape = this.opts.shape ?? chooseShape(this.m);
    const groups = shape === "thread"
      ? this.m.threads.map((t) => [t.id])
      : this.m.processes.map((_, pi) => this.m.threads.filter((t) => t.process === pi).map((t) => t.id));
    groups.forEach((threads, pi) => {
      if (threads.length === 0) return;
      const proc = this.m.processes[this.m.threads[threads[0]!]!.process]!;
      this.group = threads;
      this.process = pi;
      this.t0 = threads[0]!;
      const stepNames = new Map<number, string>();
      for (const loc of proc.locations) for (const sid of loc.steps) stepNames.set(sid, this.stepFunction(this.m.steps[sid]!));
      // a location without steps (an end, or an `await false` the lowering dropped): no successor, waiting for nothing it can name
      const locNames = proc.locations.map((loc) => (loc.steps.length ? this.locationFunction(loc, stepNames) : "noSteps"));
      w.line(`const P${pi} = [${locNames.join(", ")}];`);
      for (const tid of threads) {
        const pcSlot = this.m.threads[tid]!.pcSlot;
        const pc = this.read({ g: pcSlot }, "s");
        const fn = `e${tid}`;
        w.line(`function ${fn}(s: Int32Array, idx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number, t: Int32Array): number { return P${pi}[${pc}](s, idx, out, outStep, info, first, t, ${tid}); }`);
        threadEntries[tid] = fn;
      }
    });
    w.line(`return [${threadEntries.join(", ")}];`);
    w.close();
    const decl = [
      ...this.tables.map((_, i) => `  const T${i}: Int32Array = rt.tables[${i}];`),
      ...[...this.perThread.entries()].map(([k, v]) => `  const ${k} = Int32Array.from([${v.join(", ")}]);`),
    ].join("\n");
    return { text: w.text().replace("  //TABLES\n", decl ? decl + "\n" : ""), tables: this.tables, messages: this.messages };
  }
}
