// Differential harness: runs one checked model through the engine (lowerModel
// from @knot/ir, then the interpreted explore of @knot/engine) and through the
// reference (@knot/reference), each once stopping at the first violation and
// once with `all`, and lists every difference in what the two must agree on:
// states, transitions, depth, whether the search completed, the first
// violation's kind and property, the kinds of the distinct violations under
// `all` (as a sorted list, so multiplicities count), and the lock-order cycles
// (as sets of lock names); and every counterexample of the engine must replay
// in the reference as knot check replays it. Nothing is recorded: both sides run live.
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { type CheckedModel, type Diagnostic, type FileHost, type Override, compileModel, formatLocation, nodeHost } from "@knot/lang";
import { type Model, type ViolationKind, lowerModel } from "@knot/ir";
import { type SearchResult, decideSymmetry, explore } from "@knot/engine";
import { type ExploreResult, ModelError, createReference } from "@knot/reference";
import { checkCounterexamples, renderDisagreement } from "@knot/report";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Reads paths relative to the repository root, so that locations print as `knot check` prints them from there. */
export const repoHost: FileHost = {
  readFile: (p) => nodeHost.readFile(nodePath.isAbsolute(p) ? p : nodePath.join(REPO_ROOT, p)),
  identity: (p) => nodeHost.identity(nodePath.isAbsolute(p) ? p : nodePath.join(REPO_ROOT, p)),
};

export function overridesOf(set: readonly string[]): Override[] {
  return set.map((s) => {
    const i = s.indexOf("=");
    return { name: s.slice(0, i), text: s.slice(i + 1) };
  });
}

export function renderDiagnostics(diags: readonly Diagnostic[]): string {
  return diags.map((d) => `${d.span ? `${formatLocation(d.span)}: ` : ""}${d.severity} ${d.code}: ${d.message}`).join("\n");
}

/** What one search found, in the terms both implementations share. */
export interface Summary {
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  first: { kind: string; property?: string } | null;
  /** Kinds of the distinct violations, sorted. */
  kinds: string[];
  /** Each lock-order cycle as its sorted lock names joined by `,`; sorted. */
  lockOrder: string[];
}

export interface Both {
  engine: { first: Summary; all: Summary };
  /** The engine with symmetry reduction, when the model has symmetric types it uses. */
  symmetric?: { first: Summary; all: Summary };
  reference: { first: Summary; all: Summary };
  /** The first of the engine's counterexamples (first and --all searches) that does not replay in the reference, rendered as knot reports it. */
  replay?: string;
}

export interface RunOptions {
  disabled?: readonly string[];
  /** Stop both searches after storing this many states (both count the same way). */
  maxStates?: number;
  /** The lock-order analysis by class (the default) or by instance. */
  lockOrder?: "class" | "instance";
}

const cycles = (sets: readonly (readonly string[])[]) => sets.map((locks) => [...locks].sort().join(",")).sort();

export function summarizeEngine(r: SearchResult): Summary {
  const v = r.violations[0];
  return {
    states: r.stats.states,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    complete: r.stats.complete,
    first: v ? { kind: v.kind, ...(v.property !== undefined ? { property: v.property } : {}) } : null,
    kinds: r.violations.map((x) => x.kind).sort(),
    lockOrder: cycles(r.warnings.map((w) => w.locks)),
  };
}

export function summarizeReference(r: ExploreResult): Summary {
  const v = r.firstViolation;
  return {
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    complete: r.complete,
    first: v ? { kind: v.kind, ...(v.property !== undefined ? { property: v.property } : {}) } : null,
    kinds: r.violations.map((x) => x.kind).sort(),
    lockOrder: cycles(r.lockOrder.map((c) => c.locks)),
  };
}

/** The engine side: lower (throws with the diagnostics when lowering fails) and explore, interpreted. */
export function lowerOrThrow(model: CheckedModel): Model {
  const r = lowerModel(model);
  if (!r.model) throw new LoweringFailed(r.diagnostics);
  return r.model;
}

export class LoweringFailed extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(`lowering failed:\n${renderDiagnostics(diagnostics)}`);
  }
}

export function runEngine(ir: Model, all: boolean, options: RunOptions = {}): Summary {
  return summarizeEngine(searchEngine(ir, all, options));
}

/** The engine's search; the reference is the unreduced oracle, so by default without symmetry reduction. */
function searchEngine(ir: Model, all: boolean, options: RunOptions, symmetry = false): SearchResult {
  const disabled = new Set(options.disabled ?? []) as ReadonlySet<ViolationKind>;
  return explore(ir, { all, disabled, maxStates: options.maxStates, lockOrder: options.lockOrder, symmetry });
}

