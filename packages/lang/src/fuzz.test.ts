// Robustness: mutated versions of the seed models (tokens deleted, duplicated,
// swapped or inserted, text truncated, random characters inserted) never make
// the front end throw, and every diagnostic it reports has a span inside its
// file (or no span). Deterministic: a seeded PRNG, the same inputs every run.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Override } from "./checker.js";
import type { Diagnostic } from "./diagnostics.js";
import { compileModel } from "./front-end.js";
import { KEYWORDS } from "./lexer.js";
import { memoryHost } from "./loader.js";
import type { Span } from "./source.js";

const SEEDS = {
  core: readFileSync("models/kvm/core.knot", "utf8"),
  vfio: readFileSync("models/kvm/vfio.knot", "utf8"),
  philosophers: readFileSync("models/examples/philosophers.knot", "utf8"),
};

/** Tokens likely to reach deeper into the parser and checker than random bytes do. */
const VOCABULARY = [
  "{", "}", "(", ")", "[", "]", "..", ",", ":", ";", ":=", "==", "=", "+", "-", "*", "/", "%", "&", "\n",
  "in", "not", "if", "then", "else", "call", "forall", "exists", "none", "null", "true", "0", "-1", "99999999999", "0x",
  "size(", "held(", "locked(", "dec_and_test(", "set<", "bool", "Dev", "N", "d", "p", "kvm_vfio", "dev_ops", "kvm_users",
  "\\A", "\\E", "\\in", "/\\", "\\/", "~", "#", '"', "/*", "\\*", "[x in Dev: ", "{a: 1}", "[]", "{}",
  "return", "either", "or", "pick", "atomic", "await", "assert", "get", "put", "lock", "unlock", "down_read", "up_write",
  "type", "var", "const", "ops", "refcount", "mutex", "rwsem", "spinlock", "proc", "process", "invariant", "final",
  "process q { skip }\n", 'import "core.knot"\n', 'import "m.knot"\n', "const K = K\n", "type T = set<T>\n",
];

const OVERRIDES: Override[][] = [[], [], [{ name: "TEARDOWN", text: "destroy" }], [{ name: "N", text: "3" }], [{ name: "N", text: "N+1" }]];

/** mulberry32: a small deterministic PRNG with values in [0, 1). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tokenize(text: string): string[] {
  return text.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+|"[^"\n]*"|\/\/[^\n]*|\S/g) ?? [];
}

/** Apply 1-3 random edits; `renameOnly` keeps to renames, which mostly still parse and so exercise the checker. */
function mutate(text: string, random: () => number, renameOnly = false): string {
  const pick = (n: number) => Math.floor(random() * n);
  let tokens = tokenize(text);
  const count = 1 + pick(3);
  for (let m = 0; m < count && tokens.length > 0; m++) {
    const i = pick(tokens.length);
    switch (renameOnly ? 6 : pick(8)) {
      case 0: tokens.splice(i, 1); break; // delete
      case 1: tokens.splice(i, 0, tokens[i]!); break; // duplicate
      case 2: { const j = pick(tokens.length); [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!]; break; } // swap
      case 3: tokens = tokens.slice(0, i); break; // truncate
      case 4: tokens.splice(i, 0, String.fromCharCode(pick(0x250))); break; // a random character
      case 5: tokens.splice(i, 0, tokens[pick(tokens.length)]!); break; // copy a token from elsewhere
      case 6: { // rename: an identifier becomes another one of the file (mostly still parses)
        const isName = (t: string) => /^[A-Za-z_]\w*$/.test(t) && !KEYWORDS.has(t);
        const words = tokens.filter(isName);
        const at = tokens.findIndex((t, k) => k >= i && isName(t));
        if (at >= 0) tokens[at] = words[pick(words.length)]!;
        break;
      }
      default: tokens.splice(i, 0, ` ${VOCABULARY[pick(VOCABULARY.length)]!} `); break;
    }
  }
  return tokens.join("");
}

function spanProblem(span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const { start, end, file } = span;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return `non-integer span ${start}..${end}`;
  if (start < 0 || start > end || end > file.text.length) return `span ${start}..${end} outside ${file.path} (length ${file.text.length})`;
  return undefined;
}

function problemsOf(diags: readonly Diagnostic[]): string[] {
  const problems: string[] = [];
  for (const d of diags) {
    const p = spanProblem(d.span);
    if (p) problems.push(`${d.code} ${d.message}: ${p}`);
    for (const r of d.related) {
      const q = spanProblem(r.span);
      if (q) problems.push(`${d.code} related ${r.message}: ${q}`);
    }
    if (!/^K[1-5]\d{3}$/.test(d.code)) problems.push(`unknown code ${d.code}`);
  }
  return problems;
}

describe("front end on mutated seed models", () => {
  it("never throws and reports only valid spans", () => {
    const random = prng(20240611);
    const names = Object.keys(SEEDS) as (keyof typeof SEEDS)[];
    let checked = 0;
    const failures: string[] = [];
    for (let n = 0; n < 300; n++) {
      const seed = names[n % names.length]!;
      const root = mutate(SEEDS[seed], random, random() < 0.35);
      // sometimes the imported file is broken too
      const core = random() < 0.2 ? mutate(SEEDS.core, random) : SEEDS.core;
      const overrides = OVERRIDES[Math.floor(random() * OVERRIDES.length)]!;
      try {
        const r = compileModel("m.knot", { host: memoryHost({ "m.knot": root, "core.knot": core }), overrides });
        for (const p of problemsOf(r.diagnostics)) failures.push(`#${n}: ${p}`);
        if (r.diagnostics.every((d) => !/^K[12]/.test(d.code))) checked++;
      } catch (e) {
        failures.push(`#${n}: threw ${(e as Error).stack ?? String(e)}\n--- input ---\n${root}`);
      }
    }
    expect(failures).toEqual([]);
    // the mutations must also reach the checker, not only the lexer and parser
    expect(checked).toBeGreaterThan(80);
  });

  it("handles degenerate inputs", () => {
    for (const text of ["", "\n", "}", "{", "process", "process p {", "import", 'import "m.knot"', "/*", '"', "\\", "\u0000", "😀".repeat(3)]) {
      const r = compileModel("m.knot", { host: memoryHost({ "m.knot": text }) });
      expect(problemsOf(r.diagnostics), JSON.stringify(text)).toEqual([]);
      expect(r.diagnostics.length, JSON.stringify(text)).toBeGreaterThan(0);
    }
  });
});
