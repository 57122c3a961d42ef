// SRCU and RCU in the engines: a grace period waits for the readers inside when it
// starts and not for later ones; nesting; the self-deadlock; RCU read sides are
// atomic context; the wait-for cycle through a grace period at its first state;
// lock-order edges into a domain only from synchronize; finishing inside a section.
// Every case runs in both engines, which must agree.
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import type { SearchOptions } from "./explore.js";
import { runBothEngines } from "./test-pipeline.js";

const cacheDir = testDir("knot-srcu-cache-");

function run(source: string, options: SearchOptions = {}) {
  return runBothEngines(source, cacheDir, options);
}

describe("grace periods", () => {
  it("wait for the readers inside when they start, not for readers that enter later", () => {
    // r2 can enter after the grace period started (held up by r1 only) and still be inside
    // when it ends; under "no readers at all" the updater could never finish with r2 inside
    const r = run([
      "srcu ss", "var go: bool", "var inside2: bool", "var done: bool",
      "process r1 { srcu_read_lock ss; await go; srcu_read_unlock ss }",
      "process r2 { srcu_read_lock ss; inside2 := true; await done; srcu_read_unlock ss }",
      "process u { synchronize_srcu ss; done := true }",
      "process g { go := true }",
      "invariant later_reader_not_waited_for: not (done and inside2)",
    ].join("\n"), { disabled: new Set(["stuck"]) });
    expect(r.violations).toEqual(["invariant: invariant later_reader_not_waited_for does not hold"]);
  });

  it("a reader inside when the grace period starts holds it up: a reader waiting for the updater deadlocks", () => {
    const r = run("srcu ss\nvar done: bool\nprocess reader { srcu_read_lock ss; await done; srcu_read_unlock ss }\nprocess updater { synchronize_srcu ss; done := true }");
    expect(r.violations).toEqual(["stuck: no thread can move: reader waits until done; updater waits for an SRCU grace period of ss (held up by reader)"]);
  });

  it("nest: the outermost unlock ends the section; a fourth level is out of range", () => {
    expect(run("srcu ss\nprocess r { srcu_read_lock ss; srcu_read_lock ss; srcu_read_unlock ss; srcu_read_unlock ss }\nprocess u { synchronize_srcu ss }").violations).toEqual([]);
    expect(run("srcu ss\nprocess r { srcu_read_lock ss; srcu_read_lock ss; srcu_read_lock ss; srcu_read_lock ss }", { disabled: new Set(["exit-holding-lock"]) }).violations)
      .toEqual(["out-of-range: srcu_read_lock ss nests read-side sections deeper than 3 (knot's bound)"]);
  });

  it("inside the caller's own section is recursive-locking, at the statement", () => {
    expect(run("srcu ss\nprocess p { srcu_read_lock ss; synchronize_srcu ss; srcu_read_unlock ss }").violations)
      .toEqual(["recursive-locking: p calls synchronize_srcu(ss) inside its own read-side section of ss: the grace period waits for p itself"]);
  });

  it("domains of an array are separate: a section of one does not hold up another's grace period", () => {
    expect(run("type D = 0..1\nsrcu dom[D]\nprocess p { srcu_read_lock dom[0]; synchronize_srcu dom[1]; srcu_read_unlock dom[0] }\nprocess q { srcu_read_lock dom[1]; srcu_read_unlock dom[1] }").violations).toEqual([]);
  });

  it("a grace period held up by a reader that waits for the updater's lock is a lock-cycle at once, while others still move", () => {
    const r = run([
      "mutex config_lock", "srcu ss", "var ticks: 0..3",
      "process updater { lock config_lock; synchronize_srcu ss; unlock config_lock }",
      "process reader { srcu_read_lock ss; lock config_lock; unlock config_lock; srcu_read_unlock ss }",
      "process timer { while ticks < 3 { ticks := ticks + 1 } }",
    ].join("\n"));
    expect(r.violations.filter((v) => v.startsWith("lock-cycle"))).toEqual([
      "lock-cycle: updater waits for an SRCU grace period of ss, held up by reader's read-side section entered at model.knot:5:18; reader waits for config_lock, held by updater",
    ]);
    expect(r.warnings).toEqual(["config_lock -> ss"]);
  });
});

describe("RCU", () => {
  it("a read-side section is atomic context: sleeping in it is sleep-in-atomic", () => {
    const r = run("mutex m\ncompletion c\nprocess a { rcu_read_lock; lock m; unlock m; rcu_read_unlock }\nprocess b { rcu_read_lock; might_sleep(); rcu_read_unlock }\nprocess d { rcu_read_lock; synchronize_rcu; rcu_read_unlock }\nprocess e { complete c; rcu_read_lock; wait_for_completion c; rcu_read_unlock }");
    expect(r.violations).toEqual([
      "sleep-in-atomic: a takes mutex m, which may sleep, inside an RCU read-side critical section",
      "sleep-in-atomic: b calls might_sleep() inside an RCU read-side critical section",
      "sleep-in-atomic: d calls synchronize_rcu(), which sleeps, inside an RCU read-side critical section",
      "sleep-in-atomic: e calls wait_for_completion(c), which may sleep, inside an RCU read-side critical section",
    ]);
  });

  it("SRCU read sides may sleep", () => {
    expect(run("mutex m\nsrcu ss\nprocess a { srcu_read_lock ss; lock m; unlock m; srcu_read_unlock ss }").violations).toEqual([]);
  });

  it("synchronize_rcu under a spinlock sleeps, and starts no grace period", () => {
    const r = run("spinlock s\nvar x: bool\nprocess r { rcu_read_lock; x := true; rcu_read_unlock }\nprocess u { lock s; synchronize_rcu; unlock s }");
    expect(r.violations).toEqual(["sleep-in-atomic: u calls synchronize_rcu(), which sleeps, while holding spinlock s"]);
  });
});

describe("misuse", () => {
  it("unlocking a section one is not inside is unlock-not-held; finishing inside one is exit-holding-lock", () => {
    expect(run("srcu ss\nprocess p { srcu_read_unlock ss }").violations).toEqual(["unlock-not-held: p does srcu_read_unlock ss, but it is not inside a read-side section of ss"]);
    expect(run("mutex m\nprocess p { lock m; rcu_read_lock }").violations).toEqual(["exit-holding-lock: p finishes while holding m and inside a read-side section of rcu"]);
  });
});
