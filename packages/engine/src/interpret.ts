// The IR interpreter: turns every IR expression and op into a JavaScript closure
// once, so that executing a step is a loop over closures reading and writing one
// Int32Array. A step reports through a reusable Outcome object (no allocation on
// the hot path): enabled, disabled (and why, when the reason is a blocking
// statement), or a violation.
import { type Addr, SRCU_NEST_MAX, COMPLETION_ALL, type ShownLocal, COMPLETION_COUNT_MAX, type Expr, type LockKind, type Model, OBJECT_FREED, OBJECT_LIVE, OBJECT_UNUSED, type Op, type Step, type ViolationKind } from "@knot/ir";

/** The running thread, set before its steps are executed. */
export interface ThreadCtx {
  tid: number;
  /** tid + 1: the value a lock owner slot holds. */
  owner: number;
  /** 1 << tid: the bit in an rwsem reader mask. */
  bit: number;
  base: number;
  instance: number;
  /** Values of quantifier-bound variables. */
  bound: number[];
}

export const ENABLED = 0;
export const DISABLED = 1;
export const VIOLATED = 2;

/** Why a step cannot run (only for blocking statements; failed branch conditions are no reason). */
export type WaitReason =
  /** `queued`: a reader waiting behind the waiting writers `owners` (nobody holds it for writing). */
  | { kind: "lock"; slot: number; lockKind: LockKind; mode: "exclusive" | "read" | "write"; name: string; owners: number[]; queued?: boolean }
  /** `what`: the statement, or the await's label (`labelled`); `shows`: its locals' values ("v = 1"), filled in by the search. */
  | { kind: "await"; what: string; labelled?: boolean; locals?: ShownLocal[]; shows?: string }
  /** A grace period of the SRCU (or RCU) domain entry at `slot`, held up by the readers `owners`. */
  | { kind: "grace-period"; slot: number; name: string; rcu: boolean; owners: number[] }
  /** wait_for_completion on a count of 0. `completers`: the threads that could still complete it (filled in by the search). */
  | { kind: "completion"; slot: number; name: string; completers: number[] }
  /** The statement would violate a check that is switched off, so it cannot run at all. */
  | { kind: "fault"; check: ViolationKind; what: string };

/**
 * What a step did. Wait details are plain fields rather than an object, because a
 * blocked lock attempt is common (every philosopher waiting for a fork) and must
 * not allocate; `waitReason` builds the object when a report needs it.
 */
export class Outcome {
  /** 0: no blocking statement; 1: a lock; 2: an await or an empty pick; 3: a fault whose check is off; 4: a completion; 5: a grace period (waitSlot: the domain entry). */
  waitKind = 0;
  waitSlot = -1;
  waitLockKind: LockKind = "mutex";
  waitMode: "exclusive" | "read" | "write" = "exclusive";
  waitName = "";
  waitLabelled = false;
  waitRcu = false;
  waitShows: ShownLocal[] | undefined = undefined;
  /** Grace periods: the model's thread count and the waiting thread. */
  waitThreads = 0;
  waitTid = 0;
  violation: ViolationKind | undefined;
  message = "";
  /** Index in the step's ops of the op that raised the violation (its source locates the violation). */
  failedOp = -1;
  reset(): void {
    this.waitKind = 0;
    this.violation = undefined;
    this.failedOp = -1;
  }
}

export function waitReason(o: Outcome, s: Int32Array): WaitReason | undefined {
  if (o.waitKind === 1) {
    const queued = o.waitLockKind === "rwsem" && o.waitMode === "read" && s[o.waitSlot] === 0;
    return { kind: "lock", slot: o.waitSlot, lockKind: o.waitLockKind, mode: o.waitMode, name: o.waitName, owners: lockOwners(s, o.waitSlot, o.waitLockKind, o.waitMode), ...(queued ? { queued } : {}) };
  }
  if (o.waitKind === 2) return { kind: "await", what: o.waitName, ...(o.waitLabelled ? { labelled: true } : {}), ...(o.waitShows ? { locals: o.waitShows } : {}) };
  if (o.waitKind === 3) return { kind: "fault", check: o.violation!, what: o.message };
  if (o.waitKind === 5) {
    const threads = o.waitThreads;
    const mask = s[o.waitSlot + threads + o.waitTid]! & ~(1 << o.waitTid);
    const owners: number[] = [];
    for (let t = 0; t < threads; t++) if ((mask >>> t) & 1) owners.push(t);
    return { kind: "grace-period", slot: o.waitSlot, name: o.waitName, rcu: o.waitRcu, owners };
  }
  if (o.waitKind === 4) return { kind: "completion", slot: o.waitSlot, name: o.waitName, completers: [] };
  return undefined;
}

/** Thrown by expressions on runtime errors (out of range, division by zero); caught per step. */
export class Fault {
  constructor(readonly kind: ViolationKind, readonly message: string) {}
}

type ExprFn = (s: Int32Array, c: ThreadCtx) => number;
type AddrFn = (s: Int32Array, c: ThreadCtx) => number;
/** Returns ENABLED, DISABLED or VIOLATED; fills `o` for the latter two. */
type OpFn = (s: Int32Array, c: ThreadCtx, o: Outcome) => number;
export type StepFn = (s: Int32Array, c: ThreadCtx, o: Outcome) => number;

