// The completion family in the front end: declarations, the statements and
// completion_done() on completions only, arrays indexed, a completion never a
// value. Expected diagnostics are [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { checkMarked } from "./test-markers.js";

const DECLS = "type Vcpu = 0..1\ncompletion done\ncompletion ready[Vcpu]\nmutex m\nvar b: bool\n";

describe("completion", () => {
  it("accepts every statement, completion_done() in code and in properties, and indexed arrays", () => {
    const r = checkMarked(DECLS + [
      "invariant i: completion_done(done) or not completion_done(ready[1])",
      "process p[v in Vcpu] {",
      "  complete done",
      "  complete_all ready[v]",
      "  wait_for_completion ready[1 - v]",
      "  reinit_completion done",
      "  b := completion_done(done)",
      "  await completion_done(ready[v]) : \"vCPU ready\"",
      "}",
    ].join("\n"), []);
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.completions.map((c) => c.name)).toEqual(["done", "ready"]);
  });

  it("names what is wrong: not a completion, unknown, an array without an index, an index on a plain one", () => {
    const r = checkMarked(DECLS + [
      "process p {",
      "  wait_for_completion [[m]]",
      "  complete [[dne]]",
      "  complete [[ready]]",
      "  complete [[done[0]]]",
      "  b := completion_done([[b]])",
      "}",
    ].join("\n"), [C.WrongKindOfName, C.UnknownName, C.TypeMismatch, C.TypeMismatch, C.WrongKindOfName]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'m' is a mutex, not a completion",
      "unknown completion 'dne' (did you mean 'done'?)",
      "'ready' is an array of completions: name one entry, e.g. ready[...]",
      "'done' is not an array",
      "'b' is a variable, not a completion",
    ]);
  });

  it("is not a value and cannot be assigned", () => {
    const r = checkMarked(DECLS + "process p {\n  b := [[done]]\n  [[done]] := b\n}", [C.TypeMismatch, C.NotAssignable]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "completion 'done' is not a value: use completion_done(done)",
      "cannot assign to 'done': it is a completion (use complete/wait_for_completion)",
    ]);
  });

  it("reads the state, so completion_done() is no constant", () => {
    checkMarked(DECLS + "const K: bool = [[completion_done(done)]]\nprocess p { skip }", [C.NotAllowedHere]);
  });
});

describe("await labels", () => {
  it("takes a quoted label after ':'", () => {
    const r = checkMarked("var b: bool\nprocess p { await b : \"the VM is ready\" }", []);
    const s = r.model!.processes[0]!.decl.body.stmts[0]!;
    expect(s.kind === "Await" && s.label).toBe("the VM is ready");
  });

  it("wants the label in quotes", () => {
    checkMarked("var b: bool\nprocess p { await b : [[ready]] }", [C.Expected]);
  });
});

describe("try_wait_for_completion", () => {
  it("stands where a trylock may, on a completion", () => {
    checkMarked(DECLS + "process p {\n  if try_wait_for_completion(done) { skip }\n  b := try_wait_for_completion(ready[0])\n  while not try_wait_for_completion(done) { skip }\n}", []);
  });

  it("is K4020 elsewhere and wants a completion", () => {
    const r = checkMarked(DECLS + "process p {\n  assert [[try_wait_for_completion(done)]]\n  if try_wait_for_completion([[m]]) { skip }\n}", [C.TrylockMisplaced, C.WrongKindOfName]);
    expect(r.diagnostics[0]!.message).toContain("try_wait_for_completion() takes a pending completion when there is one");
  });
});
