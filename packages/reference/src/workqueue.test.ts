// Workqueues (workqueue.ts) against docs/language.md "workqueues": worker
// threads after the processes, queue_work, worker start and end, flush_work
// waiting for the last queueing instance, cancel_work_sync, flush_workqueue,
// the wait-for edges to workers (lock-cycle, recursive-locking, stuck), idle
// workers counting as finished, and the lockdep pseudo-locks.
import { describe, expect, it } from "vitest";
import { ModelError, type RState } from "./index.js";
import { firstCounterexample, inlineModel, repoModel, stepThread } from "./test-models.js";

type Ref = ReturnType<typeof inlineModel>;

const walk = (ref: Ref, path: string[], from?: RState): RState => path.reduce((s, name) => stepThread(ref, s, name).next!, from ?? ref.initial());

const model = (...lines: string[]) => inlineModel(lines.join("\n"));

/** Every reachable state (BFS over all threads' enabled steps). */
function reachable(ref: Ref): RState[] {
  const init = ref.initial();
  const seen = new Map<string, RState>();
  const queue = [init];
  seen.set(JSON.stringify(init), init);
  for (let i = 0; i < queue.length; i++) {
    for (const t of ref.successors(queue[i]!)) {
      if (!t.next) continue;
      const k = JSON.stringify(t.next);
      if (seen.has(k)) continue;
      seen.set(k, t.next);
      queue.push(t.next);
    }
  }
  return queue;
}

describe("worker threads", () => {
  it("come after the processes, in workqueue declaration order, and start idle", () => {
    const ref = model(
      "type Irqfd = 0..1",
      "workqueue kvm_cleanup_wq { max_active: 1 }",
      "workqueue events",
      "work shutdown_work[i in Irqfd] on kvm_cleanup_wq runs irqfd_shutdown(i)",
      "work release_work on events runs vfio_release()",
      "work other_work on events runs vfio_release()",
      "proc irqfd_shutdown(i: Irqfd) { skip }",
      "proc vfio_release() { skip }",
      "process p { queue_work release_work }",
    );
    expect(ref.threadNames).toEqual(["p", "kworker/kvm_cleanup_wq[0]", "kworker/events[0]", "kworker/events[1]"]);
    expect(ref.name(ref.initial())).toEqual({
      shared: { kvm_cleanup_wq: "idle", events: "idle", "shutdown_work[0]": "idle", "shutdown_work[1]": "idle", release_work: "idle", other_work: "idle" },
      threads: { p: "t.knot:9:13", "kworker/kvm_cleanup_wq[0]": "idle", "kworker/events[0]": "idle", "kworker/events[1]": "idle" },
    });
    expect(ref.lockEntryNames()).toEqual([
      "(wq_completion)kvm_cleanup_wq", "(work_completion)(&shutdown_work[0])", "(work_completion)(&shutdown_work[1])",
      "(wq_completion)events", "(work_completion)(&release_work)", "(work_completion)(&other_work)",
    ]);
  });

  it("start runs the function's local work up to its first action, with the work's arguments; end is a step of its own", () => {
    const ref = model(
      "var seen: 0..3",
      "workqueue events",
      "work w[i in 1..2] on events runs f(i)",
      "proc f(i: 1..2) { var j: 0..3 = i + 1; seen := j }",
      "process p { queue_work w[2] }",
    );
    const s1 = walk(ref, ["p"]);
    expect(ref.name(s1).shared.events).toBe("queue: w[2]");
    expect(ref.successors(s1, 2)).toEqual([]); // only the lowest-numbered idle worker starts a work
    const start = stepThread(ref, s1, "kworker/events[0]");
    expect(start).toMatchObject({ label: "start w[2]", at: { line: 3, col: 1 } });
    expect(start.changes).toEqual([
      { name: "events", before: "queue: w[2]", after: "kworker/events[0] runs w[2]" },
      // the frame is new: its locals had no value before (as for a call)
      { name: "f.i", before: "-", after: "2", thread: "kworker/events[0]" },
      { name: "f.j", before: "-", after: "3", thread: "kworker/events[0]" },
    ]);
    expect(ref.name(start.next!).threads["kworker/events[0]"]).toBe("t.knot:4:40"); // at `seen := j`
    const body = stepThread(ref, start.next!, "kworker/events[0]");
    expect(body.label).toBe("seen := j");
    // the function returned: the worker rests at the end of the work (the work declaration), still running it
    expect(ref.name(body.next!)).toMatchObject({ shared: { seen: "3", events: "kworker/events[0] runs w[2]" }, threads: { "kworker/events[0]": "t.knot:3:1" } });
    const end = stepThread(ref, body.next!, "kworker/events[0]");
    expect(end).toMatchObject({ label: "end of w[2]", at: { line: 3, col: 1 } });
    expect(ref.name(end.next!)).toMatchObject({ shared: { events: "idle" }, threads: { "kworker/events[0]": "idle" } });
    expect(ref.explore()).toMatchObject({ states: 5, transitions: 4, complete: true, violations: [] });
  });

  it("the lowest-numbered idle worker starts the first work in the queue that no other worker runs", () => {
    const ref = model(
      "var go: bool",
      "workqueue events",
      "work a on events runs f()",
      "work b on events runs f()",
      "proc f() { await go }",
      "process p { queue_work a; queue_work b }",
    );
    const s = walk(ref, ["p", "p"]);
    expect(ref.successors(s, 1).map((t) => t.label)).toEqual(["start a"]);
    expect(ref.successors(s, 2)).toEqual([]);
    const s1 = walk(ref, ["kworker/events[0]"], s);
    expect(ref.successors(s1, 2).map((t) => t.label)).toEqual(["start b"]);
    expect(ref.name(walk(ref, ["kworker/events[1]"], s1)).shared.events).toBe("kworker/events[0] runs a; kworker/events[1] runs b");
  });

  it("an ordered workqueue runs its works one at a time, in queueing order (FIFO)", () => {
    const ref = model(
      "type Who = {nobody, a, b}",
      "var order: [0..1] Who",
      "var n: 0..2",
      "workqueue q { max_active: 1 }",
      "work wa on q runs note(a)",
      "work wb on q runs note(b)",
      "proc note(x: Who) { order[n] := x; n := n + 1 }",
      "process p { queue_work wb; queue_work wa; flush_workqueue q }",
      "final fifo: order == [0: b, 1: a]",
    );
    expect(ref.threadNames).toEqual(["p", "kworker/q[0]"]);
    const r = ref.explore();
    expect(r).toMatchObject({ complete: true, violations: [] });
    // never two running at once
    for (const s of reachable(ref)) expect(s.workqueues.q!.running).toHaveLength(1);
  });

  it("a running work queued again waits for the running instance (the kernel's non-reentrancy)", () => {
    const ref = model(
      "var go: bool",
      "workqueue events",
      "work w on events runs f()",
      "work other on events runs f()",
      "proc f() { await go }",
      "process p { queue_work w; await false }",
      "process q { queue_work w }",
    );
    const s = walk(ref, ["p", "kworker/events[0]", "q"]);
    expect(ref.name(s).shared.events).toBe("queue: w; kworker/events[0] runs w");
    expect(ref.successors(s, 3)).toEqual([]); // w is running on worker 0: worker 1 cannot start it
  });
});

