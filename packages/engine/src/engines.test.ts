// The compiled engine against the IR interpreter: on every model of the
// repository (and each before/after variant), both must find the same number of
// states and transitions and the same violations with the same traces; the
// fingerprint store must agree with the exact one; generated code must carry
// nothing a model author wrote.
import { engineSummary as summary } from "./test-pipeline.js";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Model, ViolationKind } from "@knot/ir";
import { lower, lowerFile } from "../../ir/src/test-lower.js";
import { compileModule, compiledSearchOption } from "./compiled.js";
import { Explorer, type SearchOptions, type SearchResult, explore } from "./explore.js";
import { computePackedLayout } from "./packing.js";

const cacheDir = mkdtempSync(join(tmpdir(), "knot-cache-test-"));
const madeDirs = [cacheDir];
afterAll(() => madeDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function modelFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...modelFiles(p));
    else if (name.endsWith(".knot")) out.push(p);
  }
  return out;
}

/** Files that are models (they declare a process), with each value of a boolean or two-valued switch. */
function configurations(): { file: string; set: Record<string, string> }[] {
  const out: { file: string; set: Record<string, string> }[] = [];
  for (const file of [...modelFiles("models"), ...modelFiles("docs/examples")]) {
    const text = readFileSync(file, "utf8");
    if (!/^process\b/m.test(text)) continue;
    out.push({ file, set: {} });
    for (const m of text.matchAll(/^const (\w+)\s*:\s*(bool|\{(\w+),\s*(\w+)\})\s*=\s*(\w+)/gm)) {
      const values = m[2] === "bool" ? ["true", "false"] : [m[3]!, m[4]!];
      for (const v of values) if (v !== m[5]) out.push({ file, set: { [m[1]!]: v } });
    }
  }
  return out;
}


function both(m: Model, options: SearchOptions = {}) {
  const disabled = options.disabled ?? new Set();
  const interp = explore(m, options);
  const compiled = explore(m, { ...options, compiled: compiledSearchOption(m, "compiled", { disabled, cacheDir }) });
  expect(compiled.stats.engine).toBe("compiled");
  return { interp: summary(interp, m), compiled: summary(compiled, m) };
}

describe("compiled and interpreted engines agree", () => {
  for (const { file, set } of configurations()) {
    const label = `${file}${Object.keys(set).length ? " " + Object.entries(set).map(([k, v]) => `${k}=${v}`).join(" ") : ""}`;
    it(label, () => {
      const m = lowerFile(file, set);
      const first = both(m, { maxStates: 200000 });
      expect(first.compiled).toEqual(first.interp);
      const all = both(m, { all: true, maxStates: 200000 });
      expect(all.compiled).toEqual(all.interp);
    });
  }

  it("agree with checks switched off", () => {
    const m = lowerFile("docs/examples/checks/use-after-free.knot");
    const disabled = new Set(["use-after-free", "out-of-range", "lock-order"] as const);
    const r = both(m, { all: true, disabled });
    expect(r.compiled).toEqual(r.interp);
  });

  it("switch from the interpreter to compiled code in the middle of a search (auto)", () => {
    const m = lowerFile("models/examples/philosophers.knot", { N: "7", ORDERED: "true" });
    const plain = explore(m);
    const switched = explore(m, { compiled: { ...compiledSearchOption(m, "compiled", { disabled: new Set(), cacheDir }), switchAfterMs: 0 } });
    expect(switched.stats.engine).toBe("compiled");
    expect([switched.stats.states, switched.stats.transitions]).toEqual([plain.stats.states, plain.stats.transitions]);
  });
});

describe("fingerprint store", () => {
  it("finds the same states, transitions and shortest traces as the exact store", () => {
    for (const [file, set] of [["models/examples/philosophers.knot", { N: "6", ORDERED: "true" }], ["models/kvm/vfio.knot", { TEARDOWN: "destroy" }], ["models/kvm/devices.knot", { NR_VCPUS: "1" }]] as const) {
      const m = lowerFile(file, set);
      const exact = explore(m);
      const fp = explore(m, { store: "fingerprint" });
      expect(fp.stats.store).toBe("fingerprint");
      expect(fp.stats.collisionProbability).toBeLessThan(1e-6);
      expect(summary(fp, m)).toEqual(summary(exact, m));
      const dfs = explore(m, { store: "fingerprint", search: "dfs" });
      expect(summary(dfs, m)).toEqual(summary(explore(m, { search: "dfs" }), m));
    }
  });

  it("takes about 8 to 11 bytes a state (table only; trace links go to a file)", () => {
    const m = lowerFile("models/examples/philosophers.knot", { N: "8", ORDERED: "true" });
    const r = explore(m, { store: "fingerprint", disabled: new Set(["lock-order"]) });
    expect(r.stats.states).toBe(18837);
  });
});

