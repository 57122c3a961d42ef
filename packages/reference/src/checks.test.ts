// Every check (checks.md): when it is raised, by a step or on a state, and
// what the statement does when the check is switched off. Lock kinds,
// refcount operations and object operations are exercised on the way.
import { describe, expect, it } from "vitest";
import { inlineModel, repoModel, stepThread } from "./test-models.js";
import type { RState } from "./index.js";

const walk = (ref: ReturnType<typeof inlineModel>, path: string[]): RState =>
  path.reduce((s, name) => stepThread(ref, s, name).next!, ref.initial());

describe("locks", () => {
  it("lock blocks while another thread holds it; unlock releases it", () => {
    const ref = inlineModel("mutex m\nprocess p { lock m; unlock m }\nprocess q { lock m; unlock m }");
    const s1 = walk(ref, ["p"]);
    expect(ref.name(s1).shared.m).toBe("p");
    expect(ref.blocked(s1, 1).waits).toMatchObject([{ kind: "lock", lock: "m", heldBy: ["p"], self: false, statement: "lock m" }]);
    expect(ref.name(walk(ref, ["p", "p"])).shared.m).toBe("free");
  });

  it("unlock-not-held names who holds the lock; switched off, the unlock does nothing", () => {
    const model = "mutex m\nvar go: bool\nprocess p { lock m; await go; unlock m }\nprocess q { unlock m }";
    const ref = inlineModel(model);
    expect(stepThread(ref, ref.initial(), "q").violation).toMatchObject({ kind: "unlock-not-held", message: "q does unlock m, but it is not locked" });
    expect(stepThread(ref, walk(ref, ["p"]), "q").violation?.message).toBe("q does unlock m, but it is held by p");
    const off = inlineModel(model, ["unlock-not-held"]);
    const t = stepThread(off, walk(off, ["p"]), "q");
    expect(off.name(t.next!).shared.m).toBe("p");
  });

  it("a mutex taken under a spinlock is sleep-in-atomic; a spinlock under a spinlock is fine", () => {
    const ref = repoModel("docs/examples/checks/sleep-in-atomic.knot");
    const s1 = walk(ref, ["worker"]);
    expect(stepThread(ref, s1, "worker").violation).toMatchObject({ kind: "sleep-in-atomic", message: "worker takes mutex cfg_mutex, which may sleep, while holding spinlock irq_lock" });
    const off = repoModel("docs/examples/checks/sleep-in-atomic.knot", [], ["sleep-in-atomic"]);
    expect(off.name(walk(off, ["worker", "worker"])).shared.cfg_mutex).toBe("worker");
    expect(inlineModel("spinlock a\nspinlock b\nprocess p { lock a; lock b; unlock b; unlock a }").explore()).toMatchObject({ states: 5, complete: true, violations: [] });
  });

  it("rwsem: readers share it, a writer excludes everyone, and traces show `read: ...` / `write: ...`", () => {
    const ref = inlineModel("rwsem s\nprocess r[i in 0..1] { down_read s; up_read s }\nprocess w { down_write s; up_write s }");
    const both = walk(ref, ["r[0]", "r[1]"]);
    expect(ref.name(both).shared.s).toBe("read: r[0], r[1]");
    // the writer first joins the queue (a step of its own), then waits for both readers
    const queued = walk(ref, ["r[0]", "r[1]", "w"]);
    expect(ref.name(queued).shared.s).toBe("read: r[0], r[1]; writer waiting: w");
    expect(ref.blocked(queued, 2).waits).toMatchObject([{ kind: "lock", lock: "s", heldBy: ["r[0]", "r[1]"] }]);
    const writing = walk(ref, ["w"]);
    expect(ref.name(writing).shared.s).toBe("write: w");
    expect(ref.blocked(writing, 0).waits).toMatchObject([{ kind: "lock", heldBy: ["w"] }]);
  });

  it("a nested down_read is recursive-locking when it runs; switched off it cannot run", () => {
    const model = "rwsem s\nprocess p { down_read s; down_read s; up_read s; up_read s }";
    const ref = inlineModel(model);
    expect(stepThread(ref, walk(ref, ["p"]), "p").violation?.kind).toBe("recursive-locking");
    const off = inlineModel(model, ["recursive-locking"]);
    const s1 = walk(off, ["p"]);
    expect(off.successors(s1)).toEqual([]);
    expect(off.stateViolations(s1)[0]?.message).toMatch(/^no thread can move: p cannot continue: p takes s for reading again .* \(the recursive-locking check is switched off, so the statement cannot run\)$/);
  });

  it("exit-holding-lock at the thread's last step; switched off the lock stays held and a waiter is stuck on a finished holder", () => {
    const ref = repoModel("docs/examples/checks/exit-holding-lock.knot");
    const t = stepThread(ref, walk(ref, ["ioctl"]), "ioctl", 0);
    expect(t.violation).toMatchObject({ kind: "exit-holding-lock", message: "ioctl finishes while holding dev_lock", statement: "end of ioctl", at: { line: 7, col: 1 } });
    const off = repoModel("docs/examples/checks/exit-holding-lock.knot", [], ["exit-holding-lock"]);
    const s = walk(off, ["ioctl", "ioctl"]);
    expect(off.name(s).threads.ioctl).toBe("finished");
    expect(off.stateViolations(s)).toMatchObject([{ kind: "stuck", message: "no thread can move: close waits for dev_lock (held by ioctl, which has finished)" }]);
  });
});

