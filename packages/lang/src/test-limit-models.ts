// Test helper: models right at each nesting limit of limits.ts, and models one
// step past it. Every model at a limit has a counterexample through its deepest
// part (a step, then an assertion that fails there), so that a test can run it
// through every stage: check, lower, explore with both engines, replay in the
// reference, render the report. Every model past a limit names the diagnostic
// it must give (code, and the line it is on). The sizes follow the constants, so
// the tests keep testing the limits if they change. Test-only (excluded from the
// build).
import { MAX_BLOCK_DEPTH, MAX_EXPRESSION_DEPTH, MAX_IDENTIFIER_LENGTH, MAX_TYPE_DEPTH } from "./limits.js";

export interface LimitModel {
  name: string;
  text: string;
}

export interface OverLimitModel extends LimitModel {
  /** The one error the model must give. */
  code: string;
  /** Its 1-based line, when the test should check it. */
  line?: number;
}

/** The lowering's limit on blocks and calls nested once calls are inlined (packages/ir/src/lower-limits.ts). */
export const INLINED_DEPTH = 128;

const E = MAX_EXPRESSION_DEPTH;
const B = MAX_BLOCK_DEPTH;
const T = MAX_TYPE_DEPTH;

/** `n` ones added up: a left-leaning chain `n` levels deep. */
function ones(n: number): string {
  return Array(n).fill("1").join(" + ");
}

/** `inner` inside `n` nested `if x == 1 { ... }` blocks, one per line. */
function nestIfs(inner: string, n: number): string {
  let s = inner;
  for (let i = 0; i < n; i++) s = `if x == 1 {\n${s}\n}`;
  return s;
}

/** x := 1 (the step before the assertion), then the body; `x` is 1 from then on. */
function oneProcess(decls: string, body: string): string {
  return `${decls}\nvar x: 0..3\nprocess p {\n  x := 1\n${body}\n}\n`;
}

/** A chain of procedures calling each other, nesting `depth` levels of blocks and calls once inlined, the assertion at the bottom. */
function callChain(depth: number): string {
  const per = 40; // blocks in each procedure's body
  const bodies: number[] = [];
  for (let left = depth - 1; left > 0; ) {
    const n = Math.min(per, left - 1);
    bodies.push(n);
    left -= n + 1; // the call, and the callee's blocks
  }
  const procs = bodies.map((n, j) => {
    const inner = j === bodies.length - 1 ? `assert ${ones(E - 1)} == 0` : `call f${j + 1}()`;
    return `proc f${j}() {\n${nestIfs(inner, n - 1)}\n}`;
  });
  return `var x: 0..3\n${procs.join("\n")}\nprocess p {\n  x := 1\n  call f0()\n}\n`;
}

function forwardConsts(n: number): string {
  const lines = [];
  for (let i = 0; i < n - 1; i++) lines.push(`const C${i}: 0..9 = C${i + 1}`);
  lines.push(`const C${n - 1}: 0..9 = 1`);
  return lines.join("\n");
}

function nestedRecord(levels: number): string {
  return "{f: ".repeat(levels) + "bool" + "}".repeat(levels);
}

