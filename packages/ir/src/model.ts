// The IR: what the engine explores. A model is a state layout (every variable,
// lock, refcount, program counter and local gets fixed integer slots of one
// state vector), a list of threads, and per process a control-flow graph of
// locations whose outgoing steps are straight-line guarded effects (ops).
// The IR is plain data: it names source positions by file/line/col, never by
// front-end objects, so the engine depends on this package alone.

/** A source position, serialisable. */
export interface SrcLoc {
  file: string;
  line: number;
  col: number;
}

/** The type of the value held in one or more slots (for decoding and printing). */
export type ValueType =
  | { kind: "bool" }
  /** `sym`: the symmetric type (`type Vcpu = symmetric 0..3`) whose values these are (language.md, "Symmetric types"). */
  | { kind: "int"; lo: number; hi: number; sym?: string }
  | { kind: "enum"; name: string; members: string[] }
  | { kind: "set"; elem: ValueType }
  | { kind: "map"; key: ValueType; value: ValueType }
  | { kind: "record"; fields: { name: string; type: ValueType }[] }
  | { kind: "ops"; name: string; fields: string[] }
  | { kind: "proc" }
  /** A reference into an object pool: 0 is null, i + 1 the pool's object i. `bound`: the pool's size, on a set's element type (bit i: object i). */
  | { kind: "ref"; pool: string; bound?: number };

export type LockKind = "mutex" | "spinlock" | "rwsem";

/**
 * Slots of one SRCU (or RCU) domain entry, for a model of `threads` threads: per thread its
 * read-side nesting depth (0..SRCU_NEST_MAX), then per thread the grace period it waits
 * for: 0 when it waits for none, else a bit mask of the readers still holding it up plus
 * the waiter's own bit (so a grace period nobody holds up any more is just that bit); then
 * per callback of the entry (call_rcu / call_srcu) 0 when it is not registered, else the
 * readers holding it up plus callbackMark(threads) (just the mark: it is ready to run).
 */
export function srcuEntryWidth(threads: number, callbacks = 0): number {
  return 2 * threads + callbacks;
}

/** The bit a registered callback's slot carries besides its readers' (no thread has it; a model with callbacks has at most 30 threads). */
export function callbackMark(threads: number): number {
  return 1 << threads;
}

export { SRCU_NEST_MAX } from "@knot/lang";

/** A completion's count (lang/completion.ts): the engine sees these through the IR. */
export { COMPLETION_ALL, COMPLETION_COUNT_MAX } from "@knot/lang";

/**
 * Slots of one work item's entry (language.md, "workqueues"): its canceller (thread + 1, or
 * 0), whether it was pending when that cancel began, then per thread its flush state
 * (WORK_FLUSH_*).
 */
export function workEntryWidth(threads: number): number {
  return 2 + threads;
}

/** A thread's flush state for a work item: not flushing it, waiting for its pending instance, for its running instance, or the instance it waited for has finished. */
export const WORK_FLUSH_NONE = 0;
export const WORK_FLUSH_PENDING = 1;
export const WORK_FLUSH_RUNNING = 2;
export const WORK_FLUSH_DONE = 3;

/**
 * A workqueue: its state variable's slots at `offset` are first the queue (one slot per work
 * item: the pending works' positions + 1, in queueing order, then 0s), then per worker the
 * position + 1 of the work it runs (0: idle).
 */
export interface Workqueue {
  name: string;
  offset: number;
  /** Its work items by position (declaration order, array entries by index). */
  works: WorkItem[];
  /** Thread ids of its workers, worker 0 first. */
  workers: number[];
  /** Declared max_active: 1 (lockdep's flush_work then also takes the workqueue's pseudo-lock). */
  ordered: boolean;
  at: SrcLoc;
}

export interface WorkItem {
  /** As reports write it: `release_work`, `shutdown_work[1]`. */
  name: string;
  /** First slot of its entry (workEntryWidth slots). */
  entry: number;
  /** What it runs, as a call: `irqfd_shutdown(1)`. */
  call: string;
  at: SrcLoc;
}

