// Workqueues in the reference interpreter, from docs/language.md "workqueues"
// (include/linux/workqueue.h, kernel/workqueue.c). Static part: the work items
// (one per entry of a work array, each bound to its procedure and constant
// arguments), the workqueues with their worker threads (threads of the model
// after the processes), and the lockdep pseudo-locks. State: per workqueue the
// FIFO of pending work names and per worker the work it runs; per work item its
// canceller and, per thread, a flush state (0 not flushing, 1 waiting for the
// pending instance, 2 for the running one, 3 the instance waited for finished).
// The statements are written here against a small runtime (WorkRuntime) that
// the step runner provides: they decide returns, registrations (the statement
// stays), blocking with a wait-for edge to the workers, and lock-order
// acquisitions; the worker's start and end steps change the queue, the workers
// and the flush states. The wait-for edges feed checks.ts as lock waits do.
import { type CheckedModel, type Location, type ProcSymbol, type WorkOp, type WorkSymbol, type WorkqueueSymbol, entityEntryName, toLocation, workerCount, workerThreadName } from "@knot/lang";
import { type EvalEnv, NotConstant, evaluate } from "./evaluate.js";
import type { Program } from "./program.js";
import { type RValue, newRecord, scalarAt, scalarCount } from "./values.js";

// ------------------------------------------------------------ static view

/** One work item: a work, or one entry of a work array. */
export interface WorkItem {
  /** `release_work`, `shutdown_work[1]` (the index formatted as lock-array entries are). */
  name: string;
  sym: WorkSymbol;
  /** Position in the work array's index type (0 for a plain work). */
  index: number;
  wq: WorkqueueInfo;
  proc: ProcSymbol;
  /** The index value of an entry of a work array (the index variable's value in the arguments). */
  value?: RValue;
  /** The work declaration: where its worker's start and end steps are, and where it rests at its end. */
  at: Location;
  /** lockdep's `(work_completion)(&w)`. */
  lock: string;
}

export interface WorkqueueInfo {
  sym: WorkqueueSymbol;
  name: string;
  /** Its work items: by declaration, then by index value (the queue order of the language). */
  items: WorkItem[];
  /** Thread indices of its workers, worker 0 first. */
  workers: number[];
  workerNames: string[];
  /** lockdep's `(wq_completion)wq`. */
  lock: string;
  /** Declared `max_active: 1`: flush_work of a pending or running work also takes the workqueue (start_flush_work). */
  ordered: boolean;
}

/** A worker thread: which workqueue, which worker of it. */
export interface WorkerInfo {
  wq: WorkqueueInfo;
  k: number;
}

export class WorkTable {
  readonly queues: WorkqueueInfo[] = [];
  /** Every work item in the model's declaration order (arrays in index order): the order traces list them. */
  readonly items: WorkItem[] = [];
  readonly byName = new Map<string, WorkItem>();
  readonly byQueue = new Map<string, WorkqueueInfo>();
  private readonly bySym = new Map<WorkSymbol, WorkItem[]>();
  /** Worker threads by thread index. */
  readonly workers = new Map<number, WorkerInfo>();

  /** `firstThread`: the index of the first worker thread (the process threads come first). */
  constructor(model: CheckedModel, firstThread: number) {
    for (const sym of model.workqueues) {
      const info: WorkqueueInfo = { sym, name: sym.name, items: [], workers: [], workerNames: [], lock: `(wq_completion)${sym.name}`, ordered: sym.maxActive === 1 };
      this.queues.push(info);
      this.byQueue.set(sym.name, info);
    }
    for (const sym of model.works) {
      const wq = this.byQueue.get(sym.wq!.name)!;
      const n = sym.index ? scalarCount(sym.index) : 1;
      const items: WorkItem[] = [];
      for (let i = 0; i < n; i++) {
        // a work field's function gets the object the work is in (container_of)
        const value = sym.field ? `${sym.field.pool.name}[${i}]` : sym.index ? scalarAt(sym.index, i) : undefined;
        const name = sym.field ? entityEntryName(sym.name, sym.field, String(i)) : sym.index ? `${sym.name}[${String(value)}]` : sym.name;
        const item: WorkItem = { name, sym, index: i, wq, proc: sym.proc!, value, at: toLocation(sym.decl.span), lock: `(work_completion)(&${name})` };
        items.push(item);
        this.items.push(item);
        this.byName.set(name, item);
      }
      this.bySym.set(sym, items);
    }
    for (const q of this.queues) for (const sym of q.sym.works) q.items.push(...this.bySym.get(sym)!);
    // min(max_active, number of work items): a work array has one item per index value
    // (language.md), so the items are counted here, not the work declarations
    let t = firstThread;
    for (const q of this.queues) {
      for (let k = 0; k < workerCount(q.sym.maxActive, q.items.length); k++) {
        q.workers.push(t);
        q.workerNames.push(`${workerThreadName(q.name)}[${k}]`);
        this.workers.set(t, { wq: q, k });
        t++;
      }
    }
  }

