// Checker tests, through the whole front end (compileModel on in-memory files):
// name resolution across imported files, duplicate and unknown names, type
// errors, constant evaluation, --set overrides, and the seed models checking
// clean. Expected diagnostics are written as [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import type { Override } from "./checker.js";
import { LangCodes } from "./diagnostics.js";
import { compileModel } from "./front-end.js";
import { memoryHost } from "./loader.js";
import { SourceFile } from "./source.js";
import { checkMarked, compileMarked, diagnosticKey, spanLocation } from "./test-markers.js";
import { typeToString } from "./types.js";

const C = LangCodes;

/** A process, so that a snippet is a complete model. */
const P = "\nprocess main { skip }\n";

function set(text: string): Override[] {
  return text.split(" ").map((kv) => {
    const i = kv.indexOf("=");
    return { name: kv.slice(0, i), text: kv.slice(i + 1) };
  });
}

/** The one diagnostic's message, after asserting it against the marks. */
function messageOf(files: string | Record<string, string>, code: string, overrides: Override[] = []): string {
  const r = checkMarked(files, [code], overrides);
  return r.diagnostics[0]!.message;
}

describe("names across files", () => {
  it("resolves names declared later in the file and in imported files, in any order", () => {
    const r = checkMarked(
      {
        "main.knot": 'process p { x := y; call lib_proc(a) }\nimport "lib/a.knot"\nvar x: 0..3 = 0\nconst MAIN_K = 2',
        "lib/a.knot": 'proc lib_proc(d: Dev) { lock lib_lock }\nimport "b.knot"\nvar y: 0..3 = 1\ntype Dev = {a, b}',
        "lib/b.knot": "mutex lib_lock\nvar uses_main: 0..3 = MAIN_K",
      },
      [],
    );
    expect(r.model!.files.map((f) => f.path)).toEqual(["lib/b.knot", "lib/a.knot", "main.knot"]);
    expect(r.model!.vars.map((v) => v.name)).toEqual(["uses_main", "y", "x"]);
  });

  it("lets an imported file use names that only the importer declares (the kvm core pattern)", () => {
    checkMarked(
      {
        "m.knot": 'import "core.knot"\ntype Dev = {d0}\nprocess p { call release(d0) }',
        "core.knot": "var freed: set<Dev> = {}\nproc release(d: Dev) { freed := freed + {d} }",
      },
      [],
    );
  });

  it("reads each file once, whatever the import cycles", () => {
    const r = checkMarked(
      {
        "m.knot": 'import "a.knot"\nimport "./a.knot"\nimport "m.knot"' + P,
        "a.knot": 'import "m.knot"\nconst A = 1',
      },
      [],
    );
    expect(r.model!.files.map((f) => f.path)).toEqual(["a.knot", "m.knot"]);
  });

  it("reports a name declared in two files, naming both sites", () => {
    const r = checkMarked(
      {
        "m.knot": 'import "a.knot"\nmutex [[shared]]' + P,
        "a.knot": "var shared: bool = true",
      },
      [C.DuplicateName],
    );
    const d = r.diagnostics[0]!;
    expect(d.message).toMatch(/^'shared' is declared twice: as a variable and as a mutex/);
    expect(d.related).toHaveLength(1);
    expect(spanLocation(d.related[0]!.span)).toBe("a.knot:1:5-1:11");
    expect(d.related[0]!.message).toContain("a.knot:1:5");
  });

  it("reports duplicates of every kind of global, including enumeration members", () => {
    checkMarked(
      "type Color = {red, green}\ntype Light = {[[red]], amber}\nconst N = 1\nproc [[N]]() { skip }\nprocess main { skip }\nprocess [[main]] { skip }\ninvariant [[Color]]: true",
      [C.DuplicateName, C.DuplicateName, C.DuplicateName, C.DuplicateName],
    );
  });

  it("reports a local name that shadows a global one, and a local declared twice", () => {
    const r = checkMarked("var x: 0..3 = 0\nproc f([[x]]: bool) { skip }\nprocess p { var y: bool = true; var [[y]]: bool = false; for [[x]] in {1} { skip } }", [
      C.DuplicateName, C.DuplicateName, C.DuplicateName,
    ]);
    expect(r.diagnostics[0]!.related.map((rel) => spanLocation(rel.span))).toEqual(["m.knot:1:5-1:6"]);
  });

  it("reports an import of a missing file at the import's path", () => {
    const r = checkMarked({ "m.knot": "import [[\"nope.knot\"]]" + P }, [C.CannotReadFile]);
    expect(r.diagnostics[0]!.message).toBe("cannot read 'nope.knot': no such file");
    expect(r.model).toBeUndefined();
  });

  it("resolves imports relative to the importing file", () => {
    const r = checkMarked({ "m.knot": 'import "lib/a.knot"' + P, "lib/a.knot": 'import [["../nope.knot"]]' }, [C.CannotReadFile]);
    expect(r.diagnostics[0]!.message).toBe("cannot read 'nope.knot': no such file");
  });

  it("reports a missing root file without a span", () => {
    const r = compileModel("absent.knot", { host: memoryHost({}) });
    expect(r.diagnostics.map(diagnosticKey)).toEqual([`${C.CannotReadFile} <no span>`]);
  });

  it("reports a model without processes at the start of the root file", () => {
    checkMarked("[[]]mutex m\nproc f() { skip }", [C.MissingProcess]);
  });

  it("does not check a model with syntax errors", () => {
    checkMarked("var x: 0..3 = unknown_name\nconst [[=]] 1" + P, [C.Expected]);
  });
});

