// Tests of lowering (checked model -> IR): the state layout, where threads can
// rest (locations) and what one step does, call inlining and dispatch, the
// lowering diagnostics, and the printed IR. Models are compiled in memory.
import { describe, expect, it } from "vitest";
import type { Location, Model, Op, Process, Step } from "./model.js";
import { printModel } from "./print.js";
import { lower, tryLower } from "./test-lower.js";

function proc(m: Model, name: string): Process {
  const p = m.processes.find((x) => x.name === name);
  if (!p) throw new Error(`no process ${name}`);
  return p;
}

/** A process's locations as "kind: label", in location-id order. */
function locations(m: Model, name: string): string[] {
  return proc(m, name).locations.map((l) => `${l.kind}: ${l.label}`);
}

function location(m: Model, name: string, label: string): Location {
  const l = proc(m, name).locations.find((x) => x.label === label);
  if (!l) throw new Error(`no location '${label}' in ${name}: ${locations(m, name).join(" | ")}`);
  return l;
}

function stepsOf(m: Model, l: Location): Step[] {
  return l.steps.map((id) => m.steps[id]!);
}

/** Op kinds of a step, with assignments named by their target text. */
function opKinds(ops: Op[]): string[] {
  return ops.map((o) => (o.k === "assign" ? `assign ${o.what}` : o.k));
}

function target(m: Model, pname: string, s: Step): string {
  const to = proc(m, pname).locations[s.to]!;
  return to.kind === "end" ? "end" : to.label;
}

describe("state layout", () => {
  const src = `
type Dev = {a, b, c}
var flag: bool = true
var m: [Dev] 0..3 = [a: 1, b: 2, c: 3]
var rec: {x: 0..3, y: bool} = {x: 2, y: true}
var mr: [0..1] {x: 0..3, y: bool} = [0: {x: 1, y: false}, 1: {x: 3, y: true}]
mutex big
spinlock sp
mutex per[Dev]
rwsem sem
rwsem sems[0..1]
refcount r = 2
refcount rs[Dev] = 1
process p[i in 0..1] {
  var l: [Dev] bool = [a: true, b: false, c: true]
  var k: 0..3 = 1
  flag := l[a]
}
process q { var z: 0..3 = 2; m[b] := z }
`;
  const model = lower(src);

  it("puts globals first (variables, then locks, then refcounts), then per thread its pc and locals", () => {
    const rows = model.layout.vars.map((v) => `${v.offset}+${v.width} ${v.kind} ${v.name}`);
    expect(rows).toEqual([
      "0+1 var flag",
      "1+3 var m", // a map: one slot per key
      "4+2 var rec", // a record: its fields in order
      "6+4 var mr", // a map of records: key-major, fields inside
      "10+1 lock big",
      "11+1 lock sp",
      "12+3 lock per", // a lock array: one entry per index value
      "15+3 lock sem", // an rwsem: writer slot, reader mask, waiting-writer mask
      "18+6 lock sems",
      "24+1 refcount r",
      "25+3 refcount rs",
      "28+1 pc pc[p[0]]",
      "29+3 local p[0].l",
      "32+1 local p[0].k",
      "33+1 pc pc[p[1]]",
      "34+3 local p[1].l",
      "37+1 local p[1].k",
      "38+1 pc pc[q]",
      "39+1 local q.z",
    ]);
    expect(model.layout.width).toBe(40);
  });

  it("records lock kinds and entry widths, and index types of arrays", () => {
    const v = (n: string) => model.layout.vars.find((x) => x.name === n)!;
    expect([v("big").lockKind, v("sp").lockKind, v("per").lockKind, v("sem").lockKind]).toEqual(["mutex", "spinlock", "mutex", "rwsem"]);
    expect([v("per").entryWidth, v("sem").entryWidth, v("sems").entryWidth, v("rs").entryWidth]).toEqual([1, 3, 3, 1]);
    expect(v("per").index).toEqual({ kind: "enum", name: "Dev", members: ["a", "b", "c"] });
    expect(v("sems").index).toEqual({ kind: "int", lo: 0, hi: 1 });
    expect(v("big").index).toBeUndefined();
  });

  it("flattens initial values and leaves locks free; pcs and locals are set by start-up paths", () => {
    expect(model.initial.slice(0, 28)).toEqual([
      1, // flag
      1, 2, 3, // m
      2, 1, // rec
      1, 0, 3, 1, // mr
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // locks
      2, // r
      1, 1, 1, // rs
    ]);
  });

  it("maps every slot to its owner and describes each thread's slots", () => {
    const { slotOwner, vars } = model.layout;
    expect(slotOwner).toHaveLength(40);
    for (let s = 0; s < 40; s++) {
      const v = vars[slotOwner[s]!]!;
      expect(s >= v.offset && s < v.offset + v.width).toBe(true);
    }
    expect(model.threads.map((t) => [t.name, t.process, t.instance, t.pcSlot, t.localBase])).toEqual([
      ["p[0]", 0, 0, 28, 29],
      ["p[1]", 0, 1, 33, 34],
      ["q", 1, 0, 38, 39],
    ]);
    expect(model.processes.map((p) => p.localWidth)).toEqual([4, 1]);
    // locals carry their thread; process-body locals have no frame
    const l = vars.find((x) => x.name === "p[1].l")!;
    expect([l.thread, l.frame, l.frameId]).toEqual([1, [], 0]);
  });

  it("gives each inlined call its own local slots, named by procedure", () => {
    const m = lower(`
var g: 0..5 = 0
proc f(a: 0..3) { var l: 0..3 = a; g := l }
process t { call f(1); call f(2) }
`);
    const locals = m.layout.vars.filter((v) => v.kind === "local");
    expect(locals.map((v) => v.name).sort()).toEqual(["t.f.a", "t.f.a#2", "t.f.l", "t.f.l#2"]);
    // two frames: the slots of the first call and of the second are disjoint
    expect(new Set(locals.map((v) => v.frameId)).size).toBe(2);
    for (const v of locals) expect(v.frame).toEqual(["f"]);
  });
});