export function atLimitModels(): LimitModel[] {
  return [
    { name: `a chain of + ${E} levels deep`, text: oneProcess("", `  assert ${ones(E - 1)} == 0`) },
    { name: `an expression in ${E - 1} parentheses`, text: oneProcess("", `  assert ${"(".repeat(E - 1)}x == 0${")".repeat(E - 1)}`) },
    { name: `${E - 2} unary minus signs`, text: oneProcess("", `  assert ${"-".repeat(E - 2)}x == 0`) },
    { name: `${E - 1} times not`, text: oneProcess(`var b: bool = ${(E - 1) % 2 === 1}`, `  assert ${"not ".repeat(E - 1)}b`) },
    { name: `map entries indexed ${E - 3} deep`, text: oneProcess("var m: [0..0] 0..0", `  assert m${"[m".repeat(E - 3)}[0]${"]".repeat(E - 3)} == 1`) },
    { name: `${B} nested blocks`, text: oneProcess("", nestIfs("assert x == 0", B - 1)) },
    { name: `an if with ${B - 2} else-ifs`, text: oneProcess("", `  if x == 0 { x := 2 }${" else if x == 0 { x := 2 }".repeat(B - 2)} else { assert x == 0 }`) },
    { name: `${B} nested blocks around a chain ${E} deep`, text: oneProcess("", nestIfs(`assert ${ones(E - 1)} == 0`, B - 1)) },
    { name: `${B} nested blocks around ${E - 2} parentheses`, text: oneProcess("", nestIfs(`assert ${"(".repeat(E - 2)}x == 0${")".repeat(E - 2)}`, B - 1)) },
    { name: `calls nesting ${INLINED_DEPTH} levels once inlined`, text: callChain(INLINED_DEPTH) },
    { name: `a record type ${T} levels deep`, text: oneProcess(`type R = ${nestedRecord(T - 1)}\nvar v: R`, `  assert v${".f".repeat(T - 1)}`) },
    { name: `${E} constants each defined by the next`, text: oneProcess(forwardConsts(E), "  assert x != C0") },
    { name: `a name of ${MAX_IDENTIFIER_LENGTH} characters`, text: oneProcess(`var ${"n".repeat(MAX_IDENTIFIER_LENGTH)}: bool`, `  assert ${"n".repeat(MAX_IDENTIFIER_LENGTH)}`) },
  ];
}

export function overLimitModels(): OverLimitModel[] {
  // the declarations after the bad one must not add errors of their own
  const after = "\nprocess q { x := 2 }\n";
  return [
    { name: `a chain of + ${E + 1} levels deep`, code: "K2007", line: 5, text: oneProcess("", `  assert ${ones(E + 1)} == 0`) + after },
    { name: `${E} parentheses`, code: "K2007", line: 5, text: oneProcess("", `  assert ${"(".repeat(E)}x == 0${")".repeat(E)}`) + after },
    { name: `${E} times not`, code: "K2007", line: 5, text: oneProcess("var b: bool", `  assert ${"not ".repeat(E)}b`) + after },
    { name: `${B + 1} nested blocks`, code: "K2008", line: 4 + B, text: oneProcess("", nestIfs("assert x == 0", B)) + after },
    { name: `an if with ${B - 1} else-ifs`, code: "K2008", line: 5, text: oneProcess("", `  if x == 0 { x := 2 }${" else if x == 0 { x := 2 }".repeat(B - 1)} else { assert x == 0 }`) + after },
    { name: `a map type ${T + 1} levels deep`, code: "K2009", line: 1, text: oneProcess(`var m: ${"[bool] ".repeat(T)}bool`, "  skip") + after },
    { name: `a record type ${T} levels deep through named types`, code: "K2009", line: T + 1, text: oneProcess(`type R0 = bool\n${Array.from({ length: T }, (_, i) => `type R${i + 1} = {f: R${i}}`).join("\n")}\nvar v: R${T}`, "  skip") + after },
    { name: `${T + 1} type names each defined by the next`, code: "K2009", line: T + 1, text: oneProcess(`${Array.from({ length: T + 1 }, (_, i) => `type N${i} = N${i + 1}`).join("\n")}\ntype N${T + 1} = bool\nvar v: N0`, "  skip") + after },
    { name: `${E + 1} constants each defined by the next`, code: "K2007", line: E + 1, text: oneProcess(forwardConsts(E + 1), "  assert x == C0") + after },
    { name: `a name of ${MAX_IDENTIFIER_LENGTH + 1} characters`, code: "K1005", line: 1, text: oneProcess(`var ${"n".repeat(MAX_IDENTIFIER_LENGTH + 1)}: bool`, "  skip") + after },
    { name: `calls nesting ${INLINED_DEPTH + 1} levels once inlined`, code: "K6008", text: callChain(INLINED_DEPTH + 1) },
  ];
}
