// The workqueue ops of the IR interpreter (model.ts has their contracts, docs/language.md
// "workqueues" the kernel semantics): queueing, a worker starting and ending a work, and
// the flush_work / cancel_work_sync / flush_workqueue waits. The state of a workqueue is its
// queue (pending works' positions + 1, in order) and each worker's running work; a work
// entry is its canceller, was-pending, and a flush state per thread.
import { type Model, type Op, WORK_FLUSH_DONE, WORK_FLUSH_NONE, WORK_FLUSH_PENDING, WORK_FLUSH_RUNNING, type Workqueue } from "@knot/ir";
import { DISABLED, ENABLED, type OpFn, type Outcome, type ThreadCtx, compileAddr, compileExpr } from "./interpret-core.js";
import type { OpContext } from "./interpret-sync.js";

/** Outcome.waitKind of a thread waiting in flush_work, cancel_work_sync or flush_workqueue. */
export const WAIT_WORK = 6;

/** What these ops need beyond OpContext: the locks and sections a worker's end checks. */
export interface WorkOpContext extends OpContext {
  readonly model: Model;
  /** The real locks the thread holds and the read-side sections it is inside, as "while holding L" text; undefined when none. */
  holdingText(s: Int32Array, c: ThreadCtx): string | undefined;
}

/** Is the work at `pos` in the queue? */
export function isPending(s: ArrayLike<number>, q: Workqueue, pos: number): boolean {
  const n = q.works.length;
  for (let i = 0; i < n; i++) {
    const v = s[q.offset + i]!;
    if (v === 0) return false;
    if (v === pos + 1) return true;
  }
  return false;
}

/** The worker (0-based) running the work at `pos`, or -1. */
export function runningOn(s: ArrayLike<number>, q: Workqueue, pos: number): number {
  const n = q.works.length;
  for (let k = 0; k < q.workers.length; k++) if (s[q.offset + n + k] === pos + 1) return k;
  return -1;
}

/** Take the work at `pos` out of the queue, keeping the others' order; was it there? */
function dequeue(s: Int32Array, q: Workqueue, pos: number): boolean {
  const n = q.works.length;
  for (let i = 0; i < n; i++) {
    const v = s[q.offset + i]!;
    if (v === 0) return false;
    if (v !== pos + 1) continue;
    for (let j = i; j < n - 1; j++) s[q.offset + j] = s[q.offset + j + 1]!;
    s[q.offset + n - 1] = 0;
    return true;
  }
  return false;
}

/**
 * A cancel takes the work at `pos` (entry `x`) off the queue; was it there? The flushes
 * waiting for that pending instance are done: the kernel's flush barrier stays queued
 * behind the removed work and completes them.
 */
function cancelPending(s: Int32Array, q: Workqueue, pos: number, x: number, threads: number): boolean {
  if (!dequeue(s, q, pos)) return false;
  for (let t = 0; t < threads; t++) if (s[x + 2 + t] === WORK_FLUSH_PENDING) s[x + 2 + t] = WORK_FLUSH_DONE;
  return true;
}

/** The worker number of thread `tid` in workqueue `q`, or -1 when it is not one of its workers. */
function workerIndex(q: Workqueue, tid: number): number {
  return q.workers.indexOf(tid);
}

