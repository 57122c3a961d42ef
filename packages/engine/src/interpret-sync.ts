// The completion, SRCU/RCU and call_rcu/call_srcu ops of the IR interpreter (model.ts has
// their contracts, docs/language.md "completion", "SRCU and RCU" and "call_rcu and
// call_srcu" their kernel semantics). interpret.ts
// compiles every other op and hands these here with the few services they share with
// it (OpContext): which checks are on, how a violation or a statement that cannot run
// is reported, the thread's atomic context, and the lock-order acquisition.
import { COMPLETION_ALL, COMPLETION_COUNT_MAX, type Op, type Process, SRCU_NEST_MAX, type ViolationKind, callbackMark } from "@knot/ir";
import { DISABLED, ENABLED, type ExprOptions, type OpFn, type Outcome, type ThreadCtx, compileAddr, compileExpr } from "./interpret-core.js";

/** What these ops need from the op compiler (interpret.ts's ModelCompiler). */
export interface OpContext {
  readonly exprOpts: ExprOptions;
  readonly threadCount: number;
  /** Can any thread ever be in atomic context (a spinlock exists, or RCU is used)? */
  readonly atomicPossible: boolean;
  on(kind: ViolationKind): boolean;
  violate(o: Outcome, kind: ViolationKind, message: string): number;
  cannotRun(o: Outcome, kind: ViolationKind, message: string): number;
  /** "while holding spinlock s" / "inside an RCU read-side critical section", or undefined. */
  atomicContext(s: Int32Array, c: ThreadCtx): string | undefined;
  /** A lock-order acquisition of the slot `x`. */
  acquired(s: Int32Array, c: ThreadCtx, x: number): void;
  threadName(tid: number): string;
}

/** complete / complete_all / reinit_completion, try_wait_for_completion, wait_for_completion. */
export function compileCompletionOp(op: Op & { k: "complete" | "try_wait_completion" | "wait_completion" }, cx: OpContext): OpFn {
  switch (op.k) {
    case "complete": {
      const addr = compileAddr(op.c, cx.exprOpts);
      const name = op.name;
      if (op.mode === "all") return (s, c) => { s[addr(s, c)] = COMPLETION_ALL; return ENABLED; };
      if (op.mode === "reinit") return (s, c) => { s[addr(s, c)] = 0; return ENABLED; };
      const range = cx.on("out-of-range");
      const msg = `complete ${name} would count more than ${COMPLETION_COUNT_MAX} pending completions (knot's bound)`;
      return (s, c, o) => {
        const x = addr(s, c);
        const v = s[x]!;
        if (v === COMPLETION_ALL) return ENABLED;
        if (v >= COMPLETION_COUNT_MAX) return range ? cx.violate(o, "out-of-range", msg) : cx.cannotRun(o, "out-of-range", msg);
        s[x] = v + 1;
        return ENABLED;
      };
    }
    case "try_wait_completion": {
      const addr = compileAddr(op.c, cx.exprOpts);
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
      const addr = compileAddr(op.c, cx.exprOpts);
      const { name } = op;
      const noBlock = op.noBlock === true;
      const checkSleep = cx.atomicPossible && cx.on("sleep-in-atomic");
      const atomicBlocked = cx.on("atomic-blocked");
      return (s, c, o) => {
        // the operand first (C evaluates a call's arguments before the call), then might_sleep()
        const x = addr(s, c);
        if (checkSleep) {
          const ctx = cx.atomicContext(s, c);
          if (ctx) return cx.violate(o, "sleep-in-atomic", `${cx.threadName(c.tid)} calls wait_for_completion(${name}), which may sleep, ${ctx}`);
        }
        const v = s[x]!;
        if (v === 0) {
          if (noBlock) return atomicBlocked ? cx.violate(o, "atomic-blocked", `wait_for_completion ${name} would block inside an atomic block (only its first statement may block)`) : DISABLED;
          o.waitKind = 4;
          o.waitSlot = x;
          o.waitName = name;
          return DISABLED;
        }
        if (v !== COMPLETION_ALL) s[x] = v - 1;
        return ENABLED;
      };
    }
  }
}

