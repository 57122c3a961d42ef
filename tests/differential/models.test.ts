// Differential test over the model library: every .knot file under models/ and
// docs/examples/ (walked, not listed; files that declare no process exist only
// to be imported and are skipped), under each setting of its constants worth
// checking, is explored by the engine and by the reference, live, and the two
// must agree exactly (run-both.ts: states, transitions, depth, completion, the
// first violation's kind and property, the kinds under --all, and the
// lock-order cycles). Settings: every value of each bool or enumeration
// constant (all combinations when there are few), and small values of each
// integer constant (a size such as N or NR_VCPUS); a setting that does not
// compile is skipped, and so is one whose state space has more than BUDGET
// states (the engine tells, before the slow reference runs). Checks are also
// switched off: each docs/examples/checks/KIND.knot with --no-KIND, and every
// setting that finds violations once more with each kind it found switched
// off, and with all of them switched off (and, where switching one off finds
// something new, such as stuck for lock-cycle, that too). The benchmark models
// (models/bench/, one protocol at growing sizes) run only at their own size.
// KNOT_DIFF_VERBOSE=1 prints each run with its state counts.
import { readdirSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckedModel, ConstSymbol } from "@knot/lang";
import { SWITCHABLE_CHECKS } from "@knot/ir";
import { REPO_ROOT, compileRepo, differences, lowerOrThrow, renderDiagnostics, runEngine, runReference } from "./run-both.js";

/** Largest state space (under --all) compared; larger settings are skipped. */
const BUDGET = 6000;
/** Models whose smallest setting is larger: their own budget, so that they are compared at all. */
const BUDGET_OF: Record<string, number> = { "models/kvm/devices.knot": 10000 };

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(nodePath.join(REPO_ROOT, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(nodePath.join(REPO_ROOT, rel)).isDirectory()) out.push(...walk(rel));
    else if (name.endsWith(".knot")) out.push(rel);
  }
  return out;
}

const FILES = [...walk("models"), ...walk("docs/examples")];

/** Constants that state a fact of the model rather than a knob (models/kvm/core.knot: the VM's starting references). */
const NOT_VARIED = new Set(["KVM_USERS"]);

/** The values worth trying for one constant (as `--set` texts), or undefined when it is not a flag or a size. */
function candidates(c: ConstSymbol): { kind: "flag" | "size"; values: string[]; current: string } | undefined {
  if (NOT_VARIED.has(c.name)) return undefined;
  const t = c.type;
  const v = c.value as number;
  if (t.kind === "bool") return { kind: "flag", values: ["false", "true"], current: v ? "true" : "false" };
  if (t.kind === "enum" && t.members.length <= 4) return { kind: "flag", values: [...t.members], current: t.members[v]! };
  if (t.kind === "int") {
    const lo = Number.isFinite(t.lo) ? t.lo : 1;
    const hi = Number.isFinite(t.hi) ? t.hi : Math.max(3, v);
    if (!Number.isFinite(t.lo) && !(v >= 1 && v <= 8)) return undefined; // an untyped integer that does not look like a size
    const values = [...new Set([lo, lo + 1, lo + 2, v].filter((x) => x >= lo && x <= hi))].sort((a, b) => a - b).map(String);
    return { kind: "size", values, current: String(v) };
  }
  return undefined;
}

/** Combinations of settings: all of them when there are at most `cap`, else the defaults and each constant varied alone. */
function combine(consts: { name: string; values: string[]; current: string }[], cap: number): string[][] {
  const total = consts.reduce((n, c) => n * c.values.length, 1);
  if (total <= cap) {
    let out: string[][] = [[]];
    for (const c of consts) out = out.flatMap((prefix) => c.values.map((v) => (v === c.current ? prefix : [...prefix, `${c.name}=${v}`])));
    return out;
  }
  const out: string[][] = [[]];
  for (const c of consts) for (const v of c.values) if (v !== c.current) out.push([`${c.name}=${v}`]);
  return out;
}

function settingsOf(model: CheckedModel): string[][] {
  const consts = model.consts.flatMap((c) => {
    const cand = candidates(c);
    return cand ? [{ name: c.name, ...cand }] : [];
  });
  const sizes = combine(consts.filter((c) => c.kind === "size"), 8);
  const flags = combine(consts.filter((c) => c.kind === "flag"), 8);
  return sizes.flatMap((s) => flags.map((f) => [...s, ...f]));
}

