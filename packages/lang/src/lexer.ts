// Lexer: source text -> tokens. Never throws; malformed input becomes diagnostics
// and the lexer skips ahead, so the parser always sees a token stream ending in Eof.
// TLA+ spellings (/\ \/ \in \notin \A \E ~ # /=) are normalised to the knot
// spelling here, so the parser knows only one form of each operator.
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { MAX_IDENTIFIER_LENGTH, formatCount } from "./limits.js";
import type { SourceFile, Span } from "./source.js";
import { printable } from "./printable.js";

export type TokenKind = "ident" | "keyword" | "int" | "string" | "punct" | "eof";

export interface Token {
  kind: TokenKind;
  /** Normalised text: the keyword, the punctuation (TLA+ synonyms mapped), the identifier, or the decoded string. */
  value: string;
  span: Span;
  /** True when a line break separates this token from the previous one. */
  newlineBefore: boolean;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  "import", "const", "type", "var", "mutex", "spinlock", "rwsem", "refcount", "object", "ops",
  "proc", "process", "invariant", "final",
  "if", "then", "else", "while", "for", "in", "either", "or", "pick", "call", "return", "atomic", "skip",
  "lock", "unlock", "down_read", "up_read", "down_write", "up_write", "get", "put", "dec_and_test", "dec_and_lock", "might_sleep",
  "srcu", "srcu_read_lock", "srcu_read_unlock", "synchronize_srcu", "rcu_read_lock", "rcu_read_unlock", "synchronize_rcu",
  "completion", "complete", "complete_all", "wait_for_completion", "reinit_completion",
  "await", "assert", "alloc", "free",
  "true", "false", "none", "null", "not", "and", "forall", "exists", "set", "bool",
]);

/** Longest first, so that greedy matching works. */
const PUNCTUATION = [
  "...", "..", ":=", "==", "!=", "<=", ">=", "&&", "||", "=>", "/=", "->",
  "{", "}", "(", ")", "[", "]", ",", ":", ";", ".", "<", ">", "+", "-", "*", "/", "%", "&", "|", "!", "=", "~", "#",
];

/** TLA+ spellings and their knot equivalents. */
const SYNONYMS: Record<string, string> = {
  "/\\": "and", "\\/": "or", "\\in": "in", "\\notin": "notin", "\\A": "forall", "\\E": "exists",
  "~": "not", "!": "not", "&&": "and", "||": "or", "#": "!=", "/=": "!=",
  "\\cup": "+", "\\union": "+", "\\cap": "&", "\\intersect": "&", "\\div": "/",
};

