// knot check MODEL: explore every interleaving and report violations.
import { SWITCHABLE_CHECKS, type ViolationKind } from "@knot/ir";
import { MAX_EXACT_STATES, exploreAsync } from "@knot/engine";
import { renderCheckJson, renderCheckMermaid, renderCheckText } from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { type Interrupt, interruptExitCode, withInterrupts } from "../interrupt.js";
import { progressReporter } from "../progress.js";
import { loadStages, parseSettings, reportStage } from "../stages.js";
import { type EngineArgs, engineSearchOptions, openRunCache } from "../engine-options.js";
import { KNOT_VERSION } from "../version.js";

export interface CheckArgs {
  model: string;
  set: string[];
  search: "bfs" | "dfs";
  maxStates?: number;
  timeLimit?: number;
  all: boolean;
  format: "text" | "json" | "mermaid";
  /** Checks switched off with --no-CHECK. */
  disabled: ViolationKind[];
  /** Lock-order warnings are violations. */
  strict?: boolean;
  /** The lock-order analysis by class (default) or by instance. */
  lockOrder?: "class" | "instance";
  engine?: EngineArgs;
  /** Use the compile cache (false: --no-cache); default true. */
  cache?: boolean;
  /** Use the model's symmetric types (default true; --symmetry off). */
  symmetry?: boolean;
  /** Member `member` of a swarm of `members` searches with this seed (docs/cli.md, "Swarm"). */
  swarm?: { member: number; members: number; seed: number };
}

/**
 * The thread-order seed of swarm member `member`: member 0 searches in the plain order, the
 * others in orders drawn from the swarm's seed and their number.
 */
export function swarmShuffle(swarm: { member: number; seed: number }): number | undefined {
  if (swarm.member === 0) return undefined;
  return (Math.imul(swarm.seed ^ 0x5bd1e995, 0x01000193) + Math.imul(swarm.member, 0x9e3779b1)) | 0;
}

export const CHECK_NAMES = SWITCHABLE_CHECKS;

export function runCheck(io: Io, args: CheckArgs): Promise<number> {
  return withInterrupts((interrupt) => checkWith(io, args, interrupt));
}

async function checkWith(io: Io, args: CheckArgs, interrupt: Interrupt): Promise<number> {
  const settings = parseSettings(io, args.set);
  if (!settings.ok) return settings.exit;
  const loaded = loadStages(io, { path: args.model, overrides: settings.value }, args.format === "json" ? "json" : "text");
  if (!loaded.ok) return loaded.exit;
  const model = loaded.value.model;
  const progress = progressReporter(io);
  const disabled = new Set(args.disabled);
  const engine = args.engine ?? {};
  const cache = engine.engine === "interp" ? false : openRunCache(io, args.cache ?? true);
  const result = await exploreAsync(model, {
    ...engineSearchOptions(model, disabled, { ...engine, cache }, (note) => io.err(`knot: note: ${note}
`)),
    search: args.search,
    maxStates: args.maxStates,
    timeLimit: args.timeLimit,
    all: args.all,
    lockOrder: args.lockOrder,
    symmetry: args.symmetry ?? true,
    disabled,
    onProgress: progress.onProgress,
    progressEvery: 500,
    signal: interrupt,
    ...(args.swarm ? { shuffle: swarmShuffle(args.swarm) } : {}),
  });
  progress.done();
  const stopped = result.stats.stoppedBy;
  const limit = stopped === "max-states" ? (args.maxStates !== undefined && (args.maxStates <= MAX_EXACT_STATES || args.engine?.store === "fingerprint") ? `--max-states ${args.maxStates}` : `of the exact store (${MAX_EXACT_STATES} states; --store fingerprint holds more)`) : stopped === "time-limit" ? `--time-limit ${args.timeLimit}` : stopped === "max-memory" ? "--max-memory" : stopped === "interrupted" ? interrupt.signal : undefined;
  const report = reportStage(loaded.value.checked, model, result, disabled, { search: args.search, version: KNOT_VERSION, limit, strict: args.strict, ...(args.swarm ? { swarm: args.swarm } : {}) });
  io.out(args.format === "json" ? renderCheckJson(report) : args.format === "mermaid" ? renderCheckMermaid(report) : renderCheckText(report));
  if (interrupt.signal) return interruptExitCode(interrupt.signal);
  // an exhausted object pool is a mistake in the model (its bound), not a finding
  if (report.violations.some((v) => v.kind === "pool-exhausted")) return ExitCode.UsageOrModelError;
  if (report.verdict === "violation") return ExitCode.Violation;
  if (report.verdict === "incomplete") return ExitCode.Incomplete;
  return ExitCode.Pass;
}
