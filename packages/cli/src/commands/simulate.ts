// knot simulate MODEL: seeded random walks in the reference semantics, for
// models too large to explore exhaustively. Each distinct violation hit is
// reported with the walk that reached it. Exit 1 when a violation was hit, 0
// when none was (which proves nothing), 2 for a model or usage error or an
// exhausted object pool (a bound of the model, as in knot check).
import { performance } from "node:perf_hooks";
import type { ViolationKind } from "@knot/ir";
import { createReference } from "@knot/reference";
import { buildSimulationReport, renderSimulationJson, renderSimulationText } from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { loadStages, parseSettings } from "../stages.js";
import { KNOT_VERSION } from "../version.js";

export interface SimulateArgs {
  model: string;
  set: string[];
  runs: number;
  depth: number;
  seed: number;
  format: "text" | "json";
  disabled: ViolationKind[];
}

export function runSimulate(io: Io, args: SimulateArgs): number {
  const settings = parseSettings(io, args.set);
  if (!settings.ok) return settings.exit;
  // lowered too, for the constants as knot check prints them (and the same model errors)
  const loaded = loadStages(io, { path: args.model, overrides: settings.value }, args.format);
  if (!loaded.ok) return loaded.exit;
  const model = loaded.value.checked;
  const start = performance.now();
  const result = createReference(model, { disabled: new Set(args.disabled) }).simulate({ runs: args.runs, depth: args.depth, seed: args.seed });
  const report = buildSimulationReport(result, {
    version: KNOT_VERSION,
    model: args.model,
    constants: loaded.value.model.constants,
    seed: args.seed,
    depth: args.depth,
    seconds: (performance.now() - start) / 1000,
  });
  io.out(args.format === "json" ? renderSimulationJson(report) : renderSimulationText(report));
  if (report.violations.some((v) => v.kind === "pool-exhausted")) return ExitCode.UsageOrModelError;
  return report.verdict === "violation" ? ExitCode.Violation : ExitCode.Pass;
}