describe("deadlocks", () => {
  it("recursive-locking as soon as a thread waits for a lock it holds", () => {
    const r = repoModel("docs/examples/checks/recursive-locking.knot").explore();
    expect(r.firstViolation).toMatchObject({ kind: "recursive-locking", message: "unplug waits for dev_lock, which it already holds", depth: 2 });
  });

  it("an rwsem upgrade waits for itself even while another reader still runs", () => {
    const r = repoModel("docs/examples/rwsem.knot", ["UPGRADE=true"]).explore();
    expect(r).toMatchObject({ states: 30, transitions: 41, firstViolation: { kind: "recursive-locking", message: "reader[0] waits for cfg_rwsem, which it already holds" } });
  });

  it("lock-cycle at the first state with the cycle, even if another thread can move", () => {
    const ref = repoModel("docs/examples/checks/lock-cycle.knot");
    const s = walk(ref, ["p", "q"]);
    expect(ref.successors(s, 2).length).toBe(1); // the timer can still move
    expect(ref.stateViolations(s)).toMatchObject([{ kind: "lock-cycle", message: "p waits for b, held by q; q waits for a, held by p", threads: ["p", "q"] }]);
    expect(ref.explore()).toMatchObject({ states: 13, transitions: 15, firstViolation: { kind: "lock-cycle", depth: 2 } });
  });

  it("a thread waiting for a lock with an owner that can still move is not deadlocked (yet)", () => {
    const ref = inlineModel([
      "rwsem s", "mutex m", "var r2in: bool", "var x: 0..3",
      "process r2 { down_read s; r2in := true; x := 1; x := 2; x := 3; up_read s }",
      "process r1 { await r2in; down_read s; lock m; unlock m; up_read s }",
      "process w { await r2in; lock m; down_write s; up_write s; unlock m }",
    ].join("\n"));
    const s = walk(ref, ["r2", "r2", "r1", "r1", "w", "w", "w"]);
    expect(ref.name(s).shared.s).toBe("read: r2, r1; writer waiting: w");
    expect(ref.stateViolations(s)).toEqual([]);
    expect(ref.stateViolations(walk(ref, ["r2", "r2", "r1", "r1", "w", "w", "w", "r2", "r2", "r2", "r2"]))[0]?.kind).toBe("lock-cycle");
  });

  it("a way whose await folds to false is no wait: the thread can still be in a lock cycle", () => {
    const ref = inlineModel("mutex a\nmutex b\nprocess p { lock a; either { lock b } or { await false }; unlock a }\nprocess q { lock b; lock a; unlock a; unlock b }");
    expect(ref.stateViolations(walk(ref, ["p", "q"]))[0]?.kind).toBe("lock-cycle");
  });

  it("switched off, a deadlock is reported as stuck once nothing can move", () => {
    const r = repoModel("docs/examples/checks/lock-cycle.knot", [], ["lock-cycle"]).explore();
    expect(r.firstViolation).toMatchObject({ kind: "stuck", message: "no thread can move: p waits for b (held by q); q waits for a (held by p)" });
    const none = repoModel("docs/examples/checks/lock-cycle.knot", [], ["lock-cycle", "stuck"]).explore();
    expect(none).toMatchObject({ complete: true, violations: [] });
  });

  it("stuck names what each thread waits for", () => {
    expect(repoModel("docs/examples/checks/stuck.knot").explore().firstViolation?.message)
      .toBe("no thread can move: waiter waits until ready; waker waits for dev_lock (held by waiter)");
  });
});

