// Tests of the trace events in check reports: each step lists the locks the
// acting thread took or released (with the rwsem mode), the calls it entered
// through ops tables, the refcount changes, in the order of the statements that
// caused them, and the last step of a deadlock trace lists every blocked
// thread's request. Models run through the whole pipeline in memory.
import { describe, expect, it } from "vitest";
import type { SearchOptions } from "@knot/engine";
import { check } from "../../engine/src/test-pipeline.js";
import { type CheckReport, type TraceEvent, type TraceReport, buildCheckReport } from "./check-report.js";

function report(source: string, search: SearchOptions = {}, set?: Record<string, string>): CheckReport {
  const r = check(source, search, { set });
  return buildCheckReport(r.model, r, { search: "bfs", version: "test" });
}

/** Per step: "thread: statement" and its events in a compact form. */
function eventLines(t: TraceReport): string[] {
  const show = (e: TraceEvent): string => {
    switch (e.kind) {
      case "acquire": case "release": return `${e.kind} ${e.lock}${e.mode ? ` (${e.mode})` : ""}`;
      case "call": return `call ${e.proc} via ${e.via} at ${e.at.line}:${e.at.col}`;
      case "get": case "put": return `${e.kind} ${e.refcount} ${e.from}->${e.to}`;
      case "complete": case "complete_all": case "reinit_completion": case "wait_for_completion": case "try_wait_for_completion": return `${e.kind} ${e.completion}`;
      case "read_lock": case "read_unlock": case "grace_period_start": case "synchronize": return `${e.kind} ${e.domain}`;
      case "queue_work": case "work_start": case "work_end": case "flush_work": case "cancel_work_sync": case "flush_workqueue": return `${e.kind} ${e.work}${e.queued === false ? " (not queued)" : ""}${e.waits ? " (waits)" : ""}`;
      case "call_rcu": case "callback_start": case "callback_end": return `${e.kind} ${e.callback} on ${e.domain}${e.registered === false ? " (already queued)" : ""}`;
      case "block": return `block ${e.thread} at ${e.statement}: ${e.lock !== undefined ? `${e.lock} held by ${e.heldBy!.join(",")}` : e.condition}`;
    }
  };
  return t.steps.map((s) => `${s.index} ${s.thread}: ${s.statement}${s.events.length ? ` | ${s.events.map(show).join("; ")}` : ""}`);
}

const SEED = `
type Dev = {kvm_vfio}
refcount kvm_users = 3
mutex group_lock
mutex kvm_lock
ops kvm_device_ops { destroy(d: Dev), release(d: Dev) }
var on_list: set<Dev> = Dev
var freed: set<Dev> = {}
const dev_ops: [Dev] kvm_device_ops = [kvm_vfio: {destroy: kvm_vfio_destroy}]
proc kvm_put_kvm() { if dec_and_test(kvm_users) { call kvm_destroy_devices() } }
proc kvm_destroy_devices() {
  for d in on_list {
    on_list := on_list - {d}
    call dev_ops[d].destroy(d)
  }
}
proc vfio_file_set_kvm() { lock group_lock; unlock group_lock }
proc kvm_vfio_destroy(d: Dev) { call vfio_file_set_kvm(); freed := freed + {d} }
process close_vm_fd { call kvm_put_kvm() }
process close_kvm_vfio_fd { call kvm_put_kvm() }
process close_vfio_device_fd { lock group_lock; call kvm_put_kvm(); unlock group_lock }
`;

