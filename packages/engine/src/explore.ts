// The explorer: builds the initial state, then expands states taken from a
// frontier (BFS by default: shortest counterexamples; DFS on request), storing
// every new state once. Per state it checks invariants, wait-for cycles
// (recursive locking and lock cycles, detected as soon as the cycle exists even
// if other threads can still move), stuck states and final properties; per step
// it reports the violations the step itself raises (assertions, lock misuse,
// refcount misuse, null callbacks, out-of-range values).
import { type Model, OBJECT_LIVE, type SrcLoc, type ViolationKind, formatObject, formatSlots, idleLocation } from "@knot/ir";
import { BfsQueueFrontier, BfsStoreFrontier, DfsFrontier, type Frontier } from "./frontier.js";
import { InterpretedGenerator, type SuccessorGenerator, WAIT_COMPLEX } from "./generator.js";
import {
  type CompiledModel, DISABLED, ENABLED, Fault, ModelCompiler, Outcome, type ThreadCtx, VIOLATED, type WaitReason, compileExpr, lockOrderNodeName, waitReason,
} from "./interpret.js";
import { CompletionReach } from "./completions.js";
import { workWaitOwners } from "./interpret-workqueue.js";
import { LockOrderGraph, lockClasses, type LockOrderEdgeRecord } from "./lock-order.js";
import { type PackedLayout, computePackedLayout, constantSlots, pack, readSlot, unpack } from "./packing.js";
import { ExactStateStore, FingerprintStateStore, MAX_EXACT_STATES, SEEN, type StateStore } from "./state-store.js";
import { DiskTraceStore, MemoryTraceStore, type TraceLink, type TraceStore } from "./trace-store.js";
import { SymmetryReducer, type SymmetryReport, decideSymmetry } from "./symmetry.js";

export interface SearchOptions {
  search?: "bfs" | "dfs";
  /**
   * Store at most this many states: the search stops when it finds a state that
   * would be one more (exit 3 if nothing was violated). A state space of exactly
   * this size is still explored completely.
   */
  maxStates?: number;
  /** Stop after this many seconds. */
  timeLimit?: number;
  /** Keep searching after a violation; report each distinct one once. */
  all?: boolean;
  /**
   * The lock-order analysis's nodes (language.md, "Lock classes"): lock classes as lockdep has
   * them (the default), or lock instances.
   */
  lockOrder?: "class" | "instance";
  /** Checks switched off. */
  disabled?: ReadonlySet<ViolationKind>;
  /** Called about every `progressEvery` ms with the figures so far. */
  onProgress?: (p: Progress) => void;
  progressEvery?: number;
  /** Called for every transition (used to export the state graph; exact store only). */
  onEdge?: (from: number, to: number, thread: number, step: number) => void;
  /** "exact" (default) keeps every state; "fingerprint" keeps 64-bit fingerprints only (TLC-style). */
  store?: "exact" | "fingerprint";
  /** Stop cleanly (exit 3) before the search's own memory passes this many bytes. */
  maxMemory?: number;
  /**
   * How successors are computed: the IR interpreter, or compiled code. A factory is
   * given the packed layout and the lock-order recorder and returns a generator;
   * `switchAfterMs` lets the search start interpreted and switch when it runs long.
   * A factory that returns undefined could not compile the model: the search goes on interpreted.
   */
  compiled?: {
    create: (layout: PackedLayout, lockOrder: LockOrderGraph | undefined) => SuccessorGenerator | undefined;
    /** Start interpreted and consider compiling after this many ms. */
    switchAfterMs?: number;
    /** Asked (after switchAfterMs) whether compiling now is worth it, given how long the search has run. */
    ready?: (elapsedMs: number, layout: PackedLayout) => boolean;
  };
  /** Stops the search (as incomplete, stoppedBy "interrupted") once aborted; looked at every 256 states. */
  signal?: { readonly aborted: boolean };
  /**
   * DFS only: expand each state's threads in an order drawn from a random generator with this
   * seed (Spin's -DP_RAND), so that searches with different seeds go deep in different parts of
   * the state space first (swarm verification). The same seed gives the same search.
   */
  shuffle?: number;
  /** Store one state per orbit of the model's symmetric types (default true; language.md, "Symmetric types"). */
  symmetry?: boolean;
}

export interface Progress {
  states: number;
  transitions: number;
  pending: number;
  depth: number;
  seconds: number;
  bytes: number;
}

export interface TraceStep {
  thread: number;
  step: number;
  /** The state after the step; for a violating step, the state when the violation was raised. */
  state: Int32Array;
  /** True for the last step of a trace whose step itself raised the violation. */
  failed?: boolean;
}

export interface EngineTrace {
  initial: Int32Array;
  steps: TraceStep[];
}

export interface BlockedThread {
  thread: number;
  location: number;
  waits: WaitReason[];
}

export interface Violation {
  kind: ViolationKind;
  message: string;
  /** Index of the state where it was found (for a step's violation: the state before the step). */
  state: number;
  thread?: number;
  step?: number;
  /** Deadlocks and stuck states: the blocked threads and what each waits for. */
  blocked?: BlockedThread[];
  /** Deadlocks: the wait-for cycle, as thread ids in order. */
  cycle?: number[];
  property?: string;
  /**
   * The statement that raised a step's violation. It may be local work after the
   * step's action (a step runs eagerly up to the next location), so it can differ
   * from the step's own position. Properties: the property.
   */
  at?: SrcLoc;
  /** For a step's violation: the index of the op that raised it in the step's ops. */
  op?: number;
  trace: EngineTrace;
  /** Identity for --all: kind and the raising statement (or property, or the blocked threads and locations). */
  key: string;
}

export interface SearchStats {
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  /** True when the whole state space was explored. */
  complete: boolean;
  stoppedBy?: "max-states" | "time-limit" | "max-memory" | "violation" | "interrupted";
  bytes: number;
  /** Packed state width in bytes. */
  stateBytes: number;
  /** "exact" or "fingerprint", and for fingerprints the estimated probability of a collision. */
  store: "exact" | "fingerprint";
  collisionProbability?: number;
  /** Which successor generator finished the search. */
  engine: "interp" | "compiled";
  /** The model declares symmetric types: which the search used, and why not the others. */
  symmetry?: SymmetryReport;
}

/** One edge of a lock-order cycle: a thread took `to` while holding `from`. */
export interface LockOrderEdge {
  from: string;
  to: string;
  /** The lockdep subclass `to` was taken with (`lock to nested N`), when not 0. */
  subclass?: number;
  thread: number;
  step: number;
  /** The path to the acquiring step, ending with it. */
  trace: EngineTrace;
}

