// knot merge REPORT.json...: one verdict from the JSON reports of a swarm's members
// (`knot check --swarm I/N --format json`, run wherever the user's scheduler runs them:
// a CI job matrix, a Kubernetes Indexed Job, a Slurm array; docs/cli.md, "Swarm"). Each
// file is validated as `knot trace` does; reports on different models or settings, and the
// same member twice, are refused. Exit 1 when some member found a violation, 0 when none
// did and one member searched the whole state space, 3 when none did (a swarm of partial
// searches is no proof), 2 for bad input and, as for knot check, an exhausted object pool.
import { printable } from "@knot/lang";
import { type CheckReport, mergeSwarmReports, renderSwarmJson, renderSwarmText } from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { loadCheckReport } from "./trace.js";

export interface MergeArgs {
  files: string[];
  format: "text" | "json";
}

export function runMerge(io: Io, args: MergeArgs): number {
  const reports: CheckReport[] = [];
  for (const file of args.files) {
    const read = loadCheckReport(io, file);
    if (!read.ok) return read.exit;
    reports.push(read.report);
  }
  const merged = mergeSwarmReports(args.files.map((f) => printable(f)), reports);
  if (!merged.ok) {
    io.err(`knot: error[K9018]: ${printable(merged.problem)}\n`);
    return ExitCode.UsageOrModelError;
  }
  io.out(args.format === "json" ? renderSwarmJson(merged.report) : renderSwarmText(merged.report));
  const r = merged.report;
  // an exhausted object pool is a mistake in the model (its bound), as knot check says it
  if (r.violations.some((v) => v.kind === "pool-exhausted")) return ExitCode.UsageOrModelError;
  if (r.verdict === "violation") return ExitCode.Violation;
  return r.verdict === "pass" ? ExitCode.Pass : ExitCode.Incomplete;
}
