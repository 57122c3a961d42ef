// Ctrl-C and SIGTERM: a search stops, the command prints the figures so far and
// exits 130/143. In-process runs get the signal as a process event (emitted once
// the command listens, so nothing depends on timing); one run gets real signals.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import { run } from "./cli.js";
import { captureIo } from "./io.js";
import { type InterruptSignal, type SignalSource, interruptExitCode, withInterrupts } from "./interrupt.js";

const dir = testDir("knot-interrupt-");
// about a billion states: no run here finishes it (each has --time-limit as a backstop)
const huge = join(dir, "huge.knot");
writeFileSync(huge, [
  "var a: 0..999", "var b: 0..999", "var c: 0..999",
  "process p { while true { a := (a + 1) % 1000 } }",
  "process q { while true { b := (b + 1) % 1000 } }",
  "process r { while true { c := (c + 1) % 1000 } }", "",
].join("\n"));
const spec = join(dir, "huge.spec.knot");
writeFileSync(spec, `check "small" {\n  model "../${dir.split("/").pop()}/huge.knot"\n  max-states 10\n  expect pass\n}\ncheck "huge" {\n  model "huge.knot"\n  time-limit 60\n  expect pass\n}\ncheck "never run" {\n  model "huge.knot"\n  expect pass\n}\n`);

/** Runs the command in-process and sends `signal` as a process event as soon as the command listens for it. */
async function interrupted(args: string[], signal: InterruptSignal = "SIGINT") {
  const io = captureIo();
  const before = process.listenerCount(signal);
  const poll = setInterval(() => {
    if (process.listenerCount(signal) > before) {
      clearInterval(poll);
      setTimeout(() => process.emit(signal as "SIGINT"), 100);
    }
  }, 10);
  try {
    const code = await run(args, io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  } finally {
    clearInterval(poll);
  }
}

describe("interrupted runs", () => {
  it("check: prints the figures so far and exits 130 on SIGINT, 143 on SIGTERM", async () => {
    const a = await interrupted(["check", huge, "--time-limit", "60"]);
    expect(a.code).toBe(130);
    expect(a.stdout).toMatch(/^interrupted: .*huge\.knot: no violation so far, but the search did not finish\n {2}\d+ states, \d+ transitions, depth \d+, [\d.]+ s \(interrupted by SIGINT before the search finished\)\n$/);
    const b = await interrupted(["check", huge, "--time-limit", "60", "--store", "fingerprint", "--format", "json"], "SIGTERM");
    expect(b.code).toBe(143);
    const doc = JSON.parse(b.stdout);
    expect(doc.verdict).toBe("incomplete");
    expect(doc.statistics).toMatchObject({ complete: false, stoppedBy: "interrupted", limit: "SIGTERM" });
    // the handlers are gone afterwards: the signals have their default again
    expect(process.listenerCount("SIGINT")).toBe(0);
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });

  it("test: the interrupted check is an error, the checks after it do not run", async () => {
    const r = await interrupted(["test", spec, "--format", "json"]);
    expect(r.code).toBe(130);
    const doc = JSON.parse(r.stdout);
    expect(doc.interrupted).toBe("SIGINT");
    const checks = doc.specs[0].checks.map((c: { name: string; status: string; got: string }) => [c.name, c.status, c.got]);
    expect(checks).toEqual([["small", "fail", "incomplete (max-states 10)"], ["huge", "error", "interrupted"]]);
    const t = await interrupted(["test", spec]);
    expect(t.code).toBe(130);
    expect(t.stdout).toContain("interrupted by SIGINT: the checks after the last one listed did not run");
  });

  it("compare: says which side was interrupted and compares nothing", async () => {
    const r = await interrupted(["compare", huge, huge, "--time-limit", "60"], "SIGTERM");
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(/^interrupted: knot compare was stopped by SIGTERM during the base search; nothing was compared\n {2}base: \d+ states/);
  });

  it("a second signal ends the process at once with the same code", async () => {
    const handlers = new Map<string, () => void>();
    const exits: number[] = [];
    const source: SignalSource = { on: (s, h) => void handlers.set(s, h), off: (s) => void handlers.delete(s), exit: (c) => void exits.push(c) };
    const seen = await withInterrupts(async (i) => {
      handlers.get("SIGTERM")!();
      expect(i).toMatchObject({ aborted: true, signal: "SIGTERM" });
      expect(exits).toEqual([]);
      handlers.get("SIGINT")!();
      return exits.slice();
    }, source);
    expect(seen).toEqual([interruptExitCode("SIGTERM")]);
    expect(handlers.size).toBe(0);
  });

  it("a real SIGINT to a running knot: exit 130 and the partial figures", async () => {
    const child = spawn(process.execPath, ["packages/cli/dist/cli.js", "check", huge, "--time-limit", "60", "--store", "fingerprint"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    // signal once the process has spent a second of CPU time (its own clock, whatever the machine's
    // load): its start-up takes a fraction of that, so it is searching by then
    const cpuSeconds = () => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
      } catch {
        return 0;
      }
    };
    const started = performance.now();
    const caught = () => cpuSeconds() >= 1 || performance.now() - started > 10_000; // no /proc: wait on the wall clock
    const poll = setInterval(() => {
      if (!caught()) return;
      clearInterval(poll);
      child.kill("SIGINT");
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    clearInterval(poll);
    expect(code).toBe(130);
    expect(stdout).toMatch(/^interrupted: .*huge\.knot: no violation so far.*\n {2}\d+ states, .*\(interrupted by SIGINT before the search finished\)\n$/);
  }, 20000);
});
