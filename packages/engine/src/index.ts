// @knot/engine: explores an IR model's state graph and finds violations.
export * from "./interpret.js";
export * from "./state-store.js";
export * from "./frontier.js";
export * from "./trace-store.js";
export * from "./explore.js";
export * from "./graph.js";
export * from "./lock-order.js";
export * from "./packing.js";
export * from "./generator.js";
export * from "./codegen.js";
export * from "./code-cache.js";
export * from "./compiled.js";
export * from "./code-size.js";
export * from "./promela.js";
export * from "./symmetry.js";
