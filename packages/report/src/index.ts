// @knot/report: pure renderers of diagnostics, check reports and state graphs.
export * from "./diagnostics-text.js";
export * from "./explanations.js";
export * from "./check-report.js";
export * from "./text.js";
export * from "./json.js";
export * from "./graph.js";
export * from "./junit.js";
export * from "./sarif.js";
export * from "./mermaid.js";
export * from "./compare.js";
export * from "./counterexamples.js";
export * from "./simulation.js";
export * from "./swarm.js";
