// Symmetry reduction (symmetry.ts): one state per orbit, the same verdicts as the full
// search, traces that are real runs, and the reasons a symmetric type is not used.
import { describe, expect, it } from "vitest";
import { Explorer } from "./explore.js";
import { SymmetryReducer } from "./symmetry.js";
import { check, lower } from "./test-pipeline.js";

const vcpus = (n: number, body = "") => `
const N: 1..6 = ${n}
type Vcpu = symmetric 0..N-1
mutex kvm_lock
mutex vcpu_mutex[Vcpu]
refcount users = N + 1
var ran: set<Vcpu> = {}
proc run(v: Vcpu) {
  lock vcpu_mutex[v]
  ran := ran + {v}
  unlock vcpu_mutex[v]
}
process vcpu[i in Vcpu] {
  call run(i)
  lock vcpu_mutex[i]
  lock kvm_lock
  unlock kvm_lock
  unlock vcpu_mutex[i]
  put users
}
process vmm {
  lock kvm_lock
  ${body}
  unlock kvm_lock
  put users
}
`;
const ABBA = "pick v in Vcpu {\n lock vcpu_mutex[v]\n unlock vcpu_mutex[v]\n }";

function permutations(n: number): Int32Array[] {
  if (n === 1) return [Int32Array.of(0)];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => {
    const a = Array.from(p);
    a.splice(i, 0, n - 1);
    return Int32Array.from(a);
  }));
}

