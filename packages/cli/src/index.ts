// @knot/cli: the command line (exposed for tests).
export { main } from "./cli.js";
export * from "./exit-codes.js";
export * from "./io.js";