describe("step granularity", () => {
  it("makes one action per shared statement: two global writes are two steps", () => {
    const m = lower(`
var x: 0..3 = 0
var y: 0..3 = 0
process t { x := 1; y := 2 }
`);
    expect(locations(m, "t")).toEqual(["action: x := 1", "action: y := 2", "end: end of t"]);
    const p = proc(m, "t");
    const [first, second] = [stepsOf(m, p.locations[0]!), stepsOf(m, p.locations[1]!)];
    expect(first.map((s) => target(m, "t", s))).toEqual(["y := 2"]);
    expect(second.map((s) => target(m, "t", s))).toEqual(["end"]);
    // the step that reaches the end also checks that the thread holds no lock
    expect(opKinds(second[0]!.ops)).toEqual(["assign y", "exit"]);
    // start-up is not a step of the search: it runs while the initial state is built
    expect(p.init).toHaveLength(1);
    expect(m.steps[p.init[0]!]!.from).toBe(-1);
  });

  it("runs local assignments between two actions inside the first step, adding no location", () => {
    const m = lower(`
var x: 0..3 = 0
var y: 0..3 = 0
process t { var l: 0..3 = 0; x := 1; l := 1; l := l + 1; y := l }
`);
    expect(locations(m, "t")).toEqual(["action: x := 1", "action: y := l", "end: end of t"]);
    const [s] = stepsOf(m, location(m, "t", "x := 1"));
    expect(opKinds(s!.ops)).toEqual(["assign x", "assign l", "assign l"]);
  });

  it("folds a local if after an action into that action's step, one step per branch", () => {
    const m = lower(`
var x: 0..3 = 0
var y: 0..3 = 0
process t {
  var l: 0..3 = 0
  x := 1
  if l == 0 { l := 1 } else { l := 2 }
  y := l
}
`);
    expect(locations(m, "t")).toEqual(["action: x := 1", "action: y := l", "end: end of t"]);
    const steps = stepsOf(m, location(m, "t", "x := 1"));
    expect(steps.map((s) => target(m, "t", s))).toEqual(["y := l", "y := l"]);
    expect(steps.map((s) => opKinds(s.ops))).toEqual([
      ["assign x", "assume", "assign l"],
      ["assign x", "assume", "assign l"],
    ]);
    // both steps are labelled by their action, not by the if
    expect(steps.map((s) => s.label)).toEqual(["x := 1", "x := 1"]);
  });

  it("makes an either a choice location whose steps each run a branch up to and including its first action", () => {
    const m = lower(`
var x: 0..3 = 0
var y: 0..3 = 0
process t { either { x := 1; y := 1 } or { y := 2 } }
`);
    const choice = proc(m, "t").locations[0]!;
    expect(choice.kind).toBe("choice");
    expect(choice.label).toBe("either");
    const steps = stepsOf(m, choice);
    expect(steps.map((s) => s.choice)).toEqual(["branch 1 of 2 of the either at model.knot:4:13", "branch 2 of 2 of the either at model.knot:4:13"]);
    expect(steps.map((s) => s.label)).toEqual(["x := 1", "y := 2"]);
    expect(steps.map((s) => target(m, "t", s))).toEqual(["y := 1", "end"]);
    expect(steps.map((s) => opKinds(s.ops))).toEqual([["assign x"], ["assign y", "exit"]]);
    expect(steps.every((s) => !s.silent)).toBe(true);
  });

  it("makes a pick over a constant or local set a choice, and over a shared set an action that blocks when it is empty", () => {
    const m = lower(`
var x: 0..3 = 0
var s: set<0..3> = {1, 2}
process c { pick v in {1, 2} { x := v } }
process l { var ls: set<0..3> = {0, 3}; pick v in ls { x := v } }
process g { pick v in s { x := v } }
`);
    expect(proc(m, "c").locations[0]!.kind).toBe("choice");
    expect(stepsOf(m, proc(m, "c").locations[0]!).map((s) => s.choice)).toEqual(["v = 1", "v = 2"]);
    expect(proc(m, "l").locations[0]!.kind).toBe("choice");
    const shared = proc(m, "g").locations[0]!;
    expect(shared.kind).toBe("action");
    expect(shared.label).toBe("pick v in s");
    const steps = stepsOf(m, shared);
    expect(steps.map((s) => s.choice)).toEqual(["v = 0", "v = 1", "v = 2", "v = 3"]);
    // each alternative waits for a non-empty set, then requires its own element
    const first = steps[0]!.ops;
    expect(first[0]).toMatchObject({ k: "assume", wait: "pick v in s: the set is empty" });
    expect(first[1]).toMatchObject({ k: "assume" });
    expect(first[1]).not.toHaveProperty("wait");
  });

  it("makes an atomic block one step", () => {
    const m = lower(`
var x: 0..3 = 0
var y: 0..3 = 0
mutex a
process t { atomic { lock a; x := 1; y := x + 1; unlock a } }
`);
    expect(locations(m, "t")).toEqual(["atomic: atomic", "end: end of t"]);
    const steps = stepsOf(m, proc(m, "t").locations[0]!);
    expect(steps).toHaveLength(1);
    expect(opKinds(steps[0]!.ops)).toEqual(["lock", "assign x", "assign y", "unlock", "exit"]);
  });

  it("lets an atomic block block only at its first statement", () => {
    const m = lower(`
mutex a
mutex b
var x: 0..3 = 0
process t { atomic { lock a; lock b; unlock b; unlock a } }
process u { atomic { x := 1; await x == 2 } }
`);
    const [t] = stepsOf(m, proc(m, "t").locations[0]!);
    expect(t!.ops[0]).toMatchObject({ k: "lock", name: "a" });
    expect(t!.ops[0]).not.toHaveProperty("noBlock");
    expect(t!.ops[1]).toMatchObject({ k: "lock", name: "b", noBlock: true });
    const [u] = stepsOf(m, proc(m, "u").locations[0]!);
    expect(u!.ops[1]).toMatchObject({ k: "check", violation: "atomic-blocked" });
  });

  it("inside an atomic block, makes only an empty set block a pick, not an element outside the set", () => {
    const m = lower(`
var g: 0..3 = 0
var s: set<0..3> = {1, 2}
process p { atomic { g := 1; pick x in s { g := x } } }
`);
    const steps = stepsOf(m, proc(m, "p").locations[0]!);
    expect(steps).toHaveLength(4);
    for (const st of steps) {
      const checks = st.ops.filter((o) => o.k === "check");
      expect(checks).toHaveLength(1);
      expect(checks[0]!.message).toContain("the set is empty");
      // the element test stays a plain guard: that alternative is merely not taken
      expect(st.ops.filter((o) => o.k === "assume")).toHaveLength(1);
    }
  });

  it("breaks a local-only while loop with a loop location whose steps are silent", () => {
    const m = lower(`
var x: 0..3 = 0
process t {
  var l: 0..3 = 3
  x := 1
  while l > 0 { l := l - 1 }
  x := 2
}
`);
    // x := 2 is no resting place: it only ever runs inside the step that leaves the loop
    expect(locations(m, "t")).toEqual(["action: x := 1", "loop: while l > 0", "end: end of t"]);
    const loop = location(m, "t", "while l > 0");
    const steps = stepsOf(m, loop);
    // one iteration (back to the loop, silent); leaving the loop runs the next
    // action, x := 2, and the local work after it, up to the end
    expect(steps.map((s) => [target(m, "t", s), s.silent === true, s.label])).toEqual([
      ["while l > 0", true, "while l > 0"],
      ["end", false, "x := 2"],
    ]);
  });

  it("keeps a while loop with a shared condition an action, with no loop location", () => {
    const m = lower(`
var x: 0..3 = 0
process t { while x < 3 { x := x + 1 } }
`);
    expect(locations(m, "t")).toEqual(["action: while x < 3", "action: x := x + 1", "end: end of t"]);
  });

  it("inlines calls: locations name the call chain in their frames", () => {
    const m = lower(`
var g: 0..3 = 0
proc leaf(v: 0..3) { g := v }
proc mid() { call leaf(2) }
process t { call mid(); g := 0 }
`);
    const l = proc(m, "t").locations[0]!;
    expect(l.label).toBe("g := v");
    expect(l.frames.map((f) => [f.proc, f.call])).toEqual([["mid", "call mid()"], ["leaf", "call leaf(2)"]]);
    expect(l.frames[0]!.site).toMatchObject({ line: 5 });
    expect(l.frames[1]!.site).toMatchObject({ line: 4 });
    expect(new Set(l.frames.map((f) => f.id)).size).toBe(2);
    // the argument is passed by local work in the start-up path
    expect(opKinds(m.steps[proc(m, "t").init[0]!]!.ops)).toEqual(["assign arguments of leaf"]);
    expect(location(m, "t", "g := 0").frames).toEqual([]);
  });

  it("stores a returned value in the caller's target and resets the callee's frame", () => {
    const m = lower(`
var g: 0..5 = 0
proc f(a: 0..3): 0..3 { return a + 1 }
process t { var r: 0..3 = 0; g := 1; r := call f(2); g := r }
`);
    const [s] = stepsOf(m, location(m, "t", "g := 1"));
    expect(opKinds(s!.ops)).toEqual(["assign g", "assign arguments of f", "assign r", "assign locals"]);
  });

  it("dispatches a call through an ops table on the callee, with a null-callback path", () => {
    const m = lower(`
ops fops { open(d: 0..1), close(d: 0..1) }
var g: 0..3 = 0
var which: 0..1 = 0
proc my_open(d: 0..1) { g := 3 }
const tbl: [0..1] fops = [0: {open: my_open}, 1: {close: my_open}]
process t { g := 1; call tbl[which].open(which) }
`);
    const call = location(m, "t", "call tbl[which].open(which)");
    expect(call.kind).toBe("action"); // the callee depends on a global
    const steps = stepsOf(m, call);
    expect(steps.map((s) => target(m, "t", s))).toEqual(["g := 3", "end"]);
    expect(opKinds(steps[0]!.ops)).toEqual(["assume", "assign arguments of my_open"]);
    expect(steps[1]!.ops[1]).toMatchObject({ k: "fail", violation: "null-callback", message: "call through tbl[which].open, which is none" });
    expect(location(m, "t", "g := 3").frames.map((f) => f.proc)).toEqual(["my_open"]);
  });

  it("resolves a call through a constant none to a null-callback failure, and a constant callee to a plain call", () => {
    const m = lower(`
ops fops { open(), close() }
var g: 0..3 = 0
proc my_open() { g := 3 }
const tbl: fops = {open: my_open}
process t { g := 1; call tbl.open(); call tbl.close() }
`);
    expect(location(m, "t", "g := 3").frames.map((f) => f.proc)).toEqual(["my_open"]);
    const [s] = stepsOf(m, location(m, "t", "g := 3"));
    expect(s!.ops.find((o) => o.k === "fail")).toMatchObject({ violation: "null-callback", message: "call through tbl.close, which is none" });
  });

  it("runs dec_and_test as one action with one step per outcome", () => {
    const m = lower(`
refcount r = 2
var freed: bool = false
process t { if dec_and_test(r) { freed := true } }
`);
    const l = proc(m, "t").locations[0]!;
    expect(l.label).toBe("if dec_and_test(r)");
    expect(stepsOf(m, l).map((s) => [opKinds(s.ops), target(m, "t", s)])).toEqual([
      [["assume", "refput"], "freed := true"],
      [["assume", "refput", "exit"], "end"],
    ]);
  });

  it("locates the ops of local work at their own statements, not at the step's action", () => {
    const m = lower(`
var g: 0..3 = 0
process t { var l: 0..3 = 0; g := 1; assert l == 0 : "local" }
`);
    const [s] = stepsOf(m, location(m, "t", "g := 1"));
    expect(s!.at.col).toBe(30);
    expect(s!.ops.find((o) => o.k === "check")!.at).toMatchObject({ line: 3, col: 38 });
  });
});

