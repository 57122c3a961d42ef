// Test helper: inline span markers in model source. A test writes source with
// `[[` and `]]` around each range where it expects a diagnostic, e.g.
//   var x: 0..3 = [[true]]
// (an empty `[[]]` marks a position). `stripMarkers` removes the markers and
// returns the clean text and the marked ranges; `checkMarked` compiles marked
// in-memory files and asserts that the diagnostics are exactly one per mark, in
// source order, with the given codes, each spanning exactly its mark. Spans are
// compared as "file:line:col-line:col" strings so that a failure shows where.
// Markers are the outermost pairs of a run of brackets: `[[[0: 1]]]` marks
// `[0: 1]` and `[[m[0]]]` marks `m[0]`; to mark inside brackets, space them:
// `m[ [[k]] ]`. A run of `]` closes at most as many marks as are open.
import { expect } from "vitest";
import type { Override } from "./checker.js";
import { type Diagnostic, sortDiagnostics } from "./diagnostics.js";
import { type FrontEndResult, compileModel } from "./front-end.js";
import { memoryHost } from "./loader.js";
import { type ParseResult, parse } from "./parser.js";
import { SourceFile, type Span } from "./source.js";

export interface Mark {
  file: string;
  start: number;
  end: number;
  /** The marked text. */
  text: string;
}

export interface MarkedSource {
  text: string;
  marks: Mark[];
}

/** Remove `[[`/`]]` markers; marks are in order of their opening marker. */
export function stripMarkers(source: string, file = "m.knot"): MarkedSource {
  let text = "";
  const marks: Mark[] = [];
  const open: number[] = [];
  const runLength = (i: number, c: string) => {
    let j = i;
    while (source[j] === c) j++;
    return j - i;
  };
  for (let i = 0; i < source.length; ) {
    if (source[i] === "[") {
      // opening markers first, then the brackets that are text
      const run = runLength(i, "[");
      for (let k = 0; k < Math.floor(run / 2); k++) {
        open.push(marks.length);
        marks.push({ file, start: text.length, end: -1, text: "" });
      }
      text += "[".repeat(run % 2);
      i += run;
    } else if (source[i] === "]") {
      // the brackets that are text first, then the closing markers
      const run = runLength(i, "]");
      const closing = Math.min(open.length, Math.floor(run / 2));
      text += "]".repeat(run - 2 * closing);
      for (let k = 0; k < closing; k++) {
        const mark = marks[open.pop()!]!;
        mark.end = text.length;
        mark.text = text.slice(mark.start, mark.end);
      }
      i += run;
    } else {
      text += source[i];
      i++;
    }
  }
  if (open.length > 0) throw new Error(`unclosed [[ marker in test source for ${file}`);
  return { text, marks };
}

/** `file:line:col-line:col` of a range of `text` (1-based, end exclusive). */
export function rangeLocation(file: string, text: string, start: number, end: number): string {
  const source = new SourceFile(file, text);
  const a = source.position(start);
  const b = source.position(end);
  return `${file}:${a.line}:${a.col}-${b.line}:${b.col}`;
}

export function spanLocation(span: Span): string {
  return rangeLocation(span.file.path, span.file.text, span.start, span.end);
}

/** A diagnostic as "CODE file:line:col-line:col" (or "CODE <no span>"). */
export function diagnosticKey(d: Diagnostic): string {
  return `${d.code} ${d.span ? spanLocation(d.span) : "<no span>"}`;
}

export interface MarkedFiles {
  /** Clean text per file. */
  texts: Record<string, string>;
  /** Marks of all files, file by file in the order given, then in source order. */
  marks: Mark[];
}

export function stripMarkedFiles(files: string | Record<string, string>): MarkedFiles {
  const named = typeof files === "string" ? { "m.knot": files } : files;
  const texts: Record<string, string> = {};
  const marks: Mark[] = [];
  for (const [file, source] of Object.entries(named)) {
    const stripped = stripMarkers(source, file);
    texts[file] = stripped.text;
    marks.push(...stripped.marks);
  }
  return { texts, marks };
}

export function markLocation(mark: Mark, texts: Record<string, string>): string {
  return rangeLocation(mark.file, texts[mark.file]!, mark.start, mark.end);
}

export interface CompiledMarked extends FrontEndResult, MarkedFiles {}

/** Compile in-memory marked files; the root is the first file (or the one string, named m.knot). */
export function compileMarked(files: string | Record<string, string>, overrides: readonly Override[] = []): CompiledMarked {
  const marked = stripMarkedFiles(files);
  const root = Object.keys(marked.texts)[0]!;
  const result = compileModel(root, { host: memoryHost(marked.texts), overrides });
  return { ...result, ...marked };
}

/**
 * Assert that `diagnostics` are exactly one per mark with the codes given (in
 * mark order), each spanning its mark. Both sides are compared in the order
 * the front end reports diagnostics: by file path, then by position.
 */
export function expectMarkedDiagnostics(diagnostics: readonly Diagnostic[], marked: MarkedFiles, codes: readonly string[]): void {
  if (codes.length !== marked.marks.length) {
    throw new Error(`test bug: ${marked.marks.length} marks but ${codes.length} codes`);
  }
  const want = marked.marks
    .map((m, i) => ({ m, key: `${codes[i]} ${markLocation(m, marked.texts)}` }))
    .sort((a, b) => (a.m.file !== b.m.file ? (a.m.file < b.m.file ? -1 : 1) : a.m.start - b.m.start))
    .map((x) => x.key);
  const got = diagnostics.map(diagnosticKey);
  const messages = diagnostics.map((d) => `${diagnosticKey(d)}: ${d.message}`).join("\n");
  expect(got, `diagnostics were:\n${messages || "(none)"}`).toEqual(want);
}

/** Compile marked files and assert their diagnostics against the marks; returns the result for further checks. */
export function checkMarked(files: string | Record<string, string>, codes: readonly string[], overrides: readonly Override[] = []): CompiledMarked {
  const result = compileMarked(files, overrides);
  expectMarkedDiagnostics(result.diagnostics, result, codes);
  return result;
}

export interface ParsedMarked extends ParseResult, MarkedFiles {}

/** Parse one marked file (no imports followed, no checking); diagnostics sorted by position. With `codes`, assert them against the marks. */
export function parseMarked(source: string, codes?: readonly string[]): ParsedMarked {
  const { text, marks } = stripMarkers(source);
  const result = parse(new SourceFile("m.knot", text));
  const parsed = { module: result.module, diagnostics: sortDiagnostics(result.diagnostics), texts: { "m.knot": text }, marks };
  if (codes) expectMarkedDiagnostics(parsed.diagnostics, parsed, codes);
  return parsed;
}