/** Slots of one rwsem: the writer (thread + 1, or 0), the reader mask, the waiting-writer mask (a bit per thread). */
export const RWSEM_ENTRY_WIDTH = 3;

/** One named thing in the state vector; `width` consecutive slots from `offset`. */
export interface StateVar {
  name: string;
  kind: "var" | "lock" | "refcount" | "completion" | "srcu" | "workqueue" | "work" | "pc" | "local" | "object";
  offset: number;
  width: number;
  /** var, refcount, completion (its count) and local: the value type. lock: undefined. */
  type?: ValueType;
  /** lock, refcount and completion arrays: the index type; one entry (of `entryWidth` slots) per index value. */
  index?: ValueType;
  /** Slots per entry of a lock or refcount array (rwsem: RWSEM_ENTRY_WIDTH: writer, reader mask, waiting-writer mask; srcu: srcuEntryWidth). */
  entryWidth?: number;
  /** workqueue and work: the index into Model.workqueues. */
  wq?: number;
  /** lock, refcount, completion and srcu: a field of an object pool, one entry per object (entries are named `kvm[1]->lock`). */
  field?: { pool: string; field: string };
  /** srcu: this is the RCU domain (its read side is atomic context). */
  rcu?: boolean;
  /** srcu: the callbacks of each entry, as reports write them (`free_dev(dev[0])`), in slot order after the grace periods. */
  callbacks?: string[];
  lockKind?: LockKind;
  /** pc and local: the owning thread. */
  thread?: number;
  /** local: the procedure frame path it belongs to, e.g. ["kvm_put_kvm", "kvm_destroy_vm"]. Empty for process-level locals. */
  frame?: string[];
  /** local: compiler temporaries (snapshots of `for`); hidden in traces. */
  hidden?: boolean;
  /** local: the Frame.id of the inlined call that owns it (0: the process body). */
  frameId?: number;
  /** object: the pool's shape (`bound` objects of `stride` slots: a state word, then the fields). */
  pool?: Pool;
}

/**
 * An object pool: `bound` objects, each `stride` slots from `offset`: first its state
 * (0 never allocated, 1 live, 2 freed), then its fields. Objects are never reused, so
 * a reference to a freed object stays recognisable (use-after-free is exact).
 */
export interface Pool {
  name: string;
  offset: number;
  stride: number;
  bound: number;
  /** The fields, as a record type. */
  type: ValueType & { kind: "record" };
  /** The fields' default values (slot by slot), which a freed object holds. */
  defaults: number[];
  /** Its lock fields (lang/object-fields.ts): each a lock array with one entry per object, at `offset`. */
  locks: { field: string; offset: number; entryWidth: number; lockKind: LockKind }[];
  /**
   * The first object the leak check covers: 0, or, when no `free` of the model takes the pool,
   * the number of its initial objects (they outlive the model; objects allocated by steps never do).
   */
  leakFrom: number;
  at: SrcLoc;
}

export const OBJECT_UNUSED = 0;
export const OBJECT_LIVE = 1;
export const OBJECT_FREED = 2;

export interface Layout {
  width: number;
  vars: StateVar[];
  /** For each slot, the index into `vars` of the variable that owns it. */
  slotOwner: number[];
}

export interface Thread {
  id: number;
  name: string;
  process: number;
  /** The encoded value of the process instance variable (0 for single-instance processes). */
  instance: number;
  pcSlot: number;
  /** First slot of this thread's locals. */
  localBase: number;
}

// ---------------------------------------------------------------- expressions

export type BinOp =
  | "+" | "-" | "*" | "/" | "%"
  | "==" | "!=" | "<" | "<=" | ">" | ">="
  | "and" | "or"
  | "|" | "&" | "&~";

/** A slot address: `offset + sum(index_i * stride_i)`, relative to the thread's locals for space "local". */
export interface Addr {
  space: "global" | "local";
  offset: number;
  /** Dynamic part: each term's `index` is a 0-based position, already range-checked. */
  terms: { index: Expr; stride: number }[];
}

