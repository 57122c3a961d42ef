// Exact integers in the front end: range types fit 32 bits (K4010), constants
// are computed with BigInt intermediates and must end within ±(2^53 - 1)
// (K5005), run-time expressions are bounded from what they read and rejected
// when an intermediate result could leave ±(2^53 - 1) (K4011), and closed
// constants inside run-time code are folded exactly. Marks [[…]] give the span
// of each expected diagnostic.
import { describe, expect, it } from "vitest";
import type { Expr } from "./ast.js";
import { LangCodes } from "./diagnostics.js";
import { checkMarked } from "./test-markers.js";

const C = LangCodes;

function messageOf(text: string, code: string): string {
  return checkMarked(text, [code]).diagnostics[0]!.message;
}

describe("range types fit 32 bits", () => {
  it("rejects a range past 2^31 - 1, built from constants past the literal limit (the silent-pass model)", () => {
    const m = messageOf("const N = 2147483647 * 4\nvar g: [[0..N]]\nvar bad: bool\nprocess p { g := N; if g == N { bad := true } }\ninvariant never_bad: not bad\n", C.RangeOutside32Bits);
    expect(m).toContain("0..8589934588 does not fit in 32 bits");
    expect(m).toContain("above 2147483647");
  });

  it("rejects a lower bound below -2^31, in a local, a parameter and a field", () => {
    checkMarked("const L = -2147483647 - 2\nvar g: [[L..0]]\nprocess p { skip }\n", [C.RangeOutside32Bits]);
    checkMarked("const L = -2147483647 - 2\nproc f(x: [[L..0]]) { skip }\nprocess p { var y: [[L..1]] = 0; call f(0) }\n", [C.RangeOutside32Bits, C.RangeOutside32Bits]);
    checkMarked("const H = 2147483647 + 1\ntype R = {a: [[0..H]]}\nvar r: R\nprocess p { skip }\n", [C.RangeOutside32Bits]);
  });

  it("accepts the full 32-bit range", () => {
    checkMarked("const L = -2147483647 - 1\nvar g: L..2147483647\nprocess p { g := L }\n", []);
  });

  it("rejects a refcount whose initial count does not fit", () => {
    checkMarked("refcount r = [[2147483647 * 2]]\nprocess p { skip }\n", [C.RangeOutside32Bits]);
  });
});

describe("constants are exact", () => {
  it("computes with BigInt intermediates", () => {
    const r = checkMarked("const A = 2147483647\nconst B = (A * A) % 2\nconst D = (A * A * A) / (A * A)\nvar x: 0..2147483647 = D\nvar y: 0..1 = B\nprocess p { skip }\n", []);
    const consts = r.model!.consts;
    expect(consts.find((c) => c.name === "B")!.value).toBe(1);
    expect(consts.find((c) => c.name === "D")!.value).toBe(2147483647);
  });

  it("compares exactly: (2^31 - 1)^2 + 1 > (2^31 - 1)^2", () => {
    const r = checkMarked("const A = 2147483647\nconst T: bool = A * A + 1 > A * A\nconst F: bool = A * A + 1 == A * A\nprocess p { skip }\n", []);
    expect(r.model!.consts.map((c) => c.value)).toEqual([2147483647, 1, 0]);
  });

  it("rejects a constant whose value is beyond 2^53 - 1", () => {
    const m = messageOf("const BIG = [[2147483647 * 2147483647]]\nprocess p { skip }\n", C.InexactInteger);
    expect(m).toContain("4611686014132420609");
    expect(m).toContain("9007199254740991");
  });

  it("truncates division toward zero and gives the remainder the dividend's sign, as C", () => {
    const r = checkMarked("const A = -7 / 2\nconst B = -7 % 2\nconst C2 = 7 % -2\nconst D = 7 / -2\nprocess p { skip }\n", []);
    expect(r.model!.consts.map((c) => c.value)).toEqual([-3, -1, 1, -3]);
  });
});

describe("run-time expressions stay exact", () => {
  it("rejects a product of two wide variables, naming it and the bound", () => {
    const m = messageOf("var x: 0..2147483647\nvar y: 0..100\nprocess p { x := 5; y := [[(x * x)]] % 7 }\n", C.InexactArithmetic);
    expect(m).toContain("'(x * x)' can be as large as 4611686014132420609");
    expect(m).toContain("'x' is 0..2147483647");
    expect(m).toContain("-9007199254740991..9007199254740991");
  });

  it("bounds through locals, parameters, map entries, fields, refcounts, conditionals and negation", () => {
    checkMarked(`
type R = {a: 0..2147483647}
var m: [0..1] 0..2147483647
var r: R
refcount c: 0..2147483647 = 0
var out: bool
proc f(p: 0..2147483647) { out := [[p * m[0]]] > 0 }
const L = -2147483647 - 1
process w {
  var l: L..0 = 0
  out := [[r.a * (if out then l else 1)]] < 0
  out := [[-l * c]] > 0
  call f(3)
}
`, [C.InexactArithmetic, C.InexactArithmetic, C.InexactArithmetic]);
  });

  it("accepts products that stay below 2^53 and sums of 32-bit values", () => {
    checkMarked("var x: 0..2147483647\nvar y: 0..4194303\nvar b: bool\nprocess p { b := x * y + x - y > 0; b := (x + x + x) / 3 == x; b := x % (y + 1) < 5 }\n", []);
  });

  it("reports a product of closed constants beyond 2^53 inside run-time code", () => {
    const m = messageOf("const A = 2147483647\nvar x: 0..3\nvar b: bool\nprocess p { b := ([[A * A]] * x) % 2 == 1 }\n", C.InexactArithmetic);
    expect(m).toContain("the value of 'A * A' is 4611686014132420609");
  });

  it("folds a closed constant exactly for the lowering, even with intermediates beyond 2^53", () => {
    const r = checkMarked("const A = 2147483647\nvar x: 0..3\nvar b: bool\nprocess p { x := 3; b := ((A * A) % 5) * x == 12; assert (2147483647 * 2147483647) % 2 == 1 }\n", []);
    const body = r.model!.processes[0]!.decl.body.stmts;
    const assign = body[1] as { kind: "Assign"; value: Expr & { kind: "Binary" } };
    const lhs = assign.value.left as Expr & { kind: "Binary" };
    expect(lhs.left.folded).toBe(4); // (A * A) % 5
    const assertion = body[2] as { kind: "Assert"; cond: Expr };
    expect(assertion.cond.folded).toBe(1);
  });

  it("folds closed constants inside alloc fields and other non-constant expressions", () => {
    checkMarked("const A = 2147483647\nmutex m\nobject node[1] { on: bool }\nvar gp: node = null\nprocess p { gp := alloc node {on: locked(m) and (A * A) % 2 == 1} }\n", []);
  });

  it("checks invariants and finals too", () => {
    checkMarked("var x: 0..2147483647\nprocess p { skip }\ninvariant i: [[x * x]] > 0\nfinal f: [[x * -x]] < 0\n", [C.InexactArithmetic, C.InexactArithmetic]);
  });
});
