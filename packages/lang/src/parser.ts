// Parser: tokens -> Module (syntax tree). Recursive descent with error recovery:
// a syntax error is recorded, the parser skips to the next declaration or
// statement boundary and carries on, so one run reports many errors. It never
// throws on user input.
//
// Statements end at a line break, a ';' or a closing '}'. Two statements on one
// line need a ';' between them.
//
// Nesting is bounded (limits.ts): every expression node records the depth of its
// subtree, so that a chain the parser builds in a loop (`1 + 1 + ...`, `a[i][j]...`)
// counts as deep as the tree every later stage walks recursively, and the parser's
// own recursion (parentheses, blocks, types) is counted as it descends. The first
// place past a limit is one diagnostic; the statement or declaration around it is
// skipped like any other syntax error.
import type { BinaryOp, Block, Decl, Expr, Ident, IfCond, LockOp, Module, ObjectFieldNode, OpsField, Param, Stmt, TypeNode, WorkOp } from "./ast.js";
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { type Token, lex } from "./lexer.js";
import { WORKQUEUE_DECL, WORK_DECL, WORK_STATEMENTS } from "./workqueue.js";
import { CALL_RCU, CALL_SRCU } from "./rcu-callback.js";
import { MAX_BLOCK_DEPTH, MAX_EXPRESSION_DEPTH, MAX_TYPE_DEPTH } from "./limits.js";
import { type SourceFile, type Span, joinSpans } from "./source.js";

export interface ParseResult {
  module: Module;
  diagnostics: Diagnostic[];
}

const DECL_KEYWORDS = new Set([
  "import", "const", "type", "var", "mutex", "spinlock", "rwsem", "refcount", "ops", "proc", "process", "invariant", "final", "object", "completion", "srcu",
]);
const STMT_KEYWORDS = new Set([
  "var", "lock", "unlock", "down_read", "up_read", "down_write", "up_write", "get", "put", "await", "assert",
  "if", "while", "for", "either", "pick", "call", "return", "atomic", "skip", "free", "might_sleep",
  "complete", "complete_all", "wait_for_completion", "reinit_completion",
  "srcu_read_lock", "srcu_read_unlock", "synchronize_srcu", "rcu_read_lock", "rcu_read_unlock", "synchronize_rcu",
]);
const LOCK_OPS = new Set<string>(["lock", "unlock", "down_read", "up_read", "down_write", "up_write"]);
const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">=", "in", "notin"]);

/**
 * Thrown only inside the parser to unwind to the nearest recovery point; never escapes `parse`.
 * `fromStart`: skip from the start of the statement or declaration rather than from where the
 * error is (past a nesting limit the parser is deep inside brackets, and skipping the balanced
 * rest from there would leave their closers behind as errors of their own).
 */
class SyntaxAbort {
  constructor(readonly fromStart = false) {}
}

export function parse(file: SourceFile): ParseResult {
  const { tokens, diagnostics } = lex(file);
  const parser = new Parser(file, tokens, diagnostics);
  return { module: parser.parseModule(), diagnostics };
}

/** Parse a whole file as one expression (used for --set values). */
export function parseExpression(file: SourceFile): { expr?: Expr; diagnostics: Diagnostic[] } {
  const { tokens, diagnostics } = lex(file);
  const parser = new Parser(file, tokens, diagnostics);
  return { expr: parser.parseWholeExpression(), diagnostics };
}

function describe(tok: Token): string {
  switch (tok.kind) {
    case "eof": return "end of file";
    case "ident": return `identifier '${tok.value.length > 40 ? `${tok.value.slice(0, 32)}...' (${tok.value.length} characters)` : `${tok.value}'`}`;
    case "keyword": return `'${tok.value}'`;
    case "int": return `number ${tok.value}`;
    case "string": return "a string";
    case "punct": return `'${tok.value}'`;
  }
}

class Parser {
  private pos = 0;
  private lastErrorAt = -1;
  /** Depth of each composite expression node's subtree (a leaf, absent here, is 1). */
  private readonly depths = new WeakMap<Expr, number>();
  /** How deep the parser's recursion is in expressions, blocks and types. */
  private exprNesting = 0;
  private blockNesting = 0;
  private typeNesting = 0;

  constructor(
    private readonly file: SourceFile,
    private readonly tokens: Token[],
    private readonly diagnostics: Diagnostic[],
  ) {}

