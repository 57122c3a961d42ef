// The reference's state and transition counts against the engine's (recorded in
// test-engine-counts.ts) for every model of models/ and docs/examples/, in
// their interesting settings and with checks switched off: the same counts at
// the first violation (which depend on the order steps are tried) and over
// the whole state space with every distinct violation (`--all`). Plus the
// counts the brief names: the KVM-VFIO seed model and the dining philosophers.
import { describe, expect, it } from "vitest";
import { ENGINE_COUNTS, type EngineCounts } from "./test-engine-counts.js";
import { repoModel } from "./test-models.js";

function label(c: EngineCounts): string {
  return [c.model, ...c.set, ...c.disabled.map((d) => `--no-${d}`)].join(" ");
}

describe("counts agree with knot check", () => {
  for (const c of ENGINE_COUNTS) {
    it(`${label(c)}`, () => {
      const ref = repoModel(c.model, c.set, c.disabled);
      const first = ref.explore();
      expect({ states: first.states, transitions: first.transitions, depth: first.depth, kind: first.firstViolation?.kind ?? null }).toEqual(c.first);
      const all = ref.explore({ all: true });
      expect({ states: all.states, transitions: all.transitions, kinds: all.violations.map((v) => v.kind).sort() }).toEqual(c.all);
      expect(all.complete).toBe(true);
    });
  }
});

describe("the seed models", () => {
  it("vfio.knot with TEARDOWN=destroy self-deadlocks on group_lock", () => {
    const r = repoModel("models/kvm/vfio.knot", ["TEARDOWN=destroy"]).explore();
    expect(r.firstViolation?.kind).toBe("recursive-locking");
    expect(r.firstViolation?.message).toBe("close_vfio_device_fd waits for group_lock, which it already holds");
    expect(r.firstViolation?.at).toEqual({ file: "models/kvm/vfio.knot", line: 28, col: 32 });
  });

  it("vfio.knot with TEARDOWN=release passes: 94 states, 188 transitions", () => {
    const r = repoModel("models/kvm/vfio.knot", ["TEARDOWN=release"]).explore();
    expect(r).toMatchObject({ states: 94, transitions: 188, complete: true });
    expect(r.firstViolation).toBeUndefined();
  });

  it("philosophers, N=3 ORDERED: the counts knot check prints", () => {
    const engine = ENGINE_COUNTS.find((c) => c.model === "models/examples/philosophers.knot" && c.set.join() === "N=3,ORDERED=true")!;
    const r = repoModel("models/examples/philosophers.knot", ["N=3", "ORDERED=true"]).explore();
    expect(r).toMatchObject({ states: engine.all.states, transitions: engine.all.transitions, complete: true });
    expect(r.states).toBe(33);
  });

  it("philosophers, N=8 ORDERED: Spin's and TLC's 18,837 states, 99,620 transitions", () => {
    const r = repoModel("models/examples/philosophers.knot", ["N=8", "ORDERED=true"]).explore();
    expect(r).toMatchObject({ states: 18837, transitions: 99620, depth: 28, complete: true });
  }, 120_000);
});
