// The checks made on states (checks.md, "How checks run"): invariants; the
// wait-for analysis when some unfinished thread cannot move (a thread whose
// every wait is for a lock it owns is recursive-locking at once; otherwise the
// blocked threads whose waits are all lock waits, repeatedly dropping any that
// waits for a lock with an owner outside the set, are deadlocked:
// recursive-locking if one waits on itself, else lock-cycle); a grace period
// waits for its readers (deadlocked when one of them is), a flush or cancel for
// the workers of workqueue.ts (deadlocked when all of them are, as a lock with
// several holders); stuck when no thread can move; finals and then leak when
// every thread has finished (an idle worker with nothing to start counts as finished,
// as does an idle callback thread whose callback cannot start: rcu-callback.ts).
// Nothing waits for a callback, so callbacks add no wait-for edges: a callback
// thread blocked inside its callback is a blocked thread like any other.
// A property whose evaluation faults is reported under the fault's check, or
// taken to hold when that check is switched off.
import type { Location, ObjectSymbol, PropertySymbol } from "@knot/lang";
import { completionDone } from "./completion.js";
import { type EvalEnv, evaluate } from "./evaluate.js";
import type { Program } from "./program.js";
import type { RState } from "./state.js";
import { type StepOutcome, type Wait, isLocked } from "./step.js";
import { type RValue, formatValue, parseRef } from "./values.js";
import { describeWorkWait, workCycleEdge, workSelfWait } from "./workqueue.js";

export interface StateViolation {
  kind: string;
  message: string;
  /** The invariant or final property, for property violations. */
  property?: string;
  /** The threads involved (deadlocks and stuck states). */
  threads?: string[];
  /** The blocking statement of the first thread, or the property. */
  at?: Location;
  /** The pool of a leak (one violation per pool). */
  pool?: string;
}

export interface ThreadStatus {
  index: number;
  name: string;
  finished: boolean;
  /** Has an enabled step, or a step that raises a violation (which counts as a move). */
  canMove: boolean;
  /** Why it cannot move, one entry per blocked step. */
  waits: Wait[];
}

export function threadStatus(prog: Program, state: RState, t: number, steps: readonly StepOutcome[]): ThreadStatus {
  const finished = prog.finished(state, t);
  const canMove = steps.some((s) => s.result.kind !== "blocked");
  const waits = canMove ? [] : steps.map((s) => (s.result as { kind: "blocked"; wait: Wait }).wait).filter((w) => w.kind !== "never");
  return { index: t, name: prog.threads[t]!.name, finished, canMove, waits };
}

class PropertyFault {
  constructor(readonly kind: string, readonly message: string) {}
}

function propertyEnv(prog: Program, s: RState): EvalEnv {
  const deref = (ref: RValue, text: string) => {
    if (ref === null) throw new PropertyFault("null-deref", `${text} is null`);
    const { pool, index } = parseRef(ref as string);
    const obj = s.objects[pool]![index]!;
    if (obj.status === "freed" && prog.enabled("use-after-free")) throw new PropertyFault("use-after-free", `${text} points to ${ref as string}, which was freed`);
    return { obj, index };
  };
  return {
    constValue: (sym) => prog.constValue(sym),
    local: () => { throw new Error("a property cannot read locals"); },
    global: (name) => s.globals[name]!,
    refcount: (sym, i) => s.refcounts[sym.name]![i]!,
    held: () => { throw new Error("held() is not allowed in properties"); },
    locked: (sym, i) => isLocked(s.locks[sym.name]![i]!),
    completion: (sym, i) => completionDone(s.completions[sym.name]![i]!),
    field: (ref, _pool, field, text) => deref(ref, text).obj.fields[field]!,
    objectSlot: (ref, text) => deref(ref, text).index,
    fault: (kind, message) => { throw new PropertyFault(kind, message); },
  };
}

function checkProperty(prog: Program, s: RState, p: PropertySymbol, what: "invariant" | "final"): StateViolation | undefined {
  const at = toLoc(p);
  try {
    if (evaluate(p.decl.cond, propertyEnv(prog, s), new Map(), prog)) return undefined;
  } catch (err) {
    if (!(err instanceof PropertyFault)) throw err;
    if (!prog.enabled(err.kind)) return undefined; // taken to hold
    return { kind: err.kind, message: `${what} ${p.name} cannot be evaluated: ${err.message}`, property: p.name, at };
  }
  const message = what === "invariant" ? `invariant ${p.name} does not hold` : `final property ${p.name} does not hold when every thread has finished`;
  return { kind: what, message, property: p.name, at };
}

