// Random walks over reference states, deterministic for a seed (mulberry32).
// Each walk starts in the initial state; in every state it makes the state
// checks, then picks uniformly among the possible steps of all threads (enabled
// steps and steps that raise a violation, which count as moves), and stops at
// a violation, at a state with no possible step, or after `depth` steps. For
// each distinct violation (kind and location) the first trace is kept, with
// every step's resulting state in user names so that it can be replayed.
import type { Location } from "@knot/lang";
import { type StateViolation, afterSuccessorViolations, invariantViolations, threadStatus } from "./checks.js";
import type { Change, NamedState } from "./naming.js";
import type { Reference, Transition } from "./reference.js";
import type { RState } from "./state.js";
import { violationKey } from "./explore.js";
import { fmt } from "./step.js";

export interface SimulateOptions {
  runs: number;
  /** Most steps per run. */
  depth: number;
  seed: number;
}

export interface SimulatedStep {
  thread: string;
  at: Location;
  label: string;
  choice?: string;
  /** The procedures the thread is in at the step's statement, outermost first (the process body is not one). */
  frames: string[];
  changes: Change[];
  /** The state after the step (the state before it, for a step that failed). */
  after: NamedState;
  /** On a last step that raised the violation itself. */
  failed?: { kind: string };
}

export interface SimulatedViolation {
  kind: string;
  message: string;
  property?: string;
  at?: Location;
  trace: { initial: NamedState; steps: SimulatedStep[] };
  /** In replay's format (see replay.ts). */
  violation: { kind: string; property?: string };
}

export interface SimulateResult {
  runs: number;
  /** Steps taken over all runs. */
  steps: number;
  violations: SimulatedViolation[];
}

/** mulberry32: a small seeded PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulate(ref: Reference, options: SimulateOptions): SimulateResult {
  const rng = mulberry32(options.seed);
  const prog = ref.program;
  const found = new Map<string, SimulatedViolation>();
  const start = ref.start();
  if (!start.state) {
    const v = start.violation;
    return {
      runs: 0,
      steps: 0,
      violations: prog.enabled(v.kind) ? [{ kind: v.kind, message: v.message, at: v.at, trace: { initial: { shared: {}, threads: {} }, steps: [] }, violation: { kind: v.kind } }] : [],
    };
  }
  const initial = start.state;
  const initialName = ref.name(initial);
  let total = 0;
  const keep = (key: string, v: Omit<SimulatedViolation, "trace" | "violation">, steps: SimulatedStep[]) => {
    if (!found.has(key)) found.set(key, { ...v, trace: { initial: initialName, steps: [...steps] }, violation: { kind: v.kind, property: v.property } });
  };
  const fromState = (v: StateViolation, s: RState, steps: SimulatedStep[]) => {
    keep(violationKey(ref, v, s), { kind: v.kind, message: v.message, property: v.property, at: v.at }, steps);
  };
  for (let run = 0; run < options.runs; run++) {
    let s = initial;
    const steps: SimulatedStep[] = [];
    for (let k = 0; ; k++) {
      const inv = invariantViolations(prog, s);
      if (inv.length) { fromState(inv[0]!, s, steps); break; }
      const moves: Transition[] = [];
      const statuses = prog.threads.map((t) => {
        const outs = ref.steps(s, t.index);
        for (const o of outs) if (o.result.kind !== "blocked") moves.push(ref.toTransition(s, o, false));
        return threadStatus(prog, s, t.index, outs);
      });
      const post = afterSuccessorViolations(prog, s, statuses);
      if (post.length) { fromState(post[0]!, s, steps); break; }
      if (!moves.length || k >= options.depth) break;
      const m = moves[Math.floor(rng() * moves.length)]!;
      // a worker's or callback's thread's frames are all procedures (the work's function, the callback, is its bottom frame)
      const frames = s.threads[m.thread.index]!.frames.slice(prog.threads[m.thread.index]!.process ? 1 : 0).map((f) => f.proc);
      if (m.violation) {
        const failedStep: SimulatedStep = { thread: m.thread.name, at: m.at, label: m.label, choice: m.choice, frames, changes: [], after: ref.name(s), failed: { kind: m.violation.kind } };
        keep(`${m.violation.kind}@${fmt(m.violation.at)}`, { kind: m.violation.kind, message: m.violation.message, at: m.violation.at }, [...steps, failedStep]);
        break;
      }
      const next = m.next!;
      steps.push({ thread: m.thread.name, at: m.at, label: m.label, choice: m.choice, frames, changes: ref.changes(s, next, m.patches!, m.thread.index), after: ref.name(next) });
      total++;
      s = next;
    }
  }
  return { runs: options.runs, steps: total, violations: [...found.values()] };
}
