// Every stage right at the language's limits (packages/lang/src/test-limit-models.ts):
// each model with nesting exactly at a limit checks, lowers, is explored by the
// interpreter, by the compiled engine and by the reference (which must agree),
// has its counterexample replayed, and renders as text, JSON and Mermaid, and
// its saved report replays with `knot trace --model`; then the built command
// line, in a child process with Node's default stack (the test runner's workers
// may have another), checks each model at a limit (exit 1) and refuses each
// model past one (exit 2, its diagnostic, no stack trace). The chains lowering
// balances (map comparison, a map entry chosen at run time, a long set literal)
// give the same results in both engines and the reference. A generated model of
// a hundred thousand lines runs with `--engine compiled`, which says it uses the
// interpreter, and agrees with `--engine interp`; `knot compile --emit js`
// refuses it (K6009, exit 3). Temporary files are removed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, memoryHost } from "@knot/lang";
import { lowerModel } from "@knot/ir";
import { compiledSearchOption, explore } from "@knot/engine";
import { atLimitModels, overLimitModels } from "../../packages/lang/src/test-limit-models.js";
import { run } from "../../packages/cli/src/cli.js";
import { captureIo } from "../../packages/cli/src/io.js";
import { REPO_ROOT, differences, runBoth } from "../differential/run-both.js";

const CLI = nodePath.join(REPO_ROOT, "packages/cli/dist/cli.js");
let dir = "";
let savedCache: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(nodePath.join(tmpdir(), "knot-limits-"));
  savedCache = process.env.KNOT_CACHE_DIR;
  process.env.KNOT_CACHE_DIR = nodePath.join(dir, "cache");
});

