// Test helper: mutations that push the front end's size and depth limits, for
// the parser fuzzer (fuzz.test.ts). Each takes a library model (test-mutate.ts)
// and makes it deep or long: an expression wrapped in parentheses, prefixed
// with `-` or `not`, or extended by a chain of `+` (sometimes unclosed); a
// statement wrapped in nested `if` blocks or followed by an `else if` chain; a
// type nested in maps, sets or records; an identifier made long (around the
// 255-character limit, or far past it); a declaration or statement repeated
// thousands of times; a token repeated. Depths are drawn around the limits
// (just under, at, just over) and far past them. Deterministic (mulberry32).
import { MAX_BLOCK_DEPTH, MAX_EXPRESSION_DEPTH, MAX_IDENTIFIER_LENGTH, MAX_TYPE_DEPTH } from "./limits.js";
import { KEYWORDS } from "./lexer.js";
import { type MutatedInput, modelFiles, prng, tokenize } from "./test-mutate.js";

export type SizeMutation =
  | "parentheses" | "minus" | "not" | "plus-chain" | "unclosed" | "if-blocks" | "else-if" | "nested-type"
  | "long-name" | "long-file" | "repeated-token";

const KINDS: SizeMutation[] = ["parentheses", "minus", "not", "plus-chain", "unclosed", "if-blocks", "else-if", "nested-type", "long-name", "long-file", "repeated-token"];

/** A depth around `limit`: just under, at, just over, or far past it. */
function depthAround(limit: number, random: () => number): number {
  const choices = [limit - 1, limit, limit + 1, 2 * limit, 20 * limit];
  return choices[Math.floor(random() * choices.length)]!;
}

const isName = (t: string) => /^[A-Za-z_]\w*$/.test(t) && !KEYWORDS.has(t);

/** One size mutation of `text`. */
export function mutateSize(text: string, kind: SizeMutation, random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  const tokens = tokenize(text);
  const lines = text.split("\n");
  // a position just before a name or number: most are inside an expression
  const operands = tokens.map((t, i) => (isName(t) || /^\d+$/.test(t) ? i : -1)).filter((i) => i >= 0);
  const at = operands.length ? operands[pick(operands.length)]! : 0;
  const around = (before: string, after: string) => [...tokens.slice(0, at), before, tokens[at] ?? "x", after, ...tokens.slice(at + 1)].join("");
  const e = depthAround(MAX_EXPRESSION_DEPTH, random);
  switch (kind) {
    case "parentheses": return around("(".repeat(e), ")".repeat(e));
    case "minus": return around("- ".repeat(e), "");
    case "not": return around("not ".repeat(e), "");
    case "plus-chain": return around("", " + 1".repeat(e));
    case "unclosed": return around("(".repeat(e), "");
    case "if-blocks":
    case "else-if": {
      const b = depthAround(MAX_BLOCK_DEPTH, random);
      // a statement line inside a body: indented
      const body = lines.map((l, i) => (/^\s+\S/.test(l) ? i : -1)).filter((i) => i >= 0);
      const i = body.length ? body[pick(body.length)]! : lines.length - 1;
      const stmt = lines[i] ?? "";
      lines[i] = kind === "if-blocks"
        ? `${"if true {\n".repeat(b)}${stmt}\n${"}\n".repeat(b)}`
        : `if false { skip }${" else if false { skip }".repeat(b)} else {\n${stmt}\n}`;
      return lines.join("\n");
    }
    case "nested-type": {
      const t = depthAround(MAX_TYPE_DEPTH, random);
      const shapes = [["[bool] ", ""], ["set<", ">"], ["{f: ", "}"]] as const;
      const [open, close] = shapes[pick(shapes.length)]!;
      const types = tokens.map((x, i) => (x === "bool" ? i : -1)).filter((i) => i >= 0);
      const nested = `${open.repeat(t)}bool${close.repeat(t)}`;
      if (!types.length) return `type Deep = ${nested}\n${text}`;
      const i = types[pick(types.length)]!;
      return [...tokens.slice(0, i), nested, ...tokens.slice(i + 1)].join("");
    }
    case "long-name": {
      const lengths = [MAX_IDENTIFIER_LENGTH, MAX_IDENTIFIER_LENGTH + 1, 64, 65, 5000, 200000];
      const n = lengths[pick(lengths.length)]!;
      const names = tokens.map((x, i) => (isName(x) ? i : -1)).filter((i) => i >= 0);
      if (!names.length) return text;
      const target = tokens[names[pick(names.length)]!]!;
      const long = (target + "_".repeat(n)).slice(0, n);
      // every use renamed (the model still means the same), or only one (a misspelt long name)
      if (random() < 0.5) return tokens.map((x) => (x === target ? long : x)).join("");
      const i = names[pick(names.length)]!;
      return [...tokens.slice(0, i), `${long}z`, ...tokens.slice(i + 1)].join("");
    }
    case "long-file": {
      const copies = [2, 100, 2000][pick(3)]!;
      if (random() < 0.5) return Array(copies).fill(text).join("\n"); // every declaration many times
      const i = pick(lines.length);
      return [...lines.slice(0, i + 1), ...Array(copies * 5).fill(lines[i]), ...lines.slice(i + 1)].join("\n");
    }
    case "repeated-token": {
      const i = pick(tokens.length);
      const n = [10, 1000, 50000][pick(3)]!;
      return [...tokens.slice(0, i), (tokens[i] ?? "").repeat(n), ...tokens.slice(i + 1)].join("");
    }
  }
}

/** `count` inputs: a library model (round robin), one size mutation each, every kind on every model in turn. */
export function* sizeMutatedInputs(seed: number, count: number): Generator<MutatedInput & { kind: SizeMutation }> {
  const files = modelFiles();
  const paths = Object.keys(files);
  const random = prng(seed);
  for (let n = 0; n < count; n++) {
    const root = paths[n % paths.length]!;
    const kind = KINDS[(n + Math.floor(n / paths.length)) % KINDS.length]!;
    yield { root, files: { ...files, [root]: mutateSize(files[root]!, kind, random) }, mutated: [root], overrides: [], kind };
  }
}
