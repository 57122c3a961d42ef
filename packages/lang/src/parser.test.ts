// Parser tests: every declaration, statement and expression form of ast.ts
// parses to the expected tree (expressions are compared in a fully
// parenthesised prefix form, which makes precedence visible), and malformed
// input gives diagnostics at the right places while the good parts still parse.
import { describe, expect, it } from "vitest";
import type { Block, Decl, DeclOf, Expr, Stmt, TypeNode } from "./ast.js";
import { LangCodes } from "./diagnostics.js";
import { parseExpression } from "./parser.js";
import { SourceFile, spanText } from "./source.js";
import { parseMarked } from "./test-markers.js";

const { Expected, ExpectedDeclaration, ExpectedStatement, ExpectedExpression, ExpectedType, MisplacedConstruct, UnexpectedCharacter } = LangCodes;

/** An expression in prefix form: (op a b), literals and names as written. */
function show(e: Expr): string {
  switch (e.kind) {
    case "IntLit": return String(e.value);
    case "BoolLit": return String(e.value);
    case "NoneLit": return "none";
    case "NullLit": return "null";
    case "Name": return e.name;
    case "Unary": return `(${e.op} ${show(e.operand)})`;
    case "Binary": return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case "SetLit": return `{${e.elems.map(show).join(" ")}}`;
    case "RecordLit": return `{${e.fields.map((f) => `${f.name.name}: ${show(f.value)}`).join(", ")}}`;
    case "MapLit": return `[${e.entries.map((en) => `${show(en.key)}: ${show(en.value)}`).join(", ")}]`;
    case "MapComp": return `[${e.binder.name} in ${show(e.domain)}: ${show(e.body)}]`;
    case "Index": return `${show(e.target)}[${show(e.index)}]`;
    case "Field": return `${show(e.target)}.${e.field.name}`;
    case "Builtin": return `${e.fn.name}(${e.args.map(show).join(", ")})`;
    case "Cond": return `(if ${show(e.cond)} ${show(e.then)} ${show(e.else)})`;
    case "Quant": return `(${e.quant} ${e.binder.name} ${show(e.domain)} ${show(e.body)})`;
    case "Alloc": return `(alloc ${e.pool.name}${e.fields.map((f) => ` ${f.name.name}=${show(f.value)}`).join("")})`;
    case "ErrorExpr": return "<error>";
  }
}

function showType(t: TypeNode): string {
  switch (t.kind) {
    case "BoolType": return "bool";
    case "RangeType": return `${show(t.lo)}..${show(t.hi)}`;
    case "EnumType": return `enum{${t.members.map((m) => m.name).join(", ")}}`;
    case "RecordType": return `record{${t.fields.map((f) => `${f.name.name}: ${showType(f.type)}`).join(", ")}}`;
    case "SetType": return `set<${showType(t.elem)}>`;
    case "MapType": return `[${showType(t.key)}] ${showType(t.value)}`;
    case "NamedType": return t.name.name;
    case "ErrorType": return "<error>";
  }
}

/** A statement in a compact form; nested blocks in braces. */
function showStmt(s: Stmt): string {
  const block = (b: Block) => `{ ${b.stmts.map(showStmt).join("; ")} }`;
  switch (s.kind) {
    case "LocalVar": return `var ${s.name.name}${s.type ? ": " + showType(s.type) : ""}${s.init ? " = " + show(s.init) : ""}`;
    case "Assign": return `${show(s.target)} := ${show(s.value)}`;
    case "Call": return `${s.result ? show(s.result) + " := " : ""}call ${show(s.callee)}(${s.args.map(show).join(", ")})`;
    case "Lock": return `${s.op} ${show(s.target)}`;
    case "Refcount": return `${s.op} ${show(s.target)}`;
    case "Await": return `await ${show(s.cond)}${s.label !== undefined ? ` : ${JSON.stringify(s.label)}` : ""}`;
    case "Completion": return `${s.op} ${show(s.target)}`;
    case "Srcu": return s.target ? `${s.op} ${show(s.target)}` : s.op;
    case "Work": return `${s.op} ${show(s.target)}`;
    case "CallRcu": return `${s.domain ? `call_srcu ${show(s.domain)}` : "call_rcu"} ${s.callee.name}(${s.args.map(show).join(", ")})`;
    case "Assert": return `assert ${show(s.cond)}${s.message !== undefined ? ` : ${JSON.stringify(s.message)}` : ""}`;
    case "If": {
      const cond = s.cond.kind === "DecAndTest" ? `dec_and_test(${show(s.cond.target)})` : s.cond.kind === "DecAndLock" ? `dec_and_lock(${show(s.cond.target)}, ${show(s.cond.lock)})` : show(s.cond.expr);
      return `if ${cond} ${block(s.then)}${s.else ? " else " + block(s.else) : ""}`;
    }
    case "While": return `while ${show(s.cond)} ${block(s.body)}`;
    case "For": return `for ${s.binder.name} in ${show(s.domain)} ${block(s.body)}`;
    case "Pick": return `pick ${s.binder.name} in ${show(s.domain)} ${block(s.body)}`;
    case "Either": return `either ${s.branches.map(block).join(" or ")}`;
    case "Return": return s.value ? `return ${show(s.value)}` : "return";
    case "Atomic": return `atomic ${block(s.body)}`;
    case "Free": return `free ${show(s.target)}`;
    case "Skip": return "skip";
    case "MightSleep": return "might_sleep()";
  }
}