describe("unknown and wrong names", () => {
  it("reports unknown names, suggesting a near one", () => {
    const r = checkMarked("mutex kvm_lock\nprocess p { lock [[kvm_lok]]; [[nothing_like_it]] := 1 }", [C.UnknownName, C.UnknownName]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "unknown lock 'kvm_lok' (did you mean 'kvm_lock'?)",
      "unknown variable 'nothing_like_it'",
    ]);
  });

  it("suggests the nearest name, not the alphabetically first", () => {
    const msg = messageOf("var count_xy: 0..3 = 0\nvar aount_xy: 0..3 = 0\nprocess p { assert [[count_x]] == 0 }", C.UnknownName);
    expect(msg).toBe("unknown name 'count_x' (did you mean 'count_xy'?)");
  });

  it("suggests local names too", () => {
    const msg = messageOf("process p { var count: 0..3 = 0; assert [[cout]] == 0 }", C.UnknownName);
    expect(msg).toBe("unknown name 'cout' (did you mean 'count'?)");
  });

  it("does not suggest an unrelated one-letter name for a one-letter name", () => {
    expect(messageOf("process p { for x in 0..[[N]] { skip } }", C.UnknownName)).toBe("unknown name 'N'");
  });

  it("reports unknown types and functions", () => {
    const r = checkMarked("var d: [[Dev]]\nproc f() { skip }\nprocess p { assert [[f]](1) }", [C.UnknownName, C.UnknownName]);
    expect(r.diagnostics[0]!.message).toBe("unknown type 'Dev'");
    expect(r.diagnostics[1]!.message).toContain("'f' is a procedure: write 'call f(...)' as a statement");
  });

  it("reports a name of the wrong kind", () => {
    const r = checkMarked(
      "mutex m\nvar count: 0..3 = 0\nproc f() { skip }\nprocess p { unlock [[count]]; var z: [[m]] = 0; call [[p]]() }\ninvariant i: [[p]]",
      [C.WrongKindOfName, C.WrongKindOfName, C.WrongKindOfName, C.WrongKindOfName],
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'count' is a variable, not a lock",
      "'m' is a mutex, not a type",
      "'p' is a process; processes start on their own and cannot be called",
      "'p' is a process, not a value",
    ]);
    expect(spanLocation(r.diagnostics[0]!.related[0]!.span)).toBe("m.knot:2:5-2:10");
  });

  it("reports a lock used as a value, and locks used with the wrong operations", () => {
    const r = checkMarked("mutex m\nrwsem r\nvar b: bool = false\nprocess p { b := [[m]]; [[down_read m]]; [[lock r]] }", [
      C.TypeMismatch, C.TypeMismatch, C.TypeMismatch,
    ]);
    expect(r.diagnostics[0]!.message).toBe("lock 'm' is not a value: use held(m) or locked(m)");
  });

  it("reports assignments to things that are not variables", () => {
    checkMarked("mutex m\nconst K = 1\nrefcount r\nprocess p { [[m]] := 1; [[K]] := 2; [[r]] := 0; [[size({1})]] := 1 }", [
      C.NotAssignable, C.NotAssignable, C.NotAssignable, C.NotAssignable,
    ]);
  });

  it("reports assignments to loop, pick and instance variables", () => {
    const r = checkMarked("process p[i in 0..1] { [[i]] := 1; for x in {1, 2} { [[x]] := 2 }; pick y in {1} { [[y]] := 0 } }", [
      C.NotAssignable, C.NotAssignable, C.NotAssignable,
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "cannot assign to the instance variable 'i'",
      "cannot assign to the for variable 'x'",
      "cannot assign to the pick variable 'y'",
    ]);
  });

  it("lists the members of an enumeration when a name is not one of them", () => {
    const r = checkMarked("type Color = {red, green}\nvar c: Color = [[gren]]\nvar d: Color = [[blue]]" + P, [C.UnknownName, C.UnknownName]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'gren' is not a member of enumeration Color: expected one of red, green (did you mean 'green'?)",
      "'blue' is not a member of enumeration Color: expected one of red, green",
    ]);
  });
});

