// Locks and refcounts in objects in the front end (object-fields.ts): a lock or refcount
// field is an implicit lock or refcount array with one entry per object, named `kvm->lock`;
// statements name it through a reference; it is not a value (a refcount field reads as its
// count), cannot be assigned or set by alloc; an initial object may point to another one.
// Expected diagnostics are [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { entityEntryName } from "./object-fields.js";
import { checkMarked } from "./test-markers.js";

describe("locks and refcounts in objects", () => {
  it("makes each lock and refcount field an array over the pool's objects, used through references", () => {
    const r = checkMarked([
      "object kvm[2] { lock: mutex, mmu_lock: spinlock, slots_lock: rwsem, users_count: refcount 0..3 = 1, n: 0..3 }",
      "var vm: kvm = alloc kvm {n: 1}",
      "process p {",
      "  lock vm.lock; unlock vm.lock",
      "  down_read vm.slots_lock; up_read vm.slots_lock",
      "  if spin_trylock(vm.mmu_lock) { unlock vm.mmu_lock }",
      "  get vm.users_count",
      "  vm.n := vm.users_count",
      "  if dec_and_lock(vm.users_count, vm.lock) { unlock vm.lock }",
      "  free vm",
      "}",
    ].join("\n"), []);
    const m = r.model!;
    expect(m.locks.map((l) => [l.name, l.lockKind, l.index])).toEqual([
      ["kvm->lock", "mutex", { kind: "int", lo: 0, hi: 1 }],
      ["kvm->mmu_lock", "spinlock", { kind: "int", lo: 0, hi: 1 }],
      ["kvm->slots_lock", "rwsem", { kind: "int", lo: 0, hi: 1 }],
    ]);
    expect(m.refcounts.map((x) => [x.name, x.init, x.type])).toEqual([["kvm->users_count", 1, { kind: "int", lo: 0, hi: 3 }]]);
    expect(m.objects[0]!.fields.map((f) => f.name)).toEqual(["n"]);
    expect(entityEntryName(m.locks[0]!.name, m.locks[0]!.field, "1")).toBe("kvm[1]->lock");
  });

  it("makes completion and SRCU domain fields arrays over the pool's objects too", () => {
    const r = checkMarked([
      "object kvm[2] { srcu: srcu, done: completion }",
      "var vm: kvm = alloc kvm {}",
      "proc f() { skip }",
      "process p { srcu_read_lock vm.srcu; srcu_read_unlock vm.srcu; call_srcu vm.srcu f(); complete vm.done; wait_for_completion vm.done }",
    ].join("\n"), []);
    expect(r.model!.srcus.map((d) => [d.name, d.index])).toEqual([["kvm->srcu", { kind: "int", lo: 0, hi: 1 }]]);
    expect(r.model!.completions.map((c) => c.name)).toEqual(["kvm->done"]);
    expect(r.model!.rcuCallbacks.map((g) => g.domain?.name)).toEqual(["kvm->srcu"]);
  });

  it("makes a work field a work array over the pool's objects whose procedure gets the object", () => {
    const r = checkMarked([
      "workqueue events",
      "object irqfd[2] { active: bool, shutdown: work on events runs irqfd_shutdown }",
      "var fd: irqfd = alloc irqfd {}",
      "proc irqfd_shutdown(irqfd: irqfd) { irqfd.active := false }",
      "process p { queue_work fd.shutdown; if cancel_work_sync(fd.shutdown) { skip }; flush_work fd.shutdown }",
    ].join("\n"), []);
    const w = r.model!.works.find((x) => x.name === "irqfd->shutdown")!;
    expect([w.index, w.wq?.name, w.proc?.name, w.field?.field]).toEqual([{ kind: "int", lo: 0, hi: 1 }, "events", "irqfd_shutdown", "shutdown"]);
    // one worker per work item: a workqueue without max_active gets one per object
    expect(r.model!.workqueues[0]!.workers).toBe(2);
    expect(entityEntryName(w.name, w.field, "1")).toBe("irqfd[1]->shutdown");
  });

  it("refuses a work field's procedure that does not take the object, arguments after it, and a work field as a value", () => {
    checkMarked([
      "workqueue events",
      "object a[1] { w: work on events runs [[f]], v: work on events runs [[g]], u: work on events runs [[h]], x: work on [[nowq]] runs f0 }",
      "object b[1] { n: 0..1 }",
      "var o: a = alloc a {}",
      "var t: bool",
      "proc f() { skip }",
      "proc f0(x: a) { skip }",
      "proc g(x: b) { skip }",
      "proc h(x: a, y: a) { skip }",
      "process p { t := [[o.w]] == [[o.w]]; lock o.[[w]] }",
    ].join("\n"), [C.ArgumentCount, C.TypeMismatch, C.ArgumentCount, C.UnknownName, C.TypeMismatch, C.TypeMismatch, C.WrongKindOfName]);
    checkMarked(["workqueue events", "object a[1] { w: work on events runs f[[(]]) }", "proc f(x: a) { skip }", "process p { skip }"].join("\n"), [C.Expected]);
  });

  it("refuses a lock field as a value, assigning a lock or refcount field, setting one in alloc, and the wrong kind", () => {
    checkMarked([
      "object kvm[1] { lock: mutex, users: refcount }",
      "var vm: kvm",
      "var b: bool",
      "process p {",
      "  b := [[vm.lock]] == 1",
      "  [[vm.users]] := 2",
      "  var w = alloc kvm {[[users]]: 3}",
      "  get vm.[[lock]]",
      "  lock vm.[[nolock]]",
      "}",
    ].join("\n"), [C.TypeMismatch, C.NotAssignable, C.TypeMismatch, C.WrongKindOfName, C.UnknownField]);
  });

  it("lets an initial object point to another one, and refuses one of the wrong pool", () => {
    const r = checkMarked([
      "object kvm[1] { id: 0..1 }",
      "object kvm_device[2] { kvm: kvm }",
      "var vm: kvm = alloc kvm {id: 1}",
      "var d0: kvm_device = alloc kvm_device {}",
      "var d1: kvm_device = alloc kvm_device {kvm: vm}",
      "process p { skip }",
    ].join("\n"), []);
    expect(r.model!.vars.find((v) => v.name === "d1")!.initObject!.fields).toEqual([1]);
    checkMarked([
      "object kvm[1] { id: 0..1 }",
      "object kvm_device[2] { kvm: kvm }",
      "var d0: kvm_device = alloc kvm_device {}",
      "var bad: kvm_device = alloc kvm_device {kvm: [[d0]]}",
      "process p { skip }",
    ].join("\n"), [C.TypeMismatch]);
  });
});

describe("a local named like its object pool (struct kvm *kvm)", () => {
  it("is accepted for parameters, locals and for binders; the pool keeps its place in types and alloc", () => {
    const r = checkMarked([
      "object kvm[2] { lock: mutex, users_count: refcount = 1, devices: set<kvm_device> }",
      "object kvm_device[2] { kvm: kvm }",
      "proc kvm_put_kvm(kvm: kvm) {",
      "  if dec_and_test(kvm.users_count) { free kvm }",
      "}",
      "process p {",
      "  var kvm: kvm = alloc kvm {}",
      "  var dev = alloc kvm_device {kvm: kvm}",
      "  kvm.devices := kvm.devices + {dev}",
      "  for kvm_device in kvm.devices { lock kvm_device.kvm.lock; unlock kvm_device.kvm.lock }",
      "  kvm.devices := {}",
      "  free dev",
      "  call kvm_put_kvm(kvm)",
      "}",
    ].join("\n"), []);
    expect(r.diagnostics).toEqual([]);
  });

  it("still refuses a local named like any other global", () => {
    checkMarked(["mutex kvm_lock", "process p { var [[kvm_lock]]: bool = true }"].join("\n"), [C.DuplicateName]);
  });
});
