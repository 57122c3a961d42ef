// Code generation: IR -> TypeScript source of one successor function per thread
// and one function per (thread, step), working directly on packed states (every
// static slot read or write becomes a shift and a mask on a known word). The
// semantics mirror interpret.ts op for op; the test suite runs every model
// through both and compares state counts, transitions and traces.
//
// Safety: nothing a model author wrote reaches the generated text. Names and
// messages stay in the IR; the code holds only numbers, generated identifiers,
// and indices into tables passed in at load time.
import type { Addr, Expr, Model, Op, Step, ViolationKind } from "@knot/ir";
import type { PackedLayout } from "./packing.js";

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

export function generateSource(model: Model, layout: PackedLayout, options: Options): GeneratedSource {
  return new Generator(model, layout, options).run();
}

class Generator {
  private w = new Writer();
  private readonly tables: number[][] = [];
  private readonly tableIds = new Map<string, number>();
  private tid = 0;
  private base = 0;
  private instance = 0;
  private tempCounter = 0;
  private bounds = new Set<number>();
  private readonly locks: { slot: number; kind: string }[] = [];
  private readonly spinSlots: number[] = [];

  constructor(private readonly m: Model, private readonly layout: PackedLayout, private readonly opts: Options) {
    for (const v of m.layout.vars) {
      if (v.kind !== "lock") continue;
      const ew = v.entryWidth ?? 1;
      for (let i = 0; i < v.width / ew; i++) {
        this.locks.push({ slot: v.offset + i * ew, kind: v.lockKind! });
        if (v.lockKind === "spinlock") this.spinSlots.push(v.offset + i * ew);
      }
    }
  }

  private on(k: ViolationKind): boolean {
    return !this.opts.disabled.has(k);
  }

  private temp(prefix = "v"): string {
    return `${prefix}${this.tempCounter++}`;
  }

  // ------------------------------------------------------------ slots

  /** A static slot as a number, or a JS expression computing a dynamic one. */
  private slot(a: Addr): number | string {
    let off = a.offset + (a.space === "local" ? this.base : 0);
    const dyn: string[] = [];
    for (const term of a.terms) {
      const idx = this.expr(term.index);
      if (/^-?\d+$/.test(idx)) off += Number(idx) * term.stride;
      else dyn.push(term.stride === 1 ? idx : `${idx} * ${term.stride}`);
    }
    return dyn.length ? `(${off} + ${dyn.join(" + ")})` : off;
  }

  private read(slot: number | string, buf = "t"): string {
    if (typeof slot === "string") return `rd(${buf}, ${slot})`;
    const L = this.layout;
    const m = L.mask[slot]!;
    const lo = L.lo[slot]!;
    if (m === 0) return `${lo}`;
    if (m === -1) return `${buf}[${L.word[slot]}]`;
    const core = L.shift[slot] ? `((${buf}[${L.word[slot]}] >>> ${L.shift[slot]}) & ${m})` : `(${buf}[${L.word[slot]}] & ${m})`;
    return lo ? `(${core} + ${lo})` : core;
  }

  private write(slot: number | string, value: string): string {
    if (typeof slot === "string") return `wr(t, ${slot}, ${value});`;
    const L = this.layout;
    const m = L.mask[slot]!;
    if (m === 0) return "";
    const w = L.word[slot]!;
    if (m === -1) return `t[${w}] = ${value};`;
    const sh = L.shift[slot]!;
    const lo = L.lo[slot]!;
    const v = lo ? `(${value} - ${lo})` : value;
    return `t[${w}] = (t[${w}] & ${~(m << sh)}) | ((${v} & ${m}) << ${sh});`;
  }