describe("type errors", () => {
  it("reports a set assigned to an integer", () => {
    const msg = messageOf("type Dev = {a}\nvar s: set<Dev> = Dev\nvar n: 0..3 = 0\nprocess p { n := [[s]] }", C.TypeMismatch);
    expect(msg).toBe("expected 0..3, found set<Dev>");
  });

  it("describes an integer literal by its value", () => {
    expect(messageOf("var b: bool = [[1]]" + P, C.TypeMismatch)).toBe("expected bool, found integer 1");
    expect(messageOf("const Z = if true then 2 else [[false]]" + P, C.TypeMismatch)).toBe("expected int, found bool");
  });

  it("reports comparing members of different enumerations at the operator", () => {
    const msg = messageOf("type C = {red}\ntype D = {up}\nvar c: C = red\nprocess p { assert c [[==]] up }", C.TypeMismatch);
    expect(msg).toBe("cannot compare C with D");
  });

  it("reports operators applied to the wrong types", () => {
    checkMarked(
      "var s: set<0..3> = {}\nvar b: bool = true\nprocess p { assert b [[<]] 1; assert (s [[+]] 1) == s; assert 1 [[&]] 2 == 1; assert 1 in [[2]]; assert [[1]] and b; assert -[[b]] == 0 }",
      [C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch],
    );
  });

  it("reports record literals with missing, unknown or repeated fields", () => {
    const r = checkMarked(
      "type R = {a: 0..3, b: bool, c: bool}\nvar r: R = [[{a: 1}]]\nvar s: R = {a: 1, b: true, c: false, [[d]]: 1}\nvar t: R = {a: 1, b: true, c: true, [[a]]: 2}" + P,
      [C.MissingField, C.UnknownField, C.DuplicateName],
    );
    expect(r.diagnostics[0]!.message).toBe("missing fields 'b', 'c' of {a: 0..3, b: bool, c: bool}");
  });

  it("reports map literals with missing or repeated keys", () => {
    const r = checkMarked(
      "type Dev = {a, b, c}\nvar m: [Dev] bool = [[[a: true]]]\nvar n: [0..9] bool = [[[0: true]]]\nvar o: [Dev] bool = [a: true, b: true, c: true, [[a]]: false]" + P,
      [C.MissingField, C.MissingField, C.DuplicateName],
    );
    expect(r.diagnostics[0]!.message).toBe("the map must give a value for every key of Dev; missing: b, c");
    expect(r.diagnostics[1]!.message).toBe("the map must give a value for every key of 0..9; missing: 1, 2, 3, 4, 5, ...");
  });

  it("reports untyped literals where the type cannot be told", () => {
    checkMarked("const R = [[{a: 1}]]\nconst M = [[[1: 2]]]\nconst S = [[{}]]" + P, [C.BadType, C.BadType, C.BadType]);
  });

  it("accepts {} as an ops table whose every callback is none", () => {
    const r = checkMarked("type D = {a}\nops O { f(d: D), g(d: D) }\nconst t: [D] O = [a: {}]\nvar u: O = {}" + P, []);
    const t = r.model!.consts.find((c) => c.name === "t")!;
    expect(t.value).toEqual([[0, 0]]);
  });

  it("checks ops tables: fields, calls through them, argument counts and results", () => {
    const r = checkMarked(
      `type Dev = {a, b}
ops O { destroy(d: Dev), release(d: Dev): bool }
const t: O = {destroy: f, [[nothere]]: f}
const u: O = {destroy: [[g]], release: none}
proc f(d: Dev) { skip }
proc g(d: bool) { skip }
process p {
  var x: bool = false
  call [[t.destroy]](a, a)
  x := call t.release(a)
  x := call [[t.destroy]](a)
  call t.[[close]](a)
}`,
      [C.UnknownField, C.TypeMismatch, C.ArgumentCount, C.TypeMismatch, C.UnknownField],
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "ops 'O' has no field 'nothere' (its fields: destroy, release)",
      "expected proc(Dev), found proc(bool)",
      "'t.destroy' takes 1 argument, but 2 are given",
      "'t.destroy' returns no value",
      "ops 'O' has no field 'close' (its fields: destroy, release)",
    ]);
  });

  it("reports calls with the wrong number or types of arguments", () => {
    const r = checkMarked("proc f(a: 0..3, b: bool) { skip }\nprocess p { call [[f]](1); call f(1, [[2]]); call [[f]](1, true, 3) }", [
      C.ArgumentCount, C.TypeMismatch, C.ArgumentCount,
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'f' takes 2 arguments, but 1 is given",
      "expected bool, found integer 2",
      "'f' takes 2 arguments, but 3 are given",
    ]);
  });

  it("reports return type problems", () => {
    const r = checkMarked(
      "proc f(): 0..3 { [[return]] }\nproc g() { return [[1]] }\nproc h(): bool { return [[3]] }\nproc k(): bool { return true }\nprocess p { var n: 0..3 = 0; n := call [[k]](); return [[1]] }",
      [C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch],
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'f' must return a 0..3",
      "'g' declares no return type, so it cannot return a value",
      "expected bool, found integer 3",
      "expected 0..3, found bool",
      "a process cannot return a value (a bare 'return' ends the thread)",
    ]);
  });

  it("reports held() outside a thread, and state reads in constants", () => {
    const r = checkMarked(
      "mutex m\nvar v: 0..3 = 0\ninvariant i: [[held(m)]]\ninvariant j: locked(m)\nconst K = [[locked(m)]]\nconst L = [[v]] + 1" + P,
      [C.NotAllowedHere, C.NotAllowedHere, C.NotAllowedHere],
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "held() asks about the running thread and cannot be used in the invariant 'i'; use locked()",
      "locked() reads the state and cannot be used in a constant",
      "variable 'v' cannot be used in a constant",
    ]);
  });

  it("reports variable initial values that read the state", () => {
    const msg = messageOf("var s: set<0..3> = {}\nvar b: bool = 1 in [[s]]" + P, C.NotAllowedHere);
    expect(msg).toBe("variable 's' cannot be used in variable 'b', which must be a constant");
  });

  it("checks refcount arrays: an entry must be named, and only of an array", () => {
    const r = checkMarked("type Dev = {a, b}\nrefcount r[Dev] = 1\nrefcount s = 1\nprocess p { get [[r]]; put r[a]; get [[s[a]]]; put r[ [[true]] ]; if dec_and_test(r[b]) { skip } }", [
      C.TypeMismatch, C.TypeMismatch, C.TypeMismatch,
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'r' is an array of refcounts: name one entry, e.g. r[...]",
      "'s' is not an array",
      "expected Dev, found bool",
    ]);
  });

  it("reads a refcount array entry as an integer, in threads and invariants but not in constants", () => {
    const r = checkMarked(
      "type Dev = {a, b}\nrefcount r[Dev]: 0..4 = 1\ninvariant bounded: r[a] <= 4\nconst K = [[r]][a]\nprocess p { assert r[b] >= 1; assert [[r]] == 1 }",
      [C.NotAllowedHere, C.TypeMismatch],
    );
    expect(r.diagnostics[0]!.message).toBe("refcount 'r' cannot be used in a constant");
    const ok = checkMarked("type Dev = {a, b}\nrefcount r[Dev]: 0..4 = 1\nprocess p { assert r[b] >= 1 }", []);
    const assertion = ok.model!.processes[0]!.decl.body.stmts[0]!;
    expect(assertion.kind === "Assert" && assertion.cond.kind === "Binary" && typeToString(assertion.cond.left.ty!)).toBe("0..4");
  });

  it("reports integer locals and variables without a range", () => {
    const r = checkMarked("var x: 0..3 = 0\nvar [[w]] = 0\nprocess p { var [[y]] = x * 2; var b: 0..3 = x * 2; var c = x; var [[z]] }", [C.UnboundedType, C.UnboundedType, C.BadType]);
    expect(r.diagnostics[0]!.message).toBe("variable 'w' needs a range type: an integer's range cannot be inferred from its initial value (write e.g. ': 0..3 = 0')");
    expect(r.diagnostics[1]!.message).toBe("local variable 'y' needs a range type: an integer's range cannot be inferred from its initial value (write e.g. 'var y: 0..3 = x * 2')");
  });

  it("reports types that cannot be stored or are too large", () => {
    const r = checkMarked("var s: set<[[0..40]]>\nvar m: [ [[0..5000]] ] bool\nvar [[v]] = none\ntype E = [[3..1]]\nconst R = [[0..40]]" + P, [
      C.BadType, C.BadType, C.UnboundedType, C.BadType, C.BadType,
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "set<0..40> has 41 possible elements; sets are limited to 31",
      "map keys of type 0..5000 have 5001 values; the limit is 4096",
      "variable 'v' has type none, which cannot be stored in the state: give it a proc type through an ops table",
      "empty range 3..1: the lower bound is above the upper bound",
      "the range 0..40 has 41 values; sets are limited to 31",
    ]);
  });

  it("reports a map comprehension that does not cover every key", () => {
    const r = checkMarked(
      "type D = {a, b}\nconst M: [D] bool = [x in [[{a}]]: true]\nvar s: set<D> = {a}\nprocess p { var m: [D] bool = [x in [[s]]: true] }",
      [C.BadType, C.BadType],
    );
    expect(r.diagnostics[1]!.message).toContain("its domain must be a constant");
    // an unknown name in the domain is reported once, not also as a non-constant domain
    checkMarked("type D = {a, b}\nconst M: [D] bool = [x in {a, [[zz]]}: true]" + P, [C.UnknownName]);
  });
});

