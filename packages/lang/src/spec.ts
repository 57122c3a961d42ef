// Spec files (specs/*.knot): `check` blocks that name a model, constant settings,
// search options and the expected outcome, parsed into plain data with spans.
//
//   check "release is clean" {
//     model "../models/kvm/vfio.knot"       // relative to the spec file
//     set TEARDOWN = release                // as --set TEARDOWN=release
//     expect pass                           // or: expect KIND [in PROC] [at "FILE:LINE"]
//   }
//
// Options: search bfs|dfs, max-states N, time-limit SECONDS, strict, lock-order class|instance, disable CHECK.
// One item per line; the knot lexer provides tokens and comments. Hyphenated
// names (recursive-locking, max-states) are adjacent word and '-' tokens.
// Never throws: every problem is a diagnostic (K8xxx here, K1xxx from the lexer),
// listed on the file and also on the check whose block contains it, so that a
// runner can skip exactly the broken checks.
import type { Override } from "./checker.js";
import { type Diagnostic, type RelatedInfo, error, sortDiagnostics } from "./diagnostics.js";
import { type Token, lex } from "./lexer.js";
import { type FileHost, nodeHost } from "./loader.js";
import { SourceFile, type Span, joinSpans } from "./source.js";
import { closestName } from "./names.js";
import { printable } from "./printable.js";

/** The catalog of spec files (K8). */
export const SpecCodes = {
  CannotReadFile: "K8001",
  /** A token that does not fit the grammar (expected X, got Y). */
  Expected: "K8002",
  UnknownItem: "K8003",
  Duplicate: "K8004",
  /** A check without a model or without an expectation; a file without checks. */
  Missing: "K8005",
  /** A malformed value: number, search order, `at` location, name. */
  BadValue: "K8006",
  UnknownCheck: "K8007",
  /** A spec file that is a FIFO, a device, a socket, or under /proc, /sys or /dev. */
  NotRegularFile: "K8008",
  /** A spec file larger than MAX_MODEL_BYTES. */
  FileTooLarge: "K8009",
  /** A spec file with a NUL byte. */
  BinaryFile: "K8010",
} as const;

export interface SpecName {
  name: string;
  span: Span;
}

export type SpecExpectation =
  | { outcome: "pass"; span: Span }
  | {
      outcome: "finding";
      /** The check kind, e.g. "recursive-locking" or "lock-order". */
      kind: string;
      kindSpan: Span;
      /** `in PROC`: PROC is on the call chain of a thread involved. */
      inProc?: SpecName;
      /** `at "FILE:LINE"`: the finding is located on LINE of a file whose path ends with FILE. */
      at?: { file: string; line: number; span: Span };
      span: Span;
    };

export interface SpecCheck {
  name: string;
  nameSpan: Span;
  /** From `check` to the closing brace. */
  span: Span;
  /** The model path as written (relative to the spec file's directory). */
  model?: { path: string; span: Span };
  /** `set` items, with the value's text and span (so a bad value is reported in the spec). */
  settings: Override[];
  expect?: SpecExpectation;
  search: "bfs" | "dfs";
  maxStates?: number;
  timeLimit?: number;
  strict: boolean;
  /** `lock-order instance`: the lock-order analysis by lock instance instead of by class. */
  lockOrder?: "class" | "instance";
  disabled: SpecName[];
  /** The diagnostics inside this check's block; a check with an error must not be run. */
  diagnostics: Diagnostic[];
}

export interface SpecFile {
  file: SourceFile;
  checks: SpecCheck[];
  /** Every diagnostic of the file, sorted; those inside a check are also on the check. */
  diagnostics: Diagnostic[];
}

export interface SpecOptions {
  /** Check kinds `expect` accepts; absent: any name. */
  kinds?: readonly string[];
  /** Checks `disable` accepts; absent: any name. */
  switchable?: readonly string[];
}

/** The expectation as the spec writes it, without quotes: `pass`, `lock-cycle in unplug at abba.knot:34`. */
export function describeExpectation(e: SpecExpectation): string {
  if (e.outcome === "pass") return "pass";
  return `${e.kind}${e.inProc ? ` in ${e.inProc.name}` : ""}${e.at ? ` at ${e.at.file}:${e.at.line}` : ""}`;
}

