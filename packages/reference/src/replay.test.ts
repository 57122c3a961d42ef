// Replay: counterexamples found by our own search (and by simulation) replay;
// a corrupted step, location, thread, initial state or final violation is
// reported as a divergence at the right step, with the expected state and
// the states the thread could reach instead.
import { describe, expect, it } from "vitest";
import { firstCounterexample, repoModel } from "./test-models.js";
import type { NamedTrace } from "./index.js";

const CASES: [string, string[], string[], string][] = [
  ["models/kvm/vfio.knot", ["TEARDOWN=destroy"], [], "recursive-locking"],
  ["models/examples/philosophers.knot", ["N=3"], [], "lock-cycle"],
  ["docs/examples/checks/use-after-free.knot", [], [], "use-after-free"],
  ["docs/examples/checks/invariant.knot", [], [], "invariant"],
  ["docs/examples/checks/final.knot", [], [], "final"],
  ["docs/examples/checks/leak.knot", [], [], "leak"],
  ["docs/examples/checks/exit-holding-lock.knot", [], [], "exit-holding-lock"],
  ["docs/examples/checks/out-of-range.knot", [], ["out-of-range"], "stuck"],
  ["docs/examples/ops.knot", ["LIST_DEL=false"], [], "null-callback"],
];

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

describe("replay", () => {
  for (const [model, set, disabled, kind] of CASES) {
    it(`replays its own ${kind} counterexample for ${model}`, () => {
      const ref = repoModel(model, set, disabled);
      const trace = firstCounterexample(ref)!;
      expect(trace.violation.kind).toBe(kind);
      const r = ref.replay(trace);
      expect(r).toMatchObject({ ok: true });
      if (r.ok) expect(r.steps.length).toBe(trace.steps.length);
    });
  }

  it("returns each step's changes", () => {
    const ref = repoModel("models/kvm/vfio.knot", ["TEARDOWN=destroy"]);
    const r = ref.replay(firstCounterexample(ref)!);
    if (!r.ok) throw new Error(r.reason);
    expect(r.steps.flatMap((s) => s.changes.filter((c) => !c.thread).map((c) => `${c.name}: ${c.before} → ${c.after}`))).toEqual([
      "kvm[0]->users_count: 3 → 2",
      "kvm[0]->users_count: 2 → 1",
      "group_lock: free → close_vfio_device_fd",
      "kvm[0]->users_count: 1 → 0",
      "kvm[0]->devices: {kvm_device[0]} → {}",
    ]);
  });

  const base = () => {
    const ref = repoModel("models/kvm/vfio.knot", ["TEARDOWN=destroy"]);
    return { ref, trace: firstCounterexample(ref)! };
  };

  it("reports a step whose resulting state differs, with the expected state and the reachable ones", () => {
    const { ref, trace } = base();
    const bad: NamedTrace = clone(trace);
    expect(bad.steps[4]!.after.shared.group_lock).toBe("close_vfio_device_fd");
    bad.steps[4]!.after.shared.group_lock = "close_vm_fd";
    const r = ref.replay(bad);
    expect(r).toMatchObject({ ok: false, step: 4 });
    if (r.ok) return;
    expect(r.reason).toMatch(/reaches the expected state/);
    expect(r.expected.shared.group_lock).toBe("close_vm_fd");
    expect(r.candidates.map((c) => c.shared.group_lock)).toContain("close_vfio_device_fd");
  });

  it("reports a step at a location where its thread has no step", () => {
    const { ref, trace } = base();
    const bad: NamedTrace = clone(trace);
    bad.steps[0]!.at = { ...bad.steps[0]!.at, line: bad.steps[0]!.at.line + 1 };
    const r = ref.replay(bad);
    expect(r).toMatchObject({ ok: false, step: 0 });
    if (!r.ok) expect(r.reason).toMatch(/has no possible step at/);
  });

  it("reports an unknown thread, a different initial state, and a violation that does not hold at the end", () => {
    const { ref, trace } = base();
    const thread: NamedTrace = clone(trace);
    thread.steps[2]!.thread = "nobody";
    expect(ref.replay(thread)).toMatchObject({ ok: false, step: 2, reason: "there is no thread nobody" });
    const initial: NamedTrace = clone(trace);
    initial.initial.shared.kvm_users = "2";
    expect(ref.replay(initial)).toMatchObject({ ok: false, step: -1, reason: "the initial state differs" });
    const end: NamedTrace = clone(trace);
    end.violation = { kind: "lock-cycle" };
    const r = ref.replay(end);
    expect(r).toMatchObject({ ok: false, step: trace.steps.length });
    if (!r.ok) expect(r.reason).toBe("lock-cycle does not hold in the state reached (found: recursive-locking)");
  });

  it("a failed last step must raise the violation itself", () => {
    const ref = repoModel("docs/examples/checks/use-after-free.knot");
    const trace = firstCounterexample(ref)!;
    expect(trace.steps[trace.steps.length - 1]!.failed).toEqual({ kind: "use-after-free" });
    const bad: NamedTrace = clone(trace);
    bad.steps[bad.steps.length - 1]!.failed = { kind: "double-free" };
    const r = ref.replay(bad);
    expect(r).toMatchObject({ ok: false, step: trace.steps.length - 1 });
  });
});

describe("simulate", () => {
  it("is deterministic for a seed and finds the self-deadlock of the destroy teardown", () => {
    const ref = repoModel("models/kvm/vfio.knot", ["TEARDOWN=destroy"]);
    const a = ref.simulate({ runs: 20, depth: 50, seed: 7 });
    const b = ref.simulate({ runs: 20, depth: 50, seed: 7 });
    expect(a).toEqual(b);
    expect(a.runs).toBe(20);
    expect(a.violations.map((v) => v.kind)).toContain("recursive-locking");
    const c = ref.simulate({ runs: 20, depth: 50, seed: 8 });
    expect(c.steps).not.toBe(a.steps);
  });

  it("its traces replay", () => {
    for (const [model, set] of [["models/kvm/vfio.knot", ["TEARDOWN=destroy"]], ["docs/examples/checks/use-after-free.knot", []], ["models/examples/philosophers.knot", ["N=3"]]] as const) {
      const ref = repoModel(model, [...set]);
      const sim = ref.simulate({ runs: 300, depth: 40, seed: 1 });
      expect(sim.violations.length, model).toBeGreaterThan(0);
      for (const v of sim.violations) expect(ref.replay({ initial: v.trace.initial, steps: v.trace.steps, violation: v.violation }), `${model}: ${v.kind}`).toMatchObject({ ok: true });
    }
  });

  it("stops a walk at the depth and in a state with no possible step", () => {
    const ref = repoModel("models/kvm/vfio.knot");
    const r = ref.simulate({ runs: 5, depth: 3, seed: 3 });
    expect(r).toMatchObject({ runs: 5, steps: 15, violations: [] });
    const done = ref.simulate({ runs: 5, depth: 1000, seed: 3 });
    expect(done.steps).toBeLessThan(5 * 20);
    expect(done.violations).toEqual([]);
  });
});