export interface CompiledModel {
  steps: StepFn[];
  /** Slots of all spinlocks (for sleep-in-atomic). */
  spinSlots: number[];
  /** Every lock: first slot, kind, display name (for exit-holding-lock and decoding). */
  locks: { slot: number; kind: LockKind; name: string }[];
  /** Every SRCU domain entry and the RCU domain: first slot, display name (lock-order nodes, as lockdep has them). */
  domains: { slot: number; name: string; rcu: boolean }[];
}

export interface CompileOptions {
  /** Checks switched off: their ops never report. */
  disabled: ReadonlySet<ViolationKind>;
  /** Called when a thread takes a lock while holding others (lock-order analysis). */
  onAcquire?: (heldSlots: number[], slot: number, c: ThreadCtx) => void;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function compileAddr(a: Addr, opts: ExprOptions = {}): AddrFn {
  const off = a.offset;
  const terms = a.terms.map((t) => ({ index: compileExpr(t.index, opts), stride: t.stride }));
  if (a.space === "global") {
    if (terms.length === 0) return () => off;
    if (terms.length === 1) {
      const { index, stride } = terms[0]!;
      return (s, c) => off + index(s, c) * stride;
    }
    return (s, c) => {
      let slot = off;
      for (const t of terms) slot += t.index(s, c) * t.stride;
      return slot;
    };
  }
  if (terms.length === 0) return (_s, c) => c.base + off;
  return (s, c) => {
    let slot = c.base + off;
    for (const t of terms) slot += t.index(s, c) * t.stride;
    return slot;
  };
}

/** How expressions behave when a check they would raise is switched off. */
export interface ExprOptions {
  /** use-after-free is off: a freed object reads as its (zeroed) fields and can be written. */
  allowFreed?: boolean;
}

export function compileExpr(e: Expr, opts: ExprOptions = {}): ExprFn {
  switch (e.k) {
    case "const": {
      const v = e.v;
      return () => v;
    }
    case "read": {
      if (e.addr.terms.length === 0) {
        const off = e.addr.offset;
        return e.addr.space === "global" ? (s) => s[off]! : (s, c) => s[c.base + off]!;
      }
      const addr = compileAddr(e.addr, opts);
      return (s, c) => s[addr(s, c)]!;
    }
    case "instance": return (_s, c) => c.instance;
    case "bound": {
      const id = e.id;
      return (_s, c) => c.bound[id]!;
    }
    case "un": {
      const a = compileExpr(e.a, opts);
      switch (e.op) {
        case "neg": return (s, c) => -a(s, c);
        case "not": return (s, c) => (a(s, c) ? 0 : 1);
        case "popcount": return (s, c) => popcount(a(s, c));
      }
      break;
    }
    case "bin": {
      const a = compileExpr(e.a, opts);
      const b = compileExpr(e.b, opts);
      switch (e.op) {
        case "+": return (s, c) => a(s, c) + b(s, c);
        case "-": return (s, c) => a(s, c) - b(s, c);
        case "*": return (s, c) => a(s, c) * b(s, c);
        // left to right, as everywhere (and as the compiled code's div(a, b)): a fault in the
        // dividend comes before a division by zero
        case "/": return (s, c) => {
          const x = a(s, c);
          const y = b(s, c);
          if (y === 0) throw new Fault("out-of-range", "division by zero");
          return Math.trunc(x / y);
        };
        case "%": return (s, c) => {
          const x = a(s, c);
          const y = b(s, c);
          if (y === 0) throw new Fault("out-of-range", "division by zero (in %)");
          return x % y;
        };
        case "==": return (s, c) => (a(s, c) === b(s, c) ? 1 : 0);
        case "!=": return (s, c) => (a(s, c) !== b(s, c) ? 1 : 0);
        case "<": return (s, c) => (a(s, c) < b(s, c) ? 1 : 0);
        case "<=": return (s, c) => (a(s, c) <= b(s, c) ? 1 : 0);
        case ">": return (s, c) => (a(s, c) > b(s, c) ? 1 : 0);
        case ">=": return (s, c) => (a(s, c) >= b(s, c) ? 1 : 0);
        case "and": return (s, c) => (a(s, c) && b(s, c) ? 1 : 0);
        case "or": return (s, c) => (a(s, c) || b(s, c) ? 1 : 0);
        case "|": return (s, c) => a(s, c) | b(s, c);
        case "&": return (s, c) => a(s, c) & b(s, c);
        case "&~": return (s, c) => a(s, c) & ~b(s, c);
      }
      break;
    }
    case "ite": {
      const cond = compileExpr(e.c, opts);
      const a = compileExpr(e.a, opts);
      const b = compileExpr(e.b, opts);
      return (s, c) => (cond(s, c) ? a(s, c) : b(s, c));
    }
    case "table": {
      const values = Int32Array.from(e.values);
      const index = compileExpr(e.index, opts);
      return (s, c) => values[index(s, c)]!;
    }
    case "pos": {
      const a = compileExpr(e.a, opts);
      const { lo, count, what } = e;
      return (s, c) => {
        const v = a(s, c);
        const i = v - lo;
        if (i < 0 || i >= count) throw new Fault("out-of-range", `${what}: ${v} is outside ${lo}..${lo + count - 1}`);
        return i;
      };
    }
    case "bit": {
      const a = compileExpr(e.a, opts);
      const { lo, count, what } = e;
      return (s, c) => {
        const v = a(s, c);
        const i = v - lo;
        if (i < 0 || i >= count) throw new Fault("out-of-range", `${what}: ${v} is outside ${lo}..${lo + count - 1}`);
        return 1 << i;
      };
    }
    case "member": {
      const a = compileExpr(e.a, opts);
      const set = compileExpr(e.set, opts);
      const { lo, count } = e;
      return (s, c) => {
        const i = a(s, c) - lo;
        return i >= 0 && i < count ? (set(s, c) >>> i) & 1 : 0;
      };
    }
    case "held": {
      const addr = compileAddr(e.lock, opts);
      if (e.lockKind === "rwsem") return (s, c) => { const x = addr(s, c); return s[x] === c.owner || (s[x + 1]! & c.bit) !== 0 ? 1 : 0; };
      return (s, c) => (s[addr(s, c)] === c.owner ? 1 : 0);
    }
    case "locked": {
      const addr = compileAddr(e.lock, opts);
      if (e.lockKind === "rwsem") return (s, c) => { const x = addr(s, c); return s[x] !== 0 || s[x + 1] !== 0 ? 1 : 0; };
      return (s, c) => (s[addr(s, c)] !== 0 ? 1 : 0);
    }
    case "deref": {
      const ref = compileExpr(e.ref, opts);
      const { offset, stride, name, what } = e;
      const allowFreed = opts.allowFreed === true;
      return (s, c) => {
        const r = ref(s, c);
        if (r === 0) throw new Fault("null-deref", `${what} is null`);
        const i = r - 1;
        if (s[offset + i * stride] !== OBJECT_LIVE && !allowFreed) throw new Fault("use-after-free", `${what} points to ${name}[${i}], which was freed`);
        return i;
      };
    }
    case "quant": {
      const set = compileExpr(e.set, opts);
      const body = compileExpr(e.body, opts);
      const { lo, count, id } = e;
      const forall = e.q === "forall";
      return (s, c) => {
        const mask = set(s, c);
        for (let i = 0; i < count; i++) {
          if (!((mask >>> i) & 1)) continue;
          c.bound[id] = lo + i;
          const b = body(s, c);
          if (forall && !b) return 0;
          if (!forall && b) return 1;
        }
        return forall ? 1 : 0;
      };
    }
  }
  throw new Error(`unknown expression ${(e as Expr).k}`);
}

/**
 * The threads a lock request waits for: the holder of a mutex or spinlock; for an
 * rwsem, a writer waits for the writer and every reader, a reader for the writer or,
 * when there is none, for the waiting writers it queues behind.
 */
export function lockOwners(s: Int32Array, slot: number, kind: LockKind, mode: "exclusive" | "read" | "write" = "write"): number[] {
  const out: number[] = [];
  if (s[slot] !== 0) out.push(s[slot]! - 1);
  else if (kind === "rwsem" && mode === "read") {
    const mask = s[slot + 2]!;
    for (let t = 0; t < 32; t++) if ((mask >>> t) & 1) out.push(t);
  }
  if (kind === "rwsem" && mode !== "read") {
    const mask = s[slot + 1]!;
    // one bit per thread, all 32 of them (thread 31's bit is the sign bit)
    for (let t = 0; t < 32; t++) if ((mask >>> t) & 1) out.push(t);
  }
  return out;
}

export class ModelCompiler {
  private readonly spinSlots: number[] = [];
  private readonly domains: { slot: number; name: string; rcu: boolean }[] = [];
  /** The RCU domain's first slot (a reader's depth is at rcuSlot + thread), or -1. */
  private rcuSlot = -1;
  private readonly threadCount: number;
  private readonly locks: { slot: number; kind: LockKind; name: string }[] = [];
  private readonly threadName: (tid: number) => string;
  private readonly exprOpts: ExprOptions;