  private plus(slot: number | string, k: number): number | string {
    return typeof slot === "number" ? slot + k : `(${slot} + ${k})`;
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

  expr(e: Expr): string {
    switch (e.k) {
      case "const": return e.v < 0 ? `(${e.v})` : `${e.v}`;
      case "read": return this.read(this.slot(e.addr));
      case "instance": return `${this.instance}`;
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
          return e.k === "held" ? `(${w} === ${this.tid + 1} || (${r} & ${1 << this.tid}) !== 0 ? 1 : 0)` : `(${w} !== 0 || ${r} !== 0 ? 1 : 0)`;
        }
        return e.k === "held" ? `(${w} === ${this.tid + 1} ? 1 : 0)` : `(${w} !== 0 ? 1 : 0)`;
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

  /** Messages live in a table; the code only carries their index. */
  private readonly messages: string[] = [];
  private message(text: string): number {
    this.messages.push(text);
    return this.messages.length - 1;
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
          const n = this.temp();
          w.line(`const ${n} = ${this.expr(v)};`);
          return n;
        });
        o.ranges.forEach((r, i) => {
          if (r) w.line(`if (${vals[i]} < ${r.lo} || ${vals[i]} > ${r.hi}) return ${RANGE};`);
        });
        const slots = o.targets.map((a) => {
          const s = this.slot(a);
          if (typeof s === "number") return s;
          const n = this.temp("x");
          w.line(`const ${n} = ${s};`);
          return n;
        });
        slots.forEach((s, i) => w.line(this.write(s, vals[i]!)));
        return;
      }
      case "lock": {
        const x = this.slotTemp(o.lock);
        const owner = this.tid + 1;
        const bit = 1 << this.tid;
        const blocked = o.noBlock ? R_VIOLATED : o.lockKind === "rwsem" ? R_COMPLEX : typeof x === "number" ? `${R_LOCK + x}` : `${R_LOCK} + ${x}`;
        const sleep = o.lockKind !== "spinlock" && this.spinSlots.length > 0 && this.on("sleep-in-atomic");
        if (o.lockKind === "rwsem" && o.mode === "read") {
          w.line(`if ((${this.read(this.plus(x, 1))} & ${bit}) !== 0) return ${this.on("recursive-locking") ? R_VIOLATED : R_OTHER};`);
          w.line(`if (${this.read(x)} !== 0) return ${blocked};`);
        } else if (o.lockKind === "rwsem") {
          w.line(`if (${this.read(x)} !== 0 || ${this.read(this.plus(x, 1))} !== 0) return ${blocked};`);
        } else {
          w.line(`if (${this.read(x)} !== 0) return ${blocked};`);
        }
        if (sleep) for (const sl of this.spinSlots) w.line(`if (${this.read(sl)} === ${owner}) return ${R_VIOLATED};`);
        if (this.opts.lockOrder) {
          // which other locks does the thread hold? (the lock-order analysis records an edge from each)
          const nh = this.temp("nh");
          w.line(`let ${nh} = 0;`);
          for (const l of this.locks) {
            const held = l.kind === "rwsem"
              ? `(${this.read(l.slot)} === ${owner} || (${this.read(l.slot + 1)} & ${bit}) !== 0)`
              : `${this.read(l.slot)} === ${owner}`;
            w.line(`if (${held} && ${x} !== ${l.slot}) H[${nh}++] = ${l.slot};`);
          }
          w.line(`if (${nh} > 0) acquire(H, ${x}, ${nh});`);
        }
        if (o.lockKind === "rwsem" && o.mode === "read") {
          const r = this.plus(x, 1);
          w.line(this.write(r, `(${this.read(r)} | ${bit})`));
        } else {
          w.line(this.write(x, `${owner}`));
        }
        return;
      }
      case "unlock": {
        const x = this.slotTemp(o.lock);
        const owner = this.tid + 1;
        const bit = 1 << this.tid;
        const check = this.on("unlock-not-held");
        if (o.lockKind === "rwsem" && o.mode === "read") {
          const r = this.plus(x, 1);
          w.open(`if ((${this.read(r)} & ${bit}) !== 0) {`);
          w.line(this.write(r, `(${this.read(r)} & ${~bit})`));
          w.close(check ? `} else return ${R_VIOLATED};` : "}");
        } else {
          w.open(`if (${this.read(x)} === ${owner}) {`);
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
        const target = this.slot(o.target);
        w.line(this.write(target, `(${i} + 1)`));
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
      case "exit": {
        if (!this.on("exit-holding-lock")) return;
        for (const l of this.locks) {
          const held = l.kind === "rwsem"
            ? `${this.read(l.slot)} === ${this.tid + 1} || (${this.read(l.slot + 1)} & ${1 << this.tid}) !== 0`
            : `${this.read(l.slot)} === ${this.tid + 1}`;
          w.line(`if (${held}) return ${R_VIOLATED};`);
        }
        return;
      }
    }
  }