describe("constant evaluation", () => {
  it("evaluates ranges and values from constants", () => {
    const r = checkMarked(
      `const N = 4
type Idx = 0..N-1
const First: Idx = N - 4
const S: set<Idx> = {1, 2} + {3} - {1}
const M: [Idx] 0..9 = [x in Idx: x * 2 + 1]
const B: bool = forall x in S: exists y in Idx: y == x
const K = size(S) * 3 % 4 + -1 + 10 / 3
process p[i in Idx] { skip }`,
      [],
    );
    const consts = Object.fromEntries(r.model!.consts.map((c) => [c.name, c.value]));
    expect(consts).toEqual({ N: 4, First: 0, S: 0b1100, M: [1, 3, 5, 7], B: 1, K: 4 });
    expect(typeToString(r.model!.types[0]!.type)).toBe("0..3");
    expect(r.model!.processes[0]!.instances).toEqual([0, 1, 2, 3]);
  });

  it("reports division by zero", () => {
    checkMarked("const A = [[1 / 0]]\nvar x: 0..3 = [[3 % (1 - 1)]]" + P, [C.ConstEvaluation, C.ConstEvaluation]);
  });

  it("reports initial values outside their types", () => {
    const r = checkMarked(
      "var a: 1..2 = [[0]]\nvar m: [0..1] 0..3 = [[[0: 1, 1: 9]]]\nvar r: {f: 0..1} = [[{f: 2}]]\nvar s: set<0..3> = {[[5]]}\nvar t: set<0..3> = [[0..5]]\nvar u: [0..1] bool = [0: true, [[5]]: false]\nrefcount c: 0..2 = [[5]]\nconst K: 0..3 = [[4]]" + P,
      [C.ValueOutOfRange, C.ValueOutOfRange, C.ValueOutOfRange, C.ValueOutOfRange, C.ValueOutOfRange, C.ValueOutOfRange, C.ValueOutOfRange, C.ValueOutOfRange],
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "value 0 is outside the type 1..2",
      "value 9 is outside the type 0..3",
      "value 2 is outside the type 0..1",
      "value 5 is outside the set's element type 0..3",
      "value 4 is outside the set's element type 0..3",
      "value 5 is outside the type 0..1",
      "initial count 5 is outside the refcount's range 0..2",
      "value 4 is outside the type 0..3",
    ]);
  });

  it("reports recursive definitions of constants and types once", () => {
    checkMarked("const [[A]] = B + 1\nconst B = A\ntype [[T]] = set<T>\nconst [[M]]: [0..1] bool = [x in 0..1: M[x]]" + P, [
      C.RecursiveDefinition, C.RecursiveDefinition, C.RecursiveDefinition,
    ]);
  });

  it("reports a type error in a constant once, and does not evaluate it", () => {
    // each of these used to crash the evaluator or add a second, evaluation diagnostic
    checkMarked("const K = 1 in [[2]]\nconst L = forall x in [[1]]: true\nconst Q = exists y in {1}: [[y]]\nconst A: [0..1] bool = 3 [[+]] {1}" + P, [
      C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch,
    ]);
  });
});

