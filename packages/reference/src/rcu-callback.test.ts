// call_rcu and call_srcu (rcu-callback.ts) against docs/language.md "call_rcu and call_srcu":
// callback threads after the workers, one per domain entry and argument value; a callback
// waits for the readers inside the entry when it is registered and for no later one;
// registering one still registered is double-free; the callback runs in atomic context; its
// start and end are steps of its own (exit-holding-lock at the end); an idle callback thread
// counts as finished unless its callback is ready.
import { describe, expect, it } from "vitest";
import type { RState } from "./index.js";
import { firstCounterexample, inlineModel, stepThread } from "./test-models.js";

type Ref = ReturnType<typeof inlineModel>;

const walk = (ref: Ref, path: string[], from?: RState): RState => path.reduce((s, name) => stepThread(ref, s, name).next!, from ?? ref.initial());

const model = (...lines: string[]) => inlineModel(lines.join("\n"));

/** The RCU-protected pointer of models/kernel/rcu_free_after_grace_period.knot, with the free given. */
const publish = (free: string, unpublishFirst = true) => model(
  "object dev[1] { id: 0..3 }",
  "var head: dev = alloc dev {id: 2}",
  "proc free_dev(d: dev) { free d }",
  "process reader {",
  "  rcu_read_lock",
  "  var e: dev = head",
  "  if e != null { var id: 0..3 = e.id }",
  "  rcu_read_unlock",
  "}",
  "process remover {",
  "  var old: dev = head",
  ...(unpublishFirst ? ["  head := null", `  ${free}`] : [`  ${free}`, "  head := null"]),
  "}",
);

describe("callback threads", () => {
  it("come after the processes and the workers, by procedure, then domain (rcu first), entry and value; they start idle", () => {
    const ref = model(
      "type Who = {vgic, vfio}",
      "srcu ss[1..2]",
      "workqueue events",
      "work w on events runs a(false)",
      "proc a(b: bool) { skip }",
      "proc g(x: Who) { skip }",
      "proc c() { skip }",
      "process p { queue_work w; call_srcu ss[1] a(true); call_rcu a(false); call_rcu c(); call_rcu g(vfio) }",
    );
    expect(ref.threadNames).toEqual([
      "p", "kworker/events[0]",
      "rcu_callback/a(false)", "rcu_callback/a(true)",
      "srcu_callback/ss[1]/a(false)", "srcu_callback/ss[1]/a(true)", "srcu_callback/ss[2]/a(false)", "srcu_callback/ss[2]/a(true)",
      "rcu_callback/g(vgic)", "rcu_callback/g(vfio)",
      "rcu_callback/c()",
    ]);
    const named = ref.name(ref.initial());
    expect(named.shared).toMatchObject({ "ss[1]": "idle", "ss[2]": "idle", rcu: "idle" });
    expect(named.threads["rcu_callback/c()"]).toBe("idle");
    // a callback is no lock-order node
    expect(ref.lockEntryNames()).toEqual(["ss[1]", "ss[2]", "rcu", "(wq_completion)events", "(work_completion)(&w)"]);
  });

  it("a reference parameter gives a callback for null, then one per object of the pool", () => {
    const ref = publish("call_rcu free_dev(old)");
    expect(ref.threadNames).toEqual(["reader", "remover", "rcu_callback/free_dev(null)", "rcu_callback/free_dev(dev[0])"]);
  });
});

