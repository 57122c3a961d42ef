// knot simulate: seeded random walks in the reference semantics. A violation hit
// is reported with a walk that replays in the reference semantics and that knot
// check agrees can happen; the same seed gives the same report; a walk that hits
// nothing says so without claiming a pass; bad options exit 2.
import { describe, expect, it } from "vitest";
import { compileModel } from "@knot/lang";
import { type NamedTrace, createReference } from "@knot/reference";
import { applySavedChange } from "@knot/report";
import { run } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { captureIo } from "./io.js";

async function knot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

interface SimJson {
  kind: string;
  verdict: string;
  seed: number;
  runs: number;
  depth: number;
  steps: number;
  seconds: number;
  violations: { kind: string; trace: { initial: { name: string; value: string }[]; steps: { thread: string; at: { file: string; line: number; col: number }; changes: { name: string; after: string; thread?: string }[]; failed?: boolean }[] } }[];
}

describe("knot simulate", () => {
  it("hits the seed model's recursive locking, with a walk the reference replays", async () => {
    const r = await knot("simulate", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--runs", "200", "--format", "json");
    expect(r.code).toBe(ExitCode.Violation);
    const sim = JSON.parse(r.stdout) as SimJson;
    expect(sim).toMatchObject({ kind: "simulate", verdict: "violation", seed: 1, runs: 200, depth: 1000 });
    expect(sim.violations.map((v) => v.kind)).toEqual(["recursive-locking"]);
    // replay the walk: shared values rebuilt from the changes it reports
    const model = compileModel("models/kvm/vfio.knot", { overrides: [{ name: "TEARDOWN", text: "destroy" }] }).model!;
    const v = sim.violations[0]!;
    const shared: Record<string, string> = Object.fromEntries(v.trace.initial.map((x) => [x.name, x.value]));
    const trace: NamedTrace = {
      initial: { shared: { ...shared }, threads: {} },
      steps: v.trace.steps.map((s) => {
        for (const c of s.changes) if (!c.thread) applySavedChange(shared, c.name, c.after);
        return { thread: s.thread, at: s.at, after: { shared: { ...shared }, threads: {} } };
      }),
      violation: { kind: v.kind },
    };
    expect(createReference(model).replay(trace)).toMatchObject({ ok: true });
    // and knot check finds the same kind of violation
    expect((await knot("check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy")).stdout).toContain("violation[recursive-locking]");
  });

  it("is deterministic for a seed, and another seed walks differently", async () => {
    const args = ["simulate", "models/examples/philosophers.knot", "--set", "N=6", "--runs", "30", "--depth", "40", "--format", "json"];
    const strip = (s: string) => JSON.stringify({ ...(JSON.parse(s) as SimJson), seconds: 0 });
    const a = await knot(...args, "--seed", "7");
    const b = await knot(...args, "--seed", "7");
    const c = await knot(...args, "--seed", "8");
    expect(strip(a.stdout)).toBe(strip(b.stdout));
    expect(strip(a.stdout)).not.toBe(strip(c.stdout));
  });

  it("finds the philosophers' deadlock on a size too large for a quick exhaustive search", async () => {
    const r = await knot("simulate", "models/examples/philosophers.knot", "--set", "N=16", "--runs", "200", "--depth", "400");
    expect(r.code).toBe(ExitCode.Violation);
    expect(r.stdout).toContain("violation[lock-cycle]");
    expect(r.stdout).toMatch(/Trace \(\d+ steps\)/);
  });

  it("reports no violation without claiming a pass, and exits 0", async () => {
    const r = await knot("simulate", "models/kvm/vfio.knot", "--runs", "20");
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stdout).toMatch(/^none: models\/kvm\/vfio\.knot: no violation hit in 20 random walks of at most 1000 steps, seed 1\n/);
    expect(r.stdout).toContain("a simulation is not a proof");
  });

  it("turns checks off with --no-CHECK", async () => {
    const r = await knot("simulate", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--runs", "50", "--no-recursive-locking", "--no-stuck");
    expect(r.code).toBe(ExitCode.Pass);
  });

  it("rejects bad options and bad models with exit 2", async () => {
    for (const args of [["--runs", "0"], ["--depth", "x"], ["--seed", "-3"], ["--set", "NOPE=1"]]) {
      const r = await knot("simulate", "models/kvm/vfio.knot", ...args);
      expect(r.code, args.join(" ")).toBe(ExitCode.UsageOrModelError);
      expect(r.stderr).toMatch(/error\[K\d{4}\]/);
    }
    const missing = await knot("simulate", "nosuch.knot");
    expect(missing.code).toBe(ExitCode.UsageOrModelError);
  });
});
