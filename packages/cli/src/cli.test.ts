// Command-line behaviour that golden files cannot pin down: limits that depend on
// time, internal errors, and that no command prints a stack trace for bad input.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { type Io, captureIo } from "./io.js";

describe("knot command line", () => {
  it("stops at --time-limit with exit 3 and says so", async () => {
    const io = captureIo();
    const code = await run(["check", "models/examples/philosophers.knot", "--set", "N=12", "--set", "ORDERED=true", "--time-limit", "0.05"], io);
    expect(code).toBe(ExitCode.Incomplete);
    expect(io.stdout).toMatch(/^incomplete: .*did not finish/);
    expect(io.stdout).toContain("stopped by the time limit --time-limit 0.05");
  });

  it("turns an unexpected exception into exit 70", async () => {
    const broken: Io = { interactive: false, err: () => undefined, out: () => { throw new Error("disk on fire"); } };
    expect(await run(["check", "models/kvm/vfio.knot"], broken)).toBe(ExitCode.Internal);
  });

  it("never prints a stack trace for bad input", async () => {
    for (const args of [["check"], ["check", "nosuch.knot"], ["check", "models/kvm/vfio.knot", "--set", "X"], ["frob"], ["graph", "models/kvm/vfio.knot", "--format", "png"]]) {
      const io = captureIo();
      const code = await run(args, io);
      expect(code, args.join(" ")).toBe(ExitCode.UsageOrModelError);
      expect(io.stderr).toMatch(/error\[K\d{4}\]/);
      expect(io.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("a single-valued option given twice is a usage error naming it", async () => {
    for (const args of [
      ["check", "models/kvm/vfio.knot", "--search", "bfs", "--search", "dfs"],
      ["compile", "models/kvm/vfio.knot", "--emit", "ast", "--emit=js"],
      ["check", "models/kvm/vfio.knot", "--format", "json", "--format", "text"],
      ["check", "models/kvm/vfio.knot", "--max-states", "5", "--maxStates", "6"],
    ]) {
      const io = captureIo();
      expect(await run(args, io), args.join(" ")).toBe(ExitCode.UsageOrModelError);
      expect(io.stderr).toMatch(/^knot: error\[K9016\]: --(search|emit|format|maxStates) is given more than once/);
      expect(io.stdout).toBe("");
    }
    // repeatable options and check switches may repeat; so may a value after --
    const io = captureIo();
    expect(await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--set", "TEARDOWN=release", "--no-stuck", "--no-stuck"], io)).toBe(ExitCode.Pass);
  });

  it("--symmetry on (the default) or off, in the statistics and the text, and a wrong value", async () => {
    const json = async (...args: string[]) => {
      const io = captureIo();
      const code = await run(["check", "models/bench/vcpus.knot", "--set", "NR_VCPUS=3", "--format", "json", ...args], io);
      return { code, stats: code === ExitCode.Pass ? JSON.parse(io.stdout).statistics : undefined, err: io.stderr };
    };
    const on = await json();
    expect(on.stats.symmetry).toEqual({ used: [{ type: "Vcpu", threads: ["vcpu[0..2]"], permutations: 6 }], unused: [] });
    const off = await json("--symmetry", "off");
    expect(off.stats.symmetry).toEqual({ used: [], unused: [{ type: "Vcpu", reason: "switched off (--symmetry off)" }] });
    expect(on.stats.states).toBeLessThan(off.stats.states);
    const bad = await json("--symmetry", "maybe");
    expect(bad.code).toBe(ExitCode.UsageOrModelError);
    expect(bad.err).toContain("symmetry");
    const io = captureIo();
    expect(await run(["check", "models/bench/vcpus.knot", "--set", "NR_VCPUS=3"], io)).toBe(ExitCode.Pass);
    expect(io.stdout).toContain("\n  symmetry: Vcpu (vcpu[0..2]), 6 permutations\n");
    // models without symmetric types say nothing about it
    const plain = captureIo();
    await run(["check", "models/kvm/vfio.knot"], plain);
    expect(plain.stdout).not.toContain("symmetry");
  });

  it("--no-CHECK switches a check off", async () => {
    const io = captureIo();
    const code = await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--no-recursive-locking", "--no-stuck"], io);
    expect(code).toBe(ExitCode.Pass);
  });

  it("--lock-order class (the default) or instance, --no-lock-order, and a missing or wrong value", async () => {
    const json = async (...args: string[]) => {
      const io = captureIo();
      const code = await run(["check", "docs/examples/lock_classes.knot", "--set", "XEN_ATTR=true", "--format", "json", ...args], io);
      return { code, warnings: code === ExitCode.Pass ? (JSON.parse(io.stdout).warnings as { locks: string[] }[]).map((w) => w.locks.join(" -> ")) : undefined, err: io.stderr };
    };
    expect((await json()).warnings).toEqual(["kvm->lock -> kvm_vcpu->mutex"]);
    expect((await json("--lock-order", "class")).warnings).toEqual(["kvm->lock -> kvm_vcpu->mutex"]);
    expect((await json("--lock-order", "instance")).warnings).toEqual([]);
    expect((await json("--no-lock-order")).warnings).toEqual([]);
    const strict = captureIo();
    expect(await run(["check", "docs/examples/lock_classes.knot", "--set", "XEN_ATTR=true", "--strict"], strict)).toBe(ExitCode.Violation);
    for (const bad of [["--lock-order", "lockdep"], ["--lock-order"], ["--lock-order", "--all"]]) {
      const r = await json(...bad);
      expect(r.code).toBe(ExitCode.UsageOrModelError);
      expect(r.err).toMatch(/^knot: error\[K9001\]: --lock-order expects class or instance \(or --no-lock-order to switch the analysis off\), got /);
    }
  });

  it("--all reports every distinct violation once", async () => {
    const io = captureIo();
    const code = await run(["check", "models/examples/philosophers.knot", "--set", "N=3", "--all", "--format", "json"], io);
    expect(code).toBe(ExitCode.Violation);
    const report = JSON.parse(io.stdout);
    expect(report.statistics.complete).toBe(true);
    expect(report.violations.map((v: { kind: string }) => v.kind)).toEqual(["lock-cycle"]);
  });

  it("gives the same trace on every run", async () => {
    const outputs = [];
    for (let i = 0; i < 3; i++) {
      const io = captureIo();
      await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--format", "json"], io);
      const r = JSON.parse(io.stdout);
      outputs.push(JSON.stringify(r.violations));
    }
    expect(new Set(outputs).size).toBe(1);
  });

  it("stops quietly when the reader closes the pipe early (the built command)", () => {
    const r = spawnSync("sh", ["-c", "node packages/cli/dist/cli.js compile models/kvm/devices.knot --emit js | head -1"], { encoding: "utf8" });
    expect(r.stdout.split("\n").length).toBe(2);
    expect(r.stderr).toBe("");
  });
});