  constructor(private readonly model: Model, private readonly options: CompileOptions) {
    for (const v of model.layout.vars) {
      if (v.kind !== "lock") continue;
      const ew = v.entryWidth ?? 1;
      const entries = v.width / ew;
      for (let i = 0; i < entries; i++) {
        const name = v.index ? `${v.name}[${indexName(v.index, i)}]` : v.name;
        this.locks.push({ slot: v.offset + i * ew, kind: v.lockKind!, name });
        if (v.lockKind === "spinlock") this.spinSlots.push(v.offset + i * ew);
      }
    }
    this.threadCount = model.threads.length;
    for (const v of model.layout.vars) {
      if (v.kind !== "srcu") continue;
      const ew = v.entryWidth!;
      for (let i = 0; i < v.width / ew; i++) {
        this.domains.push({ slot: v.offset + i * ew, name: v.index ? `${v.name}[${indexName(v.index, i)}]` : v.name, rcu: v.rcu === true });
      }
      if (v.rcu) this.rcuSlot = v.offset;
    }
    this.threadName = (tid) => model.threads[tid]?.name ?? `thread ${tid}`;
    this.exprOpts = { allowFreed: options.disabled.has("use-after-free") };
  }

  compile(): CompiledModel {
    return { steps: this.model.steps.map((st) => this.compileStep(st)), spinSlots: this.spinSlots, locks: this.locks, domains: this.domains };
  }

