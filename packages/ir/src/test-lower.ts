// Test helper: model source text -> IR, in memory. `lower` throws with the
// rendered diagnostics when the model does not compile (front end or lowering),
// so a test fails with the compiler's own explanation; `tryLower` returns them,
// for tests of the diagnostics themselves. Test-only (excluded from the build).
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

/** Front end and lowering; on failure, the diagnostics of the stage that failed. */
export function tryLower(source: string, options: LowerOptions = {}): { model?: Model; diagnostics: Diagnostic[] } {
  const path = options.path ?? "model.knot";
  const overrides: Override[] = Object.entries(options.set ?? {}).map(([name, text]) => ({ name, text }));
  const front = compileModel(path, { host: memoryHost({ ...options.files, [path]: source }), overrides });
  if (!front.model) return { diagnostics: front.diagnostics };
  return lowerModel(front.model);
}

/** The IR of a model that must compile. */
export function lower(source: string, options: LowerOptions = {}): Model {
  const { model, diagnostics } = tryLower(source, options);
  if (!model) throw new Error(`the model does not compile:\n${renderDiagnostics(diagnostics)}`);
  return model;
}