/** A cycle in the lock-order graph (lockdep's "possible circular locking dependency"). */
export interface LockOrderWarning {
  kind: "lock-order";
  /** The locks of the cycle, in order (the first is not repeated at the end): lock classes (`kvm->lock`, `fork`, `fork/1` for a subclass) or, with `lockOrder: "instance"`, instances. */
  locks: string[];
  /** Two locks of one class nested (lockdep's "possible recursive locking"): `locks` is that class, `edges` the one nesting. */
  recursive?: boolean;
  message: string;
  edges: LockOrderEdge[];
  key: string;
}

export interface SearchResult {
  violations: Violation[];
  /** Lock-order cycles found over every explored transition. */
  warnings: LockOrderWarning[];
  stats: SearchStats;
}

export function explore(model: Model, options: SearchOptions = {}): SearchResult {
  return new Explorer(model, options).run();
}

/** The search of `explore`, yielding to the event loop now and then so that `options.signal` can stop it. */
export function exploreAsync(model: Model, options: SearchOptions = {}): Promise<SearchResult> {
  return new Explorer(model, options).runAsync();
}

/** A search in progress: what `advance` carries from one slice to the next. */
interface SearchRun {
  readonly start: number;
  readonly frontier: Frontier;
  readonly maxStates: number;
  done: boolean;
  stoppedBy: SearchStats["stoppedBy"];
  expanded: number;
  transitions: number;
  switchAt: number;
  nextProgress: number;
  /** The thread orders of a shuffled DFS (SearchOptions.shuffle). */
  readonly random: SearchRandom;
}

/** A small seeded generator (xorshift32 after a splitmix-style scramble of the seed): the same seed, the same orders. */
export class SearchRandom {
  private s: number;
  constructor(seed: number) {
    let z = (seed + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    this.s = z === 0 ? 0x6d2b79f5 : z;
  }
  /** A whole number in [0, n). */
  below(n: number): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return (x >>> 0) % n;
  }
}

export class Explorer {
  store: StateStore;
  readonly traces: TraceStore;
  layout: PackedLayout;
  private readonly compiled: CompiledModel;
  private readonly disabled: ReadonlySet<ViolationKind>;
  private readonly violations: Violation[] = [];
  private readonly seen = new Set<string>();
  private completionReach?: CompletionReach;
  private readonly ctxs: ThreadCtx[];
  private readonly stepTo: Int32Array;
  private readonly threadSteps: Int32Array[][];
  private readonly endLoc: number[];
  private readonly idleLoc: number[];
  private readonly invariants: CompiledProperty[];
  private readonly finals: CompiledProperty[];
  private transitions = 0;
  private maxDepth = 0;
  private stop = false;
  private readonly lockOrder: LockOrderGraph | undefined;
  private gen: SuccessorGenerator;
  private initial: Int32Array | undefined;
  /** The symmetry reduction, when the model has symmetric types it can use. */
  private readonly sym: SymmetryReducer | undefined;
  private readonly symReport: SymmetryReport | undefined;
  /** The current state, unpacked on demand for the slow paths. */
  private readonly curU: Int32Array;
  private curUValid = false;

  constructor(readonly model: Model, private readonly options: SearchOptions) {
    this.disabled = options.disabled ?? new Set();
    // the layout needs the initial state (slots that keep their start-up value take no bits); see below
    this.layout = undefined as unknown as PackedLayout;
    this.store = undefined as unknown as StateStore;
    this.traces = options.store === "fingerprint" ? new DiskTraceStore(Math.max(1, model.threads.length)) : new MemoryTraceStore();
    const graph = this.disabled.has("lock-order") ? undefined : new LockOrderGraph();
    this.lockOrder = graph;
    this.compiled = new ModelCompiler(model, {
      disabled: this.disabled,
      onAcquire: graph ? (held, slot, _c, subclass, nest) => graph.acquire(held, slot, held.length, subclass, nest) : undefined,
    }).compile();
    if (graph) {
      const classes = lockClasses(this.compiled);
      graph.classOf = (slot) => classes.of(slot);
    }
    this.ctxs = model.threads.map((t) => ({ tid: t.id, owner: t.id + 1, bit: 1 << t.id, base: t.localBase, instance: t.instance, bound: [] }));
    this.stepTo = Int32Array.from(model.steps.map((s) => s.to));
    this.threadSteps = model.threads.map((t) => model.processes[t.process]!.locations.map((l) => Int32Array.from(l.steps)));
    this.endLoc = model.threads.map((t) => model.processes[t.process]!.end);
    // a worker resting idle counts as finished (language.md, "workqueues")
    this.idleLoc = model.threads.map((t) => idleLocation(model.processes[t.process]!) ?? -1);
    const props = (kind: "invariant" | "final") =>
      model.properties.filter((p) => p.kind === kind).map((p) => ({ name: p.name, kind, at: p.at, fn: compileExpr(p.cond, { allowFreed: this.disabled.has("use-after-free") }) }));
    this.invariants = this.disabled.has("invariant") ? [] : props("invariant");
    this.finals = this.disabled.has("final") ? [] : props("final");
    this.initial = this.initialState();
    this.layout = computePackedLayout(model, this.initial ? constantSlots(model, this.initial) : new Map());
    this.store = options.store === "fingerprint" ? new FingerprintStateStore(this.layout.words) : new ExactStateStore(this.layout.words);
    if (model.symmetry) {
      const decided = decideSymmetry(model);
      let used = decided.used;
      const report = decided.report;
      if (options.symmetry === false) {
        for (const k of used) report.unused.push({ type: model.symmetry.types[k]!.name, reason: "switched off (--symmetry off)" });
        used = [];
        report.used = [];
      }
      // the initial state must be its own image under every permutation (the orbits start there)
      let reducer: SymmetryReducer | undefined;
      while (used.length && this.initial) {
        reducer = new SymmetryReducer(model, this.layout, used);
        const bad = reducer.asymmetricSlot(this.initial);
        if (!bad) break;
        const v = model.layout.vars[model.layout.slotOwner[bad.slot]!]!;
        const name = model.symmetry.types[used[bad.type]!]!.name;
        report.unused.push({ type: name, reason: `the initial state is not symmetric in ${name}: permuting its values changes ${v.name}` });
        report.used = report.used.filter((u) => u.type !== name);
        used = used.filter((_, i) => i !== bad.type);
        reducer = undefined;
      }
      this.sym = used.length ? reducer : undefined;
      this.symReport = report;
    }
    this.curU = new Int32Array(this.layout.slots);
    const interp = new InterpretedGenerator(model, this.layout, this.compiled, this.ctxs, graph);
    this.gen = (options.compiled && options.compiled.switchAfterMs === undefined ? options.compiled.create(this.layout, graph) : undefined) ?? interp;
  }