  private on(kind: ViolationKind): boolean {
    return !this.options.disabled.has(kind);
  }

  compileStep(step: Step): StepFn {
    const ops = step.ops.map((op) => this.compileOp(op));
    const n = ops.length;
    return (s, c, o) => {
      let i = 0;
      try {
        for (; i < n; i++) {
          const r = ops[i]!(s, c, o);
          if (r !== ENABLED) {
            if (r === VIOLATED) o.failedOp = i;
            return r;
          }
        }
        return ENABLED;
      } catch (e) {
        if (e instanceof Fault) {
          if (!this.on(e.kind)) return this.cannotRun(o, e.kind, e.message);
          o.violation = e.kind;
          o.message = e.message;
          o.failedOp = i;
          return VIOLATED;
        }
        throw e;
      }
    };
  }

  /** A statement whose check is switched off but which cannot run without breaking the state: the thread stops here. */
  private cannotRun(o: Outcome, kind: ViolationKind, message: string): number {
    o.waitKind = 3;
    o.violation = kind;
    o.message = message;
    return DISABLED;
  }

  private violate(o: Outcome, kind: ViolationKind, message: string): number {
    o.violation = kind;
    o.message = message;
    return VIOLATED;
  }

  private heldLocks(s: Int32Array, c: ThreadCtx): number[] {
    const out: number[] = [];
    for (const l of this.locks) {
      if (s[l.slot] === c.owner || (l.kind === "rwsem" && (s[l.slot + 1]! & c.bit) !== 0)) out.push(l.slot);
    }
    return out;
  }

  /** The SRCU/RCU domain entries whose read side the thread is inside. */
  private readSections(s: Int32Array, c: ThreadCtx): number[] {
    const out: number[] = [];
    for (const d of this.domains) if (s[d.slot + c.tid]! > 0) out.push(d.slot);
    return out;
  }

  /** What makes the thread's context atomic (a spinlock it holds, an RCU read-side section), as a message ends; undefined when nothing does. */
  private atomicContext(s: Int32Array, c: ThreadCtx): string | undefined {
    for (const sl of this.spinSlots) if (s[sl] === c.owner) return `while holding spinlock ${this.lockName(sl)}`;
    if (this.rcuSlot >= 0 && s[this.rcuSlot + c.tid]! > 0) return "inside an RCU read-side critical section";
    return undefined;
  }

  /** Can any thread ever be in atomic context (so sleeping points need a check)? */
  private get atomicPossible(): boolean {
    return this.spinSlots.length > 0 || this.rcuSlot >= 0;
  }

  private lockName(slot: number): string {
    return this.locks.find((l) => l.slot === slot)?.name ?? this.domains.find((d) => d.slot === slot)?.name ?? `lock@${slot}`;
  }

