// Step granularity, construct by construct (language.md, "Steps and
// interleaving"): where a thread rests, what one step does, start-up, lazy
// choices, silent steps of local loops, `for` snapshots, inlined calls,
// constant folding, and `atomic`.
import { describe, expect, it } from "vitest";
import { inlineModel, repoModel, stepThread } from "./test-models.js";

describe("resting points and folded local work", () => {
  it("a thread rests only before actions; local work and calls run inside the steps around them", () => {
    const ref = repoModel("docs/examples/intro.knot");
    const s0 = ref.initial();
    // start-up ran the calls into dev_put: the first action is the dec_and_test
    expect(ref.name(s0).threads).toEqual({ file_close: "docs/examples/intro.knot:24:3", hot_unplug: "docs/examples/intro.knot:30:3" });
    const t = stepThread(ref, s0, "hot_unplug");
    expect(t.label).toBe("lock dev_lock");
    // `if PUT_UNDER_LOCK` is local: the step goes on to rest before the unlock
    expect(ref.name(t.next!).threads.hot_unplug).toBe("docs/examples/intro.knot:32:3");
    expect(t.changes).toEqual([{ name: "dev_lock", before: "free", after: "hot_unplug" }]);
  });

  it("the local work after the last action finishes the thread in the same step and resets its locals", () => {
    const ref = inlineModel("var g: 0..3\nprocess p { var x: 0..3 = 2; g := x; x := 3 }");
    const s0 = ref.initial();
    expect(s0.threads[0]!.frames[0]!.locals).toEqual({ x: 2 });
    const t = stepThread(ref, s0, "p");
    expect(t.next!.threads[0]!.frames).toEqual([]);
    expect(ref.name(t.next!).threads.p).toBe("finished");
    expect(t.changes).toEqual([{ name: "g", before: "0", after: "2" }, { name: "x", before: "2", after: "0", thread: "p" }]);
  });

  it("a thread that finishes at a `return` has its locals reset like one that reaches its end", () => {
    // The engine keeps the locals of a thread that returns: it finds 3 states here
    // (two finished states that differ only in the dead local l); language.md says
    // locals are reset when "their block, procedure or thread ends".
    const ref = inlineModel("var h: bool\nprocess p { var l: bool = true; either { h := true; return } or { h := true } }");
    const [viaReturn, viaEnd] = ref.successors(ref.initial());
    expect(viaReturn!.next).toEqual(viaEnd!.next);
    expect(ref.explore()).toMatchObject({ states: 2, transitions: 2, complete: true });
  });

  it("locals of a block are dropped when the block ends, so dead values do not split states", () => {
    const ref = inlineModel("var g: bool\nprocess p { either { var x: bool = true; g := x } or { skip }; g := false }\nprocess q { g := true }");
    const [viaX] = ref.successors(ref.initial(), 0);
    expect(viaX!.label).toBe("g := x");
    expect(ref.name(viaX!.next!).threads.p).toBe("t.knot:2:64");
    expect(viaX!.next!.threads[0]!.frames[0]!.locals).toEqual({});
    expect(ref.explore()).toMatchObject({ states: 7, transitions: 9, complete: true });
  });

  it("an inlined call site is part of the position: the same statement reached from two calls is two states", () => {
    const ref = inlineModel("var g: 0..3\nproc f() { g := g + 1 }\nprocess p { call f(); call f() }");
    expect(ref.explore()).toMatchObject({ states: 3, transitions: 2 });
    const s0 = ref.initial();
    const s1 = stepThread(ref, s0, "p").next!;
    expect(ref.name(s0).threads.p).toBe(ref.name(s1).threads.p);
    expect(s0.threads[0]!.frames[0]!.at).not.toBe(s1.threads[0]!.frames[0]!.at);
  });

  it("storing a call's result into a global is an action, located at the return", () => {
    const ref = inlineModel("var g: 0..3\nvar h: 0..3\nproc f(): 0..3 { var x: 0..3 = 2; return x }\nprocess p { g := call f(); h := 1 }");
    const s0 = ref.initial();
    expect(ref.name(s0).threads.p).toBe("t.knot:3:35");
    expect(s0.threads[0]!.frames[1]!.locals).toEqual({ x: 2 });
    expect(stepThread(ref, s0, "p").label).toBe("return x");
  });

  it("start-up work that faults leaves no initial state", () => {
    const model = "var g: 0..3\nprocess p { var x: 0..1 = 2; g := x }";
    expect(inlineModel(model).start().violation).toMatchObject({ kind: "out-of-range", thread: "p", message: "x would become 2, outside its type 0..1" });
    const off = inlineModel(model, ["out-of-range"]);
    expect(off.start().violation?.kind).toBe("stuck");
    expect(off.start().violation?.message).toMatch(/^p cannot start/);
    expect(() => off.initial()).toThrow(/cannot start/);
    expect(off.explore()).toMatchObject({ states: 0, transitions: 0, firstViolation: { kind: "stuck" } });
  });
});