  private on(kind: ViolationKind): boolean {
    return !this.disabled.has(kind);
  }

  /** The unpacked form of the state being expanded (computed once per state, when a slow path needs it). */
  private unpacked(cur: Int32Array): Int32Array {
    if (!this.curUValid) {
      unpack(this.layout, cur, this.curU);
      this.curUValid = true;
    }
    return this.curU;
  }

  /** The unpacked state `index` (exact stores only). */
  readState(index: number): Int32Array {
    const w = new Int32Array(this.layout.words);
    this.store.read(index, w);
    const s = new Int32Array(this.layout.slots);
    unpack(this.layout, w, s);
    return s;
  }

  private memory(frontier: Frontier): number {
    return this.store.bytes() + this.traces.bytes() + frontier.bytes();
  }

  /** Runs the whole search without yielding (no interruption: nothing else runs meanwhile). */
  run(): SearchResult {
    const run = this.begin();
    this.advance(run, Infinity);
    return this.finish(run);
  }

  /**
   * Runs the search in slices of about `sliceMs`, yielding to the event loop between
   * them so that signal handlers run; when `options.signal` is aborted the search
   * stops after the current state, as incomplete, with stoppedBy "interrupted".
   */
  async runAsync(sliceMs = 50): Promise<SearchResult> {
    const run = this.begin();
    while (!this.advance(run, performance.now() + sliceMs)) await new Promise<void>((resolve) => setImmediate(resolve));
    return this.finish(run);
  }

  /** Sets up a search: the frontier holds the initial state. */
  private begin(): SearchRun {
    const start = performance.now();
    const layout = this.layout;
    const words = layout.words;
    const frontier: Frontier =
      this.options.search === "dfs" ? new DfsFrontier(this.store) : this.store.exact ? new BfsStoreFrontier(this.store) : new BfsQueueFrontier(words);
    // the exact store's capacity is a state limit too (a search stopped by it is incomplete, not broken)
    const maxStates = Math.min(this.options.maxStates ?? Infinity, this.store.exact ? MAX_EXACT_STATES : Infinity);
    const run: SearchRun = {
      start, frontier, maxStates, done: false, stoppedBy: undefined, expanded: 0, transitions: 0,
      switchAt: this.options.compiled?.switchAfterMs !== undefined ? start + this.options.compiled.switchAfterMs : Infinity,
      nextProgress: start + (this.options.progressEvery ?? 1000),
      random: new SearchRandom(this.options.shuffle ?? 0),
    };
    const init = this.initial;
    if (init) {
      if (maxStates < 1) {
        run.stoppedBy = "max-states";
        run.done = true;
      } else {
        const p = new Int32Array(words);
        pack(layout, init, p);
        this.sym?.canonicalise(p, 0);
        const idx = this.store.add(p);
        this.traces.record(idx, -1, -1, -1);
        frontier.push(idx, 0, p, 0);
      }
    }
    return run;
  }

  /**
   * Expands states until the search ends (returns true) or the clock passes `until`
   * (returns false; call again to go on). Limits, the interruption signal, progress
   * and the engine switch are looked at every 256 states.
   */
  private advance(run: SearchRun, until: number): boolean {
    if (run.done) return true;
    const model = this.model;
    const layout = this.layout;
    const words = layout.words;
    const frontier = run.frontier;
    const maxStates = run.maxStates;
    const maxMemory = this.options.maxMemory ?? Infinity;
    const deadline = this.options.timeLimit !== undefined ? run.start + this.options.timeLimit * 1000 : Infinity;
    const progressEvery = this.options.progressEvery ?? 1000;
    const onEdge = this.options.onEdge;
    const signal = this.options.signal;
    let stoppedBy: SearchStats["stoppedBy"];
    if (signal?.aborted) {
      run.stoppedBy = "interrupted";
      run.done = true;
      return true;
    }

    const nThreads = model.threads.length;
    const cur = new Int32Array(words);
    let maxSucc = 1; // a loop, not Math.max(...): a large model has more locations than a call has room for arguments
    for (const p of model.processes) for (const l of p.locations) maxSucc = Math.max(maxSucc, l.steps.length);
    const out = new Int32Array(maxSucc * words);
    const outStep = new Int32Array(maxSucc);
    const info = new Int32Array(3);
    const blocked = new Int32Array(nThreads);
    const waitSlot = new Int32Array(nThreads);
    const pcWord = Int32Array.from(model.threads.map((t) => layout.word[t.pcSlot]!));
    const pcShift = Int32Array.from(model.threads.map((t) => layout.shift[t.pcSlot]!));
    const pcMask = Int32Array.from(model.threads.map((t) => layout.mask[t.pcSlot]!));
    const endLoc = Int32Array.from(this.endLoc);
    const idleLoc = Int32Array.from(this.idleLoc);
    // swarm: each state's threads in a random order (identity otherwise)
    const order = Int32Array.from({ length: nThreads }, (_, t) => t);
    const shuffle = this.options.search === "dfs" && this.options.shuffle !== undefined ? run.random : undefined;
    let expanded = run.expanded;
    let limitHit = false;
    let transitions = run.transitions;
    let paused = false;
    const store = this.store;
    const traces = this.traces;
    const sym = this.sym;

    while (!this.stop) {
      const idx = frontier.pop(cur);
      if (idx < 0) break;
      this.curUValid = false;
      const depth = frontier.depth;
      if (depth > this.maxDepth) this.maxDepth = depth;
      if (this.invariants.length) {
        this.checkInvariants(idx, this.unpacked(cur));
        if (this.stop) break;
      }
      const gen = this.gen;
      gen.prepare(cur);
      let enabledTotal = 0;
      let blockedCount = 0;
      let unfinished = 0;
      let complex = false;
      if (shuffle) {
        for (let i = nThreads - 1; i > 0; i--) {
          const j = shuffle.below(i + 1);
          const x = order[i]!;
          order[i] = order[j]!;
          order[j] = x;
        }
      }
      for (let ti = 0; ti < nThreads; ti++) {
        const t = order[ti]!;
        const m = pcMask[t]!;
        const loc = m === 0 ? 0 : (cur[pcWord[t]!]! >>> pcShift[t]!) & m;
        if (loc === endLoc[t]) continue;
        unfinished++;
        let enabled = 0;
        for (let first = 0; ; ) {
          const n = gen.expand(cur, t, idx, out, outStep, info, first);
          for (let k = 0; k < n; k++) {
            const off = k * words;
            const sid = outStep[k]!;
            if (sym) sym.canonicalise(out, off);
            let added: number;
            if (store.size >= maxStates) {
              // full: known states still count, a new one ends the search unstored
              const found = store.find(out, off);
              if (found < 0) {
                limitHit = true;
                break;
              }
              added = store.exact ? -found - 1 : SEEN;
            } else added = store.add(out, off);
            transitions++;
            if (added >= 0) {
              traces.record(added, idx, t, sid);
              frontier.push(added, depth + 1, out, off);
            }
            if (onEdge) onEdge(idx, added >= 0 ? added : -added - 1, t, sid);
          }
          enabled += n;
          if (limitHit || info[0] < 0) break;
          // a step raised a violation: report it, then (with --all) go on with the thread's other steps
          enabled++;
          this.stepViolation(idx, t, info[0], cur);
          if (this.stop) break;
          first = info[2]! + 1;
        }
        if (limitHit || this.stop) break;
        enabledTotal += enabled;
        if (enabled === 0 && loc === idleLoc[t]) {
          unfinished--;
          continue;
        }
        if (enabled === 0) {
          blocked[blockedCount++] = t;
          waitSlot[t] = info[1]!;
          if (info[1] === WAIT_COMPLEX) complex = true;
        }
      }
      if (this.stop) break;
      if (limitHit) {
        stoppedBy = "max-states";
        break;
      }
      if (blockedCount > 0 || enabledTotal === 0) {
        if (enabledTotal === 0 || complex || this.lockCyclePossible(cur, blocked, blockedCount, waitSlot)) {
          this.checkBlocked(idx, this.unpacked(cur), enabledTotal, unfinished);
          if (this.stop) break;
        }
      }
      if ((++expanded & 255) === 0) {
        const now = performance.now();
        if (now > deadline) {
          stoppedBy = "time-limit";
          break;
        }
        if (this.memory(frontier) > maxMemory) {
          stoppedBy = "max-memory";
          break;
        }
        if (signal?.aborted) {
          stoppedBy = "interrupted";
          break;
        }
        const c = this.options.compiled;
        if (now >= run.switchAt && this.gen.kind === "interp" && c && (!c.ready || c.ready(now - run.start, layout))) {
          const compiled = c.create(layout, this.lockOrder);
          if (compiled) this.gen = compiled;
          else run.switchAt = Infinity;
        }
        if (this.options.onProgress && now >= run.nextProgress) {
          run.nextProgress = now + progressEvery;
          this.options.onProgress({
            states: this.store.size, transitions, pending: frontier.pending, depth: this.maxDepth,
            seconds: (now - run.start) / 1000, bytes: this.memory(frontier),
          });
        }
        if (now >= until) {
          paused = true;
          break;
        }
      }
    }
    run.expanded = expanded;
    run.transitions = transitions;
    if (paused) return false;
    run.stoppedBy = stoppedBy;
    run.done = true;
    return true;
  }