describe("--set overrides", () => {
  const model = "const N: 2..16 = 5\nconst T: {destroy, release} = release\nconst U = 3\nmutex m\ntype R = 0..N-1\nprocess p { skip }";

  it("replaces the value, and everything computed from it", () => {
    const r = checkMarked(model, [], set("N=3 T=destroy"));
    const n = r.model!.consts.find((c) => c.name === "N")!;
    expect([n.value, n.overridden]).toEqual([3, "3"]);
    expect(r.model!.consts.find((c) => c.name === "T")!.value).toBe(0);
    expect(typeToString(r.model!.types[0]!.type)).toBe("0..2");
  });

  it("accepts expressions over other constants", () => {
    const r = checkMarked(model, [], set("U=N*2+1"));
    expect(r.model!.consts.find((c) => c.name === "U")!.value).toBe(11);
  });

  it("reports an unknown name or a name that is not a constant, listing the constants", () => {
    const r = checkMarked(model, [], []);
    expect(r.model).toBeDefined();
    const unknown = compileMarked(model, set("M=1"));
    expect(unknown.diagnostics.map(diagnosticKey)).toEqual([`${C.UnknownSetting} <no span>`]);
    expect(unknown.diagnostics[0]!.message).toBe("unknown constant 'M' in --set M=1 (the model's constants are: N, T, U)");
    const lock = compileMarked(model, set("m=1"));
    expect(lock.diagnostics[0]!.message).toBe("'m' is a mutex, not a constant in --set m=1 (the model's constants are: N, T, U)");
    const none = compileMarked("process p { skip }", set("N=1"));
    expect(none.diagnostics[0]!.message).toBe("unknown constant 'N' in --set N=1 (the model declares no constants)");
  });

  it("lists the members of the enumeration for an unknown member", () => {
    const r = compileMarked(model, set("T=foo"));
    expect(r.diagnostics.map(diagnosticKey)).toEqual([`${C.BadSetting} --set T:1:1-1:4`]);
    expect(r.diagnostics[0]!.message).toBe(
      "in --set T=foo: 'foo' is not a member of the enumeration: expected one of destroy, release (the constant has type {destroy, release}, declared at m.knot:2:7)",
    );
    expect(compileMarked(model, set("T=destory")).diagnostics[0]!.message).toContain("(did you mean 'destroy'?)");
  });

  it("reports ill-typed values", () => {
    const r = compileMarked(model, set("N=true"));
    expect(r.diagnostics.map(diagnosticKey)).toEqual([`${C.BadSetting} --set N:1:1-1:5`]);
    expect(r.diagnostics[0]!.message).toBe("in --set N=true: expected 2..16, found bool (the constant has type 2..16, declared at m.knot:1:7)");
    expect(compileMarked(model, set("T=1")).diagnostics[0]!.message).toContain("expected {destroy, release}, found integer 1");
    expect(compileMarked(model, set("U=m")).diagnostics.map((d) => d.code)).toEqual([C.BadSetting]);
  });

  it("reports a value outside the declared range, saying which setting", () => {
    for (const value of ["1", "17"]) {
      const r = compileMarked(model, set(`N=${value}`));
      expect(r.diagnostics.map(diagnosticKey)).toEqual([`${C.ValueOutOfRange} --set N:1:1-1:${value.length + 1}`]);
      expect(r.diagnostics[0]!.message).toBe(`in --set N=${value}: value ${value} is outside the type 2..16 (the constant 'N' is declared at m.knot:1:7)`);
    }
  });

  it("reports a value that refers to the constant itself", () => {
    const r = compileMarked(model, set("U=U+1"));
    expect(r.diagnostics.map(diagnosticKey)).toEqual([`${C.BadSetting} --set U:1:1-1:2`]);
    expect(r.diagnostics[0]!.message).toBe("in --set U=U+1: the value cannot refer to 'U' itself (the override replaces it)");
  });

  it("reports values that do not parse or cannot be evaluated", () => {
    const syntax = compileMarked(model, set("U=1+"));
    expect(syntax.diagnostics.map(diagnosticKey)).toEqual([`${C.BadSetting} --set U:1:3-1:3`]);
    const division = compileMarked(model, set("U=1/0"));
    expect(division.diagnostics.map(diagnosticKey)).toEqual([`${C.ConstEvaluation} --set U:1:1-1:4`]);
    expect(division.diagnostics[0]!.message).toMatch(/^in --set U=1\/0: division by zero/);
  });

  it("locates override diagnostics at the override's own span when it has one (a spec file)", () => {
    const specFile = new SourceFile("run.spec", "set N = true\n");
    const spec = compileMarked(model, [{ name: "N", text: "true", span: { file: specFile, start: 8, end: 12 } }]);
    expect(spec.diagnostics.map(diagnosticKey)).toEqual([`${C.BadSetting} run.spec:1:9-1:13`]);
  });
});