const stats = { files: 0, libraries: 0, settings: 0, compared: 0, disabledRuns: 0, skippedLarge: 0, skippedNoCompile: 0, withViolations: 0 };

function label(file: string, set: readonly string[], disabled: readonly string[]): string {
  return [file, ...set.map((s) => `--set ${s}`), ...disabled.map((d) => `--no-${d}`)].join(" ");
}

describe("engine and reference agree on every model of the library", () => {
  afterAll(() => {
    console.log(
      `differential (library): ${stats.files} model files (${stats.libraries} import-only files skipped), ${stats.settings} settings; ` +
      `${stats.compared} runs compared (${stats.disabledRuns} with checks switched off), ${stats.withViolations} with violations; ` +
      `skipped: ${stats.skippedLarge} over ${BUDGET} states, ${stats.skippedNoCompile} settings that do not compile`,
    );
  });

  it("finds the models", () => {
    expect(FILES.length).toBeGreaterThan(30);
  });

  for (const file of FILES) {
    it(file, () => {
      const base = compileRepo(file);
      if (!base.model) {
        // a file that only exists to be imported declares no process
        if (base.diagnostics.some((d) => d.code === "K3006")) {
          stats.libraries++;
          return;
        }
        throw new Error(`${file} does not compile:\n${renderDiagnostics(base.diagnostics)}`);
      }
      stats.files++;
      const failures: string[] = [];
      let compared = 0;
      // the benchmark models are one protocol at growing sizes: each only at its own size
      const bench = file.startsWith("models/bench/");
      const runs: { set: string[]; disabled: string[]; parentFound: string[] }[] = (bench ? [[]] : settingsOf(base.model)).map((set) => ({ set, disabled: [], parentFound: [] }));
      const kind = nodePath.basename(file, ".knot");
      if (file.startsWith("docs/examples/checks/") && (SWITCHABLE_CHECKS as readonly string[]).includes(kind)) runs.push({ set: [], disabled: [kind], parentFound: [] });
      const done = new Set<string>();
      for (let i = 0; i < runs.length; i++) {
        const { set, disabled, parentFound } = runs[i]!;
        const key = label(file, set, [...disabled].sort());
        if (done.has(key)) continue;
        done.add(key);
        if (disabled.length === 0) stats.settings++;
        const compiled = set.length ? compileRepo(file, set) : base;
        if (!compiled.model) {
          stats.skippedNoCompile++;
          continue;
        }
        const ir = lowerOrThrow(compiled.model);
        const engineAll = runEngine(ir, true, { disabled, maxStates: BUDGET_OF[file] ?? BUDGET });
        if (!engineAll.complete) {
          stats.skippedLarge++;
          continue;
        }
        const engineFirst = runEngine(ir, false, { disabled });
        const t0 = performance.now();
        const reference = runReference(compiled.model, { disabled });
        if (process.env.KNOT_DIFF_VERBOSE) console.log(`${key}: ${engineFirst.states}/${engineAll.states} states, reference ${Math.round(performance.now() - t0)} ms`);
        const diffs = differences({ engine: { first: engineFirst, all: engineAll }, reference });
        for (const d of diffs) failures.push(`${key}: ${d}`);
        compared++;
        stats.compared++;
        if (disabled.length) stats.disabledRuns++;
        const found = [...new Set(engineAll.kinds)].filter((k) => (SWITCHABLE_CHECKS as readonly string[]).includes(k));
        if (found.length) stats.withViolations++;
        // the same setting with what it found switched off: each kind alone, all of them at once,
        // and once more with what switching one off finds instead (lock-cycle -> stuck)
        if (!bench && disabled.length === 0) {
          for (const k of found) runs.push({ set, disabled: [k], parentFound: found });
          if (found.length > 1) runs.push({ set, disabled: found, parentFound: found });
        } else if (!bench && disabled.length === 1) {
          for (const k of found.filter((x) => !parentFound.includes(x))) runs.push({ set, disabled: [...disabled, k], parentFound: found });
        }
      }
      expect(failures).toEqual([]);
      if (!bench) expect(compared).toBeGreaterThan(0);
    }, 300_000);
  }
});
