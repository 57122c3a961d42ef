// Spec parser tests: well-formed spec files parse to the expected checks (items,
// settings with their spans, hyphenated kinds, options), every malformed form is a
// diagnostic with its code at the marked place, diagnostics are attached to the
// check they are in, and no input makes the parser throw.
import { describe, expect, it } from "vitest";
import { LangCodes } from "./diagnostics.js";
import { memoryHost } from "./loader.js";
import { SourceFile, formatLocation } from "./source.js";
import { type SpecExpectation, type SpecFile, SpecCodes, describeExpectation, loadSpec, parseSpec } from "./spec.js";
import { expectMarkedDiagnostics, spanLocation, stripMarkers } from "./test-markers.js";

const KINDS = ["recursive-locking", "lock-cycle", "stuck", "sleep-in-atomic", "use-after-free", "null-callback", "exit-holding-lock", "refcount-inc-from-zero", "lock-order", "assertion"];
const SWITCHABLE = ["lock-order", "stuck", "exit-holding-lock", "assertion"];
const { Expected, UnknownItem, Duplicate, Missing, BadValue, UnknownCheck, CannotReadFile } = SpecCodes;

function spec(text: string): SpecFile {
  return parseSpec(new SourceFile("s.knot", text), { kinds: KINDS, switchable: SWITCHABLE });
}

/** Parse marked source and assert one diagnostic per mark with the given codes; returns the parse. */
function specMarked(source: string, codes: readonly string[]): SpecFile {
  const { text, marks } = stripMarkers(source, "s.knot");
  const parsed = spec(text);
  expectMarkedDiagnostics(parsed.diagnostics, { texts: { "s.knot": text }, marks }, codes);
  return parsed;
}

function messages(f: SpecFile): string[] {
  return f.diagnostics.map((d) => d.message);
}

const VFIO = `// specs/kvm_vfio.knot
check "destroy self-deadlocks on group_lock" {
  model "../models/kvm/vfio.knot"
  set TEARDOWN = destroy
  expect recursive-locking in vfio_file_set_kvm
}
check "release is clean" {
  model "../models/kvm/vfio.knot"
  set TEARDOWN = release
  expect pass
}
`;

describe("spec files: well-formed", () => {
  it("parses checks with their model, settings and expectation", () => {
    const f = spec(VFIO);
    expect(f.diagnostics).toEqual([]);
    expect(f.checks.map((c) => c.name)).toEqual(["destroy self-deadlocks on group_lock", "release is clean"]);
    const [destroy, release] = f.checks;
    expect(destroy!.model?.path).toBe("../models/kvm/vfio.knot");
    expect(formatLocation(destroy!.model!.span)).toBe("s.knot:3:9");
    expect(destroy!.settings.map((o) => [o.name, o.text, spanLocation(o.span!)])).toEqual([["TEARDOWN", "destroy", "s.knot:4:18-4:25"]]);
    expect(destroy!.expect).toMatchObject({ outcome: "finding", kind: "recursive-locking", inProc: { name: "vfio_file_set_kvm" } });
    expect(spanLocation(destroy!.span)).toBe("s.knot:2:1-6:2");
    expect(release!.expect?.outcome).toBe("pass");
    expect(release!.search).toBe("bfs");
    expect(release!.strict).toBe(false);
    expect(f.checks.every((c) => c.diagnostics.length === 0)).toBe(true);
  });

  it("parses every option", () => {
    const f = spec(`check "all options" {
  model "m.knot"
  search dfs
  max-states 1000
  time-limit 2.5
  strict
  lock-order instance
  disable lock-order
  disable exit-holding-lock
  expect lock-cycle at "examples/abba.knot:22" in unplug
}`);
    expect(f.diagnostics).toEqual([]);
    const c = f.checks[0]!;
    expect([c.search, c.maxStates, c.timeLimit, c.strict, c.lockOrder]).toEqual(["dfs", 1000, 2.5, true, "instance"]);
    expect(c.disabled.map((d) => d.name)).toEqual(["lock-order", "exit-holding-lock"]);
    expect(c.expect).toMatchObject({ kind: "lock-cycle", inProc: { name: "unplug" }, at: { file: "examples/abba.knot", line: 22 } });
    expect(describeExpectation(c.expect!)).toBe("lock-cycle in unplug at examples/abba.knot:22");
  });

  it("joins hyphenated kinds, including parts that are keywords", () => {
    for (const kind of ["sleep-in-atomic", "use-after-free", "null-callback", "exit-holding-lock", "refcount-inc-from-zero", "lock-order"]) {
      const f = spec(`check "k" {\n  model "m.knot"\n  expect ${kind} in foo\n}`);
      expect(f.diagnostics, kind).toEqual([]);
      expect(f.checks[0]!.expect).toMatchObject({ outcome: "finding", kind, inProc: { name: "foo" } });
    }
  });

  it("keeps a setting's whole expression, braces included, up to the end of the line", () => {
    const f = spec(`check "sets" {
  model "m.knot"
  set S = {a, b}   // a set value
  set N = N0 + 1
  set R = [x: {a}, y: {}]
  expect pass }`);
    expect(f.diagnostics).toEqual([]);
    expect(f.checks[0]!.settings.map((o) => [o.name, o.text])).toEqual([["S", "{a, b}"], ["N", "N0 + 1"], ["R", "[x: {a}, y: {}]"]]);
  });

  it("accepts a check written on few lines, and comments of both kinds", () => {
    const f = spec(`/* header
   comment */ check "short" { model "m.knot"
  expect pass }
check "also" {
  model "m.knot" // trailing
  expect stuck
}`);
    expect(f.diagnostics).toEqual([]);
    expect(f.checks.map((c) => [c.name, c.model?.path, c.expect && describeExpectation(c.expect)])).toEqual([["short", "m.knot", "pass"], ["also", "m.knot", "stuck"]]);
  });

  it("accepts any kind name when no list of kinds is given", () => {
    const f = parseSpec(new SourceFile("s.knot", `check "k" {\n  model "m.knot"\n  expect some-future-check\n  disable another-one\n}`));
    expect(f.diagnostics).toEqual([]);
    expect(f.checks[0]!.expect).toMatchObject({ kind: "some-future-check" });
  });

  it("describes expectations as written", () => {
    const e = (text: string): SpecExpectation => spec(`check "k" {\n  model "m.knot"\n  expect ${text}\n}`).checks[0]!.expect!;
    expect(describeExpectation(e("pass"))).toBe("pass");
    expect(describeExpectation(e("lock-order"))).toBe("lock-order");
    expect(describeExpectation(e(`stuck at "./a/b.knot:3"`))).toBe("stuck at a/b.knot:3");
  });
});