  compileOp(op: Op): OpFn {
    switch (op.k) {
      case "assume": {
        const cond = compileExpr(op.cond, this.exprOpts);
        if (op.wait === undefined) return (s, c) => (cond(s, c) ? ENABLED : DISABLED);
        const what = op.wait;
        const labelled = op.labelled === true;
        const shows = op.shows;
        return (s, c, o) => {
          if (cond(s, c)) return ENABLED;
          o.waitKind = 2;
          o.waitName = what;
          o.waitLabelled = labelled;
          o.waitShows = shows;
          return DISABLED;
        };
      }
      case "assign": {
        const targets = op.targets.map((x) => compileAddr(x, this.exprOpts));
        const values = op.values.map((x) => compileExpr(x, this.exprOpts));
        const ranges = op.ranges;
        const n = targets.length;
        const what = op.what;
        const checkRange = this.on("out-of-range");
        if (n === 1) {
          const t = targets[0]!;
          const v = values[0]!;
          const r = ranges[0];
          // the value first, then the place (JavaScript would evaluate s[t(...)]'s index first)
          if (!r) return (s, c) => { const x = v(s, c); s[t(s, c)] = x; return ENABLED; };
          const { lo, hi } = r;
          return (s, c, o) => {
            const x = v(s, c);
            if (x < lo || x > hi) {
              const msg = `${what} would become ${x}, outside its type ${lo}..${hi}`;
              return checkRange ? this.violate(o, "out-of-range", msg) : this.cannotRun(o, "out-of-range", msg);
            }
            s[t(s, c)] = x;
            return ENABLED;
          };
        }
        const buf = new Int32Array(n);
        const slots = new Int32Array(n);
        // As for one slot, and as the compiled code does: the whole value first (language.md: "the
        // right side is evaluated completely, then stored and range-checked"), then the range
        // checks, then the places (which may fault: an index out of range, a null or freed reference).
        return (s, c, o) => {
          for (let i = 0; i < n; i++) buf[i] = values[i]!(s, c);
          for (let i = 0; i < n; i++) {
            const x = buf[i]!;
            const r = ranges[i];
            if (r && (x < r.lo || x > r.hi)) {
              const msg = `${what} would get the value ${x}, outside its type ${r.lo}..${r.hi}`;
              return checkRange ? this.violate(o, "out-of-range", msg) : this.cannotRun(o, "out-of-range", msg);
            }
          }
          for (let i = 0; i < n; i++) slots[i] = targets[i]!(s, c);
          for (let i = 0; i < n; i++) s[slots[i]!] = buf[i]!;
          return ENABLED;
        };
      }
      case "lock": return this.compileLock(op);
      case "trylock": return this.compileTrylock(op);
      case "rwsem_queue": {
        const addr = compileAddr(op.lock, this.exprOpts);
        return (s, c) => {
          const x = addr(s, c);
          if (s[x] === 0 && s[x + 1] === 0) return DISABLED; // free: down_write takes it
          if (s[x] === c.owner || (s[x + 1]! & c.bit) !== 0) return DISABLED; // its own: down_write reports that
          if ((s[x + 2]! & c.bit) !== 0) return DISABLED; // queued already
          s[x + 2] = s[x + 2]! | c.bit;
          return ENABLED;
        };
      }
      case "unlock": return this.compileUnlock(op);
      case "refget": {
        const addr = compileAddr(op.ref, this.exprOpts);
        const { hi, name } = op;
        const fromZero = this.on("refcount-inc-from-zero");
        const range = this.on("out-of-range");
        return (s, c, o) => {
          const x = addr(s, c);
          const v = s[x]!;
          if (v === 0 && fromZero) return this.violate(o, "refcount-inc-from-zero", `get ${name} on a count of 0: the object may already be freed`);
          if (v >= hi) return range ? this.violate(o, "out-of-range", `get ${name} would raise the count above its bound ${hi}`) : this.cannotRun(o, "out-of-range", `get ${name} would raise the count above its bound ${hi}`);
          s[x] = v + 1;
          return ENABLED;
        };
      }
      case "refput": {
        const addr = compileAddr(op.ref, this.exprOpts);
        const name = op.name;
        const lo = op.lo ?? 0;
        const underflow = this.on("refcount-underflow");
        const range = this.on("out-of-range");
        return (s, c, o) => {
          const x = addr(s, c);
          const v = s[x]!;
          if (v === 0) {
            if (underflow) return this.violate(o, "refcount-underflow", `put ${name} on a count of 0`);
            return ENABLED; // check off: the count saturates at 0, as refcount_t does
          }
          if (v - 1 < lo) return range ? this.violate(o, "out-of-range", `put ${name} would lower the count below its bound ${lo}`) : this.cannotRun(o, "out-of-range", `put ${name} would lower the count below its bound ${lo}`);
          s[x] = v - 1;
          return ENABLED;
        };
      }
      case "check": {
        const cond = compileExpr(op.cond, this.exprOpts);
        const { violation, message } = op;
        if (!this.on(violation)) return () => ENABLED;
        return (s, c, o) => (cond(s, c) ? ENABLED : this.violate(o, violation, message));
      }
      case "fail": {
        const { violation, message } = op;
        if (!this.on(violation)) return () => ENABLED; // check off: the faulty statement is skipped
        return (_s, _c, o) => this.violate(o, violation, message);
      }
      case "alloc": {
        const pool = this.model.pools[op.pool]!;
        const target = compileAddr(op.target, this.exprOpts);
        const fields = op.fields.map((x) => compileExpr(x, this.exprOpts));
        const ranges = op.range;
        const { offset, stride, bound, name } = pool;
        const range = this.on("out-of-range");
        const buf = new Int32Array(fields.length);
        return (s, c, o) => {
          for (let f = 0; f < fields.length; f++) {
            const v = fields[f]!(s, c);
            const r = ranges[f];
            if (r && (v < r.lo || v > r.hi)) {
              const msg = `a field of the new ${name} would be ${v}, outside ${r.lo}..${r.hi}`;
              return range ? this.violate(o, "out-of-range", msg) : this.cannotRun(o, "out-of-range", msg);
            }
            buf[f] = v;
          }
          // objects are never reused, so the next unused one is the first with state 0
          for (let i = 0; i < bound; i++) {
            const base = offset + i * stride;
            if (s[base] !== OBJECT_UNUSED) continue;
            s[base] = OBJECT_LIVE;
            s.set(buf, base + 1);
            s[target(s, c)] = i + 1;
            return ENABLED;
          }
          return this.violate(o, "pool-exhausted", `object pool ${name} is exhausted: all ${bound} objects have been allocated (objects are never reused); raise the bound in 'object ${name}[${bound}]' (${pool.at.file}:${pool.at.line})`);
        };
      }
      case "free": {
        const pool = this.model.pools[op.pool]!;
        const ref = compileExpr(op.ref, this.exprOpts);
        const { offset, stride, name } = pool;
        const what = op.what;
        const check = this.on("double-free");
        return (s, c, o) => {
          const r = ref(s, c);
          if (r === 0) return ENABLED; // like kfree(NULL)
          const base = offset + (r - 1) * stride;
          if (s[base] === OBJECT_FREED) {
            if (check) return this.violate(o, "double-free", `free ${what}: ${name}[${r - 1}] was already freed`);
            return ENABLED;
          }
          s[base] = OBJECT_FREED;
          // a freed object's fields go back to their defaults (canonical, and in range if read with use-after-free off)
          s.set(pool.defaults, base + 1);
          return ENABLED;
        };
      }
      case "complete": {
        const addr = compileAddr(op.c, this.exprOpts);
        const name = op.name;
        if (op.mode === "all") return (s, c) => { s[addr(s, c)] = COMPLETION_ALL; return ENABLED; };
        if (op.mode === "reinit") return (s, c) => { s[addr(s, c)] = 0; return ENABLED; };
        const range = this.on("out-of-range");
        const msg = `complete ${name} would count more than ${COMPLETION_COUNT_MAX} pending completions (knot's bound)`;
        return (s, c, o) => {
          const x = addr(s, c);
          const v = s[x]!;
          if (v === COMPLETION_ALL) return ENABLED;
          if (v >= COMPLETION_COUNT_MAX) return range ? this.violate(o, "out-of-range", msg) : this.cannotRun(o, "out-of-range", msg);
          s[x] = v + 1;
          return ENABLED;
        };
      }
      case "srcu_read_lock": case "srcu_read_unlock": case "srcu_gp_start": case "srcu_sync": return this.compileSrcu(op);
      case "try_wait_completion": {
        const addr = compileAddr(op.c, this.exprOpts);
        const taken = op.taken;
        return (s, c) => {
          const x = addr(s, c);
          const v = s[x]!;
          if ((v !== 0) !== taken) return DISABLED;
          if (taken && v !== COMPLETION_ALL) s[x] = v - 1;
          return ENABLED;
        };
      }
      case "wait_completion": {
        const addr = compileAddr(op.c, this.exprOpts);
        const { name } = op;
        const noBlock = op.noBlock === true;
        const checkSleep = this.atomicPossible && this.on("sleep-in-atomic");
        const atomicBlocked = this.on("atomic-blocked");
        return (s, c, o) => {
          if (checkSleep) {
            const ctx = this.atomicContext(s, c);
            if (ctx) return this.violate(o, "sleep-in-atomic", `${this.threadName(c.tid)} calls wait_for_completion(${name}), which may sleep, ${ctx}`);
          }
          const x = addr(s, c);
          const v = s[x]!;
          if (v === 0) {
            if (noBlock) return atomicBlocked ? this.violate(o, "atomic-blocked", `wait_for_completion ${name} would block inside an atomic block (only its first statement may block)`) : DISABLED;
            o.waitKind = 4;
            o.waitSlot = x;
            o.waitName = name;
            return DISABLED;
          }
          if (v !== COMPLETION_ALL) s[x] = v - 1;
          return ENABLED;
        };
      }
      case "might_sleep": {
        if (!this.on("sleep-in-atomic") || !this.atomicPossible) return () => ENABLED;
        return (s, c, o) => {
          const ctx = this.atomicContext(s, c);
          return ctx ? this.violate(o, "sleep-in-atomic", `${this.threadName(c.tid)} calls might_sleep() ${ctx}`) : ENABLED;
        };
      }
      case "exit": {
        if (!this.on("exit-holding-lock")) return () => ENABLED;
        return (s, c, o) => {
          const held = this.heldLocks(s, c);
          const inside = this.readSections(s, c);
          if (held.length === 0 && inside.length === 0) return ENABLED;
          const parts = [...(held.length ? [`while holding ${held.map((h) => this.lockName(h)).join(", ")}`] : []), ...inside.map((d) => `inside a read-side section of ${this.lockName(d)}`)];
          return this.violate(o, "exit-holding-lock", `${this.threadName(c.tid)} finishes ${parts.join(" and ")}`);
        };
      }
    }
  }