describe("refcounts", () => {
  it("if dec_and_test tests the count before the decrement: true iff it was 1", () => {
    const ref = inlineModel("refcount r = 2\nvar last: 0..2\nprocess p[i in 0..1] { if dec_and_test(r) { last := i + 1 } }");
    const s1 = walk(ref, ["p[0]"]);
    expect([ref.name(s1).shared.r, ref.name(s1).threads["p[0]"]]).toEqual(["1", "finished"]);
    const s2 = walk(ref, ["p[0]", "p[1]"]);
    expect([ref.name(s2).shared.r, ref.name(s2).shared.last]).toEqual(["0", "0"]);
    expect(ref.name(stepThread(ref, s2, "p[1]").next!).shared.last).toBe("2");
  });

  it("underflow on 0; switched off a put leaves 0 and dec_and_test tests false", () => {
    const ref = repoModel("docs/examples/checks/refcount-underflow.knot");
    expect(stepThread(ref, walk(ref, ["close"]), "unplug").violation).toMatchObject({ kind: "refcount-underflow", message: "put kref on a count of 0" });
    const off = repoModel("docs/examples/checks/refcount-underflow.knot", [], ["refcount-underflow"]);
    const t = stepThread(off, walk(off, ["close"]), "unplug");
    expect([off.name(t.next!).shared.kref, off.name(t.next!).threads.unplug]).toEqual(["0", "finished"]);
  });

  it("get on 0 is refcount-inc-from-zero (switched off: 0 becomes 1); the range bounds are out-of-range", () => {
    const ref = repoModel("docs/examples/checks/refcount-inc-from-zero.knot");
    expect(stepThread(ref, walk(ref, ["put_last"]), "lookup").violation?.kind).toBe("refcount-inc-from-zero");
    const off = repoModel("docs/examples/checks/refcount-inc-from-zero.knot", [], ["refcount-inc-from-zero"]);
    expect(off.name(stepThread(off, walk(off, ["put_last"]), "lookup").next!).shared.users).toBe("1");
    const bounded = inlineModel("refcount users: 1..3 = 2\nprocess p { put users; put users }");
    expect(stepThread(bounded, walk(bounded, ["p"]), "p").violation?.message).toBe("put users would lower the count below its bound 1");
    expect(inlineModel("refcount r: 0..1 = 1\nprocess p { get r }").successors(inlineModel("refcount r: 0..1 = 1\nprocess p { get r }").initial())[0]!.violation?.kind).toBe("out-of-range");
  });
});

