// The report of `knot simulate`: random walks in the reference semantics. Each
// distinct violation a walk hit is a ViolationReport whose trace is the walk up
// to it (the same shape knot check uses, so text rendering is shared; walks
// carry no call chains). A walk that hits nothing proves nothing: the verdict
// is then "none", never "pass". The JSON form is documented in docs/json.md.
import type { ViolationKind } from "@knot/ir";
import type { SimulateResult, SimulatedViolation } from "@knot/reference";
import type { TraceReport, ViolationReport } from "./check-report.js";
import { EXPLANATIONS } from "./explanations.js";
import { traceText } from "./text.js";

export const SIMULATION_REPORT_VERSION = 1;

export interface SimulationReport {
  knot: string;
  version: number;
  kind: "simulate";
  model: string;
  constants: { name: string; value: string; overridden: boolean }[];
  seed: number;
  runs: number;
  /** Most steps per walk. */
  depth: number;
  /** Steps taken over all walks. */
  steps: number;
  seconds: number;
  verdict: "violation" | "none";
  violations: ViolationReport[];
}

function violationReport(v: SimulatedViolation): ViolationReport {
  const steps = v.trace.steps;
  const last = steps[steps.length - 1];
  const end = last ? last.after : v.trace.initial;
  const trace: TraceReport = {
    initial: Object.entries(v.trace.initial.shared).map(([name, value]) => ({ name, value })),
    steps: steps.map((s, i) => ({
      index: i + 1,
      thread: s.thread,
      statement: s.label,
      at: s.at,
      frames: s.frames,
      ...(s.choice ? { choice: s.choice } : {}),
      changes: s.changes,
      events: [],
      ...(s.failed ? { failed: true } : {}),
    })),
    final: Object.entries(end.threads).map(([thread, at]) => ({ thread, at })),
  };
  return {
    kind: v.kind as ViolationKind,
    message: v.message,
    explanation: EXPLANATIONS[v.kind as ViolationKind] ?? "",
    ...(v.at ? { at: v.at } : {}),
    ...(v.property ? { property: v.property } : {}),
    chains: [],
    trace,
  };
}

export interface SimulationOptions {
  version: string;
  model: string;
  constants: SimulationReport["constants"];
  seed: number;
  depth: number;
  seconds: number;
}

export function buildSimulationReport(result: SimulateResult, o: SimulationOptions): SimulationReport {
  const violations = result.violations.map(violationReport);
  return {
    knot: o.version,
    version: SIMULATION_REPORT_VERSION,
    kind: "simulate",
    model: o.model,
    constants: o.constants,
    seed: o.seed,
    runs: result.runs,
    depth: o.depth,
    steps: result.steps,
    seconds: o.seconds,
    verdict: violations.length ? "violation" : "none",
    violations,
  };
}

export function renderSimulationText(r: SimulationReport): string {
  const set = r.constants.filter((c) => c.overridden);
  const header = `${r.model}${set.length ? ` (${set.map((c) => `${c.name} = ${c.value}`).join(", ")})` : ""}`;
  const walks = `${r.runs} random walk${r.runs === 1 ? "" : "s"} of at most ${r.depth} step${r.depth === 1 ? "" : "s"}, seed ${r.seed}`;
  const summary = `${r.steps} step${r.steps === 1 ? "" : "s"} in ${walks}, ${r.seconds.toFixed(2)} s`;
  if (r.verdict === "none") {
    return `none: ${header}: no violation hit in ${walks}\n  ${summary} (a simulation is not a proof: knot check explores every interleaving)\n`;
  }
  const out = [`${header}: ${r.violations.length} violation${r.violations.length === 1 ? "" : "s"} hit by simulation`];
  for (const v of r.violations) {
    out.push("", `${v.kind === "pool-exhausted" ? "error" : "violation"}[${v.kind}]: ${v.message}`, `  ${v.explanation}`);
    if (v.property && v.at) out.push(`  property ${v.property} at ${v.at.file}:${v.at.line}:${v.at.col}`);
    out.push("", ...traceText(v.trace, v.kind));
  }
  out.push("", summary);
  return out.join("\n") + "\n";
}

export function renderSimulationJson(r: SimulationReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