  /** A lock-order acquisition of `x`: an edge from every lock held and every read-side section the thread is inside. */
  private acquired(s: Int32Array, c: ThreadCtx, x: number): void {
    const onAcquire = this.options.onAcquire;
    if (!onAcquire) return;
    const held = [...this.heldLocks(s, c), ...this.readSections(s, c)].filter((h) => h !== x);
    if (held.length) onAcquire(held, x, c);
  }

  /** SRCU and RCU (model.ts; language.md, "SRCU and RCU"). Entry: depth per thread, then grace period per thread. */
  private compileSrcu(op: Op & { k: "srcu_read_lock" | "srcu_read_unlock" | "srcu_gp_start" | "srcu_sync" }): OpFn {
    const addr = compileAddr(op.d, this.exprOpts);
    const T = this.threadCount;
    const { name } = op;
    const what = op.rcu ? "rcu_read_lock" : `srcu_read_lock ${name}`;
    switch (op.k) {
      case "srcu_read_lock": {
        const range = this.on("out-of-range");
        const msg = `${what} nests read-side sections deeper than ${SRCU_NEST_MAX} (knot's bound)`;
        return (s, c, o) => {
          const x = addr(s, c) + c.tid;
          const d = s[x]!;
          if (d >= SRCU_NEST_MAX) return range ? this.violate(o, "out-of-range", msg) : this.cannotRun(o, "out-of-range", msg);
          s[x] = d + 1;
          return ENABLED;
        };
      }
      case "srcu_read_unlock": {
        const check = this.on("unlock-not-held");
        const verb = op.rcu ? "rcu_read_unlock" : `srcu_read_unlock ${name}`;
        return (s, c, o) => {
          const base = addr(s, c);
          const d = s[base + c.tid]!;
          if (d === 0) return check ? this.violate(o, "unlock-not-held", `${this.threadName(c.tid)} does ${verb}, but it is not inside a read-side section of ${name}`) : ENABLED;
          s[base + c.tid] = d - 1;
          // the outermost section ended: no grace period waits for this thread any more
          if (d === 1) for (let w = 0; w < T; w++) s[base + T + w] = s[base + T + w]! & ~c.bit;
          return ENABLED;
        };
      }
      case "srcu_gp_start": {
        // in atomic context synchronize_* is sleep-in-atomic before anything else: no grace period starts
        const checkSleep = this.atomicPossible && this.on("sleep-in-atomic");
        return (s, c) => {
          const base = addr(s, c);
          if (s[base + T + c.tid] !== 0 || s[base + c.tid] !== 0) return DISABLED;
          if (checkSleep && this.atomicContext(s, c)) return DISABLED;
          let readers = 0;
          for (let r = 0; r < T; r++) if (r !== c.tid && s[base + r]! > 0) readers |= 1 << r;
          if (readers === 0) return DISABLED;
          s[base + T + c.tid] = readers | c.bit;
          return ENABLED;
        };
      }
      case "srcu_sync": {
        const checkSleep = this.atomicPossible && this.on("sleep-in-atomic");
        const recursive = this.on("recursive-locking");
        const call = op.rcu ? "synchronize_rcu()" : `synchronize_srcu(${name})`;
        return (s, c, o) => {
          if (checkSleep) {
            const ctx = this.atomicContext(s, c);
            if (ctx) return this.violate(o, "sleep-in-atomic", `${this.threadName(c.tid)} calls ${call}, which sleeps, ${ctx}`);
          }
          const base = addr(s, c);
          if (s[base + c.tid]! > 0) {
            const msg = `${this.threadName(c.tid)} calls ${call} inside its own read-side section of ${name}: the grace period waits for ${this.threadName(c.tid)} itself`;
            return recursive ? this.violate(o, "recursive-locking", msg) : this.cannotRun(o, "recursive-locking", msg);
          }
          const g = s[base + T + c.tid]!;
          if (g === 0) {
            for (let r = 0; r < T; r++) if (r !== c.tid && s[base + r]! > 0) return DISABLED; // a grace period to start first
          } else if (g !== c.bit) {
            o.waitKind = 5;
            o.waitSlot = base;
            o.waitName = name;
            o.waitRcu = op.rcu;
            o.waitThreads = T;
            o.waitTid = c.tid;
            return DISABLED;
          }
          s[base + T + c.tid] = 0;
          this.acquired(s, c, base);
          return ENABLED;
        };
      }
    }
  }

