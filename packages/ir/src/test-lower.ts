// Test helper: model source text -> IR, in memory (`lower`), or a model file on
// disk with its imports (`lowerFile`). Both throw with the rendered diagnostics
// when the model does not compile (front end or lowering), so a test fails with
// the compiler's own explanation; `tryLower` returns them, for tests of the
// diagnostics themselves. Test-only (excluded from the build).
import { type Diagnostic, type Override, compileModel, formatLocation, memoryHost } from "@knot/lang";
import { lowerModel } from "./lower.js";
import type { Model } from "./model.js";

export interface LowerOptions {
  /** Constant overrides, as on the command line: { N: "3" }. */
  set?: Record<string, string>;
  /** Further files the model imports, by path. */
  files?: Record<string, string>;
  /** The root file's path (default "model.knot"). */
  path?: string;
}

export function renderDiagnostics(diags: readonly Diagnostic[]): string {
  return diags
    .map((d) => `${d.span ? `${formatLocation(d.span)}: ` : ""}${d.severity} ${d.code}: ${d.message}`)
    .join("\n");
}

function overridesOf(set: Record<string, string> | undefined): Override[] {
  return Object.entries(set ?? {}).map(([name, text]) => ({ name, text }));
}

function lowerFront(front: ReturnType<typeof compileModel>): { model?: Model; diagnostics: Diagnostic[] } {
  if (!front.model) return { diagnostics: front.diagnostics };
  return lowerModel(front.model);
}

/** Front end and lowering; on failure, the diagnostics of the stage that failed. */
export function tryLower(source: string, options: LowerOptions = {}): { model?: Model; diagnostics: Diagnostic[] } {
  const path = options.path ?? "model.knot";
  return lowerFront(compileModel(path, { host: memoryHost({ ...options.files, [path]: source }), overrides: overridesOf(options.set) }));
}

/** The IR of a model file on disk (path relative to the working directory) that must compile. */
export function lowerFile(path: string, set?: Record<string, string>): Model {
  const { model, diagnostics } = lowerFront(compileModel(path, { overrides: overridesOf(set) }));
  if (!model) throw new Error(`${path} does not compile:\n${renderDiagnostics(diagnostics)}`);
  return model;
}

/** The IR of a model that must compile. */
export function lower(source: string, options: LowerOptions = {}): Model {
  const { model, diagnostics } = tryLower(source, options);
  if (!model) throw new Error(`the model does not compile:\n${renderDiagnostics(diagnostics)}`);
  return model;
}