/** Parse source that must have no diagnostics. */
function parseClean(source: string): Decl[] {
  const { module, diagnostics } = parseMarked(source);
  expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return module.decls;
}

function only<K extends Decl["kind"]>(source: string, kind: K): DeclOf<K> {
  const decls = parseClean(source);
  expect(decls.map((d) => d.kind)).toEqual([kind]);
  return decls[0] as DeclOf<K>;
}

/** The expression of `const E = <text>`. */
function expr(text: string): string {
  return show(only(`const E = ${text}`, "Const").value);
}

/** The statements of a process body. */
function stmts(body: string): string[] {
  return only(`process p {\n${body}\n}`, "Process").body.stmts.map(showStmt);
}

describe("declarations", () => {
  it("parses import with the path and its span", () => {
    const d = only('import "lib/core.knot"', "Import");
    expect(d.path).toBe("lib/core.knot");
    expect(spanText(d.pathSpan)).toBe('"lib/core.knot"');
  });

  it("parses const with and without a type", () => {
    const a = only("const N = 3", "Const");
    expect([a.name.name, a.type, show(a.value)]).toEqual(["N", undefined, "3"]);
    const b = only("const T: {destroy, release} = release", "Const");
    expect([showType(b.type!), show(b.value)]).toEqual(["enum{destroy, release}", "release"]);
  });

  it("parses every type form", () => {
    const types = parseClean(`
type E = {a, b, c}
type R = 0..N-1
type Neg = -1..(2)
type Rec = {x: 0..3, ok: bool, lock: E}
type S = set<E>
type M = [E] [0..1] bool
type Named = E
`).map((d) => [(d as DeclOf<"TypeDecl">).name.name, showType((d as DeclOf<"TypeDecl">).type)]);
    expect(types).toEqual([
      ["E", "enum{a, b, c}"],
      ["R", "0..(- N 1)"],
      ["Neg", "(- 1)..2"],
      ["Rec", "record{x: 0..3, ok: bool, lock: E}"],
      ["S", "set<E>"],
      ["M", "[E] [0..1] bool"],
      ["Named", "E"],
    ]);
  });

  it("parses var with a type, an initial value, or both", () => {
    const decls = parseClean("var a: 0..3\nvar b = {}\nvar c: set<Dev> = Dev") as DeclOf<"Var">[];
    expect(decls.map((d) => [d.name.name, d.type && showType(d.type), d.init && show(d.init)])).toEqual([
      ["a", "0..3", undefined],
      ["b", undefined, "{}"],
      ["c", "set<Dev>", "Dev"],
    ]);
  });

  it("parses the three lock kinds, single and arrays", () => {
    const decls = parseClean("mutex m\nspinlock s[0..3]\nrwsem r[Dev]") as DeclOf<"LockDecl">[];
    expect(decls.map((d) => [d.lockKind, d.name.name, d.index && showType(d.index)])).toEqual([
      ["mutex", "m", undefined],
      ["spinlock", "s", "0..3"],
      ["rwsem", "r", "Dev"],
    ]);
  });

  it("parses refcount with index, range and initial value", () => {
    const decls = parseClean("refcount a\nrefcount b = 3\nrefcount c[Dev]: 0..5 = 1\nrefcount d: 0..2") as DeclOf<"Refcount">[];
    expect(decls.map((d) => [d.name.name, d.index && showType(d.index), d.type && showType(d.type), d.init && show(d.init)])).toEqual([
      ["a", undefined, undefined, undefined],
      ["b", undefined, undefined, "3"],
      ["c", "Dev", "0..5", "1"],
      ["d", undefined, "0..2", undefined],
    ]);
  });

  it("parses an ops table with fields separated by commas or line breaks, keyword field names allowed", () => {
    const d = only("ops dev_ops {\n  destroy(d: Dev), release(d: Dev)\n  lock(x: 0..1, y: bool): bool\n  noargs()\n}", "Ops");
    expect(d.fields.map((f) => `${f.name.name}(${f.params.map((p) => `${p.name.name}: ${showType(p.type)}`).join(", ")})${f.ret ? ": " + showType(f.ret) : ""}`)).toEqual([
      "destroy(d: Dev)", "release(d: Dev)", "lock(x: 0..1, y: bool): bool", "noargs()",
    ]);
  });

  it("parses proc with parameters and a return type", () => {
    const d = only("proc f(a: 0..3, b: Dev): bool { return a == 0 }", "Proc");
    expect(d.params.map((p) => `${p.name.name}: ${showType(p.type)}`)).toEqual(["a: 0..3", "b: Dev"]);
    expect(showType(d.ret!)).toBe("bool");
    expect(d.body.stmts.map(showStmt)).toEqual(["return (== a 0)"]);
    expect(only("proc g() { skip }", "Proc")).toMatchObject({ params: [], ret: undefined });
  });

  it("parses process, with and without instances", () => {
    const single = only("process p { skip }", "Process");
    expect(single.instance).toBeUndefined();
    const many = only("process vcpu[i in 0..1] { skip }", "Process");
    expect([many.instance!.binder.name, showType(many.instance!.domain)]).toEqual(["i", "0..1"]);
    const tla = only("process w[d \\in Dev] { skip }", "Process");
    expect(showType(tla.instance!.domain)).toBe("Dev");
  });

  it("parses invariant and final", () => {
    const decls = parseClean("invariant safe: x <= 3\nfinal done: freed == Dev");
    expect(decls.map((d) => [d.kind, (d as DeclOf<"Invariant">).name.name, show((d as DeclOf<"Invariant">).cond)])).toEqual([
      ["Invariant", "safe", "(<= x 3)"],
      ["Final", "done", "(== freed Dev)"],
    ]);
  });

  it("spans a declaration from its keyword to its last token", () => {
    const d = only("  const N: 0..3 = 1 + 2  // comment", "Const");
    expect(spanText(d.span)).toBe("const N: 0..3 = 1 + 2");
  });

  it("allows declarations separated by ';' on one line", () => {
    expect(parseClean("mutex a; mutex b").map((d) => d.kind)).toEqual(["LockDecl", "LockDecl"]);
  });
});