  /** A lock or refcount slot, computed once into a temporary when it is dynamic. */
  private slotTemp(a: Addr): number | string {
    const s = this.slot(a);
    if (typeof s === "number") return s;
    const n = this.temp("x");
    this.w.line(`const ${n} = ${s};`);
    return n;
  }

  // ------------------------------------------------------------ functions

  private stepFunction(st: Step): string {
    const name = `s${this.tid}_${st.id}`;
    const w = this.w;
    const body = new Writer();
    // generate the body first to learn which bound variables it uses
    const saved = this.w;
    this.w = body;
    this.bounds = new Set();
    body.open("try {");
    for (const o of st.ops) this.op(o);
    const pcSlot = this.m.threads[this.tid]!.pcSlot;
    body.line(this.write(pcSlot, `${st.to}`));
    body.line(`return ${R_ENABLED};`);
    body.close("} catch (e) {");
    body.line("  return fault(e);");
    body.line("}");
    this.w = saved;
    w.open(`function ${name}(t: Int32Array): number {`);
    if (this.bounds.size) w.line(`let ${[...this.bounds].map((b) => `b${b} = 0`).join(", ")};`);
    for (const l of body.text().trimEnd().split("\n")) w.line(l);
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

  private threadFunction(tid: number): string {
    const t = this.m.threads[tid]!;
    const proc = this.m.processes[t.process]!;
    this.tid = tid;
    this.base = t.localBase;
    this.instance = t.instance;
    const stepNames = new Map<number, string>();
    for (const loc of proc.locations) for (const sid of loc.steps) stepNames.set(sid, this.stepFunction(this.m.steps[sid]!));
    const w = this.w;
    const name = `e${tid}`;
    const words = this.layout.words;
    w.open(`function ${name}(s: Int32Array, idx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number, t: Int32Array): number {`);
    w.line("let k = 0, wait = -3, other = 0, r = 0;");
    w.line("info[0] = -1;");
    w.open(`switch (${this.read(t.pcSlot, "s")}) {`);
    for (const loc of proc.locations) {
      if (loc.steps.length === 0) continue;
      w.open(`case ${loc.id}: {`);
      loc.steps.forEach((sid, i) => {
        w.open(`if (first <= ${i}) {`);
        w.line(this.copy("s", "t", "0"));
        if (this.opts.lockOrder) w.line("begin();");
        w.line(`r = ${stepNames.get(sid)}(t);`);
        w.open(`if (r === ${R_ENABLED}) {`);
        w.line(this.copy("t", "out", `k * ${words}`));
        w.line(`outStep[k++] = ${sid};`);
        if (this.opts.lockOrder) w.line(`commit(idx, ${tid}, ${sid});`);
        w.close(`} else if (r === ${R_VIOLATED}) { info[0] = ${sid}; info[2] = ${i}; return k; }`);
        w.line(`else if (r >= ${R_LOCK}) wait = wait === -3 || wait === r - ${R_LOCK} ? r - ${R_LOCK} : -2;`);
        w.line(`else if (r === ${R_COMPLEX}) wait = -2;`);
        w.line(`else if (r === ${R_OTHER}) other = 1;`);
        w.close();
      });
      w.line("break;");
      w.close();
    }
    w.close();
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
    w.line(`const H = new Int32Array(${Math.max(1, this.locks.length)});`);
    const names = this.m.threads.map((th) => this.threadFunction(th.id));
    // tables are known only now; declare them before use via the runtime
    w.line(`return [${names.join(", ")}];`);
    w.close();
    const text = w.text();
    // declare tables right after the destructuring line
    const decl = this.tables.map((_, i) => `  const T${i}: Int32Array = rt.tables[${i}];`).join("\n");
    const marker = "  const { rd, wr, pos, mem, div, mod, pc32, deref, fault, acquire, begin, commit } = rt;\n";
    void marker;
    return { text: text.replace(marker, marker + (decl ? decl + "\n" : "")), tables: this.tables, messages: this.messages };
  }
}
