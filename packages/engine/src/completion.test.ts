// Completions in the engines: complete releases one waiter, complete_all every
// one, reinit resets, the count's bound, sleep-in-atomic at the call, atomic-blocked,
// and stuck reports that say who could still complete. Every case runs in both
// engines, which must agree.
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import type { SearchOptions } from "./explore.js";
import { runBothEngines } from "./test-pipeline.js";

const cacheDir = testDir("knot-completion-cache-");

function run(source: string, options: SearchOptions = {}) {
  return runBothEngines(source, cacheDir, options);
}

const WAITERS = "type W = 0..1\ncompletion c\nvar through: set<W>\nprocess waiter[w in W] { wait_for_completion c; through := through + {w} }\n";

describe("completion", () => {
  it("complete releases exactly one waiter: the other is stuck, and nobody is left to complete", () => {
    const r = run(WAITERS + "process signaller { complete c }\nfinal one: through != {}");
    expect(r.violations).toEqual([
      "stuck: no thread can move: waiter[0] waits for completion c (no thread left that can complete it)",
      "stuck: no thread can move: waiter[1] waits for completion c (no thread left that can complete it)",
    ]);
  });

  it("two completes release both; complete_all releases both, and later waits too", () => {
    expect(run(WAITERS + "process signaller { complete c; complete c }\nfinal both: through == W").violations).toEqual([]);
    expect(run(WAITERS + "process signaller { complete_all c }\nprocess late { wait_for_completion c; wait_for_completion c }\nfinal both: through == W").violations).toEqual([]);
  });

  it("reinit_completion forgets pending completes", () => {
    const r = run("completion c\nprocess p { complete c; reinit_completion c; assert not completion_done(c); wait_for_completion c }");
    expect(r.violations).toEqual(["stuck: no thread can move: p waits for completion c (no thread left that can complete it)"]);
  });

  it("names the threads that can still reach a complete, from where they are", () => {
    const r = run("mutex m\ncompletion c\nvar x: bool\nprocess a { lock m; wait_for_completion c; unlock m }\nprocess b { lock m; x := true; unlock m; complete c }\nprocess d { await x and not x; complete c }");
    expect(r.violations.filter((v) => v.includes("waits for completion"))).toEqual([
      "stuck: no thread can move: a waits for completion c (only b or d can still complete it); b waits for m (held by a); d waits until x and not x",
    ]);
  });

  it("counts at most 14 pending completes", () => {
    const r = run("completion c\nvar n: 0..15\nprocess p { while n < 15 { complete c; n := n + 1 } }");
    expect(r.violations).toEqual(["out-of-range: complete c would count more than 14 pending completions (knot's bound)"]);
  });

  it("sleeps in wait_for_completion under a spinlock, even when it would not wait", () => {
    const r = run("spinlock s\ncompletion c\nprocess p { complete c; lock s; wait_for_completion c; unlock s }");
    expect(r.violations).toEqual(["sleep-in-atomic: p calls wait_for_completion(c), which may sleep, while holding spinlock s"]);
  });

  it("must not wait inside atomic after the block's first statement", () => {
    const r = run("completion c\nvar x: bool\nprocess p { atomic { x := true; wait_for_completion c } }\nprocess q { complete c }");
    expect(r.violations).toEqual(["atomic-blocked: wait_for_completion c would block inside an atomic block (only its first statement may block)"]);
  });

  it("entries of an array are separate completions", () => {
    const r = run("type V = 0..1\ncompletion ready[V]\nprocess v[i in V] { complete ready[i]; wait_for_completion ready[1 - i] }");
    expect(r.violations).toEqual([]);
  });
});

describe("await", () => {
  it("says what a labelled await waits for, and an unlabelled one's locals", () => {
    const r = run("type V = 1..2\nvar go: [V] bool\nprocess v[i in V] { var n: 0..3 = 2; await go[i] and n > 1 }\nprocess h { var ready: bool; await ready : \"the VM is ready\" }");
    expect(r.violations).toEqual(["stuck: no thread can move: v[1] waits until go[i] and n > 1 (i = 1, n = 2); v[2] waits until go[i] and n > 1 (i = 2, n = 2); h waits for the VM is ready"]);
  });
});

describe("try_wait_for_completion", () => {
  it("takes a pending complete if there is one and never waits; complete_all's stays", () => {
    const r = run([
      "completion c", "completion d", "var got: 0..3",
      "process p {",
      "  if try_wait_for_completion(c) { got := 1 }",
      "  var again: bool = try_wait_for_completion(d)",
      "  while not try_wait_for_completion(d) { skip }",
      "  assert again or got == 1 or got == 0",
      "}",
      "process q { complete c; complete_all d }",
    ].join("\n"));
    expect(r.violations).toEqual([]);
  });

  it("under a spinlock is no sleep, and a failed one leaves the count", () => {
    const r = run("spinlock s\ncompletion c\nprocess p { lock s; if not try_wait_for_completion(c) { complete c }; unlock s; wait_for_completion c; assert not completion_done(c) }");
    expect(r.violations).toEqual([]);
  });
});
