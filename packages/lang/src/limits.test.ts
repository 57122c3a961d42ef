// The front end's limits (limits.ts, docs/language.md#limits): every model right
// at a nesting limit compiles; one step past it gives exactly one diagnostic, at
// the right line, and the parser carries on after it (the declarations after the
// bad one parse); names past 255 characters are an error that does not quote
// the whole name; the "did you mean" search is exact within its band and gives
// no suggestion for long names; values too large to store are refused before
// anything of their size is built; and inputs that used to be quadratic in the
// number of names or errors (thousands of unknown names, thousands of erroneous
// constants) or overflowed a call's arguments (a set literal of 300,000
// elements, 200,000 syntax errors) come back with their diagnostics.
import { describe, expect, it } from "vitest";
import { LangCodes } from "./diagnostics.js";
import { compileModel } from "./front-end.js";
import { MAX_EXPRESSION_DEPTH, MAX_IDENTIFIER_LENGTH, MAX_SUGGESTED_NAME_LENGTH, MAX_VALUE_SLOTS } from "./limits.js";
import { memoryHost } from "./loader.js";
import { boundedEditDistance, closestName } from "./names.js";
import { parse } from "./parser.js";
import { prng } from "./test-mutate.js";
import { SourceFile } from "./source.js";
import { atLimitModels, overLimitModels } from "./test-limit-models.js";
import { SUGGESTION_COMPARISONS } from "./checker-limits.js";

function compile(text: string) {
  return compileModel("m.knot", { host: memoryHost({ "m.knot": text }) });
}

function errors(text: string) {
  return compile(text).diagnostics.filter((d) => d.severity === "error");
}

function line(d: { span?: { file: SourceFile; start: number } }): number | undefined {
  return d.span?.file.position(d.span.start).line;
}

describe("nesting limits", () => {
  for (const m of atLimitModels()) {
    it(`compiles ${m.name}`, () => {
      expect(errors(m.text).map((d) => `${d.code} ${d.message}`)).toEqual([]);
    });
  }

  for (const m of overLimitModels().filter((x) => !x.code.startsWith("K6"))) {
    it(`gives one ${m.code} for ${m.name}`, () => {
      const es = errors(m.text);
      expect(es.map((d) => d.code)).toEqual([m.code]);
      if (m.line !== undefined) expect(line(es[0]!)).toBe(m.line);
      expect(es[0]!.message.length).toBeLessThan(200);
    });
  }

  it("parses on after a construct nested too deeply, without errors of its own", () => {
    const deep = "(".repeat(MAX_EXPRESSION_DEPTH + 10) + "1" + ")".repeat(MAX_EXPRESSION_DEPTH + 10);
    const text = `var x: 0..3\nconst K = ${deep}\nprocess p {\n  x := ${deep}\n  x := 2\n}\nprocess q { x := 3 }\n`;
    const r = parse(new SourceFile("m.knot", text));
    expect(r.diagnostics.map((d) => `${d.code}@${line(d)}`)).toEqual(["K2007@2", "K2007@4"]);
    expect(r.module.decls.map((d) => d.kind)).toEqual(["Var", "Process", "Process"]);
    const p = r.module.decls[1] as { body: { stmts: { kind: string }[] } };
    expect(p.body.stmts.map((s) => s.kind)).toEqual(["Assign"]); // the bad statement is skipped, the next one kept
  });

  it("counts a chain the parser builds in a loop as deep as its tree", () => {
    // x[0][0]... and a.f.f... are left-leaning chains like 1 + 1 + ...
    const over = errors(`var m: [0..0] 0..0\nvar x: 0..0\nprocess p { x := m${"[0]".repeat(MAX_EXPRESSION_DEPTH)} }\n`);
    expect(over.map((d) => d.code)).toEqual([LangCodes.ExpressionTooDeep]);
  });
});

describe("identifiers", () => {
  it(`allows ${MAX_IDENTIFIER_LENGTH} characters and reports a longer name without quoting it whole`, () => {
    const ok = "a".repeat(MAX_IDENTIFIER_LENGTH);
    expect(errors(`var ${ok}: bool\nprocess p { ${ok} := true }\n`)).toEqual([]);
    const long = "b".repeat(1 << 20);
    const es = errors(`var ${long}: bool\nprocess p { ${long}x := true }\n`);
    expect(es.map((d) => d.code)).toEqual([LangCodes.IdentifierTooLong, LangCodes.IdentifierTooLong]);
    expect(es[0]!.message).toBe(`identifier '${"b".repeat(32)}...' is 1,048,576 characters long; names are limited to ${MAX_IDENTIFIER_LENGTH}`);
    expect(es[0]!.span!.end - es[0]!.span!.start).toBe(1 << 20);
  });

  it("does not quote a long name in a syntax error either", () => {
    const long = "c".repeat(5000);
    const es = parse(new SourceFile("m.knot", `process p { x := 1 ${long} }\n`)).diagnostics;
    expect(es.map((d) => d.code)).toEqual([LangCodes.IdentifierTooLong, LangCodes.Expected]);
    expect(es[1]!.message).toBe(`expected ';' or a line break between statements, found identifier '${"c".repeat(32)}...' (5000 characters)`);
    expect(es.every((d) => d.message.length < 300)).toBe(true);
  });
});