  /** One outcome of a trylock (model.ts): never waits, never sleeps, records no lock-order edge. */
  private compileTrylock(op: Op & { k: "trylock" }): OpFn {
    const addr = compileAddr(op.lock, this.exprOpts);
    const { mode, name, taken } = op;
    if (op.lockKind !== "rwsem") {
      return (s, c) => {
        const x = addr(s, c);
        if ((s[x] === 0) !== taken) return DISABLED;
        if (taken) s[x] = c.owner;
        return ENABLED;
      };
    }
    if (mode === "read") {
      const recursive = this.on("recursive-locking");
      return (s, c, o) => {
        const x = addr(s, c);
        if ((s[x + 1]! & c.bit) !== 0) {
          if (!taken) return DISABLED;
          const msg = `${this.threadName(c.tid)} tries ${name} for reading while it already holds it for reading (knot counts the threads that read an rwsem, not how deeply each does)`;
          return recursive ? this.violate(o, "recursive-locking", msg) : this.cannotRun(o, "recursive-locking", msg);
        }
        // a waiting writer makes a read trylock fail (RWSEM_FLAG_WAITERS is in RWSEM_READ_FAILED_MASK)
        if ((s[x] === 0 && s[x + 2] === 0) !== taken) return DISABLED;
        if (taken) s[x + 1] = s[x + 1]! | c.bit;
        return ENABLED;
      };
    }
    return (s, c) => {
      const x = addr(s, c);
      if ((s[x] === 0 && s[x + 1] === 0 && s[x + 2] === 0) !== taken) return DISABLED;
      if (taken) s[x] = c.owner;
      return ENABLED;
    };
  }