  /** The result of a search that has ended; closes the trace store. */
  private finish(run: SearchRun): SearchResult {
    this.transitions = run.transitions;
    let stoppedBy = run.stoppedBy;
    const complete = !this.stop && stoppedBy === undefined;
    if (this.stop) stoppedBy = "violation";
    const warnings = this.lockOrderWarnings();
    const bytes = this.memory(run.frontier);
    this.traces.close();
    return {
      violations: this.violations,
      warnings,
      stats: {
        states: this.store.size, transitions: this.transitions, depth: this.maxDepth,
        seconds: (performance.now() - run.start) / 1000, complete, stoppedBy,
        bytes,
        stateBytes: this.layout.words * 4,
        store: this.store.exact ? "exact" : "fingerprint",
        collisionProbability: this.store instanceof FingerprintStateStore ? this.store.collisionProbability() : undefined,
        engine: this.gen.kind,
        ...(this.symReport ? { symmetry: this.symReport } : {}),
      },
    };
  }

  /**
   * Could the blocked threads of this state form a wait-for cycle? Each blocked
   * thread waiting on one mutex or spinlock points at the lock's holder; a cycle
   * among those pointers (a thread on itself included) means a deadlock to report.
   */
  private lockCyclePossible(cur: Int32Array, blocked: Int32Array, n: number, waitSlot: Int32Array): boolean {
    const layout = this.layout;
    for (let i = 0; i < n; i++) {
      let t = blocked[i]!;
      for (let hops = 0; hops <= n; hops++) {
        const slot = waitSlot[t]!;
        if (slot < 0) break;
        const owner = readSlot(layout, cur, slot) - 1;
        if (owner < 0) break;
        if (owner === blocked[i]) return true;
        let isBlocked = false;
        for (let j = 0; j < n; j++) if (blocked[j] === owner) isBlocked = true;
        if (!isBlocked) break;
        t = owner;
      }
    }
    return false;
  }

  /** The initial state as a slot vector (each thread after its start-up path), or undefined when start-up raised a violation. */
  initialSlots(): Int32Array | undefined {
    return this.initial?.slice();
  }

  /** Globals from the model, then each thread's start-up path (local work up to its first location). */
  private initialState(): Int32Array | undefined {
    const model = this.model;
    const s = new Int32Array(model.layout.width);
    s.set(model.initial);
    const o = new Outcome();
    for (const t of model.threads) {
      const c = this.ctxs[t.id]!;
      const proc = model.processes[t.process]!;
      let done = false;
      for (const sid of proc.init) {
        const tmp = s.slice();
        o.reset();
        const r = this.compiled.steps[sid]!(tmp, c, o);
        if (r === ENABLED) {
          s.set(tmp);
          s[t.pcSlot] = this.stepTo[sid]!;
          done = true;
          break;
        }
        if (r === VIOLATED) {
          this.report({
            kind: o.violation!, message: o.message, state: -1, thread: t.id, step: sid, op: o.failedOp, at: this.model.steps[sid]!.ops[o.failedOp]?.at,
            trace: { initial: s.slice(), steps: [{ thread: t.id, step: sid, state: tmp, failed: true }] },
            key: `${o.violation}@init:${t.id}`,
          });
          return undefined;
        }
      }
      if (!done) {
        // Only a faulting statement whose check is switched off disables every
        // start-up path (their local branch conditions are exhaustive): the
        // thread cannot even reach its first location, so there is no initial state.
        if (this.on("stuck")) {
          this.report({
            kind: "stuck", message: `${t.name} cannot start: its local work before the first shared statement faults, and that check is switched off`,
            state: -1, thread: t.id, trace: { initial: s.slice(), steps: [] }, key: `stuck@init:${t.id}`,
          });
        }
        return undefined;
      }
    }
    return s;
  }