describe("did you mean", () => {
  function levenshtein(a: string, b: string): number {
    const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = dp[0]!;
      dp[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = dp[j]!;
        dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return dp[b.length]!;
  }

  it("computes the distance exactly within its band, and says 'more' beyond it", () => {
    const random = prng(42);
    const word = () => Array.from({ length: Math.floor(random() * 9) }, () => "abc"[Math.floor(random() * 3)]).join("");
    for (let k = 0; k < 20000; k++) {
      const a = word();
      const b = word();
      const max = Math.floor(random() * 5);
      const d = levenshtein(a, b);
      const got = boundedEditDistance(a, b, max);
      if (d <= max) expect(got, `${a} ${b} ${max}`).toBe(d);
      else expect(got, `${a} ${b} ${max}`).toBeGreaterThan(max);
    }
  });

  it("suggests as before for ordinary names, and nothing for names over the length it considers", () => {
    expect(closestName("fo", ["foo", "bar"])).toBe("foo");
    expect(closestName("group_lokc", ["group_lock", "kvm_lock"])).toBe("group_lock");
    expect(closestName("kvm_users_count", ["kvm_users", "kvm_users_cnt"])).toBe("kvm_users_cnt");
    expect(closestName("abcdefghijklmnopq", ["abcdefghijklm"])).toBeUndefined(); // 4 shorter: never
    const long = "x".repeat(MAX_SUGGESTED_NAME_LENGTH + 1);
    expect(closestName(long, [`${long}y`])).toBeUndefined();
    expect(closestName(long.slice(1), [`${long.slice(1)}y`])).toBe(`${long.slice(1)}y`);
  });

  it("stops suggesting once a run has compared its budget of names", () => {
    const n = Math.ceil(Math.sqrt(SUGGESTION_COMPARISONS)) + 10;
    const lines = Array.from({ length: n }, (_, i) => `var v${i}: bool`);
    lines.push("process p {", ...Array.from({ length: n }, (_, i) => `  w${i} := true`), "}");
    const es = errors(lines.join("\n"));
    expect(es.length).toBe(n);
    expect(es[0]!.message).toBe("unknown variable 'w0' (did you mean 'v0'?)");
    expect(es[n - 1]!.message).toBe(`unknown variable 'w${n - 1}'`);
  });
});

describe("sizes", () => {
  it("refuses a value type of more slots than a value may have, before building one", () => {
    const es = errors("var m: [0..4095] [0..4095] bool\nprocess p { skip }\n");
    expect(es.map((d) => `${d.code}@${line(d)}`)).toEqual(["K4005@1"]);
    expect(es[0]!.message).toBe(`a value of type [0..4095] [0..4095] bool takes 16,777,216 slots; a value is limited to ${MAX_VALUE_SLOTS.toLocaleString("en-US")} (use smaller key types)`);
    expect(errors("type R = {a: [0..4095] [0..7] bool, b: [0..4095] [0..7] bool, c: bool}\nvar r: R\nprocess p { skip }\n").map((d) => d.code)).toEqual(["K4005"]);
    // a comprehension's map type comes from its domain, not from a written type
    expect(errors("type S = 0..30\nconst c = [a in S: [b in S: [x in S: [y in S: 0]]]]\nprocess p { skip }\n").map((d) => d.code)).toEqual(["K4005"]);
    // exactly at the limit is fine
    expect(errors("var m: [0..4095] [0..15] bool\nprocess p { skip }\n")).toEqual([]);
  });

  it("reports a part in error once, not again for the types built from it", () => {
    expect(errors("type R = {a: nope, b: bool}\nvar r: R\nprocess p { r.b := true }\n").map((d) => d.code)).toEqual(["K3003"]);
  });

  it("copes with a set literal of 300,000 elements and a file of 200,000 syntax errors", () => {
    expect(errors(`var s: set<0..3>\nprocess p { s := {${Array(300000).fill("1").join(",")}} }\n`)).toEqual([]);
    const r = compile("@\n".repeat(200000));
    expect(r.diagnostics.length).toBe(200000);
  });

  it("checks thousands of erroneous constants without rescanning every error for each", () => {
    const lines = Array.from({ length: 20000 }, (_, i) => `const K${i}: 0..3 = ${i % 2 ? `nope${i}` : "1"}`);
    const es = errors(`${lines.join("\n")}\nprocess p { skip }\n`);
    expect(es.length).toBe(10000);
    expect(es.every((d) => d.code === LangCodes.UnknownName)).toBe(true);
  });
});