describe("trace events", () => {
  it("the kvm-vfio self-deadlock: refcount puts, the lock, the call through the ops table, the blocked request", () => {
    const r = report(SEED);
    expect(r.violations.map((v) => v.kind)).toEqual(["recursive-locking"]);
    expect(eventLines(r.violations[0]!.trace)).toEqual([
      "1 close_vm_fd: if dec_and_test(kvm_users) | put kvm_users 3->2",
      "2 close_kvm_vfio_fd: if dec_and_test(kvm_users) | put kvm_users 2->1",
      "3 close_vfio_device_fd: lock group_lock | acquire group_lock",
      "4 close_vfio_device_fd: if dec_and_test(kvm_users) | put kvm_users 1->0",
      "5 close_vfio_device_fd: for d in on_list",
      "6 close_vfio_device_fd: on_list := on_list - {d} | call kvm_vfio_destroy via dev_ops[d].destroy at 14:5; " +
        "block close_vfio_device_fd at lock group_lock: group_lock held by close_vfio_device_fd",
    ]);
  });

  it("a release is reported for the acting thread, and a call made in the first statement's start-up work on its first step", () => {
    const r = report(`
mutex a
mutex b
ops file_ops { open(), close() }
const fops: file_ops = {close: do_close}
proc do_close() { lock a; unlock a; lock b; lock b }
process closer { call fops.close() }
`);
    expect(eventLines(r.violations[0]!.trace)).toEqual([
      "1 closer: lock a | call do_close via fops.close at 7:18; acquire a",
      "2 closer: unlock a | release a",
      "3 closer: lock b | acquire b; block closer at lock b: b held by closer",
    ]);
  });

  it("rwsem acquisitions and releases carry their mode", () => {
    const r = report(`
rwsem s
process p { down_read s; up_read s; down_write s; down_read s }
`);
    expect(eventLines(r.violations[0]!.trace)).toEqual([
      "1 p: down_read s | acquire s (read)",
      "2 p: up_read s | release s (read)",
      "3 p: down_write s | acquire s (write); block p at down_read s: s held by p",
    ]);
  });

  it("events of one step follow the order of its statements (an atomic block taking two locks, then a get)", () => {
    const r = report(`
mutex z
mutex y
refcount ref = 1
var done: bool = false
process p { atomic { lock y; lock z; get ref }; done := true; unlock z; unlock y }
invariant not_done: not done
`);
    const v = r.violations[0]!;
    expect(v.kind).toBe("invariant");
    expect(eventLines(v.trace)).toEqual([
      "1 p: atomic | acquire y; acquire z; get ref 1->2",
      "2 p: done := true",
    ]);
  });

  it("a deadlock lists every blocked thread's request on its last step, and lock-order warnings carry events too", () => {
    const r = report(`
mutex l1
mutex l2
process ab { lock l1; lock l2; unlock l2; unlock l1 }
process ba { lock l2; lock l1; unlock l1; unlock l2 }
`);
    const v = r.violations[0]!;
    expect(v.kind).toBe("lock-cycle");
    expect(eventLines(v.trace)).toEqual([
      "1 ab: lock l1 | acquire l1",
      "2 ba: lock l2 | acquire l2; block ab at lock l2: l2 held by ba; block ba at lock l1: l1 held by ab",
    ]);
    expect(r.warnings.flatMap((w) => w.edges.map((e) => eventLines(e.trace).join(" / ")))).toEqual([
      "1 ab: lock l1 | acquire l1 / 2 ab: lock l2 | acquire l2",
      "1 ba: lock l2 | acquire l2 / 2 ba: lock l1 | acquire l1",
    ]);
  });

  it("a stuck thread's wait on a condition is a block event without a lock", () => {
    const r = report(`
var ready: bool = false
var x: bool = false
process waiter { await ready }
process other { x := true }
`);
    const v = r.violations[0]!;
    expect(v.kind).toBe("stuck");
    const last = v.trace.steps[v.trace.steps.length - 1]!;
    expect(last.events).toEqual([{ kind: "block", thread: "waiter", statement: "await ready", at: { file: "model.knot", line: 4, col: 18 }, condition: "await ready" }]);
  });

  it("the failing step reports the calls and effects up to the failing statement", () => {
    const r = report(`
mutex m
var go: bool = false
ops o_ops { run(n: 0..3) }
const o: o_ops = {run: runner}
proc runner(n: 0..3) { var k: 0..3 = n; assert k > 1 : "too small" }
process p { var n: 0..3 = 1; go := true; lock m; call o.run(n); unlock m }
`);
    const v = r.violations[0]!;
    expect(v.kind).toBe("assertion");
    expect(eventLines(v.trace)).toEqual([
      "1 p: go := true",
      "2 p: lock m | acquire m; call runner via o.run at 7:50",
    ]);
    expect(v.trace.steps[1]!.failed).toBe(true);
    expect(v.trace.steps[1]!.failure?.statement).toContain("assert k > 1");
  });

  it("completion events name the entry each step completed or waited for, and the blocked wait names its completion", () => {
    const r = report(`
type V = 0..1
completion ready[V]
completion all_done
process v[i in V] { complete ready[i]; wait_for_completion all_done }
process host { wait_for_completion ready[0]; wait_for_completion ready[1]; complete_all all_done; reinit_completion all_done; wait_for_completion all_done }
`);
    const v = r.violations.find((x) => x.kind === "stuck")!;
    const lines = eventLines(v.trace);
    expect(lines.some((l) => l.includes("complete ready[0]"))).toBe(true);
    expect(lines.some((l) => l.includes("wait_for_completion ready[1]"))).toBe(true);
    expect(lines.some((l) => l.includes("complete_all all_done"))).toBe(true);
    expect(lines.some((l) => l.includes("reinit_completion all_done"))).toBe(true);
    const last = v.trace.steps[v.trace.steps.length - 1]!;
    expect(last.events.filter((e) => e.kind === "block")).toContainEqual(expect.objectContaining(
      { kind: "block", thread: "host", statement: "wait_for_completion all_done", completion: "all_done", condition: "wait_for_completion all_done (no thread left that can complete it)" },
    ));
  });

  it("callback events name the callback the statement queued, on which domain entry, and its thread's start and end", () => {
    const r = report(`
srcu ss[0..1]
var n: 0..3
proc bump(i: 0..1) { n := n + 1 }
process p[j in 0..1] { call_srcu ss[1] bump(j); call_srcu ss[1] bump(0) }
final two: n == 2
`);
    const v = r.violations.find((x) => x.kind === "double-free")!;
    const lines = eventLines(v.trace);
    expect(lines.some((l) => /call_rcu bump\(\d\) on ss\[1\]/.test(l))).toBe(true);
    const f = report(`
var n: 0..3
proc bump() { n := n + 1 }
process p { call_rcu bump() }
final untouched: n == 0
`).violations.find((x) => x.kind === "final")!;
    expect(eventLines(f.trace)).toEqual([
      "1 p: call_rcu bump() | call_rcu bump() on rcu",
      "2 rcu_callback/bump(): call_rcu callback bump() | callback_start bump() on rcu",
      "3 rcu_callback/bump(): n := n + 1",
      "4 rcu_callback/bump(): bump() done | callback_end bump() on rcu",
    ]);
  });
});

describe("choices in traces", () => {
  it("a step from a choice to the chosen branch's first action names the choice statement; a branch with no action does not", () => {
    const r = report(`
var t: bool
var n: 0..2
process p {
  either { t := true } or "skip it" { skip }
  pick v in 1..2 { n := v }
  assert not t
}
`);
    const steps = r.violations[0]!.trace.steps;
    expect(steps.map((s) => [s.statement, s.choice, s.choiceStatement?.text, s.choiceStatement?.at.line])).toEqual([
      ["t := true", "branch 1 of 2 of the either at model.knot:5:3", "either", 5],
      ["n := v", "v = 1", "pick v in 1..2", 6],
      ["assert not t", undefined, undefined, undefined],
    ]);
  });
});