export function compileWorkOp(op: Op & { k: "queue_work" | "work_start" | "work_end" | "work_wait" }, cx: WorkOpContext): OpFn {
  const q = cx.model.workqueues[op.wq]!;
  const n = q.works.length;
  switch (op.k) {
    case "queue_work": {
      const entry = compileAddr(op.entry, cx.exprOpts);
      const pos = compileExpr(op.pos, cx.exprOpts);
      const result = op.result;
      return (s, c) => {
        const x = entry(s, c);
        const p = pos(s, c);
        const queued = !isPending(s, q, p) && s[x] === 0;
        if (result !== undefined && queued !== result) return DISABLED;
        if (!queued) return ENABLED;
        for (let i = 0; i < n; i++) {
          if (s[q.offset + i] !== 0) continue;
          s[q.offset + i] = p + 1;
          break;
        }
        return ENABLED;
      };
    }
    case "work_start": {
      const pos = op.pos;
      const entry = q.works[pos]!.entry;
      const T = cx.threadCount;
      return (s, c) => {
        const k = c.instance;
        if (s[q.offset + n + k] !== 0) return DISABLED;
        for (let j = 0; j < k; j++) if (s[q.offset + n + j] === 0) return DISABLED; // the lowest idle worker starts
        let first = -1;
        for (let i = 0; i < n; i++) {
          const v = s[q.offset + i]!;
          if (v === 0) break;
          if (runningOn(s, q, v - 1) >= 0) continue;
          first = v - 1;
          break;
        }
        if (first !== pos) return DISABLED;
        dequeue(s, q, pos);
        // lockdep's process_one_work(): the workqueue's map, then the work's
        cx.acquired(s, c, q.offset);
        s[q.offset + n + k] = pos + 1;
        cx.acquired(s, c, entry);
        for (let t = 0; t < T; t++) if (s[entry + 2 + t] === WORK_FLUSH_PENDING) s[entry + 2 + t] = WORK_FLUSH_RUNNING;
        return ENABLED;
      };
    }
    case "work_end": {
      const pos = op.pos;
      const work = q.works[pos]!;
      const entry = work.entry;
      const T = cx.threadCount;
      const check = cx.on("exit-holding-lock");
      return (s, c, o) => {
        if (check) {
          const held = cx.holdingText(s, c);
          if (held) return cx.violate(o, "exit-holding-lock", `${cx.threadName(c.tid)} finishes ${work.name} (${work.call}) ${held}: the kernel's "BUG: workqueue leaked lock or atomic"`);
        }
        s[q.offset + n + c.instance] = 0;
        for (let t = 0; t < T; t++) if (s[entry + 2 + t] === WORK_FLUSH_RUNNING) s[entry + 2 + t] = WORK_FLUSH_DONE;
        return ENABLED;
      };
    }
    case "work_wait":
      return op.call === "flush_workqueue" ? flushWorkqueue(op, q, cx) : workWait(op, q, cx);
  }
}

/** sleep-in-atomic, then recursive-locking when the thread runs the work itself: a violation, or (register) not this step. */
function refuse(cx: WorkOpContext, o: Outcome, s: Int32Array, c: ThreadCtx, call: string, register: boolean, own: string | undefined): number | undefined {
  const ctx = cx.atomicPossible && cx.on("sleep-in-atomic") ? cx.atomicContext(s, c) : undefined;
  if (ctx) return register ? DISABLED : cx.violate(o, "sleep-in-atomic", `${cx.threadName(c.tid)} calls ${call}, which sleeps, ${ctx}`);
  if (own) {
    if (register) return DISABLED;
    return cx.on("recursive-locking") ? cx.violate(o, "recursive-locking", own) : cx.cannotRun(o, "recursive-locking", own);
  }
  return undefined;
}

function wait(o: Outcome, slot: number, name: string, call: string): number {
  o.waitKind = WAIT_WORK;
  o.waitSlot = slot;
  o.waitName = name;
  o.waitCall = call;
  return DISABLED;
}

/** flush_work and cancel_work_sync of one work (language.md, "workqueues"). */
function workWait(op: Op & { k: "work_wait" }, q: Workqueue, cx: WorkOpContext): OpFn {
  const entry = compileAddr(op.entry!, cx.exprOpts);
  const pos = compileExpr(op.pos!, cx.exprOpts);
  const { register, result, name } = op;
  const cancel = op.call === "cancel_work_sync";
  const call = `${op.call}(${name})`;
  const n = q.works.length;
  return (s, c, o) => {
    const x = entry(s, c); // the operand first, as C evaluates it
    const p = pos(s, c);
    const me = workerIndex(q, c.tid);
    const own = me >= 0 && s[q.offset + n + me] === p + 1 ? `${cx.threadName(c.tid)} calls ${call} from ${name}'s own function: it waits for itself` : undefined;
    const refused = refuse(cx, o, s, c, call, register, own);
    if (refused !== undefined) return refused;
    const f = x + 2 + c.tid;
    const state = s[f]!;
    const pending = isPending(s, q, p);
    const running = runningOn(s, q, p) >= 0;
    if (register) {
      if (state !== WORK_FLUSH_NONE) return DISABLED;
      if (cancel) {
        if (s[x] !== 0 || !running) return DISABLED;
        s[x + 1] = cancelPending(s, q, p, x, cx.threadCount) ? 1 : 0;
        s[x] = c.tid + 1;
        s[f] = WORK_FLUSH_RUNNING;
        cx.acquired(s, c, x);
        return ENABLED;
      }
      if (!pending && !running) return DISABLED;
      s[f] = pending ? WORK_FLUSH_PENDING : WORK_FLUSH_RUNNING;
      cx.acquired(s, c, x);
      if (q.ordered) cx.acquired(s, c, q.offset);
      return ENABLED;
    }
    if (state === WORK_FLUSH_DONE) {
      if (cancel) {
        const was = s[x + 1] !== 0;
        if (result !== undefined && was !== result) return DISABLED;
        s[x] = 0;
        s[x + 1] = 0;
      }
      s[f] = WORK_FLUSH_NONE;
      return ENABLED;
    }
    if (state !== WORK_FLUSH_NONE) return wait(o, x, name, op.call);
    if (cancel) {
      if (s[x] !== 0) return wait(o, x, name, op.call); // another thread's cancel: the kernel's cancel_waitq
      if (running) return DISABLED; // registers first
      if (result !== undefined && pending !== result) return DISABLED;
      cancelPending(s, q, p, x, cx.threadCount);
      cx.acquired(s, c, x);
      return ENABLED;
    }
    if (pending || running) return DISABLED; // registers first
    cx.acquired(s, c, x);
    return ENABLED;
  };
}