describe("lowering diagnostics", () => {
  it("rejects recursion (K6001), naming the cycle", () => {
    const r = tryLower(`
var x: 0..3 = 0
proc f() { x := 1; call g() }
proc g() { call f() }
process t { call f() }
`);
    expect(r.model).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["K6001"]);
    expect(r.diagnostics[0]!.message).toContain("recursive call of 'f' (via f -> g -> f)");
  });

  it("rejects a while loop inside an atomic block (K6002), also through a call", () => {
    for (const src of [
      `var x: 0..3 = 0
process t { atomic { x := 1; while x < 3 { x := x + 1 } } }`,
      `var x: 0..3 = 0
proc f() { while x < 3 { x := x + 1 } }
process t { atomic { x := 1; call f() } }`,
    ]) {
      const r = tryLower(src);
      expect(r.model).toBeUndefined();
      expect(r.diagnostics.map((d) => d.code)).toEqual(["K6002"]);
    }
  });

  it("rejects rwsems with more threads than a reader mask has bits (K6006)", () => {
    const src = (n: number) => `rwsem sem
process r[i in 0..${n - 1}] { down_read sem; up_read sem }`;
    expect(tryLower(src(32)).model).toBeDefined();
    const r = tryLower(src(33));
    expect(r.model).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["K6006"]);
    // without an rwsem there is no such limit
    expect(tryLower(`mutex a
process r[i in 0..40] { lock a; unlock a }`).model).toBeDefined();
  });

  it("gives each call_rcu callback a thread and a slot in its domain entry, and rejects more than 30 threads with callbacks (K6006)", () => {
    const src = (n: number) => `srcu ss[0..1]
proc f(i: 0..3) { skip }
proc g() { skip }
process p[j in 0..${n - 1}] { call_srcu ss[1] f(2); call_rcu g() }`;
    const m = tryLower(src(1)).model!;
    // p[0], then f's 2 entries x 4 values (srcu_callback/ss[e]/f(v)), then g's one
    expect(m.threads.map((t) => t.name)).toEqual([
      "p[0]", ...[0, 1].flatMap((e) => [0, 1, 2, 3].map((v) => `srcu_callback/ss[${e}]/f(${v})`)), "rcu_callback/g()",
    ]);
    const ss = m.layout.vars.find((v) => v.name === "ss")!;
    expect([ss.entryWidth, ss.callbacks]).toEqual([2 * 10 + 4, ["f(0)", "f(1)", "f(2)", "f(3)"]]);
    // the callback thread of ss[1], f(2) starts from its slot: entry 1, after the grace periods
    const p = m.processes[m.threads.find((t) => t.name === "srcu_callback/ss[1]/f(2)")!.process]!;
    expect(p.callback!.slot).toBe(ss.offset + ss.entryWidth! + 2 * 10 + 2);
    expect(tryLower(src(21)).model).toBeDefined(); // 21 + 9 = 30 threads
    const r = tryLower(src(22));
    expect(r.model).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["K6006"]);
  });
});