  get threadCount(): number {
    return this.workers.size;
  }

  /** The pseudo-locks as lock-order nodes: per workqueue in declaration order, `(wq_completion)wq` then its works'. */
  lockNames(): string[] {
    return this.queues.flatMap((q) => [q.lock, ...q.items.map((w) => w.lock)]);
  }

  /** The work item an entry of work symbol `sym` names. */
  item(sym: WorkSymbol, index: number): WorkItem {
    return this.bySym.get(sym)![index]!;
  }

  /** The work a worker thread runs (it may rest at the work's end), or undefined when it is idle. */
  runningOf(s: WorkState, t: number): WorkItem | undefined {
    const w = this.workers.get(t)!;
    const name = s.workqueues[w.wq.name]!.running[w.k];
    return name ? this.byName.get(name) : undefined;
  }

  /**
   * A worker counts as finished (final states, stuck) when it is idle and its workqueue has no
   * work to start: the kernel's workers never exit, but a pending work will still run, so a
   * state with one is not final. (A pending work that is running on another worker waits for
   * that worker, which is not finished.)
   */
  workerFinished(s: WorkState, t: number): boolean {
    const w = this.workers.get(t)!;
    const q = s.workqueues[w.wq.name]!;
    return q.running[w.k] === null && q.queue.every((n) => q.running.includes(n));
  }

  /** The worker thread (name) running `item`, if any: at most one (the kernel's non-reentrancy). */
  runningOn(s: WorkState, item: WorkItem): string | undefined {
    const k = s.workqueues[item.wq.name]!.running.indexOf(item.name);
    return k < 0 ? undefined : item.wq.workerNames[k];
  }

  /** The pseudo-locks a worker holds while it runs a work: `(wq_completion)wq`, then `(work_completion)(&w)` (process_one_work). */
  pseudoHeld(s: WorkState, t: number): string[] {
    if (!this.workers.has(t)) return [];
    const w = this.runningOf(s, t);
    return w ? [w.wq.lock, w.lock] : [];
  }
}

/**
 * The work's arguments with its index variable bound, evaluated when a worker starts it, as a
 * call evaluates its arguments: a fault (a division by zero for one index value) is the start
 * step's. They read constants and the index only (the checker saw to that).
 */
export function workArguments(prog: Program, item: WorkItem, fault: (kind: string, message: string) => never): RValue[] {
  const notConstant = (): never => { throw new NotConstant(); };
  const env: EvalEnv = {
    constValue: (c) => prog.constValue(c),
    local: (l) => (l === item.sym.instance && item.value !== undefined ? item.value : notConstant()),
    global: notConstant, refcount: notConstant, held: notConstant, locked: notConstant, completion: notConstant, field: notConstant, objectSlot: notConstant,
    fault,
  };
  return item.sym.decl.args.map((a) => evaluate(a, env, new Map(), prog));
}

// ------------------------------------------------------------ state

export interface WorkqueueEntry {
  /** The pending work items, by name, in the order they were queued (each at most once). */
  queue: string[];
  /** By worker: the work item it runs (also while it rests at the work's end), or null when idle. */
  running: (string | null)[];
}

export interface WorkEntry {
  /** The thread in cancel_work_sync of it, and whether the work was pending when that cancel began. */
  canceller: { thread: string; wasPending: boolean } | null;
  /** Flush state by thread index: 0 none, 1 waits for the pending instance, 2 for the running one, 3 that instance finished. */
  flush: number[];
}

/** The part of the reference state this module reads and writes. */
export interface WorkState {
  workqueues: Record<string, WorkqueueEntry>;
  /** By work symbol: one entry per index value (one for a plain work). */
  works: Record<string, WorkEntry[]>;
}

export function initialWorkState(model: CheckedModel, table: WorkTable, threads: number): WorkState {
  const workqueues: Record<string, WorkqueueEntry> = newRecord();
  for (const q of table.queues) workqueues[q.name] = { queue: [], running: q.workers.map(() => null) };
  const works: Record<string, WorkEntry[]> = newRecord();
  for (const w of model.works) {
    works[w.name] = Array.from({ length: w.index ? scalarCount(w.index) : 1 }, () => ({ canceller: null, flush: Array.from({ length: threads }, () => 0) }));
  }
  return { workqueues, works };
}

