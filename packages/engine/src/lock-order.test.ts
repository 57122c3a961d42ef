// The lockdep-style lock-order analysis: edges recorded over every explored
// transition, cycles reported even when no explored state deadlocks; by lock
// class (lockdep's view, the default) with subclasses from `nested`, and by
// instance, where ordered locking of array entries is no alarm.
import { describe, expect, it } from "vitest";
import { lowerFile } from "../../ir/src/test-lower.js";
import { explore } from "./explore.js";
import { LockOrderGraph } from "./lock-order.js";
import { check } from "./test-pipeline.js";

describe("lock-order analysis", () => {
  it("finds an ABBA order that no explored interleaving deadlocks on", () => {
    // q only starts after p is done, so the two orders never overlap in time
    const r = check(`
mutex a
mutex b
var done: bool = false
process p { lock a; lock b; unlock b; unlock a; done := true }
process q { await done; lock b; lock a; unlock a; unlock b }
`);
    expect(r.violations).toEqual([]);
    expect(r.stats.complete).toBe(true);
    expect(r.warnings.map((w) => w.message)).toEqual(["possible circular locking dependency: a -> b -> a"]);
    const [ab, ba] = r.warnings[0]!.edges;
    expect([ab!.from, ab!.to, r.model.threads[ab!.thread]!.name]).toEqual(["a", "b", "p"]);
    expect([ba!.from, ba!.to, r.model.threads[ba!.thread]!.name]).toEqual(["b", "a", "q"]);
    // each edge comes with the shortest trace that creates it, ending with the acquisition
    expect(ab!.trace.steps.map((s) => r.model.steps[s.step]!.label)).toEqual(["lock a", "lock b"]);
    expect(ba!.trace.steps.length).toBe(8);
    expect(r.model.steps[ba!.trace.steps[7]!.step]!.label).toBe("lock a");
  });

  it("reports longer cycles once, starting at the smallest lock", () => {
    const r = check(`
mutex a
mutex b
mutex c
process p { lock a; lock b; unlock b; unlock a }
process q { lock b; lock c; unlock c; unlock b }
process s { lock c; lock a; unlock a; unlock c }
`);
    expect(r.warnings.map((w) => w.locks)).toEqual([["a", "b", "c"]]);
  });

  it("by instance, treats entries of a lock array as separate locks: ordered philosophers are clean", () => {
    const ordered = explore(lowerFile("models/examples/philosophers.knot", { N: "4", ORDERED: "true" }), { lockOrder: "instance" });
    expect(ordered.warnings).toEqual([]);
    const unordered = explore(lowerFile("models/examples/philosophers.knot", { N: "3" }), { all: true, lockOrder: "instance" });
    expect(unordered.warnings.map((w) => w.locks)).toEqual([["fork[0]", "fork[1]", "fork[2]"]]);
  });

  it("by class (the default), two entries of one array nested are possible recursive locking, unless the inner one is nested", () => {
    const unordered = explore(lowerFile("models/examples/philosophers.knot", { N: "3", SINGLE_DEPTH_NESTING: "0" }), { all: true });
    expect(unordered.warnings.map((w) => [w.locks, w.recursive, w.message])).toEqual([[["fork"], true,
      "possible recursive locking: fork[1] taken while holding fork[0], both of lock class fork; may be due to missing lock nesting notation (lock fork[1] nested 1)"]]);
    // the table takes its second fork `nested 1`: fork -> fork/1 is no cycle, ordered or not
    expect(explore(lowerFile("models/examples/philosophers.knot", { N: "4", ORDERED: "true" })).warnings).toEqual([]);
    expect(explore(lowerFile("models/examples/philosophers.knot", { N: "3" }), { all: true }).warnings).toEqual([]);
  });

  it("by class, finds a cycle between two objects' locks that no two instances form", () => {
    const src = `
object kvm[1] { lock: mutex }
object kvm_vcpu[2] { mutex: mutex }
var vm: kvm = alloc kvm {}
var v0: kvm_vcpu = alloc kvm_vcpu {}
var v1: kvm_vcpu = alloc kvm_vcpu {}
process a { lock vm.lock; lock v0.mutex; unlock v0.mutex; unlock vm.lock }
process b { lock v1.mutex; lock vm.lock; unlock vm.lock; unlock v1.mutex }
`;
    const byClass = check(src, { disabled: new Set(["leak"]) });
    expect(byClass.warnings.map((w) => w.message)).toEqual(["possible circular locking dependency: kvm->lock -> kvm_vcpu->mutex -> kvm->lock"]);
    expect(byClass.warnings[0]!.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(["kvm[0]->lock -> kvm_vcpu[0]->mutex", "kvm_vcpu[1]->mutex -> kvm[0]->lock"]);
    expect(check(src, { disabled: new Set(["leak"]), lockOrder: "instance" }).warnings).toEqual([]);
  });

  it("records nothing for a lock of a class already held while its nest lock is held (mutex_lock_nest_lock)", () => {
    const all = (inner: string) => `
mutex kvm_lock
mutex other
mutex vcpu_mutex[0..1]
process p { lock kvm_lock; lock vcpu_mutex[0]${inner}; lock vcpu_mutex[1]${inner}; unlock vcpu_mutex[1]; unlock vcpu_mutex[0]; unlock kvm_lock }
`;
    expect(check(all(" nest_lock kvm_lock")).warnings).toEqual([]);
    expect(check(all("")).warnings.map((w) => w.recursive)).toEqual([true]);
    // a nest lock the thread does not hold does nothing
    expect(check(all(" nest_lock other")).warnings.map((w) => w.recursive)).toEqual([true]);
    // the first vcpu_mutex under kvm_lock is an edge as any: with a vCPU that holds its mutex and takes kvm_lock, a cycle
    const abba = check(`${all(" nest_lock kvm_lock")}process q { lock vcpu_mutex[1]; lock kvm_lock; unlock kvm_lock; unlock vcpu_mutex[1] }\n`, { all: true });
    expect(abba.warnings.map((w) => w.message)).toEqual(["possible circular locking dependency: kvm_lock -> vcpu_mutex -> kvm_lock"]);
  });

  it("keys a class edge by the inner lock's subclass; a held lock counts as subclass 0", () => {
    const three = (inner: string, innermost: string) => `
mutex m[0..2]
process p { lock m[0]; lock m[1]${inner}; lock m[2]${innermost}; unlock m[2]; unlock m[1]; unlock m[0] }
`;
    // m[1] nested 1 under m[0], m[2] nested 2 under both: m -> m/1, m -> m/2
    expect(check(three(" nested 1", " nested 2")).warnings).toEqual([]);
    // m[2] nested 1 while m[1] (nested 1) is held: the held m[1] counts as m, so m -> m/1 again, no warning
    expect(check(three(" nested 1", " nested 1")).warnings).toEqual([]);
    // no notation on the innermost: m -> m
    expect(check(three(" nested 1", "")).warnings.map((w) => w.locks)).toEqual([["m"]]);
    // a subclass node is a node of its own in a cycle: a -> m/1 and m -> a
    const r = check(`
mutex a
mutex m[0..1]
process p { lock m[0]; lock a; unlock a; unlock m[0] }
process q { lock a; lock m[1] nested 1; unlock m[1]; unlock a }
`);
    expect(r.warnings).toEqual([]);
    const s = check(`
mutex a
mutex m[0..1]
process p { lock m[0]; lock a; unlock a; unlock m[0] }
process q { lock a; lock m[1]; unlock m[1]; unlock a }
`);
    expect(s.warnings.map((w) => w.message)).toEqual(["possible circular locking dependency: a -> m -> a"]);
    expect(s.warnings[0]!.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(["a -> m[1]", "m[0] -> a"]);
  });

  it("records nothing for a step that turns out disabled, and nothing when switched off", () => {
    const src = `
mutex a
mutex b
process p { lock a; lock b; unlock b; unlock a }
process q { lock b; lock a; unlock a; unlock b }
`;
    expect(check(src, { disabled: new Set(["lock-order"]) }).warnings).toEqual([]);
    const g = new LockOrderGraph();
    g.begin();
    g.acquire([1], 2);
    g.begin(); // the attempt was disabled: forgotten
    g.commit(0, 0, 0);
    expect(g.size).toBe(0);
  });
});
