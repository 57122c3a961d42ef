// Tests of the explorer: exact state and transition counts of small models
// (worked out by hand in the comments), one test per built-in check with the
// shortest trace that triggers it, and the search options (all, disabled, dfs,
// maxStates) and determinism. "transitions" counts every enabled step explored,
// including those that reach an already visited state; building the initial
// state is not a transition.
import { describe, expect, it } from "vitest";
import type { Model, ViolationKind } from "@knot/ir";
import { type SearchResult, type Violation, explore } from "./explore.js";
import { check, only, slotOf, traceLines } from "./test-pipeline.js";
import { lowerFile } from "../../ir/src/test-lower.js";

/** The program counter of a thread in the state a trace ends in. */
function pcAtEnd(model: Model, v: Violation, thread: string): string {
  const t = model.threads.find((x) => x.name === thread)!;
  const s = v.trace.steps.length ? v.trace.steps[v.trace.steps.length - 1]!.state : v.trace.initial;
  const l = model.processes[t.process]!.locations[s[t.pcSlot]!]!;
  return l.kind === "end" ? "end" : l.label;
}

function expectComplete(r: SearchResult, states: number, transitions: number): void {
  expect(r.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  expect(r.stats).toMatchObject({ states, transitions, complete: true });
  expect(r.stats.stoppedBy).toBeUndefined();
}

describe("state and transition counts", () => {
  it("two threads with two independent global writes each: the 3x3 interleaving lattice", () => {
    // Each thread rests before its first write, between the writes, or at its
    // end: 3 positions, and every pair of positions is a distinct state: 9.
    // From (i, j) a thread can move unless it is at its end: sum over the 9
    // states of [i < 2] + [j < 2] = 6 + 6 = 12 transitions; the longest path is 4.
    const r = check(`
var x: 0..2 = 0
var y: 0..2 = 0
var a: 0..2 = 0
var b: 0..2 = 0
process p { x := 1; y := 2 }
process q { a := 1; b := 2 }
`);
    expectComplete(r, 9, 12);
    expect(r.stats.depth).toBe(4);
  });

  it("one thread with an either: the branches' states merge again", () => {
    // initial (at the either) -> x = 1 or x = 2 (2 states, 2 transitions), each
    // then x := 3 reaching the same final state (1 state, 2 transitions).
    const r = check(`
var x: 0..3 = 0
process t { either { x := 1 } or { x := 2 }; x := 3 }
`);
    expectComplete(r, 4, 4);
  });

  it("a local loop between two writes: its iterations are silent steps, each with a state", () => {
    // x := 1 runs and the loop location follows; the loop's iterations are
    // silent steps (l = 2, 1, 0 are states of their own), then x := 2 runs with
    // the loop's exit. States: initial, (x=1, l=2), (l=1), (l=0), end: 5;
    // transitions: 4.
    const r = check(`
var x: 0..3 = 0
process t { var l: 0..3 = 0; x := 1; l := 2; while l > 0 { l := l - 1 }; x := 2 }
`);
    expectComplete(r, 5, 4);
  });

  it("a mutex-protected increment by two threads", () => {
    // Each thread: before lock (0), holding before the increment (1), holding
    // after it (2), finished (3). Both cannot hold the mutex: 16 - 4 = 12
    // states (the counter and the lock follow from the positions). Moves:
    // (0,0): 2; (0,1) (0,2) (0,3) (1,0) (1,3) (2,0) (2,3) (3,0) (3,1) (3,2): 1
    // each; (3,3): 0 -- 12 transitions.
    const r = check(`
var c: 0..2 = 0
mutex m
process p[i in 0..1] { lock m; c := c + 1; unlock m }
final both: c == 2
`);
    expectComplete(r, 12, 12);
  });

  it("a refcount put by three threads: only the last one frees", () => {
    // Before the last put, a state is the set S of threads that have put
    // (r = 3 - |S|, those threads finished): 1 + 3 + 3 = 7 states with
    // 3 + 3*2 + 3*1 = 12 transitions. The last put leaves one of 3 threads at
    // `freed := true` (3 states), each with 1 transition to the single final
    // state. 11 states, 15 transitions.
    const r = check(`
refcount r = 3
var freed: bool = false
process p[i in 0..2] { if dec_and_test(r) { freed := true } }
final freed_once: freed
`);
    expectComplete(r, 11, 15);
  });
});

describe("built-in checks, each with its shortest trace", () => {
  it("recursive-locking: a thread waits for a lock it holds", () => {
    const r = check(`
mutex a
process t { lock a; lock a; unlock a; unlock a }
`);
    const v = only(r);
    expect(v.kind).toBe("recursive-locking");
    expect(v.message).toBe("t waits for a, which it already holds");
    expect(traceLines(r.model, v)).toEqual(["t: lock a"]);
    expect(v.cycle).toEqual([0]);
    expect(v.blocked).toEqual([{ thread: 0, location: 1, waits: [expect.objectContaining({ kind: "lock", name: "a", owners: [0] })] }]);
  });

  it("lock-cycle: ABBA found at the first state where the cycle exists, while a third thread can still run", () => {
    const r = check(`
mutex a
mutex b
var x: 0..3 = 0
process t1 { lock a; lock b; unlock b; unlock a }
process t2 { lock b; lock a; unlock a; unlock b }
process t3 { x := 1; x := 2; x := 3 }
`);
    const v = only(r);
    expect(v.kind).toBe("lock-cycle");
    expect(v.message).toBe("t1 waits for b, held by t2; t2 waits for a, held by t1");
    // two steps make the cycle; waiting until t3 finishes (a global deadlock) would take five
    expect(traceLines(r.model, v)).toEqual(["t1: lock a", "t2: lock b"]);
    expect(pcAtEnd(r.model, v, "t3")).toBe("x := 1");
    expect(v.cycle).toEqual([0, 1]);
    expect(v.blocked!.map((b) => b.thread)).toEqual([0, 1]);
    expect(r.stats.stoppedBy).toBe("violation");
  });

  it("lock-cycle: a three-thread cycle is reported with every member, starting at the smallest thread", () => {
    const r = check(`
mutex m[0..2]
process t[i in 0..2] { lock m[i]; lock m[(i + 1) % 3]; unlock m[(i + 1) % 3]; unlock m[i] }
`);
    const v = only(r);
    expect(v.kind).toBe("lock-cycle");
    expect(v.message).toBe("t[0] waits for m[1], held by t[1]; t[1] waits for m[2], held by t[2]; t[2] waits for m[0], held by t[0]");
    expect(v.trace.steps).toHaveLength(3);
    expect(v.cycle).toEqual([0, 1, 2]);
  });

  it("stuck: a thread waits for a lock held by a thread that has finished", () => {
    const r = check(`
mutex a
process t1 { lock a }
process t2 { lock a; unlock a }
`, { disabled: new Set(["exit-holding-lock"]) });
    const v = only(r);
    expect(v.kind).toBe("stuck");
    expect(v.message).toBe("no thread can move: t2 waits for a (held by t1, which has finished)");
    expect(traceLines(r.model, v)).toEqual(["t1: lock a"]);
    expect(v.blocked!.map((b) => b.thread)).toEqual([1]);
  });

  it("stuck: an await that never becomes true, reported once no other thread can move", () => {
    const r = check(`
var g: bool = false
var h: 0..1 = 0
process t { await g }
process u { h := 1 }
`);
    const v = only(r);
    expect(v.kind).toBe("stuck");
    expect(v.message).toBe("no thread can move: t waits until g");
    // u must finish first: nobody is stuck while it can still move
    expect(traceLines(r.model, v)).toEqual(["u: h := 1"]);
  });

  it("stuck: a thread whose start-up faults with that check switched off cannot start (no crash)", () => {
    const src = `
var g: 0..1 = 0
process t { var l: 0..3 = 3; var m: [0..1] bool = [0: false, 1: false]; m[l] := true; g := 1 }
`;
    // with the check on, the fault itself is reported, in the start-up path (no state yet)
    const on = only(check(src));
    expect([on.kind, on.message, on.state]).toEqual(["out-of-range", "index of m: 3 is outside 0..1", -1]);
    const r = check(src, { disabled: new Set<ViolationKind>(["out-of-range"]) });
    const v = only(r);
    expect(v.kind).toBe("stuck");
    expect(v.message).toBe("t cannot start: its local work before the first shared statement faults, and that check is switched off");
    expect(v.trace.steps).toEqual([]);
    expect(r.stats.states).toBe(0);
  });

  it("unlock-not-held", () => {
    const r = check(`
mutex a
process t { unlock a }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["unlock-not-held", "t does unlock a, but it is not locked"]);
    expect(traceLines(r.model, v)).toEqual(["t: unlock a"]);
    expect(v.trace.steps[0]!.failed).toBe(true);
  });

  it("unlock-not-held names the holder when another thread holds the lock", () => {
    const r = check(`
mutex a
var go: bool = false
process t { lock a; go := true; unlock a }
process u { await go; unlock a }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["unlock-not-held", "u does unlock a, but it is held by t"]);
    expect(traceLines(r.model, v)).toEqual(["t: lock a", "t: go := true", "u: await go", "u: unlock a"]);
  });

  it("exit-holding-lock", () => {
    const r = check(`
var x: 0..1 = 0
mutex a
process t { lock a; x := 1 }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["exit-holding-lock", "t finishes while holding a"]);
    expect(traceLines(r.model, v)).toEqual(["t: lock a", "t: x := 1"]);
  });

  it("refcount-underflow", () => {
    const r = check(`
refcount r = 1
process t { put r; put r }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["refcount-underflow", "put r on a count of 0"]);
    expect(traceLines(r.model, v)).toEqual(["t: put r", "t: put r"]);
  });

  it("refcount-inc-from-zero", () => {
    const r = check(`
refcount r = 1
process t { put r; get r }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["refcount-inc-from-zero", "get r on a count of 0: the object may already be freed"]);
    expect(traceLines(r.model, v)).toEqual(["t: put r", "t: get r"]);
  });

  it("null-callback through a constant table, raised by the local work after an action", () => {
    const r = check(`
ops fops { open(), close() }
var g: 0..1 = 0
proc my_open() { g := 1 }
const tbl: fops = {open: my_open}
process t { g := 1; call tbl.close() }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["null-callback", "call through tbl.close, which is none"]);
    // the call is local work inside the step of g := 1, but the violation is located at the call
    expect(traceLines(r.model, v)).toEqual(["t: g := 1"]);
    expect(v.at).toMatchObject({ line: 6, col: 21 });
  });

  it("null-callback through a table indexed at run time", () => {
    const r = check(`
ops fops { open(), close() }
type D = {d0, d1}
var g: 0..1 = 0
proc my_close() { g := 0 }
const tbl: [D] fops = [d0: {close: my_close}, d1: {open: my_close}]
var dev: D = d0
process t { dev := d1; call tbl[dev].close() }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["null-callback", "call through tbl[dev].close, which is none"]);
    expect(traceLines(r.model, v)).toEqual(["t: dev := d1", "t: call tbl[dev].close()"]);
  });

  it("assertion", () => {
    const r = check(`
var g: 0..3 = 0
process t { g := 1; assert g == 2 : "g must be 2" }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["assertion", "g must be 2"]);
    expect(traceLines(r.model, v)).toEqual(["t: g := 1", "t: assert g == 2 : \"g must be 2\""]);
  });

  it("invariant: reported in the first state that breaks it", () => {
    const r = check(`
var g: 0..3 = 0
invariant small: g < 2
process t { g := 1; g := 2; g := 3 }
`);
    const v = only(r);
    expect([v.kind, v.message, v.property]).toEqual(["invariant", "invariant small does not hold", "small"]);
    expect(traceLines(r.model, v)).toEqual(["t: g := 1", "t: g := 2"]);
    expect(v.trace.steps.at(-1)!.failed).toBeUndefined();
  });

  it("final: checked when every thread has finished", () => {
    const r = check(`
var g: 0..3 = 0
final done: g == 1
process t { g := 2 }
`);
    const v = only(r);
    expect([v.kind, v.message, v.property]).toEqual(["final", "final property done does not hold when every thread has finished", "done"]);
    expect(traceLines(r.model, v)).toEqual(["t: g := 2"]);
  });

  it("out-of-range: an assignment outside the variable's type", () => {
    const r = check(`
var g: 0..2 = 0
process t { g := g + 1; g := g + 2 }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["out-of-range", "g would become 3, outside its type 0..2"]);
    expect(traceLines(r.model, v)).toEqual(["t: g := g + 1", "t: g := g + 2"]);
  });

  it("out-of-range: a map index outside the key type", () => {
    const r = check(`
var m: [0..1] bool = [0: false, 1: false]
var i: 0..3 = 0
process t { i := 2; m[i] := true }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["out-of-range", "index of m: 2 is outside 0..1"]);
    expect(traceLines(r.model, v)).toEqual(["t: i := 2", "t: m[i] := true"]);
  });

  it("out-of-range: a set element outside the element type", () => {
    const r = check(`
var s: set<0..1> = {}
var i: 0..3 = 0
process t { i := 2; s := s + {i} }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["out-of-range", "element i: 2 is outside 0..1"]);
    expect(traceLines(r.model, v)).toEqual(["t: i := 2", "t: s := s + {i}"]);
  });

  it("out-of-range: a property that cannot be evaluated is reported, not a crash", () => {
    const r = check(`
var g: 0..3 = 1
invariant ratio: 6 / g > 0
process t { g := 0 }
`);
    const v = only(r);
    expect([v.kind, v.message, v.property]).toEqual(["out-of-range", "invariant ratio cannot be evaluated: division by zero", "ratio"]);
    expect(traceLines(r.model, v)).toEqual(["t: g := 0"]);
    // with the check off, such a property is taken to hold
    const off = check(`
var g: 0..3 = 1
invariant ratio: 6 / g > 0
process t { g := 0 }
`, { disabled: new Set(["out-of-range"]) });
    expectComplete(off, 2, 1);
  });

  it("sleep-in-atomic: a mutex taken under a spinlock", () => {
    const r = check(`
spinlock s
mutex m
process t { lock s; lock m; unlock m; unlock s }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["sleep-in-atomic", "t takes mutex m, which may sleep, while holding spinlock s"]);
    expect(traceLines(r.model, v)).toEqual(["t: lock s", "t: lock m"]);
  });

  it("atomic-blocked: a pick from an empty set after an atomic block's first statement", () => {
    const src = (init: string) => `
var g: 0..3 = 0
var s: set<0..3> = ${init}
process p { atomic { g := 1; pick x in s { g := x } } }
`;
    const v = only(check(src("{}")));
    expect(v.kind).toBe("atomic-blocked");
    expect(v.message).toBe("pick x in s: the set is empty would block inside an atomic block (only its first statement may block)");
    // a non-empty set does not block: only the elements in it are picked
    expectComplete(check(src("{1, 2}")), 3, 2);
  });
});

describe("search options", () => {
  const twoBugs = `
var g: 0..3 = 0
mutex a
process t { g := 1; assert g == 0 : "first"; unlock a }
process u { g := 2; assert g == 0 : "second" }
`;

  it("stops at the first violation by default", () => {
    const r = check(twoBugs);
    expect(r.violations).toHaveLength(1);
    expect(r.stats).toMatchObject({ complete: false, stoppedBy: "violation" });
  });

  it("all: reports each distinct violation once and explores everything", () => {
    const r = check(twoBugs, { all: true });
    // each assertion fails in several states, but is one violation
    expect(r.violations.map((v) => `${v.kind}: ${v.message}`).sort()).toEqual(["assertion: first", "assertion: second"]);
    expect(r.stats.complete).toBe(true);
    expect(r.stats.stoppedBy).toBeUndefined();
  });

  it("all: two failures in the local work after the same action are two violations", () => {
    const r = check(`
var g: 0..3 = 0
process t { pick v in {0, 1} { g := 1; if v == 0 { assert false : "A" } else { assert false : "B" } } }
`, { all: true });
    expect(r.violations.map((v) => v.message).sort()).toEqual(["A", "B"]);
  });

  it("disabled: a switched-off check is not reported, and the others still are", () => {
    const r = check(`
mutex a
var g: 0..3 = 0
process t { unlock a; g := 1; assert g == 2 : "g" }
`, { disabled: new Set<ViolationKind>(["unlock-not-held"]) });
    expect(only(r).kind).toBe("assertion");
    const none = check(`
mutex a
process t { unlock a; lock a }
`, { disabled: new Set<ViolationKind>(["unlock-not-held", "exit-holding-lock"]) });
    expectComplete(none, 3, 2);
  });

  it("dfs: the same verdicts and, on complete runs, the same numbers of states and transitions", () => {
    const models = [
      `var x: 0..2 = 0
var y: 0..2 = 0
process p { x := 1; y := 2 }
process q { y := 1; x := 2 }`,
      `var c: 0..2 = 0
mutex m
process p[i in 0..1] { lock m; c := c + 1; unlock m }`,
      `refcount r = 3
var freed: bool = false
process p[i in 0..2] { if dec_and_test(r) { freed := true } }`,
      `mutex a
mutex b
var x: 0..3 = 0
process t1 { lock a; lock b; unlock b; unlock a }
process t2 { lock b; lock a; unlock a; unlock b }
process t3 { x := 1; x := 2; x := 3 }`,
      twoBugs,
    ];
    for (const src of models) {
      const bfs = check(src);
      const dfs = check(src, { search: "dfs" });
      expect(dfs.violations.map((v) => v.kind)).toEqual(bfs.violations.map((v) => v.kind));
      const bfsAll = check(src, { all: true });
      const dfsAll = check(src, { all: true, search: "dfs" });
      expect(dfsAll.violations.map((v) => v.key).sort()).toEqual(bfsAll.violations.map((v) => v.key).sort());
      expect(dfsAll.stats).toMatchObject({ complete: true, states: bfsAll.stats.states, transitions: bfsAll.stats.transitions });
    }
  });

  it("is deterministic: two runs give identical results and traces", () => {
    const src = `
mutex m[0..2]
var g: 0..3 = 0
process t[i in 0..2] { g := i; lock m[i]; lock m[(i + 1) % 3]; unlock m[(i + 1) % 3]; unlock m[i] }
`;
    for (const search of ["bfs", "dfs"] as const) {
      const a = check(src, { search, all: true });
      const b = check(src, { search, all: true });
      const strip = (r: SearchResult) => ({ violations: r.violations, states: r.stats.states, transitions: r.stats.transitions });
      expect(strip(a)).toEqual(strip(b));
      expect(a.violations.length).toBeGreaterThan(0);
    }
  });

  it("maxStates: stops with exactly that many states stored", () => {
    const src = `
var x: 0..2 = 0
var y: 0..2 = 0
var a: 0..2 = 0
var b: 0..2 = 0
process p { x := 1; y := 2 }
process q { a := 1; b := 2 }
`;
    // the whole space has 9 states
    for (const search of ["bfs", "dfs"] as const) {
      for (const max of [1, 2, 5, 8]) {
        const r = check(src, { search, maxStates: max });
        expect(r.stats).toMatchObject({ states: max, complete: false, stoppedBy: "max-states" });
        expect(r.violations).toEqual([]);
      }
      // a space that fits is explored completely
      expectComplete(check(src, { search, maxStates: 9 }), 9, 12);
    }
  });
});

describe("rwsem", () => {
  it("counts readers of every thread, including thread 31 (the mask's sign bit)", () => {
    // 30 idle threads, then w (thread 30) and r (thread 31) in an ABBA over a
    // mutex and r's read hold of sem: a lock cycle only if r is seen as a holder
    const r = check(`
rwsem sem
mutex m
process idle[i in 0..29] { skip }
process w { lock m; down_write sem; up_write sem; unlock m }
process r { down_read sem; lock m; unlock m; up_read sem }
`);
    expect(r.model.threads.find((t) => t.name === "r")!.id).toBe(31);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["lock-cycle", "w waits for sem, held by r; r waits for m, held by w"]);
    expect(v.cycle).toEqual([30, 31]);
  });

  it("a writer waits for readers; a reader holding it and asking to write deadlocks on itself", () => {
    const r = check(`
rwsem sem
process t { down_read sem; down_write sem; up_write sem; up_read sem }
`);
    const v = only(r);
    expect([v.kind, v.message]).toEqual(["recursive-locking", "t waits for sem, which it already holds"]);
  });
});

