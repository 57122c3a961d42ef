// `knot test` on temporary spec directories: passing, failing, erroneous and
// limited checks with their exit codes and output; what each form of expectation
// accepts and rejects; the JSON document; and the JUnit and SARIF files, which
// are written into new directories and never over a file knot did not write.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../cli.js";
import { ExitCode } from "../exit-codes.js";
import { captureIo } from "../io.js";
import { validateSarif } from "../../../report/src/test-sarif-schema.js";

const root = join(import.meta.dirname, "../../../..");
const models = join(root, "models");
const made: string[] = [];

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory holding these files (paths relative to it). */
function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "knot-test-"));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function knot(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const before = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args, io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  } finally {
    process.chdir(before);
  }
}

/** The table row of a check: its cells split on runs of two or more spaces. */
function row(stdout: string, name: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`  ${name}  `));
  if (!line) throw new Error(`no row for "${name}" in:\n${stdout}`);
  return line.trim().split(/\s{2,}/);
}

/** A thread re-takes a mutex it holds, inside inner(): recursive-locking at m.knot:2. */
const SELF_DEADLOCK = `mutex m
proc inner() { lock m; unlock m }
process a { lock m; call inner(); unlock m }
`;

/** Opposite lock orders, one thread after the other: no deadlock, one lock-order warning. */
const ORDER_ONLY = `mutex a
mutex b
var done: bool = false
process first { lock a; lock b; unlock b; unlock a; done := true }
process second { await done; lock b; lock a; unlock a; unlock b }
`;

const CLEAN = `const N: 1..3 = 1
mutex m
var x: 0..3 = 0
process a { lock m; x := N; unlock m }
`;

function checkBlock(name: string, lines: string[]): string {
  return `check "${name}" {\n${lines.map((l) => `  ${l}\n`).join("")}}\n`;
}

