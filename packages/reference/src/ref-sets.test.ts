// Sets of references against docs/language.md "Sets of references": a list holds the
// pool's objects in slot order and prints as {kvm_device[0], kvm_device[1]}; putting an
// object on it needs a live reference; every read of a list (a name, field or map entry of
// list type, in a statement or a property) checks each object on it, in slot order, and one
// that was freed is use-after-free; membership and size are reads too; with the check off
// a freed object stays on the list.
import { describe, expect, it } from "vitest";
import { inlineModel, stepThread } from "./test-models.js";

const LIST = [
  "object kvm_device[2] { id: 0..3 }",
  "object kvm[1] { devices: set<kvm_device> }",
  "var vm: kvm = alloc kvm {}",
];

describe("sets of references", () => {
  it("hold objects in slot order, as traces print them, from the initial state on", () => {
    const ref = inlineModel([
      "object dev[2] { peers: set<dev> }",
      "var a: dev = alloc dev {}",
      "var b: dev = alloc dev {peers: {a}}",
      "var all: set<dev> = {b, a}",
      "process p { all := all - {a} }",
    ].join("\n"), ["leak"]);
    const s0 = ref.initial();
    expect(ref.name(s0).shared).toMatchObject({ all: "{dev[0], dev[1]}", "dev[1]": "{peers: {dev[0]}}" });
    expect(stepThread(ref, s0, "p").changes).toEqual([{ name: "all", before: "{dev[0], dev[1]}", after: "{dev[1]}" }]);
  });

  it("pass when a device is taken off the list before it is freed; a read after the free is use-after-free", () => {
    const ok = inlineModel([...LIST,
      "process p { var d = alloc kvm_device {}; vm.devices := vm.devices + {d}; for x in vm.devices { vm.devices := vm.devices - {x}; free x } }",
    ].join("\n"), ["leak"]);
    expect(ok.explore({ all: true })).toMatchObject({ complete: true, violations: [] });
    const bad = inlineModel([...LIST,
      "process p { var d = alloc kvm_device {}; vm.devices := vm.devices + {d}; for x in vm.devices { free x; vm.devices := vm.devices - {x} } }",
    ].join("\n"), ["leak"]);
    expect(bad.explore({ all: true }).violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([
      "use-after-free: an element of vm.devices points to kvm_device[0], which was freed",
    ]);
  });

  it("check the objects put on a list: null-deref, then use-after-free, in the order written", () => {
    const ref = inlineModel([
      "object dev[2] { id: 0..1 }",
      "var s: set<dev>",
      "process p { var n: dev = null; var d = alloc dev {}; free d; s := {d, n} }",
    ].join("\n"), ["leak"]);
    expect(ref.explore({ all: true }).violations.map((v) => `${v.kind}: ${v.message}`)).toEqual(["use-after-free: d points to dev[0], which was freed"]);
  });

  it("are read by membership, size and invariants too; with use-after-free off a freed object stays on", () => {
    const text = [
      "object dev[2] { id: 0..1 }",
      "var s: set<dev>",
      "var n: 0..2",
      "invariant ids: forall d in s: d.id <= 1",
      "process p { var d = alloc dev {}; s := {d}; free d; if d in s { n := size(s) } }",
    ].join("\n");
    expect(inlineModel(text, ["leak"]).explore({ all: true }).violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([
      "use-after-free: invariant ids cannot be evaluated: an element of s points to dev[0], which was freed",
      "use-after-free: an element of s points to dev[0], which was freed",
    ]);
    const off = inlineModel(`${text}\nfinal one: n == 1`, ["leak", "use-after-free"]);
    expect(off.explore({ all: true })).toMatchObject({ complete: true, violations: [] });
  });
});