  // ------------------------------------------------------------ token helpers

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  /** Is the current token the operator, punctuation or keyword `v`? */
  private at(v: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === "punct" || t.kind === "keyword") && t.value === v;
  }
  private eat(v: string): Token | undefined {
    return this.at(v) ? this.next() : undefined;
  }
  private fail(code: string, message: string, span: Span = this.peek().span, fromStart = false): never {
    if (this.pos !== this.lastErrorAt) {
      this.diagnostics.push(error(code, message, span));
      this.lastErrorAt = this.pos;
    }
    throw new SyntaxAbort(fromStart);
  }
  private expect(v: string, context?: string): Token {
    const t = this.eat(v);
    if (t) return t;
    return this.fail(LangCodes.Expected, `expected '${v}'${context ? " " + context : ""}, found ${describe(this.peek())}`);
  }
  /** The statement starts with a contextual keyword that names a variable (parseStmt). */
  private keywordNameHere = false;

  private ident(what = "a name"): Ident {
    const t = this.peek();
    if (t.kind === "ident" || isContextualKeyword(t)) {
      this.next();
      return { name: t.value, span: t.span };
    }
    if (t.kind === "keyword") {
      this.fail(LangCodes.Expected, `expected ${what}, found keyword '${t.value}' (keywords cannot be used as names)`);
    }
    return this.fail(LangCodes.Expected, `expected ${what}, found ${describe(t)}`);
  }
  /** A field name: after '.', in record literals and ops tables keywords are allowed too. */
  private fieldName(): Ident {
    const t = this.peek();
    if (t.kind === "ident" || (t.kind === "keyword" && /^[A-Za-z_]/.test(t.value))) {
      this.next();
      return { name: t.value, span: t.span };
    }
    return this.fail(LangCodes.Expected, `expected a field name, found ${describe(t)}`);
  }
  private spanFrom(start: Span): Span {
    const prev = this.tokens[Math.max(0, this.pos - 1)]!;
    return joinSpans(start, prev.span);
  }

  // ------------------------------------------------------------ nesting limits

  private expressionTooDeep(at: Span): never {
    return this.fail(LangCodes.ExpressionTooDeep, `expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels); split it with constants or locals`, at, true);
  }

  /** Record a new node's subtree depth (one more than its deepest child); past the limit, report it at `at`. */
  private tree<T extends Expr>(e: T, at: Span, children: readonly Expr[]): T {
    let d = 0;
    for (const c of children) d = Math.max(d, this.depths.get(c) ?? 1);
    if (++d > MAX_EXPRESSION_DEPTH) this.expressionTooDeep(at);
    if (d > 1) this.depths.set(e, d);
    return e;
  }

  /**
   * One level deeper in the parser's expression recursion (an expression in brackets, the
   * operand of a prefix operator); the caller leaves it in a `finally`. Written out at each
   * place rather than as a helper taking a closure: every frame counts at the limit.
   */
  private enterExpr(at: Span): void {
    if (this.exprNesting >= MAX_EXPRESSION_DEPTH) this.expressionTooDeep(at);
    this.exprNesting++;
  }

  /** `parse` one block deeper (a block, or the `if` of an `else if`, which nests as deep). */
  private deeperBlock<T>(at: Span, parse: () => T): T {
    if (this.blockNesting >= MAX_BLOCK_DEPTH) {
      this.fail(LangCodes.BlocksTooDeep, `blocks nested too deeply (more than ${MAX_BLOCK_DEPTH} levels, each 'else if' counting as one); flatten the nesting`, at, true);
    }
    this.blockNesting++;
    try {
      return parse();
    } finally {
      this.blockNesting--;
    }
  }

  /**
   * Skip tokens, keeping brackets balanced, until `stop(token, depth)` says so.
   * An unbalanced closing bracket ends the skip when `closerEnds` (the end of the
   * enclosing block) and is skipped otherwise (left over from the broken construct).
   */
  private skipUntil(stop: (t: Token, depth: number) => boolean, closerEnds: boolean): void {
    let depth = 0;
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      if (stop(t, depth)) return;
      if (t.kind === "punct" && (t.value === "{" || t.value === "(" || t.value === "[")) depth++;
      if (t.kind === "punct" && (t.value === "}" || t.value === ")" || t.value === "]")) {
        if (depth === 0 && closerEnds) return;
        depth = Math.max(0, depth - 1);
      }
      this.next();
    }
  }

  // ------------------------------------------------------------ module

  parseWholeExpression(): Expr | undefined {
    try {
      const e = this.parseExpr();
      if (this.peek().kind !== "eof") this.fail(LangCodes.Expected, `unexpected ${describe(this.peek())} after the value`);
      return e;
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      return undefined;
    }
  }

  parseModule(): Module {
    const decls: Decl[] = [];
    while (this.peek().kind !== "eof") {
      const start = this.pos;
      try {
        decls.push(this.parseDecl());
        this.endOfDeclaration();
      } catch (e) {
        if (!(e instanceof SyntaxAbort)) throw e;
        if (e.fromStart) this.pos = start;
        if (this.pos === start) this.next();
        // to the next declaration: a declaration keyword starting a line, outside brackets unless it cannot start a statement
        this.skipUntil((t, depth) => t.newlineBefore && t.kind === "keyword" && DECL_KEYWORDS.has(t.value) && (depth === 0 || !STMT_KEYWORDS.has(t.value)), false);
      }
    }
    return { path: this.file.path, decls };
  }

  private endOfDeclaration(): void {
    if (this.eat(";")) return;
    const t = this.peek();
    if (t.kind === "eof" || t.newlineBefore) return;
    this.fail(LangCodes.Expected, `expected a line break after the declaration, found ${describe(t)}`);
  }

  /** `workqueue` and `work` are declaration words only where a declaration starts (workqueue.ts). */
  private atWorkDeclaration(): boolean {
    const t = this.peek();
    return t.kind === "ident" && (t.value === WORKQUEUE_DECL || t.value === WORK_DECL) && this.peek(1).kind === "ident";
  }

  private parseWorkDecl(): Decl {
    const t = this.next();
    const start = t.span;
    if (t.value === WORKQUEUE_DECL) {
      const name = this.ident("a workqueue name");
      let maxActive: Expr | undefined;
      if (this.eat("{")) {
        const key = this.peek();
        if (key.kind !== "ident" || key.value !== "max_active") this.fail(LangCodes.Expected, `expected 'max_active: N' in the workqueue's braces, found ${describe(key)}`);
        this.next();
        this.expect(":", "after max_active");
        maxActive = this.parseExpr();
        this.eat(",");
        this.expect("}", "to close the workqueue's settings");
      }
      return { kind: "Workqueue", name, maxActive, span: this.spanFrom(start) };
    }
    const name = this.ident("a work item name");
    let instance: { binder: Ident; domain: TypeNode } | undefined;
    if (this.eat("[")) {
      const binder = this.ident("an index variable");
      this.expect("in", "after the index variable (e.g. 'work shutdown[i in Irqfd] on wq runs irqfd_shutdown(i)')");
      const domain = this.parseTypeThen("]");
      instance = { binder, domain };
    }
    this.word("on", "after the work item's name (e.g. 'work release_work on events runs vfio_release()')");
    const wq = this.ident("the workqueue the work runs on");
    this.word("runs", "after the workqueue (e.g. 'work release_work on events runs vfio_release()')");
    const proc = this.ident("the procedure the work runs");
    this.expect("(", "after the procedure: the work's arguments, '()' for none");
    const args: Expr[] = [];
    if (!this.at(")")) {
      do args.push(this.parseExpr());
      while (this.eat(","));
    }
    this.expect(")", "to close the work's arguments");
    return { kind: "Work", name, instance, wq, proc, args, span: this.spanFrom(start) };
  }

  /** A contextual word (an identifier such as `on` or `runs`). */
  private word(w: string, context: string): void {
    const t = this.peek();
    if (t.kind === "ident" && t.value === w) {
      this.next();
      return;
    }
    this.fail(LangCodes.Expected, `expected '${w}' ${context}, found ${describe(t)}`);
  }

  private parseDecl(): Decl {
    const t = this.peek();
    const start = t.span;
    if (this.atWorkDeclaration()) return this.parseWorkDecl();
    if (t.kind !== "keyword" || !DECL_KEYWORDS.has(t.value)) {
      return this.fail(LangCodes.ExpectedDeclaration, `expected a declaration (const, type, var, mutex, spinlock, rwsem, refcount, completion, srcu, workqueue, work, object, ops, proc, process, invariant, final, import), found ${describe(t)}`);
    }
    this.next();
    switch (t.value) {
      case "import": {
        const s = this.peek();
        if (s.kind !== "string") this.fail(LangCodes.Expected, `expected a file name in quotes after 'import', found ${describe(s)}`);
        this.next();
        return { kind: "Import", path: s.value, pathSpan: s.span, span: this.spanFrom(start) };
      }
      case "const": {
        const name = this.ident("a constant name");
        const type = this.eat(":") ? this.parseType() : undefined;
        this.expect("=", "in the constant declaration");
        const value = this.parseExpr();
        return { kind: "Const", name, type, value, span: this.spanFrom(start) };
      }
      case "type": {
        const name = this.ident("a type name");
        this.expect("=", "in the type declaration");
        // `symmetric` is a word only here, before the range it qualifies (a type named symmetric stays usable)
        const word = this.peek();
        const symmetric = word.kind === "ident" && word.value === "symmetric" && !this.peek(1).newlineBefore && this.peek(1).kind !== "eof" ? this.next().span : undefined;
        const type = this.parseType();
        return { kind: "TypeDecl", name, type, ...(symmetric ? { symmetric } : {}), span: this.spanFrom(start) };
      }
      case "var": {
        const name = this.ident("a variable name");
        const type = this.eat(":") ? this.parseType() : undefined;
        const init = this.eat("=") ? this.parseExpr() : undefined;
        return { kind: "Var", name, type, init, span: this.spanFrom(start) };
      }
      case "mutex":
      case "spinlock":
      case "rwsem": {
        const name = this.ident("a lock name");
        const index = this.eat("[") ? this.parseTypeThen("]") : undefined;
        return { kind: "LockDecl", lockKind: t.value, name, index, span: this.spanFrom(start) };
      }
      case "srcu": {
        const name = this.ident("an SRCU domain name");
        const index = this.eat("[") ? this.parseTypeThen("]") : undefined;
        return { kind: "Srcu", name, index, span: this.spanFrom(start) };
      }
      case "completion": {
        const name = this.ident("a completion name");
        const index = this.eat("[") ? this.parseTypeThen("]") : undefined;
        return { kind: "Completion", name, index, span: this.spanFrom(start) };
      }
      case "refcount": {
        const name = this.ident("a refcount name");
        const index = this.eat("[") ? this.parseTypeThen("]") : undefined;
        const type = this.eat(":") ? this.parseType() : undefined;
        const init = this.eat("=") ? this.parseExpr() : undefined;
        return { kind: "Refcount", name, index, type, init, span: this.spanFrom(start) };
      }
      case "ops": {
        const name = this.ident("an ops table name");
        this.expect("{", "to open the ops table");
        const fields: OpsField[] = [];
        while (!this.at("}") && this.peek().kind !== "eof") {
          const fname = this.fieldName();
          const params = this.parseParams();
          const ret = this.eat(":") ? this.parseType() : undefined;
          fields.push({ name: fname, params, ret });
          if (!this.eat(",") && !this.at("}") && !this.peek().newlineBefore) {
            this.fail(LangCodes.Expected, `expected ',' or '}' in the ops table, found ${describe(this.peek())}`);
          }
        }
        this.expect("}", "to close the ops table");
        return { kind: "Ops", name, fields, span: this.spanFrom(start) };
      }
      case "proc": {
        const name = this.ident("a procedure name");
        const params = this.parseParams();
        const ret = this.eat(":") ? this.parseType() : undefined;
        const body = this.parseBlock();
        return { kind: "Proc", name, params, ret, body, span: this.spanFrom(start) };
      }
      case "process": {
        const name = this.ident("a process name");
        let instance: { binder: Ident; domain: TypeNode } | undefined;
        if (this.eat("[")) {
          const binder = this.ident("an instance variable");
          this.expect("in", "after the instance variable (e.g. 'process vcpu[i in 0..1]')");
          const domain = this.parseTypeThen("]");
          instance = { binder, domain };
        }
        const body = this.parseBlock();
        return { kind: "Process", name, instance, body, span: this.spanFrom(start) };
      }
      case "invariant":
      case "final": {
        const name = this.ident(`a name for the ${t.value}`);
        this.expect(":", `after the ${t.value} name`);
        const cond = this.parseExpr();
        return { kind: t.value === "final" ? "Final" : "Invariant", name, cond, span: this.spanFrom(start) };
      }
      case "object": {
        const name = this.ident("an object pool name");
        this.expect("[", "before the pool's bound (e.g. object kvg[2] { ... })");
        const bound = this.parseExpr();
        this.expect("]", "after the pool's bound");
        this.expect("{", "to open the object's fields");
        const fields: ObjectFieldNode[] = [];
        while (!this.at("}") && this.peek().kind !== "eof") {
          const fstart = this.peek().span;
          const fname = this.fieldName();
          this.expect(":", "after the field name");
          const k = this.peek();
          if (k.kind === "keyword" && (k.value === "mutex" || k.value === "spinlock" || k.value === "rwsem")) {
            this.next();
            fields.push({ name: fname, sync: { kind: "lock", lockKind: k.value }, span: this.spanFrom(fstart) });
          } else if (k.kind === "keyword" && (k.value === "completion" || k.value === "srcu")) {
            this.next();
            fields.push({ name: fname, sync: { kind: k.value }, span: this.spanFrom(fstart) });
          } else if (k.kind === "ident" && k.value === WORK_DECL && this.peek(1).kind === "ident" && this.peek(1).value === "on") {
            // work on wq runs f: INIT_WORK(&obj->w, f), f gets the object (container_of)
            this.next();
            this.word("on", "after 'work'");
            const wq = this.ident("the workqueue the work runs on");
            this.word("runs", "after the workqueue (e.g. 'shutdown: work on events runs irqfd_shutdown')");
            const proc = this.ident("the procedure the work runs");
            if (this.at("(")) this.fail(LangCodes.Expected, `a work field's procedure gets its object (the kernel's container_of()): write 'runs ${proc.name}', without arguments`);
            fields.push({ name: fname, sync: { kind: "work", wq, proc }, span: this.spanFrom(fstart) });
          } else if (k.kind === "keyword" && k.value === "refcount") {
            this.next();
            // refcount, refcount 0..3, refcount = 1, refcount 0..3 = 1
            const n = this.peek();
            const range = n.kind === "eof" || n.newlineBefore || this.at(",") || this.at("}") || this.at("=") ? undefined : this.parseType();
            const init = this.eat("=") ? this.parseExpr() : undefined;
            fields.push({ name: fname, sync: { kind: "refcount", range, init }, span: this.spanFrom(fstart) });
          } else {
            fields.push({ name: fname, type: this.parseType(), span: this.spanFrom(fstart) });
          }
          if (!this.eat(",") && !this.at("}") && !this.peek().newlineBefore) {
            this.fail(LangCodes.Expected, `expected ',' or '}' in the object's fields, found ${describe(this.peek())}`);
          }
        }
        this.expect("}", "to close the object's fields");
        return { kind: "Object", name, bound, fields, span: this.spanFrom(start) };
      }
    }
    return this.fail(LangCodes.ExpectedDeclaration, `unexpected ${describe(t)}`);
  }

  private parseParams(): Param[] {
    this.expect("(", "to open the parameter list");
    const params: Param[] = [];
    while (!this.at(")")) {
      const name = this.ident("a parameter name");
      this.expect(":", `after parameter '${name.name}' (parameters need a type)`);
      const type = this.parseType();
      params.push({ name, type });
      if (!this.eat(",")) break;
    }
    this.expect(")", "to close the parameter list");
    return params;
  }

  private parseTypeThen(close: string): TypeNode {
    const t = this.parseType();
    this.expect(close);
    return t;
  }

  // ------------------------------------------------------------ types

  parseType(): TypeNode {
    const at = this.peek().span;
    if (this.typeNesting >= MAX_TYPE_DEPTH) this.fail(LangCodes.TypeTooDeep, `type nested too deeply (more than ${MAX_TYPE_DEPTH} levels)`, at, true);
    this.typeNesting++;
    try {
      return this.parseTypeHere();
    } finally {
      this.typeNesting--;
    }
  }

  private parseTypeHere(): TypeNode {
    const t = this.peek();
    const start = t.span;
    if (this.eat("bool")) return { kind: "BoolType", span: start };
    if (this.eat("set")) {
      this.expect("<", "after 'set' (e.g. set<Dev>)");
      const elem = this.parseType();
      this.expect(">", "to close set<...>");
      return { kind: "SetType", elem, span: this.spanFrom(start) };
    }
    if (this.eat("[")) {
      const key = this.parseType();
      this.expect("]", "after the key type of a map type (e.g. [Dev] bool)");
      const value = this.parseType();
      return { kind: "MapType", key, value, span: this.spanFrom(start) };
    }
    if (this.eat("{")) {
      if (this.peek(1).kind === "punct" && this.peek(1).value === ":") {
        const fields: { name: Ident; type: TypeNode }[] = [];
        while (!this.at("}")) {
          const name = this.fieldName();
          this.expect(":", "after the field name");
          fields.push({ name, type: this.parseType() });
          if (!this.eat(",")) break;
        }
        this.expect("}", "to close the record type");
        return { kind: "RecordType", fields, span: this.spanFrom(start) };
      }
      const members: Ident[] = [];
      while (!this.at("}")) {
        members.push(this.ident("an enumeration member"));
        if (!this.eat(",")) break;
      }
      this.expect("}", "to close the enumeration");
      if (members.length === 0) this.fail(LangCodes.ExpectedType, "an enumeration needs at least one member", this.spanFrom(start));
      return { kind: "EnumType", members, span: this.spanFrom(start) };
    }
    if (t.kind === "ident" || (isContextualKeyword(t) && !NOT_TYPE_NAMES.has(t.value)) || t.kind === "int" || this.at("-") || this.at("(")) {
      const lo = this.parseAdditive();
      if (this.eat("..")) {
        const hi = this.parseAdditive();
        return { kind: "RangeType", lo, hi, span: this.spanFrom(start) };
      }
      if (lo.kind === "Name") return { kind: "NamedType", name: { name: lo.name, span: lo.span }, span: lo.span };
      return this.fail(LangCodes.ExpectedType, "expected a type: a range needs '..' (e.g. 0..3)", lo.span);
    }
    return this.fail(LangCodes.ExpectedType, `expected a type (bool, lo..hi, {a, b}, set<T>, [K] V, or a type name), found ${describe(t)}`);
  }

  // ------------------------------------------------------------ statements

  parseBlock(): Block {
    return this.deeperBlock(this.peek().span, () => this.parseBlockHere());
  }

  private parseBlockHere(): Block {
    const open = this.expect("{", "to open a block");
    const stmts: Stmt[] = [];
    while (!this.at("}") && this.peek().kind !== "eof" && !this.atDeclarationStart()) {
      const start = this.pos;
      try {
        stmts.push(this.parseStmt());
        this.endOfStatement();
      } catch (e) {
        if (!(e instanceof SyntaxAbort)) throw e;
        if (e.fromStart) this.pos = start;
        if (this.pos === start) this.next();
        this.skipUntil((t, depth) => depth === 0 && (t.newlineBefore || (t.kind === "punct" && t.value === ";")), true);
        this.eat(";");
      }
    }
    if (!this.at("}")) {
      this.fail(LangCodes.Expected, `expected '}' to close the block opened at line ${open.span.file.position(open.span.start).line}, found ${describe(this.peek())}`);
    }
    const close = this.next();
    return { stmts, span: joinSpans(open.span, close.span) };
  }

  /** A declaration keyword (that cannot start a statement) at the start of a line: the enclosing block was never closed. */
  private atDeclarationStart(): boolean {
    const t = this.peek();
    // `type := 1` is an assignment to a variable named type, not a declaration
    const named = this.at(":=", 1) || this.at(".", 1) || this.at("[", 1);
    return t.newlineBefore && t.kind === "keyword" && DECL_KEYWORDS.has(t.value) && !STMT_KEYWORDS.has(t.value) && !named;
  }

  private endOfStatement(): void {
    if (this.eat(";")) return;
    const t = this.peek();
    if (t.kind === "eof" || t.newlineBefore || this.at("}")) return;
    this.fail(LangCodes.Expected, `expected ';' or a line break between statements, found ${describe(t)}`);
  }

  parseStmt(): Stmt {
    const t = this.peek();
    const start = t.span;
    // `lock := 1`, `ops.open := f`, `type[i] := 2`: a contextual keyword followed by what only a
    // place can be followed by names a variable
    const named = isContextualKeyword(t) && (this.at(":=", 1) || this.at(".", 1) || this.at("[", 1));
    if (t.kind === "keyword" && !named) {
      if (LOCK_OPS.has(t.value)) {
        this.next();
        const target = this.parseExpr();
        // `lock x nested 1`: `nested` after the lock, on the same line, is the subclass; `lock x
        // nest_lock l`, the nest lock (words only here)
        const n = this.peek();
        if (n.kind === "ident" && n.value === "nested" && !n.newlineBefore) {
          this.next();
          const nested = this.parseExpr();
          return { kind: "Lock", op: t.value as LockOp, target, nested, span: this.spanFrom(start) };
        }
        if (n.kind === "ident" && n.value === "nest_lock" && !n.newlineBefore) {
          this.next();
          const nestLock = this.parseExpr();
          return { kind: "Lock", op: t.value as LockOp, target, nestLock, span: this.spanFrom(start) };
        }
        return { kind: "Lock", op: t.value as LockOp, target, span: this.spanFrom(start) };
      }
      switch (t.value) {
        case "var": {
          this.next();
          const name = this.ident("a local variable name");
          const type = this.eat(":") ? this.parseType() : undefined;
          const init = this.eat("=") ? this.parseExpr() : undefined;
          return { kind: "LocalVar", name, type, init, span: this.spanFrom(start) };
        }
        case "get":
        case "put": {
          this.next();
          const target = this.parseExpr();
          return { kind: "Refcount", op: t.value, target, span: this.spanFrom(start) };
        }
        case "srcu_read_lock":
        case "srcu_read_unlock":
        case "synchronize_srcu": {
          this.next();
          const target = this.parseExpr();
          return { kind: "Srcu", op: t.value, target, span: this.spanFrom(start) };
        }
        case "rcu_read_lock":
        case "rcu_read_unlock":
        case "synchronize_rcu": {
          this.next();
          if (this.eat("(") && !this.eat(")")) this.fail(LangCodes.Expected, `${t.value}() takes no arguments (RCU has one domain), found ${describe(this.peek())}`, this.peek().span, true);
          return { kind: "Srcu", op: t.value, span: this.spanFrom(start) };
        }
        case "complete":
        case "complete_all":
        case "wait_for_completion":
        case "reinit_completion": {
          this.next();
          const target = this.parseExpr();
          return { kind: "Completion", op: t.value, target, span: this.spanFrom(start) };
        }
        case "await": {
          this.next();
          const cond = this.parseExpr();
          let label: string | undefined;
          if (this.eat(":")) {
            const s = this.peek();
            if (s.kind !== "string") this.fail(LangCodes.Expected, `expected a label in quotes after ':' (await cond : "what it waits for"), found ${describe(s)}`);
            label = this.next().value;
          }
          return { kind: "Await", cond, label, span: this.spanFrom(start) };
        }
        case "assert": {
          this.next();
          const cond = this.parseExpr();
          let message: string | undefined;
          if (this.eat(":")) {
            const s = this.peek();
            if (s.kind !== "string") this.fail(LangCodes.Expected, `expected a message in quotes after ':', found ${describe(s)}`);
            message = this.next().value;
          }
          return { kind: "Assert", cond, message, span: this.spanFrom(start) };
        }
        case "if":
          return this.parseIf();
        case "while": {
          this.next();
          const cond = this.parseExpr();
          const body = this.parseBlock();
          return { kind: "While", cond, body, span: this.spanFrom(start) };
        }
        case "for":
        case "pick": {
          this.next();
          const binder = this.ident("a loop variable");
          this.expect("in", `after the ${t.value} variable`);
          const domain = this.parseExpr();
          const body = this.parseBlock();
          return { kind: t.value === "for" ? "For" : "Pick", binder, domain, body, span: this.spanFrom(start) };
        }
        case "either": {
          this.next();
          // each branch may carry a label: either "fails" { … } or "succeeds" { … }
          const label = () => (this.peek().kind === "string" ? this.next().value : undefined);
          const labels = [label()];
          const branches = [this.parseBlock()];
          while (this.at("or")) {
            this.next();
            labels.push(label());
            branches.push(this.parseBlock());
          }
          if (branches.length < 2) this.fail(LangCodes.Expected, "'either' needs at least one 'or' branch", this.spanFrom(start));
          return { kind: "Either", branches, ...(labels.some((l) => l !== undefined) ? { labels } : {}), span: this.spanFrom(start) };
        }
        case "call": {
          this.next();
          return this.parseCallRest(start);
        }
        case "return": {
          this.next();
          const n = this.peek();
          const bare = n.kind === "eof" || n.newlineBefore || this.at("}") || this.at(";");
          const value = bare ? undefined : this.parseExpr();
          return { kind: "Return", value, span: this.spanFrom(start) };
        }
        case "atomic": {
          this.next();
          const body = this.parseBlock();
          return { kind: "Atomic", body, span: this.spanFrom(start) };
        }
        case "skip":
          this.next();
          return { kind: "Skip", span: start };
        case "might_sleep":
          this.next();
          this.expect("(", "after might_sleep");
          this.expect(")", "after might_sleep(: it takes no arguments");
          return { kind: "MightSleep", span: this.spanFrom(start) };
        case "free": {
          this.next();
          const target = this.parseExpr();
          return { kind: "Free", target, span: this.spanFrom(start) };
        }
      }
    }
    // queue_work w, flush_work w, cancel_work_sync w, flush_workqueue wq (also with parentheses):
    // words only here, so that `flush_work := 1` still assigns a variable of that name
    if (t.kind === "ident" && WORK_STATEMENTS.has(t.value) && (this.peek(1).kind === "ident" || this.at("(", 1))) {
      this.next();
      const target = this.parseExpr();
      return { kind: "Work", op: t.value as WorkOp, target, span: this.spanFrom(start) };
    }
    // call_rcu f(x), call_srcu d f(x): words only here, like the workqueue statements
    if (t.kind === "ident" && (t.value === CALL_RCU || t.value === CALL_SRCU) && this.peek(1).kind === "ident") {
      this.next();
      const domain = t.value === CALL_SRCU ? this.parsePostfix() : undefined;
      const callee = this.ident(`the callback procedure ${t.value} registers`);
      this.expect("(", `after the callback '${callee.name}' (${t.value} ${t.value === CALL_SRCU ? "d " : ""}f(x))`);
      const args: Expr[] = [];
      if (!this.at(")")) {
        do args.push(this.parseExpr());
        while (this.eat(","));
      }
      this.expect(")", "after the callback's arguments");
      return { kind: "CallRcu", domain, callee, args, span: this.spanFrom(start) };
    }
    if (t.kind === "ident" || named) {
      this.keywordNameHere = named;
      const target = this.parsePostfix();
      if (target.kind === "Builtin" && !this.at(":=")) {
        this.fail(LangCodes.ExpectedStatement, `a procedure call is a statement of its own: write 'call ${target.fn.name}(...)'`, target.span);
      }
      if (this.at("=") || this.at("==")) {
        this.fail(LangCodes.Expected, `expected ':=' for an assignment, found '${this.peek().value}'`);
      }
      this.expect(":=", "(a statement is an assignment, a call, or starts with a keyword such as lock, if, await)");
      if (this.eat("call")) {
        const call = this.parseCallRest(start);
        if (call.kind === "Call") call.result = target;
        return call;
      }
      const value = this.parseExpr();
      return { kind: "Assign", target, value, span: this.spanFrom(start) };
    }
    return this.fail(LangCodes.ExpectedStatement, `expected a statement, found ${describe(t)}`);
  }

  private parseCallRest(start: Span): Stmt {
    const calleeStart = this.peek().span;
    let callee: Expr;
    const id = this.ident("the procedure to call");
    callee = { kind: "Name", name: id.name, span: id.span };
    for (;;) {
      if (this.eat("[")) {
        const index = this.parseExpr();
        this.expect("]");
        callee = { kind: "Index", target: callee, index, span: this.spanFrom(callee.span) };
      } else if (this.eat(".")) {
        const field = this.fieldName();
        callee = { kind: "Field", target: callee, field, span: this.spanFrom(callee.span) };
      } else break;
    }
    const calleeSpan = this.spanFrom(calleeStart);
    this.expect("(", "after the procedure in a call");
    const args = this.parseArgs(")");
    return { kind: "Call", callee, args, span: this.spanFrom(start), calleeSpan };
  }

  private parseIf(): Stmt {
    const start = this.next().span;
    let cond: IfCond;
    if (this.at("dec_and_test")) {
      const dt = this.next().span;
      this.expect("(", "after dec_and_test");
      const target = this.parseExpr();
      this.expect(")");
      cond = { kind: "DecAndTest", target, span: this.spanFrom(dt) };
    } else if (this.at("dec_and_lock")) {
      const dl = this.next().span;
      this.expect("(", "after dec_and_lock");
      const target = this.parseExpr();
      this.expect(",", "between the refcount and the lock of dec_and_lock(r, m)");
      const lock = this.parseExpr();
      this.expect(")");
      cond = { kind: "DecAndLock", target, lock, span: this.spanFrom(dl) };
    } else {
      cond = { kind: "Expr", expr: this.parseExpr() };
    }
    const then = this.parseBlock();
    let elseBlock: Block | undefined;
    if (this.at("else")) {
      this.next();
      if (this.at("if")) {
        const nested = this.deeperBlock(this.peek().span, () => this.parseIf());
        elseBlock = { stmts: [nested], span: nested.span };
      } else {
        elseBlock = this.parseBlock();
      }
    }
    return { kind: "If", cond, then, else: elseBlock, span: this.spanFrom(start) };
  }

  private parseArgs(close: string, what = "the argument list"): Expr[] {
    const args: Expr[] = [];
    while (!this.at(close)) {
      args.push(this.parseExpr());
      if (!this.eat(",")) break;
    }
    this.expect(close, `to close ${what}`);
    return args;
  }

  // ------------------------------------------------------------ expressions

  parseExpr(): Expr {
    this.enterExpr(this.peek().span);
    try {
      return this.parseImplies();
    } finally {
      this.exprNesting--;
    }
  }

  private binary(op: BinaryOp, opSpan: Span, left: Expr, right: Expr): Expr {
    return this.tree({ kind: "Binary", op, opSpan, left, right, span: joinSpans(left.span, right.span) }, opSpan, [left, right]);
  }

  private parseImplies(): Expr {
    const left = this.parseOr();
    if (this.at("=>")) {
      const op = this.next().span;
      this.enterExpr(op);
      let right: Expr;
      try {
        right = this.parseImplies();
      } finally {
        this.exprNesting--;
      }
      return this.binary("=>", op, left, right);
    }
    return left;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.at("or")) {
      const op = this.next().span;
      left = this.binary("or", op, left, this.parseAnd());
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.at("and")) {
      const op = this.next().span;
      left = this.binary("and", op, left, this.parseNot());
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.at("not") && !this.at("in", 1)) {
      const start = this.next().span;
      this.enterExpr(start);
      let operand: Expr;
      try {
        operand = this.parseNot();
      } finally {
        this.exprNesting--;
      }
      return this.tree({ kind: "Unary", op: "not", operand, span: joinSpans(start, operand.span) }, start, [operand]);
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseRange();
    let op: string | undefined;
    let opSpan: Span | undefined;
    const t = this.peek();
    if ((t.kind === "punct" || t.kind === "keyword") && COMPARISONS.has(t.value)) {
      op = t.value;
      opSpan = this.next().span;
    } else if (this.at("not") && this.at("in", 1)) {
      const a = this.next().span;
      const b = this.next().span;
      op = "notin";
      opSpan = joinSpans(a, b);
    }
    if (!op || !opSpan) {
      if (this.at("=")) {
        this.fail(LangCodes.Expected, "'=' is not a comparison: write '==' to compare (':=' assigns)");
      }
      return left;
    }
    const right = this.parseRange();
    const n = this.peek();
    if ((n.kind === "punct" || n.kind === "keyword") && COMPARISONS.has(n.value)) {
      this.fail(LangCodes.Expected, `comparisons do not chain: put parentheses around '${op}' or '${n.value}'`);
    }
    return this.binary(op as BinaryOp, opSpan, left, right);
  }

  private parseRange(): Expr {
    const left = this.parseAdditive();
    if (this.at("..")) {
      const op = this.next().span;
      return this.binary("..", op, left, this.parseAdditive());
    }
    return left;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.at("+") || this.at("-")) {
      const t = this.next();
      left = this.binary(t.value as BinaryOp, t.span, left, this.parseMultiplicative());
    }
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    while (this.at("*") || this.at("/") || this.at("%") || this.at("&")) {
      const t = this.next();
      left = this.binary(t.value as BinaryOp, t.span, left, this.parseUnary());
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.at("-")) {
      const start = this.next().span;
      this.enterExpr(start);
      let operand: Expr;
      try {
        operand = this.parseUnary();
      } finally {
        this.exprNesting--;
      }
      return this.tree({ kind: "Unary", op: "-", operand, span: joinSpans(start, operand.span) }, start, [operand]);
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      if (this.at("[")) {
        const open = this.next().span;
        const index = this.parseExpr();
        this.expect("]", "to close the index");
        e = this.tree({ kind: "Index", target: e, index, span: this.spanFrom(e.span) }, open, [e, index]);
      } else if (this.at(".") ) {
        const dot = this.next().span;
        const field = this.fieldName();
        e = this.tree({ kind: "Field", target: e, field, span: this.spanFrom(e.span) }, dot, [e]);
      } else return e;
    }
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    const start = t.span;
    switch (t.kind) {
      case "int":
        this.next();
        return { kind: "IntLit", value: Number(t.value), span: start };
      case "ident": {
        this.next();
        if (this.at("(") && !this.peek().newlineBefore) {
          this.next();
          const args = this.parseArgs(")");
          return this.tree({ kind: "Builtin", fn: { name: t.value, span: start }, args, span: this.spanFrom(start) }, start, args);
        }
        return { kind: "Name", name: t.value, span: start };
      }
      case "string":
        return this.fail(LangCodes.ExpectedExpression, "strings are only allowed as assert messages and import paths");
      case "keyword":
        // a word that is a keyword only where a declaration or statement starts is a name here
        // (not at the start of a line, where it starts the next statement or declaration: `x :=` then a line `lock m`)
        if (isContextualKeyword(t) && (!t.newlineBefore || this.keywordNameHere)) {
          this.keywordNameHere = false;
          this.next();
          return { kind: "Name", name: t.value, span: start };
        }
        switch (t.value) {
          case "true":
          case "false":
            this.next();
            return { kind: "BoolLit", value: t.value === "true", span: start };
          case "none":
            this.next();
            return { kind: "NoneLit", span: start };
          case "null":
            this.next();
            return { kind: "NullLit", span: start };
          case "if": {
            this.next();
            const cond = this.parseExpr();
            this.expect("then", "in a conditional expression (if c then a else b)");
            const then = this.parseExpr();
            this.expect("else", "in a conditional expression (if c then a else b)");
            const els = this.parseExpr();
            return this.tree({ kind: "Cond", cond, then, else: els, span: joinSpans(start, els.span) }, start, [cond, then, els]);
          }
          case "forall":
          case "exists": {
            this.next();
            const binder = this.ident("a bound variable");
            this.expect("in", "after the bound variable");
            const domain = this.parseExpr();
            this.expect(":", "before the body of the quantifier");
            const body = this.parseExpr();
            return this.tree({ kind: "Quant", quant: t.value, binder, domain, body, span: joinSpans(start, body.span) }, start, [domain, body]);
          }
          case "alloc": {
            this.next();
            const pool = this.ident("the object pool to allocate from");
            const fields: { name: Ident; value: Expr }[] = [];
            if (this.at("{") && !this.peek().newlineBefore) {
              this.next();
              while (!this.at("}")) {
                const fname = this.fieldName();
                this.expect(":", "after the field name");
                fields.push({ name: fname, value: this.parseExpr() });
                if (!this.eat(",")) break;
              }
              this.expect("}", "to close the object's initial fields");
            }
            return this.tree({ kind: "Alloc", pool, fields, span: this.spanFrom(start) }, start, fields.map((f) => f.value));
          }
          case "dec_and_test":
            return this.fail(LangCodes.MisplacedConstruct, "dec_and_test(r) is only allowed as the whole condition of an if statement");
          case "dec_and_lock":
            return this.fail(LangCodes.MisplacedConstruct, "dec_and_lock(r, m) is only allowed as the whole condition of an if statement");
          case "might_sleep":
            return this.fail(LangCodes.MisplacedConstruct, "might_sleep() is a statement: write it on its own line");
          case "call":
            return this.fail(LangCodes.MisplacedConstruct, "a call is a statement: write 'x := call f(...)' on its own line");
        }
        break;
      case "punct":
        if (t.value === "(") {
          this.next();
          const inner = this.parseExpr();
          this.expect(")", "to close the parenthesis");
          const grouped = { ...inner, span: this.spanFrom(start) } as Expr;
          const d = this.depths.get(inner);
          if (d !== undefined) this.depths.set(grouped, d);
          return grouped;
        }
        if (t.value === "{") return this.parseBraced();
        if (t.value === "[") return this.parseBracketed();
        break;
      case "eof":
        break;
    }
    return this.fail(LangCodes.ExpectedExpression, `expected an expression, found ${describe(t)}`);
  }

  /** `{}`, `{a, b}` (set) or `{f: e, ...}` (record or ops table). */
  private parseBraced(): Expr {
    const start = this.next().span;
    // a record literal starts with `name:`; `{}` followed by `:` (an assert message) is an empty set
    if (!this.at("}") && this.peek(1).kind === "punct" && this.peek(1).value === ":") {
      const fields: { name: Ident; value: Expr }[] = [];
      while (!this.at("}")) {
        const name = this.fieldName();
        this.expect(":", "after the field name");
        fields.push({ name, value: this.parseExpr() });
        if (!this.eat(",")) break;
      }
      this.expect("}", "to close the record");
      return this.tree({ kind: "RecordLit", fields, span: this.spanFrom(start) }, start, fields.map((f) => f.value));
    }
    const elems = this.parseArgs("}", "the set");
    return this.tree({ kind: "SetLit", elems, span: this.spanFrom(start) }, start, elems);
  }

  /** `[k: v, ...]` (map) or `[x in S: e]` (map comprehension). */
  private parseBracketed(): Expr {
    const start = this.next().span;
    if (this.peek().kind === "ident" && this.at("in", 1)) {
      const binder = this.ident();
      this.next();
      const domain = this.parseExpr();
      this.expect(":", "in the map comprehension [x in S: e]");
      const body = this.parseExpr();
      this.expect("]", "to close the map");
      return this.tree({ kind: "MapComp", binder, domain, body, span: this.spanFrom(start) }, start, [domain, body]);
    }
    const entries: { key: Expr; value: Expr }[] = [];
    while (!this.at("]")) {
      const key = this.parseExpr();
      this.expect(":", "between a key and its value in a map literal");
      entries.push({ key, value: this.parseExpr() });
      if (!this.eat(",")) break;
    }
    this.expect("]", "to close the map");
    return this.tree({ kind: "MapLit", entries, span: this.spanFrom(start) }, start, entries.flatMap((en) => [en.key, en.value]));
  }
}