describe("knot test: outcomes and exit codes", () => {
  it("passes when every expectation holds (exit 0) and prints one aligned row per check", async () => {
    const dir = tempDir({
      "models/m.knot": SELF_DEADLOCK,
      "models/clean.knot": CLEAN,
      "specs/a.knot": checkBlock("deadlock found", ['model "../models/m.knot"', "expect recursive-locking in inner"]) +
        checkBlock("clean with N = 3", ['model "../models/clean.knot"', "set N = 3", "expect pass"]),
      "specs/sub/b.knot": checkBlock("clean again", ['model "../../models/clean.knot"', "expect pass"]),
    });
    const r = await knot(["test", join(dir, "specs")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(ExitCode.Pass);
    expect(row(r.stdout, "deadlock found")).toEqual(["deadlock found", "recursive-locking in inner", "recursive-locking at m.knot:2", "2", expect.stringMatching(/^\d+\.\d\d s$/), "ok"]);
    expect(row(r.stdout, "clean with N = 3").slice(1, 3)).toEqual(["pass", "pass"]);
    const lines = r.stdout.split("\n");
    // spec files in sorted order, each heading its rows; the result column is aligned
    expect(lines.filter((l) => !l.startsWith(" ") && l.endsWith(".knot"))).toEqual([join(dir, "specs/a.knot"), join(dir, "specs/sub/b.knot")]);
    const rows = lines.filter((l) => / (ok|FAIL|ERROR|result)$/.test(l));
    expect(new Set(rows.map((l) => l.length - l.split(/\s+/).pop()!.length)).size).toBe(1);
    expect(lines[lines.length - 2]).toMatch(/^ok: 3 checks in 2 spec files: 3 ok, 0 failed, 0 errors \(\d+\.\d\d s\)$/);
  });

  it("fails (exit 1) when an expectation does not hold, and prints that check's whole report", async () => {
    const dir = tempDir({
      "m.knot": SELF_DEADLOCK,
      "s.knot": checkBlock("says pass", ['model "m.knot"', "expect pass"]) + checkBlock("right", ['model "m.knot"', "expect recursive-locking"]),
    });
    const r = await knot(["test", join(dir, "s.knot")]);
    expect(r.code).toBe(ExitCode.Violation);
    expect(row(r.stdout, "says pass")).toEqual(["says pass", "pass", "recursive-locking at m.knot:2", "2", expect.stringMatching(/s$/), "FAIL"]);
    expect(row(r.stdout, "right").pop()).toBe("ok");
    const details = r.stdout.slice(r.stdout.indexOf(`FAIL ${join(dir, "s.knot")}:1 "says pass"`));
    expect(details).toContain("expected pass, got recursive-locking at m.knot:2");
    expect(details).toContain("violation[recursive-locking]: a waits for m, which it already holds");
    expect(details).toContain("Trace (1 step):");
    expect(r.stdout).not.toContain(`"right"\n`);
    expect(r.stdout.trimEnd().split("\n").pop()).toMatch(/^FAIL: 2 checks in 1 spec file: 1 ok, 1 failed, 0 errors/);
  });

  it("never counts an incomplete search as satisfying an expectation", async () => {
    const phil = join(models, "examples/philosophers.knot");
    const dir = tempDir({
      "s.knot": checkBlock("limited pass", [`model "${phil}"`, "set N = 5", "set ORDERED = true", "max-states 20", "expect pass"]) +
        checkBlock("limited cycle", [`model "${phil}"`, "set N = 5", "max-states 20", "expect lock-cycle"]),
    });
    const r = await knot(["test", dir]);
    expect(r.code).toBe(ExitCode.Violation);
    expect(row(r.stdout, "limited pass").slice(2)).toEqual(["incomplete (max-states 20)", "20", expect.any(String), "FAIL"]);
    expect(row(r.stdout, "limited cycle").pop()).toBe("FAIL");
    expect(r.stdout).toContain("the search stopped at max-states 20 before it finished; an incomplete search satisfies no expectation");
  });

  it("reports spec and model errors (exit 2) at their lines, and still runs the other checks", async () => {
    const dir = tempDir({
      "m.knot": SELF_DEADLOCK,
      "clean.knot": CLEAN,
      "specs/a-bad.knot": checkBlock("bad value", ['model "../clean.knot"', "set N = 7", "expect pass"]) +
        checkBlock("no model file", ['model "../nosuch.knot"', "expect pass"]) +
        checkBlock("unknown kind", ['model "../m.knot"', "expect deadlock"]) +
        checkBlock("fine", ['model "../m.knot"', "expect recursive-locking"]),
      "specs/b-broken.knot": `chekc "typo" {\n}\n` + checkBlock("still runs", ['model "../clean.knot"', "expect pass"]),
    });
    const r = await knot(["test", join(dir, "specs")]);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    const a = join(dir, "specs/a-bad.knot");
    expect(r.stderr).toContain(`${a}:3:11: error[K5004]`);
    expect(r.stderr).toContain(`${a}:7:9: error[K3001]: cannot read '${join(dir, "nosuch.knot")}': no such file`);
    expect(r.stderr).toContain(`${a}:12:10: error[K8007]: 'deadlock' is not a check kind`);
    expect(r.stderr).toContain(`${join(dir, "specs/b-broken.knot")}:1:1: error[K8002]: expected 'check "NAME" {', got 'chekc'`);
    expect(row(r.stdout, "bad value").slice(2)).toEqual(["model error", "-", "-", "ERROR"]);
    expect(row(r.stdout, "no model file").pop()).toBe("ERROR");
    expect(row(r.stdout, "unknown kind").slice(1)).toEqual(["-", "spec error", "-", "-", "ERROR"]);
    expect(row(r.stdout, "fine").pop()).toBe("ok");
    expect(row(r.stdout, "(spec file)").slice(2)).toEqual(["spec error", "-", "-", "ERROR"]);
    expect(row(r.stdout, "still runs").pop()).toBe("ok");
    expect(r.stdout.trimEnd().split("\n").pop()).toMatch(/^ERROR: 5 checks in 2 spec files: 2 ok, 0 failed, 4 errors/);
  });

  it("rejects a missing path and a directory without spec files (exit 2)", async () => {
    const empty = tempDir({ "notes.txt": "x" });
    for (const [args, message] of [[[join(empty, "nosuch")], "no such spec file or directory"], [[empty], "no spec files (*.knot) under"]] as const) {
      const r = await knot(["test", ...args]);
      expect(r.code).toBe(ExitCode.UsageOrModelError);
      expect(r.stderr).toMatch(new RegExp(`^knot: error\\[K9101\\]: ${message.replace(/[()*.]/g, "\\$&")}`));
      expect(r.stdout).toBe("");
    }
  });

  it("defaults to specs/ in the current directory", async () => {
    const dir = tempDir({ "models/clean.knot": CLEAN, "specs/s.knot": checkBlock("c", ['model "../models/clean.knot"', "expect pass"]) });
    const r = await knot(["test"], dir);
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stdout).toContain("\nspecs/s.knot\n");
  });
});

describe("knot test: expectations", () => {
  const dir = tempDir({ "m.knot": SELF_DEADLOCK, "order.knot": ORDER_ONLY });
  const abba = join(models, "examples/abba.knot");
  const phil = join(models, "examples/philosophers.knot");

  /** The status of one check with these items. */
  async function status(items: string[]): Promise<string> {
    const spec = join(dir, `s${Math.random().toString(36).slice(2)}.knot`);
    writeFileSync(spec, checkBlock("c", items));
    const r = await knot(["test", spec]);
    return row(r.stdout, "c").pop()!;
  }

  it("`in PROC` matches a procedure on the chain, or the thread's process", async () => {
    expect(await status(['model "m.knot"', "expect recursive-locking in inner"])).toBe("ok");
    expect(await status(['model "m.knot"', "expect recursive-locking in a"])).toBe("ok");
    expect(await status(['model "m.knot"', "expect recursive-locking in outer"])).toBe("FAIL");
    expect(await status([`model "${phil}"`, "set N = 3", "expect lock-cycle in phil"])).toBe("ok");
  });

  it("`at \"FILE:LINE\"` matches the line of a file whose path ends with FILE", async () => {
    expect(await status(['model "m.knot"', 'expect recursive-locking at "m.knot:2"'])).toBe("ok");
    expect(await status(['model "m.knot"', `expect recursive-locking at "${dir.split("/").pop()}/m.knot:2" in inner`])).toBe("ok");
    expect(await status(['model "m.knot"', 'expect recursive-locking at "m.knot:3"'])).toBe("FAIL");
    expect(await status(['model "m.knot"', 'expect recursive-locking at ".knot:2"'])).toBe("FAIL");
  });

  it("the kind must be the one found", async () => {
    expect(await status(['model "m.knot"', "expect lock-cycle"])).toBe("FAIL");
    expect(await status([`model "${abba}"`, "expect lock-cycle in unplug"])).toBe("ok");
    expect(await status([`model "${abba}"`, "set FIXED = true", "expect lock-cycle"])).toBe("FAIL");
  });

  it("lock-order warnings: expected by `expect lock-order`, against `expect pass`, switched off by `disable`", async () => {
    expect(await status(['model "order.knot"', "expect lock-order"])).toBe("ok");
    expect(await status(['model "order.knot"', "expect lock-order in second at \"order.knot:5\""])).toBe("ok");
    expect(await status(['model "order.knot"', "expect pass"])).toBe("FAIL");
    expect(await status(['model "order.knot"', "disable lock-order", "expect pass"])).toBe("ok");
    // the deadlock is found first: a lock-order expectation does not hold
    expect(await status([`model "${abba}"`, "expect lock-order"])).toBe("FAIL");
  });

  it("strict makes lock-order warnings violations that must be expected", async () => {
    expect(await status([`model "${abba}"`, "expect lock-cycle"])).toBe("ok");
    expect(await status([`model "${abba}"`, "strict", "expect lock-cycle"])).toBe("FAIL");
    expect(await status(['model "order.knot"', "strict", "expect lock-order"])).toBe("ok");
  });

  it("disable switches a check off, as --no-CHECK does", async () => {
    expect(await status(['model "m.knot"', "disable recursive-locking", "disable stuck", "expect pass"])).toBe("ok");
  });
});

describe("knot test --format json", () => {
  it("prints one document with every check, its expectation, outcome and report", async () => {
    const dir = tempDir({
      "m.knot": SELF_DEADLOCK,
      "s.knot": checkBlock("dfs deadlock", ['model "m.knot"', "search dfs", "max-states 100", "expect recursive-locking in inner"]) +
        checkBlock("wrong", ['model "m.knot"', "expect pass"]),
    });
    const r = await knot(["test", join(dir, "s.knot"), "--format", "json"]);
    expect(r.code).toBe(ExitCode.Violation);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ knot: expect.any(String), version: 1, verdict: "fail", summary: { checks: 2, ok: 1, failed: 1, errors: 0, specFiles: 1 } });
    expect(doc.specs).toHaveLength(1);
    expect(doc.specs[0].file).toBe(join(dir, "s.knot"));
    const [first, second] = doc.specs[0].checks;
    expect(first).toMatchObject({
      name: "dfs deadlock", at: { file: join(dir, "s.knot"), line: 1, col: 7 }, model: join(dir, "m.knot"), search: "dfs", maxStates: 100, strict: false,
      expect: { outcome: "finding", kind: "recursive-locking", in: "inner" }, expected: "recursive-locking in inner", status: "ok",
      report: { search: "dfs", verdict: "violation", violations: [{ kind: "recursive-locking" }] },
    });
    expect(second).toMatchObject({ status: "fail", expect: { outcome: "pass" }, reason: "expected pass, got recursive-locking at m.knot:2" });
  });

  it("puts diagnostics in the document, not on stderr", async () => {
    const dir = tempDir({ "s.knot": checkBlock("bad", ['model "nosuch.knot"', "expect pass"]) });
    const r = await knot(["test", dir, "--format", "json"]);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.stderr).toBe("");
    const c = JSON.parse(r.stdout).specs[0].checks[0];
    expect(c).toMatchObject({ status: "error", got: "model error", report: null, diagnostics: [{ code: "K3001", location: { line: 2, col: 9 } }] });
  });
});

