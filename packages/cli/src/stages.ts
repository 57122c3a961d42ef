// The pipeline as typed stages: parse and check -> lower -> search -> report.
// Each stage either yields its value or has already printed its diagnostics and
// says which exit code the command should end with. Commands chain stages;
// nothing here parses options.
import { type CheckedModel, type Diagnostic, type Override, compileModel, hasErrors } from "@knot/lang";
import { type Model, lowerModel } from "@knot/ir";
import type { SearchResult } from "@knot/engine";
import { type CheckReport, type ReportOptions, buildCheckReport, checkCounterexamples, renderDiagnostics, diagnosticsToJson, renderDisagreement, MAX_SHOWN_DIAGNOSTICS } from "@knot/report";
import { ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

export type Stage<T> = { ok: true; value: T } | { ok: false; exit: ExitCode };

export interface ModelInput {
  path: string;
  overrides: Override[];
}

export function printDiagnostics(io: Io, diags: readonly Diagnostic[], format: "text" | "json" = "text"): void {
  if (diags.length === 0) return;
  if (format === "json") {
    const omitted = diags.length - MAX_SHOWN_DIAGNOSTICS;
    io.out(JSON.stringify({ verdict: "error", diagnostics: diagnosticsToJson(diags), ...(omitted > 0 ? { omittedDiagnostics: omitted } : {}) }, null, 2) + "\n");
  }
  else io.err(renderDiagnostics(diags));
}

export function checkStage(io: Io, input: ModelInput, format: "text" | "json" = "text"): Stage<CheckedModel> {
  const r = compileModel(input.path, { overrides: input.overrides });
  if (!r.model || hasErrors(r.diagnostics)) {
    printDiagnostics(io, r.diagnostics, format);
    return { ok: false, exit: ExitCode.UsageOrModelError };
  }
  printDiagnostics(io, r.diagnostics, "text");
  return { ok: true, value: r.model };
}

export function lowerStage(io: Io, model: CheckedModel, format: "text" | "json" = "text"): Stage<Model> {
  const r = lowerModel(model);
  if (!r.model) {
    printDiagnostics(io, r.diagnostics, format);
    return { ok: false, exit: ExitCode.UsageOrModelError };
  }
  printDiagnostics(io, r.diagnostics, "text");
  return { ok: true, value: r.model };
}

export function loadStages(io: Io, input: ModelInput, format: "text" | "json" = "text"): Stage<{ checked: CheckedModel; model: Model }> {
  const checked = checkStage(io, input, format);
  if (!checked.ok) return checked;
  const lowered = lowerStage(io, checked.value, format);
  if (!lowered.ok) return lowered;
  return { ok: true, value: { checked: checked.value, model: lowered.value } };
}

/** Parse repeated `--set NAME=VALUE` options. */
export function parseSettings(io: Io, sets: readonly string[]): Stage<Override[]> {
  const out: Override[] = [];
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) {
      io.err(`knot: error[K9002]: --set expects NAME=VALUE, got '${s}'\n`);
      return { ok: false, exit: ExitCode.UsageOrModelError };
    }
    out.push({ name: s.slice(0, eq).trim(), text: s.slice(eq + 1).trim() });
  }
  return { ok: true, value: out };
}

/**
 * The engine and the reference semantics disagree on a counterexample: an
 * internal error (exit 70), reported with both states by the command line.
 */
export class DisagreementError extends Error {
  constructor(readonly report: string) {
    super(report.split("\n")[0]);
  }
}

/**
 * The report of a search, after every counterexample in it has been replayed
 * by the reference semantics (which also computes each step's changes).
 * Throws DisagreementError when a replay fails.
 */
export function reportStage(checked: CheckedModel, model: Model, result: SearchResult, disabled: ReadonlySet<string>, options: ReportOptions): CheckReport {
  const replayed = checkCounterexamples(checked, model, result, disabled);
  if (!replayed.ok) throw new DisagreementError(renderDisagreement(replayed.disagreement));
  return buildCheckReport(model, result, { ...options, replayed: replayed.changes });
}