afterAll(() => {
  if (savedCache === undefined) delete process.env.KNOT_CACHE_DIR;
  else process.env.KNOT_CACHE_DIR = savedCache;
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = nodePath.join(dir, `${name.replace(/[^A-Za-z0-9]+/g, "-")}.knot`);
  writeFileSync(path, text);
  return path;
}

/** The built command line in a child process, with Node's default stack size. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, KNOT_CACHE_DIR: nodePath.join(dir, "cache") }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function checked(text: string) {
  const front = compileModel("m.knot", { host: memoryHost({ "m.knot": text }) });
  expect(front.diagnostics).toEqual([]);
  const lowered = lowerModel(front.model!);
  expect(lowered.diagnostics).toEqual([]);
  return { model: front.model!, ir: lowered.model! };
}

describe("every stage at the limits", () => {
  for (const m of atLimitModels()) {
    it(`${m.name}: both engines and the reference agree, and every report renders`, async () => {
      const { model, ir } = checked(m.text);
      const both = runBoth(model, ir);
      expect(differences(both)).toEqual([]);
      expect(both.engine.first.first?.kind).toBe("assertion");
      const compiled = explore(ir, { compiled: compiledSearchOption(ir, "compiled", { disabled: new Set(), cacheDir: false }) });
      expect(compiled.stats.engine).toBe("compiled");
      expect({ states: compiled.stats.states, transitions: compiled.stats.transitions, kind: compiled.violations[0]?.kind })
        .toEqual({ states: both.engine.first.states, transitions: both.engine.first.transitions, kind: "assertion" });

      const path = file(m.name, m.text);
      const outputs: Record<string, string> = {};
      for (const [engine, format] of [["interp", "text"], ["compiled", "json"], ["interp", "mermaid"]] as const) {
        const io = captureIo();
        expect(await run(["check", path, "--engine", engine, "--format", format], io), `${engine} ${format}: ${io.stderr}`).toBe(1);
        outputs[format] = io.stdout;
      }
      expect(outputs.text).toContain("violation[assertion]");
      expect(JSON.parse(outputs.json!).violations[0].kind).toBe("assertion");
      expect(outputs.mermaid).toContain("sequenceDiagram");
      const report = nodePath.join(dir, "report.json");
      writeFileSync(report, outputs.json!);
      const io = captureIo();
      expect(await run(["trace", report, "--model", path], io), io.stderr).toBe(1);
      expect(io.stdout).toContain("1 of 1 counterexample still reproduce");
    });
  }

  it("the built command line checks each model at a limit and refuses each one past it", () => {
    for (const m of atLimitModels()) {
      const r = cli(["check", file(m.name, m.text)]);
      expect(r.status, `${m.name}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toContain("violation[assertion]");
    }
    for (const m of overLimitModels()) {
      const path = file(m.name, m.text);
      const r = cli(["check", path]);
      expect(r.status, `${m.name}: ${r.stderr}`).toBe(2);
      const first = r.stderr.split("\n")[0]!;
      expect(first, m.name).toMatch(new RegExp(`^\\S+:\\d+:\\d+: error\\[${m.code}\\]: `));
      if (m.line !== undefined) expect(first.startsWith(`${path}:${m.line}:`), first).toBe(true);
      expect(r.stderr).toMatch(/\n\n1 error\n$/);
      expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    }
  }, 120_000);

  it("gives the same results for the chains lowering balances", () => {
    const keys = 40; // longer than the chains lowering builds left-leaning
    const { model, ir } = checked(`
      var a: [0..${keys - 1}] bool
      var b: [0..${keys - 1}] bool
      var i: 0..${keys - 1}
      var c: bool
      var s: set<0..3>
      var v: [0..${keys - 1}] 0..3
      process flip { a[${keys - 1}] := true; b[${keys - 1}] := true; i := ${keys - 2}; v[${keys - 1}] := 2 }
      process look {
        await a == b
        c := (if c then a else b)[i]
        s := {${Array.from({ length: keys }, (_, k) => `v[${k}]`).join(", ")}}
        assert s != {0, 2}
      }
    `);
    const both = runBoth(model, ir);
    expect(differences(both)).toEqual([]);
    expect(both.engine.first.first?.kind).toBe("assertion");
    const compiled = explore(ir, { compiled: compiledSearchOption(ir, "compiled", { disabled: new Set(), cacheDir: false }) });
    expect([compiled.stats.states, compiled.stats.transitions, compiled.violations[0]?.kind]).toEqual([both.engine.first.states, both.engine.first.transitions, "assertion"]);
  });
});

describe("a model of a hundred thousand lines", () => {
  it("--engine compiled uses the interpreter and says so, with the interpreter's results; --emit js refuses it", () => {
    // a lock taken and released around every update: 33,333 times in one process, once in another
    const lines = ["var x: 0..3", "mutex m", "process p {"];
    for (let i = 0; i < 99999; i++) lines.push(i % 3 === 0 ? "  lock m" : i % 3 === 1 ? "  x := (x + 1) % 4" : "  unlock m");
    lines.push("}", "process q { lock m; x := 0; unlock m }");
    const path = file("hundred-thousand-lines", lines.join("\n") + "\n");

    const compiled = cli(["check", path, "--engine", "compiled", "--format", "json"]);
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stderr).toMatch(/^knot: note: the model is too large to compile \(about \d+ MB of code\); using the interpreter\n$/);
    const interp = cli(["check", path, "--engine", "interp", "--format", "json"]);
    expect(interp.status, interp.stderr).toBe(0);
    const stats = (out: string) => {
      const s = JSON.parse(out).statistics;
      return { states: s.states, transitions: s.transitions, depth: s.depth, complete: s.complete, engine: s.engine };
    };
    expect(stats(compiled.stdout)).toEqual(stats(interp.stdout));
    expect(stats(interp.stdout).states).toBeGreaterThan(99999);

    const js = cli(["compile", path, "--emit", "js"]);
    expect(js.status).toBe(3);
    expect(js.stdout).toBe("");
    expect(js.stderr).toMatch(/^knot: error\[K6009\]: the model is too large to compile \(about \d+ MB of code; the limit is \d+ MB\); knot check runs it with the interpreter\n$/);
  }, 120_000);
});
