// knot compare: what a change does to a protocol. Checks a base and a head --
// one model under two sets of constants (--base/--head NAME=VALUE), or two model
// files -- each over its whole state space with every distinct violation and the
// lock-order analysis, and prints the violations and warnings the head fixes,
// introduces or leaves. Exit 1 when the head introduces a violation (with
// --strict, also a lock-order warning) the completely explored base does not
// have; 3 when a limit stopped either side and nothing was proven introduced;
// 2 for usage and model errors (including an exhausted object pool); else 0.
import type { Override } from "@knot/lang";
import type { ViolationKind } from "@knot/ir";
import { exploreAsync } from "@knot/engine";
import { type EngineArgs, engineSearchOptions, openRunCache } from "../engine-options.js";
import { type CheckReport, compareReports, renderCompareJson, renderCompareText, statisticsText } from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import { type Io, captureIo } from "../io.js";
import { type Interrupt, interruptExitCode, withInterrupts } from "../interrupt.js";
import { progressReporter } from "../progress.js";
import { loadStages, parseSettings, reportStage } from "../stages.js";
import { KNOT_VERSION } from "../version.js";

export interface CompareArgs {
  /** One model (base and head differ by --base/--head), or the base and head model files. */
  models: string[];
  base: string[];
  head: string[];
  /** Settings for both sides. */
  set: string[];
  maxStates?: number;
  timeLimit?: number;
  format: "text" | "json";
  strict: boolean;
  /** The lock-order analysis by class (default) or by instance. */
  lockOrder?: "class" | "instance";
  /** Use the models' symmetric types (default true). */
  symmetry?: boolean;
  /** Use the compile cache (false: --no-cache); default true. */
  cache?: boolean;
}

interface SideInput {
  name: "base" | "head";
  model: string;
  /** The side's settings as given, for messages. */
  given: string[];
  overrides: Override[];
}

function usage(io: Io, code: string, message: string): number {
  io.err(`knot: error[${code}]: ${message}\nRun 'knot compare --help' for usage.\n`);
  return ExitCode.UsageOrModelError;
}

/** --set for both sides, then the side's own settings, which win for the same name. */
function sideOverrides(io: Io, common: string[], own: string[]): Override[] | undefined {
  const a = parseSettings(io, common);
  const b = parseSettings(io, own);
  if (!a.ok || !b.ok) return undefined;
  const mine = new Set(b.value.map((o) => o.name));
  return [...a.value.filter((o) => !mine.has(o.name)), ...b.value];
}

/** Check one side; undefined when it does not compile (diagnostics printed, introduced by which side it is). */
async function checkSide(io: Io, input: SideInput, args: CompareArgs, engine: EngineArgs, interrupt: Interrupt): Promise<CheckReport | undefined> {
  const buffered = captureIo();
  const loaded = loadStages(buffered, { path: input.model, overrides: input.overrides }, args.format);
  if (!loaded.ok) {
    const settings = input.given.length ? ` (--${input.name} ${input.given.join(` --${input.name} `)})` : "";
    if (args.format === "json" && buffered.stdout.trim().startsWith("{")) {
      const doc = JSON.parse(buffered.stdout) as Record<string, unknown>;
      io.out(JSON.stringify({ verdict: doc.verdict, side: input.name, diagnostics: doc.diagnostics }, null, 2) + "\n");
    } else io.err(`knot: the ${input.name}, ${input.model}${settings}, does not compile:\n`);
    io.err(buffered.stderr);
    return undefined;
  }
  io.err(buffered.stderr); // warnings
  const progress = progressReporter(io);
  const disabled = new Set<ViolationKind>();
  const result = await exploreAsync(loaded.value.model, {
    ...engineSearchOptions(loaded.value.model, disabled, engine), all: true, maxStates: args.maxStates, timeLimit: args.timeLimit, lockOrder: args.lockOrder, symmetry: args.symmetry ?? true,
    onProgress: progress.onProgress, progressEvery: 500, signal: interrupt,
  });
  progress.done();
  const stopped = result.stats.stoppedBy;
  const limit = stopped === "max-states" ? `--max-states ${args.maxStates}` : stopped === "time-limit" ? `--time-limit ${args.timeLimit}` : stopped === "interrupted" ? interrupt.signal : undefined;
  return reportStage(loaded.value.checked, loaded.value.model, result, disabled, { search: "bfs", version: KNOT_VERSION, limit });
}

/** What an interrupted compare prints: the figures of the sides searched so far; nothing is compared. */
function interruptedReport(io: Io, args: CompareArgs, reports: readonly CheckReport[], signal: string): void {
  const names = ["base", "head"] as const;
  const during = names[reports.length - 1] ?? "base";
  if (args.format === "json") {
    const sides = Object.fromEntries(reports.map((r, i) => [names[i], { verdict: r.verdict, statistics: r.statistics }]));
    io.out(JSON.stringify({ knot: KNOT_VERSION, verdict: "interrupted", signal, during, sides }, null, 2) + "\n");
    return;
  }
  const lines = [`interrupted: knot compare was stopped by ${signal} during the ${during} search; nothing was compared`];
  reports.forEach((r, i) => lines.push(`  ${names[i]}: ${r.verdict === "violation" ? `${r.violations.length} violation${r.violations.length === 1 ? "" : "s"} so far, ` : ""}${statisticsText(r)}`));
  io.out(lines.join("\n") + "\n");
}

export function runCompare(io: Io, args: CompareArgs): Promise<number> {
  return withInterrupts((interrupt) => compareWith(io, args, interrupt));
}

async function compareWith(io: Io, args: CompareArgs, interrupt: Interrupt): Promise<number> {
  if (args.models.length < 1 || args.models.length > 2) {
    return usage(io, "K9020", `knot compare takes one model (with --base and --head settings) or two model files (base and head), got ${args.models.length}`);
  }
  if (args.models.length === 1 && args.base.length === 0 && args.head.length === 0) {
    return usage(io, "K9021", `nothing to compare: give the settings of each side (--base NAME=VALUE, --head NAME=VALUE) or two model files`);
  }
  const sides: SideInput[] = [];
  for (const [name, given] of [["base", args.base], ["head", args.head]] as const) {
    const overrides = sideOverrides(io, args.set, given);
    if (!overrides) return ExitCode.UsageOrModelError;
    sides.push({ name, model: args.models[name === "base" ? 0 : args.models.length - 1]!, given, overrides });
  }
  const reports: CheckReport[] = [];
  const engine: EngineArgs = { cache: openRunCache(io, args.cache ?? true) };
  for (const s of sides) {
    const r = await checkSide(io, s, args, engine, interrupt);
    if (!r) return interrupt.signal ? interruptExitCode(interrupt.signal) : ExitCode.UsageOrModelError;
    reports.push(r);
    if (interrupt.signal) {
      interruptedReport(io, args, reports, interrupt.signal);
      return interruptExitCode(interrupt.signal);
    }
  }
  const comparison = compareReports(reports[0]!, reports[1]!, { version: KNOT_VERSION, strict: args.strict });
  io.out(args.format === "json" ? renderCompareJson(comparison) : renderCompareText(comparison));
  // an exhausted object pool is a mistake in the model (its bound), not a finding
  if (reports.some((r) => r.violations.some((v) => v.kind === "pool-exhausted"))) return ExitCode.UsageOrModelError;
  if (comparison.verdict === "regression") return ExitCode.Violation;
  if (comparison.verdict === "incomplete") return ExitCode.Incomplete;
  return ExitCode.Pass;
}
