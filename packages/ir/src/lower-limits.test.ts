// Lowering's limits (lower-limits.ts): the state's size is refused before it is
// allocated (K6007, naming its largest parts; exactly at the limit it lowers),
// blocks and calls nested too deeply once inlined (K6008), and steps holding too
// much work (K6004); a hundred thousand local statements in a row lower (the
// path walk is not recursive, and not quadratic); and the chains lowering builds
// from one construct (comparing two maps, a map entry chosen at run time, a set
// literal) are balanced when long, so the IR stays shallow.
import { describe, expect, it } from "vitest";
import { MAX_STATE_SLOTS } from "@knot/lang";
import { atLimitModels, INLINED_DEPTH, overLimitModels } from "../../lang/src/test-limit-models.js";
import { IrCodes } from "./diagnostics.js";
import { MAX_INLINED_DEPTH, MAX_STEP_NODES } from "./lower-limits.js";
import type { Expr, Model } from "./model.js";
import { lower, tryLower } from "./test-lower.js";

function codes(source: string): string[] {
  return tryLower(source).diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
}

function message(source: string): string {
  const d = tryLower(source).diagnostics;
  expect(d.length).toBe(1);
  return d[0]!.message;
}

/** The deepest expression tree in any step's ops, measured without recursion. */
function deepestExpr(m: Model): number {
  let deepest = 0;
  const visit = (root: Expr) => {
    const stack: [Expr, number][] = [[root, 1]];
    while (stack.length) {
      const [e, d] = stack.pop()!;
      deepest = Math.max(deepest, d);
      const kids: Expr[] = [];
      switch (e.k) {
        case "un": case "pos": case "bit": kids.push(e.a); break;
        case "bin": kids.push(e.a, e.b); break;
        case "ite": kids.push(e.c, e.a, e.b); break;
        case "member": kids.push(e.a, e.set); break;
        case "table": kids.push(e.index); break;
        default: break;
      }
      for (const k of kids) stack.push([k, d + 1]);
    }
  };
  for (const st of m.steps) {
    for (const op of st.ops) {
      if (op.k === "assume" || op.k === "check") visit(op.cond);
      if (op.k === "assign") op.values.forEach(visit);
    }
  }
  return deepest;
}

describe("the state's size", () => {
  it(`lowers a state of exactly ${MAX_STATE_SLOTS} slots`, () => {
    // 65,534 slots of variables, and one thread: a program counter and a local
    const m = lower("var a: [0..4095] [0..14] bool\nvar c: [0..4093] bool\nprocess p { var y: bool = true; c[0] := y }\n");
    expect(m.layout.width).toBe(MAX_STATE_SLOTS);
    expect(codes("var a: [0..4095] [0..14] bool\nvar c: [0..4094] bool\nprocess p { var y: bool = true; c[0] := y }\n")).toEqual([IrCodes.StateTooLarge]);
  });

  it("names the largest parts when their sum is too large", () => {
    expect(message("var a: [0..4095] [0..15] bool\nvar b: [0..4095] [0..15] bool\nvar c: 0..3\nprocess p { c := 1 }\n"))
      .toBe("the state needs 131,073 slots (512 KiB a state); the limit is 65,536 — the largest parts: variable 'a' 65,536 (model.knot:1:5), variable 'b' 65,536 (model.knot:2:5), variable 'c' 1 (model.knot:3:5)");
    expect(message("mutex m[0..4095]\nrefcount r[0..4095] = 1\nvar s: [0..4095] [0..7] 0..3\nvar t: [0..4095] [0..7] 0..3\nprocess p { skip }\n"))
      .toMatch(/^the state needs 73,728 slots \(288 KiB a state\); .* variable 's' 32,768 \(model\.knot:3:5\), variable 't' 32,768 \(model\.knot:4:5\), lock 'm' 4,096 \(model\.knot:1:7\)$/);
  });

  it("counts object pools (objects × fields) and says when one part alone is too large", () => {
    expect(message("object o[64] { m: [0..4095] bool }\nprocess p { skip }\n"))
      .toBe("the state needs 262,208 slots (1 MiB a state); the limit is 65,536 — object pool 'o' alone takes 262,208 (model.knot:1:8)");
  });

  it("counts every thread's locals, with a frame for each inlined call, and stops lowering there", () => {
    const msg = message("var c: 0..3\nproc f() { var big: [0..4095] [0..3] bool; c := 1 }\nprocess p[i in 0..63] { call f(); call f() }\n");
    expect(msg).toMatch(/^the state needs at least 1,048,641 slots \(4 MiB a state\); the limit is 65,536 — process 'p' \(64 threads × 16,385 slots: a program counter and the locals of every inlined call\) alone takes 1,048,640 \(so far\)/);
    // one frame is within the limit, two calls (two frames) are not
    expect(codes("var c: 0..3\nproc f() { var big: [0..4095] [0..7] bool; c := 1 }\nprocess p { call f() }\n")).toEqual([]);
    expect(codes("var c: 0..3\nproc f() { var big: [0..4095] [0..7] bool; c := 1 }\nprocess p { call f(); call f() }\n")).toEqual([IrCodes.StateTooLarge]);
  });
});

