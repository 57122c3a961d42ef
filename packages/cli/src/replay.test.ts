// Every counterexample is replayed by the reference semantics before it is
// reported. Here the engine is made to lie (its trace is corrupted after the
// search), and every command that reports traces must refuse with an internal
// error (exit 70) that prints the engine's state next to the reference's,
// instead of printing a trace that cannot happen.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { SearchResult } from "@knot/engine";
import { run } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { captureIo } from "./io.js";
import { testDir } from "../../../tests/support/temp-dir.js";

type Corruption = (r: SearchResult) => void;
const corruption: { apply?: Corruption } = {};

vi.mock("@knot/engine", async (importOriginal) => {
  const engine = await importOriginal<typeof import("@knot/engine")>();
  return {
    ...engine,
    exploreAsync: async (...args: Parameters<typeof engine.exploreAsync>) => {
      const r = await engine.exploreAsync(...args);
      corruption.apply?.(r);
      return r;
    },
  };
});

beforeEach(() => {
  corruption.apply = undefined;
});

describe("counterexamples replayed by the reference semantics", () => {
  it("reports the trace as usual when the reference agrees", async () => {
    const io = captureIo();
    expect(await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy"], io)).toBe(ExitCode.Violation);
    expect(io.stdout).toContain("kvm[0]->users_count: 1 → 0");
  });

  it("refuses a step the reference cannot take, printing both states", async () => {
    // step 4 (the device fd's put) claims to reach the state step 3 reached
    corruption.apply = (r) => {
      const steps = r.violations[0]!.trace.steps;
      steps[3] = { ...steps[3]!, state: steps[2]!.state };
    };
    const io = captureIo();
    expect(await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy"], io)).toBe(ExitCode.Internal);
    expect(io.stdout).toBe("");
    expect(io.stderr).toContain("internal error[K7001]: the recursive-locking counterexample does not replay in the reference semantics");
    expect(io.stderr).toContain("at step 4 of 9: no step of close_kvm_vfio_fd at models/kvm/core.knot:33:3 reaches the expected state");
    expect(io.stderr).toContain("engine state after step 4:");
    expect(io.stderr).toContain("  * close_kvm_vfio_fd at models/kvm/core.knot:33:3\n");
    expect(io.stderr).toMatch(/ {2}\* kvm\[0\]->users_count = 2\n/); // the engine's claim, starred
    expect(io.stderr).toMatch(/reference state:\n(.*\n)*? {2}\* kvm\[0\]->users_count = 1\n(.*\n)*? {2}\* close_kvm_vfio_fd finished\n/);
    expect(io.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  });

  it("refuses a trace whose end does not show the violation", async () => {
    corruption.apply = (r) => {
      r.violations[0]!.trace.steps.pop();
    };
    const io = captureIo();
    expect(await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--format", "json"], io)).toBe(ExitCode.Internal);
    expect(io.stderr).toContain("at the end of the trace (after step 8): recursive-locking does not hold in the state reached");
  });

  it("refuses a different initial state", async () => {
    corruption.apply = (r) => {
      const t = r.violations[0]!.trace;
      t.initial = t.steps[0]!.state;
    };
    const io = captureIo();
    expect(await run(["check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy"], io)).toBe(ExitCode.Internal);
    expect(io.stderr).toContain("at the initial state: the initial state differs");
  });

  it("checks lock-order edge traces too", async () => {
    corruption.apply = (r) => {
      const edge = r.warnings[0]!.edges[0]!;
      edge.trace.steps.pop();
    };
    const io = captureIo();
    expect(await run(["check", "models/examples/abba.knot", "--set", "FIXED=false", "--no-lock-cycle", "--no-stuck"], io)).toBe(ExitCode.Internal);
    expect(io.stderr).toMatch(/the lock-order \S+ -> \S+ counterexample does not replay/);
  });

  it("applies to knot test and knot compare", async () => {
    corruption.apply = (r) => {
      const v = r.violations[0];
      if (v && v.trace.steps.length > 1) v.trace.steps.pop();
    };
    const test = captureIo();
    expect(await run(["test", "specs/kvm_vfio.knot"], test)).toBe(ExitCode.Internal);
    expect(test.stderr).toContain("does not replay in the reference semantics");
    const compare = captureIo();
    expect(await run(["compare", "models/kvm/vfio.knot", "--base", "TEARDOWN=destroy", "--head", "TEARDOWN=release"], compare)).toBe(ExitCode.Internal);
    expect(compare.stderr).toContain("does not replay in the reference semantics");
  });

  // found by the differential tests: traces the two implementations describe differently but agree on
  const dir = testDir("knot-replay-");
  const model = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("replays a step whose local work faults before it reaches its action", async () => {
    const path = model("fault.knot", "var x: 0..1 = 0\nprocess p {\n  either { skip } or { var l: 0..3 = 3 + 1; x := 1 }\n}\n");
    const io = captureIo();
    expect(await run(["check", path], io)).toBe(ExitCode.Violation);
    expect(io.stdout).toContain("violation[out-of-range]: l would become 4");
  });

  it("replays a lock-order edge whose locks are taken and released within one atomic step", async () => {
    const path = model("atomic.knot", "mutex a\nmutex b\nprocess p { atomic { lock a; lock b; unlock b; unlock a } }\nprocess q { lock b; lock a; unlock a; unlock b }\n");
    const io = captureIo();
    expect(await run(["check", path, "--all"], io)).toBe(ExitCode.Violation);
    expect(io.stdout).toContain("warning[lock-order]: possible circular locking dependency: a -> b -> a");
  });
});