describe("queue_work", () => {
  it("is false, and does nothing, while the work is pending; true once it has started", () => {
    const ref = model(
      "var r: [0..2] bool",
      "workqueue events",
      "work w on events runs f()",
      "proc f() { skip }",
      "process p { r[0] := queue_work(w); r[1] := queue_work(w); await r[0]; r[2] := queue_work(w) }",
    );
    const s = walk(ref, ["p", "p"]);
    expect(ref.name(s).shared).toMatchObject({ r: "[0: true, 1: false, 2: false]", events: "queue: w" });
    const later = walk(ref, ["kworker/events[0]", "p", "p"], s);
    expect(ref.name(later).shared).toMatchObject({ r: "[0: true, 1: false, 2: true]", events: "queue: w; kworker/events[0] runs w" });
  });

  it("never sleeps: allowed under a spinlock and inside rcu_read_lock", () => {
    const ref = model(
      "spinlock s",
      "workqueue events",
      "work w on events runs f()",
      "proc f() { skip }",
      "process p { lock s; rcu_read_lock; queue_work w; rcu_read_unlock; unlock s }",
    );
    expect(ref.explore()).toMatchObject({ complete: true, violations: [] });
  });
});

describe("flush_work", () => {
  const flushModel = (extra = "") => model(
    "var go: bool",
    "var requeued: bool",
    "var flushed: bool",
    "workqueue events",
    "work w on events runs f()",
    "proc f() { await go; if not requeued { requeued := true; queue_work w } }",
    `process p { queue_work w; flush_work w; flushed := true${extra} }`,
    "process g { go := true }",
  );

  it("waits for the pending instance (state 1), then for its run (state 2), and returns after the worker's end", () => {
    const ref = flushModel();
    const s1 = walk(ref, ["p", "p"]);
    expect(ref.name(s1)).toMatchObject({ shared: { w: "flush of p waits for its pending instance" }, threads: { p: "t.knot:7:27" } });
    // blocked, but with the worker idle it waits for nobody it could deadlock on
    expect(ref.blocked(s1, 0)).toMatchObject({ canMove: false, waits: [{ kind: "work", op: "flush_work", target: "w", heldBy: [], self: false, detail: "pending" }] });
    const s2 = walk(ref, ["kworker/events[0]"], s1);
    expect(ref.name(s2).shared.w).toBe("flush of p waits for its running instance");
    expect(ref.blocked(s2, 0).waits).toMatchObject([{ heldBy: ["kworker/events[0]"], detail: "running on kworker/events[0]" }]);
    const s3 = walk(ref, ["g", "kworker/events[0]", "kworker/events[0]", "kworker/events[0]", "kworker/events[0]", "kworker/events[0]"], s2);
    expect(ref.name(s3).shared).toMatchObject({ w: "flush of p ends", events: "queue: w" });
    const back = stepThread(ref, s3, "p");
    expect(back.label).toBe("flush_work w");
    expect(ref.name(back.next!).shared).toMatchObject({ w: "idle", flushed: "false" });
  });

  it("does not wait for an instance queued after it began (the kernel's last queueing instance)", () => {
    const ref = flushModel();
    // p queues w, the worker starts it, p flushes the running instance, w queues itself again
    const s = walk(ref, ["p", "kworker/events[0]", "p", "g", "kworker/events[0]", "kworker/events[0]", "kworker/events[0]", "kworker/events[0]"]);
    expect(ref.name(s).shared).toMatchObject({ events: "queue: w; kworker/events[0] runs w", w: "flush of p waits for its running instance", requeued: "true" });
    const ended = walk(ref, ["kworker/events[0]"], s);
    expect(ref.name(ended).shared).toMatchObject({ events: "queue: w", w: "flush of p ends" });
    const returned = walk(ref, ["p", "p"], ended);
    expect(ref.name(returned).shared).toMatchObject({ events: "queue: w", w: "idle", flushed: "true" }); // returned with w pending again
  });

  it("run by the work's own function is recursive-locking at the statement", () => {
    const ref = model("workqueue events", "work w on events runs f()", "proc f() { flush_work w }", "process p { queue_work w }");
    expect(ref.explore().firstViolation).toMatchObject({ kind: "recursive-locking", message: "kworker/events[0] calls flush_work(w) from w itself: it waits for the work it is running to finish", at: { line: 3, col: 12 } });
    const cancel = model("workqueue events", "work w on events runs f()", "proc f() { cancel_work_sync w }", "process p { queue_work w }");
    expect(cancel.explore().firstViolation).toMatchObject({ kind: "recursive-locking", message: "kworker/events[0] calls cancel_work_sync(w) from w itself: it waits for the work it is running to finish" });
  });

  it("under a spinlock or inside rcu_read_lock is sleep-in-atomic, even when it would return at once", () => {
    const ref = model("spinlock s", "workqueue events", "work w on events runs f()", "proc f() { skip }", "process p { lock s; flush_work w; unlock s }");
    expect(ref.explore().firstViolation).toMatchObject({ kind: "sleep-in-atomic", message: "p calls flush_work(w), which sleeps, while holding spinlock s" });
    const rcu = model("workqueue events", "work w on events runs f()", "proc f() { skip }", "process p { rcu_read_lock; flush_workqueue events; rcu_read_unlock }");
    expect(rcu.explore().firstViolation).toMatchObject({ kind: "sleep-in-atomic", message: "p calls flush_workqueue(events), which sleeps, inside an RCU read-side critical section" });
  });

  it("inside atomic is a model error (K6030)", () => {
    const ref = model("workqueue events", "work w on events runs f()", "proc f() { skip }", "process p { atomic { flush_work w } }");
    expect(() => ref.explore()).toThrow(ModelError);
  });

  it("under a lock the work takes is a lock-cycle at the first state where it exists", () => {
    const ref = model(
      "mutex dev_lock",
      "workqueue events",
      "work shutdown_work on events runs shutdown()",
      "proc shutdown() { lock dev_lock; unlock dev_lock }",
      "process release { queue_work shutdown_work; lock dev_lock; flush_work shutdown_work; unlock dev_lock }",
    );
    const s = walk(ref, ["release", "kworker/events[0]", "release", "release"]);
    expect(ref.blocked(s, 0).waits).toMatchObject([{ kind: "work", op: "flush_work", target: "shutdown_work", heldBy: ["kworker/events[0]"], self: false }]);
    expect(ref.stateViolations(s)).toMatchObject([{
      kind: "lock-cycle",
      message: "release waits for shutdown_work (running on kworker/events[0]); kworker/events[0] waits for dev_lock, held by release",
      threads: ["release", "kworker/events[0]"],
    }]);
    expect(ref.explore().firstViolation).toMatchObject({ kind: "lock-cycle", depth: 4 });
    // with the cycle checks off, once nothing can move: stuck, naming whom the flush waits for
    const off = inlineModel(
      "mutex dev_lock\nworkqueue events\nwork shutdown_work on events runs shutdown()\nproc shutdown() { lock dev_lock; unlock dev_lock }\nprocess release { queue_work shutdown_work; lock dev_lock; flush_work shutdown_work; unlock dev_lock }",
      ["lock-cycle"],
    );
    expect(off.explore().firstViolation).toMatchObject({
      kind: "stuck",
      message: "no thread can move: release waits in flush_work for shutdown_work (running on kworker/events[0]); kworker/events[0] waits for dev_lock (held by release)",
    });
  });

  it("of a pending work with every worker busy waits for all of them: deadlocked only when all are", () => {
    const ref = model(
      "mutex m",
      "var go: bool",
      "workqueue q { max_active: 2 }",
      "work a on q runs take()",
      "work b on q runs wait_go()",
      "work c on q runs take()",
      "proc take() { lock m; unlock m }",
      "proc wait_go() { await go }",
      "process p { queue_work a; queue_work b; queue_work c; lock m; flush_work c; unlock m }",
      "process g { await false }",
    );
    const s = walk(ref, ["p", "p", "p", "kworker/q[0]", "kworker/q[1]", "p", "p"]);
    expect(ref.name(s).shared).toMatchObject({ q: "queue: c; kworker/q[0] runs a; kworker/q[1] runs b", c: "flush of p waits for its pending instance" });
    expect(ref.blocked(s, 0).waits).toMatchObject([{ kind: "work", heldBy: ["kworker/q[0]", "kworker/q[1]"], detail: "pending; every worker of q is busy: kworker/q[0], kworker/q[1]" }]);
    // kworker/q[0] waits for m (held by p), kworker/q[1] for go (not a lock): p is not deadlocked yet
    expect(ref.stateViolations(s)).toMatchObject([{ kind: "stuck" }]);
    expect(ref.stateViolations(s).map((v) => v.kind)).not.toContain("lock-cycle");
  });

  it("on an ordered workqueue, a work flushing a work queued behind it waits for its own worker: recursive-locking", () => {
    const ref = model(
      "workqueue kvm_cleanup_wq { max_active: 1 }",
      "work a on kvm_cleanup_wq runs fa()",
      "work b on kvm_cleanup_wq runs fb()",
      "proc fa() { flush_work b }",
      "proc fb() { skip }",
      "process p { queue_work a; queue_work b }",
    );
    const s = walk(ref, ["p", "p", "kworker/kvm_cleanup_wq[0]", "kworker/kvm_cleanup_wq[0]"]);
    expect(ref.name(s).shared).toMatchObject({ kvm_cleanup_wq: "queue: b; kworker/kvm_cleanup_wq[0] runs a", b: "flush of kworker/kvm_cleanup_wq[0] waits for its pending instance" });
    expect(ref.stateViolations(s)).toMatchObject([{
      kind: "recursive-locking",
      message: "kworker/kvm_cleanup_wq[0] waits in flush_work for b (pending; every worker of kvm_cleanup_wq is busy: kworker/kvm_cleanup_wq[0]): it waits for itself (lockdep: possible recursive locking of (wq_completion)kvm_cleanup_wq)",
      threads: ["kworker/kvm_cleanup_wq[0]"],
    }]);
    const r = ref.explore({ all: true });
    expect(r.violations.map((v) => v.kind)).toEqual(["recursive-locking"]);
    // lockdep: the flush takes (wq_completion) of the ordered workqueue while its worker holds it through a
    expect(r.lockOrder.map((c) => c.message)).toEqual(["possible circular locking dependency: (wq_completion)kvm_cleanup_wq -> (work_completion)(&a) -> (wq_completion)kvm_cleanup_wq"]);
    // on a workqueue with a worker per work the same flush just waits for the other worker
    const wide = model("workqueue q", "work a on q runs fa()", "work b on q runs fb()", "proc fa() { flush_work b }", "proc fb() { skip }", "process p { queue_work a; queue_work b }");
    expect(wide.explore()).toMatchObject({ complete: true, violations: [], lockOrder: [] });
  });
});