  /** Cycles of the lock-order graph (and, by class, same-class nesting), each edge with the shortest trace that created it. */
  private lockOrderWarnings(): LockOrderWarning[] {
    const graph = this.lockOrder;
    if (!graph) return [];
    const name = (slot: number) => lockOrderNodeName(this.compiled, slot);
    const edgeOf = (rec: LockOrderEdgeRecord): LockOrderEdge => {
      let trace = this.trace(rec.state);
      const after = trace.steps.length ? trace.steps[trace.steps.length - 1]!.state.slice() : trace.initial.slice();
      this.compiled.steps[rec.step]!(after, this.ctxs[rec.thread]!, new Outcome());
      after[this.model.threads[rec.thread]!.pcSlot] = this.stepTo[rec.step]!;
      trace.steps.push({ thread: rec.thread, step: rec.step, state: after });
      if (rec.via) trace = this.permutedTrace(trace, rec.via, this.sym!);
      const last = trace.steps[trace.steps.length - 1]!;
      return { from: name(rec.from), to: name(rec.to), ...(rec.sub ? { subclass: rec.sub } : {}), thread: last.thread, step: last.step, trace };
    };
    const circular = (locks: string[], edges: LockOrderEdge[]): LockOrderWarning => ({
      kind: "lock-order" as const,
      locks,
      message: `possible circular locking dependency: ${[...locks, locks[0]].join(" -> ")}`,
      edges,
      key: `lock-order@${locks.join(",")}`,
    });
    if (this.options.lockOrder === "instance") {
      // one state per orbit recorded the edges of those states only: add their images
      const sym = this.sym;
      if (sym) {
        graph.closeUnder(sym.generators().map(([k, perm]) => (r: LockOrderEdgeRecord) => {
          const from = sym.nodeImage(k, perm, r.from);
          const to = sym.nodeImage(k, perm, r.to);
          if (from === r.from && to === r.to) return undefined;
          const via = (r.via ?? sym.identity()).map((p, j) => (j === k ? Int32Array.from(p, (x) => perm[x]!) : p.slice()));
          return { from, to, sub: r.sub, state: r.state, thread: r.thread, step: r.step, via };
        }));
      }
      return graph.cycles().map((cycle) => circular(cycle.map(name), cycle.map((from, i) => edgeOf(graph.edge(from, cycle[(i + 1) % cycle.length]!)!))));
    }
    const classes = lockClasses(this.compiled);
    const view = graph.classView((slot) => classes.of(slot));
    const nodeName = (node: number) => classes.name(node >> 3) + (node & 7 ? `/${node & 7}` : "");
    const recursive = view.recursive.map((node): LockOrderWarning => {
      const e = edgeOf(view.edge(node, node));
      return {
        kind: "lock-order",
        locks: [nodeName(node)],
        recursive: true,
        message: `possible recursive locking: ${e.to} taken while holding ${e.from}, both of lock class ${nodeName(node)}; may be due to missing lock nesting notation (lock ${e.to} nested 1)`,
        edges: [e],
        key: `lock-order@recursive:${nodeName(node)}`,
      };
    });
    const cycles = view.cycles.map((cycle) => circular(cycle.map(nodeName), cycle.map((from, i) => edgeOf(view.edge(from, cycle[(i + 1) % cycle.length]!)))));
    // in lock order of their first node, recursive before circular at the same class
    return [...recursive.map((w, i) => ({ w, at: view.recursive[i]! })), ...cycles.map((w, i) => ({ w, at: view.cycles[i]![0]! + 0.5 }))]
      .sort((a, b) => a.at - b.at)
      .map((x) => x.w);
  }

  private report(v: Violation): void {
    if (this.seen.has(v.key)) return;
    this.seen.add(v.key);
    this.violations.push(v);
    if (!this.options.all) this.stop = true;
  }

  /** The path from the initial state to state `index`, with every state on it (rebuilt by replaying the steps). */
  trace(index: number): EngineTrace {
    if (this.sym) return this.symmetricTrace(index, this.sym);
    const chain = this.traces.chain(index);
    let s = this.initial!.slice();
    const o = new Outcome();
    const steps: TraceStep[] = [];
    for (let i = 1; i < chain.length; i++) {
      const link = this.traces.link ? this.traces.link(chain[i]!) : this.findStep(s, chain[i]!);
      const next = s.slice();
      o.reset();
      if (this.compiled.steps[link.step]!(next, this.ctxs[link.thread]!, o) !== ENABLED) {
        throw new Error(`internal: step ${link.step} of thread ${link.thread} does not replay on its trace`);
      }
      next[this.model.threads[link.thread]!.pcSlot] = this.stepTo[link.step]!;
      steps.push({ thread: link.thread, step: link.step, state: next });
      s = next;
    }
    return { initial: this.initial!.slice(), steps };
  }

  /**
   * Under symmetry the stored path runs through canonical states: replay it, noting how each
   * canonicalisation permuted the values, then run the model from its real initial state with
   * each step's thread mapped back through the permutations still to come, so that the trace
   * is a real run ending in the stored state itself (up to cleared dead locals). The mapped
   * step is the one of the mapped thread that reaches the mapped state: a step may carry a
   * value of the type (a pick's alternative), and then it is another step of the same statement.
   */
  private symmetricTrace(index: number, sym: SymmetryReducer): EngineTrace {
    const chain = this.traces.chain(index);
    const o = new Outcome();
    const attempt = (s: Int32Array, thread: number, step: number): Int32Array | undefined => {
      const next = s.slice();
      o.reset();
      if (this.compiled.steps[step]!(next, this.ctxs[thread]!, o) !== ENABLED) return undefined;
      next[this.model.threads[thread]!.pcSlot] = this.stepTo[step]!;
      return next;
    };
    let c: Int32Array = this.initial!.slice();
    sym.canonicaliseSlots(c);
    const links: TraceLink[] = [];
    const perms: Int32Array[][] = [];
    const canon: Int32Array[] = [];
    for (let i = 1; i < chain.length; i++) {
      const link = this.traces.link ? this.traces.link(chain[i]!) : this.findStep(c, chain[i]!);
      const next = attempt(c, link.thread, link.step);
      if (!next) throw new Error(`internal: step ${link.step} of thread ${link.thread} does not replay on its stored trace (symmetry)`);
      sym.canonicaliseSlots(next);
      c = next;
      links.push(link);
      perms.push(sym.perms.map((p) => p.slice()));
      canon.push(c);
    }
    // sigma_i maps the stored state i to the real one: sigma_n is the identity, sigma_{i-1} = sigma_i after pi_i
    const n = links.length;
    const sigmas = new Array<Int32Array[]>(n + 1);
    sigmas[n] = sym.perms.map((p) => Int32Array.from(p, (_, j) => j));
    for (let i = n; i >= 1; i--) sigmas[i - 1] = sigmas[i]!.map((sg, k) => Int32Array.from(perms[i - 1]![k]!, (x) => sg[x]!));
    let s: Int32Array = this.initial!.slice();
    const steps: TraceStep[] = [];
    for (let i = 0; i < n; i++) {
      const link = links[i]!;
      const thread = sym.threadMap(sigmas[i]!)[link.thread]!;
      const st = this.stepReaching(s, thread, link.step, sym.imageAll(sigmas[i + 1]!, canon[i]!), sym);
      if (!st) throw new Error(`internal: no step of thread ${thread} rebuilds step ${i + 1} of a trace under symmetry`);
      steps.push(st);
      s = st.state;
    }
    return { initial: this.initial!.slice(), steps };
  }