export type Expr =
  | { k: "const"; v: number }
  | { k: "read"; addr: Addr }
  /** The running thread's instance value. */
  | { k: "instance" }
  /** A quantifier's bound value. */
  | { k: "bound"; id: number }
  | { k: "un"; op: "neg" | "not" | "popcount"; a: Expr }
  | { k: "bin"; op: BinOp; a: Expr; b: Expr }
  | { k: "ite"; c: Expr; a: Expr; b: Expr }
  /** values[index]: a constant table (e.g. a constant map of ops tables); index is a position. */
  | { k: "table"; values: number[]; index: Expr }
  /** Position of a value in a finite type (value - lo); out-of-range fault when outside 0..count-1. */
  | { k: "pos"; a: Expr; lo: number; count: number; what: string }
  /** 1 << position of a value; out-of-range fault when outside. */
  | { k: "bit"; a: Expr; lo: number; count: number; what: string }
  /** Is the value in the set? (false when outside the element type) */
  | { k: "member"; a: Expr; set: Expr; lo: number; count: number }
  /** Does the running thread hold the lock (rwsem: as writer or reader)? */
  | { k: "held"; lock: Addr; lockKind: LockKind }
  /** Does anybody hold the lock? */
  | { k: "locked"; lock: Addr; lockKind: LockKind }
  /**
   * The index of the object a reference points to, after checking it is not null
   * (null-deref) and the object is live (use-after-free); used as an address term.
   */
  | { k: "deref"; ref: Expr; pool: number; what: string; offset: number; stride: number; bound: number; name: string }
  /** forall / exists over the positions set in `set`; bound `id` takes value lo + position. */
  | { k: "quant"; q: "forall" | "exists"; set: Expr; lo: number; count: number; id: number; body: Expr };

// ---------------------------------------------------------------- ops

export type ViolationKind =
  | "recursive-locking" | "lock-cycle" | "stuck"
  | "unlock-not-held" | "exit-holding-lock" | "sleep-in-atomic" | "atomic-blocked"
  | "refcount-underflow" | "refcount-inc-from-zero"
  | "null-callback"
  | "use-after-free" | "double-free" | "leak" | "null-deref"
  /** free of an object one of whose lock fields is held (lockdep's "held lock freed"). */
  | "held-lock-freed"
  | "assertion" | "invariant" | "final" | "out-of-range"
  /** The lockdep-style analysis: a warning, or a violation under --strict. */
  | "lock-order"
  /** An object pool ran out: a model error (raise the bound), not a finding about the protocol. */
  | "pool-exhausted";

export const VIOLATION_KINDS: readonly ViolationKind[] = [
  "recursive-locking", "lock-cycle", "stuck",
  "unlock-not-held", "exit-holding-lock", "sleep-in-atomic", "atomic-blocked",
  "refcount-underflow", "refcount-inc-from-zero",
  "null-callback",
  "use-after-free", "double-free", "leak", "null-deref", "held-lock-freed",
  "assertion", "invariant", "final", "out-of-range",
  "lock-order", "pool-exhausted",
];

/** Checks that can be switched off per run (every kind but the internal atomic-blocked). */
export const SWITCHABLE_CHECKS: readonly ViolationKind[] = VIOLATION_KINDS.filter((k) => k !== "atomic-blocked" && k !== "pool-exhausted");

/**
 * The statement an op was lowered from (absent for compiler-made ops such as
 * scope resets and the thread's exit). A step runs the local work after its
 * action too, so a violation raised by a step is located by the op that raised
 * it, not by the step's action: two failing assertions after the same action
 * are two violations.
 */
export interface OpSource {
  at?: SrcLoc;
  /** The statement's text, and the call frames it runs in (for reports of the op's violations). */
  label?: string;
  frames?: Frame[];
}

/**
 * A local named in an await's condition: its slot relative to the thread's locals, its value
 * when lowering knew it, or the process instance variable (`instance`: the thread's Thread.instance).
 */
export interface ShownLocal {
  name: string;
  type: ValueType;
  local?: number;
  value?: number[];
  instance?: boolean;
}