describe("cancel_work_sync", () => {
  it("takes a pending work off the queue and returns true; false when there was nothing to cancel", () => {
    const ref = model(
      "var was: [0..1] bool",
      "workqueue events",
      "work w on events runs f()",
      "proc f() { skip }",
      "process p { queue_work w; was[0] := cancel_work_sync(w); was[1] := cancel_work_sync(w) }",
    );
    const s = walk(ref, ["p", "p"]);
    expect(ref.name(s).shared).toMatchObject({ events: "idle", was: "[0: true, 1: false]" });
    const s2 = walk(ref, ["p"], s);
    expect(ref.name(s2).shared).toMatchObject({ was: "[0: true, 1: false]" });
    expect(ref.name(s2).threads.p).toBe("finished");
  });

  it("of a running work registers (the statement stays), blocks queue_work while it waits, and returns whether it was pending", () => {
    const ref = model(
      "var go: bool",
      "var queued: bool",
      "var was: bool",
      "workqueue events",
      "work w on events runs f()",
      "proc f() { await go }",
      "process c { queue_work w; await go; if cancel_work_sync(w) { was := true } }",
      "process q { await go; queued := queue_work(w) }",
      "process g { go := true }",
    );
    // queued, started, then queued again: both pending and running when the cancel begins
    const s0 = walk(ref, ["c", "kworker/events[0]", "g"]);
    const s1 = walk(ref, ["q", "q"], s0);
    expect(ref.name(s1).shared).toMatchObject({ queued: "true", events: "queue: w; kworker/events[0] runs w" });
    const s2 = walk(ref, ["c", "c"], s1);
    expect(ref.name(s2)).toMatchObject({
      shared: { events: "kworker/events[0] runs w", w: "cancelled by c (was pending); flush of c waits for its running instance" },
      threads: { c: "t.knot:7:37" },
    });
    expect(ref.blocked(s2, 0).waits).toMatchObject([{ kind: "work", op: "cancel_work_sync", heldBy: ["kworker/events[0]"], detail: "running on kworker/events[0]" }]);
    // while the cancel waits, queue_work does nothing and is false
    const fresh = walk(ref, ["c", "kworker/events[0]", "g", "c", "c"]);
    expect(ref.name(fresh).shared.w).toBe("cancelled by c (was not pending); flush of c waits for its running instance");
    const q = stepThread(ref, walk(ref, ["q"], fresh), "q"); // its await, then the queue_work
    expect(ref.name(q.next!).shared).toMatchObject({ queued: "false", events: "kworker/events[0] runs w" });
    // the worker ends: the cancel returns whether the work was pending when it began
    const done = walk(ref, ["kworker/events[0]", "kworker/events[0]", "c", "c"], s2);
    expect(ref.name(done).shared).toMatchObject({ was: "true", w: "idle", events: "idle" });
  });

  it("waits for another thread's cancel of the same work", () => {
    const ref = model(
      "var go: bool",
      "workqueue events",
      "work w on events runs f()",
      "proc f() { await go }",
      "process a { queue_work w; await false }",
      "process b { cancel_work_sync w }",
      "process c { cancel_work_sync w }",
      "process g { await false; go := true }",
    );
    const s = walk(ref, ["a", "kworker/events[0]", "b"]);
    expect(ref.name(s).shared.w).toBe("cancelled by b (was not pending); flush of b waits for its running instance");
    expect(ref.successors(s, 2)).toEqual([]);
    expect(ref.blocked(s, 2).waits).toMatchObject([{ kind: "work", op: "cancel_work_sync", heldBy: ["kworker/events[0]"], detail: "being cancelled by b, running on kworker/events[0]" }]);
  });

  it("takes a pending instance a flush waits for: the flush's barrier behind it completes the flush", () => {
    const ref = model(
      "var go: bool",
      "workqueue q { max_active: 1 }",
      "work a on q runs f()",
      "work w on q runs f()",
      "proc f() { await go }",
      "process p { queue_work a; queue_work w; flush_work w }",
      "process c { await false }",
      "process k { cancel_work_sync w }",
    );
    const s = walk(ref, ["p", "p", "kworker/q[0]", "p"]);
    expect(ref.name(s).shared.w).toBe("flush of p waits for its pending instance");
    const s1 = walk(ref, ["k"], s);
    expect(ref.name(s1).shared).toMatchObject({ q: "kworker/q[0] runs a", w: "flush of p ends" });
    expect(ref.name(walk(ref, ["p"], s1)).threads.p).toBe("finished");
  });
});