describe("nesting once calls are inlined", () => {
  it(`lowers every model at a nesting limit, and the chain of calls ${INLINED_DEPTH} levels deep`, () => {
    expect(MAX_INLINED_DEPTH).toBe(INLINED_DEPTH);
    for (const m of atLimitModels()) expect(tryLower(m.text).diagnostics, m.name).toEqual([]);
  });

  it("refuses calls nested one level deeper", () => {
    const over = overLimitModels().find((m) => m.code === IrCodes.NestedTooDeeply)!;
    const d = tryLower(over.text).diagnostics;
    expect(d.map((x) => x.code)).toEqual([IrCodes.NestedTooDeeply]);
    expect(d[0]!.message).toBe(`process 'p' nests blocks and calls more than ${MAX_INLINED_DEPTH} levels deep once its calls are inlined; flatten the calls`);
  });
});

describe("long models", () => {
  it("lowers a hundred thousand local statements in a row into one step", () => {
    const body = Array(100000).fill("  a := (a + 1) % 4").join("\n");
    const m = lower(`var x: 0..3\nprocess q {\n  var a: 0..3 = 0\n${body}\n  x := a\n}\n`);
    expect(m.steps.length).toBe(2); // start-up (with all the local work), then x := a
  });

  it(`refuses steps that together hold more than ${MAX_STEP_NODES.toLocaleString("en-US")} operations, while expanding them`, () => {
    // 2^10000 ways through the local choices: every way is a step with the whole path's work
    const body = Array(10000).fill("  either { y := 1 } or { y := 2 }").join("\n");
    const d = tryLower(`var x: 0..3\nprocess a {\n  var y: 0..3 = 0\n${body}\n  x := y\n}\n`).diagnostics;
    expect(d.map((x) => x.code)).toEqual([IrCodes.TooLarge]);
    expect(d[0]!.message).toMatch(/^model too large: its steps hold more than 4,000,000 operations after inlining calls, unrolling loops and expanding branches; process 'a' has \d+ paths through its local branches towards end of a \(model\.knot:2\)/);
  });

  it("balances the long chains it builds, so the IR stays shallow", () => {
    const m = lower(`
      var a: [0..4095] bool
      var b: [0..4095] bool
      var c: bool
      var i: 0..4095
      var s: set<0..3>
      var v: [0..999] 0..3
      process p {
        await a == b
        c := (if c then a else b)[i]
        s := {${Array.from({ length: 1000 }, (_, k) => `v[${k}]`).join(", ")}}
      }
    `);
    // left-leaning, the comparison alone would be 4,096 levels deep, the set literal 1,000
    expect(deepestExpr(m)).toBeLessThan(64);
  });
});