describe("seed models", () => {
  it("checks models/kvm/vfio.knot with both TEARDOWN values", () => {
    for (const teardown of ["release", "destroy"]) {
      const r = compileModel("models/kvm/vfio.knot", { overrides: set(`TEARDOWN=${teardown}`) });
      expect(r.diagnostics.map((d) => `${diagnosticKey(d)}: ${d.message}`)).toEqual([]);
      expect(r.model!.consts.find((c) => c.name === "TEARDOWN")!.value).toBe(teardown === "destroy" ? 0 : 1);
      expect(r.model!.processes.map((p) => p.name)).toEqual(["close_vm_fd", "close_kvm_vfio_fd", "close_vfio_device_fd"]);
    }
    const plain = compileModel("models/kvm/vfio.knot");
    expect(plain.diagnostics).toEqual([]);
    // kvm_vfio_ops sets exactly the callback TEARDOWN selects (proc references are index + 1)
    const procs = plain.model!.procs.map((p) => p.name);
    expect(plain.model!.consts.find((c) => c.name === "kvm_vfio_ops")!.value).toEqual([0, procs.indexOf("kvm_vfio_release") + 1]);
  });

  it("checks models/examples/philosophers.knot", () => {
    for (const overrides of [[], set("ORDERED=true N=3")]) {
      const r = compileModel("models/examples/philosophers.knot", { overrides });
      expect(r.diagnostics.map((d) => `${diagnosticKey(d)}: ${d.message}`)).toEqual([]);
      expect(r.model!.processes[0]!.instances.length).toBe(overrides.length ? 3 : 5);
    }
  });

  it("reports models/kvm/core.knot alone as incomplete, naming what the importer must declare", () => {
    const r = compileModel("models/kvm/core.knot");
    expect(r.model).toBeUndefined();
    const unknown = new Set(r.diagnostics.filter((d) => d.code === C.UnknownName).map((d) => d.message.match(/'(\w+)'/)![1]));
    expect([...unknown].sort()).toEqual(["KVM_USERS", "NR_KVM_DEVICES", "vm"]);
  });
});

