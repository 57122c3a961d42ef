// Agreement of the compiled engine with the IR interpreter, for tests of one op family at a
// time (workqueue.test.ts, rcu-callback.test.ts): a model explored by the interpreter and by
// compiled code of both shapes (per thread, and per process) must give the same states,
// transitions, violations (kind, message, trace) and lock-order warnings, and the compiled
// code must agree with the interpreter expansion by expansion.
import { expect } from "vitest";
import type { Model, ViolationKind } from "@knot/ir";
import { generateSource } from "./codegen.js";
import { compileModule, compiledSearchOption, instantiate } from "./compiled.js";
import { type SearchOptions, explore } from "./explore.js";
import { InterpretedGenerator, type SuccessorGenerator } from "./generator.js";
import { ModelCompiler } from "./interpret.js";
import { LockOrderGraph, lockClasses } from "./lock-order.js";
import type { PackedLayout } from "./packing.js";
import { engineSummary as summary } from "./test-pipeline.js";

export type Summary = ReturnType<typeof summary>;

function edges(g: LockOrderGraph): string[] {
  return g.edgeKeys().sort();
}

/**
 * Compiled code (of one shape) checked step by step against the interpreter: every expansion
 * of a thread in a state must give the same successors, step ids, violating step and wait
 * (info[1]: a lock, WAIT_OTHER or WAIT_COMPLEX), and the search the same lock-order edges.
 */
function lockStep(m: Model, disabled: ReadonlySet<ViolationKind>, shape: "thread" | "process") {
  let graphs: { compiled: LockOrderGraph; interp: LockOrderGraph } | undefined;
  let expansions = 0;
  const create = (layout: PackedLayout, lockOrder: LockOrderGraph | undefined): SuccessorGenerator => {
    const o = { disabled, lockOrder: lockOrder !== undefined, cacheDir: false as const };
    const compiled = instantiate(m, layout, compileModule(m, layout, o, generateSource(m, layout, { ...o, shape })), o, lockOrder);
    const ig = lockOrder ? new LockOrderGraph() : undefined;
    if (lockOrder && ig) graphs = { compiled: lockOrder, interp: ig };
    const steps = new ModelCompiler(m, { disabled, onAcquire: ig ? (held, slot, _c, subclass, nest) => ig.acquire(held, slot, held.length, subclass, nest) : undefined }).compile();
    if (ig) {
      const classes = lockClasses(steps);
      ig.classOf = (slot) => classes.of(slot);
    }
    const ctxs = m.threads.map((t) => ({ tid: t.id, owner: t.id + 1, bit: 1 << t.id, base: t.localBase, instance: t.instance, bound: [] }));
    const interp = new InterpretedGenerator(m, layout, steps, ctxs, ig);
    return {
      kind: "compiled",
      prepare: (s) => interp.prepare(s),
      expand: (s, t, idx, out, outStep, info, first) => {
        const out2 = new Int32Array(out.length);
        const step2 = new Int32Array(outStep.length);
        const info2 = new Int32Array(info.length);
        const n2 = interp.expand(s, t, idx, out2, step2, info2, first);
        const n = compiled.expand(s, t, idx, out, outStep, info, first);
        expansions++;
        const view = (k: number, o: Int32Array, st: Int32Array, inf: Int32Array) => ({
          thread: m.threads[t]!.name, state: [...s], first, successors: [...o.slice(0, k * layout.words)], steps: [...st.slice(0, k)],
          violating: inf[0], at: inf[0]! >= 0 ? inf[2] : undefined, wait: k === 0 && inf[0]! < 0 ? inf[1] : undefined,
        });
        expect(view(n, out, outStep, info)).toEqual(view(n2, out2, step2, info2));
        return n;
      },
    };
  };
  return { create, check: () => {
    expect(expansions).toBeGreaterThan(0);
    if (graphs) expect(edges(graphs.compiled)).toEqual(edges(graphs.interp));
  } };
}

/** Explore in the interpreter and in compiled code of both shapes; they must agree. Returns the interpreter's summary. */
export function agree(m: Model, cacheDir: string, options: SearchOptions = {}): Summary {
  const disabled = options.disabled ?? new Set<ViolationKind>();
  const interp = summary(explore(m, options), m);
  const perThread = explore(m, { ...options, compiled: compiledSearchOption(m, "compiled", { disabled, cacheDir }) });
  expect(perThread.stats.engine).toBe("compiled");
  expect(summary(perThread, m)).toEqual(interp);
  for (const shape of ["thread", "process"] as const) {
    const step = lockStep(m, disabled, shape);
    const r = explore(m, { ...options, compiled: { create: step.create } });
    expect(r.stats.engine).toBe("compiled");
    expect(summary(r, m)).toEqual(interp);
    step.check();
  }
  return interp;
}