describe("checks switched off", () => {
  it("stops a thread whose statement would break a switched-off range check, and says why", () => {
    const r = check(`
var n: 0..2 = 2
var m: [0..2] bool
var other: bool = false
process p { n := n + 1; m[n] := true }
final untouched: not other
`, { disabled: new Set(["out-of-range"]) });
    const v = only(r);
    expect(v.kind).toBe("stuck");
    expect(v.message).toBe("no thread can move: p cannot continue: n would become 3, outside its type 0..2 (the out-of-range check is switched off, so the statement cannot run)");
  });

  it("dec_and_test on 0 with refcount-underflow off saturates and tests false, like refcount_t", () => {
    const r = check(`
refcount r = 1
var released: 0..3 = 0
process a { if dec_and_test(r) { released := released + 1 } }
process b { if dec_and_test(r) { released := released + 1 } }
final once: released == 1
`, { disabled: new Set(["refcount-underflow"]) });
    expect(r.violations).toEqual([]);
  });

  it("reports a reader asking to write as recursive-locking, even while another reader runs", () => {
    const v = only(check(`
rwsem s
var go: bool
var ticks: 0..1
process a { await go; down_read s; down_write s; up_write s; up_read s }
process b { down_read s; go := true; while true { ticks := 1 - ticks } }
`));
    expect(v.kind).toBe("recursive-locking");
    expect(v.message).toBe("a waits for s, which it already holds");
  });

  it("reports a nested down_read", () => {
    const v = only(check(`
rwsem s
process p { down_read s; down_read s; up_read s; up_read s }
`));
    expect(v.kind).toBe("recursive-locking");
    expect(v.message).toMatch(/^p takes s for reading again while it already holds it for reading/);
  });
});

