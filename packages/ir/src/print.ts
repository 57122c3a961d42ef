// IR as readable TLA-like text (`knot compile --emit ir`): the state layout, the
// threads, then per process its locations and each step as a guarded action
// (conjuncts; primed names are the new values).
import { formatLockSlots, formatSlots, localName } from "./decode.js";
import type { Addr, Expr, Model, Op, Process, StateVar, Step, ValueType } from "./model.js";

function typeText(t: ValueType | undefined): string {
  if (!t) return "";
  switch (t.kind) {
    case "bool": return "bool";
    case "int": return t.sym ? `${t.sym} (symmetric ${t.lo}..${t.hi})` : `${t.lo}..${t.hi}`;
    case "enum": return t.name;
    case "set": return `set<${typeText(t.elem)}>`;
    case "map": return `[${typeText(t.key)}] ${typeText(t.value)}`;
    case "record": return `{${t.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(", ")}}`;
    case "ops": return t.name;
    case "proc": return "proc";
    case "ref": return t.pool;
  }
}

function loc(a: { file: string; line: number; col: number }): string {
  return `${a.file}:${a.line}:${a.col}`;
}

class Printer {
  private readonly out: string[] = [];
  /** Slot -> variable for name lookup; locals resolved through the process's first thread. */
  private localBase = 0;
  private localThread = 0;

  constructor(private readonly m: Model) {}

  line(s = ""): void {
    this.out.push(s);
  }

  text(): string {
    return this.out.join("\n") + "\n";
  }

  private varAt(slot: number): StateVar | undefined {
    return this.m.layout.vars[this.m.layout.slotOwner[slot]!];
  }

  /** The name of a scalar slot, with the entry it selects inside a compound variable. */
  private slotName(slot: number, terms: Addr["terms"]): string {
    const v = this.varAt(slot);
    if (!v) return `slot[${slot}]`;
    const base = v.kind === "local" ? localName(v) : v.name;
    const dyn = terms.map((t) => `[${this.expr(t.index)}*${t.stride}]`).join("");
    const off = slot - v.offset;
    if (v.width === 1 && !dyn) return base;
    return `${base}${dyn}${off || !dyn ? `@${off}` : ""}`;
  }

  addr(a: Addr): string {
    const slot = a.space === "global" ? a.offset : this.localBase + a.offset;
    return this.slotName(slot, a.terms);
  }

