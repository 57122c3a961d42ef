// Replaying a counterexample against the reference semantics. Starting from
// the initial state (which must name the same as the trace's), every step must
// be a possible step of its thread whose action is at the given location and
// whose resulting state names the same as the trace says; a last step marked
// `failed` must raise a violation of that kind itself. At the end, a violation
// not raised by the last step must hold in the state reached (a state check:
// invariant, deadlock, stuck, final, leak), and for a lock-order edge the last
// step must be the thread's taking the second lock while holding the first. The first divergence is reported with the expected
// state and the states the thread could actually reach.
//
// A trace names shared values and thread positions only, so several reference
// states (differing in locals) can match one step. Replay keeps every matching
// state, not just the first, and fails only when none of them can go on: a
// trace is real if some path of the reference semantics produces it.
import type { Location } from "@knot/lang";
import { stateKey } from "./explore.js";
import { type Change, type NamedState, sameNamedState } from "./naming.js";
import type { Reference, Transition } from "./reference.js";
import type { RState } from "./state.js";

export interface NamedStep {
  thread: string;
  at: Location;
  choice?: string;
  /**
   * The state after the step (ignored on a step marked `failed`). Shared
   * values are compared whole; thread positions only when given (a saved
   * report has them for the end of the trace only, see `final`).
   */
  after: NamedState;
  /**
   * The last step raised the violation itself; `at` is the statement that
   * raised it, when known. (A step whose local work faults before its action
   * is placed at the action by one implementation and at the choice it started
   * from by the other: the raising statement identifies it either way.)
   */
  failed?: { kind: string; at?: Location };
}

/** What the end of the trace must show. */
export type TraceClaim =
  /** A violation: raised by the last step (marked `failed`) or holding in the state reached. */
  | { kind: string; property?: string }
  /** A lock-order edge: the last step's thread took `to` while holding `from`. */
  | { kind: "lock-order"; edge: { from: string; to: string; thread: string } };

export interface NamedTrace {
  initial: NamedState;
  steps: NamedStep[];
  violation: TraceClaim;
  /** Where each thread must rest at the end (when the steps do not say). */
  final?: Record<string, string>;
}

export type ReplayResult =
  | { ok: true; steps: { changes: Change[] }[] }
  | {
    ok: false;
    /** The step that diverged: -1 for the initial state, `steps.length` for the final violation check. */
    step: number;
    reason: string;
    expected: NamedState;
    candidates: NamedState[];
  };

/** One reference state reached by the steps so far, with the changes of the path that reached it. */
interface Reached {
  state: RState;
  changes: ChangeTrail;
  /** The transition that reached it (none for the initial state). */
  via?: Transition;
}

/**
 * Each step's changes along a path, last step first, shared by the paths that continue it
 * (copying the list at every step would make a long trace quadratic).
 */
type ChangeTrail = { changes: Change[]; prev: ChangeTrail } | undefined;

function trailSteps(trail: ChangeTrail): Change[][] {
  const out: Change[][] = [];
  for (let t = trail; t; t = t.prev) out.push(t.changes);
  return out.reverse();
}

function sameLocation(a: Location, b: Location): boolean {
  return a.file === b.file && a.line === b.line && a.col === b.col;
}

function where(l: Location): string {
  return `${l.file}:${l.line}:${l.col}`;
}

/**
 * `actual` is what `expected` says: the same value for every shared entry and
 * thread position `expected` gives. A trace built from the engine's states
 * gives them all; one rebuilt from a saved report leaves out what it cannot
 * know (thread positions mid-trace, a map whose entries changed).
 */
export function matchesNamed(actual: NamedState, expected: NamedState): boolean {
  for (const k in expected.shared) if (actual.shared[k] !== expected.shared[k]) return false;
  for (const k in expected.threads) if (actual.threads[k] !== expected.threads[k]) return false;
  return true;
}

