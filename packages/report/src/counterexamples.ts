// Every counterexample the engine found, replayed by the reference semantics
// (@knot/reference) before it is reported: each step must be a possible step
// of the reference leading to the same decoded state, and the end must show
// the same violation (or, for a lock-order edge, a last step that takes the
// second lock while holding the first).
// What comes back is, per trace, each step's changes as the reference computed
// them from immer patches; or the first disagreement, with the engine's state
// and the states the reference could reach, which the CLI reports as an
// internal error: two implementations of the semantics disagree, so one of
// them is wrong and no trace is trustworthy.
import type { CheckedModel } from "@knot/lang";
import { type Change, type Model, type SrcLoc, decodeShared, idleLocation } from "@knot/ir";
import type { EngineTrace, SearchResult } from "@knot/engine";
import { type NamedState, type NamedTrace, type Reference, type TraceClaim, createReference } from "@knot/reference";
import type { CheckReport, TraceReport } from "./check-report.js";

/** Where engine and reference part ways on one counterexample. */
export interface Disagreement {
  /** What the trace shows: a violation kind, or `lock-order A -> B`. */
  what: string;
  /** The step that diverged: 0 for the initial state, 1.. for trace steps, steps + 1 for the final check. */
  step: number;
  steps: number;
  reason: string;
  /** The engine's state at that point. */
  engine: NamedState;
  /** The states the reference reaches instead. */
  reference: NamedState[];
}

export type CounterexampleCheck =
  | { ok: true; changes: Map<EngineTrace, Change[][]> }
  | { ok: false; disagreement: Disagreement };

/** A packed engine state in the reference's names: shared values, and where each thread rests. */
export function namedEngineState(model: Model, s: ArrayLike<number>): NamedState {
  const shared: Record<string, string> = Object.create(null); // names from the model may be __proto__
  for (const v of decodeShared(model, s)) shared[v.name] = v.value;
  const threads: Record<string, string> = Object.create(null); // names from the model may be __proto__
  for (const t of model.threads) {
    const proc = model.processes[t.process]!;
    const loc = proc.locations[s[t.pcSlot]!];
    threads[t.name] = !loc || loc.kind === "end" ? "finished" : idleLocation(proc) === loc.id ? "idle" : `${loc.at.file}:${loc.at.line}:${loc.at.col}`;
  }
  return { shared, threads };
}

/** An engine trace as the reference replays it. */
export function namedEngineTrace(model: Model, trace: EngineTrace, claim: TraceClaim, raisedAt?: SrcLoc): NamedTrace {
  return {
    initial: namedEngineState(model, trace.initial),
    steps: trace.steps.map((st) => {
      const step = model.steps[st.step]!;
      return {
        thread: model.threads[st.thread]!.name,
        at: step.at,
        ...(step.choice ? { choice: step.choice } : {}),
        after: namedEngineState(model, st.state),
        ...(st.failed ? { failed: { kind: claim.kind, ...(raisedAt ? { at: raisedAt } : {}) } } : {}),
      };
    }),
    violation: claim,
  };
}

function replayOne(ref: Reference, model: Model, trace: EngineTrace, claim: TraceClaim, what: string, raisedAt?: SrcLoc): Change[][] | Disagreement {
  const named = namedEngineTrace(model, trace, claim, raisedAt);
  const r = ref.replay(named);
  if (r.ok) return r.steps.map((s) => s.changes);
  const engine = r.step < 0 ? named.initial : r.step < named.steps.length ? named.steps[r.step]!.after : namedEngineState(model, trace.steps.length ? trace.steps[trace.steps.length - 1]!.state : trace.initial);
  return { what, step: r.step + 1, steps: named.steps.length, reason: r.reason, engine, reference: r.candidates };
}

/** Replay every violation's trace and every lock-order edge's trace of a search. */
export function checkCounterexamples(checked: CheckedModel, model: Model, result: SearchResult, disabled: ReadonlySet<string>): CounterexampleCheck {
  const changes = new Map<EngineTrace, Change[][]>();
  if (!result.violations.length && !result.warnings.length) return { ok: true, changes };
  const ref = createReference(checked, { disabled });
  const record = (trace: EngineTrace, r: Change[][] | Disagreement): Disagreement | undefined => {
    if (!Array.isArray(r)) return r;
    changes.set(trace, r);
    return undefined;
  };
  for (const v of result.violations) {
    const claim = { kind: v.kind, ...(v.property ? { property: v.property } : {}) };
    const bad = record(v.trace, replayOne(ref, model, v.trace, claim, v.kind, v.at));
    if (bad) return { ok: false, disagreement: bad };
  }
  for (const w of result.warnings) {
    for (const e of w.edges) {
      const edge = { from: e.from, to: e.to, thread: model.threads[e.thread]!.name };
      const bad = record(e.trace, replayOne(ref, model, e.trace, { kind: "lock-order", edge }, `lock-order ${e.from} -> ${e.to}`));
      if (bad) return { ok: false, disagreement: bad };
    }
  }
  return { ok: true, changes };
}