describe("freeing after a grace period", () => {
  it("a callback that frees the object once the reader's section has ended: no use-after-free, no leak", () => {
    expect(publish("call_rcu free_dev(old)").explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("freeing it directly is the use-after-free", () => {
    expect(publish("free old").explore().firstViolation).toMatchObject({ kind: "use-after-free", thread: "reader" });
  });

  it("the registration waits for the readers inside now; their outermost unlock releases it; the start and end are steps of their own", () => {
    const ref = publish("call_rcu free_dev(old)");
    const s = walk(ref, ["reader", "remover", "remover"]);
    const call = stepThread(ref, s, "remover");
    expect(call).toMatchObject({ label: "call_rcu free_dev(old)", acquisitions: [] });
    expect(call.changes).toContainEqual({ name: "rcu", before: "read: reader", after: "read: reader; call_rcu free_dev(dev[0]) waits for reader" });
    const cb = ref.threadNames.indexOf("rcu_callback/free_dev(dev[0])");
    expect(ref.successors(call.next!, cb)).toEqual([]); // held up by the reader
    const left = walk(ref, ["reader", "reader"], call.next!);
    expect(ref.name(left).shared.rcu).toBe("call_rcu free_dev(dev[0]) ready");
    const start = stepThread(ref, left, "rcu_callback/free_dev(dev[0])");
    expect(start).toMatchObject({ label: "start free_dev(dev[0])", at: { file: "t.knot", line: 3, col: 1 } });
    expect(start.changes).toEqual([
      { name: "rcu", before: "call_rcu free_dev(dev[0]) ready", after: "idle" },
      { name: "free_dev.d", before: "-", after: "dev[0]", thread: "rcu_callback/free_dev(dev[0])" },
    ]);
    expect(ref.name(start.next!).threads["rcu_callback/free_dev(dev[0])"]).toBe("t.knot:3:25"); // at `free d`
    const freed = stepThread(ref, start.next!, "rcu_callback/free_dev(dev[0])");
    expect(freed.label).toBe("free d");
    // the procedure returned: the thread rests at the callback's end (the procedure's declaration)
    expect(ref.name(freed.next!)).toMatchObject({ shared: { "dev[0]": "freed" }, threads: { "rcu_callback/free_dev(dev[0])": "t.knot:3:1" } });
    const end = stepThread(ref, freed.next!, "rcu_callback/free_dev(dev[0])");
    expect(end).toMatchObject({ label: "end of free_dev(dev[0])", at: { line: 3, col: 1 }, changes: [] });
    expect(ref.name(end.next!).threads["rcu_callback/free_dev(dev[0])"]).toBe("idle");
  });

  it("a reader that enters after the call_rcu does not hold the callback up (registered before unpublishing: use-after-free)", () => {
    const ref = model("var x: 0..1", "proc f() { x := 1 }", "process p { call_rcu f() }", "process r { rcu_read_lock; rcu_read_unlock }");
    const s = walk(ref, ["p", "r"]);
    expect(ref.name(s).shared.rcu).toBe("read: r; call_rcu f() ready");
    expect(stepThread(ref, s, "rcu_callback/f()").label).toBe("start f()");
    // the remover registers the free while the object is still published: a reader entering later reads it freed
    const bad = publish("call_rcu free_dev(old)", false);
    expect(bad.explore().firstViolation).toMatchObject({ kind: "use-after-free", thread: "reader" });
    const trace = firstCounterexample(bad)!;
    expect(trace.steps.map((x) => x.thread)).toContain("rcu_callback/free_dev(dev[0])");
    expect(bad.replay(trace)).toMatchObject({ ok: true });
    // and so do simulated runs through the callback's start and end
    const sim = bad.simulate({ runs: 300, depth: 30, seed: 3 });
    expect(sim.violations.length).toBeGreaterThan(0);
    for (const v of sim.violations) expect(bad.replay({ ...v.trace, violation: v.violation })).toMatchObject({ ok: true });
  });

  it("the caller inside its own read-side section holds the callback up; only its outermost unlock releases it", () => {
    const ref = model("proc f() { skip }", "process p { rcu_read_lock; rcu_read_lock; call_rcu f(); rcu_read_unlock; rcu_read_unlock }");
    const s = walk(ref, ["p", "p", "p"]);
    expect(ref.name(s).shared.rcu).toBe("read: p ×2; call_rcu f() waits for p");
    expect(ref.successors(s, 1)).toEqual([]);
    const inner = walk(ref, ["p"], s);
    expect(ref.name(inner).shared.rcu).toBe("read: p; call_rcu f() waits for p");
    expect(ref.name(walk(ref, ["p"], inner)).shared.rcu).toBe("call_rcu f() ready");
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("is allowed under a spinlock, inside rcu_read_lock and in atomic, and takes no lock-order edge", () => {
    const ref = model(
      "spinlock s",
      "var x: 0..1",
      "proc f() { skip }",
      "proc g() { skip }",
      "process p { lock s; rcu_read_lock; call_rcu f(); rcu_read_unlock; unlock s; atomic { x := 1; call_rcu g() } }",
    );
    const r = ref.explore();
    expect(r).toMatchObject({ complete: true, violations: [], lockOrder: [] });
    const call = stepThread(ref, walk(ref, ["p", "p"]), "p");
    expect(call).toMatchObject({ label: "call_rcu f()", acquisitions: [] });
  });
});

describe("double registration", () => {
  const text = "var n: 0..3\nproc f() { n := n + 1 }\nprocess p { rcu_read_lock; call_rcu f(); call_rcu f(); rcu_read_unlock }\nfinal once: n == 1";

  it("registering a callback that still waits for its grace period is double-free", () => {
    const ref = inlineModel(text);
    const s = walk(ref, ["p", "p"]);
    expect(stepThread(ref, s, "p").violation).toMatchObject({
      kind: "double-free",
      message: "p calls call_rcu f() while that callback still waits for its grace period (the kernel's __call_rcu(): Double-freed CB)",
      statement: "call_rcu f()",
      at: { line: 3, col: 42 },
    });
    // ready but not started is still registered
    const ready = model("proc f() { skip }", "process p { call_rcu f(); call_rcu f() }");
    expect(ready.explore().firstViolation).toMatchObject({ kind: "double-free", thread: "p" });
  });

  it("with the check off the second registration does nothing: the callback runs once", () => {
    const ref = inlineModel(text, ["double-free"]);
    const s = walk(ref, ["p", "p"]);
    const again = stepThread(ref, s, "p");
    expect(again.changes).toEqual([]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("is per domain entry and argument: another value or another entry is another callback", () => {
    const ref = model(
      "srcu ss[0..1]",
      "proc f(i: 0..1) { skip }",
      "process p { srcu_read_lock ss[0]; call_srcu ss[0] f(0); call_srcu ss[0] f(1); call_srcu ss[1] f(0); srcu_read_unlock ss[0] }",
    );
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
    const srcu = model("srcu ss[0..1]", "proc f(i: 0..1) { skip }", "process p { srcu_read_lock ss[1]; call_srcu ss[1] f(1); call_srcu ss[1] f(1); srcu_read_unlock ss[1] }");
    expect(srcu.explore().firstViolation).toMatchObject({
      kind: "double-free",
      message: "p calls call_srcu ss[1] f(1) while that callback still waits for its grace period (the kernel's call_srcu(): Leaked duplicate callback)",
    });
  });
});

describe("the callback, in atomic context", () => {
  it("every sleeping point in it is sleep-in-atomic (RCU callback context)", () => {
    const sleeps = (body: string, decls: string[] = []) => model(...decls, `proc f() { ${body} }`, "process p { call_rcu f() }").explore().firstViolation;
    expect(sleeps("might_sleep()")).toMatchObject({ kind: "sleep-in-atomic", message: "rcu_callback/f() calls might_sleep() in RCU callback context", thread: "rcu_callback/f()" });
    expect(sleeps("lock m; unlock m", ["mutex m"])).toMatchObject({ kind: "sleep-in-atomic", message: "rcu_callback/f() takes mutex m, which may sleep, in RCU callback context" });
    expect(sleeps("synchronize_rcu")).toMatchObject({ kind: "sleep-in-atomic", message: "rcu_callback/f() calls synchronize_rcu(), which sleeps, in RCU callback context" });
    expect(sleeps("wait_for_completion c", ["completion c"])).toMatchObject({ kind: "sleep-in-atomic" });
    expect(sleeps("flush_work w", ["workqueue events", "work w on events runs g()", "proc g() { skip }"])).toMatchObject({
      kind: "sleep-in-atomic", message: "rcu_callback/f() calls flush_work(w), which sleeps, in RCU callback context",
    });
    // a spinlock does not sleep: allowed
    expect(sleeps("lock s; unlock s", ["spinlock s"])).toBeUndefined();
  });

  it("an SRCU callback runs with bottom halves disabled: SRCU callback context", () => {
    const ref = model("srcu d", "mutex m", "proc f() { lock m; unlock m }", "process p { call_srcu d f() }");
    expect(ref.threadNames).toEqual(["p", "srcu_callback/d/f()"]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "sleep-in-atomic", message: "srcu_callback/d/f() takes mutex m, which may sleep, in SRCU callback context" });
  });

  it("a callback thread blocked inside its callback is a blocked thread like any other (nothing waits for a callback)", () => {
    const ref = model("spinlock s", "var done: bool", "proc f() { lock s; unlock s }", "process p { lock s; call_rcu f(); await done; unlock s }");
    expect(ref.explore().firstViolation).toMatchObject({
      kind: "stuck",
      message: "no thread can move: p waits until done; rcu_callback/f() waits for s (held by p)",
    });
  });
});

describe("call_srcu on a domain array entry", () => {
  it("waits for the readers of that entry only, and shows with it", () => {
    const ref = model(
      "srcu ss[0..1]",
      "var x: 0..1",
      "proc f(i: 0..1) { x := i }",
      "process r[i in 0..1] { srcu_read_lock ss[i]; srcu_read_unlock ss[i] }",
      "process u { call_srcu ss[1] f(1) }",
    );
    expect(ref.threadNames).toEqual(["r[0]", "r[1]", "u", "srcu_callback/ss[0]/f(0)", "srcu_callback/ss[0]/f(1)", "srcu_callback/ss[1]/f(0)", "srcu_callback/ss[1]/f(1)"]);
    const s = walk(ref, ["r[0]", "r[1]", "u"]);
    expect(ref.name(s).shared).toMatchObject({ "ss[0]": "read: r[0]", "ss[1]": "read: r[1]; call_srcu f(1) waits for r[1]" });
    expect(ref.successors(s, 6)).toEqual([]);
    // r[0] leaving ss[0] does not release it; r[1] leaving ss[1] does
    const s1 = walk(ref, ["r[0]"], s);
    expect(ref.name(s1).shared["ss[1]"]).toBe("read: r[1]; call_srcu f(1) waits for r[1]");
    const s2 = walk(ref, ["r[1]"], s1);
    expect(ref.name(s2).shared["ss[1]"]).toBe("call_srcu f(1) ready");
    expect(stepThread(ref, s2, "srcu_callback/ss[1]/f(1)").changes).toEqual([
      { name: "ss[1]", before: "call_srcu f(1) ready", after: "idle" },
      { name: "f.i", before: "-", after: "1", thread: "srcu_callback/ss[1]/f(1)" },
    ]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("an entry index out of range is out-of-range before the argument is evaluated", () => {
    const ref = model("srcu ss[0..1]", "var k: 0..2 = 2", "proc f(i: 0..1) { skip }", "process u { call_srcu ss[k] f(5 / 0) }");
    expect(ref.explore().firstViolation).toMatchObject({ kind: "out-of-range", message: "index of ss: 2 is outside 0..1" });
  });
});

describe("parameters", () => {
  it("a callback with no parameter", () => {
    const ref = model("var done: bool", "proc free_all() { done := true }", "process p { call_rcu free_all() }", "final ran: done");
    expect(ref.threadNames).toEqual(["p", "rcu_callback/free_all()"]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("a bool parameter: the argument's value picks the callback", () => {
    const ref = model("var seen: [bool] bool", "proc f(b: bool) { seen[b] := true }", "process p { var v: bool = true; call_rcu f(v) }", "final only_true: seen == [false: false, true: true]");
    expect(ref.threadNames).toEqual(["p", "rcu_callback/f(false)", "rcu_callback/f(true)"]);
    const s = walk(ref, ["p"]);
    expect(ref.name(s).shared.rcu).toBe("call_rcu f(true) ready");
    expect(ref.successors(s, 1)).toEqual([]);
    expect(ref.successors(s, 2).map((t) => t.label)).toEqual(["start f(true)"]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("an integer parameter: one callback per value; a value outside the type is out-of-range, as for a call", () => {
    const ref = model("var sum: 0..7", "proc f(n: 1..3) { sum := sum + n }", "process p { call_rcu f(1); call_rcu f(3) }", "final both: sum == 4");
    expect(ref.threadNames).toEqual(["p", "rcu_callback/f(1)", "rcu_callback/f(2)", "rcu_callback/f(3)"]);
    expect(ref.name(walk(ref, ["p", "p"])).shared.rcu).toBe("call_rcu f(1) ready; call_rcu f(3) ready");
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
    const out = model("var k: 0..3", "proc f(n: 1..3) { skip }", "process p { call_rcu f(k) }");
    expect(out.explore().firstViolation).toMatchObject({ kind: "out-of-range", message: "arguments of f would become 0, outside its type 1..3", thread: "p" });
  });
});

describe("the callback's end", () => {
  it("ending holding a lock or inside a read-side section is exit-holding-lock; with the check off it keeps them", () => {
    const text = "spinlock s\nproc f() { lock s }\nprocess p { call_rcu f() }";
    const ref = inlineModel(text);
    const s = walk(ref, ["p", "rcu_callback/f()", "rcu_callback/f()"]);
    expect(ref.name(s).threads["rcu_callback/f()"]).toBe("t.knot:2:1");
    expect(stepThread(ref, s, "rcu_callback/f()").violation).toMatchObject({
      kind: "exit-holding-lock", message: "rcu_callback/f() finishes callback f() while holding s", statement: "end of f()", at: { line: 2, col: 1 },
    });
    const off = inlineModel(text, ["exit-holding-lock"]);
    const ended = walk(off, ["p", "rcu_callback/f()", "rcu_callback/f()", "rcu_callback/f()"]);
    expect(off.name(ended)).toMatchObject({ shared: { s: "rcu_callback/f()" }, threads: { "rcu_callback/f()": "idle" } });
    const reader = model("proc f() { rcu_read_lock }", "process p { call_rcu f() }");
    expect(reader.explore().firstViolation).toMatchObject({ kind: "exit-holding-lock", message: "rcu_callback/f() finishes callback f() inside a read-side section of rcu" });
  });

  it("a step that returns through local work only executes the end too, as a worker's", () => {
    // the start step rests at the `either` (a choice); the branch `skip` returns: that step is the end
    const ref = model("var x: 0..1", "proc f() { either { x := 1 } or { skip } }", "process p { call_rcu f() }");
    const s = walk(ref, ["p", "rcu_callback/f()"]);
    expect(ref.name(s).threads["rcu_callback/f()"]).toBe("t.knot:2:12");
    const moves = ref.successors(s, 1);
    expect(moves.map((t) => t.label)).toEqual(["x := 1", "end of f()"]);
    expect(ref.name(moves[1]!.next!).threads["rcu_callback/f()"]).toBe("idle");
  });
});

describe("re-registration", () => {
  it("a callback that registers itself again while it runs (the kernel's re-arming callback)", () => {
    const ref = model("var n: 0..3", "proc f() { n := n + 1; if n < 2 { call_rcu f() } }", "process p { call_rcu f() }", "final twice: n == 2");
    // p registers; the start; `n := n + 1`; `if n < 2`; `call_rcu f()`
    const s = walk(ref, ["p", "rcu_callback/f()", "rcu_callback/f()", "rcu_callback/f()", "rcu_callback/f()"]);
    // registered again while its thread still rests at the end of the first run
    expect(ref.name(s)).toMatchObject({ shared: { n: "1", rcu: "call_rcu f() ready" }, threads: { "rcu_callback/f()": "t.knot:2:1" } });
    expect(ref.successors(s, 1).map((t) => t.label)).toEqual(["end of f()"]);
    const idle = walk(ref, ["rcu_callback/f()"], s);
    expect(ref.successors(idle, 1).map((t) => t.label)).toEqual(["start f()"]);
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });
});

describe("finishing and state counts", () => {
  it("an idle callback thread counts as finished, but not while its callback is ready", () => {
    const ref = model("var x: 0..1", "proc f() { x := 1 }", "process p { call_rcu f() }", "final ran: x == 1");
    const s = walk(ref, ["p"]);
    expect(ref.statuses(s).map((x) => [x.name, x.finished, x.canMove])).toEqual([["p", true, false], ["rcu_callback/f()", false, true]]);
    expect(ref.stateViolations(s)).toEqual([]);
    expect(ref.statuses(ref.initial()).map((x) => x.finished)).toEqual([false, true]);
    // held up by a reader that finished inside its section (check off): it can never start, and counts as finished
    const held = inlineModel("var x: 0..1\nproc f() { x := 1 }\nprocess p { rcu_read_lock; call_rcu f() }\nfinal ran: x == 1", ["exit-holding-lock"]);
    expect(held.explore().firstViolation).toMatchObject({ kind: "final", property: "ran" });
  });

  it("counts a tiny model's states as worked out by hand", () => {
    // Threads r, p and the callback c. r: r0 before rcu_read_lock, r1 inside, r2 finished; p: p0
    // before call_rcu, p1 finished; c: idle unregistered (I), waiting for r (W), ready (R),
    // running at `x := 1` (X), resting at its end (E), idle again with x = 1 (D).
    // While p0: (r0|r1|r2, p0, I)                        3 states, 2 steps of r + 3 of p
    // p registers with r outside (r0, r2): c is R; with r inside (r1): W, which r's unlock makes R:
    //   (r0|r1|r2, p1, R|X|E|D)                         12 states, 2 * 4 steps of r + 3 * 3 of c
    //   (r1, p1, W)                                      1 state, 1 step of r (c cannot start)
    // 16 states, 5 + 17 + 1 = 23 transitions; the longest run is 2 + 1 + 3 = 6 steps.
    const ref = model("var x: 0..1", "proc f() { x := 1 }", "process r { rcu_read_lock; rcu_read_unlock }", "process p { call_rcu f() }");
    expect(ref.explore()).toMatchObject({ states: 16, transitions: 23, depth: 6, complete: true, violations: [] });
  });
});