describe("shuffled depth-first search (swarm members)", () => {
  it("visits the same states and transitions in another order, and finds the same kinds of violation", () => {
    const ok = lowerFile("models/examples/philosophers.knot", { N: "5", ORDERED: "true" });
    const plain = explore(ok, { search: "dfs" });
    const depths = new Set<number>();
    for (const seed of [1, 2, 3, 17]) {
      const r = explore(ok, { search: "dfs", shuffle: seed });
      expect([r.stats.states, r.stats.transitions, r.stats.complete]).toEqual([plain.stats.states, plain.stats.transitions, true]);
      depths.add(r.stats.depth);
    }
    // the orders differ: the deepest state is found at different depths
    expect(depths.size).toBeGreaterThan(1);
    const dl = lowerFile("models/examples/philosophers.knot", { N: "4" });
    const all = explore(dl, { search: "dfs", all: true });
    for (const seed of [5, 6]) {
      const r = explore(dl, { search: "dfs", all: true, shuffle: seed });
      expect(r.violations.map((v) => v.kind).sort()).toEqual(all.violations.map((v) => v.kind).sort());
      expect(r.stats.states).toBe(all.stats.states);
    }
    // the same seed, the same search
    expect(explore(dl, { search: "dfs", shuffle: 9 }).stats).toMatchObject({ states: explore(dl, { search: "dfs", shuffle: 9 }).stats.states });
    // breadth-first search ignores it
    expect(explore(ok, { shuffle: 4 }).stats.depth).toBe(explore(ok, {}).stats.depth);
  });
});