  private compileLock(op: Op & { k: "lock" }): OpFn {
    const addr = compileAddr(op.lock, this.exprOpts);
    const { lockKind, mode, name } = op;
    const noBlock = op.noBlock === true;
    const sleeping = lockKind !== "spinlock";
    const checkSleep = sleeping && this.atomicPossible && this.on("sleep-in-atomic");
    const onAcquire = this.options.onAcquire;
    const blocked = (s: Int32Array, x: number, o: Outcome): number => {
      if (noBlock) {
        if (!this.on("atomic-blocked")) return DISABLED;
        return this.violate(o, "atomic-blocked", `${op.k} ${name} would block inside an atomic block (only its first statement may block)`);
      }
      o.waitKind = 1;
      o.waitSlot = x;
      o.waitLockKind = lockKind;
      o.waitMode = mode;
      o.waitName = name;
      return DISABLED;
    };
    const sleepCheck = (s: Int32Array, c: ThreadCtx, o: Outcome): boolean => {
      const ctx = this.atomicContext(s, c);
      if (!ctx) return false;
      this.violate(o, "sleep-in-atomic", `${this.threadName(c.tid)} takes ${lockKind} ${name}, which may sleep, ${ctx}`);
      return true;
    };
    const acquired = (s: Int32Array, c: ThreadCtx, x: number) => this.acquired(s, c, x);
    if (lockKind !== "rwsem") {
      return (s, c, o) => {
        const x = addr(s, c);
        if (s[x] !== 0) return blocked(s, x, o);
        if (checkSleep && sleepCheck(s, c, o)) return VIOLATED;
        acquired(s, c, x);
        s[x] = c.owner;
        return ENABLED;
      };
    }
    if (mode === "read") {
      const recursive = this.on("recursive-locking");
      return (s, c, o) => {
        const x = addr(s, c);
        if ((s[x + 1]! & c.bit) !== 0) {
          // read locks are not counted per thread: a nested down_read is reported, as lockdep does
          const msg = `${this.threadName(c.tid)} takes ${name} for reading again while it already holds it for reading; a writer queuing in between would deadlock both (rwsem read locks are not recursive)`;
          return recursive ? this.violate(o, "recursive-locking", msg) : this.cannotRun(o, "recursive-locking", msg);
        }
        // behind a writer, or behind a waiting writer while others read (no reader lock stealing then)
        if (s[x] !== 0 || (s[x + 1] !== 0 && s[x + 2] !== 0)) return blocked(s, x, o);
        if (checkSleep && sleepCheck(s, c, o)) return VIOLATED;
        acquired(s, c, x);
        s[x + 1] = s[x + 1]! | c.bit;
        return ENABLED;
      };
    }
    return (s, c, o) => {
      const x = addr(s, c);
      if (s[x] !== 0 || s[x + 1] !== 0) return blocked(s, x, o);
      if (checkSleep && sleepCheck(s, c, o)) return VIOLATED;
      s[x + 2] = s[x + 2]! & ~c.bit; // no longer waiting
      acquired(s, c, x);
      s[x] = c.owner;
      return ENABLED;
    };
  }

  private compileUnlock(op: Op & { k: "unlock" }): OpFn {
    const addr = compileAddr(op.lock, this.exprOpts);
    const { lockKind, mode, name } = op;
    const check = this.on("unlock-not-held");
    const verb = lockKind === "rwsem" ? (mode === "read" ? "up_read" : "up_write") : "unlock";
    const notHeld = (s: Int32Array, c: ThreadCtx, x: number, o: Outcome): number => {
      if (!check) return ENABLED; // check off: unlocking a lock one does not hold does nothing
      const os = lockOwners(s, x, lockKind);
      let who = os.length === 0 ? "it is not locked" : `it is held by ${os.map((t) => this.threadName(t)).join(", ")}`;
      if (lockKind === "rwsem") {
        const writer = s[x]! !== 0 ? this.threadName(s[x]! - 1) : undefined;
        const readers = lockOwners(s, x, lockKind).filter((t) => t + 1 !== s[x]).map((t) => this.threadName(t));
        who = writer ? `it is held for writing by ${writer}` : readers.length ? `it is held for reading by ${readers.join(", ")}` : "it is not locked";
      }
      return this.violate(o, "unlock-not-held", `${this.threadName(c.tid)} does ${verb} ${name}, but ${who}`);
    };
    if (lockKind !== "rwsem" || mode === "write") {
      return (s, c, o) => {
        const x = addr(s, c);
        if (s[x] !== c.owner) return notHeld(s, c, x, o);
        s[x] = 0;
        return ENABLED;
      };
    }
    return (s, c, o) => {
      const x = addr(s, c);
      if ((s[x + 1]! & c.bit) === 0) return notHeld(s, c, x, o);
      s[x + 1] = s[x + 1]! & ~c.bit;
      return ENABLED;
    };
  }
}

export function indexName(t: import("@knot/ir").ValueType, i: number): string {
  switch (t.kind) {
    case "bool": return i ? "true" : "false";
    case "enum": return t.members[i] ?? String(i);
    case "int": return String(t.lo + i);
    default: return String(i);
  }
}
