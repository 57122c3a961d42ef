// Sets of references in the front end (language.md, "Sets of references"): `set<pool>` is a
// list of the pool's objects (at most 31 of them), built from live references (never the
// literal null); an initial object or global may hold a list of initial objects; `for` and
// `pick` give a reference through which the object may be written. Expected diagnostics are
// [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { checkMarked } from "./test-markers.js";

describe("sets of references", () => {
  it("types a list of objects as set<pool>, with in, +, -, size, for, pick and forall over it", () => {
    const r = checkMarked([
      "object kvm_device[3] { id: 0..3 }",
      "object kvm[1] { lock: mutex, devices: set<kvm_device> }",
      "var vm: kvm = alloc kvm {}",
      "var n: 0..3",
      "invariant small: forall d in vm.devices: d.id < 3",
      "process p {",
      "  var dev = alloc kvm_device {id: 1}",
      "  vm.devices := vm.devices + {dev}",
      "  if dev in vm.devices { n := size(vm.devices) }",
      "  for d in vm.devices { d.id := 2 }",
      "  pick d in vm.devices { d.id := 0 }",
      "  vm.devices := vm.devices - {dev}",
      "  free dev",
      "}",
    ].join("\n"), []);
    const vm = r.model!.objects.find((o) => o.name === "kvm")!;
    expect(vm.fields[0]).toMatchObject({ name: "devices", type: { kind: "set", elem: { kind: "ref", pool: "kvm_device", bound: 3 } } });
  });

  it("may name its own pool (a list of peers) and holds initial objects in the initial state", () => {
    const r = checkMarked([
      "object dev[2] { peers: set<dev> }",
      "var a: dev = alloc dev {}",
      "var b: dev = alloc dev {peers: {a}}",
      "var all: set<dev> = {a, b}",
      "process p { skip }",
    ].join("\n"), []);
    expect(r.model!.vars.find((v) => v.name === "b")!.initObject!.fields).toEqual([1]);
    expect(r.model!.vars.find((v) => v.name === "all")!.init).toBe(3);
  });

  it("refuses null as an element, a pool of more than 31 objects, and a list of another pool", () => {
    checkMarked([
      "object dev[2] { id: 0..1 }",
      "object big[32] { id: 0..1 }",
      "object other[1] { id: 0..1 }",
      "var s: set<dev>",
      "var t: set<[[big]]>",
      "process p {",
      "  s := {[[null]]}",
      "  var o = alloc other {}",
      "  s := s + {[[o]]}",
      "}",
    ].join("\n"), [C.BadType, C.TypeMismatch, C.TypeMismatch]);
  });

  it("still refuses to assign a for or pick variable itself", () => {
    checkMarked([
      "object dev[2] { id: 0..1 }",
      "var s: set<dev>",
      "process p {",
      "  for d in s { [[d]] := null }",
      "}",
    ].join("\n"), [C.NotAssignable]);
  });
});
