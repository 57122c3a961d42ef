// Workqueues in the compiled engine: queue_work, the workers' start and end, flush_work,
// cancel_work_sync and flush_workqueue (language.md, "workqueues") must explore the same
// states and transitions, with the same violations (kind, message, trace) and lock-order
// warnings, as the IR interpreter (interpret-workqueue.ts). Each model runs with and
// without --all, with the checks on and with the ones these ops consult switched off, and in
// both shapes of generated code (per thread, and per process shared by a workqueue's workers).
import { describe, expect, it } from "vitest";
import type { ViolationKind } from "@knot/ir";
import { testDir } from "../../../tests/support/temp-dir.js";
import { type Summary, agree as agreeIn } from "./test-agree.js";
import { lower } from "./test-pipeline.js";

const cacheDir = testDir("knot-workqueue-cache-");
const agree = (m: Parameters<typeof agreeIn>[0], options?: Parameters<typeof agreeIn>[2]) => agreeIn(m, cacheDir, options);

/** Every combination this file checks: first violation and --all, checks on and off. */
function run(source: string): { first: Summary; all: Summary; off: Summary } {
  const m = lower(source);
  const first = agree(m);
  const all = agree(m, { all: true });
  const off = agree(m, { all: true, disabled: new Set<ViolationKind>(["recursive-locking", "sleep-in-atomic", "exit-holding-lock", "lock-cycle"]) });
  agree(m, { all: true, disabled: new Set<ViolationKind>(["lock-order", "stuck"]) });
  return { first, all, off };
}

const kinds = (s: Summary) => [...new Set(s.violations.map((v) => v.kind))].sort();

