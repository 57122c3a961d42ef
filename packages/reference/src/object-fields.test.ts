// Locks and refcounts in objects (object-fields.ts) against docs/language.md "Locks and
// refcounts in objects": one entry per object, named `kvm[1]->lock`; every lock and
// refcount statement, trylock, held()/locked() and count read on a field as on a global;
// the reference evaluated each time the statement is tried (null-deref, use-after-free,
// also for a thread that was waiting for the lock); held-lock-freed; alloc and free
// leaving the entries alone; and the checks that name lock entries.
import { describe, expect, it } from "vitest";
import type { RState } from "./index.js";
import { inlineModel, stepThread } from "./test-models.js";

type Ref = ReturnType<typeof inlineModel>;

const walk = (ref: Ref, path: string[], from?: RState): RState => path.reduce((s, name) => stepThread(ref, s, name).next!, from ?? ref.initial());

// the objects the globals refer to live to the end: no leak checks here
const model = (lines: string[], disabled: string[] = []) => inlineModel(lines.join("\n"), ["leak", ...disabled]);

const KVM = "object kvm[2] { lock: mutex, mmu_lock: spinlock, slots_lock: rwsem, users_count: refcount = 1, online_vcpus: 0..4 }";

describe("lock fields", () => {
  it("are one entry per object, named pool[i]->field, in the state and as lock-order nodes, free for every object", () => {
    const ref = model([KVM, "var g: kvm = alloc kvm", "process p { skip }"]);
    expect(ref.name(ref.initial()).shared).toEqual({
      g: "kvm[0]",
      "kvm[0]->lock": "free", "kvm[1]->lock": "free",
      "kvm[0]->mmu_lock": "free", "kvm[1]->mmu_lock": "free",
      "kvm[0]->slots_lock": "free", "kvm[1]->slots_lock": "free",
      // a refcount starts at its initial value for every object, allocated or not
      "kvm[0]->users_count": "1", "kvm[1]->users_count": "1",
      // the value fields only
      "kvm[0]": "{online_vcpus: 0}", "kvm[1]": "unallocated",
    });
    expect(ref.lockEntryNames()).toEqual(["kvm[0]->lock", "kvm[1]->lock", "kvm[0]->mmu_lock", "kvm[1]->mmu_lock", "kvm[0]->slots_lock", "kvm[1]->slots_lock"]);
  });

  it("lock and unlock through a global reference and through a local; a waiter waits for the object's entry", () => {
    const ref = model([
      KVM,
      "var g: kvm = alloc kvm",
      "process p { var vm = alloc kvm; lock vm.lock; lock g.lock; unlock g.lock; unlock vm.lock; free vm }",
      "process q { lock g.lock; unlock g.lock }",
    ]);
    const s1 = walk(ref, ["p"]);
    const t = stepThread(ref, s1, "p");
    expect(t.label).toBe("lock vm.lock");
    expect(t.changes).toEqual([{ name: "kvm[1]->lock", before: "free", after: "p" }]);
    const s3 = walk(ref, ["p", "p", "p"]);
    expect(ref.name(s3).shared).toMatchObject({ "kvm[0]->lock": "p", "kvm[1]->lock": "p" });
    expect(ref.blocked(s3, 1).waits).toMatchObject([{ kind: "lock", lock: "kvm[0]->lock", heldBy: ["p"], self: false, statement: "lock g.lock" }]);
    // the lock-order edge is between the two objects' entries
    expect(t.acquisitions).toEqual([{ taken: "kvm[1]->lock", subclass: 0, held: [], statement: "lock vm.lock", at: expect.anything() }]);
    expect(stepThread(ref, walk(ref, ["p", "p"]), "p").acquisitions).toMatchObject([{ taken: "kvm[0]->lock", held: ["kvm[1]->lock"] }]);
    expect(ref.explore({ lockOrder: "instance" })).toMatchObject({ complete: true, violations: [], lockOrder: [] });
  });

  it("two objects' locks are different locks: no recursive-locking; ABBA between them is a lock-cycle and a lock-order cycle", () => {
    const nested = model(["object o[2] { l: mutex }", "var a: o = alloc o", "var b: o = alloc o", "process p { lock a.l; lock b.l; unlock b.l; unlock a.l }"]);
    expect(nested.explore({ lockOrder: "instance" })).toMatchObject({ complete: true, violations: [], lockOrder: [] });
    // by class (lockdep's view) both are o->l: nesting them is possible recursive locking, unless the inner is nested
    expect(nested.explore().lockOrder.map((c) => [c.locks, c.recursive])).toEqual([[["o->l"], true]]);
    const annotated = model(["object o[2] { l: mutex }", "var a: o = alloc o", "var b: o = alloc o", "process p { lock a.l; lock b.l nested 1; unlock b.l; unlock a.l }"]);
    expect(annotated.explore().lockOrder).toEqual([]);
    const abba = [
      "object o[2] { l: mutex }", "var a: o = alloc o", "var b: o = alloc o",
      "process p { lock a.l; lock b.l; unlock b.l; unlock a.l }",
      "process q { lock b.l; lock a.l; unlock a.l; unlock b.l }",
    ];
    const ref = model(abba);
    const s = walk(ref, ["p", "q"]);
    expect(ref.stateViolations(s)).toMatchObject([{ kind: "lock-cycle", message: "p waits for o[1]->l, held by q; q waits for o[0]->l, held by p", threads: ["p", "q"] }]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "lock-cycle", depth: 2 });
    const r = model(abba, ["lock-cycle"]).explore({ all: true, lockOrder: "instance" });
    expect(r.lockOrder.map((c) => c.message)).toEqual(["possible circular locking dependency: o[0]->l -> o[1]->l -> o[0]->l"]);
    expect(r.lockOrder[0]!.edges.map((e) => [e.from, e.to, e.thread, e.statement])).toEqual([
      ["o[0]->l", "o[1]->l", "p", "lock b.l"],
      ["o[1]->l", "o[0]->l", "q", "lock a.l"],
    ]);
    // with the cycle check off the deadlock is stuck, naming the entries
    expect(r.violations.map((v) => v.message)).toEqual(["no thread can move: p waits for o[1]->l (held by q); q waits for o[0]->l (held by p)"]);
  });

  it("one object's lock taken twice, through the same or another reference, is recursive-locking", () => {
    const twice = model(["object o[1] { l: mutex }", "var g: o = alloc o", "process p { var x: o = g; lock x.l; lock g.l; unlock g.l }"]);
    expect(twice.explore().firstViolation).toMatchObject({ kind: "recursive-locking", message: "p waits for o[0]->l, which it already holds", depth: 2 });
  });

  it("a spinlock field is atomic context: a mutex field under it is sleep-in-atomic", () => {
    const ref = model([KVM, "var g: kvm = alloc kvm", "process p { lock g.mmu_lock; lock g.lock; unlock g.lock; unlock g.mmu_lock }"]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "sleep-in-atomic", message: "p takes mutex kvm[0]->lock, which may sleep, while holding spinlock kvm[0]->mmu_lock" });
    expect(model([KVM, "var g: kvm = alloc kvm", "process p { lock g.lock; lock g.mmu_lock; unlock g.mmu_lock; unlock g.lock }"]).explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("an rwsem field: readers share it, a writer queues and waits, up_read of a lock not read is unlock-not-held", () => {
    const ref = model([
      KVM, "var g: kvm = alloc kvm",
      "process r[i in 0..1] { down_read g.slots_lock; up_read g.slots_lock }",
      "process w { down_write g.slots_lock; up_write g.slots_lock }",
      "process x { up_read g.slots_lock }",
    ]);
    const queued = walk(ref, ["r[0]", "r[1]", "w"]);
    expect(ref.name(queued).shared["kvm[0]->slots_lock"]).toBe("read: r[0], r[1]; writer waiting: w");
    expect(ref.blocked(queued, 2).waits).toMatchObject([{ kind: "lock", lock: "kvm[0]->slots_lock", heldBy: ["r[0]", "r[1]"] }]);
    expect(stepThread(ref, walk(ref, ["r[0]"]), "x").violation).toMatchObject({ kind: "unlock-not-held", message: "x does up_read kvm[0]->slots_lock, but it is held for reading by r[0]" });
    const nested = model([KVM, "var g: kvm = alloc kvm", "process p { down_read g.slots_lock; down_read g.slots_lock }"]);
    expect(nested.explore().firstViolation).toMatchObject({ kind: "recursive-locking", message: expect.stringMatching(/^p takes kvm\[0\]->slots_lock for reading again/) });
  });

  it("trylocks on fields take the entry when it is free, never wait, and add no lock-order edge", () => {
    const ref = model([
      KVM, "var g: kvm = alloc kvm", "var got: 0..4",
      "process p { lock g.lock; await got == 4; unlock g.lock }",
      "process q {",
      "  if mutex_trylock(g.lock) { unlock g.lock } else { got := 1 }",
      "  if spin_trylock(g.mmu_lock) { got := 2 }",
      "  var r: bool = down_read_trylock(g.slots_lock)",
      "  if down_write_trylock(g.slots_lock) { skip } else { got := 3 }",
      "  if r { up_read g.slots_lock; got := 4 }",
      "  unlock g.mmu_lock",
      "}",
    ]);
    const s1 = walk(ref, ["p"]);
    const t = stepThread(ref, s1, "q");
    expect(t).toMatchObject({ label: "if mutex_trylock(g.lock)", acquisitions: [] });
    expect(ref.name(walk(ref, ["q"], t.next!)).shared).toMatchObject({ "kvm[0]->lock": "p", got: "1" });
    // q's steps: the mutex trylock fails, got := 1, the spin trylock succeeds, got := 2, the read
    // trylock succeeds, the write trylock fails (q reads it), got := 3
    const s = walk(ref, ["q", "q", "q", "q", "q", "q", "q"], s1);
    expect(ref.name(s).shared).toMatchObject({ "kvm[0]->mmu_lock": "q", "kvm[0]->slots_lock": "read: q", got: "3" });
    expect(stepThread(ref, walk(ref, ["p"]), "q").acquisitions).toEqual([]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [], lockOrder: [] });
  });

  it("held() asks about the thread's entry, locked() about anyone's (in invariants too, through a global reference)", () => {
    const ref = model([
      KVM, "var g: kvm = alloc kvm", "var h: kvm = null",
      "process p { var vm = alloc kvm; lock vm.lock; assert held(vm.lock) and not held(g.lock); assert locked(vm.lock); unlock vm.lock; assert not held(vm.lock); free vm }",
      "process q { lock g.lock; assert held(g.lock); unlock g.lock }",
      "invariant il: not locked(g.lock) or not locked(g.mmu_lock)",
    ]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
    const other = model([KVM, "var g: kvm = alloc kvm", "process p { lock g.lock; unlock g.lock }", "process q { assert not held(g.lock) }"]);
    expect(other.explore()).toMatchObject({ complete: true, violations: [] });
    const nulled = model([KVM, "var g: kvm = null", "process p { skip }", "invariant il: not locked(g.lock)"]);
    expect(nulled.explore().firstViolation).toMatchObject({ kind: "null-deref", property: "il", message: "invariant il cannot be evaluated: g is null" });
  });
});

describe("refcount fields", () => {
  const DEV = "object dev[2] { refs: refcount 0..3 = 1, id: 0..1 }";

  it("start at the declared value; get and put keep to the range; underflow and inc-from-zero as for a global", () => {
    const up = model([DEV, "process p { var d = alloc dev; get d.refs; get d.refs; get d.refs }"]);
    const s = walk(up, ["p", "p", "p"]);
    expect(up.name(s).shared).toMatchObject({ "dev[0]->refs": "3", "dev[1]->refs": "1" });
    expect(stepThread(up, s, "p").violation).toMatchObject({ kind: "out-of-range", message: "get dev[0]->refs would raise the count above its bound 3" });
    const down = model([DEV, "process p { var d = alloc dev; put d.refs; put d.refs }"]);
    expect(down.explore().firstViolation).toMatchObject({ kind: "refcount-underflow", message: "put dev[0]->refs on a count of 0" });
    const zero = model([DEV, "process p { var d = alloc dev; put d.refs; get d.refs }"]);
    expect(zero.explore().firstViolation).toMatchObject({ kind: "refcount-inc-from-zero", message: "get dev[0]->refs on a count of 0: the object may already be freed" });
    const bounded = model(["object o[1] { r: refcount 1..3 = 2 }", "var g: o = alloc o", "process p { put g.r; put g.r }"]);
    expect(bounded.explore().firstViolation).toMatchObject({ kind: "out-of-range", message: "put o[0]->r would lower the count below its bound 1" });
    // the default range is 0..max(15, init)
    const wide = model(["object o[1] { r: refcount = 20 }", "var g: o = alloc o", "var n: 0..20", "process p { n := g.r; get g.r }"]);
    expect(wide.explore().firstViolation).toMatchObject({ kind: "out-of-range", message: "get o[0]->r would raise the count above its bound 20" });
  });

  it("if dec_and_test(e.f) runs the then block for the put that drops the count to 0", () => {
    const ref = model([
      KVM, "var g: kvm = alloc kvm", "var freed: bool",
      "process p[i in 0..1] { get g.users_count; if dec_and_test(g.users_count) { freed := true } }",
      "process owner { if dec_and_test(g.users_count) { free g } }",
    ]);
    const t = stepThread(ref, ref.initial(), "owner");
    expect(t.label).toBe("if dec_and_test(g.users_count)");
    expect(t.changes).toEqual([{ name: "kvm[0]->users_count", before: "1", after: "0" }]);
    // after the free the count keeps its last value, and a get through the stale reference is use-after-free
    const freed = walk(ref, ["owner"], t.next!);
    expect(ref.name(freed).shared).toMatchObject({ "kvm[0]": "freed", "kvm[0]->users_count": "0" });
    expect(stepThread(ref, freed, "p[0]").violation).toMatchObject({ kind: "use-after-free", message: "g points to kvm[0], which was freed" });
    // (a get after the owner's last put, before its free, is refcount-inc-from-zero)
    expect(ref.explore({ all: true }).violations.map((v) => v.kind)).toEqual(["refcount-inc-from-zero", "use-after-free"]);
  });

  it("reads as its count in an expression, and in an invariant", () => {
    const ref = model([
      KVM, "var seen: 0..15",
      "process p { var vm = alloc kvm; get vm.users_count; var n = vm.users_count; seen := n; if vm.users_count == 2 { put vm.users_count }; free vm }",
      "var g: kvm = alloc kvm",
      "invariant counted: g.users_count == 1",
    ]);
    const s = walk(ref, ["p", "p", "p", "p"]);
    expect(ref.name(s).shared).toMatchObject({ seen: "2", "kvm[1]->users_count": "2", "kvm[0]->users_count": "1" });
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
    // a count read through null is null-deref, as a value field's read
    expect(model([KVM, "var g: kvm = null", "var n: 0..15", "process p { n := g.users_count }"]).explore().firstViolation).toMatchObject({ kind: "null-deref", message: "g is null" });
  });

  it("dec_and_lock(e.f, m): the last put takes the global lock in the same step; dec_and_lock(r, e.f) takes the object's lock", () => {
    const fieldCount = model([
      "object dev[1] { refs: refcount 0..3 = 2 }", "mutex list_mutex", "var d: dev = alloc dev", "var listed: bool = true",
      "process p[i in 0..1] { if dec_and_lock(d.refs, list_mutex) { listed := false; unlock list_mutex; free d } }",
    ]);
    const first = stepThread(fieldCount, fieldCount.initial(), "p[0]");
    expect(first.changes).toEqual([{ name: "dev[0]->refs", before: "2", after: "1" }]);
    const last = stepThread(fieldCount, first.next!, "p[1]");
    expect(last.changes).toEqual([{ name: "list_mutex", before: "free", after: "p[1]" }, { name: "dev[0]->refs", before: "1", after: "0" }]);
    expect(fieldCount.explore()).toMatchObject({ complete: true, violations: [] });
    const fieldLock = model([
      KVM, "object kvm_device[2] { kvm: kvm, refs: refcount 0..3 = 1 }",
      "process p { var vm = alloc kvm; var dev = alloc kvm_device {kvm: vm}; if dec_and_lock(dev.refs, dev.kvm.lock) { free dev; unlock vm.lock }; free vm }",
    ]);
    const t = stepThread(fieldLock, walk(fieldLock, ["p", "p"]), "p");
    expect(t.changes).toEqual([{ name: "kvm[0]->lock", before: "free", after: "p" }, { name: "kvm_device[0]->refs", before: "1", after: "0" }]);
    expect(t.acquisitions).toMatchObject([{ taken: "kvm[0]->lock", held: [], statement: "if dec_and_lock(dev.refs, dev.kvm.lock)" }]);
    // under the object's spinlock, the mutex field taken by dec_and_lock is sleep-in-atomic
    const atomic = model([KVM, "var vm: kvm = alloc kvm", "refcount r = 1", "process p { lock vm.mmu_lock; if dec_and_lock(r, vm.lock) { unlock vm.lock }; unlock vm.mmu_lock }"]);
    expect(atomic.explore().firstViolation).toMatchObject({ kind: "sleep-in-atomic", message: "p takes mutex kvm[0]->lock, which may sleep, while holding spinlock kvm[0]->mmu_lock" });
  });
});

describe("the reference of a field", () => {
  it("null is null-deref (switched off, the statement cannot run); a freed object is use-after-free", () => {
    const nulled = [KVM, "var g: kvm = null", "process p { lock g.lock; unlock g.lock }"];
    expect(model(nulled).explore().firstViolation).toMatchObject({ kind: "null-deref", message: "g is null", at: { line: 3, col: 13 } });
    const off = model(nulled, ["null-deref"]);
    expect(off.blocked(off.initial(), 0).waits).toMatchObject([{ kind: "condition", reason: "fault", check: "null-deref", text: "g is null" }]);
    expect(off.explore().firstViolation?.kind).toBe("stuck");
    for (const stmt of ["lock vm.lock", "down_read vm.slots_lock", "get vm.users_count", "if mutex_trylock(vm.lock) { skip }", "assert held(vm.lock)", "if dec_and_test(vm.users_count) { skip }", "var n = vm.users_count"]) {
      const ref = model([KVM, `process p { var vm = alloc kvm; free vm; ${stmt} }`]);
      expect(ref.explore().firstViolation, stmt).toMatchObject({ kind: "use-after-free", message: "vm points to kvm[0], which was freed" });
    }
  });

  it("the reference is evaluated before the rest of the statement: a freed object's unlock is use-after-free, not unlock-not-held", () => {
    const ref = model([KVM, "process p { var vm = alloc kvm; free vm; unlock vm.lock }"]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "use-after-free" });
    // and a dec_and_lock's count reference before its lock
    const both = model([KVM, "var g: kvm = null", "process p { var vm = alloc kvm; free vm; if dec_and_lock(vm.users_count, g.lock) { unlock g.lock } }"]);
    expect(both.explore().firstViolation).toMatchObject({ kind: "use-after-free", message: "vm points to kvm[0], which was freed" });
  });

  it("with use-after-free off, the freed object's entry is used as it is (free leaves it alone)", () => {
    const ref = model([KVM, "process p { var vm = alloc kvm; get vm.users_count; free vm; lock vm.lock; put vm.users_count; unlock vm.lock }"], ["use-after-free"]);
    const s = walk(ref, ["p", "p", "p", "p"]);
    expect(ref.name(s).shared).toMatchObject({ "kvm[0]": "freed", "kvm[0]->lock": "p", "kvm[0]->users_count": "2" });
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("a thread waiting for the lock when the object is freed faults on its next attempt", () => {
    const lines = [
      KVM, "var g: kvm = alloc kvm",
      "process owner { lock g.lock; free g }",
      "process waiter { lock g.lock; unlock g.lock }",
    ];
    const ref = model(lines, ["held-lock-freed", "exit-holding-lock"]);
    const s1 = walk(ref, ["owner"]);
    expect(ref.blocked(s1, 1).waits).toMatchObject([{ kind: "lock", lock: "kvm[0]->lock", heldBy: ["owner"] }]);
    const s2 = walk(ref, ["owner"], s1);
    expect(stepThread(ref, s2, "waiter").violation).toMatchObject({ kind: "use-after-free", message: "g points to kvm[0], which was freed", statement: "lock g.lock" });
    // the owner freed it holding the lock: with use-after-free off too, the waiter still waits for the entry
    const off = model(lines, ["held-lock-freed", "use-after-free", "exit-holding-lock"]);
    const s = walk(off, ["owner", "owner"]);
    expect(off.name(s).shared).toMatchObject({ "kvm[0]": "freed", "kvm[0]->lock": "owner" });
    expect(off.stateViolations(s)).toMatchObject([{ kind: "stuck", message: "no thread can move: waiter waits for kvm[0]->lock (held by owner, which has finished)" }]);
  });
});

describe("held-lock-freed", () => {
  it("free of an object whose lock some thread holds, raised before the free; switched off the free proceeds", () => {
    const lines = [
      KVM, "var g: kvm = alloc kvm", "var go: bool",
      "process vcpu { lock g.lock; go := true; await false }",
      "process destroy { await go; free g }",
    ];
    const ref = model(lines);
    const s = walk(ref, ["vcpu", "vcpu", "destroy"]);
    expect(stepThread(ref, s, "destroy").violation).toMatchObject({ kind: "held-lock-freed", message: "free g: kvm[0]->lock is held by vcpu", statement: "free g" });
    const off = model(lines, ["held-lock-freed"]);
    const t = stepThread(off, walk(off, ["vcpu", "vcpu", "destroy"]), "destroy");
    expect(t.changes).toEqual([{ name: "kvm[0]", before: "{online_vcpus: 0}", after: "freed" }]);
    expect(off.name(t.next!).shared["kvm[0]->lock"]).toBe("vcpu");
  });

  it("counts a lock the freeing thread holds itself, an rwsem's readers and writer, and every held lock of the object", () => {
    const self = model([KVM, "process p { var vm = alloc kvm; down_read vm.slots_lock; lock vm.lock; lock vm.mmu_lock; free vm }"]);
    expect(self.explore().firstViolation).toMatchObject({ kind: "held-lock-freed", message: "free vm: kvm[0]->lock is held by p, kvm[0]->mmu_lock is held by p, kvm[0]->slots_lock is held for reading by p" });
    const writer = model([KVM, "process p { var vm = alloc kvm; down_write vm.slots_lock; free vm }"]);
    expect(writer.explore().firstViolation?.message).toBe("free vm: kvm[0]->slots_lock is held for writing by p");
    // another object's lock, and a lock released before the free, are no concern
    const fine = model([KVM, "var g: kvm = alloc kvm", "process p { var vm = alloc kvm; lock g.lock; lock vm.lock; unlock vm.lock; free vm; unlock g.lock; free g }"]);
    expect(fine.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("with the check off, the holder's unlock is use-after-free; a thread ending with the lock is exit-holding-lock naming the entry", () => {
    const ref = model([KVM, "process p { var vm = alloc kvm; lock vm.lock; free vm; unlock vm.lock }"], ["held-lock-freed"]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "use-after-free", message: "vm points to kvm[0], which was freed", at: { col: 56 } });
    const exit = model([KVM, "process p { var vm = alloc kvm; lock vm.lock; free vm }"], ["held-lock-freed"]);
    expect(exit.explore().firstViolation).toMatchObject({ kind: "exit-holding-lock", message: "p finishes while holding kvm[0]->lock" });
  });
});

describe("exit-holding-lock and stuck", () => {
  it("name the field's entry", () => {
    expect(model([KVM, "var g: kvm = alloc kvm", "process p { lock g.lock }"]).explore().firstViolation)
      .toMatchObject({ kind: "exit-holding-lock", message: "p finishes while holding kvm[0]->lock", at: { line: 3, col: 25 } });
    const ref = model([KVM, "var g: kvm = alloc kvm", "process p { lock g.lock }", "process q { lock g.lock }"], ["exit-holding-lock"]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "stuck", message: "no thread can move: q waits for kvm[0]->lock (held by p, which has finished)" });
  });
});

describe("state counts", () => {
  it("two threads on one object's lock count as on a global mutex", () => {
    // Each thread rests at its lock (0), at its unlock holding the lock (1), or has finished (2);
    // the lock's holder follows from the positions, and both cannot be at 1. States: the 3 × 3
    // position pairs but (1, 1): 8. Transitions: from (0,0) two, from (1,0) and (0,1) one each
    // (the other waits), from (2,0), (0,2), (2,1), (1,2) one each, none from (2,2): 8. Depth 4.
    const field = model(["object o[1] { l: mutex }", "var g: o = alloc o", "process p { lock g.l; unlock g.l }", "process q { lock g.l; unlock g.l }"]);
    const global = model(["mutex l", "process p { lock l; unlock l }", "process q { lock l; unlock l }"]);
    expect(field.explore()).toMatchObject({ states: 8, transitions: 8, depth: 4, complete: true, violations: [] });
    expect(global.explore()).toMatchObject({ states: 8, transitions: 8, depth: 4, complete: true, violations: [] });
  });

  it("two threads each locking the object it allocated never wait for each other", () => {
    // Each thread rests at its alloc (0), lock (1), unlock (2), free (3), or has finished (4).
    // The first alloc takes o[0], so who allocated first is part of the state once both have:
    // (0,0): 1 state; exactly one allocated: 4 + 4 = 8 (the first alloc always takes o[0]);
    // both allocated: 4 × 4 position pairs × 2 owners of o[0] = 32, less 1 as (4,4) forgets
    // who owned what (both freed, locals gone): 31. Total 40. The locks never conflict, so
    // every unfinished thread has one step in every state: 2 from (0,0); 2+2+2+1 from each of
    // the two one-allocated rows (14); over the both-allocated pairs ([i<4] + [j<4]) summed is
    // 24 per owner, 48. Total 64 transitions; the deepest state, (4,4), is 8 steps away.
    const ref = model([
      "object o[2] { l: mutex }",
      "process p { var a = alloc o; lock a.l; unlock a.l; free a }",
      "process q { var b = alloc o; lock b.l; unlock b.l; free b }",
    ]);
    expect(ref.explore()).toMatchObject({ states: 40, transitions: 64, depth: 8, complete: true, violations: [], lockOrder: [] });
  });
});

describe("work fields", () => {
  const DEV = [
    "workqueue events",
    "object dev[2] { n: 0..1, w: work on events runs dev_fn }",
    "var a: dev = alloc dev {}",
    "proc dev_fn(d: dev) { d.n := 1 }",
  ];

  it("are one work item per object, named pool[i]->field, run with the object as argument", () => {
    const ref = model([...DEV, "process p { queue_work a.w }"]);
    expect(ref.name(ref.initial()).shared).toMatchObject({ "dev[0]->w": "idle", "dev[1]->w": "idle" });
    const s = walk(ref, ["p", "kworker/events[0]", "kworker/events[0]"]);
    expect(ref.name(s).shared).toMatchObject({ "dev[0]": "{n: 1}" });
  });

  it("a worker starting a work whose object was freed while it was queued is use-after-free; with the check off the work runs", () => {
    const lines = [...DEV, "process p { queue_work a.w; free a }"];
    const ref = model(lines);
    const s = walk(ref, ["p", "p"]);
    const t = stepThread(ref, s, "kworker/events[0]");
    expect(t.violation).toMatchObject({ kind: "use-after-free", message: "dev[0]->w was still queued when dev[0] was freed: the worker reads the freed work (process_one_work)" });
    const off = model(lines, ["use-after-free"]);
    expect(stepThread(off, walk(off, ["p", "p"]), "kworker/events[0]").violation).toBeUndefined();
  });

  it("a work statement through a null or freed reference is null-deref or use-after-free", () => {
    const ref = model([...DEV, "var z: dev", "process p { queue_work z.w }", "process q { free a; cancel_work_sync a.w }"]);
    expect(stepThread(ref, ref.initial(), "p").violation).toMatchObject({ kind: "null-deref", message: "z is null" });
    const s = walk(ref, ["q"]);
    expect(stepThread(ref, s, "q").violation).toMatchObject({ kind: "use-after-free", message: "a points to dev[0], which was freed" });
  });
});

