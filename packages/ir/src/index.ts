// @knot/ir: checked model -> IR (state layout, threads, locations and steps).
export * from "./model.js";
export * from "./diagnostics.js";
export * from "./lower.js";
export * from "./print.js";
export * from "./decode.js";