function toLoc(p: PropertySymbol): Location {
  const pos = p.decl.cond.span.file.position(p.decl.cond.span.start);
  return { file: p.decl.cond.span.file.path, line: pos.line, col: pos.col };
}

/** Every invariant that does not hold (or cannot be evaluated), in declaration order. */
export function invariantViolations(prog: Program, s: RState): StateViolation[] {
  if (!prog.enabled("invariant")) return [];
  return prog.model.invariants.map((p) => checkProperty(prog, s, p, "invariant")).filter((v): v is StateViolation => v !== undefined);
}

function describeWait(w: Wait, finishedThreads: ReadonlySet<string>): string {
  if (w.kind === "lock") {
    const holders = w.heldBy.map((h) => (finishedThreads.has(h) ? `${h}, which has finished` : h));
    return w.queued ? `waits for ${w.lock} (behind the waiting writer ${holders.join(" and ")})` : `waits for ${w.lock} (held by ${holders.join(" and ")})`;
  }
  if (w.kind === "never") return "cannot continue (every branch's condition is false)";
  if (w.kind === "completion") return `waits for completion ${w.completion}`;
  if (w.kind === "grace-period") return `waits for ${w.rcu ? "an RCU grace period" : `an SRCU grace period of ${w.domain}`} (held up by ${w.heldUpBy.join(" and ")})`;
  if (w.kind === "work") return describeWorkWait(w);
  if (w.reason === "await" && w.labelled) return `waits for ${w.text}`;
  if (w.reason === "await") return `waits until ${w.text.replace(/^await /, "")}`;
  if (w.reason === "pick") return `waits: ${w.text}`;
  return `cannot continue: ${w.text} (the ${w.check} check is switched off, so the statement cannot run)`;
}

/**
 * A wait that is an edge of the wait-for graph: the threads it waits for, and whether it is
 * deadlocked only when all of them are (a lock, a flush's workers) or when one is (a grace
 * period). A flush that waits for nobody (a worker is idle) is no edge.
 */
function graphWait(w: Wait): { holders: string[]; all: boolean } | undefined {
  if (w.kind === "lock") return { holders: w.heldBy, all: true };
  if (w.kind === "work") return w.heldBy.length ? { holders: w.heldBy, all: true } : undefined;
  if (w.kind === "grace-period") return { holders: w.heldUpBy, all: false };
  return undefined;
}

function selfWait(w: Wait): boolean {
  return (w.kind === "lock" || w.kind === "work") && w.self;
}

