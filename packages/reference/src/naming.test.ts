// States in user names (the names and value strings of knot's decodeShared),
// changes computed from patches, and the value helpers they rest on.
import type { Type } from "@knot/lang";
import { describe, expect, it } from "vitest";
import { inlineModel, repoModel, stepThread } from "./test-models.js";
import { canonical, defaultOf, formatValue, normalizeSet, setDifference, setUnion } from "./values.js";

describe("NamedState", () => {
  it("variables whole, one entry per lock, refcount-array entry and object", () => {
    const ref = inlineModel([
      "type K = {a, b}", "type R = {n: 0..2, on: bool}", "ops t { f() }", "proc g() { skip }",
      "var m: [K] R", "var s: set<K> = {b}", "var tab: t = {f: g}", "var none_tab: t = {}",
      "mutex l[0..1]", "spinlock sp", "rwsem w", "refcount rc[K] = 1", "refcount one = 3",
      "object o[2] { x: 0..1 }", "var p: o = alloc o {x: 1}",
      "process q { lock l[1]; skip }",
    ].join("\n"));
    expect(ref.name(ref.initial())).toEqual({
      shared: {
        m: "[a: {n: 0, on: false}, b: {n: 0, on: false}]", s: "{b}", tab: "{f: g}", none_tab: "{}", p: "o[0]",
        "l[0]": "free", "l[1]": "free", sp: "free", w: "free", "rc[a]": "1", "rc[b]": "1", one: "3",
        "o[0]": "{x: 1}", "o[1]": "unallocated",
      },
      threads: { q: "t.knot:16:13" },
    });
  });

  it("changes name map entries as m[k], locks by entry, and the acting thread's locals while in scope", () => {
    const ref = repoModel("docs/examples/vcpus.knot");
    const s1 = stepThread(ref, ref.initial(), "vcpu[1]").next!;
    const t = stepThread(ref, s1, "vcpu[1]");
    expect(t.changes).toEqual([{ name: "vcpus[1]", before: "{mode: outside_guest, exit: none_yet}", after: "{mode: in_guest, exit: none_yet}" }]);
    expect(stepThread(ref, ref.initial(), "vcpu[1]").changes).toEqual([{ name: "vcpu_mutex[1]", before: "free", after: "vcpu[1]" }]);
    const steps = repoModel("docs/examples/steps.knot");
    const last = stepThread(steps, stepThread(steps, steps.initial(), "closer[1]").next!, "closer[0]").next!; // closer[0] drops the last reference
    const first = stepThread(steps, last, "closer[0]");
    expect(first.changes).toEqual([{ name: "kvm_lock", before: "free", after: "closer[0]" }]);
    const snapshot = stepThread(steps, first.next!, "closer[0]");
    expect(snapshot.label).toBe("for d in on_list");
    const write = stepThread(steps, snapshot.next!, "closer[0]");
    expect(write.changes).toEqual([
      { name: "on_list", before: "{vgic, vfio}", after: "{vfio}" },
      { name: "kvm_destroy_devices.n", before: "0", after: "1", thread: "closer[0]" },
    ]);
  });
});

describe("values", () => {
  const dev: Type = { kind: "enum", name: "Dev", members: ["vgic", "pit", "vfio"], id: 0 };
  it("sets stay sorted in the element type's order", () => {
    expect(normalizeSet(dev, ["vfio", "vgic", "vfio"])).toEqual(["vgic", "vfio"]);
    expect(setUnion(dev, ["vfio"], ["pit"])).toEqual(["pit", "vfio"]);
    expect(setDifference(dev, ["vgic", "vfio"], ["vgic"])).toEqual(["vfio"]);
    expect(normalizeSet({ kind: "bool" }, [true, false])).toEqual([false, true]);
  });

  it("defaults and printing follow the language: 0 or the bound nearest 0, the first member, none, null", () => {
    expect(defaultOf({ kind: "int", lo: 2, hi: 5 })).toBe(2);
    expect(defaultOf({ kind: "int", lo: -5, hi: -2 })).toBe(-2);
    expect(defaultOf(dev)).toBe("vgic");
    const rec: Type = { kind: "record", fields: [{ name: "d", type: dev }, { name: "s", type: { kind: "set", elem: dev } }] };
    expect(formatValue(rec, defaultOf(rec))).toBe("{d: vgic, s: {}}");
    expect(formatValue({ kind: "ref", pool: "o", id: 0 }, null)).toBe("null");
    expect(formatValue({ kind: "proc", params: [] }, null)).toBe("none");
  });

  it("the canonical key does not depend on the order in which keys were added", () => {
    expect(canonical({ a: 1, b: [{ y: 2, x: 1 }] })).toBe(canonical({ b: [{ x: 1, y: 2 }], a: 1 }));
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }));
  });
});