export type Op = OpSource & (
  /**
   * Disabled unless cond. `wait` is set when the assume is a blocking statement (await, pick
   * from an empty set): the statement, or an await's label (`labelled`). `shows`: the locals an
   * unlabelled await's condition reads, whose values a report prints next to it.
   */
  | { k: "assume"; cond: Expr; wait?: string; labelled?: boolean; shows?: ShownLocal[] }
  /** Simultaneous assignment of scalar slots; `ranges[i]` range-checks values[i] (out-of-range). */
  | { k: "assign"; targets: Addr[]; values: Expr[]; ranges: ({ lo: number; hi: number } | null)[]; what: string }
  /** Take a lock (mode read/write for rwsems). Blocks while unavailable, unless `noBlock` (inside atomic, after its first statement). */
  /**
   * `subclass`: the lockdep subclass of `lock x nested N` (absent for 0). `nest`: the lock of
   * `lock x nest_lock l`, evaluated when the lock is taken; while the thread holds it, taking a
   * lock whose class it already holds records no lock-order edge (lockdep's nest_lock).
   */
  | { k: "lock"; lock: Addr; lockKind: LockKind; mode: "exclusive" | "read" | "write"; name: string; noBlock?: boolean; subclass?: number; nest?: Addr }
  | { k: "unlock"; lock: Addr; lockKind: LockKind; mode: "exclusive" | "read" | "write"; name: string }
  /**
   * One outcome of a trylock: `taken` is enabled iff the lock is free for `mode` and then
   * holds it (no sleep, no lock-order edge: lockdep records none for a trylock); not
   * taken is enabled iff it is not free. Neither ever waits. A read trylock of an rwsem the
   * thread already reads raises recursive-locking, as down_read does.
   */
  | { k: "trylock"; lock: Addr; lockKind: LockKind; mode: "exclusive" | "read" | "write"; name: string; taken: boolean }
  /** refcount_inc: inc-from-zero and range checks. */
  | { k: "refget"; ref: Addr; hi: number; name: string }
  /** refcount_dec: underflow check. */
  | { k: "refput"; ref: Addr; name: string; lo?: number }
  /** A violation unless cond. */
  | { k: "check"; cond: Expr; violation: ViolationKind; message: string }
  | { k: "fail"; violation: ViolationKind; message: string }
  /**
   * down_write that cannot take the rwsem: the writer joins the wait queue (sets its bit in
   * the waiting-writer mask) and stays at the down_write. Enabled iff another thread holds
   * the rwsem, the thread does not hold it itself, and it has not queued yet.
   */
  | { k: "rwsem_queue"; lock: Addr; name: string }
  /**
   * complete (`one`: the count goes up by one, unless it is COMPLETION_ALL; past
   * COMPLETION_COUNT_MAX is out-of-range), complete_all (`all`: the count becomes
   * COMPLETION_ALL) and reinit_completion (`reinit`: the count becomes 0). Never blocks.
   */
  | { k: "complete"; c: Addr; mode: "one" | "all" | "reinit"; name: string }
  /**
   * wait_for_completion: sleep-in-atomic first when the thread holds a spinlock (the kernel's
   * might_sleep()); then enabled iff the count is not 0, taking one unless it is COMPLETION_ALL.
   * Waiting inside an atomic block after its first statement (`noBlock`) is atomic-blocked.
   */
  | { k: "wait_completion"; c: Addr; name: string; noBlock?: boolean }
  /**
   * One outcome of try_wait_for_completion: `taken` is enabled iff the count is not 0 and
   * then takes one unless it is COMPLETION_ALL; not taken iff it is 0. Never waits or sleeps.
   */
  | { k: "try_wait_completion"; c: Addr; name: string; taken: boolean }
  /**
   * SRCU and RCU (`rcu`: the RCU domain). srcu_read_lock: the thread's nesting depth goes up
   * (past SRCU_NEST_MAX: out-of-range); never blocks, adds no lock-order edge.
   * srcu_read_unlock: down (at 0: unlock-not-held); leaving the outermost section takes the
   * thread out of every grace period of the domain that waits for it, and out of its
   * `callbacks` registered callbacks' (the entry's slots after the grace periods).
   */
  | { k: "srcu_read_lock" | "srcu_read_unlock"; d: Addr; name: string; rcu: boolean; callbacks?: number }
  /**
   * The start of a grace period (a step that stays at the synchronize statement): enabled iff
   * the thread waits for none yet, is not a reader of the domain itself, and other threads are
   * inside read-side sections; those become the readers it waits for.
   */
  | { k: "srcu_gp_start"; d: Addr; name: string; rcu: boolean }
  /**
   * synchronize_srcu / synchronize_rcu: sleep-in-atomic first in atomic context; inside the
   * thread's own read-side section of the domain, recursive-locking; then enabled iff no
   * other thread is a reader (no grace period to wait for) or the started grace period is
   * held up by nobody any more (it ends). A lock-order acquisition of the domain.
   */
  | { k: "srcu_sync"; d: Addr; name: string; rcu: boolean }
  /**
   * queue_work (language.md, "workqueues"): the work at position `pos` of workqueue `wq`, entry
   * `entry`, joins the end of the queue unless it is pending or has a canceller. `result`
   * undefined: the statement (always enabled); true/false: one outcome of queue_work(w) as a
   * condition, enabled iff it is what happens.
   */
  | { k: "queue_work"; wq: number; pos: Expr; entry: Addr; name: string; result?: boolean }
  /**
   * A worker of `wq` (the running thread; its instance is its worker number) starts the work at
   * `pos`: enabled iff it is the lowest-numbered idle worker and `pos` is the first work in the
   * queue not running on another worker. Flush states PENDING for it become RUNNING.
   */
  | { k: "work_start"; wq: number; pos: number }
  /** The worker's work at `pos` has returned: it stops running (flush states RUNNING -> DONE); exit-holding-lock check. */
  | { k: "work_end"; wq: number; pos: number }
  /**
   * call_rcu / call_srcu (language.md, "call_rcu and call_srcu"): the callback in slot
   * `d + 2 * threads + cb` of the domain entry `d` waits for the threads inside a read-side
   * section of the entry now (callbackMark besides). Already registered: double-free (check
   * off: nothing). Never blocks or sleeps; no lock-order edge. `call` is the statement's
   * callback as written (`free_dev(d)`).
   */
  | { k: "call_rcu"; d: Addr; cb: Expr; name: string; rcu: boolean; call: string }
  /** A callback thread starts its callback, in slot `slot`: enabled iff it is registered and waits for nobody (just the mark); it is then unregistered. */
  | { k: "rcu_callback_start"; slot: number }
  /** A callback thread's callback has returned: exit-holding-lock check; the thread is idle again. */
  | { k: "rcu_callback_end"; call: string }
  /**
   * flush_work / cancel_work_sync of a work (`pos`, `entry`), flush_workqueue of `wq` (no pos).
   * `register`: the step that stays at the statement, registering the thread's flush states
   * (and, for a cancel of a running work, its canceller); otherwise the step that returns:
   * at once when there is nothing to wait for, or once the instances it waited for have
   * finished. Sleep-in-atomic first; recursive-locking when the thread is the worker running
   * the work (or a worker of the workqueue). `result`: one outcome of cancel_work_sync(w) as
   * a condition (was it pending). A lock-order acquisition of the pseudo-locks in the first step.
   */
  | { k: "work_wait"; call: "flush_work" | "cancel_work_sync" | "flush_workqueue"; wq: number; pos?: Expr; entry?: Addr; name: string; register: boolean; result?: boolean }
  /** might_sleep(): sleep-in-atomic when the thread holds a spinlock. */
  | { k: "might_sleep" }
  /** The thread finishes: exit-holding-lock check. */
  | { k: "exit" }
  /** Allocate the pool's next unused object with the given field values (one per field slot) and store its reference. */
  | { k: "alloc"; pool: number; target: Addr; fields: Expr[]; range: ({ lo: number; hi: number } | null)[] }
  /** Free the object a reference points to (null: nothing; freed: double-free; a lock field held: held-lock-freed, before it is freed). */
  | { k: "free"; pool: number; ref: Expr; what: string }
);