describe("workqueues: compiled code agrees with the interpreter", () => {
  it("queue_work as a statement and as a condition, flush_work, cancel_work_sync, flush_workqueue (the documented example)", () => {
    const r = run(`
type Irqfd = 0..1
mutex kvm_lock
refcount users = 1
workqueue kvm_cleanup_wq { max_active: 1 }
work shutdown_work[i in Irqfd] on kvm_cleanup_wq runs irqfd_shutdown(i)
var work: bool
proc irqfd_shutdown(i: Irqfd) {
  lock kvm_lock
  unlock kvm_lock
}
process p {
  queue_work shutdown_work[0]
  if queue_work(shutdown_work[1]) { get users }
  lock kvm_lock
  flush_work shutdown_work[0]
  unlock kvm_lock
  if cancel_work_sync(shutdown_work[1]) { put users }
  flush_workqueue kvm_cleanup_wq
  work := true
}
`);
    expect(r.all.states).toBeGreaterThan(10);
    expect(kinds(r.all)).toContain("lock-cycle");
    expect(r.all.warnings.length).toBeGreaterThan(0);
  });

  it("an ordered workqueue with a work array: works run one at a time, in queueing order", () => {
    const r = run(`
type W = 0..2
workqueue ordered_wq { max_active: 1 }
work w[i in W] on ordered_wq runs f(i)
var ran: set<W> = {}
var last: 0..3 = 0
proc f(i: W) {
  ran := ran + {i}
  last := i + 1
}
process p {
  queue_work w[2]
  queue_work w[0]
  queue_work w[1]
  flush_workqueue ordered_wq
  assert ran == {0, 1, 2}
}
process q {
  queue_work w[0]
  flush_work w[0]
}
final all_ran: ran == {0, 1, 2}
`);
    expect(r.all.violations).toEqual([]);
    expect(r.all.states).toBeGreaterThan(10);
  });

  it("a workqueue with two workers runs two works at once; a work re-queued while it runs", () => {
    const r = run(`
workqueue events { max_active: 2 }
work a on events runs fa()
work b on events runs fb()
var n: 0..7 = 0
var both: bool
proc fa() {
  n := n + 1
  queue_work a
  n := n - 1
}
proc fb() {
  if n > 0 { both := true }
}
process p {
  queue_work a
  queue_work b
  flush_work a
  flush_work b
  flush_workqueue events
}
`);
    expect(r.all.states).toBeGreaterThan(20);
  });

  it("flush_work under a lock the work takes: a lock-cycle and a lock-order warning", () => {
    const r = run(`
mutex dev_lock
workqueue events
work shutdown_work on events runs shutdown()
proc shutdown() {
  lock dev_lock
  unlock dev_lock
}
process release {
  queue_work shutdown_work
  lock dev_lock
  flush_work shutdown_work
  unlock dev_lock
}
`);
    expect(kinds(r.all)).toContain("lock-cycle");
    expect(r.first.warnings.join("\n")).toContain("(work_completion)(&shutdown_work)");
    expect(r.off.violations.map((v) => v.kind)).not.toContain("lock-cycle");
  });

  it("flush_workqueue and cancel_work_sync under a lock a work takes: a lock-cycle at its first state, while another thread still moves", () => {
    for (const wait of ["flush_workqueue events", "cancel_work_sync shutdown_work"]) {
      const r = run(`
mutex dev_lock
workqueue events
work shutdown_work on events runs shutdown()
var ticks: 0..3
proc shutdown() {
  lock dev_lock
  unlock dev_lock
}
process release {
  queue_work shutdown_work
  lock dev_lock
  ${wait}
  unlock dev_lock
}
process timer { while ticks < 3 { ticks := ticks + 1 } }
`);
      expect(kinds(r.all)).toContain("lock-cycle");
      expect(r.first.violations[0]!.kind).toBe("lock-cycle");
    }
  });

  it("a cancel waiting for another thread's cancel, under a lock the work takes", () => {
    const r = run(`
mutex dev_lock
workqueue events
work w on events runs f()
var go: bool
var ticks: 0..3
proc f() {
  await go
  lock dev_lock
  unlock dev_lock
}
process p {
  queue_work w
  cancel_work_sync w
}
process q {
  lock dev_lock
  go := true
  cancel_work_sync w
  unlock dev_lock
}
process timer { while ticks < 3 { ticks := ticks + 1 } }
`);
    expect(kinds(r.all)).toContain("lock-cycle");
  });

  it("flush of a work from its own function, and flush_workqueue from a worker: recursive-locking", () => {
    const own = run(`
workqueue events
work w on events runs f()
proc f() {
  flush_work w
}
process p {
  queue_work w
}
`);
    expect(kinds(own.all)).toEqual(["recursive-locking"]);
    // with the check off the flush cannot run (not a wait for the lock of the other branch)
    const branch = run(`
mutex m
workqueue events
work w on events runs f()
proc f() {
  either { flush_work w } or { lock m; unlock m }
}
process p {
  lock m
  queue_work w
  unlock m
}
`);
    expect(kinds(branch.all)).toEqual(["recursive-locking"]);
    const wq = run(`
workqueue events
work w on events runs f()
work v on events runs g()
var x: bool
proc f() {
  flush_workqueue events
}
proc g() {
  x := true
}
process p {
  queue_work v
  queue_work w
}
`);
    expect(kinds(wq.all)).toEqual(["recursive-locking"]);
    // an ordered workqueue: a work flushing one queued behind it waits for its own worker
    const behind = run(`
workqueue ordered_wq { max_active: 1 }
work w on ordered_wq runs f()
work v on ordered_wq runs g()
var x: bool
proc f() {
  queue_work v
  flush_work v
}
proc g() {
  x := true
}
process p {
  queue_work w
}
`);
    expect(kinds(behind.all)).toContain("recursive-locking");
  });

  it("cancel_work_sync as a statement and as a condition, with a work that re-queues itself", () => {
    const r = run(`
workqueue events
work poll_work on events runs poll()
refcount users = 1
var stop: bool
var polls: 0..3 = 0
proc poll() {
  if polls < 3 { polls := polls + 1 }
  if not stop { queue_work poll_work }
}
process p {
  if queue_work(poll_work) { get users }
  if cancel_work_sync(poll_work) { put users }
  queue_work poll_work
  stop := true
  cancel_work_sync poll_work
}
process q {
  cancel_work_sync poll_work
}
`);
    expect(r.all.states).toBeGreaterThan(20);
  });

  it("a dynamic index: queue_work w[j] with j chosen by pick or either, flush and cancel of w[j]", () => {
    const r = run(`
type W = 0..2
mutex m
workqueue events { max_active: 2 }
work w[i in W] on events runs f(i)
var hits: 0..7 = 0
proc f(i: W) {
  lock m
  if hits < 7 { hits := hits + 1 }
  unlock m
}
process p {
  pick j in W - {1} {
    queue_work w[j]
    lock m
    flush_work w[j]
    unlock m
  }
}
process q {
  var j: W = 0
  either { j := 1 } or { j := 2 }
  if queue_work(w[j]) { hits := hits }
  if cancel_work_sync(w[j]) { skip }
  flush_work w[j]
}
`);
    expect(kinds(r.all)).toContain("lock-cycle");
    expect(r.all.warnings.length).toBeGreaterThan(0);
  });

  it("a spinlock held around flush_work: sleep-in-atomic; queue_work under it is fine", () => {
    const r = run(`
spinlock sl
workqueue events
work w on events runs f()
var x: bool
proc f() {
  x := true
}
process p {
  lock sl
  queue_work w
  flush_work w
  unlock sl
}
process q {
  lock sl
  cancel_work_sync w
  unlock sl
  flush_workqueue events
}
`);
    expect(kinds(r.all)).toEqual(["sleep-in-atomic"]);
    expect(r.off.violations).toEqual([]);
  });

  it("a work function leaving a lock held: exit-holding-lock at the worker's end", () => {
    const r = run(`
mutex m
workqueue events
work w on events runs f()
proc f() {
  lock m
}
process p {
  queue_work w
  flush_work w
}
`);
    expect(kinds(r.all)).toEqual(["exit-holding-lock"]);
  });

  it("a worker keeping a lock (check off) takes its workqueue's pseudo-lock with it held", () => {
    const m = lower(`
mutex m
workqueue events
work w on events runs f()
work v on events runs g()
proc f() {
  lock m
}
proc g() {
  skip
}
process p {
  queue_work w
  flush_work w
  queue_work v
  lock m
  flush_workqueue events
}
`);
    const r = agree(m, { all: true, disabled: new Set<ViolationKind>(["exit-holding-lock"]) });
    expect(r.states).toBeGreaterThan(5);
  });
});