  /**
   * The step of `thread` from real state `s` that reaches `want` (up to cleared dead locals):
   * `preferred` first, else another step at its location (a step may carry a value of a
   * symmetric type, a pick's alternative, and the permuted run takes another alternative).
   */
  private stepReaching(s: Int32Array, thread: number, preferred: number, want: Int32Array, sym: SymmetryReducer): TraceStep | undefined {
    const o = new Outcome();
    const pc = this.model.threads[thread]!.pcSlot;
    for (const sid of [preferred, ...(this.threadSteps[thread]![s[pc]!] ?? [])]) {
      const next = s.slice();
      o.reset();
      if (this.compiled.steps[sid]!(next, this.ctxs[thread]!, o) !== ENABLED) continue;
      next[pc] = this.stepTo[sid]!;
      const cleared = next.slice();
      sym.clearDead(cleared);
      if (cleared.every((x, j) => x === want[j])) return { thread, step: sid, state: next };
    }
    return undefined;
  }

  /**
   * A real run's image under a permutation of the symmetric types' values (perms[k]): each step
   * taken by the image of its thread, as the step of that thread that reaches the image of the
   * state (a step may carry a value of the type). The model's initial state is its own image.
   */
  private permutedTrace(trace: EngineTrace, perms: Int32Array[], sym: SymmetryReducer): EngineTrace {
    const threads = sym.threadMap(perms);
    let s: Int32Array = trace.initial.slice();
    const steps: TraceStep[] = [];
    for (const st of trace.steps) {
      const found = this.stepReaching(s, threads[st.thread]!, st.step, sym.imageAll(perms, st.state), sym);
      if (!found) throw new Error("internal: a lock-order witness has no image under the model's symmetry");
      steps.push(found);
      s = found.state;
    }
    return { initial: trace.initial.slice(), steps };
  }

  /** The first step (in expansion order) that leads from unpacked state `from` to stored state `child`. */
  private findStep(from: Int32Array, child: number): TraceLink {
    const want = new Int32Array(this.layout.words);
    this.store.read(child, want);
    const next = new Int32Array(from.length);
    const packed = new Int32Array(this.layout.words);
    const o = new Outcome();
    for (const th of this.model.threads) {
      const loc = from[th.pcSlot]!;
      for (const sid of this.threadSteps[th.id]![loc] ?? []) {
        next.set(from);
        o.reset();
        if (this.compiled.steps[sid]!(next, this.ctxs[th.id]!, o) !== ENABLED) continue;
        next[th.pcSlot] = this.stepTo[sid]!;
        if (this.sym) this.sym.canonicaliseSlots(next);
        pack(this.layout, next, packed);
        if (packed.every((x, i) => x === want[i])) return { parent: -1, thread: th.id, step: sid };
      }
    }
    throw new Error("internal: no step leads to the next state of a trace");
  }

  /** A step raised a violation: run it again in the interpreter, for its message and the state when it failed. */
  private stepViolation(idx: number, t: number, sid: number, cur: Int32Array): void {
    const step = this.model.steps[sid]!;
    let failState = this.unpacked(cur).slice();
    let o = new Outcome();
    if (this.compiled.steps[sid]!(failState, this.ctxs[t]!, o) !== VIOLATED) throw new Error(`internal: step ${sid} raised a violation in one engine but not in the interpreter`);
    const at = step.ops[o.failedOp]?.at ?? step.at;
    const key = `${o.violation}@${at.file}:${at.line}:${at.col}`;
    if (this.seen.has(key)) return;
    const trace = this.trace(idx);
    if (this.sym) {
      // again from the real trace's last state (the stored one differs in cleared dead locals)
      failState = (trace.steps.length ? trace.steps[trace.steps.length - 1]!.state : trace.initial).slice();
      o = new Outcome();
      if (this.compiled.steps[sid]!(failState, this.ctxs[t]!, o) !== VIOLATED) throw new Error(`internal: step ${sid} does not raise its violation on the trace rebuilt under symmetry`);
    }
    trace.steps.push({ thread: t, step: sid, state: failState, failed: true });
    this.report({ kind: o.violation!, message: o.message, state: idx, thread: t, step: sid, op: o.failedOp, at, trace, key });
  }

  /**
   * Does property p hold in s? A property whose evaluation faults (division by
   * zero, an index outside its map) is reported as out-of-range rather than
   * taken as true or false; with that check off it is taken to hold.
   */
  private holds(p: CompiledProperty, idx: number, s: Int32Array): boolean {
    try {
      return p.fn(s, this.ctxs[0] ?? { tid: 0, owner: 1, bit: 1, base: 0, instance: 0, bound: [] }) !== 0;
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      const key = `${e.kind}@${p.kind}:${p.name}`;
      if (this.on(e.kind) && !this.seen.has(key)) {
        this.report({ kind: e.kind, message: `${p.kind} ${p.name} cannot be evaluated: ${e.message}`, state: idx, property: p.name, at: p.at, trace: this.trace(idx), key });
      }
      return true;
    }
  }

  private checkInvariants(idx: number, s: Int32Array): void {
    for (const inv of this.invariants) {
      if (this.holds(inv, idx, s)) {
        if (this.stop) return;
        continue;
      }
      const key = `invariant@${inv.name}`;
      if (this.seen.has(key)) continue;
      this.report({ kind: "invariant", message: `invariant ${inv.name} does not hold`, state: idx, property: inv.name, at: inv.at, trace: this.trace(idx), key });
      if (this.stop) return;
    }
  }