/**
 * Keywords that start a declaration or a statement (or write a type) and are names anywhere
 * else — in expressions, as variable, parameter, field and binder names — so that a model can
 * call things as the kernel does (`ops`, `type`, `lock`, `set`, `private`). Words with a
 * meaning inside expressions (`true`, `alloc`, `dec_and_test`, …) or inside statements
 * (`in`, `then`, `else`, `or`) stay keywords everywhere.
 */
const CONTEXTUAL_KEYWORDS: ReadonlySet<string> = new Set([
  "import", "const", "type", "var", "mutex", "spinlock", "rwsem", "refcount", "object", "ops", "proc", "process", "invariant", "final",
  "completion", "srcu", "set",
  "lock", "unlock", "down_read", "up_read", "down_write", "up_write", "get", "put", "await", "assert", "free", "skip",
  "srcu_read_lock", "srcu_read_unlock", "synchronize_srcu", "rcu_read_lock", "rcu_read_unlock", "synchronize_rcu",
  "complete", "complete_all", "wait_for_completion", "reinit_completion",
]);

/** Contextual keywords that never name a type: `var m: mutex` is a lock declared in the wrong place, not a type. */
const NOT_TYPE_NAMES: ReadonlySet<string> = new Set(["mutex", "spinlock", "rwsem", "refcount", "completion", "srcu", "set"]);

function isContextualKeyword(t: Token): boolean {
  return t.kind === "keyword" && CONTEXTUAL_KEYWORDS.has(t.value);
}
