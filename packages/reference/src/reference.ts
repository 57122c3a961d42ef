// The reference semantics as an object over one checked model: start-up,
// successors of a state (per thread, in knot's order), why a thread is
// blocked, the state checks, and states in user names. Exploration,
// simulation and replay (explore.ts, simulate.ts, replay.ts) are built on it.
import type { CheckedModel, Location } from "@knot/lang";
import type { Patch } from "immer";
import { type StateViolation, type ThreadStatus, afterSuccessorViolations, invariantViolations, threadStatus } from "./checks.js";
import { type Change, type NamedState, changesFromPatches, nameState, sharedEntities } from "./naming.js";
import { type ExploreOptions, type ExploreResult, explore } from "./explore.js";
import { Program } from "./program.js";
import { type NamedTrace, type ReplayResult, replay } from "./replay.js";
import { type SimulateOptions, type SimulateResult, simulate } from "./simulate.js";
import type { RState } from "./state.js";
import { type Acquisition, type Failure, type StartupResult, type StepOutcome, type Wait, startup, threadSteps } from "./step.js";

export interface ReferenceOptions {
  /** Checks switched off (`--no-KIND`), by kind name. */
  disabled?: ReadonlySet<string>;
}

export interface Transition {
  thread: { index: number; name: string };
  /** The step's action statement; for a silent step, the choice or loop it started from. */
  at: Location;
  label: string;
  /** Which branch or value the step chose, e.g. `branch 1 of 2 of the either at f.knot:5:3` or `c = 1`. */
  choice?: string;
  next?: RState;
  patches?: Patch[];
  inversePatches?: Patch[];
  changes?: Change[];
  /** A step that raises a violation has no next state. */
  violation?: Failure;
  /** The lock entries the step took, each with those the thread held then (for lock-order edges). */
  acquisitions?: Acquisition[];
}

export interface BlockedInfo {
  thread: string;
  finished: boolean;
  canMove: boolean;
  waits: Wait[];
}

/** Thrown by `initial()` when the start-up local work faults: there is no initial state. */
export class StartupError extends Error {
  constructor(readonly violation: StateViolation & { thread: string }) {
    super(violation.message);
  }
}

export class Reference {
  readonly program: Program;
  private readonly entities;
  private startResult?: StartupResult;

  constructor(readonly model: CheckedModel, options: ReferenceOptions = {}) {
    this.program = new Program(model, options.disabled ?? new Set());
    this.entities = sharedEntities(this.program);
  }

  get threadNames(): string[] {
    return this.program.threads.map((t) => t.name);
  }

  /** Start-up: the initial state, or the violation (or `cannot start`) of a thread's local work before its first resting point. */
  start(): { state: RState; violation?: undefined } | { state?: undefined; violation: StateViolation & { thread: string } } {
    this.startResult ??= startup(this.program);
    const r = this.startResult;
    if (r.kind === "ok") return { state: r.state };
    const thread = this.program.threads[r.thread]!.name;
    if (r.kind === "violation") return { violation: { kind: r.failure.kind, message: r.failure.message, at: r.failure.at, thread } };
    const w = r.wait;
    return {
      violation: {
        kind: "stuck",
        message: `${thread} cannot start: its local work before the first shared statement faults, and that check is switched off (${w.kind === "condition" ? w.text : w.kind === "lock" ? w.lock : w.statement})`,
        at: w.at,
        thread,
      },
    };
  }

  initial(): RState {
    const r = this.start();
    if (!r.state) throw new StartupError(r.violation);
    return r.state;
  }

  /** Raw step outcomes of one thread (enabled, violating and blocked), without change lists. */
  steps(state: RState, thread: number): StepOutcome[] {
    return threadSteps(this.program, state, thread);
  }

  toTransition(state: RState, o: StepOutcome, withChanges = true): Transition {
    const p = this.program;
    const stmt = o.place ?? p.stmt(o.action ?? o.start); // a worker's or callback's start or end has no statement
    const tr: Transition = {
      thread: { index: o.thread, name: p.threads[o.thread]!.name },
      at: stmt.at,
      label: stmt.label,
    };
    if (o.choices.length) tr.choice = o.choices.join("; ");
    if (o.result.kind === "enabled") {
      tr.next = o.result.next;
      tr.patches = o.result.patches;
      tr.inversePatches = o.result.inversePatches;
      tr.acquisitions = o.result.acquisitions;
      if (withChanges) tr.changes = changesFromPatches(p, state, o.result.next, o.result.patches, o.thread, this.entities);
    } else if (o.result.kind === "violation") {
      tr.violation = o.result.failure;
    }
    return tr;
  }

  /** The steps that can be taken from `state` (enabled, or raising a violation), of one thread or of all in order. */
  successors(state: RState, thread?: number): Transition[] {
    const threads = thread === undefined ? this.program.threads.map((t) => t.index) : [thread];
    const out: Transition[] = [];
    for (const t of threads) {
      for (const o of this.steps(state, t)) if (o.result.kind !== "blocked") out.push(this.toTransition(state, o));
    }
    return out;
  }

  /** Why a thread cannot move: the wait of each of its blocked steps (empty when it can move or has finished). */
  blocked(state: RState, thread: number): BlockedInfo {
    const st = threadStatus(this.program, state, thread, this.steps(state, thread));
    return { thread: st.name, finished: st.finished, canMove: st.canMove, waits: st.waits };
  }

  statuses(state: RState): ThreadStatus[] {
    return this.program.threads.map((t) => threadStatus(this.program, state, t.index, this.steps(state, t.index)));
  }

  /** The violations found on the state itself: invariants, wait-for cycles, stuck, finals and leaks. */
  stateViolations(state: RState): StateViolation[] {
    return [...invariantViolations(this.program, state), ...afterSuccessorViolations(this.program, state, this.statuses(state))];
  }

  /** Every lock-order node (`fork[2]`) in declaration order. */
  lockEntryNames(): string[] {
    // SRCU and RCU domains are lock-order nodes too (lockdep's srcu and rcu maps), after the locks, as knot lays them out;
    // then the workqueues' pseudo-locks, `(wq_completion)wq` and its works' `(work_completion)(&w)` (workqueue.ts)
    const entries = this.entities.filter((g) => g.key.startsWith("locks/") || g.key.startsWith("srcu/")).flatMap((g) => g.entities.map((e) => e.name));
    return [...entries, ...this.program.work.lockNames()];
  }

  name(state: RState): NamedState {
    return nameState(this.program, state, this.entities);
  }

  changes(before: RState, after: RState, patches: readonly Patch[], thread: number): Change[] {
    return changesFromPatches(this.program, before, after, patches, thread, this.entities);
  }

  /** Breadth-first search over every reachable state (see explore.ts). */
  explore(options: ExploreOptions = {}): ExploreResult {
    return explore(this, options);
  }

  /** Seeded random walks (see simulate.ts). */
  simulate(options: SimulateOptions): SimulateResult {
    return simulate(this, options);
  }

  /** Replay a counterexample given in user names (see replay.ts). */
  replay(trace: NamedTrace): ReplayResult {
    return replay(this, trace);
  }
}

export function createReference(model: CheckedModel, options: ReferenceOptions = {}): Reference {
  return new Reference(model, options);
}
