// The IR interpreter: turns every IR expression and op into a JavaScript closure
// once, so that executing a step is a loop over closures reading and writing one
// Int32Array. A step reports through a reusable Outcome object (no allocation on
// the hot path): enabled, disabled (and why, when the reason is a blocking
// statement), or a violation. Expressions and the step results are in
// interpret-core.ts, the completion and SRCU/RCU ops in interpret-sync.ts.
import { type LockKind, type Model, OBJECT_FREED, OBJECT_LIVE, OBJECT_UNUSED, type Op, type Step, type ViolationKind, entryName } from "@knot/ir";
import {
  type CompiledModel, type CompileOptions, DISABLED, ENABLED, type ExprOptions, Fault, type OpFn, Outcome, type StepFn, type ThreadCtx, VIOLATED,
  compileAddr, compileExpr, lockOrderNodeName, lockOwners,
} from "./interpret-core.js";
import { callbackContextText, compileCallbackOp, compileCompletionOp, compileSrcuOp } from "./interpret-sync.js";
import { type WorkOpContext, compileWorkOp } from "./interpret-workqueue.js";

export * from "./interpret-core.js";

/** The lockdep pseudo-locks of the workqueues (language.md, "workqueues"): their lock-order node slots and names. */
export function pseudoLocks(model: Model): { slot: number; name: string }[] {
  return model.workqueues.flatMap((q) => [
    { slot: q.offset, name: `(wq_completion)${q.name}` },
    ...q.works.map((w) => ({ slot: w.entry, name: `(work_completion)(&${w.name})` })),
  ]);
}

export class ModelCompiler implements WorkOpContext {
  private readonly spinSlots: number[] = [];
  private readonly domains: { slot: number; name: string; rcu: boolean }[] = [];
  /** The RCU domain's first slot (a reader's depth is at rcuSlot + thread), or -1. */
  private rcuSlot = -1;
  readonly threadCount: number;
  private readonly locks: { slot: number; kind: LockKind; name: string }[] = [];
  readonly threadName: (tid: number) => string;
  readonly exprOpts: ExprOptions;

  private readonly pseudo: { slot: number; name: string }[];
  /** Per thread: its workqueue and worker number, when it is a worker. */
  private readonly workerOf: ({ wq: number; k: number } | undefined)[];
  /** Per thread: what makes a callback thread's context atomic (it runs nothing but its callback), else undefined. */
  private readonly callbackContext: (string | undefined)[];

  constructor(readonly model: Model, private readonly options: CompileOptions) {
    this.pseudo = pseudoLocks(model);
    this.workerOf = model.threads.map(() => undefined);
    this.callbackContext = model.threads.map((t) => callbackContextText(model.processes[t.process]!));
    model.workqueues.forEach((q, wq) => q.workers.forEach((t, k) => (this.workerOf[t] = { wq, k })));
    for (const v of model.layout.vars) {
      if (v.kind !== "lock") continue;
      const ew = v.entryWidth ?? 1;
      const entries = v.width / ew;
      for (let i = 0; i < entries; i++) {
        const name = entryName(v, i);
        this.locks.push({ slot: v.offset + i * ew, kind: v.lockKind!, name });
        if (v.lockKind === "spinlock") this.spinSlots.push(v.offset + i * ew);
      }
    }
    this.threadCount = model.threads.length;
    for (const v of model.layout.vars) {
      if (v.kind !== "srcu") continue;
      const ew = v.entryWidth!;
      for (let i = 0; i < v.width / ew; i++) {
        this.domains.push({ slot: v.offset + i * ew, name: entryName(v, i), rcu: v.rcu === true });
      }
      if (v.rcu) this.rcuSlot = v.offset;
    }
    this.threadName = (tid) => model.threads[tid]?.name ?? `thread ${tid}`;
    this.exprOpts = { allowFreed: options.disabled.has("use-after-free") };
  }

  compile(): CompiledModel {
    return { steps: this.model.steps.map((st) => this.compileStep(st)), spinSlots: this.spinSlots, locks: this.locks, domains: this.domains, pseudoLocks: this.pseudo };
  }