export interface LexResult {
  tokens: Token[];
  diagnostics: Diagnostic[];
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether no token, space or comment starts at `i` (the lexer's last case). */
function startsNoToken(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 10 || c === 32 || c === 9 || c === 13 || c === 12 || c === 34 || c === 92 || c === 47) return false;
  if (isIdentStart(c) || isDigit(c)) return false;
  return !PUNCTUATION.some((q) => text.startsWith(q, i));
}

export function lex(file: SourceFile): LexResult {
  const text = file.text;
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  let newline = true;
  const span = (start: number, end: number): Span => ({ file, start, end });
  const push = (kind: TokenKind, value: string, start: number, end: number) => {
    tokens.push({ kind, value, span: span(start, end), newlineBefore: newline });
    newline = false;
  };

  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10) { newline = true; i++; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12) { i++; continue; }
    // comments: // line, \* line (TLA+), /* block */
    if ((c === 47 && text.charCodeAt(i + 1) === 47) || (c === 92 && text.charCodeAt(i + 1) === 42)) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) {
        diagnostics.push(error(LangCodes.UnterminatedComment, "unterminated block comment: '/*' has no closing '*/'", span(i, i + 2)));
        i = text.length;
      } else {
        if (text.slice(i, end).includes("\n")) newline = true;
        i = end + 2;
      }
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      if (word.length > MAX_IDENTIFIER_LENGTH) {
        // messages quote names, and a name this long is a generated or broken file, not a model
        diagnostics.push(error(LangCodes.IdentifierTooLong, `identifier '${word.slice(0, 32)}...' is ${formatCount(word.length)} characters long; names are limited to ${MAX_IDENTIFIER_LENGTH}`, span(start, i)));
      }
      push(KEYWORDS.has(word) ? "keyword" : "ident", word, start, i);
      continue;
    }
    if (isDigit(c)) {
      if (c === 48 && (text[i + 1] === "x" || text[i + 1] === "X")) {
        i += 2;
        const digitsStart = i;
        while (i < text.length && /[0-9a-fA-F]/.test(text[i]!)) i++;
        if (i === digitsStart) {
          // `0x` with no hex digit: malformed, not "too large"
          while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
          diagnostics.push(error(LangCodes.BadNumber, `malformed number '${text.slice(start, i)}': '0x' needs at least one hex digit`, span(start, i)));
          push("int", "0", start, i);
          continue;
        }
      } else {
        while (i < text.length && isDigit(text.charCodeAt(i))) i++;
      }
      if (i < text.length && isIdentStart(text.charCodeAt(i))) {
        while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
        diagnostics.push(error(LangCodes.BadNumber, `malformed number '${text.slice(start, i)}'`, span(start, i)));
        push("int", "0", start, i);
        continue;
      }
      const digits = text.slice(start, i);
      const n = Number(digits);
      if (!Number.isSafeInteger(n) || n > 0x7fffffff) {
        diagnostics.push(error(LangCodes.BadNumber, `integer '${digits}' is too large (the limit is 2147483647)`, span(start, i)));
        push("int", "0", start, i);
      } else {
        push("int", String(n), start, i);
      }
      continue;
    }
    if (c === 34) {
      i++;
      let value = "";
      let closed = false;
      while (i < text.length) {
        const ch = text[i]!;
        if (ch === "\n" || ch === "\r") break;
        if (ch === '"') { closed = true; i++; break; }
        if (ch === "\\" && i + 1 < text.length) {
          const esc = text[i + 1]!;
          if (esc === "\n" || esc === "\r") { i++; break; } // a string never spans lines, not even after a backslash
          value += esc === "n" ? "\n" : esc === "t" ? "\t" : esc;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      if (!closed) diagnostics.push(error(LangCodes.UnterminatedString, "unterminated string literal", span(start, i)));
      // a string is a message, a label or a path, shown in reports: hidden characters stay visible escapes
      push("string", printable(value), start, i);
      continue;
    }
    if (c === 92) {
      // backslash operators: \in \notin \A \E \cup ... and /\ \/ handled below
      if (text[i + 1] === "/") {
        push("punct", "or", start, i + 2);
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < text.length && /[A-Za-z]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      const mapped = SYNONYMS[word];
      if (mapped) {
        push(mapped === "forall" || mapped === "exists" || mapped === "in" ? "keyword" : "punct", mapped, start, j);
        i = j;
        continue;
      }
      diagnostics.push(error(LangCodes.UnexpectedCharacter, `unknown operator '${word}'`, span(i, Math.max(j, i + 1))));
      i = Math.max(j, i + 1);
      continue;
    }
    if (c === 47 && text[i + 1] === "\\") {
      push("punct", "and", start, i + 2);
      i += 2;
      continue;
    }
    const p = PUNCTUATION.find((q) => text.startsWith(q, i));
    if (p) {
      i += p.length;
      const mapped = SYNONYMS[p] ?? p;
      push(mapped === "not" ? "keyword" : "punct", mapped, start, i);
      continue;
    }
    // a run of characters that start no token is one diagnostic (a binary or misencoded file gives a few, not one per byte)
    let j = i;
    let count = 0;
    while (j < text.length && startsNoToken(text, j)) {
      j += text.codePointAt(j)! > 0xffff ? 2 : 1;
      count++;
    }
    const shown = text.slice(i, Math.min(j, i + 16));
    diagnostics.push(error(LangCodes.UnexpectedCharacter, count === 1 ? `unexpected character '${printable(shown)}'` : `${count} unexpected characters '${printable(shown)}${j - i > 16 ? "..." : ""}'`, span(i, j)));
    i = j;
  }
  tokens.push({ kind: "eof", value: "end of file", span: span(text.length, text.length), newlineBefore: true });
  return { tokens, diagnostics };
}