/** Does the engine reduce this model by symmetry (it declares symmetric types the search can use)? */
function usesSymmetry(r: SearchResult): boolean {
  return (r.stats.symmetry?.used.length ?? 0) > 0;
}

export function runReference(model: CheckedModel, options: RunOptions = {}): { first: Summary; all: Summary } {
  const ref = createReference(model, { disabled: new Set(options.disabled ?? []) });
  const first = ref.explore({ maxStates: options.maxStates, lockOrder: options.lockOrder });
  // With no violation at all, `all` explores exactly the same way (it only changes what a violation does).
  const all = first.complete && first.violations.length === 0 ? first : ref.explore({ all: true, maxStates: options.maxStates, lockOrder: options.lockOrder });
  return { first: summarizeReference(first), all: summarizeReference(all) };
}

/** Run both sides, both modes. The reference's own model errors (ModelError) are rethrown as they are. */
export function runBoth(model: CheckedModel, ir: Model, options: RunOptions = {}): Both {
  const first = searchEngine(ir, false, options);
  const all = searchEngine(ir, true, options);
  // (a model whose symmetric types the search cannot use is not searched again)
  const symFirst = decideSymmetry(ir).used.length ? searchEngine(ir, false, options, true) : undefined;
  const symAll = symFirst && usesSymmetry(symFirst) ? searchEngine(ir, true, options, true) : undefined;
  // every counterexample replayed, as knot check does before reporting it
  let replay: string | undefined;
  for (const r of [first, all, ...(symAll ? [symFirst!, symAll] : [])]) {
    const c = checkCounterexamples(model, ir, r, new Set(options.disabled ?? []));
    if (!c.ok) {
      replay = renderDisagreement(c.disagreement);
      break;
    }
  }
  return {
    engine: { first: summarizeEngine(first), all: summarizeEngine(all) },
    ...(symAll ? { symmetric: { first: summarizeEngine(symFirst!), all: summarizeEngine(symAll) } } : {}),
    reference: runReference(model, options),
    ...(replay ? { replay } : {}),
  };
}

/** Every disagreement, as readable lines (empty when the two agree). */
export function differences(b: Both): string[] {
  const out: string[] = [];
  if (b.replay) out.push(`a counterexample does not replay:\n${b.replay}`);
  for (const mode of ["first", "all"] as const) {
    const e = b.engine[mode];
    const r = b.reference[mode];
    const fields: (keyof Summary)[] = mode === "first"
      ? ["states", "transitions", "depth", "complete", "first", "lockOrder"]
      : ["states", "transitions", "depth", "complete", "kinds", "lockOrder"];
    for (const f of fields) {
      const ev = JSON.stringify(e[f]);
      const rv = JSON.stringify(r[f]);
      if (ev !== rv) out.push(`${mode === "first" ? "first violation" : "--all"}: ${f}: engine ${ev}, reference ${rv}`);
    }
    // With symmetry the search stores fewer states and merges violations whose runs are
    // permutations of each other, but keeps every verdict, the BFS level of the first violation,
    // and the lock-order cycles (by class). A search stopped by --max-states is no verdict; the
    // first violation of a level may be another one of that level.
    const s = b.symmetric?.[mode];
    if (s && mode === "first" && e.first && s.first && !e.complete && !s.complete && e.depth !== s.depth) {
      out.push(`first violation: depth: engine ${e.depth}, with symmetry ${s.depth}`);
    }
    if (s && mode === "all" && e.complete) {
      const pairs: [string, unknown, unknown][] = [
        ["complete", e.complete, s.complete],
        ["depth", e.depth, s.depth],
        ["kinds", [...new Set(e.kinds)], [...new Set(s.kinds)]],
        ["lockOrder", e.lockOrder, s.lockOrder],
      ];
      for (const [f, ev, sv] of pairs) {
        if (JSON.stringify(ev) !== JSON.stringify(sv)) out.push(`--all: ${f}: engine ${JSON.stringify(ev)}, with symmetry ${JSON.stringify(sv)}`);
      }
    }
  }
  return out;
}

export { ModelError };

/** Compile a repository model (path relative to the repository root) with `--set` settings. */
export function compileRepo(path: string, set: readonly string[] = []): ReturnType<typeof compileModel> {
  return compileModel(path, { overrides: overridesOf(set), host: repoHost });
}
