// Breadth-first exploration over reference states, counted as knot counts
// (checks.md, "How checks run"): each state taken from the frontier is checked
// for invariants, then its threads' steps are tried in order (a step that
// raises a violation is reported when tried and is not a transition; every
// enabled step is a transition, including those reaching known states), then
// the wait-for analysis, stuck, and finals and leaks. By default the search
// stops at the first violation; `all` keeps exploring past violating states
// and reports each distinct violation once (as `knot check --all`).
import type { Location, Stmt } from "@knot/lang";
import { type StateViolation, afterSuccessorViolations, invariantViolations, threadStatus } from "./checks.js";
import type { Program } from "./program.js";
import type { Reference } from "./reference.js";
import type { RState } from "./state.js";
import { LockOrderGraph, type LockOrderCycle } from "./lock-order.js";
import { fmt } from "./step.js";
import { canonical } from "./values.js";

export interface ExploreOptions {
  /** Stop after storing this many states. */
  maxStates?: number;
  /** Keep exploring after a violation; report each distinct violation once. */
  all?: boolean;
  /** Lock-order cycles are violations too (`--strict`), reported after the search. */
  strict?: boolean;
  /** The lock-order analysis by lock class (lockdep's, the default) or by lock instance. */
  lockOrder?: "class" | "instance";
}

export interface FoundViolation {
  kind: string;
  message: string;
  /** BFS depth of the state where it was found (the state a violating step starts from). */
  depth: number;
  property?: string;
  thread?: string;
  /** The statement (or property) at fault. */
  at?: Location;
}

export interface ExploreResult {
  states: number;
  transitions: number;
  /** Deepest state expanded. */
  depth: number;
  complete: boolean;
  stoppedBy?: "violation" | "max-states";
  firstViolation?: FoundViolation;
  /** With `all`: each distinct violation, in the order found. */
  violations: FoundViolation[];
  /** Lock-order cycles among the edges of the transitions explored (warnings; violations under `strict`). */
  lockOrder: LockOrderCycle[];
}

/** The canonical key of a state (independent of the order in which object keys were created). */
export function stateKey(s: RState): string {
  return canonical(s);
}

/**
 * Where a thread rests as knot's locations tell it apart: the statement and
 * every call site on the way, and the element of every running `for` loop
 * (knot unrolls loops, so each element has its own copy of the body), and for a worker
 * the work item it runs (each has its own copy of its function); a callback thread, which
 * runs one callback only, with no frames rests at the callback's end or is idle.
 */
export function positionKey(prog: Program, s: RState, thread: number): string {
  const t = s.threads[thread]!;
  const cb = prog.threads[thread]!.callback;
  if (!t.frames.length && cb) return `end:${s.callbacks[cb.domain]![cb.slot]!.running ? cb.call : "idle"}`;
  if (!t.frames.length) return prog.threads[thread]!.worker ? `end:${prog.work.runningOf(s, thread)?.name ?? "idle"}` : "end";
  const binder = (id: string) => (prog.stmt(Number(id)).stmt as Stmt & { kind: "For" }).binder.name;
  // a worker runs each work item's own copy of its function, as an unrolled loop runs each element's
  const work = prog.threads[thread]!.worker ? `${prog.work.runningOf(s, thread)?.name ?? "idle"}:` : "";
  return work + t.frames.map((f) => `${f.at}${Object.keys(f.snapshots).sort().map((k) => `/${k}=${JSON.stringify(f.locals[binder(k)] ?? null)}`).join("")}`).join(">");
}

/** Distinct violations as `knot check --all` counts them: a property by name, a deadlock or stuck state by its threads and their locations, a leak by pool. */
export function violationKey(ref: Reference, v: StateViolation, s: RState): string {
  if (v.property !== undefined) return `${v.kind}:${v.property}`;
  if (v.pool !== undefined) return `${v.kind}:${v.pool}`;
  if (v.threads) {
    const names = ref.threadNames;
    return `${v.kind}:${v.threads.map((t) => `${t}@${positionKey(ref.program, s, names.indexOf(t))}`).join(",")}`;
  }
  return `${v.kind}:${v.message}`;
}