function entry(s: WorkState, item: WorkItem): WorkEntry {
  return s.works[item.sym.name]![item.index]!;
}

export function isPending(s: WorkState, item: WorkItem): boolean {
  return s.workqueues[item.wq.name]!.queue.includes(item.name);
}

/** Every thread in flush state `from` for `item` goes to `to`. */
function moveFlushes(s: WorkState, item: WorkItem, from: number, to: number): void {
  const f = entry(s, item).flush;
  for (let t = 0; t < f.length; t++) if (f[t] === from) f[t] = to;
}

// ------------------------------------------------------------ workers

export type WorkerMove = { kind: "start" | "end"; item: WorkItem; label: string };

/**
 * What a worker thread with no frames can do: end the work it rests at the end of, or
 * (idle) start the first work in its queue that no other worker runs — only the
 * lowest-numbered idle worker of the workqueue starts one (workers are interchangeable).
 */
export function workerMove(table: WorkTable, s: WorkState, t: number): WorkerMove | undefined {
  const w = table.workers.get(t)!;
  const q = s.workqueues[w.wq.name]!;
  const mine = q.running[w.k];
  if (mine) {
    const item = table.byName.get(mine)!;
    return { kind: "end", item, label: `end of ${item.name}` };
  }
  if (q.running.indexOf(null) !== w.k) return undefined;
  const next = q.queue.find((n) => !q.running.includes(n));
  if (next === undefined) return undefined;
  const item = table.byName.get(next)!;
  return { kind: "start", item, label: `start ${item.name}` };
}

/** Worker start: the work leaves the queue and runs on the worker; flushes waiting for its pending instance now wait for this run. */
export function startWork(table: WorkTable, s: WorkState, t: number, item: WorkItem): void {
  const w = table.workers.get(t)!;
  const q = s.workqueues[w.wq.name]!;
  q.queue.splice(q.queue.indexOf(item.name), 1);
  q.running[w.k] = item.name;
  moveFlushes(s, item, 1, 2);
}

/** Worker end: the work no longer runs, flushes of this run are done, the worker is idle. */
export function endWork(table: WorkTable, s: WorkState, t: number): void {
  const w = table.workers.get(t)!;
  const q = s.workqueues[w.wq.name]!;
  const item = table.byName.get(q.running[w.k]!)!;
  q.running[w.k] = null;
  moveFlushes(s, item, 2, 3);
}

// ------------------------------------------------------------ statements

/** A flush or cancel that cannot return yet: whom it waits for (the wait-for graph's edges). */
export interface WorkWait {
  kind: "work";
  op: WorkOp;
  /** The work item, or for flush_workqueue the workqueue. */
  target: string;
  /** The workqueue of the work waited for. */
  wq: string;
  /**
   * The workers it waits for; it is deadlocked only when all of them are (like a lock with
   * several holders). Empty: it waits for nothing it could deadlock on (a worker is idle, or
   * the other canceller can return).
   */
  heldBy: string[];
  /** It waits for itself only: recursive-locking. */
  self: boolean;
  /** What it waits for, in words: `running on kworker/events[0]`. */
  detail: string;
  statement: string;
  at: Location;
}

/** What the step runner gives a workqueue statement. */
export interface WorkRuntime {
  readonly table: WorkTable;
  readonly s: WorkState;
  readonly t: number;
  readonly me: string;
  readonly statement: { label: string; at: Location };
  enabled(check: string): boolean;
  /** "while holding spinlock s" / "inside an RCU read-side critical section", when the thread may not sleep. */
  atomicContext(): string | undefined;
  /** Inside an atomic block (K6030 for the statements that wait). */
  inAtomic(): boolean;
  /** A check that stops the statement (a violation, or with the check off a statement that cannot run). */
  fail(kind: string, message: string): never;
  violation(kind: string, message: string): never;
  block(wait: WorkWait): never;
  /** Take a lock-order node (edges from every lock, section and pseudo-lock held). */
  acquire(lock: string): void;
  /** K6030: thrown as a model error. */
  modelError(code: string, message: string): never;
}

/** A statement's outcome: it stays (a registration step), or returns (with the condition's value). */
export type WorkResult = { stay: true } | { stay: false; value: boolean };

const STAY: WorkResult = { stay: true };
const ret = (value: boolean): WorkResult => ({ stay: false, value });