  expr(e: Expr, parent = 0): string {
    const wrap = (prec: number, s: string) => (prec < parent ? `(${s})` : s);
    switch (e.k) {
      case "const": return String(e.v);
      case "read": return this.addr(e.addr);
      case "instance": return "self";
      case "bound": return `b${e.id}`;
      case "un":
        if (e.op === "neg") return wrap(9, `-${this.expr(e.a, 9)}`);
        if (e.op === "not") return wrap(4, e.a.k === "bin" ? `~(${this.expr(e.a)})` : `~${this.expr(e.a, 4)}`);
        return `popcount(${this.expr(e.a)})`;
      case "bin": {
        const prec: Record<string, number> = { or: 2, and: 3, "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5, "|": 6, "+": 7, "-": 7, "&~": 7, "*": 8, "/": 8, "%": 8, "&": 8 };
        const sym: Record<string, string> = { and: "/\\", or: "\\/", "==": "=", "!=": "#", "&~": "\\", "|": "|", "&": "&" };
        const p = prec[e.op] ?? 5;
        return wrap(p, `${this.expr(e.a, p)} ${sym[e.op] ?? e.op} ${this.expr(e.b, p + 1)}`);
      }
      case "ite": return wrap(1, `IF ${this.expr(e.c)} THEN ${this.expr(e.a)} ELSE ${this.expr(e.b)}`);
      case "table": return `<<${e.values.join(", ")}>>[${this.expr(e.index)}]`;
      case "pos": return `pos(${this.expr(e.a)}, ${e.lo}..${e.lo + e.count - 1})`;
      case "bit": return `bit(${this.expr(e.a)}, ${e.lo}..${e.lo + e.count - 1})`;
      case "member": return wrap(5, `${this.expr(e.a, 6)} \\in bits(${this.expr(e.set)}, ${e.lo})`);
      case "held": return `held(${this.addr(e.lock)})`;
      case "locked": return `locked(${this.addr(e.lock)})`;
      case "quant": return wrap(1, `${e.q === "forall" ? "\\A" : "\\E"} b${e.id} \\in bits(${this.expr(e.set)}, ${e.lo}): ${this.expr(e.body)}`);
      case "deref": return `deref(${this.expr(e.ref)})`;
    }
  }

  /** A work named by its position in its workqueue: its name when the position is known, else the workqueue and the position. */
  private workName(wq: number, pos: Expr): string {
    const q = this.m.workqueues[wq]!;
    return pos.k === "const" ? q.works[pos.v]?.name ?? `${q.name}, work ${pos.v}` : `${q.name}, work ${this.expr(pos)}`;
  }

  op(o: Op): string {
    switch (o.k) {
      case "assume": return o.wait !== undefined ? `await ${this.expr(o.cond)}` : this.expr(o.cond);
      case "assign": {
        const parts = o.targets.map((t, i) => {
          const r = o.ranges[i];
          return `${this.addr(t)}' = ${this.expr(o.values[i]!)}${r ? `  \\in ${r.lo}..${r.hi}` : ""}`;
        });
        return parts.join(" /\\ ");
      }
      case "lock": return `${o.lockKind === "rwsem" ? (o.mode === "read" ? "down_read" : "down_write") : "lock"}(${this.addr(o.lock)})${o.nest ? ` \\* nest_lock ${this.addr(o.nest)}` : ""}${o.noBlock ? " \\* must not block" : ""}`;
      case "unlock": return `${o.lockKind === "rwsem" ? (o.mode === "read" ? "up_read" : "up_write") : "unlock"}(${this.addr(o.lock)})`;
      case "trylock": {
        const fn = o.lockKind === "rwsem" ? (o.mode === "read" ? "down_read_trylock" : "down_write_trylock") : o.lockKind === "spinlock" ? "spin_trylock" : "mutex_trylock";
        return `${fn}(${this.addr(o.lock)}) = ${o.taken ? "TRUE" : "FALSE"}`;
      }
      case "refget": return `get(${this.addr(o.ref)})`;
      case "refput": return `put(${this.addr(o.ref)})`;
      case "check": return `CHECK ${this.expr(o.cond)} ELSE ${o.violation} "${o.message}"`;
      case "fail": return `FAIL ${o.violation} "${o.message}"`;
      case "exit": return "exit \\* holds no lock";
      case "rwsem_queue": return `queue_writer(${this.addr(o.lock)})`;
      case "might_sleep": return "might_sleep \\* holds no spinlock";
      case "srcu_read_lock": return o.rcu ? "rcu_read_lock" : `srcu_read_lock(${this.addr(o.d)})`;
      case "srcu_read_unlock": return o.rcu ? "rcu_read_unlock" : `srcu_read_unlock(${this.addr(o.d)})`;
      case "srcu_gp_start": return `${o.rcu ? "rcu" : `srcu(${this.addr(o.d)})`}: start a grace period for the readers inside`;
      case "srcu_sync": return `${o.rcu ? "synchronize_rcu" : `synchronize_srcu(${this.addr(o.d)})`} \\* not in atomic context; the grace period, if any, has ended`;
      case "try_wait_completion": return `try_wait_for_completion(${this.addr(o.c)}) = ${o.taken ? "TRUE" : "FALSE"}`;
      case "complete": return o.mode === "one" ? `complete(${this.addr(o.c)})` : o.mode === "all" ? `complete_all(${this.addr(o.c)})` : `reinit_completion(${this.addr(o.c)})`;
      case "wait_completion": return `wait_for_completion(${this.addr(o.c)}) \\* holds no spinlock${o.noBlock ? ", must not block" : ""}`;
      case "alloc": return `${this.addr(o.target)}' = alloc ${this.m.pools[o.pool]!.name}(${o.fields.map((f) => this.expr(f)).join(", ")})`;
      case "free": return `free ${this.m.pools[o.pool]!.name}(${this.expr(o.ref)})`;
      case "queue_work": return `queue_work(${this.workName(o.wq, o.pos)})${o.result === undefined ? "" : ` = ${o.result ? "TRUE" : "FALSE"}`}`;
      case "work_start": return `start(${this.m.workqueues[o.wq]!.works[o.pos]!.name}) \\* the lowest idle worker, the first queued work not running`;
      case "work_end": return `done(${this.m.workqueues[o.wq]!.works[o.pos]!.name}) \\* holds no lock`;
      case "call_rcu": return `${o.rcu ? "call_rcu" : `call_srcu(${this.addr(o.d)})`} ${o.call}: callback ${this.expr(o.cb)} of the entry waits for the readers inside \\* not queued yet`;
      case "rcu_callback_start": return `start the callback in slot ${o.slot} \\* queued, held up by nobody`;
      case "rcu_callback_end": return `done(${o.call}) \\* holds no lock`;
      case "work_wait": {
        const what = o.pos ? this.workName(o.wq, o.pos) : this.m.workqueues[o.wq]!.name;
        return o.register ? `${o.call}(${what}): register what it waits for` : `${o.call}(${what})${o.result === undefined ? "" : ` = ${o.result ? "TRUE" : "FALSE"}`} \\* not in atomic context; nothing left to wait for`;
      }
    }
  }

  step(st: Step, proc: Process): void {
    const to = proc.locations[st.to]!;
    const target = to.kind === "end" ? "end" : `L${st.to}`;
    const tags = [st.silent ? "silent" : "", st.choice ?? ""].filter((x) => x).join("; ");
    this.line(`    step ${st.id} -> ${target}${tags ? `   \\* ${tags}` : ""}`);
    for (const o of st.ops) this.line(`      /\\ ${this.op(o)}`);
  }

  print(): string {
    const m = this.m;
    this.line(`\\* knot IR of ${m.file}`);
    this.line("\\* A step's conjuncts run in order: a name after its primed assignment reads the new value.");
    if (m.constants.length) {
      this.line(`\\* constants: ${m.constants.map((c) => `${c.name} = ${c.value}${c.overridden ? " (set)" : ""}`).join(", ")}`);
    }
    this.line();
    this.line(`STATE LAYOUT (${m.layout.width} slots)`);
    const rows: string[][] = m.layout.vars.map((v) => {
      const slots = v.width === 1 ? `[${v.offset}]` : `[${v.offset}..${v.offset + v.width - 1}]`;
      const kind = v.kind === "lock" ? v.lockKind! : v.kind;
      const type = v.kind === "lock" ? (v.index ? `[${typeText(v.index)}]` : "") : v.index ? `[${typeText(v.index)}] ${typeText(v.type)}` : typeText(v.type);
      let init = "";
      if (v.kind === "srcu") {
        init = `= idle${v.index ? " each" : ""}  \\* per thread: read-side depth, then the grace period it waits for${v.callbacks ? `; then callbacks ${v.callbacks.join(", ")}` : ""}`;
      } else if (v.kind === "completion") {
        init = `= 0${v.index ? " each" : ""}  \\* done: pending complete() calls, ${v.type!.kind === "int" ? v.type!.hi : ""} after complete_all()`;
      } else if (v.kind === "var" || v.kind === "refcount") {
        init = v.kind === "refcount" && v.index ? `= ${m.initial[v.offset]} each` : `= ${formatSlots(m, v.type!, m.initial, v.offset)}`;
      } else if (v.kind === "lock") {
        init = `= ${formatLockSlots(m, v.lockKind!, m.initial, v.offset)}${v.index ? " each" : ""}`;
      }
      return [slots, v.name + (v.hidden ? " (temporary)" : ""), kind, type, init];
    });
    const widths = [0, 1, 2, 3].map((i) => rows.reduce((n, r) => Math.max(n, r[i]!.length), 0));
    for (const r of rows) this.line(`  ${r.slice(0, 4).map((c, i) => c.padEnd(widths[i]!)).join("  ")}  ${r[4]}`.trimEnd());
    this.line();
    this.line("THREADS");
    for (const t of m.threads) {
      const p = m.processes[t.process]!;
      const locals = p.localWidth === 0 ? "no locals" : `locals [${t.localBase}..${t.localBase + p.localWidth - 1}]`;
      this.line(`  ${t.id}  ${t.name}  (process ${p.name}, pc [${t.pcSlot}], ${locals})`);
    }
    m.processes.forEach((p, pi) => {
      const first = m.threads.find((t) => t.process === pi);
      this.localBase = first?.localBase ?? 0;
      this.localThread = first?.id ?? 0;
      this.line();
      this.line(`PROCESS ${p.name}${p.instance ? ` [${p.instance.name} \\in ${typeText(p.instance.type)}]` : ""}   \\* ${loc(p.at)}`);
      this.line("  start-up:");
      for (const id of p.init) this.step(m.steps[id]!, p);
      for (const l of p.locations) {
        const where = l.kind === "end" ? "" : `   ${loc(l.at)}${l.frames.length ? `   in ${l.frames.map((f) => f.proc).join(" > ")}` : ""}`;
        this.line(`  L${l.id} (${l.kind}): ${l.label}${where}`);
        for (const id of l.steps) this.step(m.steps[id]!, p);
      }
    });
    this.line();
    if (m.properties.length) {
      this.line("PROPERTIES");
      for (const p of m.properties) this.line(`  ${p.kind} ${p.name} == ${this.expr(p.cond)}   \\* ${loc(p.at)}`);
    }
    void this.localThread;
    return this.text();
  }
}

export function printModel(m: Model): string {
  return new Printer(m).print();
}