describe("knot test --junit / --sarif", () => {
  const specs = {
    "models/m.knot": SELF_DEADLOCK,
    "specs/s.knot": checkBlock("ok one", ['model "../models/m.knot"', "expect recursive-locking"]) +
      checkBlock("failing one", ['model "../models/m.knot"', "expect pass"]) +
      checkBlock("broken one", ['model "../models/nosuch.knot"', "expect pass"]),
  };

  it("writes both reports, creating directories, and still writes them when a model has errors", async () => {
    const dir = tempDir(specs);
    const r = await knot(["test", "specs", "--junit", "out/a/junit.xml", "--sarif", "out/b/knot.sarif"], dir);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    const junit = readFileSync(join(dir, "out/a/junit.xml"), "utf8");
    expect(junit).toContain(`<testsuite name="specs/s.knot" tests="3" failures="1" errors="1" skipped="0"`);
    expect(junit).toContain(`<testcase name="failing one" classname="specs/s.knot"`);
    expect(junit).toMatch(/<failure message="expected pass, got recursive-locking at m.knot:2" type="recursive-locking">[^<]*violation\[recursive-locking\][^<]*Trace \(1 step\)/);
    expect(junit).toMatch(/<error message="the model does not compile: [^"]*" type="model-error">/);
    const sarif = JSON.parse(readFileSync(join(dir, "out/b/knot.sarif"), "utf8"));
    const results = sarif.runs[0].results;
    expect(results.map((x: { properties: { check: string }; level: string }) => [x.properties.check, x.level])).toEqual([["ok one", "note"], ["failing one", "error"]]);
    expect(results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: "models/m.knot", uriBaseId: "%SRCROOT%" });
    expect(sarif.runs[0].invocations[0].executionSuccessful).toBe(false);
    expect(validateSarif(sarif)).toEqual([]);
  });

  it("writes valid SARIF for the seed and example specs, with deadlocks and lock-order warnings", async () => {
    const dir = tempDir({});
    const r = await knot(["test", "specs/kvm_vfio.knot", "specs/examples.knot", "--sarif", join(dir, "knot.sarif")], root);
    expect(r.code).toBe(ExitCode.Pass);
    const sarif = JSON.parse(readFileSync(join(dir, "knot.sarif"), "utf8"));
    expect(validateSarif(sarif)).toEqual([]);
    const results: { ruleId: string; level: string; properties: { expected: boolean } }[] = sarif.runs[0].results;
    expect(results.some((x) => x.ruleId === "lock-order")).toBe(true);
    // every violation of a passing spec was expected (a lock-order one under strict too); its other lock-order warnings were not, and do not fail it
    expect(results.every((x) => (x.level === "note" && x.properties.expected) || (x.ruleId === "lock-order" && x.level === "warning" && !x.properties.expected))).toBe(true);
    expect(results.some((x) => x.ruleId === "lock-order" && x.level === "note" && x.properties.expected)).toBe(true);
  });

  it("overwrites its own reports and empty files", async () => {
    const dir = tempDir({ ...specs, "empty.xml": "" });
    expect((await knot(["test", "specs", "--junit", "empty.xml", "--sarif", "r.sarif"], dir)).code).toBe(ExitCode.UsageOrModelError);
    writeFileSync(join(dir, "specs/s.knot"), checkBlock("only", ['model "../models/m.knot"', "expect recursive-locking"]));
    expect((await knot(["test", "specs", "--junit", "empty.xml", "--sarif", "r.sarif"], dir)).code).toBe(ExitCode.Pass);
    expect(readFileSync(join(dir, "empty.xml"), "utf8")).toContain(`tests="1" failures="0" errors="0"`);
    expect(JSON.parse(readFileSync(join(dir, "r.sarif"), "utf8")).runs[0].results).toHaveLength(1);
  });

  it("refuses to overwrite a file knot did not write, before running anything (exit 2)", async () => {
    const dir = tempDir({ ...specs, "notes.xml": "<notes>keep me</notes>\n", "other.sarif": JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "CodeQL" } } }] }) });
    for (const args of [["--junit", "notes.xml"], ["--sarif", "other.sarif"], ["--junit", "notes.xml", "--sarif", "fresh.sarif"]]) {
      const r = await knot(["test", "specs", ...args], dir);
      expect(r.code, args.join(" ")).toBe(ExitCode.UsageOrModelError);
      expect(r.stderr).toMatch(/^knot: error\[K9102\]: refusing to overwrite '(notes\.xml|other\.sarif)': it exists and is not a (JUnit|SARIF) report written by knot/);
      expect(r.stdout).toBe("");
    }
    expect(readFileSync(join(dir, "notes.xml"), "utf8")).toBe("<notes>keep me</notes>\n");
    expect(existsSync(join(dir, "fresh.sarif"))).toBe(false);
  });

  it("refuses a directory as the target, and one file for both reports", async () => {
    const dir = tempDir({ ...specs, "out/keep": "" });
    const r1 = await knot(["test", "specs", "--junit", "out"], dir);
    expect(r1.code).toBe(ExitCode.UsageOrModelError);
    expect(r1.stderr).toContain("error[K9102]: cannot write the JUnit report to 'out': it is a directory");
    const r2 = await knot(["test", "specs", "--junit", "r.out", "--sarif", "./r.out"], dir);
    expect(r2.code).toBe(ExitCode.UsageOrModelError);
    expect(r2.stderr).toContain("error[K9102]: --junit and --sarif name the same file");
  });
});