/** queue_work / flush_work / cancel_work_sync on a work item, flush_workqueue on a workqueue (by name). */
export function workStatement(rt: WorkRuntime, op: WorkOp, target: string): WorkResult {
  if (op === "queue_work") return ret(queueWork(rt.s, rt.table.byName.get(target)!));
  if (rt.inAtomic()) rt.modelError("K6030", `${op} ${target} inside atomic (${rt.statement.label} at ${fmtLoc(rt.statement.at)}): it waits for other threads' steps, and an atomic block is one step`);
  // they sleep: in atomic context sleep-in-atomic before anything else (the operand was evaluated)
  const ctx = rt.enabled("sleep-in-atomic") ? rt.atomicContext() : undefined;
  if (ctx) rt.violation("sleep-in-atomic", `${rt.me} calls ${op}(${target}), which sleeps, ${ctx}`);
  if (op === "flush_workqueue") return flushWorkqueue(rt, rt.table.byQueue.get(target)!);
  const item = rt.table.byName.get(target)!;
  const own = rt.table.workers.has(rt.t) ? rt.table.runningOf(rt.s, rt.t) : undefined;
  if (own === item) {
    rt.fail("recursive-locking", `${rt.me} calls ${op}(${item.name}) from ${item.name} itself: it waits for the work it is running to finish`);
  }
  return op === "flush_work" ? flushWork(rt, item) : cancelWork(rt, item);
}

/** queue_work: false (nothing happens) when the work is pending or being cancelled; else it joins the queue's end. */
export function queueWork(s: WorkState, item: WorkItem): boolean {
  if (isPending(s, item) || entry(s, item).canceller !== null) return false;
  s.workqueues[item.wq.name]!.queue.push(item.name);
  return true;
}

function flushWork(rt: WorkRuntime, item: WorkItem): WorkResult {
  const e = entry(rt.s, item);
  const state = e.flush[rt.t]!;
  if (state === 3) {
    e.flush[rt.t] = 0;
    return ret(true);
  }
  if (state !== 0) rt.block(flushWait(rt, item, "flush_work", state));
  const pending = isPending(rt.s, item);
  const running = rt.table.runningOn(rt.s, item) !== undefined;
  // __flush_work: the work's lockdep map whether or not it waits; start_flush_work: the
  // workqueue's too, on an ordered workqueue, when there is an instance to wait for
  rt.acquire(item.lock);
  if ((pending || running) && item.wq.ordered) rt.acquire(item.wq.lock);
  if (pending) {
    e.flush[rt.t] = 1;
    return STAY;
  }
  if (running) {
    e.flush[rt.t] = 2;
    return STAY;
  }
  return ret(false);
}

function cancelWork(rt: WorkRuntime, item: WorkItem): WorkResult {
  const e = entry(rt.s, item);
  const state = e.flush[rt.t]!;
  if (state === 3) {
    const was = e.canceller!.wasPending;
    e.canceller = null;
    e.flush[rt.t] = 0;
    return ret(was);
  }
  if (state !== 0) rt.block(flushWait(rt, item, "cancel_work_sync", state));
  if (e.canceller !== null) {
    // the kernel's cancel waits for the other cancel (__cancel_work_sync on a work marked canceling)
    const on = rt.table.runningOn(rt.s, item);
    rt.block(wait(rt, "cancel_work_sync", item.name, item.wq.name, on ? [on] : [], `being cancelled by ${e.canceller.thread}${on ? `, running on ${on}` : ""}`));
  }
  rt.acquire(item.lock);
  const q = rt.s.workqueues[item.wq.name]!;
  const wasPending = q.queue.includes(item.name);
  if (wasPending) {
    q.queue.splice(q.queue.indexOf(item.name), 1);
    // the instance their flushes waited for will never run: in the kernel their barrier,
    // queued right behind it, is what remains, and it completes them
    moveFlushes(rt.s, item, 1, 3);
  }
  if (rt.table.runningOn(rt.s, item) !== undefined) {
    e.canceller = { thread: rt.me, wasPending };
    e.flush[rt.t] = 2;
    return STAY;
  }
  return ret(wasPending);
}