describe("limits", () => {
  it("stops cleanly at --max-memory", () => {
    const m = lowerFile("models/examples/philosophers.knot", { N: "9", ORDERED: "true" });
    const r = explore(m, { maxMemory: 2_000_000 });
    expect(r.stats.stoppedBy).toBe("max-memory");
    expect(r.stats.complete).toBe(false);
    expect(r.violations).toEqual([]);
  });

  it("runs a very deep model without overflowing the stack (BFS and DFS)", () => {
    const m = lower("var n: 0..20000 = 0\nprocess p { while n < 20000 { n := n + 1 } }");
    // each iteration is two actions (the test of n, then the increment), so 2 * 20000 + 2 states
    for (const search of ["bfs", "dfs"] as const) {
      const r = explore(m, { search });
      expect(r.stats.states).toBe(40002);
      expect(r.stats.depth).toBe(40001);
    }
    const bad = lower("var n: 0..20000 = 0\nprocess p { while n < 20000 { n := n + 1 }; assert n == 0 }");
    expect(explore(bad).violations[0]!.trace.steps.length).toBe(40002);
  });
});

describe("generated code", () => {
  it("contains nothing a model author wrote, however hostile the names and strings", () => {
    const hostile = `
type Evil = {constructor, __proto__, toString, eval, require}
var hasOwnProperty: set<Evil> = {}
mutex prototype
refcount process_exit = 1
const valueOf: bool = true
proc Function(x: Evil) { hasOwnProperty := hasOwnProperty + {x} }
process globalThis {
  lock prototype
  call Function(__proto__)
  assert hasOwnProperty != {} : "*/ ); process.exit(7); /* \\u2028 \\" '\`\${x}"
  unlock prototype
  put process_exit
}
process module { lock prototype; call Function(eval); unlock prototype }
`;
    const m = lower(hostile);
    const mod = compileModule(m, computePackedLayout(m), { disabled: new Set(), lockOrder: true, cacheDir: false });
    for (const word of ["constructor", "__proto__", "toString", "eval(", "require(", "hasOwnProperty", "prototype", "process.exit", "globalThis", "valueOf", "Function(x"]) {
      expect(mod.js).not.toContain(word);
    }
    const r = both(m, { all: true });
    expect(r.compiled).toEqual(r.interp);
    expect(r.interp.violations).toEqual([]);
  });

  it("is cached on disk: the second build is a cache hit", () => {
    const m = lowerFile("models/kvm/vfio.knot");
    const dir = mkdtempSync(join(tmpdir(), "knot-cache-hit-"));
    madeDirs.push(dir);
    const layout = computePackedLayout(m);
    expect(compileModule(m, layout, { disabled: new Set(), lockOrder: true, cacheDir: dir, version: "t" }).source).toBe("generated");
    expect(compileModule(m, layout, { disabled: new Set(), lockOrder: true, cacheDir: dir, version: "t" }).source).toBe("cache");
    // the key covers what shapes the code
    expect(compileModule(m, layout, { disabled: new Set(["lock-order"]), lockOrder: false, cacheDir: dir, version: "t" }).source).toBe("generated");
  });

  it("uses a cached module only for the layout it was built for", () => {
    // `knot compile --emit js` packs every slot; a search leaves out the slots that keep their
    // start-up value: the same model and options, but code for another layout
    const m = lower("var k: 0..7 = 3\nvar x: 0..7\nprocess p { x := k; x := 0 }\n"); // k is never written: no bits in a search
    const dir = mkdtempSync(join(tmpdir(), "knot-cache-layout-"));
    madeDirs.push(dir);
    const full = computePackedLayout(m);
    const initial = new Explorer(m, {}).layout;
    expect([...initial.bits]).not.toEqual([...full.bits]);
    const options = { disabled: new Set<ViolationKind>(), lockOrder: true, cacheDir: dir, version: "t" };
    expect(compileModule(m, full, options).source).toBe("generated");
    expect(compileModule(m, initial, options).source).toBe("generated");
    expect(compileModule(m, initial, options).source).toBe("cache");
    const r = explore(m, { all: true, compiled: compiledSearchOption(m, "compiled", { disabled: new Set(), cacheDir: dir, version: "t" }) });
    expect(r.stats).toMatchObject({ engine: "compiled", complete: true });
  });
});