describe("flush_workqueue", () => {
  it("waits for the works queued before it, not for those queued later", () => {
    const ref = model(
      "var go: bool",
      "var flushed: bool",
      "workqueue events",
      "work a on events runs f()",
      "work b on events runs f()",
      "proc f() { await go }",
      "process p { queue_work a; flush_workqueue events; flushed := true }",
      "process q { await false }",
    );
    const s = walk(ref, ["p", "p"]);
    expect(ref.name(s).shared).toMatchObject({ a: "flush of p waits for its pending instance", b: "idle" });
    expect(ref.blocked(s, 0).waits).toMatchObject([{ kind: "work", op: "flush_workqueue", target: "events", heldBy: [] }]);
    // b is queued after the flush began and still runs: the flush does not wait for it
    const ref2 = model(
      "var go: [0..1] bool",
      "var flushed: bool",
      "workqueue events",
      "work a on events runs f(0)",
      "work b on events runs f(1)",
      "proc f(i: 0..1) { await go[i] }",
      "process p { queue_work a; flush_workqueue events; flushed := true }",
      "process q { queue_work b }",
      "process g { go[0] := true }",
    );
    const t = walk(ref2, ["p", "p", "q", "kworker/events[0]", "kworker/events[1]", "g", "kworker/events[0]"]);
    expect(ref2.name(t).shared).toMatchObject({ events: "kworker/events[0] runs a; kworker/events[1] runs b", a: "flush of p waits for its running instance" });
    const t1 = walk(ref2, ["kworker/events[0]", "p", "p"], t);
    expect(ref2.name(t1).shared).toMatchObject({ flushed: "true", events: "kworker/events[1] runs b", a: "idle", b: "idle" });
  });

  it("returns at once when nothing of its workqueue is pending or running; by its own worker it is recursive-locking", () => {
    const ref = model("workqueue events", "work w on events runs f()", "proc f() { skip }", "process p { flush_workqueue events }");
    expect(ref.name(walk(ref, ["p"])).threads.p).toBe("finished");
    const own = model("workqueue events", "work w on events runs f()", "proc f() { flush_workqueue events }", "process p { queue_work w }");
    expect(own.explore().firstViolation).toMatchObject({ kind: "recursive-locking", message: "kworker/events[0] calls flush_workqueue(events) from a work of events: it waits for the work it is running to finish" });
  });
});