// ---------------------------------------------------------------- control flow

/** A call frame at a location: the procedure entered and where it was called. */
export interface Frame {
  /** Unique per inlined call (an instance of the procedure's frame). */
  id: number;
  proc: string;
  /** The call statement's position and text. */
  site: SrcLoc;
  call: string;
}

export type LocationKind = "action" | "choice" | "loop" | "atomic" | "end";

export interface Location {
  id: number;
  kind: LocationKind;
  /** The statement the thread is about to execute (for an end location, the process). */
  at: SrcLoc;
  label: string;
  /** Inlined calls from the process entry down to this location, outermost first. */
  frames: Frame[];
  /** Indices into Model.steps. */
  steps: number[];
}

export interface Step {
  id: number;
  process: number;
  /** Location id, or -1 for a start-up path. */
  from: number;
  to: number;
  ops: Op[];
  /** The statement that makes this step (its action), for traces. */
  at: SrcLoc;
  label: string;
  /** Call frames at the action. */
  frames: Frame[];
  /** How the step was chosen at a nondeterministic choice ("either: branch 2", "pick d = kvm_vfio"). */
  choice?: string;
  /**
   * The choice statement (`either`, `pick d in Dev`) the step starts from when its action is a
   * later statement (the chosen branch's first action): traces show the choice on a line of
   * its own, then the action.
   */
  choiceAt?: { label: string; at: SrcLoc };
  /** True when the step executes no shared action (a local loop iteration or a branch that reaches its end). */
  silent?: boolean;
}

