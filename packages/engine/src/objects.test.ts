// Object pools: allocation, field access through references, and the checks on
// them (use-after-free, double-free, leak, null-deref, an exhausted pool), each
// with the shortest trace that shows it.
import { describe, expect, it } from "vitest";
import { check, only, traceLines } from "./test-pipeline.js";

const POOL = `
type Group = {g1, g2}
object kvg[2] { file: Group, refs: 0..3 }
var list: kvg = null
mutex kv_lock
`;

describe("object pools", () => {
  it("allocates the next unused object and reads its fields", () => {
    const r = check(`${POOL}
process p {
  var a: kvg = alloc kvg {file: g2}
  var b: kvg = alloc kvg {file: g1, refs: 1}
  assert a != b and a.file == g2 and b.file == g1 and b.refs == 1 and a.refs == 0
  free a
  free b
}`);
    expect(r.violations).toEqual([]);
    expect(r.stats.complete).toBe(true);
  });

  it("reports use-after-free: FILE_ADD reads the entry FILE_DEL freed (kvm-vfio's race)", () => {
    const r = check(`${POOL}
process file_add {
  var e: kvg = alloc kvg {file: g1}
  lock kv_lock
  list := e
  unlock kv_lock
  var f: Group = e.file             // set_kvm(kvg->file) outside kv->lock
}
process file_del {
  lock kv_lock
  var e: kvg = list
  list := null
  unlock kv_lock
  free e
}`);
    const v = only(r);
    expect(v.kind).toBe("use-after-free");
    expect(v.message).toBe("e points to kvg[0], which was freed");
    expect(traceLines(r.model, v)).toEqual([
      "file_add: var e: kvg = alloc kvg {file: g1}",
      "file_add: lock kv_lock",
      "file_add: list := e",
      "file_add: unlock kv_lock",
      "file_del: lock kv_lock",
      "file_del: var e: kvg = list",
      "file_del: list := null",
      "file_del: unlock kv_lock",
      "file_del: free e",
      "file_add: var f: Group = e.file",
    ]);
  });

  it("reports writes through a freed reference too", () => {
    const v = only(check(`${POOL}
process p { var e: kvg = alloc kvg; free e; e.refs := 1 }`));
    expect(v.kind).toBe("use-after-free");
  });

  it("reports double-free and lets free null pass (like kfree(NULL))", () => {
    const v = only(check(`${POOL}
process p { var e: kvg = alloc kvg; var n: kvg = null; free n; free e; free e }`));
    expect(v.kind).toBe("double-free");
    expect(v.message).toBe("free e: kvg[0] was already freed");
  });

  it("reports null-deref", () => {
    const v = only(check(`${POOL}
process p { var f: Group = list.file }`));
    expect(v.kind).toBe("null-deref");
    expect(v.message).toBe("list is null");
  });

  it("reports a live object when every thread has finished as a leak", () => {
    const v = only(check(`${POOL}
process p { list := alloc kvg {file: g2} }`));
    expect(v.kind).toBe("leak");
    expect(v.message).toBe("kvg[0] {file: g2, refs: 0} is still allocated when every thread has finished");
  });

  it("leaves initial objects of a pool the model never frees alone (they outlive it), but not objects a step allocates", () => {
    const outlives = "object grp[2] { n: 0..1 }\nvar g: grp = alloc grp {}\n";
    expect(check(`${outlives}process p { g.n := 1 }`).violations).toEqual([]);
    expect(only(check(`${outlives}process p { var h = alloc grp {} }`)).message).toBe("grp[1] {n: 0} is still allocated when every thread has finished");
    // a free of the pool anywhere, even one never run, makes the model own its initial objects
    expect(only(check(`${outlives}proc put(x: grp) { free x }\nprocess p { g.n := 1 }`)).message).toBe("grp[0] {n: 1} is still allocated when every thread has finished");
  });

  it("does not report a leak while some thread is stuck (that is a stuck state)", () => {
    const r = check(`${POOL}
process p { list := alloc kvg; await false }`);
    expect(only(r).kind).toBe("stuck");
  });

  it("never reuses objects, so an exhausted pool is a model error naming the bound", () => {
    const v = only(check(`${POOL}
process p { var a: kvg = alloc kvg; free a; a := alloc kvg; free a; a := alloc kvg; free a }`));
    expect(v.kind).toBe("pool-exhausted");
    expect(v.message).toMatch(/^object pool kvg is exhausted: all 2 objects have been allocated .*raise the bound in 'object kvg\[2\]'/);
  });

  it("frees canonically: a freed object's fields are zeroed", () => {
    // two orders of setting a field before freeing meet in one state
    const r = check(`${POOL}
process p {
  var a: kvg = alloc kvg
  either { a.refs := 1 } or { a.refs := 2 }
  free a
}`);
    expect(r.violations).toEqual([]);
    // initial; after alloc (at the either); after the choice (refs 1 or 2: two states);
    // after free the two meet again because the freed object's fields are zeroed
    expect(r.stats.states).toBe(5);
  });

  it("can switch each object check off", () => {
    const src = `${POOL}
process p { var e: kvg = alloc kvg; free e; free e }`;
    expect(check(src, { disabled: new Set(["double-free"]) }).violations).toEqual([]);
    expect(check(`${POOL}\nprocess p { list := alloc kvg }`, { disabled: new Set(["leak"]) }).violations).toEqual([]);
  });

  it("lets a model start with objects allocated (constant fields)", () => {
    const r = check(`${POOL}
var first: kvg = alloc kvg {file: g2, refs: 1}
process p { assert first.file == g2 and first.refs == 1; free first }`);
    expect(r.violations).toEqual([]);
    const pool = r.model.pools[0]!;
    expect(r.model.initial.slice(pool.offset, pool.offset + pool.stride)).toEqual([1, 1, 1]);
  });

  it("with use-after-free off, a freed object reads as its zeroed fields", () => {
    const src = `${POOL}
var seen: Group = g2
process p { var e: kvg = alloc kvg {file: g2}; free e; seen := e.file; assert seen == g1 }`;
    expect(only(check(src)).kind).toBe("use-after-free");
    expect(check(src, { disabled: new Set(["use-after-free"]) }).violations).toEqual([]);
  });
});