/** recursive-locking or lock-cycle, when some unfinished thread cannot move. */
export function waitForViolation(prog: Program, statuses: readonly ThreadStatus[]): StateViolation | undefined {
  const blocked = statuses.filter((s) => !s.finished && !s.canMove);
  if (!blocked.length) return undefined;
  const recursive = prog.enabled("recursive-locking");
  const recursiveAt = (s: ThreadStatus): StateViolation => {
    const w = s.waits.find(selfWait) as Wait & { kind: "lock" | "work" };
    const message = w.kind === "work" ? workSelfWait(s.name, w) : `${s.name} waits for ${w.lock}, which it already holds`;
    return { kind: "recursive-locking", message, threads: [s.name], at: w.at };
  };
  const selfOnly = blocked.find((s) => s.waits.length > 0 && s.waits.every(selfWait));
  if (selfOnly && recursive) return recursiveAt(selfOnly);
  const set = new Set(blocked.filter((s) => s.waits.length > 0 && s.waits.every((w) => graphWait(w) !== undefined)).map((s) => s.name));
  for (let changed = true; changed;) {
    changed = false;
    for (const s of blocked) {
      if (!set.has(s.name)) continue;
      const free = s.waits.some((w) => {
        const g = graphWait(w)!;
        return g.all ? g.holders.some((h) => !set.has(h)) : !g.holders.some((h) => set.has(h));
      });
      if (free) {
        set.delete(s.name);
        changed = true;
      }
    }
  }
  if (set.size === 0) return undefined;
  const members = blocked.filter((s) => set.has(s.name));
  const self = members.find((s) => s.waits.some(selfWait));
  if (self) return recursive ? recursiveAt(self) : undefined;
  if (!prog.enabled("lock-cycle")) return undefined;
  // Follow waits inside the set until a thread repeats: that is the cycle (threads
  // that only wait on it are left out). Walk it from its lowest-numbered thread.
  const byName = new Map(members.map((s) => [s.name, s]));
  const edge = (s: ThreadStatus) => {
    const w = s.waits.find((x) => graphWait(x)!.holders.some((h) => set.has(h)))!;
    const holders = graphWait(w)!.holders.filter((h) => set.has(h));
    // a flush waiting for several workers, itself among them, is held up by the others
    return { wait: w, holder: byName.get(holders.find((h) => h !== s.name) ?? holders[0]!)! };
  };
  const path: ThreadStatus[] = [];
  let cur = members[0]!;
  while (!path.includes(cur)) {
    path.push(cur);
    cur = edge(cur).holder;
  }
  const cycle = path.slice(path.indexOf(cur));
  const first = cycle.reduce((a, b) => (b.index < a.index ? b : a));
  const ordered = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first))];
  const parts = ordered.map((s) => {
    const e = edge(s);
    if (e.wait.kind === "grace-period") return `${s.name} waits for ${e.wait.rcu ? "an RCU grace period" : `an SRCU grace period of ${e.wait.domain}`}, held up by ${e.holder.name}`;
    if (e.wait.kind === "work") return workCycleEdge(s.name, e.wait);
    const w = e.wait as Wait & { kind: "lock" };
    return w.queued ? `${s.name} waits for ${w.lock} behind the waiting writer ${e.holder.name}` : `${s.name} waits for ${w.lock}, held by ${e.holder.name}`;
  });
  return { kind: "lock-cycle", message: parts.join("; "), threads: ordered.map((m) => m.name), at: edge(first).wait.at };
}

/** The checks made after a state's successors: wait-for analysis, stuck, then finals and leak. */
export function afterSuccessorViolations(prog: Program, s: RState, statuses: readonly ThreadStatus[]): StateViolation[] {
  const out: StateViolation[] = [];
  const deadlock = waitForViolation(prog, statuses);
  if (deadlock) out.push(deadlock);
  // (an idle worker counts as finished, yet it may still start a pending work; an idle callback
  // thread is finished only while its callback cannot start)
  const allFinished = statuses.every((x) => x.finished);
  if (!allFinished && statuses.every((x) => !x.canMove) && !deadlock && prog.enabled("stuck")) {
    const finished = new Set(statuses.filter((x) => x.finished).map((x) => x.name));
    const blocked = statuses.filter((x) => !x.finished);
    const parts = blocked.map((x) => `${x.name} ${x.waits.length ? x.waits.map((w) => describeWait(w, finished)).join(", or ") : "cannot continue (every branch's condition is false)"}`);
    out.push({ kind: "stuck", message: `no thread can move: ${parts.join("; ")}`, threads: blocked.map((x) => x.name), at: blocked[0]?.waits[0]?.at });
  }
  if (allFinished) {
    if (prog.enabled("final")) {
      for (const p of prog.model.finals) {
        const v = checkProperty(prog, s, p, "final");
        if (v) out.push(v);
      }
    }
    if (prog.enabled("leak")) {
      for (const pool of prog.model.objects) {
        // a pool no free statement takes: its initial objects (the first slots) outlive the model
        const outlive = pool.freedByModel ? 0 : prog.model.vars.filter((v) => v.initObject?.pool === pool).length;
        const live = s.objects[pool.name]!.map((o, i) => ({ o, i })).filter((x) => x.o.status === "live" && x.i >= outlive);
        if (!live.length) continue;
        const text = live.map((x) => `${pool.name}[${x.i}] ${formatObjectFields(pool, x.o.fields)}`).join(", ");
        out.push({ kind: "leak", message: `${text} ${live.length > 1 ? "are" : "is"} still allocated when every thread has finished`, pool: pool.name });
      }
    }
  }
  return out;
}

export function formatObjectFields(pool: ObjectSymbol, fields: Record<string, RValue>): string {
  return `{${pool.fields.map((f) => `${f.name}: ${formatValue(f.type, fields[f.name]!)}`).join(", ")}}`;
}