describe("objects", () => {
  it("alloc takes the next unused object, free clears it, and objects are never reused", () => {
    const ref = inlineModel("object o[2] { v: 0..3, w: bool }\nprocess p { var x = alloc o {v: 2}; free x; x := alloc o {w: true}; free x }");
    const s1 = ref.initial();
    expect(ref.name(s1).shared).toMatchObject({ "o[0]": "unallocated", "o[1]": "unallocated" });
    const s2 = walk(ref, ["p"]);
    expect(ref.name(s2).shared["o[0]"]).toBe("{v: 2, w: false}");
    const s4 = walk(ref, ["p", "p", "p"]);
    expect(ref.name(s4).shared).toMatchObject({ "o[0]": "freed", "o[1]": "{v: 0, w: true}" });
    expect(s4.objects.o![0]!.fields).toEqual({ v: 0, w: false });
  });

  it("use-after-free on a freed object; switched off it reads the cleared fields and can be written", () => {
    expect(repoModel("docs/examples/checks/use-after-free.knot").explore().firstViolation).toMatchObject({ kind: "use-after-free", message: "f points to kvf[0], which was freed" });
    const off = repoModel("docs/examples/checks/use-after-free.knot", [], ["use-after-free"]);
    const r = off.explore();
    expect(r).toMatchObject({ states: 18, transitions: 23, complete: true, violations: [] });
  });

  it("double-free, null-deref, leak and pool-exhausted", () => {
    expect(repoModel("docs/examples/checks/double-free.knot").explore().firstViolation).toMatchObject({ kind: "double-free", message: "free b: buf[0] was already freed" });
    expect(repoModel("docs/examples/checks/null-deref.knot").explore().firstViolation).toMatchObject({ kind: "null-deref", message: "registered is null" });
    expect(repoModel("docs/examples/checks/leak.knot").explore().firstViolation).toMatchObject({ kind: "leak", message: "buf[0] {len: 4} is still allocated when every thread has finished" });
    expect(repoModel("docs/examples/checks/pool-exhausted.knot").explore().firstViolation?.kind).toBe("pool-exhausted");
    expect(inlineModel("object o[1] { v: 0..1 }\nprocess p { free null }").explore()).toMatchObject({ states: 1, violations: [] });
  });

  it("switched off, a dereference of null cannot run: the thread waits in front of it", () => {
    const off = repoModel("docs/examples/checks/null-deref.knot", [], ["null-deref"]);
    const s0 = off.initial();
    expect(off.successors(s0, 1)).toEqual([]);
    expect(off.blocked(s0, 1).waits).toMatchObject([{ kind: "condition", reason: "fault", check: "null-deref", text: "registered is null" }]);
    expect(off.successors(walk(off, ["probe"]), 1).length).toBe(1);
  });

  it("an invariant that dereferences a freed object cannot be evaluated; switched off it reads the cleared fields", () => {
    const model = "object o[1] { v: 0..3 }\nvar p: o = null\nprocess a { p := alloc o {v: 1}; free p; p := null }\ninvariant inv: p == null or p.v >= 1";
    const ref = inlineModel(model);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "use-after-free", property: "inv", message: "invariant inv cannot be evaluated: p points to o[0], which was freed" });
    expect(inlineModel(model, ["use-after-free"]).explore().firstViolation).toMatchObject({ kind: "invariant", property: "inv" });
    expect(inlineModel(model, ["use-after-free", "invariant"]).explore().violations).toEqual([]);
  });
});