describe("choices", () => {
  it("an either is resolved by the step that runs the chosen branch's first action; a blocked branch is not taken", () => {
    const ref = repoModel("docs/examples/choice.knot");
    const s0 = ref.initial();
    expect(ref.name(s0).threads.waiter).toBe("docs/examples/choice.knot:16:3");
    const moves = ref.successors(s0, 1);
    expect(moves.map((m) => [m.label, m.choice])).toEqual([["timed_out := true", "branch 2 of 2 of the either at docs/examples/choice.knot:16:3"]]);
    expect(ref.blocked(s0, 1).waits).toEqual([]); // it can move
    const ready = stepThread(ref, s0, "irq").next!;
    expect(ref.successors(ready, 1).map((m) => m.label)).toEqual(["await ready", "timed_out := true"]);
  });

  it("a pick over a local set offers each value in ascending order, and none whose guard is false", () => {
    const ref = repoModel("docs/examples/choice.knot");
    const s1 = stepThread(ref, ref.initial(), "waiter").next!;
    expect(ref.name(s1).threads.waiter).toBe("docs/examples/choice.knot:21:3");
    expect(ref.successors(s1, 1).map((m) => [m.label, m.choice])).toEqual([["lock chan_lock[c]", "c = 1"], ["lock chan_lock[c]", "c = 2"]]);
  });

  it("choices met before the first action are all resolved by one step", () => {
    const ref = inlineModel("var g: 0..3\nprocess p { either { skip } or { skip }\n pick c in 1..2 { g := c } }");
    expect(ref.successors(ref.initial()).map((m) => m.choice)).toEqual([
      "branch 1 of 2 of the either at t.knot:2:13; c = 1", "branch 1 of 2 of the either at t.knot:2:13; c = 2",
      "branch 2 of 2 of the either at t.knot:2:13; c = 1", "branch 2 of 2 of the either at t.knot:2:13; c = 2",
    ]);
    expect(ref.explore()).toMatchObject({ states: 3, transitions: 4 });
  });

  it("a pick over a shared set is an action of its own that binds the value", () => {
    const ref = inlineModel("var s: set<0..2> = {0, 2}\nvar g: 0..3\nprocess p { pick c in s { g := c } }");
    const moves = ref.successors(ref.initial());
    expect(moves.map((m) => [m.label, m.choice])).toEqual([["pick c in s", "c = 0"], ["pick c in s", "c = 2"]]);
    expect(ref.name(moves[1]!.next!).threads.p).toBe("t.knot:3:27");
  });

  it("a step that reaches the end without an action is located at the choice it started from", () => {
    const ref = repoModel("docs/examples/checks/leak.knot");
    const s1 = stepThread(ref, ref.initial(), "ioctl").next!;
    const t = stepThread(ref, s1, "ioctl", 0);
    expect([t.label, t.at.line, t.at.col, ref.name(t.next!).threads.ioctl]).toEqual(["either", 5, 3, "finished"]);
  });
});