  /** Reasons why thread t cannot move in state s (re-runs its steps to collect them). */
  private waitsOf(t: number, s: Int32Array): WaitReason[] {
    const c = this.ctxs[t]!;
    const loc = s[this.model.threads[t]!.pcSlot]!;
    const out: WaitReason[] = [];
    const tmp = new Int32Array(s.length);
    const o = new Outcome();
    for (const sid of this.threadSteps[t]![loc]!) {
      tmp.set(s);
      o.reset();
      if (this.compiled.steps[sid]!(tmp, c, o) === DISABLED) {
        const w = waitReason(o, s);
        if (w) {
          if (w.kind === "lock") w.name = this.lockName(w.slot, w.name);
          if (w.kind === "await" && w.locals) {
            const th = this.model.threads[t]!;
            w.shows = w.locals.map((l) => `${l.name} = ${l.instance ? formatSlots(this.model, l.type, [th.instance], 0) : l.value ? formatSlots(this.model, l.type, l.value, 0) : formatSlots(this.model, l.type, s, th.localBase + l.local!)}`).join(", ");
            delete w.locals;
          }
          if (w.kind === "grace-period") {
            // the readers it still waits for: its mask (model.ts, srcuEntryWidth) without its own bit
            const T = this.model.threads.length;
            const mask = s[w.slot + T + t]! & ~(1 << t);
            for (let r = 0; r < T; r++) if ((mask >>> r) & 1) w.owners.push(r);
          }
          if (w.kind === "completion") w.completers = (this.completionReach ??= new CompletionReach(this.model)).completers(s, w.slot, t);
          if (w.kind === "work") Object.assign(w, workWaitOwners(this.model, s, w.slot, t));
          if (!out.some((x) => JSON.stringify(x) === JSON.stringify(w))) out.push(w);
        }
      }
    }
    return out;
  }

  private lockName(slot: number, fallback: string): string {
    return this.compiled.locks.find((l) => l.slot === slot)?.name ?? fallback;
  }

  private checkBlocked(idx: number, s: Int32Array, enabledTotal: number, unfinished: number): void {
    const model = this.model;
    const blocked: BlockedThread[] = [];
    for (const t of model.threads) {
      const loc = s[t.pcSlot]!;
      if (loc === this.endLoc[t.id] || loc === this.idleLoc[t.id]) continue;
      const c = this.ctxs[t.id]!;
      let canMove = false;
      const tmp = new Int32Array(s.length);
      const o = new Outcome();
      for (const sid of this.threadSteps[t.id]![loc]!) {
        tmp.set(s);
        o.reset();
        if (this.compiled.steps[sid]!(tmp, c, o) !== DISABLED) {
          canMove = true;
          break;
        }
      }
      if (!canMove) blocked.push({ thread: t.id, location: loc, waits: this.waitsOf(t.id, s) });
    }
    // wait-for cycles: threads whose every wait is a lock held only by such threads, or a
    // grace period held up by (at least) one such thread
    if (this.on("recursive-locking") || this.on("lock-cycle")) {
      const edge = (w: WaitReason) => w.kind === "lock" || w.kind === "grace-period" || w.kind === "work";
      let dead = blocked.filter((b) => b.waits.length > 0 && b.waits.every(edge));
      for (let changed = true; changed; ) {
        changed = false;
        const ids = new Set(dead.map((b) => b.thread));
        const keep = dead.filter((b) => b.waits.every((w) =>
          w.kind === "lock" || w.kind === "work" ? w.owners.length > 0 && w.owners.every((o) => ids.has(o)) : w.kind === "grace-period" && w.owners.some((o) => ids.has(o))));
        if (keep.length !== dead.length) {
          dead = keep;
          changed = true;
        }
      }
      // A thread whose every request waits (also) on a lock it holds itself can never
      // go on, whatever the other holders do (an rwsem reader asking to write).
      // A work wait whose only possible owner is the thread itself (a work flushing one queued
      // behind it on its own ordered workqueue) can never go on either.
      const onSelf = (w: WaitReason, t: number) => (w.kind === "lock" && w.owners.includes(t)) || (w.kind === "work" && w.owners.length === 1 && w.owners[0] === t);
      const selfBlocked = blocked.find((b) => b.waits.length > 0 && b.waits.every((w) => onSelf(w, b.thread)));
      if (selfBlocked && !dead.includes(selfBlocked)) dead.push(selfBlocked);
      if (dead.length > 0) {
        const self = selfBlocked ?? dead.find((b) => b.waits.some((w) => onSelf(w, b.thread)));
        if (self && this.on("recursive-locking")) {
          const w = self.waits.find((x) => onSelf(x, self.thread)) as WaitReason & { kind: "lock" | "work" };
          const name = model.threads[self.thread]!.name;
          const key = `recursive-locking@${self.thread}:${self.location}`;
          if (!this.seen.has(key)) {
            this.report({
              kind: "recursive-locking",
              message: w.kind === "work"
                ? `${name} waits in ${w.call} for ${w.name}, which can only run after ${name}'s own work returns (${model.workqueues.find((q) => q.offset === w.slot || q.works.some((x) => x.entry === w.slot))?.name ?? "its workqueue"} has no other worker)`
                : `${name} waits for ${w.name}, which it already holds`,
              state: idx, thread: self.thread, blocked: [self], cycle: [self.thread], trace: this.trace(idx), key,
            });
          }
          return;
        }
        if (!self && this.on("lock-cycle")) {
          const byThread = new Map(dead.map((b) => [b.thread, b]));
          const cycle: number[] = [];
          let t = dead[0]!.thread;
          while (!cycle.includes(t)) {
            cycle.push(t);
            const w = byThread.get(t)!.waits[0] as WaitReason & { kind: "lock" | "grace-period" | "work" };
            t = w.owners.find((o) => byThread.has(o))!;
          }
          const ring = cycle.slice(cycle.indexOf(t));
          // start the cycle at its smallest thread so the report does not depend on where we entered it
          const min = ring.indexOf(Math.min(...ring));
          const ordered = [...ring.slice(min), ...ring.slice(0, min)];
          const trace = this.trace(idx);
          const parts = ordered.map((tid, i) => {
            const nextId = ordered[(i + 1) % ordered.length]!;
            const w = byThread.get(tid)!.waits.find((x) => (x.kind === "lock" || x.kind === "grace-period" || x.kind === "work") && x.owners.includes(nextId)) as WaitReason & { kind: "lock" | "grace-period" | "work" };
            const next = model.threads[nextId]!.name;
            if (w.kind === "work") return `${model.threads[tid]!.name} ${workWaitText(w, model)}`;
            if (w.kind === "grace-period") {
              const at = sectionEntry(model, trace, nextId, w.slot + nextId)?.at;
              return `${model.threads[tid]!.name} waits for ${gracePeriodText(w.name, w.rcu)}, held up by ${next}'s read-side section${at ? ` entered at ${at.file}:${at.line}:${at.col}` : ""}`;
            }
            return w.queued ? `${model.threads[tid]!.name} waits for ${w.name} behind the waiting writer ${next}` : `${model.threads[tid]!.name} waits for ${w.name}, held by ${next}`;
          });
          const key = `lock-cycle@${ordered.map((tid) => `${tid}:${byThread.get(tid)!.location}`).join(",")}`;
          if (!this.seen.has(key)) {
            this.report({
              kind: "lock-cycle", message: parts.join("; "), state: idx, thread: ordered[0],
              blocked: ordered.map((tid) => byThread.get(tid)!), cycle: ordered, trace, key,
            });
          }
          return;
        }
      }
    }
    if (enabledTotal > 0) return;
    if (unfinished > 0) {
      if (!this.on("stuck")) return;
      const key = `stuck@${blocked.map((b) => `${b.thread}:${b.location}`).join(",")}`;
      if (this.seen.has(key)) return;
      const parts = blocked.map((b) => `${model.threads[b.thread]!.name} ${describeWaits(b.waits, model, s, this.endLoc)}`);
      this.report({ kind: "stuck", message: `no thread can move: ${parts.join("; ")}`, state: idx, blocked, trace: this.trace(idx), key });
      return;
    }
    // every thread finished: final properties
    for (const f of this.finals) {
      if (this.holds(f, idx, s)) {
        if (this.stop) return;
        continue;
      }
      const key = `final@${f.name}`;
      if (this.seen.has(key)) continue;
      this.report({ kind: "final", message: `final property ${f.name} does not hold when every thread has finished`, state: idx, property: f.name, at: f.at, trace: this.trace(idx), key });
      if (this.stop) return;
    }
    // and no object may still be allocated
    if (!this.on("leak")) return;
    for (const pool of this.model.pools) {
      const live: string[] = [];
      for (let i = pool.leakFrom; i < pool.bound; i++) {
        if (s[pool.offset + i * pool.stride] === OBJECT_LIVE) live.push(`${pool.name}[${i}] ${formatObject(this.model, pool, s, i)}`);
      }
      if (live.length === 0) continue;
      const key = `leak@${pool.name}`;
      if (this.seen.has(key)) continue;
      this.report({
        kind: "leak", message: `${live.join(", ")} ${live.length === 1 ? "is" : "are"} still allocated when every thread has finished`,
        state: idx, at: pool.at, trace: this.trace(idx), key,
      });
      if (this.stop) return;
    }
  }
}