describe("ops tables and values", () => {
  it("a call through none is null-callback; switched off it is skipped and the result target is unchanged", () => {
    const model = "ops t { f(): 0..3 }\nproc g(): 0..3 { return 2 }\nvar tab: t = {}\nvar x: 0..3 = 1\nprocess p { x := call tab.f(); tab := {f: g}; x := call tab.f() }";
    expect(inlineModel(model).explore().firstViolation).toMatchObject({ kind: "null-callback", message: "call through tab.f, which is none" });
    const off = inlineModel(model, ["null-callback"]);
    const s = walk(off, ["p"]);
    expect(off.name(s).shared.x).toBe("1");
    // the second call is an action (it reads tab), and so is the return into the global x
    expect(off.name(walk(off, ["p", "p", "p"])).threads.p).toBe("t.knot:2:18");
    expect(off.name(walk(off, ["p", "p", "p", "p"])).shared).toMatchObject({ x: "2", tab: "{f: g}" });
  });

  it("out-of-range on a store, an index, a set element and a division by zero; switched off the statement cannot run", () => {
    const cases: [string, string][] = [
      ["var g: 0..3 = 3\nprocess p { g := g + 1 }", "g would become 4, outside its type 0..3"],
      ["var m: [0..1] bool\nvar i: 0..3 = 2\nprocess p { m[i] := true }", "index of m: 2 is outside 0..1"],
      ["var s: set<0..1>\nvar i: 0..3 = 2\nprocess p { s := s + {i} }", "element i: 2 is outside 0..1"],
      ["var g: 0..3\nvar z: 0..3\nprocess p { g := 3 / z }", "division by zero in 3 / z"],
      ["var g: 0..3 = 3\nproc f(a: 0..1) { skip }\nprocess p { call f(g) }", "arguments of f would become 3, outside its type 0..1"],
    ];
    for (const [model, message] of cases) {
      expect(inlineModel(model).explore().firstViolation, model).toMatchObject({ kind: "out-of-range", message });
      const off = inlineModel(model, ["out-of-range"]);
      expect(off.successors(off.initial()), model).toEqual([]);
      expect(off.explore().firstViolation?.kind).toBe("stuck");
    }
  });

  it("`x in S` with x outside S's element type is false, not an error", () => {
    expect(inlineModel("var s: set<0..1> = {0, 1}\nvar i: 0..3 = 3\nvar b: bool\nprocess p { b := i in s }").explore().violations).toEqual([]);
  });

  it("an assert on locals is folded into the step before it; switched off it does nothing", () => {
    const ref = inlineModel("var g: 0..3\nprocess p { var x: 0..3 = 0; x := g; g := 1; assert x == 1 : \"x is not 1\" }");
    const t = stepThread(ref, walk(ref, ["p"]), "p");
    expect(t.label).toBe("g := 1");
    expect(t.violation).toMatchObject({ kind: "assertion", message: "x is not 1", statement: "assert x == 1 : \"x is not 1\"" });
    expect(inlineModel("var g: 0..3\nprocess p { var x: 0..3 = 0; x := g; g := 1; assert x == 1 }", ["assertion"]).explore().violations).toEqual([]);
  });

  it("an initial object of a pool no free statement takes outlives the model: no leak; a free anywhere makes it one", () => {
    const text = (extra: string) => `object o[2] { v: 0..1 }\nvar x: o = alloc o {}\n${extra}process p { x.v := 1 }`;
    expect(inlineModel(text("")).explore({ all: true }).violations).toEqual([]);
    expect(inlineModel(text("proc drop(y: o) { free y }\n")).explore({ all: true }).violations.map((v) => v.message)).toEqual(["o[0] {v: 1} is still allocated when every thread has finished"]);
    expect(inlineModel(`object o[2] { v: 0..1 }\nvar x: o = alloc o {}\nprocess p { var y = alloc o {} }`).explore({ all: true }).violations.map((v) => v.message)).toEqual(["o[1] {v: 0} is still allocated when every thread has finished"]);
  });

  it("finals are checked when every thread has finished, then leaks", () => {
    const r = inlineModel("object o[1] { v: 0..1 }\nvar x: o = null\nvar g: 0..1\nprocess p { x := alloc o }\nfinal done: g == 1", [], []).explore({ all: true });
    expect(r.violations.map((v) => v.kind)).toEqual(["final", "leak"]);
  });
});

