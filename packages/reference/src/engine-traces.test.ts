// The engine's counterexamples (recorded in test-engine-traces.ts) replayed on
// the reference: same initial shared state, every step a possible step of its
// thread at the same statement (with the same choice), the same changes,
// the same violation at the end, and the threads where the engine says they are.
import { describe, expect, it } from "vitest";
import { ENGINE_TRACES, type EngineTrace } from "./test-engine-traces.js";
import { repoModel } from "./test-models.js";
import type { RState, Transition } from "./index.js";

function label(t: EngineTrace): string {
  return [t.model, ...t.set, ...t.disabled.map((d) => `--no-${d}`)].join(" ");
}

function sameAt(a: { file: string; line: number; col: number }, b: { file: string; line: number; col: number }): boolean {
  return a.file === b.file && a.line === b.line && a.col === b.col;
}

describe("the engine's counterexamples replay on the reference", () => {
  for (const trace of ENGINE_TRACES) {
    it(`${label(trace)}: ${trace.violation.kind}`, () => {
      const ref = repoModel(trace.model, trace.set, trace.disabled);
      let s: RState = ref.initial();
      expect(Object.entries(ref.name(s).shared).map(([name, value]) => ({ name, value }))).toEqual(trace.initial);
      trace.steps.forEach((step, i) => {
        const t = ref.threadNames.indexOf(step.thread);
        const here = ref.successors(s, t).filter((m) => sameAt(m.at, step.at) && (step.choice === undefined || m.choice === step.choice));
        expect(here.length, `step ${i + 1}: ${step.thread} ${step.statement}`).toBeGreaterThan(0);
        const m = here[0] as Transition;
        expect(m.label).toBe(step.statement);
        if (step.failed) {
          expect(i).toBe(trace.steps.length - 1);
          expect(m.violation?.kind).toBe(trace.violation.kind);
          return;
        }
        expect(m.next, `step ${i + 1} is enabled`).toBeDefined();
        expect(m.changes, `changes of step ${i + 1}`).toEqual(step.changes);
        s = m.next!;
      });
      const last = trace.steps[trace.steps.length - 1];
      if (!last?.failed) {
        const found = ref.stateViolations(s).filter((v) => v.kind === trace.violation.kind);
        expect(found.length).toBeGreaterThan(0);
        if (trace.violation.property) expect(found.map((v) => v.property)).toContain(trace.violation.property);
        const named = ref.name(s).threads;
        for (const f of trace.final) {
          const at = f.at === "finished" ? "finished" : f.at.replace(/^.* \((.*)\)$/, "$1");
          expect(named[f.thread], `${f.thread} at the end`).toBe(at);
        }
      }
    });
  }
});