describe("missing returns", () => {
  it("reports a procedure with a return type whose body can end without return", () => {
    const r = checkMarked("var g: 0..3 = 0\nproc [[f]](a: 0..3): 0..3 { if a > 1 { return a } }\nproc ok(a: 0..3): 0..3 { if a > 1 { return a } else { return 0 } }\nproc loops(): bool { while true { await g > 0 } }\nprocess p { g := call f(0); g := call ok(1) }", [C.MissingReturn]);
    expect(r.diagnostics[0]!.message).toBe("'f' can reach the end of its body without returning a 0..3: end every path with 'return'");
  });
});

describe("object pools", () => {
  const POOL = "type G = {g1, g2}\nobject kvg[2] { file: G, next: kvg }\nvar head: kvg = null\n";
  it("types references, null, alloc with field initialisers, field access and free", () => {
    const r = checkMarked(POOL + "process p { var e: kvg = alloc kvg {file: g2}; e.next := head; head := e; var f: G = head.file; if head != null { free head }; head := null }", []);
    expect(r.model!.objects.map((o) => [o.name, o.bound, o.fields.map((f) => f.name)])).toEqual([["kvg", 2, ["file", "next"]]]);
  });
  it("reports alloc outside an assignment, unknown fields, free of a non-reference, bad bounds", () => {
    checkMarked(
      POOL + "object bad[ [[0]] ] { x: bool }\nvar n: 0..3 = 0\nprocess p { var b: bool = [[alloc kvg]] == null; var e: kvg = alloc kvg {[[size]]: 1}; var f: G = e.[[nope]]; free [[n]] }",
      [C.BadType, C.NotAllowedHere, C.UnknownField, C.UnknownField, C.TypeMismatch],
    );
  });
  it("needs a reference type to use null", () => {
    checkMarked("var n: 0..3 = 0\nprocess p { var b: bool = n [[==]] null }", [C.TypeMismatch]);
  });
});

