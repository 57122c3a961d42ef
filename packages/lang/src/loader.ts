// Loading: the root file and, transitively, every file it imports. Imports are a
// flat merge (as TLA+'s EXTENDS): the result is the list of modules with each
// file's imports before the file itself, every file once, whatever the cycles.
// File access goes through a host so that tests can run on in-memory files.
import * as nodeFs from "node:fs";
import * as nodePath from "node:path";
import type { Module } from "./ast.js";
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { parse } from "./parser.js";
import { SourceFile, type Span } from "./source.js";

export interface FileHost {
  /** The file's text, or undefined when it cannot be read (with a reason). */
  readFile(path: string): { text: string } | { error: string };
  /** A key that is equal for two paths naming the same file. */
  identity(path: string): string;
}

export const nodeHost: FileHost = {
  readFile(path) {
    try {
      const stat = nodeFs.statSync(path);
      if (stat.isDirectory()) return { error: "it is a directory" };
      return { text: nodeFs.readFileSync(path, "utf8") };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { error: code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String((e as Error).message) };
    }
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

function importPath(from: string, target: string): string {
  if (nodePath.isAbsolute(target)) return target;
  const joined = nodePath.join(nodePath.dirname(from), target);
  return joined;
}

export function loadModel(rootPath: string, host: FileHost = nodeHost, rootText?: string): LoadedModel {
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
      const r = host.readFile(path);
      if ("error" in r) {
        diagnostics.push(error(LangCodes.CannotReadFile, `cannot read '${path}': ${r.error}`, via));
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
