// Tests of the span-marker test helper itself: a helper that silently
// mis-strips markers would make every marked test meaningless.
import { describe, expect, it } from "vitest";
import { LangCodes } from "./diagnostics.js";
import { compileMarked, expectMarkedDiagnostics, markLocation, stripMarkers } from "./test-markers.js";

describe("stripMarkers", () => {
  it("removes markers and records the marked ranges", () => {
    const { text, marks } = stripMarkers("var x: 0..3 = [[foo]]\n[[]]mutex m");
    expect(text).toBe("var x: 0..3 = foo\nmutex m");
    expect(marks.map((m) => [m.start, m.end, m.text])).toEqual([[14, 17, "foo"], [18, 18, ""]]);
    expect(marks.map((m) => markLocation(m, { "m.knot": text }))).toEqual(["m.knot:1:15-1:18", "m.knot:2:1-2:1"]);
  });

  it("supports nested marks", () => {
    const { text, marks } = stripMarkers("x := [[a + [[b]]]] * c");
    expect(text).toBe("x := a + b * c");
    expect(marks.map((m) => m.text)).toEqual(["a + b", "b"]);
  });

  it("takes the outermost brackets of a run as markers", () => {
    expect(stripMarkers("[[m[0]]]").marks.map((m) => m.text)).toEqual(["m[0]"]);
    expect(stripMarkers("x = [[[0: 1]]]").marks.map((m) => m.text)).toEqual(["[0: 1]"]);
    const spaced = stripMarkers("m[ [[k]] ]");
    expect([spaced.text, spaced.marks[0]!.text]).toEqual(["m[ k ]", "k"]);
    expect(stripMarkers("a[0]]").text).toBe("a[0]]");
  });

  it("rejects an unclosed marker", () => {
    expect(() => stripMarkers("var [[x")).toThrow(/unclosed/);
  });
});

describe("expectMarkedDiagnostics", () => {
  it("fails when a diagnostic's span differs from its mark", () => {
    const r = compileMarked("var b: bool = [[1]] " + "\nprocess p { skip }");
    expect(() => expectMarkedDiagnostics(r.diagnostics, r, [LangCodes.TypeMismatch])).not.toThrow();
    const shifted = compileMarked("var b: bool = [[1 ]]" + "\nprocess p { skip }");
    expect(() => expectMarkedDiagnostics(shifted.diagnostics, shifted, [LangCodes.TypeMismatch])).toThrow();
    expect(() => expectMarkedDiagnostics(r.diagnostics, r, [LangCodes.UnknownName])).toThrow();
  });
});