describe("statements", () => {
  it("parses local variables", () => {
    expect(stmts("var a: 0..3\nvar b = 1\nvar c: bool = true")).toEqual(["var a: 0..3", "var b = 1", "var c: bool = true"]);
  });

  it("parses assignments to names, map entries and record fields", () => {
    expect(stmts("x := 1\nm[k] := e\nr.f := e\nm[k].f[j] := 0")).toEqual(["x := 1", "m[k] := e", "r.f := e", "m[k].f[j] := 0"]);
  });

  it("parses calls: plain, through ops tables, with a result", () => {
    expect(stmts("call f()\ncall g(a, b + 1)\ncall dev_ops[d].destroy(d)\nx := call f(a)\nm[k] := call t.get()")).toEqual([
      "call f()", "call g(a, (+ b 1))", "call dev_ops[d].destroy(d)", "x := call f(a)", "m[k] := call t.get()",
    ]);
  });

  it("spans a call's callee separately", () => {
    const s = only("process p { x := call dev_ops[d].destroy(d) }", "Process").body.stmts[0] as Stmt & { kind: "Call" };
    expect(spanText(s.calleeSpan)).toBe("dev_ops[d].destroy");
    expect(spanText(s.span)).toBe("x := call dev_ops[d].destroy(d)");
  });

  it("parses the lock operations", () => {
    const ops = ["lock m", "unlock m", "down_read r", "up_read r", "down_write r[i]", "up_write r[i]"];
    expect(stmts(ops.join("\n"))).toEqual(ops);
  });

  it("parses labels on the branches of either", () => {
    const s = only('process p { either "fails" { skip } or { x := 1 } or "succeeds" { skip } }', "Process").body.stmts[0] as Stmt & { kind: "Either" };
    expect(s.labels).toEqual(["fails", undefined, "succeeds"]);
    expect((only("process p { either { skip } or { skip } }", "Process").body.stmts[0] as Stmt & { kind: "Either" }).labels).toBeUndefined();
  });

  it("parses call_rcu and call_srcu, whose words are names elsewhere", () => {
    const ops = ["call_rcu free_dev(d)", "call_rcu put_all()", "call_srcu kvm_srcu free_dev(d)", "call_srcu ss[i] drop(j, x)"];
    expect(stmts(ops.join("\n"))).toEqual(ops);
    expect(stmts("call_rcu := 1\ncall call_srcu()")).toEqual(["call_rcu := 1", "call call_srcu()"]);
  });

  it("parses get and put", () => {
    expect(stmts("get users\nput refs[d]")).toEqual(["get users", "put refs[d]"]);
  });

  it("parses if with dec_and_test, else if and else", () => {
    expect(stmts("if dec_and_test(r) { a := 1 } else if x > 0 { a := 2 } else { a := 3 }")).toEqual([
      "if dec_and_test(r) { a := 1 } else { if (> x 0) { a := 2 } else { a := 3 } }",
    ]);
    expect(stmts("if dec_and_test(refs[d]) {\n  skip\n}\nelse {\n  skip\n}")).toEqual(["if dec_and_test(refs[d]) { skip } else { skip }"]);
    expect(stmts("if x { }")).toEqual(["if x {  }"]);
  });

  it("parses await and assert with and without a message", () => {
    expect(stmts('await x == 0\nassert ok\nassert d not in freed : "freed twice"')).toEqual([
      "await (== x 0)", "assert ok", 'assert (notin d freed) : "freed twice"',
    ]);
  });

  it("parses while, for, pick, either/or, atomic, return and skip", () => {
    expect(stmts("while x < 3 { x := x + 1 }\nfor d in on_list { skip }\npick d \\in S { skip }")).toEqual([
      "while (< x 3) { x := (+ x 1) }", "for d in on_list { skip }", "pick d in S { skip }",
    ]);
    expect(stmts("either { a := 1 }\nor { a := 2 } or { skip }\natomic { a := 1; b := 2 }\nreturn\nskip")).toEqual([
      "either { a := 1 } or { a := 2 } or { skip }", "atomic { a := 1; b := 2 }", "return", "skip",
    ]);
  });

  it("parses return with a value, and a bare return before '}' or ';'", () => {
    const d = only("proc f(): bool { if x { return } ; return x and y }", "Proc");
    expect(d.body.stmts.map(showStmt)).toEqual(["if x { return }", "return (and x y)"]);
  });

  it("separates statements by line breaks or ';'", () => {
    expect(stmts("a := 1; b := 2\nc := 3 ;\nskip")).toEqual(["a := 1", "b := 2", "c := 3", "skip"]);
  });

  it("lets an expression continue on the next line", () => {
    expect(stmts("x := if c\n  then 1\n  else 2")).toEqual(["x := (if c 1 2)"]);
  });
});

