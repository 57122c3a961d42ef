// knot graph MODEL: write the explored state graph (DOT or JSON), refusing past a state cap.
import { exploreGraph } from "@knot/engine";
import { renderGraphDot, renderGraphJson } from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { loadStages, parseSettings } from "../stages.js";

export interface GraphArgs {
  model: string;
  set: string[];
  format: "dot" | "json";
  maxStates: number;
}

export function runGraph(io: Io, args: GraphArgs): number {
  const settings = parseSettings(io, args.set);
  if (!settings.ok) return settings.exit;
  const loaded = loadStages(io, { path: args.model, overrides: settings.value });
  if (!loaded.ok) return loaded.exit;
  const g = exploreGraph(loaded.value.model, { maxStates: args.maxStates });
  if (g.truncated) {
    io.err(`knot: error[K9003]: the state graph of ${args.model} has more than ${args.maxStates} states; a drawing that large is not useful. ` +
      `Shrink the model (smaller constants, fewer threads) or raise the cap with --max-states.\n`);
    return ExitCode.Incomplete;
  }
  const graph = { model: loaded.value.model, states: g.states, edges: g.edges, initial: g.initial, violations: g.violations };
  io.out(args.format === "json" ? renderGraphJson(graph) : renderGraphDot(graph));
  return ExitCode.Pass;
}