describe("lock-order", () => {
  it("records an edge the first time a lock is taken while another is held, and reports each cycle once", () => {
    const r = repoModel("docs/examples/lockorder.knot").explore();
    expect(r).toMatchObject({ states: 11, transitions: 10, complete: true, violations: [] });
    expect(r.lockOrder).toHaveLength(1);
    expect(r.lockOrder[0]!.message).toBe("possible circular locking dependency: dev_lock -> bus_lock -> dev_lock");
    expect(r.lockOrder[0]!.edges.map((e) => [e.from, e.to, e.thread, e.statement, e.at.line])).toEqual([
      ["dev_lock", "bus_lock", "probe", "lock bus_lock", 15],
      ["bus_lock", "dev_lock", "remove", "lock dev_lock", 24],
    ]);
  });

  it("is a violation under strict, and not recorded when switched off", () => {
    expect(repoModel("docs/examples/checks/lock-order.knot").explore({ strict: true }).violations.map((v) => v.kind)).toEqual(["lock-order"]);
    expect(repoModel("docs/examples/checks/lock-order.knot", [], ["lock-order"]).explore({ strict: true })).toMatchObject({ violations: [], lockOrder: [] });
  });

  it("by instance: ordered forks form no cycle, unordered ones do", () => {
    expect(repoModel("models/examples/philosophers.knot", ["N=3", "ORDERED=true"]).explore({ lockOrder: "instance" }).lockOrder).toEqual([]);
    expect(repoModel("models/examples/philosophers.knot", ["N=3"]).explore({ all: true, lockOrder: "instance" }).lockOrder.map((c) => c.locks)).toEqual([["fork[0]", "fork[1]", "fork[2]"]]);
  });

  it("by class (the default): forks nest one class (recursive locking) unless the second is subclass 1", () => {
    expect(repoModel("models/examples/philosophers.knot", ["N=3", "ORDERED=true"]).explore().lockOrder).toEqual([]);
    expect(repoModel("models/examples/philosophers.knot", ["N=3"]).explore({ all: true }).lockOrder).toEqual([]);
    const c = repoModel("models/examples/philosophers.knot", ["N=3", "SINGLE_DEPTH_NESTING=0"]).explore({ all: true }).lockOrder;
    expect(c.map((x) => [x.locks, x.recursive, x.edges.map((e) => `${e.from} -> ${e.to}`)])).toEqual([[["fork"], true, ["fork[0] -> fork[1]"]]]);
  });

  it("by class: a lock of a class already held, taken with its nest lock held, records no edge (mutex_lock_nest_lock)", () => {
    const all = (inner: string) => inlineModel([
      "object kvm[1] { lock: mutex }",
      "mutex vcpu_mutex[0..1]",
      "var vm: kvm = alloc kvm {}",
      `process p { lock vm.lock; lock vcpu_mutex[0]${inner}; lock vcpu_mutex[1]${inner}; unlock vcpu_mutex[1]; unlock vcpu_mutex[0]; unlock vm.lock }`,
    ].join("\n"));
    expect(all(" nest_lock vm.lock").explore({ all: true }).lockOrder).toEqual([]);
    expect(all("").explore({ all: true }).lockOrder.map((c) => c.recursive)).toEqual([true]);
    // the nest lock is evaluated when the lock is taken: through a null reference it is null-deref
    const nul = inlineModel("object kvm[1] { lock: mutex }\nmutex v\nvar vm: kvm\nprocess p { lock v nest_lock vm.lock; unlock v }");
    expect(nul.explore().firstViolation).toMatchObject({ kind: "null-deref", message: "vm is null" });
  });

  it("by class: kvm->lock and kvm_vcpu->mutex nested both ways on different vCPUs are a cycle of classes", () => {
    const ref = repoModel("docs/examples/lock_classes.knot", ["XEN_ATTR=true"]);
    const c = ref.explore({ all: true }).lockOrder;
    expect(c.map((x) => x.message)).toEqual(["possible circular locking dependency: kvm->lock -> kvm_vcpu->mutex -> kvm->lock"]);
    expect(c[0]!.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(["kvm[0]->lock -> kvm_vcpu[0]->mutex", "kvm_vcpu[1]->mutex -> kvm[0]->lock"]);
    expect(ref.explore({ all: true, lockOrder: "instance" }).lockOrder).toEqual([]);
  });
});