describe("expressions", () => {
  it("orders the binary operators by precedence", () => {
    expect(expr("a or b and c")).toBe("(or a (and b c))");
    expect(expr("a and b or c")).toBe("(or (and a b) c)");
    expect(expr("a => b => c")).toBe("(=> a (=> b c))");
    expect(expr("a or b => c")).toBe("(=> (or a b) c)");
    expect(expr("not a and b")).toBe("(and (not a) b)");
    expect(expr("not a == b")).toBe("(not (== a b))");
    expect(expr("a == b and c != d")).toBe("(and (== a b) (!= c d))");
    expect(expr("1 + 2 * 3 - 4")).toBe("(- (+ 1 (* 2 3)) 4)");
    expect(expr("a - b - c")).toBe("(- (- a b) c)");
    expect(expr("a / b % c")).toBe("(% (/ a b) c)");
    expect(expr("S + T & U")).toBe("(+ S (& T U))");
    expect(expr("-a * b")).toBe("(* (- a) b)");
    expect(expr("- -a")).toBe("(- (- a))");
    expect(expr("(1 + 2) * 3")).toBe("(* (+ 1 2) 3)");
    expect(expr("x + 1 < y * 2")).toBe("(< (+ x 1) (* y 2))");
    expect(expr("0..N-1")).toBe("(.. 0 (- N 1))");
    expect(expr("x in 0..N")).toBe("(in x (.. 0 N))");
  });

  it("parses every comparison", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="]) expect(expr(`a ${op} b`)).toBe(`(${op} a b)`);
    expect(expr("a in S")).toBe("(in a S)");
    expect(expr("a not in S")).toBe("(notin a S)");
    expect(expr("not a in S")).toBe("(not (in a S))");
  });

  it("parses the TLA+ spellings to the same trees", () => {
    expect(expr("a /\\ ~b \\/ c # d")).toBe(expr("a and not b or c != d"));
    expect(expr("x \\notin S /\\ y /= 1")).toBe("(and (notin x S) (!= y 1))");
    expect(expr("\\A x \\in S : \\E y \\in S : x == y")).toBe("(forall x S (exists y S (== x y)))");
  });

  it("parses literals, names, fields, indexing and built-in calls", () => {
    expect(expr("true")).toBe("true");
    expect(expr("none")).toBe("none");
    expect(expr("null")).toBe("null");
    expect(expr("dev_ops[d].release")).toBe("dev_ops[d].release");
    expect(expr("m[a][b].f")).toBe("m[a][b].f");
    expect(expr("size(S) + 1")).toBe("(+ size(S) 1)");
    expect(expr("held(fork[i]) and locked(m)")).toBe("(and held(fork[i]) locked(m))");
  });

  it("parses the conditional expression, which extends as far as possible", () => {
    expect(expr("if a then 1 else 2")).toBe("(if a 1 2)");
    expect(expr("if a then 1 else if b then 2 else 3")).toBe("(if a 1 (if b 2 3))");
    expect(expr("if a then 1 else 2 + 3")).toBe("(if a 1 (+ 2 3))");
  });

  it("parses quantifiers in both spellings", () => {
    expect(expr("forall x in S: x > 0")).toBe("(forall x S (> x 0))");
    expect(expr("exists d in Dev: d in freed and true")).toBe("(exists d Dev (and (in d freed) true))");
    expect(expr("\\E d \\in Dev : d \\in freed")).toBe("(exists d Dev (in d freed))");
  });

  it("parses set, record and map literals and map comprehensions", () => {
    expect(expr("{}")).toBe("{}");
    expect(expr("{a, b + 1}")).toBe("{a (+ b 1)}");
    expect(expr("{destroy: f, release: none}")).toBe("{destroy: f, release: none}");
    expect(expr("{lock: 1}")).toBe("{lock: 1}");
    expect(expr("[]")).toBe("[]");
    expect(expr("[a: 1, b: 2]")).toBe("[a: 1, b: 2]");
    expect(expr("[kvm_vfio: if T == destroy then {destroy: f} else {release: g}]")).toBe(
      "[kvm_vfio: (if (== T destroy) {destroy: f} {release: g})]",
    );
    expect(expr("[x in 0..3: x * 2]")).toBe("[x in (.. 0 3): (* x 2)]");
    expect(expr("[x \\in S: x == 0]")).toBe("[x in S: (== x 0)]");
  });

  it("spans binary expressions from operand to operand, with the operator span apart", () => {
    const e = only("const E = (a + b) * c", "Const").value as Expr & { kind: "Binary" };
    expect(spanText(e.span)).toBe("(a + b) * c");
    expect(spanText(e.opSpan)).toBe("*");
    expect(spanText(e.left.span)).toBe("(a + b)");
    const notIn = only("const F = x not in S", "Const").value as Expr & { kind: "Binary" };
    expect(spanText(notIn.opSpan)).toBe("not in");
  });

  it("parses a whole text as one expression (for --set values)", () => {
    const ok = parseExpression(new SourceFile("--set N", "N - 1"));
    expect(ok.diagnostics).toEqual([]);
    expect(show(ok.expr!)).toBe("(- N 1)");
    const trailing = parseExpression(new SourceFile("--set N", "1 2"));
    expect(trailing.expr).toBeUndefined();
    expect(trailing.diagnostics.map((d) => [d.code, d.span!.start])).toEqual([[Expected, 2]]);
  });
});