describe("finishing", () => {
  it("idle workers with nothing to start count as finished: a model whose processes finish with the queue drained passes, and its finals are checked", () => {
    const lines = [
      "var x: 0..3",
      "workqueue events",
      "work w on events runs f()",
      "proc f() { x := x + 1 }",
      "process p { queue_work w; flush_work w }",
    ];
    expect(inlineModel([...lines, "final ran_once: x == 1"].join("\n")).explore()).toMatchObject({ complete: true, violations: [] });
    expect(inlineModel([...lines, "final ran_twice: x == 2"].join("\n")).explore().firstViolation).toMatchObject({ kind: "final", property: "ran_twice" });
    // a pending work will still run: with one, the state is not final even though every worker is idle
    const pending = inlineModel(["var x: 0..3", "workqueue events", "work w on events runs f()", "proc f() { x := x + 1 }", "process p { queue_work w }", "final ran: x == 1"].join("\n"));
    const s = walk(pending, ["p"]);
    expect(pending.statuses(s).map((x) => [x.name, x.finished, x.canMove])).toEqual([["p", true, false], ["kworker/events[0]", false, true]]);
    expect(pending.stateViolations(s)).toEqual([]);
    expect(pending.explore()).toMatchObject({ complete: true, violations: [] });
  });

  it("a worker that ends its work holding a lock is exit-holding-lock; with the check off it keeps it", () => {
    const text = "mutex m\nworkqueue events\nwork w on events runs f()\nproc f() { lock m }\nprocess p { queue_work w }";
    const ref = inlineModel(text);
    const s = walk(ref, ["p", "kworker/events[0]", "kworker/events[0]"]);
    expect(stepThread(ref, s, "kworker/events[0]").violation).toMatchObject({ kind: "exit-holding-lock", message: "kworker/events[0] finishes work w while holding m", statement: "end of w", at: { line: 3, col: 1 } });
    const off = inlineModel(text, ["exit-holding-lock"]);
    const ended = walk(off, ["p", "kworker/events[0]", "kworker/events[0]", "kworker/events[0]"]);
    expect(off.name(ended)).toMatchObject({ shared: { m: "kworker/events[0]", events: "idle" }, threads: { "kworker/events[0]": "idle" } });
  });

  it("stuck names a worker that cannot move", () => {
    const ref = model("var go: bool", "workqueue events", "work w on events runs f()", "proc f() { await go : \"go\" }", "process p { queue_work w; flush_work w; go := true }");
    expect(ref.explore().firstViolation).toMatchObject({
      kind: "stuck",
      message: "no thread can move: p waits in flush_work for w (running on kworker/events[0]); kworker/events[0] waits for go",
    });
  });
});