  on(kind: ViolationKind): boolean {
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
  cannotRun(o: Outcome, kind: ViolationKind, message: string): number {
    o.waitKind = 3;
    o.violation = kind;
    o.message = message;
    return DISABLED;
  }

  violate(o: Outcome, kind: ViolationKind, message: string): number {
    o.violation = kind;
    o.message = message;
    return VIOLATED;
  }

  /** Who holds the lock at slot `x` ("held by vcpu", "held for reading by r[0], r[1]"), or undefined when it is free. */
  private holderNames(s: Int32Array, x: number, kind: LockKind): string | undefined {
    if (s[x] !== 0) return `held by ${this.threadName(s[x]! - 1)}`;
    if (kind !== "rwsem" || s[x + 1] === 0) return undefined;
    const readers: string[] = [];
    for (let t = 0; t < this.threadCount; t++) if ((s[x + 1]! >>> t) & 1) readers.push(this.threadName(t));
    return `held for reading by ${readers.join(", ")}`;
  }

  private heldLocks(s: Int32Array, c: ThreadCtx): number[] {
    const out: number[] = [];
    for (const l of this.locks) {
      if (s[l.slot] === c.owner || (l.kind === "rwsem" && (s[l.slot + 1]! & c.bit) !== 0)) out.push(l.slot);
    }
    return out;
  }

  /** The pseudo-locks a worker holds while it runs a work: its workqueue's, then the work's. */
  private pseudoHeld(s: Int32Array, c: ThreadCtx): number[] {
    const w = this.workerOf[c.tid];
    if (!w) return [];
    const q = this.model.workqueues[w.wq]!;
    const p = s[q.offset + q.works.length + w.k]!;
    return p === 0 ? [] : [q.offset, q.works[p - 1]!.entry];
  }

  holdingText(s: Int32Array, c: ThreadCtx): string | undefined {
    const held = this.heldLocks(s, c);
    const inside = this.readSections(s, c);
    if (held.length === 0 && inside.length === 0) return undefined;
    return [...(held.length ? [`while holding ${held.map((h) => this.lockName(h)).join(", ")}`] : []), ...inside.map((d) => `inside a read-side section of ${this.lockName(d)}`)].join(" and ");
  }

  /** The SRCU/RCU domain entries whose read side the thread is inside. */
  private readSections(s: Int32Array, c: ThreadCtx): number[] {
    const out: number[] = [];
    for (const d of this.domains) if (s[d.slot + c.tid]! > 0) out.push(d.slot);
    return out;
  }

  /** What makes the thread's context atomic (a spinlock it holds, an RCU read-side section), as a message ends; undefined when nothing does. */
  atomicContext(s: Int32Array, c: ThreadCtx): string | undefined {
    for (const sl of this.spinSlots) if (s[sl] === c.owner) return `while holding spinlock ${this.lockName(sl)}`;
    if (this.rcuSlot >= 0 && s[this.rcuSlot + c.tid]! > 0) return "inside an RCU read-side critical section";
    return this.callbackContext[c.tid];
  }

  /** Can any thread ever be in atomic context (so sleeping points need a check)? */
  get atomicPossible(): boolean {
    return this.spinSlots.length > 0 || this.rcuSlot >= 0 || this.callbackContext.some((x) => x !== undefined);
  }

  private lockName(slot: number): string {
    return lockOrderNodeName({ locks: this.locks, domains: this.domains, pseudoLocks: this.pseudo }, slot);
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
        const lockCheck = pool.locks.length > 0 && this.on("held-lock-freed");
        return (s, c, o) => {
          const r = ref(s, c);
          if (r === 0) return ENABLED; // like kfree(NULL)
          const base = offset + (r - 1) * stride;
          if (s[base] === OBJECT_FREED) {
            if (check) return this.violate(o, "double-free", `free ${what}: ${name}[${r - 1}] was already freed`);
            return ENABLED;
          }
          if (lockCheck) {
            // lockdep's debug_check_no_locks_freed(): a lock inside the memory being freed is held
            for (const l of pool.locks) {
              const x = l.offset + (r - 1) * l.entryWidth;
              const holders = this.holderNames(s, x, l.lockKind);
              if (holders) return this.violate(o, "held-lock-freed", `free ${what}: ${name}[${r - 1}]->${l.field} is ${holders} (lockdep: "held lock freed!")`);
            }
          }
          s[base] = OBJECT_FREED;
          // a freed object's fields go back to their defaults (canonical, and in range if read with use-after-free off)
          s.set(pool.defaults, base + 1);
          return ENABLED;
        };
      }
      case "complete": case "try_wait_completion": case "wait_completion": return compileCompletionOp(op, this);
      case "srcu_read_lock": case "srcu_read_unlock": case "srcu_gp_start": case "srcu_sync": return compileSrcuOp(op, this);
      case "call_rcu": case "rcu_callback_start": case "rcu_callback_end": return compileCallbackOp(op, this);
      case "queue_work": case "work_start": case "work_end": case "work_wait": return compileWorkOp(op, this);
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
          const held = this.holdingText(s, c);
          return held ? this.violate(o, "exit-holding-lock", `${this.threadName(c.tid)} finishes ${held}`) : ENABLED;
        };
      }
    }
  }

  /** A lock-order acquisition of `x`: an edge from every lock held and every read-side section the thread is inside. */
  acquired(s: Int32Array, c: ThreadCtx, x: number, subclass = 0, nest = -1): void {
    const onAcquire = this.options.onAcquire;
    if (!onAcquire) return;
    const held = [...this.heldLocks(s, c), ...this.readSections(s, c), ...this.pseudoHeld(s, c)].filter((h) => h !== x);
    if (held.length) onAcquire(held, x, c, subclass, nest);
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
    const subclass = op.subclass ?? 0;
    // the nest lock is evaluated when the lock is taken, whether or not lock order is analysed
    const nestAddr = op.nest ? compileAddr(op.nest, this.exprOpts) : undefined;
    const acquired = nestAddr
      ? (s: Int32Array, c: ThreadCtx, x: number) => this.acquired(s, c, x, subclass, nestAddr(s, c))
      : (s: Int32Array, c: ThreadCtx, x: number) => this.acquired(s, c, x, subclass);
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
