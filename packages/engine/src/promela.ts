// Promela from the IR (`knot compile MODEL --emit promela`, docs/cli.md): the model with
// knot's step granularity, so that Spin can recount a model's state space. Every slot of the
// state is a global `int`, started at the value it has in knot's initial state (after each
// thread's start-up path); every thread is an `active proctype` whose body is one `do` loop
// with one option per step: `atomic { pc == FROM && guard -> effects; pc = TO }`. The guard
// is everything that can disable the step (its `await`s and branch conditions, a lock being
// free), hoisted to the front with the step's earlier effects substituted in, so that a step
// is one Spin transition exactly as it is one knot transition (run `spin -a -o2`, so that a
// variable the model only writes stays in the state vector); a step to the thread's end
// jumps to an `end_finished` label, so a finished thread is a valid end state and a blocked
// one (resting in the loop) an invalid one: Spin's deadlocks are knot's stuck states. Unreduced (-DNOREDUCE), Spin then
// counts knot's states, and knot's transitions plus one (the step that creates Spin's initial
// state). Checks become assertions where they are simple (assert, range, refcount and unlock
// checks); deadlock detection is Spin's own (invalid end states). Models that use what this
// subset does not cover (rwsems, objects, SRCU, workqueues, completions, callbacks, a set's
// size) are refused with the construct named; quantifiers are expanded over their sets' bits.
import type { Addr, Expr, Model, Op, Step, Thread } from "@knot/ir";
import { Explorer } from "./explore.js";

export type PromelaResult = { ok: true; text: string } | { ok: false; problem: string };

class Unsupported extends Error {}

/** The current value of each slot while a step's guard is built: a Promela expression, or unknown after a dynamic write. */
type Values = Map<number, string | null>;

export function emitPromela(model: Model): PromelaResult {
  try {
    return { ok: true, text: new PromelaWriter(model).write() };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, problem: e.message };
    throw e;
  }
}

class PromelaWriter {
  private readonly lines: string[] = [];
  private temps = 0;
  /** The values of the quantifier variables being expanded, by bound id. */
  private readonly bounds = new Map<number, number>();

  constructor(private readonly m: Model) {}

  write(): string {
    const m = this.m;
    for (const v of m.layout.vars) {
      if (v.kind === "lock" && v.lockKind === "rwsem") throw new Unsupported(`rwsem ${v.name}`);
      if (v.kind === "object") throw new Unsupported(`object pool ${v.name}`);
      if (v.kind === "srcu" || v.kind === "workqueue" || v.kind === "work" || v.kind === "completion") throw new Unsupported(`${v.kind} ${v.name}`);
    }
    const initial = new Explorer(m, { maxStates: 1 }).initialSlots();
    if (!initial) throw new Unsupported("a thread's start-up raises a violation or cannot finish");
    // the steps first: they say how many temporaries the assignments need
    const bodies = m.threads.map((t) => this.thread(t));
    this.lines.push(`/* ${m.file}: knot's steps as Promela, one atomic step per knot step (knot compile --emit promela) */`);
    this.lines.push("/* spin -a -o2 (a variable the model only writes is state too); gcc -DSAFETY -DNOREDUCE pan.c: knot's states, and its transitions plus one */");
    this.lines.push(`/* slots: ${m.layout.vars.map((v) => `${v.name} [${v.offset}${v.width > 1 ? `..${v.offset + v.width - 1}` : ""}]`).join(", ")} */`);
    for (let i = 0; i < m.layout.width; i++) this.lines.push(`int s${i} = ${initial[i]!};`);
    for (let i = 0; i < this.temps; i++) this.lines.push(`hidden int t${i};`);
    for (const b of bodies) this.lines.push("", ...b);
    return this.lines.join("\n") + "\n";
  }

  private thread(t: Thread): string[] {
    const m = this.m;
    const proc = m.processes[t.process]!;
    const out = [`active proctype ${`t${t.id}_${t.name}`.replace(/[^A-Za-z0-9_]/g, "_")}() {`, "  do"];
    for (let loc = 0; loc < proc.locations.length; loc++) {
      for (const sid of proc.locations[loc]!.steps) out.push(`  :: ${this.step(t, m.steps[sid]!, loc, proc.end)}`);
    }
    // a finished thread rests at an end label (a valid end state); a blocked one at the do (an invalid one)
    out.push("  od;", "end_finished:", "  false", "}");
    return out;
  }