/** Read and parse a spec file; an unreadable file is a K8001 diagnostic without position. */
export function loadSpec(path: string, host: FileHost = nodeHost, options: SpecOptions = {}): SpecFile {
  const r = host.readFile(path);
  if ("error" in r) {
    const code = r.kind === "special" || r.kind === "kernel" ? SpecCodes.NotRegularFile : r.kind === "too-large" ? SpecCodes.FileTooLarge : r.kind === "binary" ? SpecCodes.BinaryFile : SpecCodes.CannotReadFile;
    return { file: new SourceFile(path, ""), checks: [], diagnostics: [error(code, `cannot read spec file '${printable(path)}': ${r.error}`)] };
  }
  return parseSpec(new SourceFile(path, r.text), options);
}

export function parseSpec(file: SourceFile, options: SpecOptions = {}): SpecFile {
  return new SpecParser(file, options).run();
}

const ITEMS = ["model", "set", "expect", "search", "max-states", "time-limit", "strict", "lock-order", "disable"];

function isWord(t: Token): boolean {
  return t.kind === "ident" || t.kind === "keyword";
}

function describeToken(t: Token | undefined): string {
  if (!t) return "the end of the line";
  switch (t.kind) {
    case "eof": return "the end of the file";
    case "ident": return `'${t.value}'`;
    case "keyword": return `'${t.value}'`;
    case "int": return `number ${t.value}`;
    case "string": return "a string";
    case "punct": return `'${t.value}'`;
  }
}

class SpecParser {
  private readonly tokens: Token[];
  private readonly diags: Diagnostic[];
  private pos = 0;

  constructor(private readonly file: SourceFile, private readonly options: SpecOptions) {
    const lexed = lex(file);
    this.tokens = lexed.tokens;
    this.diags = [...lexed.diagnostics];
  }

