// Loading: the root file and, transitively, every file it imports. Imports are a
// flat merge (as TLA+'s EXTENDS): the result is the list of modules with each
// file's imports before the file itself, every file once, whatever the cycles.
// File access goes through a host so that tests can run on in-memory files; the
// node host reads only what input-file.ts allows (regular files of bounded size).
// An import must name a `.knot` file: checked before anything is read, so an
// import of a secret (`/proc/self/environ`, `~/.ssh/id_rsa`) never shows its
// content in a diagnostic.
import * as nodeFs from "node:fs";
import * as nodePath from "node:path";
import type { Module } from "./ast.js";
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { parse } from "./parser.js";
import { SourceFile, type Span } from "./source.js";
import { printable } from "./printable.js";
import { type InputProblemKind, readInputFile } from "./input-file.js";

export interface FileHost {
  /** The file's text, or why it cannot be read (the reason never quotes the file). */
  readFile(path: string): { text: string } | { error: string; kind?: InputProblemKind };
  /** A key that is equal for two paths naming the same file. */
  identity(path: string): string;
}

export const nodeHost: FileHost = {
  readFile(path) {
    const r = readInputFile(path);
    return "text" in r ? r : { error: r.problem.reason, kind: r.problem.kind };
  },
  identity(path) {
    try {
      return nodeFs.realpathSync(path);
    } catch {
      return nodePath.resolve(path);
    }
  },
};

/** An in-memory host: keys are paths as the model names them (posix style). */
export function memoryHost(files: Record<string, string>): FileHost {
  return {
    readFile(path) {
      const key = nodePath.posix.normalize(path);
      const text = files[key];
      return text === undefined ? { error: "no such file" } : { text };
    },
    identity(path) {
      return nodePath.posix.normalize(path);
    },
  };
}

export interface LoadedModel {
  /** Every file, imports before importers; the root file is last. */
  files: SourceFile[];
  modules: Module[];
  diagnostics: Diagnostic[];
}

/** The code of a file that cannot be read, by why. */
export function cannotReadCode(kind: InputProblemKind | undefined): string {
  switch (kind) {
    case "special": case "kernel": return LangCodes.NotRegularFile;
    case "too-large": return LangCodes.FileTooLarge;
    case "binary": return LangCodes.BinaryFile;
    default: return LangCodes.CannotReadFile;
  }
}

/** Whether a file may be read as a model when the user did not name it on the command line. */
export function isModelFileName(path: string): boolean {
  return path.endsWith(".knot");
}

function importPath(from: string, target: string): string {
  if (nodePath.isAbsolute(target)) return target;
  const joined = nodePath.join(nodePath.dirname(from), target);
  return joined;
}

export interface LoadOptions {
  /** The root was not named by the user (a spec's `model "..."`): it must be a `.knot` file, as imports must. */
  rootFromFile?: boolean;
}

export function loadModel(rootPath: string, host: FileHost = nodeHost, rootText?: string, options: LoadOptions = {}): LoadedModel {
  const files: SourceFile[] = [];
  const modules: Module[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();

  const visit = (path: string, via: Span | undefined, text?: string) => {
    const id = host.identity(path);
    if (seen.has(id)) return;
    seen.add(id);
    let source = text;
    if (source === undefined) {
      if ((via !== undefined || options.rootFromFile) && !isModelFileName(path)) {
        const what = via !== undefined ? "import" : "read the model";
        diagnostics.push(error(LangCodes.NotAModelFile, `refusing to ${what} '${printable(path)}': a model names only model files, whose names end in '.knot'`, via));
        return;
      }
      const r = host.readFile(path);
      if ("error" in r) {
        diagnostics.push(error(cannotReadCode(r.kind), `cannot read '${printable(path)}': ${r.error}`, via));
        return;
      }
      source = r.text;
    }
    const file = new SourceFile(path, source);
    const parsed = parse(file);
    for (const d of parsed.diagnostics) diagnostics.push(d); // a broken long file may have more than a call has room for arguments
    for (const d of parsed.module.decls) {
      if (d.kind === "Import") visit(importPath(path, d.path), d.pathSpan);
    }
    files.push(file);
    modules.push(parsed.module);
  };
  visit(rootPath, undefined, rootText);
  return { files, modules, diagnostics };
}
