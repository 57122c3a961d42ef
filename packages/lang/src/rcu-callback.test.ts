// call_rcu / call_srcu in the front end: the statements (contextual words: a variable may
// still be called call_rcu), the (procedure, domain) groups in their threads' order, and
// what is refused: a callback that is not a procedure, more than one parameter, the wrong
// arguments, a parameter that is not a scalar, too many callbacks, call_srcu on rcu.
// Expected diagnostics are [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { callbackCount, callbackThreadName, callbackValues } from "./rcu-callback.js";
import { checkMarked } from "./test-markers.js";

const DECLS = [
  "type Dev = 0..1",
  "object dev[2] { id: 0..3 }",
  "srcu kvm_srcu",
  "srcu ss[Dev]",
  "proc free_dev(d: dev) { free d }",
  "proc put_all() { skip }",
  "proc drop(i: Dev) { skip }",
  "",
].join("\n");

describe("call_rcu and call_srcu", () => {
  it("accepts both statements and orders the groups by procedure, then domain (rcu first)", () => {
    const r = checkMarked(DECLS + [
      "var call_rcu: bool",
      "var p: dev",
      "process q[j in Dev] {",
      "  call_srcu ss[j] drop(1 - j)",
      "  call_srcu kvm_srcu free_dev(p)",
      "  call_rcu free_dev(p)",
      "  call_rcu put_all()",
      "  call_rcu := true",
      "}",
    ].join("\n"), []);
    const m = r.model!;
    expect(m.usesRcu).toBe(true);
    expect(m.rcuCallbacks.map((g) => [g.proc.name, g.domain?.name ?? "rcu", callbackValues(g), callbackCount(g)])).toEqual([
      ["free_dev", "rcu", [0, 1, 2], 3],
      ["free_dev", "kvm_srcu", [0, 1, 2], 3],
      ["put_all", "rcu", [0], 1],
      ["drop", "ss", [0, 1], 4],
    ]);
    const [freeRcu, freeSrcu, putAll, drop] = m.rcuCallbacks;
    expect(callbackThreadName(freeRcu!, undefined, 1)).toBe("rcu_callback/free_dev(dev[0])");
    expect(callbackThreadName(freeSrcu!, undefined, 0)).toBe("srcu_callback/kvm_srcu/free_dev(null)");
    expect(callbackThreadName(putAll!, undefined, 0)).toBe("rcu_callback/put_all()");
    expect(callbackThreadName(drop!, "1", 0)).toBe("srcu_callback/ss[1]/drop(0)");
  });

  it("refuses a callback that is not a procedure, more than one parameter, the wrong arguments", () => {
    checkMarked([
      "mutex m",
      "var x: 0..1",
      "proc two(a: 0..1, b: 0..1) { skip }",
      "proc one(a: 0..1) { skip }",
      "process p {",
      "  call_rcu [[x]](0)",
      "  call_rcu [[two]](0, 1)",
      "  call_rcu [[one]]()",
      "  call_rcu one([[true]])",
      "  call_rcu [[nothing]](1)",
      "}",
    ].join("\n"), [C.WrongKindOfName, C.CallbackParams, C.ArgumentCount, C.TypeMismatch, C.UnknownName]);
  });

  it("refuses a parameter that is not a scalar and a group of more than 16 callbacks", () => {
    checkMarked([
      "type R = {a: 0..1}",
      "proc rec(r: R) { skip }",
      "proc wide(i: 0..16) { skip }",
      "proc fits(i: 0..15) { skip }",
      "process p {",
      "  call_rcu [[rec]]({a: 0})",
      "  call_rcu [[wide]](0)",
      "  call_rcu fits(0)",
      "}",
    ].join("\n"), [C.TooManyCallbacks, C.TooManyCallbacks]);
  });

  it("refuses call_srcu on rcu (K4040) and on something that is not a domain", () => {
    checkMarked([
      "mutex m",
      "proc f() { skip }",
      "process p {",
      "  call_srcu [[rcu]] f()",
      "  call_srcu [[m]] f()",
      "}",
    ].join("\n"), [C.RcuAsSrcu, C.WrongKindOfName]);
  });
});
