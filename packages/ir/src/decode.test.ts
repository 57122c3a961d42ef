// Tests of decoding packed states back into the names and values of the model:
// shared state by entry, lock holders (rwsem readers of every thread), and
// per-step changes that show locals only while their frame is live.
import { describe, expect, it } from "vitest";
import { decodeShared, decodeThreads, diffStates } from "./decode.js";
import { lower } from "./test-lower.js";

describe("decode", () => {
  it("names map entries, lock array entries, rwsem readers (all 32 threads) and refcount entries", () => {
    const m = lower(`
type Dev = {a, b}
var on: [Dev] bool = [a: true, b: false]
var s: set<Dev> = {b}
mutex lk[Dev]
rwsem sem
refcount rc[Dev] = 1
process idle[i in 0..31] { skip }
`);
    const st = m.initial.slice();
    for (const t of m.threads) st[t.pcSlot] = m.processes[t.process]!.end;
    const lk = m.layout.vars.find((v) => v.name === "lk")!.offset;
    const sem = m.layout.vars.find((v) => v.name === "sem")!.offset;
    st[lk + 1] = 3; // lk[b] held by thread 2
    st[sem + 1] = (1 << 0) | (1 << 31); // read by threads 0 and 31
    expect(decodeShared(m, st)).toEqual([
      { name: "on", value: "[a: true, b: false]" },
      { name: "s", value: "{b}" },
      { name: "lk[a]", value: "free" },
      { name: "lk[b]", value: "idle[2]" },
      { name: "sem", value: "read: idle[0], idle[31]" },
      { name: "rc[a]", value: "1" },
      { name: "rc[b]", value: "1" },
    ]);
  });

  it("shows a callee's locals only while the thread is inside the call", () => {
    const m = lower(`
var g: 0..3 = 0
proc f(v: 0..3) { g := v; g := 0 }
process t { call f(2) }
`);
    const t = m.threads[0]!;
    const p = m.processes[0]!;
    const v = m.layout.vars.find((x) => x.name === "t.f.v")!;
    const outside = m.initial.slice();
    outside[t.pcSlot] = p.end;
    const inside = m.initial.slice();
    inside[t.pcSlot] = 0; // at g := v, inside f
    inside[v.offset] = 2;
    expect(decodeThreads(m, inside)).toEqual([{ thread: "t", at: "g := v (model.knot:3:19)", locals: [{ name: "f.v", value: "2" }] }]);
    expect(decodeThreads(m, outside)).toEqual([{ thread: "t", at: "finished", locals: [] }]);
    expect(diffStates(m, outside, inside)).toEqual([{ name: "f.v", before: "-", after: "2", thread: "t" }]);
    // leaving the frame zeroes the local, which is not shown as a change
    expect(diffStates(m, inside, outside)).toEqual([]);
  });
});