function flushWorkqueue(rt: WorkRuntime, wq: WorkqueueInfo): WorkResult {
  if (wq.workers.includes(rt.t)) {
    rt.fail("recursive-locking", `${rt.me} calls flush_workqueue(${wq.name}) from a work of ${wq.name}: it waits for the work it is running to finish`);
  }
  const states = wq.items.map((w) => entry(rt.s, w).flush[rt.t]!);
  if (states.every((x) => x === 0)) {
    rt.acquire(wq.lock); // __flush_workqueue: lock_map_acquire(&wq->lockdep_map)
    let waits = false;
    for (const w of wq.items) {
      const f = entry(rt.s, w).flush;
      if (isPending(rt.s, w)) f[rt.t] = 1;
      else if (rt.table.runningOn(rt.s, w) !== undefined) f[rt.t] = 2;
      else continue;
      waits = true;
    }
    return waits ? STAY : ret(false);
  }
  if (states.some((x) => x === 1 || x === 2)) {
    // it waits for the busy workers (deadlocked when all of them are); but while a worker is
    // idle and a work it waits for is pending and not running, that worker can start it
    const q = rt.s.workqueues[wq.name]!;
    const busy = wq.workerNames.filter((_, k) => q.running[k] !== null);
    let startable = false;
    const what = wq.items.flatMap((w, i) => {
      if (states[i] !== 1 && states[i] !== 2) return [];
      const on = rt.table.runningOn(rt.s, w);
      if (states[i] === 1 && !on) startable = true;
      return [states[i] === 2 ? `${w.name} running on ${on}` : on ? `${w.name} queued again while running on ${on}` : `${w.name} pending`];
    });
    const heldBy = startable && q.running.includes(null) ? [] : busy;
    rt.block(wait(rt, "flush_workqueue", wq.name, wq.name, heldBy, what.join(", ")));
  }
  for (const w of wq.items) entry(rt.s, w).flush[rt.t] = 0;
  return ret(false);
}

function wait(rt: WorkRuntime, op: WorkOp, target: string, wq: string, heldBy: string[], detail: string): WorkWait {
  return { kind: "work", op, target, wq, heldBy, self: heldBy.length === 1 && heldBy[0] === rt.me, detail, statement: rt.statement.label, at: rt.statement.at };
}

/**
 * A flush in state 1 or 2: for the running instance, the worker running it; for the pending
 * instance, the worker still running the previous one (the next run waits for it), or with
 * every worker of the workqueue busy all of them, or with one idle nobody.
 */
function flushWait(rt: WorkRuntime, item: WorkItem, op: WorkOp, state: number): WorkWait {
  const on = rt.table.runningOn(rt.s, item);
  const wq = item.wq.name;
  if (state === 2) return wait(rt, op, item.name, wq, [on!], `running on ${on}`);
  if (on) return wait(rt, op, item.name, wq, [on], `queued again while running on ${on}`);
  const q = rt.s.workqueues[wq]!;
  if (q.running.includes(null)) return wait(rt, op, item.name, wq, [], "pending");
  return wait(rt, op, item.name, wq, [...item.wq.workerNames], `pending; every worker of ${wq} is busy: ${item.wq.workerNames.join(", ")}`);
}

// ------------------------------------------------------------ words

/** As stuck reports say it: `waits in flush_work for shutdown_work[1] (running on kworker/events[0])`. */
export function describeWorkWait(w: WorkWait): string {
  return `waits in ${w.op} for ${w.target} (${w.detail})`;
}

/** One edge of a lock cycle: `release waits for shutdown_work (running on kworker/events[0])`. */
export function workCycleEdge(thread: string, w: WorkWait): string {
  return `${thread} waits for ${w.target} (${w.detail})`;
}

/** A worker that waits only for itself (an ordered workqueue's work flushing one queued behind it): lockdep's recursive locking of the workqueue. */
export function workSelfWait(thread: string, w: WorkWait): string {
  return `${thread} ${describeWorkWait(w)}: it waits for itself (lockdep: possible recursive locking of (wq_completion)${w.wq})`;
}

/** `queue: a, b; kworker/wq[0] runs c`, or `idle` (nothing pending, every worker idle). */
export function formatWorkqueue(e: WorkqueueEntry, info: WorkqueueInfo): string {
  const parts = e.queue.length ? [`queue: ${e.queue.join(", ")}`] : [];
  e.running.forEach((w, k) => { if (w !== null) parts.push(`${info.workerNames[k]} runs ${w}`); });
  return parts.length ? parts.join("; ") : "idle";
}

const FLUSH_WORDS = ["", "waits for its pending instance", "waits for its running instance", "ends"];

/** `cancelled by p (was pending); flush of q waits for its running instance`, or `idle`. */
export function formatWork(e: WorkEntry, names: readonly string[]): string {
  const parts = e.canceller ? [`cancelled by ${e.canceller.thread} (${e.canceller.wasPending ? "was pending" : "was not pending"})`] : [];
  e.flush.forEach((f, t) => { if (f !== 0) parts.push(`flush of ${names[t]} ${FLUSH_WORDS[f]}`); });
  return parts.length ? parts.join("; ") : "idle";
}

function fmtLoc(l: Location): string {
  return `${l.file}:${l.line}:${l.col}`;
}
