// Sets of references in the engine (language.md, "Sets of references"): a list of objects
// is a bit mask over the pool's slots; an object put on it must be live, and every read of
// the list checks, in slot order, that each object on it is still live (use-after-free
// otherwise, in invariants too). Compiled code of both shapes must agree with the
// interpreter on each model, with the checks on and off.
import { describe, expect, it } from "vitest";
import type { ViolationKind } from "@knot/ir";
import { testDir } from "../../../tests/support/temp-dir.js";
import { type Summary, agree } from "./test-agree.js";
import { lower } from "./test-pipeline.js";

const cacheDir = testDir("knot-ref-sets-cache-");

function run(source: string, disabled: ViolationKind[] = []): Summary {
  const m = lower(source);
  agree(m, cacheDir);
  agree(m, cacheDir, { all: true, disabled: new Set<ViolationKind>(["leak", "use-after-free", "null-deref", ...disabled]) });
  return agree(m, cacheDir, { all: true, disabled: new Set<ViolationKind>(["leak", ...disabled]) });
}

const messages = (s: Summary) => s.violations.map((v) => `${v.kind}: ${v.message}`);

const LIST = `
object kvm_device[2] { id: 0..3 }
object kvm[1] { lock: mutex, devices: set<kvm_device> }
var vm: kvm = alloc kvm {}
process kvm_create_device {
  var dev: kvm_device = alloc kvm_device {id: 1}
  lock vm.lock
  vm.devices := vm.devices + {dev}
  unlock vm.lock
}
`;

describe("sets of references", () => {
  it("a device taken off the list before it is freed passes", () => {
    const r = run(`${LIST}
process kvm_destroy_devices {
  await vm.devices != {}
  lock vm.lock
  for d in vm.devices {
    vm.devices := vm.devices - {d}
    free d
  }
  unlock vm.lock
}`);
    expect(r.violations).toEqual([]);
  });

  it("reading a list that still holds a freed device is use-after-free, at the read", () => {
    const r = run(`${LIST}
process kvm_destroy_devices {
  await vm.devices != {}
  lock vm.lock
  for d in vm.devices {
    free d
    vm.devices := vm.devices - {d}
  }
  unlock vm.lock
}`);
    expect(messages(r)).toEqual(["use-after-free: an element of vm.devices points to kvm_device[0], which was freed"]);
  });

  it("putting a freed or null reference on a list is use-after-free or null-deref", () => {
    const r = run(`
object dev[2] { id: 0..1 }
var s: set<dev>
var t: set<dev>
process p {
  var d = alloc dev {}
  free d
  s := s + {d}
}
process q {
  var n: dev = null
  t := t + {n}
}`);
    expect(messages(r).sort()).toEqual(["null-deref: n is null", "use-after-free: d points to dev[0], which was freed"]);
  });

  it("an invariant over a list reads it too, and so does a membership test", () => {
    const r = run(`
object dev[2] { id: 0..1 }
var s: set<dev>
var was: bool
invariant ids: forall d in s: d.id <= 1
process p {
  var d = alloc dev {}
  s := {d}
  free d
  was := d in s
}`);
    expect(messages(r)).toEqual([
      "use-after-free: invariant ids cannot be evaluated: an element of s points to dev[0], which was freed",
      "use-after-free: an element of s points to dev[0], which was freed",
    ]);
  });

  it("with use-after-free off a freed object stays on the list and is read as it is", () => {
    const m = lower(`
object dev[2] { id: 0..1 }
var s: set<dev>
var n: 0..2
process p {
  var d = alloc dev {}
  s := {d}
  free d
  n := size(s)
}
final one: n == 1`);
    const r = agree(m, cacheDir, { all: true, disabled: new Set<ViolationKind>(["leak", "use-after-free"]) });
    expect(r.violations).toEqual([]);
  });
});