describe("lock order", () => {
  it("flush under L of a work that takes L is a possible circular locking dependency, even when it never deadlocks", () => {
    const ref = model(
      "mutex dev_lock",
      "var done: bool",
      "workqueue events",
      "work shutdown_work[i in 0..1] on events runs shutdown()",
      "proc shutdown() { lock dev_lock; unlock dev_lock; done := true }",
      "process release { queue_work shutdown_work[1]; await done; lock dev_lock; flush_work shutdown_work[1]; unlock dev_lock }",
    );
    const r = ref.explore({ lockOrder: "instance" });
    expect(r).toMatchObject({ complete: true, violations: [] });
    expect(r.lockOrder.map((c) => c.message)).toEqual(["possible circular locking dependency: dev_lock -> (work_completion)(&shutdown_work[1]) -> dev_lock"]);
    // by class the work array is one class
    expect(ref.explore().lockOrder.map((c) => c.message)).toEqual(["possible circular locking dependency: dev_lock -> (work_completion)(&shutdown_work) -> dev_lock"]);
    expect(r.lockOrder[0]!.edges.map((e) => [e.from, e.to, e.thread, e.statement])).toEqual([
      ["dev_lock", "(work_completion)(&shutdown_work[1])", "release", "flush_work shutdown_work[1]"],
      ["(work_completion)(&shutdown_work[1])", "dev_lock", "kworker/events[0]", "lock dev_lock"],
    ]);
  });

  it("a worker holds (wq_completion)wq then (work_completion)(&w); cancel takes the work's pseudo-lock, flush of an ordered workqueue's work also the workqueue's", () => {
    const ref = model(
      "mutex m",
      "workqueue q { max_active: 1 }",
      "work w on q runs f()",
      "proc f() { lock m; unlock m }",
      "process p { queue_work w; lock m; cancel_work_sync w; unlock m }",
    );
    const start = stepThread(ref, walk(ref, ["p"]), "kworker/q[0]");
    expect(start.acquisitions).toEqual([
      { taken: "(wq_completion)q", subclass: 0, held: [], statement: "start w", at: { file: "t.knot", line: 3, col: 1 } },
      { taken: "(work_completion)(&w)", subclass: 0, held: ["(wq_completion)q"], statement: "start w", at: { file: "t.knot", line: 3, col: 1 } },
    ]);
    const take = stepThread(ref, start.next!, "kworker/q[0]");
    expect(take.acquisitions!.map((a) => [a.taken, a.held])).toEqual([["m", ["(wq_completion)q", "(work_completion)(&w)"]]]);
    const cancel = stepThread(ref, walk(ref, ["p", "p"]), "p"); // w pending: taken off the queue at once
    expect(cancel.acquisitions!.map((a) => [a.taken, a.held])).toEqual([["(work_completion)(&w)", ["m"]]]);
    const flushing = model("mutex m", "workqueue q { max_active: 1 }", "work w on q runs f()", "proc f() { skip }", "process p { lock m; flush_work w; queue_work w; flush_work w; unlock m }");
    const idle = stepThread(flushing, walk(flushing, ["p"]), "p"); // nothing to wait for: only the work's map
    expect(idle.acquisitions!.map((a) => a.taken)).toEqual(["(work_completion)(&w)"]);
    const pending = stepThread(flushing, walk(flushing, ["p", "p", "p"]), "p");
    expect(pending.acquisitions!.map((a) => [a.taken, a.held])).toEqual([["(work_completion)(&w)", ["m"]], ["(wq_completion)q", ["m"]]]);
    expect(stepThread(flushing, walk(flushing, ["p", "p"]), "p").acquisitions).toEqual([]); // queue_work takes nothing
  });
});