  /** One step as `atomic { pc == FROM && guard -> effects; pc = TO }`. */
  private step(t: Thread, st: Step, from: number, end: number): string {
    const pc = `s${t.pcSlot}`;
    const values: Values = new Map();
    const guards: string[] = [`${pc} == ${from}`];
    const effects: string[] = [];
    try {
      for (const op of st.ops) this.op(t, op, values, guards, effects);
    } catch (e) {
      if (e instanceof UnknownValue) throw new Unsupported(`a step whose condition reads what it wrote through a computed index (${st.label})`);
      throw e;
    }
    effects.push(`${pc} = ${st.to}`);
    if (st.to === end) effects.push("goto end_finished");
    return `atomic { ${guards.map((g) => `(${g})`).join(" && ")} -> ${effects.join("; ")} }`;
  }

  private op(t: Thread, op: Op, values: Values, guards: string[], effects: string[]): void {
    const owner = t.id + 1;
    switch (op.k) {
      case "assume":
        guards.push(this.expr(t, op.cond, values));
        return;
      case "check":
        effects.push(`assert(${this.expr(t, op.cond)})`);
        return;
      case "fail":
        effects.push("assert(false)");
        return;
      case "assign": {
        // a simultaneous assignment: every value first (into hidden temporaries), then every target
        const temps = op.values.map((v, i) => {
          const tmp = `t${this.temp(i)}`;
          effects.push(`${tmp} = ${this.expr(t, v)}`);
          const r = op.ranges[i];
          if (r) effects.push(`assert(${r.lo} <= ${tmp} && ${tmp} <= ${r.hi})`);
          return tmp;
        });
        op.targets.forEach((a, i) => effects.push(this.store(t, a, temps[i]!)));
        // what the guard of a later op sees
        const next = op.values.map((v) => this.exprOrNull(t, v, values));
        op.targets.forEach((a, i) => this.noteWrite(t, a, next[i]!, values));
        for (const tmp of temps) effects.push(`${tmp} = 0`);
        return;
      }
      case "lock": {
        if (op.lockKind === "rwsem") throw new Unsupported("an rwsem");
        guards.push(`${this.load(t, op.lock, values)} == 0`);
        effects.push(this.store(t, op.lock, String(owner)));
        this.noteWrite(t, op.lock, String(owner), values);
        return;
      }
      case "unlock": {
        if (op.lockKind === "rwsem") throw new Unsupported("an rwsem");
        effects.push(`assert(${this.load(t, op.lock)} == ${owner})`);
        effects.push(this.store(t, op.lock, "0"));
        this.noteWrite(t, op.lock, "0", values);
        return;
      }
      case "trylock": {
        if (op.lockKind === "rwsem") throw new Unsupported("an rwsem");
        guards.push(`${this.load(t, op.lock, values)} ${op.taken ? "==" : "!="} 0`);
        if (op.taken) {
          effects.push(this.store(t, op.lock, String(owner)));
          this.noteWrite(t, op.lock, String(owner), values);
        }
        return;
      }
      case "refget": {
        const cur = this.load(t, op.ref);
        effects.push(`assert(${cur} > 0 && ${cur} < ${op.hi})`, this.store(t, op.ref, `${cur} + 1`));
        this.noteWrite(t, op.ref, this.shift(t, op.ref, values, "+ 1"), values);
        return;
      }
      case "refput": {
        const cur = this.load(t, op.ref);
        effects.push(`assert(${cur} > ${op.lo ?? 0})`, this.store(t, op.ref, `${cur} - 1`));
        this.noteWrite(t, op.ref, this.shift(t, op.ref, values, "- 1"), values);
        return;
      }
      case "exit": case "might_sleep":
        return;
      default:
        throw new Unsupported(`the ${op.k} operation (${op.label ?? "a statement"})`);
    }
  }

  private temp(i: number): number {
    if (i + 1 > this.temps) this.temps = i + 1;
    return i;
  }

  /** The value a slot will have after `delta` is applied, for later guards (null when unknown). */
  private shift(t: Thread, a: Addr, values: Values, delta: string): string | null {
    const now = this.exprOrNull(t, { k: "read", addr: a }, values);
    return now === null ? null : `(${now} ${delta})`;
  }

  /** After a write: a static slot takes `value`; a dynamic write makes every slot it may hit unknown. */
  private noteWrite(t: Thread, a: Addr, value: string | null, values: Values): void {
    const slots = this.candidates(t, a);
    if (a.terms.length === 0) values.set(slots[0]!, value);
    else for (const s of slots) values.set(s, null);
  }

  private exprOrNull(t: Thread, e: Expr, values: Values): string | null {
    try {
      return this.expr(t, e, values);
    } catch (err) {
      if (err instanceof UnknownValue) return null;
      throw err;
    }
  }

