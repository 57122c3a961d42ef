// Tests of knot compare that golden files do not pin down: which exit code wins
// when a limit stops one side, the JSON error document naming the side that does
// not compile, an exhausted object pool, and that settings for both sides (--set)
// give way to a side's own.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { captureIo } from "./io.js";
import { testDir } from "../../../tests/support/temp-dir.js";

const dir = testDir("knot-compare-");

async function knot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function model(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const QUIET = model("quiet.knot", "var x: bool = false\nprocess p { x := true }\n");

describe("knot compare", () => {
  it("a violation the head introduces over a completely explored base is a regression even if a limit stopped the head", async () => {
    // the base has 2 states; the head (ABBA) finds its lock cycle long before the 20-state limit
    const r = await knot("compare", QUIET, "models/examples/abba.knot", "--max-states", "20");
    expect(r.stdout).toMatch(/^regression: the head introduces 1 violation/);
    expect(r.stdout).toContain("stopped by the state limit --max-states 20");
    expect(r.code).toBe(ExitCode.Violation);
  });

  it("when a limit stopped the base, a violation only in the head is not proven introduced: exit 3", async () => {
    const r = await knot("compare", "models/examples/abba.knot", QUIET, "--max-states", "20");
    expect(r.stdout).toMatch(/^incomplete: a limit stopped the search of the base before it finished/);
    expect(r.code).toBe(ExitCode.Incomplete);
    const swapped = await knot("compare", "models/examples/philosophers.knot", "--set", "N=3", "--base", "ORDERED=true", "--head", "ORDERED=false", "--max-states", "20");
    expect(swapped.stdout).toMatch(/^incomplete: a limit stopped the search of both sides before they finished; so far the head introduces 1 violation/);
    expect(swapped.code).toBe(ExitCode.Incomplete);
  });

  it("--set applies to both sides and a side's own setting wins", async () => {
    const r = await knot("compare", "models/examples/philosophers.knot", "--set", "N=3", "--set", "ORDERED=true", "--base", "ORDERED=false", "--format", "json");
    const c = JSON.parse(r.stdout);
    const constants = (side: { constants: { name: string; value: string }[] }) => side.constants.map((x) => `${x.name}=${x.value}`).join(" ");
    expect(constants(c.base)).toBe("N=3 ORDERED=false SINGLE_DEPTH_NESTING=1");
    expect(constants(c.head)).toBe("N=3 ORDERED=true SINGLE_DEPTH_NESTING=1");
    expect(c.violations.fixed.map((v: { kind: string }) => v.kind)).toEqual(["lock-cycle"]);
    expect(r.code).toBe(ExitCode.Pass);
  });

  it("with --format json, a side that does not compile is an error document naming the side", async () => {
    const r = await knot("compare", "models/kvm/vfio.knot", "--base", "TEARDOWN=nope", "--head", "TEARDOWN=release", "--format", "json");
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ verdict: "error", side: "base", diagnostics: [{ code: "K5003" }] });
  });

  it("names the side whose model file does not compile, and never prints a stack trace", async () => {
    const broken = model("broken.knot", "process p { x := }\n");
    const r = await knot("compare", QUIET, broken);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.stderr).toMatch(new RegExp(`^knot: the head, ${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, does not compile:\n${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const args of [["compare"], ["compare", QUIET, QUIET, QUIET], ["compare", QUIET], ["compare", QUIET, "--base", "X"], ["compare", QUIET, QUIET, "--max-states", "0"]]) {
      const u = await knot(...args);
      expect(u.code, args.join(" ")).toBe(ExitCode.UsageOrModelError);
      expect(u.stderr, args.join(" ")).toMatch(/error\[K9\d{3}\]/);
      expect(u.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("an exhausted object pool on either side is a model error (exit 2), after the comparison is printed", async () => {
    const pool = model("pool.knot", `
object obj[1] { n: 0..1 }
process p { var a: obj = alloc obj; free a; a := alloc obj; free a }
`);
    const r = await knot("compare", QUIET, pool);
    expect(r.stdout).toContain("error[pool-exhausted]");
    expect(r.code).toBe(ExitCode.UsageOrModelError);
  });
});
