// The text report's object history (KASAN's "freed by" / "allocated by", each with the call
// chain and trace step of the statement) and the headlines of --all, which say where each
// violation is when two of them would read the same. Models run through the whole pipeline.
import { describe, expect, it } from "vitest";
import type { SearchOptions } from "@knot/engine";
import { check } from "../../engine/src/test-pipeline.js";
import { buildCheckReport } from "./check-report.js";
import { renderCheckText } from "./text.js";

function text(source: string, search: SearchOptions = {}): string {
  const r = check(source, search);
  return renderCheckText(buildCheckReport(r.model, r, { search: "bfs", version: "test" }));
}

describe("text reports", () => {
  it("a use-after-free shows who freed the object and who allocated it, with their call chains and steps", () => {
    const t = text(`
object buf[1] { len: 0..4 }
var g: buf
proc release(b: buf) { free b }
process opener { g := alloc buf {len: 2} }
process closer { await g != null; call release(g) }
process reader { await g != null; var b: buf = g; await b.len == 0 }
`);
    expect(t).toContain("buf[0] freed by closer (step ");
    expect(t).toMatch(/ -> release\s+model\.knot:6:/);
    expect(t).toMatch(/ -> free b\s+model\.knot:4:24/);
    expect(t).toMatch(/buf\[0\] allocated by opener \(step 1\):\n\s+-> g := alloc buf \{len: 2\}/);
    const initial = text(`
object buf[1] { len: 0..4 }
var g: buf = alloc buf {len: 1}
process p { free g; free g }
`);
    expect(initial).toContain("buf[0] allocated in the initial state");
  });

  it("under --all, violations with the same headline at different statements say where each is", () => {
    const t = text(`
object b[1] { n: 0..1 }
proc f(x: b) { x.n := 1 }
process p { var x = alloc b {}; free x; either { x.n := 1 } or { call f(x) } }
`, { all: true });
    const heads = t.split("\n").filter((l) => l.startsWith("violation["));
    expect(heads).toHaveLength(2);
    expect(heads[0]).toMatch(/which was freed \(at model\.knot:4:\d+\)$/);
    expect(heads[1]).toMatch(/which was freed \(at model\.knot:3:16\)$/);
  });

  it("a field written in a live object is a change of its own, named as the kernel writes it", () => {
    const t = text(`
object buf[1] { len: 0..4, on: bool }
process p { var b = alloc buf {len: 2}; b.len := 3; assert b.len == 2 }
`);
    expect(t).toContain("buf[0]: unallocated → {len: 2, on: false}");
    expect(t).toContain("buf[0]->len: 2 → 3");
    expect(t).not.toContain("{len: 2, on: false} → {len: 3, on: false}");
  });

  it("folds a long initial state into lines of at most 100 characters, one value after another", () => {
    const t = text(`
var a_rather_long_variable_name: 0..3 = 1
var another_rather_long_variable_name: 0..3 = 2
var yet_another_rather_long_variable_name: 0..3 = 3
var and_one_more_long_variable_name: 0..3 = 0
process p { assert a_rather_long_variable_name == 0 }
`);
    const lines = t.split("\n");
    const i = lines.findIndex((l) => l.startsWith("    initial: "));
    expect(lines[i]).toBe("    initial: a_rather_long_variable_name = 1, another_rather_long_variable_name = 2,");
    expect(lines[i + 1]).toBe("             yet_another_rather_long_variable_name = 3, and_one_more_long_variable_name = 0");
  });

  it("cuts a value longer than a line at its fields' commas, continued two columns in", () => {
    const t = text(`
object device_with_a_long_name[1] { first_field_with_a_long_name: 0..3, second_field_with_a_long_name: 0..3, third_field_with_a_long_name: 0..3 }
var d: device_with_a_long_name = alloc device_with_a_long_name {}
process p { assert d == null }
`);
    const lines = t.split("\n");
    const i = lines.findIndex((l) => l.startsWith("             device_with_a_long_name[0] = {"));
    expect(lines.slice(i, i + 2)).toEqual([
      "             device_with_a_long_name[0] = {first_field_with_a_long_name: 0,",
      "               second_field_with_a_long_name: 0, third_field_with_a_long_name: 0}",
    ]);
    expect(lines.slice(lines.findIndex((l) => l.startsWith("    initial: ")), i + 2).every((l) => l.length <= 100)).toBe(true);
  });
});