function stateLines(s: NamedState, other?: NamedState): string[] {
  const line = (text: string, differs: boolean) => `${differs ? "  * " : "    "}${text}`;
  return [
    ...Object.entries(s.shared).map(([k, v]) => line(`${k} = ${v}`, other !== undefined && other.shared[k] !== v)),
    ...Object.entries(s.threads).map(([k, v]) => line(`${k} ${v === "finished" ? "finished" : `at ${v}`}`, other !== undefined && other.threads[k] !== v)),
  ];
}

/** The disagreement as the internal-error report prints it: both states, differences starred. */
export function renderDisagreement(d: Disagreement): string {
  const where = d.step === 0 ? "the initial state" : d.step > d.steps ? `the end of the trace (after step ${d.steps})` : `step ${d.step} of ${d.steps}`;
  const lines = [
    `knot: internal error[K7001]: the ${d.what} counterexample does not replay in the reference semantics`,
    `  at ${where}: ${d.reason}`,
    `  engine state${d.step === 0 ? "" : d.step > d.steps ? " at the end" : ` after step ${d.step}`}:`,
    ...stateLines(d.engine, d.reference[0]),
  ];
  if (d.reference.length === 0) lines.push("  the reference reaches no state there");
  d.reference.forEach((r, i) => {
    lines.push(d.reference.length > 1 ? `  reference state ${i + 1} of ${d.reference.length}:` : "  reference state:", ...stateLines(r, d.engine));
  });
  lines.push("  (lines marked * differ) This is a bug in knot: please report it with the model.");
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------- saved reports

/** Where a thread rests, from a report's `final` entry ("label (file:line:col)" or "finished"). */
function positionOf(at: string): string {
  if (at === "finished") return at;
  const m = /\(([^()]*:\d+:\d+)\)$/.exec(at);
  return m ? m[1]! : at;
}

/**
 * One change of a saved trace applied to the shared values it was named against: an entry
 * (`group_lock`, `kvm[0]->users_count`) takes its new value; a field of a live object
 * (`kvm[0]->devices`, which reports show on its own) is changed inside the object's record
 * text; a change to one entry of a map (`m[k]`) leaves the map's whole value unknown.
 */
export function applySavedChange(shared: Record<string, string>, name: string, after: string): void {
  if (name in shared) {
    shared[name] = after;
    return;
  }
  const field = /^(.*\])->(\w+)$/.exec(name);
  const record = field ? shared[field[1]!] : undefined;
  if (field && record !== undefined) {
    const fields = recordFields(record);
    const i = fields?.findIndex((f) => f.startsWith(`${field[2]}: `)) ?? -1;
    if (fields && i >= 0) {
      fields[i] = `${field[2]}: ${after}`;
      shared[field[1]!] = `{${fields.join(", ")}}`;
    } else delete shared[field[1]!];
    return;
  }
  delete shared[name.slice(0, name.indexOf("[") < 0 ? undefined : name.indexOf("["))];
}

