// The IR interpreter's core: the running thread's context, the step results and the
// reusable Outcome (why a step is disabled, without allocating), and the compilers of
// expressions and addresses to closures. interpret.ts compiles ops and steps on top;
// interpret-sync.ts the completion and SRCU/RCU ops.
import { type Addr, type Expr, type LockKind, type ShownLocal, type ViolationKind, OBJECT_LIVE } from "@knot/ir";

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
  /** A grace period of the SRCU (or RCU) domain entry at `slot`, held up by the readers `owners` (filled in by the search). */
  | { kind: "grace-period"; slot: number; name: string; rcu: boolean; owners: number[] }
  /** wait_for_completion on a count of 0. `completers`: the threads that could still complete it (filled in by the search). */
  | { kind: "completion"; slot: number; name: string; completers: number[] }
  /**
   * flush_work / cancel_work_sync (`slot`: the work's entry) or flush_workqueue (`slot`: the
   * workqueue's first slot) waiting; `owners`: the workers it waits for (it is deadlocked when
   * all of them are), `running`: the worker running the work (both filled in by the search).
   */
  | { kind: "work"; call: string; slot: number; name: string; owners: number[]; running?: number }
  /** The statement would violate a check that is switched off, so it cannot run at all. */
  | { kind: "fault"; check: ViolationKind; what: string };

/**
 * What a step did. Wait details are plain fields rather than an object, because a
 * blocked lock attempt is common (every philosopher waiting for a fork) and must
 * not allocate; `waitReason` builds the object when a report needs it.
 */
export class Outcome {
  /** 0: no blocking statement; 1: a lock; 2: an await or an empty pick; 3: a fault whose check is off; 4: a completion; 5: a grace period (waitSlot: the domain entry); 6: a work statement (interpret-workqueue.ts). */
  waitKind = 0;
  waitSlot = -1;
  waitLockKind: LockKind = "mutex";
  waitMode: "exclusive" | "read" | "write" = "exclusive";
  waitName = "";
  waitLabelled = false;
  waitRcu = false;
  waitShows: ShownLocal[] | undefined = undefined;
  /** The work statement waiting (waitKind 6). */
  waitCall = "";
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
  if (o.waitKind === 5) return { kind: "grace-period", slot: o.waitSlot, name: o.waitName, rcu: o.waitRcu, owners: [] };
  if (o.waitKind === 4) return { kind: "completion", slot: o.waitSlot, name: o.waitName, completers: [] };
  if (o.waitKind === 6) return { kind: "work", call: o.waitCall, slot: o.waitSlot, name: o.waitName, owners: [] };
  return undefined;
}

/** Thrown by expressions on runtime errors (out of range, division by zero); caught per step. */
export class Fault {
  constructor(readonly kind: ViolationKind, readonly message: string) {}
}

export type ExprFn = (s: Int32Array, c: ThreadCtx) => number;
export type AddrFn = (s: Int32Array, c: ThreadCtx) => number;
/** Returns ENABLED, DISABLED or VIOLATED; fills `o` for the latter two. */
export type OpFn = (s: Int32Array, c: ThreadCtx, o: Outcome) => number;
export type StepFn = (s: Int32Array, c: ThreadCtx, o: Outcome) => number;

export interface CompiledModel {
  steps: StepFn[];
  /** Slots of all spinlocks (for sleep-in-atomic). */
  spinSlots: number[];
  /** Every lock: first slot, kind, display name (for exit-holding-lock and decoding). */
  locks: { slot: number; kind: LockKind; name: string }[];
  /** Every SRCU domain entry and the RCU domain: first slot, display name (lock-order nodes, as lockdep has them). */
  domains: { slot: number; name: string; rcu: boolean }[];
  /** The workqueues' and work items' lockdep pseudo-locks (lock-order nodes). */
  pseudoLocks: { slot: number; name: string }[];
}

/** The name of a lock-order node (a lock, an SRCU/RCU domain entry, a workqueue pseudo-lock) by its first slot. */
export function lockOrderNodeName(m: Pick<CompiledModel, "locks" | "domains" | "pseudoLocks">, slot: number): string {
  return m.locks.find((l) => l.slot === slot)?.name ?? m.domains.find((d) => d.slot === slot)?.name ?? m.pseudoLocks.find((d) => d.slot === slot)?.name ?? `lock@${slot}`;
}

export interface CompileOptions {
  /** Checks switched off: their ops never report. */
  disabled: ReadonlySet<ViolationKind>;
  /** Called when a thread takes a lock while holding others (lock-order analysis). */
  /** `nest`: the slot of the acquisition's nest lock, or -1 (lock-order.ts). */
  onAcquire?: (heldSlots: number[], slot: number, c: ThreadCtx, subclass: number, nest: number) => void;
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

/** The position of `v` in `lo..lo + count - 1`; out-of-range outside. */
function position(v: number, lo: number, count: number, what: string): number {
  const i = v - lo;
  if (i < 0 || i >= count) throw new Fault("out-of-range", `${what}: ${v} is outside ${lo}..${lo + count - 1}`);
  return i;
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
      return (s, c) => position(a(s, c), lo, count, what);
    }
    case "bit": {
      const a = compileExpr(e.a, opts);
      const { lo, count, what } = e;
      return (s, c) => 1 << position(a(s, c), lo, count, what);
    }
    case "member": {
      const a = compileExpr(e.a, opts);
      const set = compileExpr(e.set, opts);
      const { lo, count } = e;
      return (s, c) => {
        const i = a(s, c) - lo;
        // the set is evaluated even for an element outside its type: it may fault (a null or freed reference, an index)
        const v = set(s, c);
        return i >= 0 && i < count ? (v >>> i) & 1 : 0;
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
