// Locks and refcounts in objects in the engine (language.md, "Locks and refcounts in
// objects"): each object's lock and count is an entry of its own, reached through the
// reference with its null-deref and use-after-free checks; free of an object whose lock is
// held is held-lock-freed; reports name an entry kvm[1]->lock. Compiled code of both shapes
// must agree with the interpreter on each model, with the checks on and off.
import { describe, expect, it } from "vitest";
import type { ViolationKind } from "@knot/ir";
import { testDir } from "../../../tests/support/temp-dir.js";
import { type Summary, agree } from "./test-agree.js";
import { lower } from "./test-pipeline.js";

const cacheDir = testDir("knot-object-fields-cache-");

function run(source: string): { all: Summary; off: Summary } {
  const m = lower(source);
  agree(m, cacheDir);
  const all = agree(m, cacheDir, { all: true, disabled: new Set<ViolationKind>(["leak"]) });
  const off = agree(m, cacheDir, { all: true, disabled: new Set<ViolationKind>(["leak", "held-lock-freed", "use-after-free", "null-deref", "refcount-inc-from-zero"]) });
  return { all, off };
}

const messages = (s: Summary) => s.violations.map((v) => `${v.kind}: ${v.message}`);
const kinds = (s: Summary) => [...new Set(s.violations.map((v) => v.kind))].sort();

describe("locks and refcounts in objects", () => {
  it("two objects' locks are two locks: an ABBA between them is a lock-cycle and a lock-order warning naming both", () => {
    const r = run(`
object kvm[2] { lock: mutex }
var a: kvm = alloc kvm {}
var b: kvm = alloc kvm {}
process p { lock a.lock; lock b.lock; unlock b.lock; unlock a.lock }
process q { lock b.lock; lock a.lock; unlock a.lock; unlock b.lock }
`);
    expect(kinds(r.all)).toEqual(["lock-cycle"]);
    expect(r.all.warnings.join("\n")).toContain("kvm[0]->lock");
    expect(r.all.warnings.join("\n")).toContain("kvm[1]->lock");
    const one = run(`
object kvm[2] { lock: mutex }
var a: kvm = alloc kvm {}
var b: kvm = alloc kvm {}
process p { lock a.lock; lock b.lock; unlock b.lock; unlock a.lock }
`);
    expect(one.all.violations).toEqual([]);
  });

  it("a refcount field starts at its declared value; the last put frees the object; a get after it is use-after-free", () => {
    const r = run(`
object kvm[1] { users_count: refcount 0..3 = 2, lock: spinlock }
var vm: kvm = alloc kvm {}
var n: 0..3
proc kvm_destroy_vm(k: kvm) { free k }
process a { n := vm.users_count; if dec_and_test(vm.users_count) { call kvm_destroy_vm(vm) } }
process b { if dec_and_lock(vm.users_count, vm.lock) { unlock vm.lock; call kvm_destroy_vm(vm) } }
process c { get vm.users_count; put vm.users_count }
`);
    expect(kinds(r.all)).toEqual(["refcount-inc-from-zero", "use-after-free"]);
    expect(messages(r.all)).toContain("use-after-free: vm points to kvm[0], which was freed");
  });

  it("free with a lock held is held-lock-freed; with the check off the holder's unlock is use-after-free", () => {
    const r = run(`
object kvm[1] { lock: mutex, slots_lock: rwsem }
var vm: kvm = alloc kvm {}
process destroy { lock vm.lock; free vm; unlock vm.lock }
process reader { down_read vm.slots_lock; up_read vm.slots_lock }
`);
    expect(messages(r.all)).toContain("held-lock-freed: free vm: kvm[0]->lock is held by destroy (lockdep: \"held lock freed!\")");
    expect(messages(r.off)).toEqual([]);
    const noUaf = run(`
object kvm[1] { lock: mutex }
var vm: kvm = alloc kvm {}
process destroy { lock vm.lock; free vm; unlock vm.lock }
`);
    expect(kinds(noUaf.all)).toEqual(["held-lock-freed"]);
  });

  it("an SRCU domain and a completion inside an object: a grace period waited for under a lock its reader takes is a lock-cycle", () => {
    const r = run(`
mutex kvm_lock
object kvm[1] { srcu: srcu, done: completion }
var vm: kvm = alloc kvm {}
proc cb(i: 0..1) { skip }
process vcpu { srcu_read_lock vm.srcu; lock kvm_lock; unlock kvm_lock; srcu_read_unlock vm.srcu; complete vm.done }
process updater { lock kvm_lock; synchronize_srcu vm.srcu; unlock kvm_lock; call_srcu vm.srcu cb(1); wait_for_completion vm.done }
`);
    expect(kinds(r.all)).toEqual(["lock-cycle"]);
    expect(messages(r.all)[0]).toContain("waits for an SRCU grace period of vm->srcu");
    // by class the domain is kvm->srcu; its edges name the instance
    expect(r.all.warnings.join("\n")).toContain("kvm->srcu");
  });

  it("a spinlock field makes atomic context; a lock through a null reference is null-deref; exit holding a field lock names it", () => {
    const r = run(`
mutex m
object dev[2] { lock: spinlock }
var d: dev = alloc dev {}
var e: dev
process p { lock d.lock; lock m; unlock m; unlock d.lock }
process q { lock e.lock }
process s { var x: dev = alloc dev {}; lock x.lock }
`);
    expect(messages(r.all)).toEqual(expect.arrayContaining([
      "sleep-in-atomic: p takes mutex m, which may sleep, while holding spinlock dev[0]->lock",
      "null-deref: e is null",
      "exit-holding-lock: s finishes while holding dev[1]->lock",
    ]));
  });
});