/** flush_workqueue: waits for every work of the workqueue pending or running when it began. */
function flushWorkqueue(op: Op & { k: "work_wait" }, q: Workqueue, cx: WorkOpContext): OpFn {
  const { register, name } = op;
  const call = `flush_workqueue(${name})`;
  const n = q.works.length;
  const entries = q.works.map((w) => w.entry);
  return (s, c, o) => {
    const me = workerIndex(q, c.tid);
    const own = me >= 0 && s[q.offset + n + me] !== 0 ? `${cx.threadName(c.tid)} calls ${call} from a work running on ${name}: it waits for itself` : undefined;
    const refused = refuse(cx, o, s, c, call, register, own);
    if (refused !== undefined) return refused;
    let waiting = false;
    let done = false;
    let busy = false;
    for (let i = 0; i < n; i++) {
      const f = s[entries[i]! + 2 + c.tid]!;
      if (f === WORK_FLUSH_PENDING || f === WORK_FLUSH_RUNNING) waiting = true;
      else if (f === WORK_FLUSH_DONE) done = true;
      if (isPending(s, q, i) || runningOn(s, q, i) >= 0) busy = true;
    }
    if (register) {
      if (waiting || done || !busy) return DISABLED;
      for (let i = 0; i < n; i++) {
        const f = entries[i]! + 2 + c.tid;
        if (isPending(s, q, i)) s[f] = WORK_FLUSH_PENDING;
        else if (runningOn(s, q, i) >= 0) s[f] = WORK_FLUSH_RUNNING;
      }
      cx.acquired(s, c, q.offset);
      return ENABLED;
    }
    if (waiting) return wait(o, q.offset, name, op.call);
    if (done) {
      for (let i = 0; i < n; i++) s[entries[i]! + 2 + c.tid] = WORK_FLUSH_NONE;
      return ENABLED;
    }
    if (busy) return DISABLED; // registers first
    cx.acquired(s, c, q.offset);
    return ENABLED;
  };
}

/**
 * flush_workqueue waits for the busy workers of its workqueue (it is deadlocked when all of
 * them are); but while a worker is idle and a work it waits for is pending and not running,
 * that worker can start it, so it waits for nobody.
 */
function flushWorkqueueOwners(s: ArrayLike<number>, q: Workqueue, tid: number): number[] {
  const n = q.works.length;
  const busy = q.workers.filter((_, k) => s[q.offset + n + k] !== 0);
  const startable = q.works.some((w, pos) => s[w.entry + 2 + tid] === WORK_FLUSH_PENDING && runningOn(s, q, pos) < 0);
  return startable && busy.length < q.workers.length ? [] : busy;
}

/**
 * The threads a thread waiting in a work statement waits for (language.md, "workqueues"):
 * the worker running the instance it waits for, or, for a pending work no worker runs, every
 * worker of the workqueue (it is deadlocked only when all of them are); flush_workqueue, see
 * flushWorkqueueOwners. `slot` is the work's entry, or the workqueue's first slot for flush_workqueue.
 */
export function workWaitOwners(model: Model, s: ArrayLike<number>, slot: number, tid: number): { owners: number[]; running?: number } {
  for (const q of model.workqueues) {
    if (slot === q.offset) return { owners: flushWorkqueueOwners(s, q, tid) };
    const pos = q.works.findIndex((w) => w.entry === slot);
    if (pos < 0) continue;
    const k = runningOn(s, q, pos);
    if (k >= 0) return { owners: [q.workers[k]!], running: q.workers[k]! };
    // a cancel waiting for another thread's cancel of a work no longer running: that cancel can return
    if (s[slot + 2 + tid] === WORK_FLUSH_NONE) return { owners: [] };
    return { owners: [...q.workers] };
  }
  return { owners: [] };
}
