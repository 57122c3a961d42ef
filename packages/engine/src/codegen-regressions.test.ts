// Models the generated code got wrong (found by tests/differential/compiled-random.test.ts
// or by hand), each run by both engines, which must agree (test-pipeline.ts).
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import { runBothEngines } from "./test-pipeline.js";

const cacheDir = testDir("knot-codegen-regressions-");

describe("generated code", () => {
  it("has a successor function for a location without steps (an await of a constant false after a shared statement)", () => {
    // the compiled engine called a missing location function here (internal error)
    expect(runBothEngines("var x: bool\nprocess d { x := true; await false }\nprocess e { x := false }", cacheDir).violations).toEqual([
      "stuck: no thread can move: d cannot continue (every branch's condition is false)",
    ]);
  });

  it("writes a negative constant slot in parentheses, so that negating it is no decrement (seed 345)", () => {
    // a local that never changes takes no bits and is read as its value; `-${v}` of "-1" was "--1", a syntax error
    const r = runBothEngines("var y: -3..3\nvar c: -1..1 = -1\nprocess p { y := -c; assert y == 1 or y == 0 }\nprocess q { y := 0 }", cacheDir);
    expect(r.violations).toEqual([]);
  });
});