describe("loops", () => {
  it("a loop of local statements takes one silent step per iteration; leaving it is part of the next action's step", () => {
    const ref = repoModel("docs/examples/local_loop.knot");
    const s0 = ref.initial();
    expect(ref.name(s0).threads.summer).toBe("docs/examples/local_loop.knot:9:3");
    const t = stepThread(ref, s0, "summer");
    expect([t.label, t.changes]).toEqual(["while i < 3", [{ name: "i", before: "0", after: "1", thread: "summer" }]]);
    expect(ref.explore()).toMatchObject({ states: 5, transitions: 4 });
  });

  it("nested local loops each rest at their head", () => {
    const ref = inlineModel("var g: 0..9\nprocess p { var i: 0..3 = 0; var j: 0..3 = 0\n while i < 2 { j := 0; while j < 2 { j := j + 1 }; i := i + 1 }\n g := i + j }");
    expect(ref.explore()).toMatchObject({ states: 10, transitions: 9 });
  });

  it("a loop whose every iteration acts has no rest at its head (after folding constants)", () => {
    const ref = inlineModel("const C: bool = true\nvar g: 0..3\nprocess p { var i: 0..4 = 0\n while i < 3 { i := i + 1; if C { g := 1 } } }");
    expect(ref.name(ref.initial()).threads.p).toBe("t.knot:4:35");
    expect(ref.explore()).toMatchObject({ states: 4, transitions: 3 });
    const never = inlineModel("const C: bool = false\nvar g: 0..3\nprocess p { var i: 0..4 = 0\n while i < 3 { i := i + 1; if C { g := 1 } } }");
    expect(never.name(never.initial()).threads.p).toBe("t.knot:4:2");
    expect(never.explore()).toMatchObject({ states: 5, transitions: 4 });
  });

  it("a while whose condition reads shared state is an action, one step per test", () => {
    const ref = repoModel("models/examples/abba.knot");
    const s0 = ref.initial();
    expect(ref.name(s0).threads.stats_reader).toBe("models/examples/abba.knot:44:3");
    expect(stepThread(ref, s0, "stats_reader").label).toBe("while stats < 3");
  });

  it("for iterates over a snapshot taken when it starts, in ascending order", () => {
    const ref = inlineModel([
      "type Dev = {vgic, pit, vfio}", "var on_list: set<Dev> = Dev", "var order: [0..2] Dev", "var n: 0..3 = 0",
      "process teardown { for d in on_list { on_list := {}; order[n] := d; n := n + 1 } }",
      "final visited_in_declaration_order: n == 3 and order == [0: vgic, 1: pit, 2: vfio]",
    ].join("\n"));
    const r = ref.explore();
    expect(r).toMatchObject({ states: 11, transitions: 10, complete: true });
    expect(r.firstViolation).toBeUndefined();
    expect(stepThread(ref, ref.initial(), "teardown").label).toBe("for d in on_list");
  });
});

describe("constant folding", () => {
  it("a condition whose shared operand is never evaluated is local: `C and g` with C false", () => {
    const ref = inlineModel("const C: bool = false\nvar g: bool\nvar h: 0..3\nprocess p { if C and g { h := 1 }; h := 2 }");
    expect(ref.name(ref.initial()).threads.p).toBe("t.knot:4:36");
    const left = inlineModel("const C: bool = false\nvar g: bool\nvar h: 0..3\nprocess p { if g and C { h := 1 }; h := 2 }");
    expect(left.name(left.initial()).threads.p).toBe("t.knot:4:13");
  });

  it("parameters passed a constant are folded, through calls and unrolled for variables; instance variables are not", () => {
    const viaCall = inlineModel("var g: bool\nvar h: 0..3\nproc f2(b: bool) { if b and g { h := 1 }; h := 2 }\nproc f(b: bool) { call f2(b) }\nprocess p { call f(not true) }");
    expect(viaCall.name(viaCall.initial()).threads.p).toBe("t.knot:3:43");
    const assigned = inlineModel("var g: bool\nvar h: 0..3\nproc f(b: bool) { b := b; if b and g { h := 1 }; h := 2 }\nprocess p { call f(false) }");
    expect(assigned.name(assigned.initial()).threads.p).toBe("t.knot:3:27");
    const instance = inlineModel("var g: bool\nvar h: 0..3\nprocess p[i in 0..1] { if i == 0 and g { h := 1 }; h := 2 }");
    expect(instance.name(instance.initial()).threads["p[1]"]).toBe("t.knot:3:24");
  });
});