  /** The slots an address may denote: itself when static, else every slot of the variable it starts in. */
  private candidates(t: Thread, a: Addr): number[] {
    const base = (a.space === "local" ? t.localBase : 0) + a.offset;
    if (a.terms.length === 0) return [base];
    const owner = this.m.layout.vars[this.m.layout.slotOwner[base]!]!;
    return Array.from({ length: owner.width - (base - owner.offset) }, (_, i) => base + i);
  }

  /** The address as a Promela integer expression (absolute slot number). */
  private addrExpr(t: Thread, a: Addr, values?: Values): string {
    const base = (a.space === "local" ? t.localBase : 0) + a.offset;
    return [String(base), ...a.terms.map((x) => `(${this.expr(t, x.index, values)}) * ${x.stride}`)].join(" + ");
  }

  /** Read a slot; with `values`, as the guard sees it (after the step's earlier effects). */
  private load(t: Thread, a: Addr, values?: Values): string {
    const slots = this.candidates(t, a);
    const read = (s: number): string => {
      if (!values || !values.has(s)) return `s${s}`;
      const v = values.get(s);
      if (v === null || v === undefined) throw new UnknownValue();
      return `(${v})`;
    };
    if (a.terms.length === 0) return read(slots[0]!);
    const at = this.addrExpr(t, a, values);
    // a chain of conditionals over the slots the address can denote (the index is range-checked)
    let text = read(slots[slots.length - 1]!);
    for (let i = slots.length - 2; i >= 0; i--) text = `((${at}) == ${slots[i]} -> ${read(slots[i]!)} : ${text})`;
    return text;
  }

  private store(t: Thread, a: Addr, value: string): string {
    const slots = this.candidates(t, a);
    if (a.terms.length === 0) return `s${slots[0]} = ${value}`;
    const at = this.addrExpr(t, a);
    return `if ${slots.map((s) => `:: (${at}) == ${s} -> s${s} = ${value}`).join(" ")} :: else -> assert(false) fi`;
  }

  private expr(t: Thread, e: Expr, values?: Values): string {
    switch (e.k) {
      case "const": return e.v < 0 ? `(${e.v})` : String(e.v);
      case "read": return this.load(t, e.addr, values);
      case "instance": return String(t.instance);
      case "un":
        if (e.op === "neg") return `(-${this.expr(t, e.a, values)})`;
        if (e.op === "not") return `(!${this.expr(t, e.a, values)})`;
        throw new Unsupported("a set's size (popcount)");
      case "bin": {
        const a = this.expr(t, e.a, values);
        const b = this.expr(t, e.b, values);
        const op = e.op === "and" ? "&&" : e.op === "or" ? "||" : e.op === "&~" ? "& ~" : e.op;
        return `(${a} ${op} ${b})`;
      }
      case "ite": return `(${this.expr(t, e.c, values)} -> ${this.expr(t, e.a, values)} : ${this.expr(t, e.b, values)})`;
      case "table": {
        const i = this.expr(t, e.index, values);
        let text = String(e.values[e.values.length - 1] ?? 0);
        for (let k = e.values.length - 2; k >= 0; k--) text = `(${i} == ${k} -> ${e.values[k]} : ${text})`;
        return text;
      }
      case "pos": return `(${this.expr(t, e.a, values)} - ${e.lo})`;
      case "bit": return `(1 << (${this.expr(t, e.a, values)} - ${e.lo}))`;
      case "member": {
        const a = this.expr(t, e.a, values);
        return `((${a}) >= ${e.lo} && (${a}) < ${e.lo + e.count} -> ((${this.expr(t, e.set, values)} >> ((${a}) - ${e.lo})) & 1) : 0)`;
      }
      case "held": return `(${this.load(t, e.lock, values)} == ${t.id + 1})`;
      case "locked": return `(${this.load(t, e.lock, values)} != 0)`;
      case "bound": {
        const v = this.bounds.get(e.id);
        if (v === undefined) throw new Error("internal: a quantifier's bound outside it");
        return String(v);
      }
      case "quant": {
        // expanded over the positions of the set: forall is a conjunction, exists a disjunction
        const set = this.expr(t, e.set, values);
        const parts: string[] = [];
        for (let i = 0; i < e.count; i++) {
          this.bounds.set(e.id, e.lo + i);
          const body = this.expr(t, e.body, values);
          parts.push(e.q === "forall" ? `(((${set} >> ${i}) & 1) == 0 || ${body})` : `(((${set} >> ${i}) & 1) != 0 && ${body})`);
        }
        this.bounds.delete(e.id);
        return parts.length ? `(${parts.join(e.q === "forall" ? " && " : " || ")})` : e.q === "forall" ? "1" : "0";
      }
      case "deref": throw new Unsupported("an object reference");
    }
  }
}

class UnknownValue extends Error {}
