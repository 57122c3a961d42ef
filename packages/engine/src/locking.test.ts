// The locking family in the engines: trylock outcomes, no lock-order edge into a
// trylocked lock (but edges out of it), no sleep for a trylock under a spinlock,
// and a nested read trylock reported. Every case runs in both engines.
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import type { SearchOptions } from "./explore.js";
import { runBothEngines } from "./test-pipeline.js";

const cacheDir = testDir("knot-locking-cache-");

function run(source: string, options: SearchOptions = {}) {
  return runBothEngines(source, cacheDir, options);
}

describe("trylock", () => {
  it("takes a free lock and fails on a held one, in every kind and mode", () => {
    const finals = Array.from({ length: 8 }, (_, k) => `final never_${k}: not (${k} in seen)`);
    const r = run([
      "mutex m", "spinlock s", "rwsem r", "var seen: set<0..7>",
      "process holder { lock m; unlock m; lock s; unlock s; down_read r; up_read r }",
      "process tryer {",
      "  if mutex_trylock(m) { seen := seen + {0}; unlock m } else { seen := seen + {1} }",
      "  if spin_trylock(s) { seen := seen + {2}; unlock s } else { seen := seen + {3} }",
      "  if down_write_trylock(r) { seen := seen + {4}; up_write r } else { seen := seen + {5} }",
      "  if down_read_trylock(r) { seen := seen + {6}; up_read r } else { seen := seen + {7} }",
      "}",
      ...finals,
    ].join("\n"));
    // each outcome happens in some interleaving but a failed read trylock: the holder only ever reads r
    expect(r.violations.map((v) => v.replace(/^final: final property (never_\d).*/, "$1"))).toEqual(["never_0", "never_1", "never_2", "never_3", "never_4", "never_5", "never_6"]);
  });

  it("adds no lock-order edge into the lock it took, so lock-then-trylock in both orders is clean", () => {
    const r = run("mutex a\nmutex b\nprocess p { lock a; if mutex_trylock(b) { unlock b }; unlock a }\nprocess q { lock b; if mutex_trylock(a) { unlock a }; unlock b }\n");
    expect(r).toMatchObject({ violations: [], warnings: [] });
    const plain = run("mutex a\nmutex b\nprocess p { lock a; lock b; unlock b; unlock a }\nprocess q { lock b; lock a; unlock a; unlock b }\n");
    expect(plain.warnings).toEqual(["a -> b"]);
  });

  it("records edges out of a trylocked lock into the locks taken under it", () => {
    const r = run("mutex t\nmutex b\nvar go: bool\nprocess p { if mutex_trylock(t) { lock b; unlock b; unlock t; go := true } }\nprocess q { await go; lock b; lock t; unlock t; unlock b }\n");
    expect(r.warnings).toEqual(["t -> b"]);
  });

  it("never sleeps: a mutex trylock under a spinlock is no sleep-in-atomic, a lock is", () => {
    expect(run("mutex m\nspinlock s\nprocess p { lock s; if mutex_trylock(m) { unlock m }; unlock s }\n").violations).toEqual([]);
    expect(run("mutex m\nspinlock s\nprocess p { lock s; lock m; unlock m; unlock s }\n").violations).toEqual(["sleep-in-atomic: p takes mutex m, which may sleep, while holding spinlock s"]);
  });

  it("spins in while not ...: clean when the lock is freed; a lock never freed is a livelock, not a stuck state (the spinner keeps moving)", () => {
    expect(run("spinlock s\nprocess a { lock s; unlock s }\nprocess b { while not spin_trylock(s) { skip }; unlock s }\n").violations).toEqual([]);
    const r = run("spinlock s\nprocess a { lock s }\nprocess b { while not spin_trylock(s) { skip }; unlock s }\n", { disabled: new Set(["exit-holding-lock"]) });
    expect(r.violations).toEqual([]);
  });

  it("a read trylock of an rwsem the thread already reads is recursive-locking (knot keeps one read hold per thread)", () => {
    const r = run("rwsem r\nprocess p { down_read r; if down_read_trylock(r) { up_read r }; up_read r }\n");
    expect(r.violations).toEqual(["recursive-locking: p tries r for reading while it already holds it for reading (knot counts the threads that read an rwsem, not how deeply each does)"]);
    // switched off, the statement cannot run: the thread is stuck there
    const off = run("rwsem r\nprocess p { down_read r; if down_read_trylock(r) { up_read r }; up_read r }\n", { disabled: new Set(["recursive-locking"]) });
    expect(off.violations.map((v) => v.split(":")[0])).toEqual(["stuck"]);
  });
});