/** SRCU and RCU (model.ts; language.md, "SRCU and RCU"). Entry: depth per thread, then grace period per thread. */
export function compileSrcuOp(op: Op & { k: "srcu_read_lock" | "srcu_read_unlock" | "srcu_gp_start" | "srcu_sync" }, cx: OpContext): OpFn {
  const addr = compileAddr(op.d, cx.exprOpts);
  const T = cx.threadCount;
  const { name } = op;
  switch (op.k) {
    case "srcu_read_lock": {
      const range = cx.on("out-of-range");
      const msg = `${op.rcu ? "rcu_read_lock" : `srcu_read_lock ${name}`} nests read-side sections deeper than ${SRCU_NEST_MAX} (knot's bound)`;
      return (s, c, o) => {
        const x = addr(s, c) + c.tid;
        const d = s[x]!;
        if (d >= SRCU_NEST_MAX) return range ? cx.violate(o, "out-of-range", msg) : cx.cannotRun(o, "out-of-range", msg);
        s[x] = d + 1;
        return ENABLED;
      };
    }
    case "srcu_read_unlock": {
      const check = cx.on("unlock-not-held");
      const verb = op.rcu ? "rcu_read_unlock" : `srcu_read_unlock ${name}`;
      // the grace periods, then the entry's callbacks (model.ts, srcuEntryWidth)
      const waits = T + (op.callbacks ?? 0);
      return (s, c, o) => {
        const base = addr(s, c);
        const d = s[base + c.tid]!;
        if (d === 0) return check ? cx.violate(o, "unlock-not-held", `${cx.threadName(c.tid)} does ${verb}, but it is not inside a read-side section of ${name}`) : ENABLED;
        s[base + c.tid] = d - 1;
        // the outermost section ended: no grace period waits for this thread any more
        if (d === 1) for (let w = 0; w < waits; w++) s[base + T + w] = s[base + T + w]! & ~c.bit;
        return ENABLED;
      };
    }
    case "srcu_gp_start": {
      // in atomic context synchronize_* is sleep-in-atomic before anything else: no grace period starts
      const checkSleep = cx.atomicPossible && cx.on("sleep-in-atomic");
      return (s, c) => {
        const base = addr(s, c);
        if (s[base + T + c.tid] !== 0 || s[base + c.tid] !== 0) return DISABLED;
        if (checkSleep && cx.atomicContext(s, c)) return DISABLED;
        let readers = 0;
        for (let r = 0; r < T; r++) if (r !== c.tid && s[base + r]! > 0) readers |= 1 << r;
        if (readers === 0) return DISABLED;
        s[base + T + c.tid] = readers | c.bit;
        return ENABLED;
      };
    }
    case "srcu_sync": {
      const checkSleep = cx.atomicPossible && cx.on("sleep-in-atomic");
      const recursive = cx.on("recursive-locking");
      const call = op.rcu ? "synchronize_rcu()" : `synchronize_srcu(${name})`;
      return (s, c, o) => {
        const base = addr(s, c); // the operand first, as for wait_for_completion
        if (checkSleep) {
          const ctx = cx.atomicContext(s, c);
          if (ctx) return cx.violate(o, "sleep-in-atomic", `${cx.threadName(c.tid)} calls ${call}, which sleeps, ${ctx}`);
        }
        if (s[base + c.tid]! > 0) {
          const msg = `${cx.threadName(c.tid)} calls ${call} inside its own read-side section of ${name}: the grace period waits for ${cx.threadName(c.tid)} itself`;
          return recursive ? cx.violate(o, "recursive-locking", msg) : cx.cannotRun(o, "recursive-locking", msg);
        }
        const g = s[base + T + c.tid]!;
        if (g === 0) {
          for (let r = 0; r < T; r++) if (r !== c.tid && s[base + r]! > 0) return DISABLED; // a grace period to start first
        } else if (g !== c.bit) {
          o.waitKind = 5;
          o.waitSlot = base;
          o.waitName = name;
          o.waitRcu = op.rcu;
          return DISABLED;
        }
        s[base + T + c.tid] = 0;
        cx.acquired(s, c, base);
        return ENABLED;
      };
    }
  }
}

/** What makes a callback thread's context atomic, as a message ends; undefined for other threads. */
export function callbackContextText(p: Process): string | undefined {
  if (!p.callback) return undefined;
  return p.callback.rcu ? "in RCU callback context (softirq)" : "in SRCU callback context (bottom halves disabled)";
}

/** call_rcu / call_srcu, and a callback thread's start and end (model.ts; language.md, "call_rcu and call_srcu"). */
export function compileCallbackOp(op: Op & { k: "call_rcu" | "rcu_callback_start" | "rcu_callback_end" }, cx: OpContext & { holdingText(s: Int32Array, c: ThreadCtx): string | undefined }): OpFn {
  const T = cx.threadCount;
  const mark = callbackMark(T);
  switch (op.k) {
    case "call_rcu": {
      const addr = compileAddr(op.d, cx.exprOpts);
      const cb = compileExpr(op.cb, cx.exprOpts);
      const check = cx.on("double-free");
      const what = op.rcu ? `call_rcu ${op.call}` : `call_srcu ${op.name} ${op.call}`;
      // kernel/rcu/tree.c __call_rcu_common(), kernel/rcu/srcutree.c __call_srcu()
      const kernel = op.rcu ? `"__call_rcu(): Double-freed CB"` : `"call_srcu(): Leaked duplicate callback"`;
      return (s, c, o) => {
        const base = addr(s, c); // the domain entry, then the argument (C's order)
        const x = base + 2 * T + cb(s, c);
        if (s[x] !== 0) return check ? cx.violate(o, "double-free", `${cx.threadName(c.tid)} does ${what}, but that callback is still queued (it has not run yet): the kernel's ${kernel} (the rcu_head is queued twice)`) : ENABLED;
        let readers = mark;
        for (let r = 0; r < T; r++) if (s[base + r]! > 0) readers |= 1 << r;
        s[x] = readers;
        return ENABLED;
      };
    }
    case "rcu_callback_start": {
      const x = op.slot;
      return (s) => {
        if (s[x] !== mark) return DISABLED;
        s[x] = 0;
        return ENABLED;
      };
    }
    case "rcu_callback_end": {
      if (!cx.on("exit-holding-lock")) return () => ENABLED;
      const call = op.call;
      return (s, c, o) => {
        const held = cx.holdingText(s, c);
        return held ? cx.violate(o, "exit-holding-lock", `${cx.threadName(c.tid)} returns from ${call} ${held}: the kernel's callback would leak the lock`) : ENABLED;
      };
    }
  }
}
