// @knot/cli: the command line (exposed for tests).
export { main, run } from "./cli.js";
export * from "./exit-codes.js";
export * from "./io.js";
