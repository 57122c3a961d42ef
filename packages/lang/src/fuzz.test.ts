// Robustness: mutated versions of every model under models/ and docs/examples/
// (walked, not listed; test-mutate.ts: tokens deleted, duplicated, swapped or
// inserted, text truncated, random characters or vocabulary tokens inserted,
// identifiers renamed, sometimes an imported file broken too, sometimes --set
// overrides) never make the front end throw; every diagnostic has a front-end
// code and a span inside its file whose start and end have a valid 1-based
// line and column (the column within its line); no message quotes a hidden
// character (printable.ts); and each input compiles in
// well under INPUT_LIMIT_MS, so that a hang fails here rather than timing out
// the suite. 10 × KNOT_FUZZ_RUNS inputs (default 3000), deterministic (seeded);
// and KNOT_FUZZ_RUNS (default 300) inputs made deep or long (test-mutate-limits.ts),
// held to the same.
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "./diagnostics.js";
import { compileModel } from "./front-end.js";
import { memoryHost } from "./loader.js";
import type { Span } from "./source.js";
import { isPrintable } from "./printable.js";
import { modelFiles, mutatedInputs } from "./test-mutate.js";
import { sizeMutatedInputs } from "./test-mutate-limits.js";

const INPUTS = 10 * Number(process.env.KNOT_FUZZ_RUNS ?? 300);
const INPUT_LIMIT_MS = 2000;
const SIZE_INPUTS = Number(process.env.KNOT_FUZZ_RUNS ?? 300);

function positionProblem(span: Span, offset: number, what: string): string | undefined {
  const { line, col } = span.file.position(offset);
  const lines = span.file.lineStarts;
  if (!Number.isInteger(line) || !Number.isInteger(col) || line < 1 || line > lines.length) return `${what} line ${line} outside 1..${lines.length}`;
  const start = lines[line - 1]!;
  const next = lines[line];
  const length = (next === undefined ? span.file.text.length : next - 1) - start; // without the line break
  if (col < 1 || col > length + 1) return `${what} column ${col} outside 1..${length + 1} of line ${line}`;
  return undefined;
}

function spanProblem(span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const { start, end, file } = span;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return `non-integer span ${start}..${end}`;
  if (start < 0 || start > end || end > file.text.length) return `span ${start}..${end} outside ${file.path} (length ${file.text.length})`;
  return positionProblem(span, start, "start") ?? positionProblem(span, end, "end");
}

function problemsOf(diags: readonly Diagnostic[]): string[] {
  const problems: string[] = [];
  for (const d of diags) {
    const p = spanProblem(d.span);
    if (p) problems.push(`${d.code} ${d.message}: ${p}`);
    for (const r of d.related) {
      const q = spanProblem(r.span);
      if (q) problems.push(`${d.code} related ${r.message}: ${q}`);
    }
    if (!/^K[1-5]\d{3}$/.test(d.code)) problems.push(`unknown code ${d.code}`);
    if (!d.message) problems.push(`${d.code} without a message`);
    if (!isPrintable(d.message) || d.related.some((r) => !isPrintable(r.message))) problems.push(`${d.code} quotes a hidden character: ${JSON.stringify(d.message)}`);
  }
  return problems;
}

describe("front end on mutated models", () => {
  it(`${INPUTS} mutated inputs: no throw, valid spans, quick`, () => {
    let withErrors = 0;
    let clean = 0;
    let checked = 0;
    let slowest = 0;
    const failures: string[] = [];
    let n = 0;
    for (const input of mutatedInputs(20240611, INPUTS)) {
      const started = performance.now();
      const label = `#${n} ${input.root} (mutated: ${input.mutated.join(", ")}${input.overrides.length ? `; --set ${input.overrides.map((o) => `${o.name}=${o.text}`).join(" ")}` : ""})`;
      try {
        const r = compileModel(input.root, { host: memoryHost(input.files), overrides: input.overrides });
        for (const p of problemsOf(r.diagnostics)) failures.push(`${label}: ${p}\n--- input ---\n${input.files[input.root]}`);
        if (r.diagnostics.some((d) => d.severity === "error")) withErrors++;
        else clean++;
        // reached the checker: no lexical or syntax error
        if (r.diagnostics.every((d) => !/^K[12]/.test(d.code))) checked++;
      } catch (e) {
        failures.push(`${label}: threw ${(e as Error).stack ?? String(e)}\n--- input ---\n${input.files[input.root]}`);
      }
      const ms = performance.now() - started;
      slowest = Math.max(slowest, ms);
      if (ms > INPUT_LIMIT_MS) failures.push(`${label}: took ${Math.round(ms)} ms\n--- input ---\n${input.files[input.root]}`);
      n++;
    }
    console.log(
      `front-end fuzz: ${n} mutated inputs over ${Object.keys(modelFiles()).length} model files: ${withErrors} with errors, ` +
      `${clean} compiled cleanly; ${checked} reached the checker; slowest ${Math.round(slowest)} ms`,
    );
    expect(failures.slice(0, 5), `${failures.length} failures`).toEqual([]);
    expect(n).toBe(INPUTS);
    // the mutations must also reach the checker and produce valid models, not only lexer and parser errors
    expect(checked).toBeGreaterThan(INPUTS * 0.2);
    expect(clean).toBeGreaterThan(INPUTS * 0.02);
  }, 600_000);

  // test-mutate-limits.ts: deep nesting (parentheses, `-`, `not`, `+` chains, `if` blocks,
  // `else if` chains, nested types), long names, long files, repeated tokens
  it(`${SIZE_INPUTS} inputs past the size and depth limits: no throw, valid spans, quick`, () => {
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let slowest = 0;
    let n = 0;
    for (const input of sizeMutatedInputs(20250101, SIZE_INPUTS)) {
      const started = performance.now();
      const label = `#${n} ${input.root} (${input.kind})`;
      try {
        const r = compileModel(input.root, { host: memoryHost(input.files), overrides: input.overrides });
        for (const p of problemsOf(r.diagnostics)) failures.push(`${label}: ${p}`);
        for (const d of r.diagnostics) if (/^K(1005|200[789])$/.test(d.code)) kinds.set(d.code, (kinds.get(d.code) ?? 0) + 1);
      } catch (e) {
        failures.push(`${label}: threw ${(e as Error).stack ?? String(e)}`);
      }
      const ms = performance.now() - started;
      slowest = Math.max(slowest, ms);
      if (ms > INPUT_LIMIT_MS) failures.push(`${label}: took ${Math.round(ms)} ms`);
      n++;
    }
    console.log(`front-end size fuzz: ${n} inputs; limit diagnostics ${JSON.stringify(Object.fromEntries([...kinds].sort()))}; slowest ${Math.round(slowest)} ms`);
    expect(failures.slice(0, 5), `${failures.length} failures`).toEqual([]);
    // the mutations reach every limit
    expect([...kinds.keys()].sort()).toEqual(["K1005", "K2007", "K2008", "K2009"]);
  }, 600_000);

  it("handles degenerate inputs", () => {
    for (const text of ["", "\n", "}", "{", "process", "process p {", "import", 'import "m.knot"', "/*", '"', "\\", "\u0000", "😀".repeat(3), "\r\n\r\n", "\ud800", "process p { skip }\r\n"]) {
      const r = compileModel("m.knot", { host: memoryHost({ "m.knot": text }) });
      expect(problemsOf(r.diagnostics), JSON.stringify(text)).toEqual([]);
      if (!text.includes("process p { skip }")) expect(r.diagnostics.length, JSON.stringify(text)).toBeGreaterThan(0);
    }
  });
});