/** Where a worker or callback thread rests between its work items or callbacks (counts as finished), or undefined. */
export function idleLocation(p: Process): number | undefined {
  return p.worker?.idle ?? p.callback?.idle;
}

export interface Process {
  name: string;
  /** A workqueue's worker threads: the workqueue's index; its idle location counts as finished. */
  worker?: { wq: number; idle: number };
  /**
   * A callback thread (call_rcu / call_srcu; one thread, one callback): its idle location
   * (finished, like a worker's), its slot in its domain entry, the callback as reports write
   * it, and whether the domain is RCU (softirq context) or SRCU (bottom halves disabled).
   */
  callback?: { idle: number; slot: number; call: string; domain: string; rcu: boolean };
  /** Width of each thread's local area. */
  localWidth: number;
  locations: Location[];
  /** Start-up paths (exactly one is enabled), executed when the initial state is built. */
  init: number[];
  end: number;
  /** Instance variable name and type, for instance processes. */
  instance?: { name: string; type: ValueType };
  at: SrcLoc;
}

export interface Property {
  name: string;
  kind: "invariant" | "final";
  cond: Expr;
  at: SrcLoc;
  text: string;
}

export interface Model {
  /** The root model file. */
  file: string;
  /** Constants and their values after overrides, for reports. */
  constants: { name: string; value: string; overridden: boolean }[];
  layout: Layout;
  /** The initial values of every slot except program counters and locals (set by start-up paths). */
  initial: number[];
  threads: Thread[];
  processes: Process[];
  steps: Step[];
  properties: Property[];
  /** Procedure names by index (proc reference value = index + 1). */
  procNames: string[];
  /** Object pools, in declaration order (Expr/Op `pool` fields index this). */
  pools: Pool[];
  /** Workqueues, in declaration order (Op `wq` fields index this). */
  workqueues: Workqueue[];
  /** The model's symmetric types, when it declares any (the engine's symmetry reduction). */
  symmetry?: SymmetryInfo;
}

/**
 * Symmetric types (language.md, "Symmetric types"): each type's values, and what lowering saw
 * that keeps a type's values from being interchangeable (a `for` over the type visits its values
 * in order, one iteration after the other). The engine decides the rest from the layout.
 */
export interface SymmetryInfo {
  types: { name: string; lo: number; count: number; at: SrcLoc }[];
  breakers: { type: string; message: string; at: SrcLoc }[];
}