describe("the repository's workqueue models", () => {
  // the verdicts specs/examples.knot and specs/kernel.knot expect, with the reference's counts
  const cases: { model: string; set: string[]; kind: string | null; thread?: string; states: number; transitions: number }[] = [
    { model: "docs/examples/workqueue.knot", set: [], kind: null, states: 205, transitions: 356 },
    { model: "docs/examples/workqueue.knot", set: ["FLUSH_UNDER_LOCK=true"], kind: "lock-cycle", states: 64, transitions: 111 },
    { model: "models/kernel/flush_work_under_lock.knot", set: [], kind: null, states: 43, transitions: 58 },
    { model: "models/kernel/flush_work_under_lock.knot", set: ["FLUSH=under_lock"], kind: "lock-cycle", states: 19, transitions: 24 },
    { model: "models/kernel/cancel_work_sync_in_release.knot", set: [], kind: null, states: 13, transitions: 15 },
    { model: "models/kernel/cancel_work_sync_in_release.knot", set: ["CANCEL=in_release"], kind: "recursive-locking", thread: "kworker/events[0]", states: 10, transitions: 10 },
    { model: "models/kernel/ordered_workqueue_flush.knot", set: [], kind: null, states: 25, transitions: 36 },
    { model: "models/kernel/ordered_workqueue_flush.knot", set: ["RECONFIG_WQ=ordered"], kind: "recursive-locking", thread: "kworker/my_wq[0]", states: 9, transitions: 9 },
  ];
  for (const c of cases) {
    it(`${[c.model, ...c.set].join(" ")}: ${c.kind ?? "pass"}`, () => {
      const ref = repoModel(c.model, c.set);
      const r = ref.explore({ strict: c.kind === null });
      expect({ states: r.states, transitions: r.transitions, kind: r.firstViolation?.kind ?? null }).toEqual({ states: c.states, transitions: c.transitions, kind: c.kind });
      if (c.thread) expect(r.firstViolation?.thread).toBe(c.thread);
      if (c.kind) {
        // the shortest counterexample replays through the workers' start and end steps
        const trace = firstCounterexample(ref)!;
        expect(trace.violation.kind).toBe(c.kind);
        expect(ref.replay(trace)).toMatchObject({ ok: true });
      }
    });
  }

  it("flush_workqueue under the lock its works take: the flusher waits for the busy worker", () => {
    const r = repoModel("docs/examples/workqueue.knot", ["FLUSH_UNDER_LOCK=true"]).explore({ all: true });
    expect(r.firstViolation?.message).toBe("release waits for irqfd_cleanup_wq (shutdown[0] running on kworker/irqfd_cleanup_wq[0]); kworker/irqfd_cleanup_wq[0] waits for irqfds_lock, held by release");
    expect(r.lockOrder.map((c) => c.message)).toEqual(["possible circular locking dependency: irqfds_lock -> (wq_completion)irqfd_cleanup_wq -> irqfds_lock"]);
  });

  it("simulated runs replay", () => {
    const ref = repoModel("models/kernel/flush_work_under_lock.knot", ["FLUSH=under_lock"]);
    const sim = ref.simulate({ runs: 30, depth: 40, seed: 7 });
    expect(sim.violations.length).toBeGreaterThan(0);
    for (const v of sim.violations) expect(ref.replay({ ...v.trace, violation: v.violation })).toMatchObject({ ok: true });
  });
});

describe("the work's function, as a call", () => {
  it("its arguments are checked against the parameters at the start step (out-of-range, as a call)", () => {
    const ref = model("workqueue events", "work w[i in 0..2] on events runs f(i)", "proc f(x: 0..1) { skip }", "process p { queue_work w[2] }");
    expect(ref.explore().firstViolation).toMatchObject({ kind: "out-of-range", message: "arguments of f would become 2, outside its type 0..1", thread: "kworker/events[0]", at: { line: 2, col: 1 } });
  });

  it("is inlined into the worker: recursion through it is a model error (K6001)", () => {
    expect(() => model("workqueue events", "work w on events runs f()", "proc f() { call f() }", "process p { skip }")).toThrow(/recursive call of 'f'/);
  });
});