describe("atomic", () => {
  it("runs as one step, so invariants never see inside it", () => {
    expect(repoModel("docs/examples/atomic.knot").explore()).toMatchObject({ states: 8, transitions: 8, complete: true });
    const torn = repoModel("docs/examples/atomic.knot", ["WRITER_ATOMIC=false"]).explore();
    expect(torn.firstViolation).toMatchObject({ kind: "invariant", property: "never_torn" });
  });

  it("waits as a whole at its first shared statement", () => {
    const ref = repoModel("docs/examples/atomic.knot");
    const s1 = stepThread(ref, ref.initial(), "reader").next!; // the reader holds cfg_lock
    expect(ref.successors(s1, 0)).toEqual([]);
    expect(ref.blocked(s1, 0).waits).toMatchObject([{ kind: "lock", lock: "cfg_lock", heldBy: ["reader"], self: false }]);
  });

  it("blocking after its first shared statement is atomic-blocked", () => {
    const ref = repoModel("docs/examples/checks/atomic-blocked.knot");
    const s1 = stepThread(ref, ref.initial(), "p").next!;
    const t = stepThread(ref, s1, "q");
    expect(t.label).toBe("atomic");
    expect(t.violation).toMatchObject({ kind: "atomic-blocked", statement: "lock b", message: "lock b would block inside an atomic block (only its first statement may block)" });
  });

  it("a while loop inside atomic is a model error", () => {
    const ref = inlineModel("var g: 0..3\nprocess p { var i: 0..3 = 0; atomic { while i < 2 { i := i + 1 } }; g := i }");
    expect(() => ref.initial()).not.toThrow();
    expect(() => ref.successors(ref.initial())).toThrow(/while loop inside atomic/);
  });
});

describe("the rest of the API", () => {
  it("states are plain JSON data, never AST nodes", () => {
    const ref = repoModel("models/kvm/vfio.knot");
    const s = ref.initial();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(Object.isFrozen(s)).toBe(true);
    for (const t of ref.successors(s)) expect(JSON.parse(JSON.stringify(t.next))).toEqual(t.next);
  });

  it("successors carry immer patches that turn the state into the next one and back", async () => {
    const { applyPatches } = await import("immer");
    const ref = repoModel("docs/examples/steps.knot");
    const s0 = ref.initial();
    for (const t of ref.successors(s0)) {
      expect(applyPatches(s0, t.patches!)).toEqual(t.next);
      expect(applyPatches(t.next!, t.inversePatches!)).toEqual(s0);
    }
  });

  it("recursion is rejected, as knot inlines calls", () => {
    expect(() => inlineModel("proc f(n: 0..3) { if n > 0 { call f(n - 1) } }\nprocess p { call f(2) }")).toThrow(/recursive call of 'f'/);
  });

  it("explore stops at maxStates when a step reaches a new state beyond it, as `knot check --max-states` does", () => {
    const ref = repoModel("models/examples/philosophers.knot", ["N=3", "ORDERED=true"]);
    expect(ref.explore({ maxStates: 10 })).toMatchObject({ states: 10, transitions: 11, depth: 2, complete: false, stoppedBy: "max-states" });
    expect(repoModel("models/examples/philosophers.knot", ["N=4", "ORDERED=true"]).explore({ maxStates: 30 })).toMatchObject({ states: 30, transitions: 47 });
    expect(ref.explore({ maxStates: 33 })).toMatchObject({ states: 33, transitions: 61, complete: true });
  });
});
