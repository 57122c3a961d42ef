// The explored state graph as DOT (Graphviz) or JSON: every state labelled with
// its decoded values (names, not slots), every edge with the thread and the
// statement that fired; initial and violating states marked.
import { type Model, decodeShared, decodeThreads } from "@knot/ir";

export interface GraphEdge {
  from: number;
  to: number;
  thread: number;
  step: number;
}

export interface StateGraph {
  model: Model;
  states: Int32Array[];
  edges: GraphEdge[];
  initial: number[];
  /** State index -> violation kinds found there (deadlocks, invariants, or a failing step from it). */
  violations: Map<number, string[]>;
}

function stateView(g: StateGraph, i: number) {
  const s = g.states[i]!;
  return {
    id: i,
    initial: g.initial.includes(i) || undefined,
    violations: g.violations.get(i),
    shared: decodeShared(g.model, s),
    threads: decodeThreads(g.model, s),
  };
}

export function renderGraphJson(g: StateGraph): string {
  return JSON.stringify({
    model: g.model.file,
    states: g.states.map((_, i) => stateView(g, i)),
    edges: g.edges.map((e) => {
      const st = g.model.steps[e.step]!;
      return { from: e.from, to: e.to, thread: g.model.threads[e.thread]!.name, statement: st.label, at: st.at, choice: st.choice };
    }),
  }, null, 2) + "\n";
}

function dotEscape(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\l");
}

export function renderGraphDot(g: StateGraph): string {
  const out: string[] = [];
  out.push(`digraph "${dotEscape(g.model.file)}" {`);
  out.push('  node [shape=box, fontname="monospace", fontsize=10];');
  out.push('  edge [fontname="monospace", fontsize=9];');
  g.states.forEach((_, i) => {
    const v = stateView(g, i);
    const lines = [
      `#${i}${v.initial ? " (initial)" : ""}${v.violations ? ` VIOLATION: ${v.violations.join(", ")}` : ""}`,
      ...v.shared.map((x) => `${x.name} = ${x.value}`),
      ...v.threads.map((t) => `${t.thread}: ${t.at}${t.locals.length ? ` [${t.locals.map((l) => `${l.name}=${l.value}`).join(", ")}]` : ""}`),
    ];
    const attrs = [`label="${dotEscape(lines.join("\n") + "\n")}"`];
    if (v.initial) attrs.push("penwidth=2");
    if (v.violations) attrs.push('color=red, fontcolor=red, penwidth=2');
    out.push(`  s${i} [${attrs.join(", ")}];`);
  });
  for (const e of g.edges) {
    const st = g.model.steps[e.step]!;
    const label = `${g.model.threads[e.thread]!.name}: ${st.label}${st.choice ? ` (${st.choice})` : ""}`;
    out.push(`  s${e.from} -> s${e.to} [label="${dotEscape(label)}"];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}