interface CompiledProperty {
  name: string;
  kind: "invariant" | "final";
  at: SrcLoc;
  fn: (s: Int32Array, c: ThreadCtx) => number;
}

/**
 * Where thread `tid` entered the read-side section it is in (its depth at `slot` went from 0
 * up), from the trace: the srcu_read_lock statement; undefined when the trace does not show it.
 */
export function sectionEntry(model: Model, trace: EngineTrace, tid: number, slot: number): { at: SrcLoc; label: string } | undefined {
  for (let i = trace.steps.length - 1; i >= 0; i--) {
    const st = trace.steps[i]!;
    if (st.thread !== tid) continue;
    const before = i === 0 ? trace.initial : trace.steps[i - 1]!.state;
    if (before[slot] === 0 && st.state[slot]! > 0) {
      const step = model.steps[st.step]!;
      const op = step.ops.find((o) => o.k === "srcu_read_lock");
      return { at: op?.at ?? step.at, label: op?.label ?? step.label };
    }
  }
  return undefined;
}

/** "an SRCU grace period of kvm_srcu", "an RCU grace period". */
export function gracePeriodText(domain: string, rcu: boolean): string {
  return rcu ? "an RCU grace period" : `an SRCU grace period of ${domain}`;
}

/** How a stuck report says what an await waits for: its label, or its condition with its locals' values. */
export function awaitText(w: WaitReason & { kind: "await" }): string {
  if (w.labelled) return `waits for ${w.what}`;
  if (!w.what.startsWith("await ")) return `waits: ${w.what}`;
  return `waits until ${w.what.slice(6)}${w.shows ? ` (${w.shows})` : ""}`;
}

/** "waits in flush_work for shutdown_work[1] (running on kworker/events[0])", or behind the busy workers. */
export function workWaitText(w: WaitReason & { kind: "work" }, model: Model): string {
  const names = w.owners.map((o) => model.threads[o]!.name);
  const what = w.call === "flush_workqueue" ? `waits in flush_workqueue for the works on ${w.name}` : `waits in ${w.call} for ${w.name}`;
  if (w.running !== undefined) return `${what} (running on ${model.threads[w.running]!.name})`;
  if (names.length === 0) return `${what} (${w.call === "flush_workqueue" ? "a pending one can start on an idle worker" : "behind another thread's cancel_work_sync"})`;
  return `${what} (${w.call === "flush_workqueue" ? "run by" : "pending behind the works running on"} ${names.join(" and ")})`;
}

/** "no thread left that can complete it", "only B can still complete it". */
export function completersText(names: string[]): string {
  return names.length === 0 ? "no thread left that can complete it" : `only ${names.join(" or ")} can still complete it`;
}

function describeWaits(waits: WaitReason[], model: Model, s: Int32Array, endLoc: number[]): string {
  if (waits.length === 0) return "cannot continue (every branch's condition is false)";
  return waits.map((w) => {
    if (w.kind === "await") return awaitText(w);
    if (w.kind === "fault") return `cannot continue: ${w.what} (the ${w.check} check is switched off, so the statement cannot run)`;
    if (w.kind === "grace-period") return `waits for ${gracePeriodText(w.name, w.rcu)} (held up by ${w.owners.map((o) => model.threads[o]!.name).join(" and ")})`;
    if (w.kind === "completion") return `waits for completion ${w.name} (${completersText(w.completers.map((t) => model.threads[t]!.name))})`;
    if (w.kind === "work") return workWaitText(w, model);
    const holders = w.owners.map((o) => `${model.threads[o]!.name}${s[model.threads[o]!.pcSlot] === endLoc[o] ? ", which has finished" : ""}`);
    return w.queued ? `waits for ${w.name} (behind the waiting writer ${holders.join(" and ")})` : `waits for ${w.name} (held by ${holders.join(" and ")})`;
  }).join(", or ");
}