/** The `name: value` parts of a record's text (`{a: 1, s: {x, y}}`), or undefined if it is not one. */
function recordFields(text: string): string[] | undefined {
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  const parts: string[] = [];
  let depth = 0;
  let start = 1;
  for (let i = 1; i < text.length - 1; i++) {
    const ch = text[i]!;
    if (ch === "{" || ch === "[" || ch === "(") depth++;
    else if (ch === "}" || ch === "]" || ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start, text.length - 1).trim();
  if (last) parts.push(last);
  return parts;
}

/**
 * A trace from a saved report as the reference replays it. The report gives
 * the initial shared values and each step's changes, so every step's shared
 * state is rebuilt by applying them; thread positions are known for the end
 * only. A change to one entry of a map (`m[k]`) leaves the map's whole value
 * unknown, so it is not compared after that.
 */
export function namedSavedTrace(t: TraceReport, claim: TraceClaim, raisedAt?: SrcLoc): NamedTrace {
  const shared: Record<string, string> = Object.create(null); // names from the model may be __proto__
  for (const v of t.initial) shared[v.name] = v.value;
  const steps = t.steps.map((st) => {
    if (!st.failed) {
      for (const c of st.changes) {
        if (!c.thread) applySavedChange(shared, c.name, c.after);
      }
    }
    return {
      thread: st.thread,
      at: st.at,
      ...(st.choice ? { choice: st.choice } : {}),
      after: { shared: { ...shared }, threads: {} },
      ...(st.failed ? { failed: { kind: claim.kind, ...(st.failure ? { at: st.failure.at } : raisedAt ? { at: raisedAt } : {}) } } : {}),
    };
  });
  return {
    initial: { shared: Object.fromEntries(t.initial.map((v) => [v.name, v.value])), threads: {} },
    steps,
    violation: claim,
    final: Object.fromEntries(t.final.map((f) => [f.thread, positionOf(f.at)])),
  };
}

/** Whether one saved counterexample still happens on a model. */
export interface SavedReplay {
  /** A violation kind, or `lock-order A -> B`. */
  what: string;
  reproduces: boolean;
  steps: number;
  /** Where it stopped reproducing: 0 the initial state, 1.. a step, steps + 1 the end. */
  diverged?: {
    step: number;
    reason: string;
    /** The step's thread, statement and location as the report gives them. */
    statement?: { thread: string; text: string; at: SrcLoc };
    /** Shared values the trace expects there that no reachable state of the model has. */
    expected: { name: string; value: string; now: string[] }[];
  };
}

function differences(expected: NamedState, candidates: readonly NamedState[]): { name: string; value: string; now: string[] }[] {
  const out: { name: string; value: string; now: string[] }[] = [];
  const entries = [
    ...Object.entries(expected.shared).map(([k, v]) => ({ name: k, value: v, now: candidates.map((c) => c.shared[k] ?? "(no such entry)") })),
    ...Object.entries(expected.threads).map(([k, v]) => ({ name: `${k} at`, value: v, now: candidates.map((c) => c.threads[k] ?? "(no such thread)") })),
  ];
  for (const e of entries) {
    const now = [...new Set(e.now)];
    if (now.length && !now.includes(e.value)) out.push({ ...e, now });
  }
  return out;
}

/** Replay every counterexample of a saved report (violations and lock-order edges) on a model. */
export function replaySavedReport(checked: CheckedModel, report: CheckReport, disabled: ReadonlySet<string> = new Set()): SavedReplay[] {
  const ref = createReference(checked, { disabled });
  const one = (t: TraceReport, claim: TraceClaim, what: string, raisedAt?: SrcLoc): SavedReplay => {
    const named = namedSavedTrace(t, claim, raisedAt);
    const r = ref.replay(named);
    if (r.ok) return { what, reproduces: true, steps: t.steps.length };
    const st = r.step >= 0 ? t.steps[r.step] : undefined;
    return {
      what,
      reproduces: false,
      steps: t.steps.length,
      diverged: {
        step: r.step + 1,
        reason: r.reason,
        statement: st ? { thread: st.thread, text: st.statement, at: st.at } : undefined,
        expected: differences(r.expected, r.candidates),
      },
    };
  };
  return [
    // under --strict a lock-order cycle is also listed as a violation, with its last edge's trace: the edges are replayed below
    ...report.violations.filter((v) => v.kind !== "lock-order").map((v) => one(v.trace, { kind: v.kind, ...(v.property ? { property: v.property } : {}) }, v.kind, v.at)),
    ...report.warnings.flatMap((w) => w.edges.map((e) => one(e.trace, { kind: "lock-order", edge: { from: e.from, to: e.to, thread: e.thread } }, `lock-order ${e.from} -> ${e.to}`))),
  ];
}

/** The replay of a saved report as text: one verdict per counterexample, and where each one that no longer happens diverges. */
export function renderSavedReplay(file: string, model: string, settings: string, results: readonly SavedReplay[]): string {
  const lines = [`${file} replayed on ${model}${settings ? ` (${settings})` : ""}:`];
  if (!results.length) lines.push("  the report has no counterexample to replay");
  for (const r of results) {
    if (r.reproduces) {
      lines.push(`  ${r.what}: still reproduces (all ${r.steps} step${r.steps === 1 ? "" : "s"} replay and the end shows it)`);
      continue;
    }
    const d = r.diverged!;
    const where = d.step === 0 ? "at the initial state" : d.step > r.steps ? "at the end" : `at step ${d.step} of ${r.steps}`;
    lines.push(`  ${r.what}: no longer reproduces; it diverges ${where}`);
    if (d.statement) lines.push(`    ${d.step}  ${d.statement.thread}  ${d.statement.text}  ${d.statement.at.file}:${d.statement.at.line}:${d.statement.at.col}`);
    lines.push(`    ${d.reason}`);
    for (const e of d.expected) lines.push(`    the trace has ${e.name} = ${e.value}; the model now gives ${e.now.join(" or ")}`);
  }
  const still = results.filter((r) => r.reproduces).length;
  lines.push("", results.length ? `${still} of ${results.length} counterexample${results.length === 1 ? "" : "s"} still reproduce${still === 1 && results.length === 1 ? "s" : ""}` : "nothing to reproduce");
  return lines.join("\n") + "\n";
}
