// The SRCU/RCU family in the front end: declarations (arrays too), the statements
// on domains only, rcu statements without one, `rcu` refused as an SRCU domain,
// a domain never a value. Expected diagnostics are [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { checkMarked } from "./test-markers.js";

const DECLS = "type Vcpu = 0..1\nsrcu kvm_srcu\nsrcu dom[Vcpu]\nmutex m\nvar b: bool\n";

describe("srcu and rcu", () => {
  it("accepts every statement, on domains and entries of domain arrays, and records that RCU is used", () => {
    const r = checkMarked(DECLS + [
      "process p[v in Vcpu] {",
      "  srcu_read_lock kvm_srcu",
      "  srcu_read_lock dom[v]",
      "  srcu_read_unlock dom[v]",
      "  srcu_read_unlock kvm_srcu",
      "  synchronize_srcu dom[1 - v]",
      "  rcu_read_lock",
      "  rcu_read_unlock()",
      "  synchronize_rcu",
      "}",
    ].join("\n"), []);
    expect(r.model!.srcus.map((d) => d.name)).toEqual(["kvm_srcu", "dom"]);
    expect(r.model!.usesRcu).toBe(true);
  });

  it("does not use RCU unless a statement does", () => {
    expect(checkMarked(DECLS + "process p { srcu_read_lock kvm_srcu; srcu_read_unlock kvm_srcu }", []).model!.usesRcu).toBe(false);
  });

  it("refuses rcu as an SRCU domain (K4040) and names what is wrong otherwise", () => {
    const r = checkMarked(DECLS + [
      "process p {",
      "  synchronize_srcu [[rcu]]",
      "  srcu_read_lock [[m]]",
      "  srcu_read_lock [[kvm_srcuu]]",
      "  srcu_read_lock [[dom]]",
      "}",
    ].join("\n"), [C.RcuAsSrcu, C.WrongKindOfName, C.UnknownName, C.TypeMismatch]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'rcu' is the RCU domain, which has statements of its own: use rcu_read_lock, rcu_read_unlock and synchronize_rcu (srcu_* statements take a domain declared with 'srcu')",
      "'m' is a mutex, not an SRCU domain",
      "unknown SRCU domain 'kvm_srcuu' (did you mean 'kvm_srcu'?)",
      "'dom' is an array of SRCU domains: name one entry, e.g. dom[...]",
    ]);
  });

  it("is not a value and cannot be assigned", () => {
    const r = checkMarked(DECLS + "process p {\n  b := [[kvm_srcu]]\n  [[kvm_srcu]] := b\n}", [C.TypeMismatch, C.NotAssignable]);
    expect(r.diagnostics[0]!.message).toBe("SRCU domain 'kvm_srcu' is not a value: use srcu_read_lock, srcu_read_unlock or synchronize_srcu on it");
  });

  it("rcu statements take no operand", () => {
    checkMarked("process p { rcu_read_lock([[x]]) }", [C.Expected]);
  });
});