describe("syntax errors", () => {
  it("reports two statements on one line without ';'", () => {
    parseMarked("process p {\n  lock m [[unlock]] m\n}", [Expected]);
    parseMarked("process p {\n  x := 1 [[y]] := 2\n}", [Expected]);
  });

  it("reports two declarations on one line without ';'", () => {
    parseMarked("mutex a [[mutex]] b", [Expected]);
    parseMarked("process p { skip } [[process]] q { skip }", [Expected]);
  });

  it("reports chained comparisons", () => {
    const { diagnostics } = parseMarked("const A = 1 < 2 [[<]] 3", [Expected]);
    expect(diagnostics[0]!.message).toBe("comparisons do not chain: put parentheses around '<' or '<'");
    parseMarked("const B = a == b [[==]] c", [Expected]);
    parseMarked("const C = a in S [[in]] T", [Expected]);
    expect(parseMarked("const D = (a < b) == c").diagnostics).toEqual([]);
  });

  it("reports '=' used for comparison or assignment, with the right operator in the message", () => {
    const { diagnostics } = parseMarked("const A: bool = x [[=]] 1\nprocess p {\n  x [[=]] 2\n}", [Expected, Expected]);
    expect(diagnostics[0]!.message).toContain("write '==' to compare");
    expect(diagnostics[1]!.message).toBe("expected ':=' for an assignment, found '='");
  });

  it("reports a procedure called without 'call'", () => {
    const { diagnostics } = parseMarked("process p {\n  [[f(1, 2)]]\n  skip\n}", [ExpectedStatement]);
    expect(diagnostics[0]!.message).toBe("a procedure call is a statement of its own: write 'call f(...)'");
  });

  it("reports several errors in different declarations and statements, and keeps the good declarations", () => {
    const { module } = parseMarked(
      `const A = 1
const [[=]] 2
var x: 0..3 = 
[[mutex]] m
proc f() {
  x := 
  [[lock]] m [[unlock]] m
  x [[=]] 3
  x := 1 +[[*]] 2
  skip
}
type T = [[{}]]
type U = [[+]]
invariant i [[x]] == 1
process p { call f() }
final done: x == 0
`,
      [Expected, ExpectedExpression, ExpectedExpression, Expected, Expected, ExpectedExpression, ExpectedType, ExpectedType, Expected],
    );
    expect(module.decls.map((d) => (d.kind === "Import" ? "import" : d.name.name))).toEqual(["A", "m", "f", "p", "done"]);
    const f = module.decls[2] as DeclOf<"Proc">;
    // a statement followed by junk on its line is kept; the broken ones are dropped
    expect(f.body.stmts.map(showStmt)).toEqual(["lock m", "skip"]);
  });

  it("reports a block left open before the next declaration once, and parses that declaration", () => {
    const { module, diagnostics } = parseMarked("process p {\n  skip\n[[proc]] q() { skip }\nprocess r { call q() }", [Expected]);
    expect(diagnostics[0]!.message).toBe("expected '}' to close the block opened at line 1, found 'proc'");
    expect(module.decls.map((d) => d.kind === "Import" ? "" : d.name.name)).toEqual(["q", "r"]);
  });

  it("reports a block left open at the end of the file", () => {
    parseMarked("process p {\n  if x {\n    skip\n[[]]", [Expected]);
  });

  it("recovers inside a block at the next line and still closes the block", () => {
    const { module } = parseMarked("process p {\n  x := [1: 2 [[}]]\nvar y: bool", [Expected]);
    expect(module.decls.map((d) => d.kind)).toEqual(["Process", "Var"]);
    const { module: m2 } = parseMarked("process p {\n  lock [[+]]\n  unlock m\n}", [ExpectedExpression]);
    expect((m2.decls[0] as DeclOf<"Process">).body.stmts.map(showStmt)).toEqual(["unlock m"]);
  });

  it("reports a stray closing bracket once", () => {
    const { module } = parseMarked("process p { skip }\n[[}]]\nconst A = 1", [ExpectedDeclaration]);
    expect(module.decls.map((d) => d.kind)).toEqual(["Process", "Const"]);
    parseMarked("proc f(x[[)]] { skip }\nprocess p { skip }", [Expected]);
  });

  it("reports keywords used as names", () => {
    const { diagnostics } = parseMarked("var [[if]]: bool", [Expected]);
    expect(diagnostics[0]!.message).toContain("keywords cannot be used as names");
    parseMarked("var [[in]]: bool", [Expected]);
  });

  it("takes a word that is a keyword only where a declaration or statement starts as a name elsewhere", () => {
    const { module } = parseMarked([
      "var lock: bool",
      "var ops: 0..3",
      "var type: 0..1 = 1",
      "object dev[1] { ops: 0..3, lock: mutex, set: bool }",
      "proc f(get: 0..3, free: bool) { skip }",
      "process p {",
      "  lock := not lock",
      "  ops := type + 1",
      "  type := ops",
      "  var d: dev = alloc dev {ops: 1, set: true}",
      "  d.ops := d.ops + 1",
      "  lock d.lock",
      "  unlock d.lock",
      "  call f(ops, lock)",
      "}",
    ].join("\n"), []);
    const p = module.decls.find((d) => d.kind === "Process") as DeclOf<"Process">;
    expect(p.body.stmts.map(showStmt)).toEqual([
      "lock := (not lock)", "ops := (+ type 1)", "type := ops", "var d: dev = (alloc dev ops=1 set=true)", "d.ops := (+ d.ops 1)",
      "lock d.lock", "unlock d.lock", "call f(ops, lock)",
    ]);
  });

  it("reports misplaced constructs", () => {
    parseMarked("process p { x := [[dec_and_test]](r) }", [MisplacedConstruct]);
    parseMarked("process p { x := 1 + [[call]] f() }", [MisplacedConstruct]);
    parseMarked('const S = [["s"]]', [ExpectedExpression]);
  });

  it("reports malformed declarations", () => {
    parseMarked("import [[foo]]", [Expected]);
    parseMarked("[[x]] := 1", [ExpectedDeclaration]);
    parseMarked("[[either]] { skip } or { skip }", [ExpectedDeclaration]);
    parseMarked("process vcpu[i [[:]] 0..1] { skip }", [Expected]);
    parseMarked("proc f(a[[)]] { skip }", [Expected]);
    parseMarked("ops O { a(d: D), b(d: [[)]] }", [ExpectedType]);
    parseMarked("type T = [[3]]", [ExpectedType]);
    parseMarked("var s: set[[[]]0..3]", [Expected]);
  });

  it("reports malformed statements", () => {
    parseMarked("process p { [[either { skip }]] }", [Expected]);
    parseMarked('process p { assert x : [[3]] }', [Expected]);
    parseMarked("process p { for [[in]] S { skip } }", [Expected]);
    parseMarked("process p { [[)]] }", [ExpectedStatement]);
    parseMarked("process p { x := {1, 2[[;]] skip }", [Expected]);
  });

  it("reports lexical errors alongside syntax errors", () => {
    parseMarked("const A = 1 [[@]]\nconst B = [[0x]]", [UnexpectedCharacter, LangCodes.BadNumber]);
  });

  it("never reports two errors at the same token", () => {
    const { diagnostics } = parseMarked("process p { if x {");
    expect(diagnostics).toHaveLength(1);
  });
});

describe("object pools", () => {
  it("parses object declarations, alloc, free and field access through references", () => {
    const r = parseMarked("object kvf[2] { file: F, next: kvf }\nprocess p { var e: kvf = alloc kvf {file: f1}; e.next := null; x := alloc kvf; free e }");
    expect(r.diagnostics).toEqual([]);
    const obj = r.module.decls[0]!;
    expect(obj.kind).toBe("Object");
    const body = (r.module.decls[1] as Extract<typeof r.module.decls[number], { kind: "Process" }>).body.stmts.map(showStmt);
    expect(body).toEqual(["var e: kvf = (alloc kvf file=f1)", "e.next := null", "x := (alloc kvf)", "free e"]);
  });
});