describe("nest locks", () => {
  it("compiled code agrees: a nest lock through a null reference is null-deref; held, it quiets same-class nesting", () => {
    const r = run(`
object kvm[1] { lock: mutex }
mutex vcpu_mutex[0..1]
var vm: kvm = alloc kvm {}
var nothing: kvm
process p { lock vm.lock; lock vcpu_mutex[0] nest_lock vm.lock; lock vcpu_mutex[1] nest_lock vm.lock; unlock vcpu_mutex[1]; unlock vcpu_mutex[0]; unlock vm.lock }
process q { lock vcpu_mutex[1] nest_lock nothing.lock; unlock vcpu_mutex[1] }
`);
    expect(messages(r.all)).toContain("null-deref: nothing is null");
    expect(r.all.warnings).toEqual([]);
  });
});

describe("work items in objects", () => {
  const WORK = `
workqueue events
object dev[2] { n: 0..1, w: work on events runs dev_fn, lock: mutex }
var a: dev = alloc dev {}
var b: dev = alloc dev {}
proc dev_fn(d: dev) { lock d.lock; d.n := 1; unlock d.lock }
`;

  it("a work queued when its object is freed is use-after-free when a worker starts it; cancelled first, it never runs", () => {
    const r = run(`${WORK}
process probe { queue_work a.w; free a }
process remove { queue_work b.w; cancel_work_sync b.w; free b }
`);
    expect(messages(r.all)).toContain("use-after-free: dev[0]->w was still queued when dev[0] was freed: the worker reads the freed work (process_one_work)");
    expect(messages(r.all).some((m) => m.includes("dev[1]"))).toBe(false);
    // with the check off the work runs on the freed object
    expect(r.off.violations).toEqual([]);
  });

  it("each object's work is its own: flushing one does not wait for the other; a flush under the lock its function takes is a lock-cycle", () => {
    const ok = run(`${WORK}
process p { queue_work a.w; queue_work b.w; flush_work a.w; cancel_work_sync b.w; free a; free b }
`);
    expect(ok.all.violations).toEqual([]);
    const cycle = run(`${WORK}
process p { lock a.lock; flush_work a.w; unlock a.lock }
process q { queue_work a.w }
`);
    expect(kinds(cycle.all)).toContain("lock-cycle");
    expect(cycle.all.warnings.join("\n")).toContain("(work_completion)(&dev->w)");
  });

  it("a work through a null or freed reference is null-deref or use-after-free; a work freeing its own object is fine", () => {
    const r = run(`
workqueue events
object dev[1] { w: work on events runs dev_release }
var a: dev = alloc dev {}
var z: dev
proc dev_release(d: dev) { free d }
process p { queue_work a.w }
process q { queue_work z.w }
`);
    expect(messages(r.all)).toEqual(["null-deref: z is null"]);
    const late = run(`
workqueue events
object dev[1] { w: work on events runs f }
var a: dev = alloc dev {}
proc f(d: dev) { skip }
process p { free a; flush_work a.w }
`);
    expect(messages(late.all)).toEqual(["use-after-free: a points to dev[0], which was freed"]);
  });
});
