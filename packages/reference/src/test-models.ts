// Test support: compile a model of the repository (paths relative to the
// repository root, as knot check prints them) or an inline model, and wrap it
// in a Reference; plus a shortest counterexample found by our own BFS, in the
// NamedTrace format that replay takes.
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { type CheckedModel, type FileHost, type Override, compileModel, nodeHost } from "@knot/lang";
import { type NamedTrace, type Reference, type RState, type StateViolation, type Transition, createReference, stateKey } from "./index.js";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const repoHost: FileHost = {
  readFile: (p) => nodeHost.readFile(nodePath.isAbsolute(p) ? p : nodePath.join(REPO_ROOT, p)),
  identity: (p) => nodeHost.identity(nodePath.isAbsolute(p) ? p : nodePath.join(REPO_ROOT, p)),
};

function overrides(set: readonly string[]): Override[] {
  return set.map((s) => {
    const i = s.indexOf("=");
    return { name: s.slice(0, i), text: s.slice(i + 1) };
  });
}

export function compileRepoModel(path: string, set: readonly string[] = []): CheckedModel {
  const r = compileModel(path, { overrides: overrides(set), host: repoHost });
  if (!r.model) throw new Error(`${path}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.model;
}

export function repoModel(path: string, set: readonly string[] = [], disabled: readonly string[] = []): Reference {
  return createReference(compileRepoModel(path, set), { disabled: new Set(disabled) });
}

/** An inline model (its file is named `t.knot` in locations). */
export function inlineModel(text: string, disabled: readonly string[] = [], set: readonly string[] = []): Reference {
  const r = compileModel("t.knot", { text, overrides: overrides(set), host: repoHost });
  if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return createReference(r.model, { disabled: new Set(disabled) });
}

/** Follow the only (or the first) successor of a thread, given by name. */
export function stepThread(ref: Reference, s: RState, thread: string, which = 0): Transition {
  const t = ref.threadNames.indexOf(thread);
  const moves = ref.successors(s, t);
  if (!moves[which]) throw new Error(`${thread} has no step ${which}`);
  return moves[which];
}

/** The shortest path (BFS) to the first violation, as a NamedTrace, or undefined when there is none. */
export function firstCounterexample(ref: Reference): NamedTrace | undefined {
  const init = ref.initial();
  const parent = new Map<RState, { from: RState; t: Transition }>();
  const seen = new Set([stateKey(init)]);
  const queue = [init];
  const toTrace = (end: RState, last: Transition | undefined, violation: { kind: string; property?: string }): NamedTrace => {
    const chain: { from: RState; t: Transition }[] = [];
    for (let s = end; parent.has(s);) {
      const p = parent.get(s)!;
      chain.unshift(p);
      s = p.from;
    }
    const steps = chain.map(({ t }) => ({ thread: t.thread.name, at: t.at, choice: t.choice, after: ref.name(t.next!) }));
    if (last) steps.push({ thread: last.thread.name, at: last.at, choice: last.choice, after: ref.name(end), failed: { kind: last.violation!.kind } } as never);
    return { initial: ref.name(init), steps, violation };
  };
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i]!;
    const inv = ref.stateViolations(s).filter((v) => v.kind === "invariant" || v.property !== undefined);
    if (inv.length) return toTrace(s, undefined, { kind: inv[0]!.kind, property: inv[0]!.property });
    for (const t of ref.successors(s)) {
      if (t.violation) return toTrace(s, t, { kind: t.violation.kind });
      const k = stateKey(t.next!);
      if (seen.has(k)) continue;
      seen.add(k);
      parent.set(t.next!, { from: s, t });
      queue.push(t.next!);
    }
    const rest: StateViolation[] = ref.stateViolations(s);
    if (rest.length) return toTrace(s, undefined, { kind: rest[0]!.kind, property: rest[0]!.property });
  }
  return undefined;
}