  run(): SpecFile {
    const checks: SpecCheck[] = [];
    const names = new Map<string, Span>();
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      if (!(t.kind === "ident" && t.value === "check")) {
        this.error(SpecCodes.Expected, `expected 'check "NAME" {', got ${describeToken(t)}`, t.span);
        this.skipToNextCheck();
        continue;
      }
      const check = this.check();
      if (!check) continue;
      const first = names.get(check.name);
      if (first) {
        this.error(SpecCodes.Duplicate, `duplicate check name "${check.name}" in this file`, check.nameSpan, [{ message: "first used here", span: first }]);
      } else names.set(check.name, check.nameSpan);
      checks.push(check);
    }
    if (checks.length === 0 && this.diags.length === 0) {
      this.error(SpecCodes.Missing, `no check in spec file (write: check "NAME" { model "FILE"  expect pass })`, { file: this.file, start: 0, end: 0 });
    }
    const diagnostics = sortDiagnostics(this.diags);
    for (const c of checks) {
      c.diagnostics = diagnostics.filter((d) => d.span && d.span.start >= c.span.start && d.span.start < Math.max(c.span.end, c.span.start + 1));
    }
    return { file: this.file, checks, diagnostics };
  }

  // ------------------------------------------------------------ tokens

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }

  private error(code: string, message: string, span: Span, related: RelatedInfo[] = []): void {
    this.diags.push(error(code, message, span, related));
  }

  /** Skip to the next `check` that starts a line (or the end). */
  private skipToNextCheck(): void {
    this.pos++;
    while (this.peek().kind !== "eof" && !(this.peek().newlineBefore && this.peek().value === "check" && this.peek().kind === "ident")) this.pos++;
  }

  /**
   * The tokens of one item: from the current token to the end of its line, or to
   * a `}` that closes the check (braces inside the item, as in a set value, pair up).
   */
  private lineTokens(): Token[] {
    const out: Token[] = [];
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") break;
      if (out.length > 0 && t.newlineBefore) break;
      if (t.kind === "punct") {
        if (t.value === "(" || t.value === "[" || t.value === "{") depth++;
        else if (t.value === ")" || t.value === "]" || t.value === "}") {
          if (t.value === "}" && depth === 0) break;
          depth = Math.max(0, depth - 1);
        }
      }
      out.push(t);
      this.pos++;
    }
    return out;
  }

  /** Adjacent word and '-' tokens from index i, joined: `recursive-locking`, `max-states`. */
  private hyphenated(toks: readonly Token[], i: number): { text: string; span: Span; next: number } | undefined {
    const first = toks[i];
    if (!first || !isWord(first)) return undefined;
    let j = i + 1;
    let end = first.span.end;
    while (j < toks.length && toks[j]!.span.start === end && (isWord(toks[j]!) || (toks[j]!.kind === "punct" && toks[j]!.value === "-"))) {
      end = toks[j]!.span.end;
      j++;
    }
    const span: Span = { file: this.file, start: first.span.start, end };
    return { text: this.file.text.slice(span.start, span.end), span, next: j };
  }

  // ------------------------------------------------------------ check blocks

  private check(): SpecCheck | undefined {
    const kw = this.peek();
    this.pos++;
    const nameTok = this.peek();
    if (nameTok.kind !== "string" || nameTok.newlineBefore) {
      this.error(SpecCodes.Expected, `expected the check's name as a string after 'check', got ${describeToken(nameTok.newlineBefore ? undefined : nameTok)}`, nameTok.newlineBefore ? kw.span : nameTok.span);
      this.skipBlock();
      return undefined;
    }
    this.pos++;
    const check: SpecCheck = {
      name: nameTok.value, nameSpan: nameTok.span, span: joinSpans(kw.span, nameTok.span),
      settings: [], search: "bfs", strict: false, disabled: [], diagnostics: [],
    };
    if (nameTok.value.trim() === "") this.error(SpecCodes.BadValue, "a check needs a non-empty name", nameTok.span);
    const open = this.peek();
    if (!(open.kind === "punct" && open.value === "{") || open.newlineBefore) {
      this.error(SpecCodes.Expected, `expected '{' after the check's name, got ${describeToken(open.newlineBefore ? undefined : open)}`, open.newlineBefore ? nameTok.span : open.span);
      this.skipBlock();
      check.span = joinSpans(check.span, this.tokens[Math.max(0, this.pos - 1)]!.span);
      return check;
    }
    this.pos++;
    const seen = new Map<string, Span>();
    const attempted = new Set<string>();
    for (;;) {
      const t = this.peek();
      if (t.kind === "punct" && t.value === "}") {
        this.pos++;
        check.span = joinSpans(check.span, t.span);
        break;
      }
      if (t.kind === "eof" || (t.newlineBefore && t.kind === "ident" && t.value === "check")) {
        this.error(SpecCodes.Expected, `check "${check.name}" has no closing '}'`, open.span);
        check.span = joinSpans(check.span, this.tokens[Math.max(0, this.pos - 1)]!.span);
        break;
      }
      const toks = this.lineTokens();
      if (toks.length > 0) for (const w of this.item(check, toks, seen)) attempted.add(w);
      check.span = joinSpans(check.span, toks[toks.length - 1]?.span ?? t.span);
    }
    // a malformed model or expect line is already reported; "missing" would only repeat it
    if (!check.model && !attempted.has("model")) this.error(SpecCodes.Missing, `check "${check.name}" names no model (add a line: model "path/to/model.knot")`, check.nameSpan);
    if (!check.expect && !attempted.has("expect")) this.error(SpecCodes.Missing, `check "${check.name}" has no expectation (add a line: expect pass, or expect KIND)`, check.nameSpan);
    return check;
  }

  /** After a malformed check header: skip its block if one follows, else to the next check. */
  private skipBlock(): void {
    let depth = 0;
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      // a line that starts with `check` starts the next check, even inside an unclosed block
      if (t.newlineBefore && t.kind === "ident" && t.value === "check") return;
      this.pos++;
      if (t.kind === "punct" && t.value === "{") depth++;
      if (t.kind === "punct" && t.value === "}" && --depth <= 0) return;
    }
  }

  /**
   * Parse one item line. Returns the item keywords the line holds (its own, and
   * `model` or `expect` written after it by mistake), so that a check is not also
   * said to lack an item whose line is already reported.
   */
  private item(check: SpecCheck, toks: Token[], seen: Map<string, Span>): string[] {
    const head = this.hyphenated(toks, 0);
    if (!head) {
      this.error(SpecCodes.UnknownItem, `expected an item (${ITEMS.join(", ")}), got ${describeToken(toks[0])}`, toks[0]!.span);
      return [];
    }
    const meant = this.itemBody(check, head, toks.slice(head.next), seen);
    return [meant ?? head.text, ...toks.slice(head.next).filter((t) => t.kind === "ident" && (t.value === "model" || t.value === "expect")).map((t) => t.value)];
  }

  /** Returns, for a misspelt item, the item it probably means. */
  private itemBody(check: SpecCheck, head: { text: string; span: Span }, rest: Token[], seen: Map<string, Span>): string | undefined {
    const once = () => {
      const first = seen.get(head.text);
      if (first) {
        this.error(SpecCodes.Duplicate, `'${head.text}' is given twice in check "${check.name}"`, head.span, [{ message: "first given here", span: first }]);
        return false;
      }
      seen.set(head.text, head.span);
      return true;
    };
    /** Report tokens after the item's arguments. */
    const end = (from: number, what: string) => {
      const extra = rest[from];
      if (extra) this.error(SpecCodes.Expected, `unexpected ${describeToken(extra)} after ${what} (one item per line)`, extra.span);
    };
    switch (head.text) {
      case "model": {
        const s = rest[0];
        if (!s || s.kind !== "string") {
          this.error(SpecCodes.Expected, `expected the model's path as a string after 'model', got ${describeToken(s)}`, s?.span ?? head.span);
          return;
        }
        if (s.value === "") this.error(SpecCodes.BadValue, "the model path is empty", s.span);
        if (once()) check.model = { path: s.value, span: s.span };
        end(1, "the model path");
        return;
      }
      case "set":
        this.setting(check, head.span, rest);
        return undefined;
      case "expect": {
        const e = this.expectation(rest, head.span);
        if (e && once()) check.expect = e;
        return;
      }
      case "search": {
        const v = this.choice(rest, head, ["bfs", "dfs"] as const);
        if (v && once()) check.search = v;
        if (v) end(1, "the search order");
        return;
      }
      case "max-states": {
        const n = this.number(rest, head, true);
        if (n !== undefined && once()) check.maxStates = n;
        return;
      }
      case "time-limit": {
        const n = this.number(rest, head, false);
        if (n !== undefined && once()) check.timeLimit = n;
        return;
      }
      case "strict":
        if (once()) check.strict = true;
        end(0, "'strict'");
        return;
      case "lock-order": {
        const v = this.choice(rest, head, ["class", "instance"] as const);
        if (v && once()) check.lockOrder = v;
        if (v) end(1, "the lock-order analysis");
        return;
      }
      case "disable": {
        const c = this.hyphenated(rest, 0);
        if (!c) {
          this.error(SpecCodes.Expected, `expected a check name after 'disable' (e.g. disable lock-order), got ${describeToken(rest[0])}`, rest[0]?.span ?? head.span);
          return;
        }
        if (this.knownName(c.text, c.span, this.options.switchable, "a check that can be switched off")) check.disabled.push({ name: c.text, span: c.span });
        end(c.next, `'disable ${c.text}'`);
        return;
      }
      default: {
        const near = closestName(head.text, ITEMS, 2);
        this.error(SpecCodes.UnknownItem, `unknown item '${head.text}' in a check${near ? ` (did you mean '${near}'?)` : ""}; the items are ${ITEMS.join(", ")}`, head.span);
        return near;
      }
    }
  }

  /** An item's one word out of `values` (`search bfs`), or undefined after reporting what was found instead. */
  private choice<T extends string>(rest: Token[], head: { text: string; span: Span }, values: readonly T[]): T | undefined {
    const s = rest[0];
    if (s && s.kind === "ident" && (values as readonly string[]).includes(s.value)) return s.value as T;
    this.error(SpecCodes.BadValue, `expected ${values.join(" or ")} after '${head.text}', got ${describeToken(s)}`, s?.span ?? head.span);
    return undefined;
  }

  /** `set NAME = EXPR`: the expression is the rest of the item, kept as source text with its span. */
  private setting(check: SpecCheck, setSpan: Span, rest: Token[]): void {
    const name = rest[0];
    if (!name || name.kind !== "ident") {
      this.error(SpecCodes.Expected, `expected a constant's name after 'set', got ${describeToken(name)}`, name?.span ?? setSpan);
      return;
    }
    const eq = rest[1];
    if (!eq || !(eq.kind === "punct" && eq.value === "=")) {
      this.error(SpecCodes.Expected, `expected '=' after 'set ${name.value}', got ${describeToken(eq)}`, eq?.span ?? name.span);
      return;
    }
    const value = rest.slice(2);
    if (value.length === 0) {
      this.error(SpecCodes.Expected, `expected a value after 'set ${name.value} ='`, eq.span);
      return;
    }
    const span: Span = { file: this.file, start: value[0]!.span.start, end: value[value.length - 1]!.span.end };
    const first = check.settings.find((o) => o.name === name.value);
    if (first) {
      this.error(SpecCodes.Duplicate, `constant '${name.value}' is set twice in check "${check.name}"`, name.span, first.span ? [{ message: "first set here", span: first.span }] : []);
      return;
    }
    check.settings.push({ name: name.value, text: this.file.text.slice(span.start, span.end), span });
  }

  /** `expect pass` or `expect KIND [in PROC] [at "FILE:LINE"]` (the qualifiers in either order). */
  private expectation(rest: Token[], expectSpan: Span): SpecExpectation | undefined {
    const kind = this.hyphenated(rest, 0);
    if (!kind) {
      this.error(SpecCodes.Expected, `expected 'pass' or a check kind (e.g. recursive-locking) after 'expect', got ${describeToken(rest[0])}`, rest[0]?.span ?? expectSpan);
      return undefined;
    }
    const last = rest[rest.length - 1]!;
    const span = joinSpans(expectSpan, last.span);
    if (kind.text === "pass") {
      if (rest[kind.next]) {
        this.error(SpecCodes.Expected, `unexpected ${describeToken(rest[kind.next])} after 'expect pass' ('in' and 'at' qualify a finding, not a pass)`, rest[kind.next]!.span);
        return undefined;
      }
      return { outcome: "pass", span };
    }
    if (kind.text.endsWith("-")) {
      this.error(SpecCodes.BadValue, `check kind '${kind.text}' ends with '-'`, kind.span);
      return undefined;
    }
    if (!this.knownName(kind.text, kind.span, this.options.kinds, "a check kind")) return undefined;
    const e: SpecExpectation = { outcome: "finding", kind: kind.text, kindSpan: kind.span, span };
    let i = kind.next;
    while (i < rest.length) {
      const t = rest[i]!;
      if (t.kind === "keyword" && t.value === "in") {
        const proc = rest[i + 1];
        if (!proc || proc.kind !== "ident") {
          this.error(SpecCodes.Expected, `expected a procedure's name after 'in', got ${describeToken(proc)}`, proc?.span ?? t.span);
          return undefined;
        }
        if (e.inProc) {
          this.error(SpecCodes.Duplicate, `'in' is given twice in one expectation`, t.span, [{ message: "first given here", span: e.inProc.span }]);
          return undefined;
        }
        e.inProc = { name: proc.value, span: proc.span };
        i += 2;
      } else if (t.kind === "ident" && t.value === "at") {
        const s = rest[i + 1];
        if (!s || s.kind !== "string") {
          this.error(SpecCodes.Expected, `expected a location string "FILE:LINE" after 'at', got ${describeToken(s)}`, s?.span ?? t.span);
          return undefined;
        }
        const m = /^(.*\S):(\d+)$/.exec(s.value.trim());
        const line = m ? Number(m[2]) : 0;
        if (!m || !Number.isSafeInteger(line) || line < 1) {
          this.error(SpecCodes.BadValue, `expected a location "FILE:LINE" with a line number from 1 (e.g. "vfio.knot:28"), got "${s.value}"`, s.span);
          return undefined;
        }
        if (e.at) {
          this.error(SpecCodes.Duplicate, `'at' is given twice in one expectation`, t.span, [{ message: "first given here", span: e.at.span }]);
          return undefined;
        }
        e.at = { file: m[1]!.replace(/\\/g, "/").replace(/^(\.\/)+/, ""), line, span: s.span };
        i += 2;
      } else {
        this.error(SpecCodes.Expected, `expected 'in PROC', 'at "FILE:LINE"' or the end of the line after 'expect ${kind.text}', got ${describeToken(t)}`, t.span);
        return undefined;
      }
    }
    return e;
  }

  /** The number after max-states (a positive whole number) or time-limit (positive, may have a fraction). */
  private number(rest: Token[], head: { text: string; span: Span }, whole: boolean): number | undefined {
    const first = rest[0];
    if (!first || first.kind !== "int") {
      this.error(SpecCodes.Expected, `expected a number after '${head.text}', got ${describeToken(first)}`, first?.span ?? head.span);
      return undefined;
    }
    // `1.5` is three adjacent tokens: 1 . 5
    let j = 1;
    let end = first.span.end;
    while (j < rest.length && rest[j]!.span.start === end && (rest[j]!.kind === "int" || (rest[j]!.kind === "punct" && rest[j]!.value === "."))) {
      end = rest[j]!.span.end;
      j++;
    }
    const span: Span = { file: this.file, start: first.span.start, end };
    const text = this.file.text.slice(span.start, span.end);
    const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    const ok = Number.isFinite(n) && n > 0 && (!whole || Number.isSafeInteger(n));
    if (!ok) {
      this.error(SpecCodes.BadValue, `${head.text} expects a positive ${whole ? "whole number" : "number of seconds"}, got '${text}'`, span);
      return undefined;
    }
    const extra = rest[j];
    if (extra) {
      this.error(SpecCodes.Expected, `unexpected ${describeToken(extra)} after '${head.text} ${text}' (one item per line)`, extra.span);
    }
    return n;
  }

  private knownName(name: string, span: Span, known: readonly string[] | undefined, what: string): boolean {
    if (!known || known.includes(name)) return true;
    const near = closestName(name, known, 2);
    this.error(SpecCodes.UnknownCheck, `'${name}' is not ${what}${near ? ` (did you mean '${near}'?)` : ""}; expected one of: ${known.join(", ")}`, span);
    return false;
  }
}