describe("printModel", () => {
  it("prints the layout, the threads and each location's steps", () => {
    const m = lower(`
var x: 0..3 = 0
mutex a
process t { lock a; x := 1; unlock a }
invariant small: x < 3
`);
    const text = printModel(m);
    expect(text).toContain("STATE LAYOUT (3 slots)");
    expect(text).toMatch(/\[0\]\s+x\s+var\s+0\.\.3\s+= 0/);
    expect(text).toMatch(/\[1\]\s+a\s+mutex\s+= free/);
    expect(text).toMatch(/\[2\]\s+pc\[t\]\s+pc/);
    expect(text).toContain("0  t  (process t, pc [2], no locals)");
    const lines = text.split("\n");
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    // locations in order, each followed by its steps and their conjuncts
    expect(at("L0 (action): lock a")).toBeGreaterThan(at("PROCESS t"));
    expect(lines[at("L0 (action): lock a") + 1]).toMatch(/^\s+step \d+ -> L1$/);
    expect(lines[at("L0 (action): lock a") + 2]).toContain("lock(a)");
    expect(at("L1 (action): x := 1")).toBeGreaterThan(at("L0 (action): lock a"));
    expect(text).toContain("x' = 1");
    expect(text).toContain("L3 (end): end of t");
    expect(text).toContain("invariant small == x < 3");
  });
});