describe("dec_and_lock", () => {
  it("takes the lock only with the last reference, in the same step, and waits for it", () => {
    const r = run("mutex m\nrefcount r = 2\nvar last: 0..2\nvar held_by_nonlast: bool\nprocess a { if dec_and_lock(r, m) { last := 1; unlock m } else { if held(m) { held_by_nonlast := true } } }\nprocess b { if dec_and_lock(r, m) { last := 2; unlock m } }\nfinal one_last: last != 0 and not held_by_nonlast\n");
    expect(r.violations).toEqual([]);
    // the last put waits while another thread holds the lock: a deadlock when that thread waits for it
    const dead = run("mutex m\nrefcount r = 1\nvar done: bool\nprocess a { lock m; await done; unlock m }\nprocess b { if dec_and_lock(r, m) { unlock m }; done := true }\n");
    expect(dead.violations.map((v) => v.split(":")[0])).toEqual(["stuck"]);
  });

  it("records the lock-order edge of its lock, and a mutex under a spinlock is sleep-in-atomic", () => {
    const r = run("mutex m\nmutex n\nrefcount r = 1\nvar go: bool\nprocess a { lock n; if dec_and_lock(r, m) { unlock m }; unlock n; go := true }\nprocess b { await go; lock m; lock n; unlock n; unlock m }\n");
    expect(r.warnings).toEqual(["m -> n"]);
    const s = run("mutex m\nspinlock s\nrefcount r = 1\nprocess a { lock s; if dec_and_lock(r, m) { unlock m }; unlock s }\n");
    expect(s.violations).toEqual(["sleep-in-atomic: a takes mutex m, which may sleep, while holding spinlock s"]);
  });
});

describe("might_sleep", () => {
  it("is sleep-in-atomic under a spinlock, nothing otherwise, and off with the check", () => {
    const model = "spinlock s\nmutex m\nprocess p { lock m; might_sleep(); unlock m; lock s; might_sleep(); unlock s }\n";
    expect(run(model).violations).toEqual(["sleep-in-atomic: p calls might_sleep() while holding spinlock s"]);
    expect(run(model, { disabled: new Set(["sleep-in-atomic"]) }).violations).toEqual([]);
    expect(run("process p { might_sleep() }\n").violations).toEqual([]);
  });
});

describe("rwsem: readers queue behind a waiting writer", () => {
  it("a read/read ABBA through a waiting writer is a lock-cycle that names the queue", () => {
    const r = run("rwsem r\nmutex m\nprocess a { down_read r; lock m; unlock m; up_read r }\nprocess b { lock m; down_read r; up_read r; unlock m }\nprocess w { down_write r; up_write r }\n");
    expect(r.violations).toEqual(["lock-cycle: a waits for m, held by b; b waits for r behind the waiting writer w; w waits for r, held by a"]);
  });

  it("without a writer the same readers are clean: a waiting writer is what blocks them", () => {
    const r = run("rwsem r\nmutex m\nprocess a { down_read r; lock m; unlock m; up_read r }\nprocess b { lock m; down_read r; up_read r; unlock m }\n");
    expect(r.violations).toEqual([]);
  });

  it("both trylocks fail while a writer waits (RWSEM_FLAG_WAITERS)", () => {
    const tries = run("rwsem r\nvar got_read: bool\nvar got_write: bool\nprocess a { down_read r; await got_read or got_write; up_read r }\nprocess w { down_write r; up_write r }\nprocess t { if down_read_trylock(r) { got_read := true; up_read r }; if down_write_trylock(r) { got_write := true; up_write r } }\n", { disabled: new Set(["stuck"]) });
    expect(tries.violations).toEqual([]);
    // with w queued behind a's read, t's read trylock fails: nothing lets a go, the three are stuck
    const stuck = run("rwsem r\nvar got_read: bool\nvar queued: bool\nprocess a { down_read r; await got_read; up_read r }\nprocess w { down_write r; up_write r }\nprocess t { await locked(r); if down_read_trylock(r) { got_read := true; up_read r } }\n");
    expect(stuck.violations).toContain("stuck: no thread can move: a waits until got_read; w waits for r (held by a)");
  });

  it("an upgrade (down_write while reading) does not queue: it is recursive-locking at once", () => {
    const r = run("rwsem r\nprocess p { down_read r; down_write r; up_write r; up_read r }\nprocess q { down_read r; up_read r }\n");
    expect(r.violations).toEqual(["recursive-locking: p waits for r, which it already holds"]);
  });
});
