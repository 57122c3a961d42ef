// @knot/lang: text -> syntax tree -> checked model, with diagnostics as data.
export * from "./source.js";
export * from "./diagnostics.js";
export * from "./lexer.js";
export * from "./ast.js";
export * from "./parser.js";
export * from "./loader.js";
export * from "./types.js";
export * from "./values.js";
export * from "./symbols.js";
export * from "./const-eval.js";
export * from "./int-range.js";
export * from "./checker.js";
export * from "./front-end.js";
export * from "./spec.js";
export * from "./limits.js";
export * from "./input-file.js";
export * from "./printable.js";
