// call_rcu / call_srcu in the engine (language.md, "call_rcu and call_srcu"): the IR
// interpreter's semantics (interpret-sync.ts) on small models whose outcome is known — a
// callback waits for the readers inside when it is registered and for no later one, runs in
// atomic context, is double-free when queued twice, exit-holding-lock when it returns holding
// a lock — and compiled code of both shapes agreeing with the interpreter on each, with the
// checks on and with the ones these ops consult switched off.
import { describe, expect, it } from "vitest";
import type { ViolationKind } from "@knot/ir";
import { testDir } from "../../../tests/support/temp-dir.js";
import { type Summary, agree } from "./test-agree.js";
import { lower } from "./test-pipeline.js";

const cacheDir = testDir("knot-rcu-callback-cache-");

function run(source: string): { all: Summary; off: Summary } {
  const m = lower(source);
  agree(m, cacheDir);
  const all = agree(m, cacheDir, { all: true });
  const off = agree(m, cacheDir, { all: true, disabled: new Set<ViolationKind>(["double-free", "sleep-in-atomic", "exit-holding-lock", "use-after-free"]) });
  return { all, off };
}

const kinds = (s: Summary) => [...new Set(s.violations.map((v) => v.kind))].sort();
const messages = (s: Summary) => s.violations.map((v) => `${v.kind}: ${v.message}`);

const READER = `
object dev[1] { id: 0..3 }
var head: dev = alloc dev {id: 1}
var seen: 0..3
proc dev_free_rcu(d: dev) { free d }
process reader {
  rcu_read_lock
  var d: dev = head
  if d != null { seen := d.id }
  rcu_read_unlock
}
`;

describe("call_rcu and call_srcu", () => {
  it("a callback that frees the object runs after the reader's section: no use-after-free; freeing at once is one", () => {
    const deferred = run(`${READER}
process remover {
  var old: dev = head
  head := null
  call_rcu dev_free_rcu(old)
}`);
    expect(deferred.all.violations).toEqual([]);
    const direct = run(`${READER}
process remover {
  var old: dev = head
  head := null
  free old
}`);
    expect(kinds(direct.all)).toEqual(["use-after-free"]);
  });

  it("a reader that enters after the call does not hold the callback up; the caller's own section does", () => {
    // the callback sets done, which a reader waits for inside a section it entered after the
    // call; a caller that waits for it inside its own section waits forever
    const later = run(`
var done: bool
var n: 0..3
proc mark() { done := true }
process reader {
  await n == 1
  rcu_read_lock
  await done
  rcu_read_unlock
}
process updater {
  call_rcu mark()
  n := 1
}`);
    expect(later.all.violations).toEqual([]);
    const own = run(`
var done: bool
proc mark() { done := true }
process updater {
  rcu_read_lock
  call_rcu mark()
  await done
  rcu_read_unlock
}`);
    expect(kinds(own.all)).toEqual(["stuck"]);
  });

  it("queueing the same callback twice before it ran is double-free; with the check off the second does nothing", () => {
    const r = run(`
var n: 0..3
proc bump(i: 0..1) { n := n + 1 }
process p {
  rcu_read_lock
  call_rcu bump(1)
  call_rcu bump(0)
  call_rcu bump(1)
  rcu_read_unlock
}
final ran: n == 2`);
    expect(messages(r.all)[0]).toContain(`p does call_rcu bump(1), but that callback is still queued`);
    expect(kinds(r.all)).toEqual(["double-free"]);
    expect(r.off.violations).toEqual([]);
  });

  it("a callback runs in atomic context: a mutex in it is sleep-in-atomic; returning holding a spinlock is exit-holding-lock", () => {
    const r = run(`
mutex m
spinlock sl
srcu ss[0..1]
var x: 0..3
proc take(i: 0..1) {
  if i == 0 { lock m
    unlock m }
  if i == 1 { lock sl }
}
process p {
  call_srcu ss[1] take(0)
  call_srcu ss[0] take(1)
}`);
    expect(messages(r.all)).toEqual(expect.arrayContaining([
      "sleep-in-atomic: srcu_callback/ss[1]/take(0) takes mutex m, which may sleep, in SRCU callback context (bottom halves disabled)",
      "exit-holding-lock: srcu_callback/ss[0]/take(1) returns from take(1) while holding sl: the kernel's callback would leak the lock",
    ]));
  });

  it("a callback may queue itself again once it has started; a reader's unlock frees the callbacks of its own entry only", () => {
    const r = run(`
srcu ss[0..1]
var runs: 0..3
var inside: bool
proc again() {
  runs := runs + 1
  if runs < 2 { call_srcu ss[0] again() }
}
process reader {
  srcu_read_lock ss[1]
  inside := true
  srcu_read_unlock ss[1]
}
process p {
  call_srcu ss[0] again()
}
final twice: runs == 2`);
    expect(r.all.violations).toEqual([]);
  });
});