describe("spec files: errors, each at its place", () => {
  it("stray text at the top level", () => {
    const f = specMarked(`[[model]] "m.knot"\ncheck "ok" {\n  model "m.knot"\n  expect pass\n}\n`, [Expected]);
    expect(f.checks.map((c) => c.name)).toEqual(["ok"]);
    expect(f.checks[0]!.diagnostics).toEqual([]);
  });

  it("a check without a name, with a name that is not a string, without '{'", () => {
    specMarked(`check [[{]]\n  model "m.knot"\n}\ncheck [[abc]] {\n}\ncheck "x" [[model]] "m.knot"\n`, [Expected, Expected, Expected]);
  });

  it("a malformed check header with an unclosed block does not swallow the next check", () => {
    const f = specMarked(`check [[name]] {\n  model "m.knot"\ncheck "next" {\n  model "m.knot"\n  expect pass\n}\n`, [Expected]);
    expect(f.checks.map((c) => [c.name, c.diagnostics.length])).toEqual([["next", 0]]);
  });

  it("an empty check name", () => {
    specMarked(`check [[""]] {\n  model "m.knot"\n  expect pass\n}\n`, [BadValue]);
  });

  it("a check without its closing brace, before the next check and at the end", () => {
    const f = specMarked(`check "a" [[{]]\n  model "m.knot"\n  expect pass\ncheck "b" [[{]]\n  model "m.knot"\n  expect pass\n`, [Expected, Expected]);
    expect(f.checks.map((c) => [c.name, c.diagnostics.length])).toEqual([["a", 1], ["b", 1]]);
  });

  it("an unknown item, suggesting the near one", () => {
    const f = specMarked(`check "a" {\n  model "m.knot"\n  [[modle]] "x"\n  expect pass\n}\n`, [UnknownItem]);
    expect(messages(f)[0]).toContain("did you mean 'model'?");
    // the misspelt item is reported once, not also as a missing model
    specMarked(`check "a" {\n  [[modle]] "x"\n  expect pass\n}\n`, [UnknownItem]);
    specMarked(`check "a" {\n  model "m.knot"\n  [[42]]\n  expect pass\n}\n`, [UnknownItem]);
  });

  it("a model that is not a string, an empty one, and a model given twice", () => {
    specMarked(`check "a" {\n  model [[m]]\n  expect pass\n}\n`, [Expected]);
    specMarked(`check "a" {\n  model [[""]]\n  expect pass\n}\n`, [BadValue]);
    const f = specMarked(`check "a" {\n  model "m.knot"\n  [[model]] "n.knot"\n  expect pass\n}\n`, [Duplicate]);
    expect(f.diagnostics[0]!.related.map((r) => formatLocation(r.span))).toEqual(["s.knot:2:3"]);
    expect(f.checks[0]!.model?.path).toBe("m.knot");
  });

  it("two items on one line", () => {
    specMarked(`check "a" {\n  model "m.knot" [[expect]] pass\n}\n`, [Expected]);
  });

  it("malformed settings", () => {
    specMarked(
      `check "a" {\n  model "m.knot"\n  set [[1]] = 2\n  set N [[==]] 2\n  set M [[=]]\n  [[set]]\n  set K = 1\n  set [[K]] = 2\n  expect pass\n}\n`,
      [Expected, Expected, Expected, Expected, Duplicate],
    );
  });

  it("malformed expectations", () => {
    specMarked(`check "a" {\n  model "m.knot"\n  [[expect]]\n}\n`, [Expected]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect pass [[in]] foo\n}\n`, [Expected]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect [[lock-cycel]]\n}\n`, [UnknownCheck]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect [[lock-]]\n}\n`, [BadValue]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect stuck [[in]]\n}\n`, [Expected]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect stuck in foo [[in]] bar\n}\n`, [Duplicate]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect stuck at [["vfio.knot"]]\n}\n`, [BadValue]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect stuck at [["vfio.knot:0"]]\n}\n`, [BadValue]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect stuck at [[28]]\n}\n`, [Expected]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect stuck [[because]]\n}\n`, [Expected]);
    specMarked(`check "a" {\n  model "m.knot"\n  expect pass\n  [[expect]] stuck\n}\n`, [Duplicate]);
  });

  it("an unknown kind suggests the near one and does not also count as a missing expectation", () => {
    const f = specMarked(`check "a" {\n  model "m.knot"\n  expect [[recursive-lock]] in foo\n}\n`, [UnknownCheck]);
    expect(messages(f)[0]).toContain("did you mean 'recursive-locking'?");
  });

  it("malformed options", () => {
    specMarked(
      `check "a" {
  model "m.knot"
  search [[xfs]]
  max-states [[0]]
  max-states [[1.5]]
  time-limit [[0]]
  time-limit [[soon]]
  max-states 10 [[states]]
  strict [[yes]]
  lock-order [[lockdep]]
  lock-order class [[now]]
  disable [[lock-cycle]]
  [[disable]]
  search bfs
  [[search]] dfs
  expect pass
}`,
      [BadValue, BadValue, BadValue, BadValue, Expected, Expected, Expected, BadValue, Expected, UnknownCheck, Expected, Duplicate],
    );
  });

  it("a check without a model or an expectation", () => {
    specMarked(`check [["a"]] {\n  expect pass\n}\ncheck [["b"]] {\n  model "m.knot"\n}\n`, [Missing, Missing]);
  });

  it("duplicate check names in one file", () => {
    const f = specMarked(`check "a" {\n  model "m.knot"\n  expect pass\n}\ncheck [["a"]] {\n  model "m.knot"\n  expect pass\n}\n`, [Duplicate]);
    expect(f.checks.map((c) => c.diagnostics.length)).toEqual([0, 1]);
  });

  it("a file without checks", () => {
    specMarked(`[[]]// nothing here\n`, [Missing]);
    specMarked(`[[]]`, [Missing]);
  });

  it("passes lexical errors through, attached to their check", () => {
    const f = specMarked(`check "a" {\n  model [["m.knot]]\n  expect pass\n}\ncheck "b" {\n  model "m.knot"\n  expect pass\n}\n`, [LangCodes.UnterminatedString]);
    expect(f.checks.map((c) => c.diagnostics.map((d) => d.code))).toEqual([[LangCodes.UnterminatedString], []]);
  });

  it("reports an unreadable spec file without a position", () => {
    const f = loadSpec("nosuch.knot", memoryHost({}));
    expect(f.checks).toEqual([]);
    expect(f.diagnostics.map((d) => [d.code, d.span, d.message])).toEqual([[CannotReadFile, undefined, "cannot read spec file 'nosuch.knot': no such file"]]);
    expect(loadSpec("s.knot", memoryHost({ "s.knot": VFIO })).checks.length).toBe(2);
  });
});

describe("spec files: robustness", () => {
  const WORDS = ["check", '"n"', "{", "}", "model", '"m.knot"', "set", "N", "=", "3", "expect", "pass", "lock-cycle", "in", "at", '"f.knot:3"',
    "search", "dfs", "max-states", "time-limit", "1.5", "strict", "disable", "-", "(", "[", "//", "\n", "\n", "\n", '"open', "/*", "@"];

  it("never throws, and every diagnostic lies inside the file", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let n = 0; n < 400; n++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 40) }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(random() < 0.5 ? " " : "");
      let f: SpecFile | undefined;
      expect(() => (f = spec(text)), text).not.toThrow();
      for (const d of f!.diagnostics) {
        expect(d.span, `${d.code} ${d.message} in ${JSON.stringify(text)}`).toBeDefined();
        expect(d.span!.start).toBeLessThanOrEqual(text.length);
      }
      // a check with no diagnostics has everything it needs to run
      for (const c of f!.checks) if (c.diagnostics.length === 0) expect(c.model && c.expect, text).toBeTruthy();
    }
  });
});
