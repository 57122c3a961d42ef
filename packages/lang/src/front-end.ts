// The whole front end in one call: load the root file and its imports, parse,
// check. Stops before checking when parsing failed, so that a syntax error does
// not also produce a cascade of name errors.
import { type CheckedModel, type Override, checkModel } from "./checker.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "./diagnostics.js";
import { type FileHost, type LoadedModel, loadModel, nodeHost } from "./loader.js";

export interface FrontEndResult {
  model?: CheckedModel;
  loaded: LoadedModel;
  diagnostics: Diagnostic[];
}

export function compileModel(rootPath: string, options: { overrides?: readonly Override[]; host?: FileHost; text?: string; rootFromFile?: boolean } = {}): FrontEndResult {
  const loaded = loadModel(rootPath, options.host ?? nodeHost, options.text, { rootFromFile: options.rootFromFile });
  if (hasErrors(loaded.diagnostics) || loaded.files.length === 0) {
    return { loaded, diagnostics: sortDiagnostics(loaded.diagnostics) };
  }
  const checked = checkModel(loaded, { overrides: options.overrides });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...checked.diagnostics]);
  return { loaded, diagnostics, model: hasErrors(diagnostics) ? undefined : checked.model };
}
