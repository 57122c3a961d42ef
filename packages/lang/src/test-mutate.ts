// Test helper: mutated model sources for robustness tests. `modelFiles()` walks
// models/ and docs/examples/ for every .knot file (paths relative to the
// repository root, texts included), `mutate()` applies 1-3 random token edits
// to a source — delete, duplicate, swap, truncate, insert random characters,
// insert vocabulary tokens (keywords, operators, literals, whole declarations),
// copy a token from elsewhere, or rename an identifier (which mostly still
// parses, so the checker is reached too) — and `mutatedInputs()` draws a
// deterministic sequence of inputs: a root file, mutated, sometimes with one
// of its imports mutated too, and sometimes with --set overrides. Seeded with
// mulberry32, so every run sees the same inputs. Used by fuzz.test.ts (the
// front end) and tests/differential (lowering and exploring what compiles).
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import type { Override } from "./checker.js";
import { KEYWORDS } from "./lexer.js";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** mulberry32: a small deterministic PRNG with values in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every .knot file under models/ and docs/examples/, by path relative to the repository root (posix), with its text. */
export function modelFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(nodePath.join(REPO_ROOT, dir)).sort()) {
      const rel = `${dir}/${name}`;
      const abs = nodePath.join(REPO_ROOT, rel);
      if (statSync(abs).isDirectory()) walk(rel);
      else if (name.endsWith(".knot")) out[rel] = readFileSync(abs, "utf8");
    }
  };
  walk("models");
  walk("docs/examples");
  return out;
}

/** Tokens likely to reach deeper into the parser and checker than random bytes do. */
export const VOCABULARY = [
  "{", "}", "(", ")", "[", "]", "..", ",", ":", ";", ":=", "==", "=", "!=", "<", ">=", "+", "-", "*", "/", "%", "&", "=>", ".", "\n",
  "in", "not", "not in", "and", "or", "if", "then", "else", "while", "for", "call", "forall", "exists", "none", "null", "true", "false",
  "0", "1", "-1", "2147483647", "2147483648", "99999999999", "0x", "0x7fffffff", "0..3", "1..0", "-5..5",
  "size(", "held(", "locked(", "dec_and_test(", "dec_and_lock(", "might_sleep()", "mutex_trylock(", "spin_trylock(", "down_read_trylock(", "down_write_trylock(", "completion_done(", "try_wait_for_completion(", "set<", "bool", "Dev", "N", "d", "p", "x", "kvm_vfio", "dev_ops", "kvm_users",
  "\\A", "\\E", "\\in", "\\notin", "/\\", "\\/", "~", "#", "&&", "||", '"', '"unterminated', "/*", "*/", "\\*", "(*",
  "[x in Dev: ", "{a: 1}", "[]", "{}", "[0: 1]", "alloc", "free", "skip", "var", "object",
  "return", "either", "or", "pick", "atomic", "await", "assert", "get", "put", "lock", "unlock", "down_read", "up_read", "down_write", "up_write",
  "complete", "complete_all", "wait_for_completion", "reinit_completion", ': "a label"', "completion",
  "srcu", "srcu_read_lock", "srcu_read_unlock", "synchronize_srcu", "rcu_read_lock", "rcu_read_unlock", "synchronize_rcu", "rcu",
  "workqueue", "work", "on", "runs", "max_active", "queue_work", "flush_work", "cancel_work_sync", "flush_workqueue", "queue_work(", "cancel_work_sync(",
  "workqueue wq { max_active: 1 }\n", "workqueue wq { max_active: 0 }\n", "work w on wq runs f()\n", "work ws[i in 0..1] on wq runs f(i)\n", "process k { queue_work w; flush_work w }\n",
  "call_rcu", "call_srcu", 'either "fails" { skip } or "works" { skip }\n', '"label" ', "call_rcu f(1)\n", "call_srcu d f(0)\n", "proc cbf(o: 0..1) { skip }\nprocess c { call_rcu cbf(1); call_rcu cbf(1) }\n",
  "process c2 { srcu_read_lock d; call_srcu d f(0); srcu_read_unlock d }\n",
  "type", "const", "ops", "refcount", "mutex", "rwsem", "spinlock", "proc", "process", "invariant", "final", "import",
  "process q { skip }\n", "process q[i in 0..1] { lock m[i] }\n", 'import "core.knot"\n', 'import "nowhere.knot"\n', "const K = K\n",
  "type T = set<T>\n", "type T = {a: T}\n", "proc r() { call r() }\n", "object o[0] { f: bool }\n", "object o[65] { f: o }\n",
  "var big: [0..4096] bool\n", "var s: set<0..40>\n", "mutex m[0..5000]\n", "completion c\n", "completion cs[0..1]\n", "process w { wait_for_completion c }\n", "srcu d\n", "srcu ds[0..1]\n", "process s { srcu_read_lock d; synchronize_srcu d }\n", "refcount r: 5..1 = 0\n",
  "while true { skip }", "atomic { while true { skip } }", "\u00a0", "\t", "\r\n", "é", "😀",
  // hidden and control characters, bare and inside strings: messages must stay printable
  "\u0000", "\u0007", "\u001b[2J", "\u202e", "\u2066", "\u2028", "\ufeff", "\ud800", "\u200b", '"\u001b]0;x\u0007"', '"a\u202eb"', "\\u001b",
];