export function explore(ref: Reference, options: ExploreOptions = {}): ExploreResult {
  const violations: FoundViolation[] = [];
  const start = ref.start();
  if (!start.state) {
    const v = start.violation;
    if (!ref.program.enabled(v.kind)) return { states: 0, transitions: 0, depth: 0, complete: true, violations, lockOrder: [] };
    const found: FoundViolation = { kind: v.kind, message: v.message, depth: 0, thread: v.thread, at: v.at };
    // with `all` the search is not stopped by the violation: there is just nothing to explore (as knot counts it)
    if (options.all) return { states: 0, transitions: 0, depth: 0, complete: true, firstViolation: found, violations: [found], lockOrder: [] };
    return { states: 0, transitions: 0, depth: 0, complete: false, stoppedBy: "violation", firstViolation: found, violations: [found], lockOrder: [] };
  }
  const prog = ref.program;
  const seen = new Map<string, number>();
  const states: RState[] = [];
  const depths: number[] = [];
  /** Store a state if it is new; false when it is new and the store is full (the search stops there, as knot's does). */
  const add = (s: RState, d: number) => {
    const k = stateKey(s);
    if (seen.has(k)) return true;
    if (options.maxStates !== undefined && states.length >= options.maxStates) return false;
    seen.set(k, states.length);
    states.push(s);
    depths.push(d);
    return true;
  };
  add(start.state, 0);
  const distinct = new Set<string>();
  let transitions = 0;
  let maxDepth = 0;
  const lockOrder = prog.enabled("lock-order") ? new LockOrderGraph(ref.lockEntryNames()) : undefined;
  const result = (extra: Partial<ExploreResult>): ExploreResult => {
    const cycles = lockOrder?.cycles(options.lockOrder ?? "class") ?? [];
    if (options.strict) {
      for (const c of cycles) {
        const last = c.edges[c.edges.length - 1]!;
        violations.push({ kind: "lock-order", message: c.message, depth: maxDepth, thread: last.thread, at: last.at });
      }
    }
    return { states: states.length, transitions, depth: maxDepth, complete: false, firstViolation: violations[0], violations, lockOrder: cycles, ...extra };
  };
  /** Record a violation; true when the search stops here. */
  const report = (v: FoundViolation, key: string): boolean => {
    if (!distinct.has(key)) {
      distinct.add(key);
      violations.push(v);
    }
    return !options.all;
  };
  const fromState = (v: StateViolation, d: number): FoundViolation => ({ kind: v.kind, message: v.message, depth: d, property: v.property, at: v.at, thread: v.threads?.length === 1 ? v.threads[0] : undefined });
  const stateKeyOf = (v: StateViolation, s: RState) => violationKey(ref, v, s);

  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    const d = depths[i]!;
    if (d > maxDepth) maxDepth = d;
    for (const v of invariantViolations(prog, s)) {
      if (report(fromState(v, d), stateKeyOf(v, s))) return result({ stoppedBy: "violation" });
      if (!options.all) break;
    }
    const statuses = [];
    for (const t of prog.threads) {
      const steps = ref.steps(s, t.index);
      for (const o of steps) {
        if (o.result.kind === "violation") {
          const f = o.result.failure;
          if (report({ kind: f.kind, message: f.message, depth: d, thread: t.name, at: f.at }, `${f.kind}@${fmt(f.at)}`)) return result({ stoppedBy: "violation" });
        } else if (o.result.kind === "enabled") {
          if (!add(o.result.next, d + 1)) return result({ stoppedBy: "max-states" }); // a new state beyond the limit: not counted
          transitions++;
          if (lockOrder) {
            for (const a of o.result.acquisitions) for (const h of a.held) lockOrder.add({ from: h, to: a.taken, subclass: a.subclass, thread: t.name, statement: a.statement, at: a.at });
          }
        }
      }
      statuses.push(threadStatus(prog, s, t.index, steps));
    }
    for (const v of afterSuccessorViolations(prog, s, statuses)) {
      if (report(fromState(v, d), stateKeyOf(v, s))) return result({ stoppedBy: "violation" });
    }
  }
  return result({ complete: true });
}