function dedupe(xs: Reached[]): Reached[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = stateKey(x.state);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function uniqueNames(ref: Reference, states: RState[]): NamedState[] {
  const out: NamedState[] = [];
  for (const s of states) {
    const n = ref.name(s);
    if (!out.some((o) => sameNamedState(o, n))) out.push(n);
  }
  return out;
}

export function replay(ref: Reference, trace: NamedTrace): ReplayResult {
  const start = ref.start();
  const names = ref.threadNames;
  if (!start.state) {
    // start-up faulted: the trace must be that fault, as one failed step of the thread
    const only = trace.steps[0];
    if (trace.steps.length === 1 && only!.failed && only!.thread === start.violation.thread && only!.failed.kind === start.violation.kind) {
      return { ok: true, steps: [{ changes: [] }] };
    }
    // a thread that cannot start (its start-up faults with that check off) is stuck before any step
    if (trace.steps.length === 0 && start.violation.kind === "stuck") return { ok: true, steps: [] };
    return { ok: false, step: -1, reason: `there is no initial state: ${start.violation.thread} faults at start-up (${start.violation.kind}: ${start.violation.message})`, expected: trace.initial, candidates: [] };
  }
  const initialName = ref.name(start.state);
  if (!matchesNamed(initialName, trace.initial)) {
    return { ok: false, step: -1, reason: "the initial state differs", expected: trace.initial, candidates: [initialName] };
  }
  let current: Reached[] = [{ state: start.state, changes: undefined }];
  for (let i = 0; i < trace.steps.length; i++) {
    const step = trace.steps[i]!;
    const t = names.indexOf(step.thread);
    if (t < 0) return { ok: false, step: i, reason: `there is no thread ${step.thread}`, expected: step.after, candidates: [] };
    const moves = current.map((r) => ({ r, moves: ref.successors(r.state, t) }));
    const here = (ms: Transition[]) => ms.filter((m) => sameLocation(m.at, step.at));
    const reachable = () => uniqueNames(ref, moves.flatMap((x) => x.moves.filter((m) => m.next).map((m) => m.next!)));
    if (step.failed) {
      if (i !== trace.steps.length - 1) return { ok: false, step: i, reason: "a failed step must be the last", expected: step.after, candidates: [] };
      const raised = step.failed;
      const failing = moves.find((x) => x.moves.some((m) => m.violation?.kind === raised.kind && (sameLocation(m.at, step.at) || (raised.at !== undefined && sameLocation(m.violation.at, raised.at)))));
      if (!failing) {
        return { ok: false, step: i, reason: `${step.thread} has no step at ${where(step.at)} that raises ${step.failed.kind}`, expected: step.after, candidates: reachable() };
      }
      return { ok: true, steps: [...trailSteps(failing.r.changes), []].map((changes) => ({ changes })) };
    }
    const next: Reached[] = [];
    for (const { r, moves: ms } of moves) {
      let matching = here(ms).filter((m) => m.next && matchesNamed(ref.name(m.next), step.after));
      // the choice tells branches apart that reach the same named state; prefer it when it matches
      if (step.choice && matching.some((m) => m.choice === step.choice)) matching = matching.filter((m) => m.choice === step.choice);
      for (const m of matching) next.push({ state: m.next!, changes: { changes: m.changes!, prev: r.changes }, via: m });
    }
    if (!next.length) {
      const any = moves.some((x) => here(x.moves).length > 0);
      const at = [...new Set(moves.flatMap((x) => x.moves.map((m) => where(m.at))))];
      const reason = any
        ? `no step of ${step.thread} at ${where(step.at)} reaches the expected state`
        : `${step.thread} has no possible step at ${where(step.at)}${at.length ? ` (its steps are at ${at.join(", ")})` : ""}`;
      return { ok: false, step: i, reason, expected: step.after, candidates: reachable() };
    }
    current = dedupe(next);
  }
  const last = trace.steps[trace.steps.length - 1];
  if (trace.final && !last?.failed) {
    const final = trace.final;
    const placed = current.filter((r) => {
      const threads = ref.name(r.state).threads;
      return Object.entries(final).every(([t, at]) => threads[t] === at);
    });
    if (!placed.length) {
      const n = ref.name(current[0]!.state);
      const pos = (at: string | undefined) => (at === undefined ? "not a thread" : at === "finished" ? "finished" : `at ${at}`);
      const wrong = Object.entries(final).filter(([t, at]) => n.threads[t] !== at).map(([t, at]) => `${t} should be ${pos(at)} but is ${pos(n.threads[t])}`);
      return { ok: false, step: trace.steps.length, reason: `the threads end elsewhere: ${wrong.join("; ")}`, expected: { shared: n.shared, threads: final }, candidates: uniqueNames(ref, current.map((r) => r.state)) };
    }
    current = placed;
  }
  const claim = trace.violation;
  if ("edge" in claim) {
    // the last step is the thread's and took `to` while holding `from` (possibly releasing both
    // again within the step, in an atomic block)
    const { from, to, thread } = claim.edge;
    const done = current.find((r) => r.via?.thread.name === thread && (r.via.acquisitions ?? []).some((a) => a.taken === to && a.held.includes(from)));
    if (done) return { ok: true, steps: trailSteps(done.changes).map((changes) => ({ changes })) };
    return { ok: false, step: trace.steps.length, reason: `the last step is not one where ${thread} takes ${to} while holding ${from}`, expected: ref.name(current[0]!.state), candidates: uniqueNames(ref, current.map((r) => r.state)) };
  }
  const found: string[] = [];
  for (const r of current) {
    const vs = ref.stateViolations(r.state);
    if (vs.some((v) => v.kind === claim.kind && (claim.property === undefined || v.property === claim.property))) {
      return { ok: true, steps: trailSteps(r.changes).map((changes) => ({ changes })) };
    }
    found.push(...vs.map((v) => v.kind));
  }
  const also = found.length ? ` (found: ${[...new Set(found)].join(", ")})` : "";
  return { ok: false, step: trace.steps.length, reason: `${claim.kind} does not hold in the state reached${also}`, expected: ref.name(current[0]!.state), candidates: uniqueNames(ref, current.map((r) => r.state)) };
}