export function tokenize(text: string): string[] {
  return text.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+|"[^"\n]*"|\/\/[^\n]*|\S/g) ?? [];
}

export type MutationKind = "delete" | "duplicate" | "swap" | "truncate" | "random-chars" | "copy" | "vocabulary" | "rename";

/** Apply 1-3 random edits; `renameOnly` keeps to renames, which mostly still parse and so exercise the checker. */
export function mutate(text: string, random: () => number, renameOnly = false): string {
  const pick = (n: number) => Math.floor(random() * n);
  let tokens = tokenize(text);
  const count = 1 + pick(3);
  const kinds: MutationKind[] = ["delete", "duplicate", "swap", "truncate", "random-chars", "copy", "vocabulary", "vocabulary"];
  for (let m = 0; m < count && tokens.length > 0; m++) {
    const i = pick(tokens.length);
    switch (renameOnly ? "rename" : kinds[pick(kinds.length)]!) {
      case "delete": tokens.splice(i, 1 + (random() < 0.2 ? pick(8) : 0)); break;
      case "duplicate": tokens.splice(i, 0, tokens[i]!); break;
      case "swap": { const j = pick(tokens.length); [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!]; break; }
      case "truncate": tokens = tokens.slice(0, i); break;
      case "random-chars": {
        // random bytes: any UTF-16 unit below 0x250, sometimes a control character or a lone surrogate
        const n = 1 + pick(3);
        let s = "";
        for (let k = 0; k < n; k++) s += String.fromCharCode(random() < 0.1 ? 0xd800 + pick(0x800) : pick(0x250));
        tokens.splice(i, 0, s);
        break;
      }
      case "copy": tokens.splice(i, 0, tokens[pick(tokens.length)]!); break;
      case "rename": { // an identifier becomes another one of the file (mostly still parses)
        const isName = (t: string) => /^[A-Za-z_]\w*$/.test(t) && !KEYWORDS.has(t);
        const words = tokens.filter(isName);
        const at = tokens.findIndex((t, k) => k >= i && isName(t));
        if (at >= 0) tokens[at] = words[pick(words.length)]!;
        break;
      }
      case "vocabulary": tokens.splice(i, 0, ` ${VOCABULARY[pick(VOCABULARY.length)]!} `); break;
    }
  }
  return tokens.join("");
}

const OVERRIDES: Override[][] = [
  [{ name: "TEARDOWN", text: "destroy" }], [{ name: "N", text: "3" }], [{ name: "N", text: "N+1" }], [{ name: "FIXED", text: "true" }],
  [{ name: "NR_VCPUS", text: "1" }], [{ name: "NOPE", text: "1" }], [{ name: "N", text: "(" }],
];

export interface MutatedInput {
  /** The file compiled as the model. */
  root: string;
  /** Every file the model may import, the mutated ones included. */
  files: Record<string, string>;
  /** The files that were mutated. */
  mutated: string[];
  overrides: Override[];
}

/** The `count` inputs of a seed, over every model file (round robin over the roots). */
export function* mutatedInputs(seed: number, count: number): Generator<MutatedInput> {
  const files = modelFiles();
  const paths = Object.keys(files);
  const random = prng(seed);
  for (let n = 0; n < count; n++) {
    const root = paths[n % paths.length]!;
    const copy = { ...files };
    copy[root] = mutate(files[root]!, random, random() < 0.35);
    const mutated = [root];
    // sometimes a file it imports is broken too
    const imports = [...files[root]!.matchAll(/import\s+"([^"]+)"/g)].map((m) => nodePath.posix.normalize(nodePath.posix.join(nodePath.posix.dirname(root), m[1]!)));
    if (imports.length && random() < 0.25) {
      const imp = imports[Math.floor(random() * imports.length)]!;
      if (copy[imp] !== undefined) {
        copy[imp] = mutate(files[imp]!, random);
        mutated.push(imp);
      }
    }
    const overrides = random() < 0.3 ? OVERRIDES[Math.floor(random() * OVERRIDES.length)]! : [];
    yield { root, files: copy, mutated, overrides };
  }
}