describe("symmetric types", () => {
  const V = "type Vcpu = symmetric 0..2\nmutex vm[Vcpu]\nvar seen: set<Vcpu> = {}\n";

  it("gives a symmetric type's values a type of their own, distinct from every other integer", () => {
    const r = checkMarked(V + "process vcpu[i in Vcpu] { lock vm[i]; seen := seen + {i}; unlock vm[i]; var j: Vcpu = i; assert j == i or j in seen }", []);
    const t = r.model!.types.find((x) => x.name === "Vcpu")!;
    expect(t.type).toEqual({ kind: "int", lo: 0, hi: 2, sym: "Vcpu" });
    expect(typeToString(t.type)).toBe("Vcpu");
  });

  it("rejects a constant of the type, arithmetic and order on its values", () => {
    const r = checkMarked(
      V + "process p[i in Vcpu] { lock vm[ [[0]] ]; assert i [[<]] i; assert (i [[+]] i) == i; assert i [[==]] 1; seen := seen + {[[2]]}; assert -[[i]] == i }",
      [C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch, C.TypeMismatch],
    );
    expect(r.diagnostics[0]!.message).toBe("expected Vcpu, found integer 0");
    expect(r.diagnostics[1]!.message).toBe("'<' cannot take values of the symmetric type Vcpu: they are interchangeable, so they are only compared with == and != and used as indices and set elements");
    expect(r.diagnostics[3]!.message).toBe("cannot compare Vcpu with 1..1");
  });

  it("asks storage holding a value of the type for an initial value, and keeps refcounts plain", () => {
    const r = checkMarked(V + "var [[owner]]: Vcpu\nrefcount rc: [[Vcpu]] = 1\nprocess p[i in Vcpu] { var [[k]]: Vcpu; var m: [Vcpu] bool = [q in Vcpu: q == i] }", [C.BadType, C.BadType, C.BadType]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "variable 'owner' holds values of the symmetric type Vcpu, so it needs an initial value (a default would be one particular value of the type)",
      "a refcount's range must be an integer range, not the symmetric type Vcpu",
      "local variable 'k' holds values of the symmetric type Vcpu: give it an initial value",
    ]);
  });

  it("makes only ranges symmetric; symmetric stays usable as a name elsewhere", () => {
    checkMarked("type E = symmetric [[{a, b}]]" + P, [C.BadType]);
    checkMarked("type symmetric = 0..1\ntype S = symmetric\nvar x: S = 0" + P, []);
  });
});