describe("symmetry reduction", () => {
  it("stores exactly one state per orbit of the vCPUs' permutations", () => {
    for (const n of [2, 3]) {
      const m = lower(vcpus(n, ABBA));
      const full = new Explorer(m, { symmetry: false, all: true });
      const r = full.run();
      const reducer = new SymmetryReducer(m, full.layout, [0]);
      const orbits = new Set<string>();
      for (let i = 0; i < r.stats.states; i++) {
        const s = full.readState(i);
        orbits.add(permutations(n).map((p) => reducer.image(0, p, s).join(",")).sort()[0]!);
      }
      const reduced = check(vcpus(n, ABBA), { all: true });
      expect(reduced.stats.states).toBe(orbits.size);
      expect(reduced.stats.states).toBeLessThan(r.stats.states);
      expect(reduced.stats.symmetry).toEqual({ used: [{ type: "Vcpu", threads: [`vcpu[0..${n - 1}]`], permutations: n === 2 ? 2 : 6 }], unused: [] });
    }
  });

  it("keeps every verdict, the shortest trace's length and the lock-order cycles", () => {
    for (const body of ["skip", ABBA]) {
      const on = check(vcpus(3, body), {});
      const off = check(vcpus(3, body), { symmetry: false });
      expect(on.violations.map((v) => v.kind)).toEqual(off.violations.map((v) => v.kind));
      expect(on.violations.map((v) => v.trace.steps.length)).toEqual(off.violations.map((v) => v.trace.steps.length));
      expect(on.warnings.map((w) => w.locks)).toEqual(off.warnings.map((w) => w.locks));
    }
    const dl = check(vcpus(3, ABBA), {});
    expect(dl.violations[0]!.kind).toBe("lock-cycle");
    expect(dl.warnings.map((w) => w.message)).toEqual(["possible circular locking dependency: kvm_lock -> vcpu_mutex -> kvm_lock"]);
  });

  it("finds the instance view's cycles too, each edge with a real witness run", () => {
    // every vCPU's mutex against kvm_lock: the full search sees each vCPU's pair of edges
    for (const n of [2, 3]) {
      const on = check(vcpus(n, ABBA), { lockOrder: "instance", all: true });
      const off = check(vcpus(n, ABBA), { lockOrder: "instance", all: true, symmetry: false });
      expect(on.stats.symmetry!.used.length).toBe(1);
      expect(on.warnings.map((w) => w.locks)).toEqual(off.warnings.map((w) => w.locks));
      expect(on.warnings.length).toBe(1);
      for (const w of on.warnings) {
        for (const e of w.edges) {
          const last = e.trace.steps[e.trace.steps.length - 1]!;
          // the witness's last step is the acquisition: the thread now holds `to`
          const m = on.model;
          const lock = m.layout.vars.find((v) => e.to === v.name || e.to.startsWith(`${v.name}[`))!;
          const entry = e.to.endsWith("]") ? Number(/\[(\d+)\]$/.exec(e.to)![1]) : 0;
          expect(last.state[lock.offset + entry]).toBe(last.thread + 1);
        }
      }
    }
  });

  it("rebuilds a trace as a real run: each step's thread, and a pick's alternative, mapped back", () => {
    // vmm picks a vCPU and waits until that one has run: the stored run took canonical names
    const src = vcpus(3, "pick v in Vcpu {\n await v in ran\n assert false : \"picked\"\n }");
    const r = check(src, {});
    const v = r.violations[0]!;
    expect(v.kind).toBe("assertion");
    const m = r.model;
    const pick = v.trace.steps.find((st) => m.steps[st.step]!.choiceAt?.label.startsWith("pick"))!;
    const picked = Number(/= (\d+)/.exec(m.steps[pick.step]!.choice!)![1]);
    // the vCPU that ran is the one vmm picked, and its own thread ran it
    const ran = v.trace.steps.filter((st) => m.steps[st.step]!.label === "ran := ran + {v}").map((st) => m.threads[st.thread]!.name);
    expect(ran).toEqual([`vcpu[${picked}]`]);
    // every step's state is the one before it with that step run (the explorer checks the last one)
    expect(v.trace.steps.length).toBe(check(src, { symmetry: false }).violations[0]!.trace.steps.length);
  });

  it("maps a pick's alternative back: the real run picks the value the stored one's permutation names", () => {
    // the stored path permutes the vCPUs before sf picks one, so the real pick is another step
    const src = `type Vid = symmetric 0..2
mutex mv[Vid]
var vs: set<Vid> = {}
process sv[vi in Vid] {
  lock mv[vi]
  vs := vs + {vi}
  unlock mv[vi]
}
process sf {
  pick y in Vid {
    lock mv[y]
    await y in vs
    assert false
  }
}`;
    const r = check(src, {});
    const v = r.violations[0]!;
    expect(v.kind).toBe("assertion");
    const m = r.model;
    const steps = v.trace.steps.map((st) => ({ thread: m.threads[st.thread]!.name, label: m.steps[st.step]!.label, choice: m.steps[st.step]!.choice }));
    const pick = steps.find((st) => st.thread === "sf" && st.choice)!;
    const y = /= (\d+)/.exec(pick.choice!)![1];
    // sf waits for y to have run, so sv[y], and no other, added itself before sf's assertion
    expect(steps.filter((st) => st.label === "vs := vs + {vi}").map((st) => st.thread)).toContain(`sv[${y}]`);
    expect(v.trace.steps.length).toBe(check(src, { symmetry: false }).violations[0]!.trace.steps.length);
  });

  it("says why a symmetric type is not used", () => {
    const reason = (src: string, opts = {}) => check(src, opts).stats.symmetry!.unused.map((u) => u.reason);
    expect(reason(vcpus(2, "for v in Vcpu {\n lock vcpu_mutex[v]\n unlock vcpu_mutex[v]\n }"))).toEqual(["vmm visits the values of Vcpu in order (for v in Vcpu)"]);
    expect(reason(vcpus(2), { symmetry: false })).toEqual(["switched off (--symmetry off)"]);
    expect(reason("type Vcpu = symmetric 0..1\nworkqueue wq\nproc f(v: Vcpu) { skip }\nwork w[i in Vcpu] on wq runs f(i)\nprocess p[i in Vcpu] { queue_work w[i] }")).toEqual([
      "work item w is indexed by Vcpu: its queue positions would have to be permuted",
    ]);
    expect(reason("type Vcpu = symmetric 0..1\nobject vc[2] { id: Vcpu }\nprocess p[i in Vcpu] { var x: vc = alloc vc {id: i}\n free x }")).toEqual([
      "field id of object vc holds values of Vcpu (an object that is not allocated holds its first value)",
    ]);
  });

  it("permutes the readers a call_rcu callback waits for; a callback taking a value of the type turns it off", () => {
    const rcu = (cb: string, call: string) => `type Vcpu = symmetric 0..2
var freed: bool = false
var seen: set<Vcpu> = {}
proc ${cb} { freed := true }
process reader[i in Vcpu] {
  rcu_read_lock
  assert not freed
  seen := seen + {i}
  rcu_read_unlock
}
process updater {
  ${call}
}`;
    const ok = rcu("free_it()", "call_rcu free_it()");
    const on = check(ok, { all: true });
    const off = check(ok, { all: true, symmetry: false });
    expect(on.stats.symmetry!.used.map((u) => u.type)).toEqual(["Vcpu"]);
    expect(on.stats.states).toBeLessThan(off.stats.states);
    expect(on.violations.map((v) => v.kind)).toEqual(off.violations.map((v) => v.kind));
    // freeing without a grace period is found either way
    const bad = rcu("free_it()", "freed := true");
    expect(check(bad, {}).violations.map((v) => v.kind)).toEqual(check(bad, { symmetry: false }).violations.map((v) => v.kind));
    expect(check(rcu("free_it(v: Vcpu)", "pick v in Vcpu {\n call_rcu free_it(v)\n }"), {}).stats.symmetry!.unused.map((u) => u.reason)).toEqual([
      "the callback free_it takes a value of Vcpu, and its callback threads (one per value) are not permuted",
    ]);
  });

  it("reports nothing for models without symmetric types", () => {
    expect(check("mutex m\nprocess p { lock m\n unlock m }").stats.symmetry).toBeUndefined();
  });
});
