#!/usr/bin/env node
// The knot command line: yargs parses the options and dispatches to one function
// per command (commands/*.ts); nothing else happens here. Usage errors exit 2,
// internal errors 70.
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { CHECK_NAMES, runCheck } from "./commands/check.js";
import { runCompile } from "./commands/compile.js";
import { runGraph } from "./commands/graph.js";
import { runCompare } from "./commands/compare.js";
import { runTrace } from "./commands/trace.js";
import { runMerge } from "./commands/merge.js";
import { runTest } from "./commands/test.js";
import { runSimulate } from "./commands/simulate.js";
import { type EngineChoice, parseSize } from "./engine-options.js";
import { ExitCode } from "./exit-codes.js";
import { type Io, OutputError, processIo } from "./io.js";
import { DisagreementError } from "./stages.js";
import { KNOT_VERSION } from "./version.js";
import { repeatedOption } from "./repeated-options.js";
import { writeErrorReason } from "./output-files.js";
import { printable } from "@knot/lang";

function positiveInt(name: string) {
  return (v: unknown) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} expects a positive whole number, got '${v}'`);
    return n;
  };
}

/** --lock-order class|instance, or --no-lock-order (false): the analysis's nodes, or off. */
function lockOrderMode(v: unknown): "class" | "instance" | false {
  if (v === false || v === "class" || v === "instance") return v;
  throw new UsageError(`--lock-order expects class or instance (or --no-lock-order to switch the analysis off), got '${String(v)}'`);
}

function nonNegativeInt(name: string) {
  return (v: unknown) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--${name} expects a whole number from 0 to 4294967295, got '${v}'`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: unknown) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} expects a positive number of seconds, got '${v}'`);
    return n;
  };
}

class UsageError extends Error {}

/** --swarm I/N: member I (0 to N-1) of a swarm of N searches. */
function swarmMember(v: unknown): { member: number; members: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  const member = m ? Number(m[1]) : NaN;
  const members = m ? Number(m[2]) : NaN;
  if (!m || members < 1 || members > 100000 || member >= members) {
    throw new UsageError(`--swarm expects I/N, member I (0 to N-1) of a swarm of N searches (N at most 100000), e.g. --swarm 0/4, got '${String(v)}'`);
  }
  return { member, members };
}

function size(name: string) {
  return (v: unknown) => {
    if (v === undefined) return undefined;
    const n = parseSize(String(v));
    if (n === undefined) throw new UsageError(`--${name} expects a size such as 512M, 4G or a number of bytes, got '${v}'`);
    return n;
  };
}

/** Thrown from yargs' fail hook so that no command handler runs after a usage error. */
class UsageAbort extends Error {}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const repeated = repeatedOption(argv, new Set(CHECK_NAMES));
  if (repeated !== undefined) {
    io.err(`knot: error[K9016]: ${printable(repeated)} is given more than once; it takes one value (only --set, --base and --head repeat)\nRun 'knot --help' for usage.\n`);
    return ExitCode.UsageOrModelError;
  }
  // yargs gives a string option written without a value its default: say so instead
  const bare = argv.findIndex((x, i) => x === "--lock-order" && (i === argv.length - 1 || argv[i + 1]!.startsWith("-")));
  if (bare >= 0) {
    io.err(`knot: error[K9001]: --lock-order expects class or instance (or --no-lock-order to switch the analysis off), got nothing\nRun 'knot --help' for usage.\n`);
    return ExitCode.UsageOrModelError;
  }
  let exit: number = ExitCode.Pass;
  let usageFailed = false;
  const parser = yargs(argv)
    .scriptName("knot")
    .usage("knot <command> [options]\n\nA model checker for device-ops callback protocols.")
    .command(
      "check <model>",
      "explore every interleaving of a model and report violations",
      (y) => {
        let b = y
          .positional("model", { type: "string", describe: "the .knot model file", demandOption: true })
          .option("set", { type: "string", array: true, default: [] as string[], describe: "override a constant: --set NAME=VALUE (repeatable)" })
          .option("search", { choices: ["bfs", "dfs"] as const, describe: "search order (bfs gives shortest traces; the default, but dfs with --swarm)" })
          .option("max-states", { type: "string", describe: "stop after storing this many states (exit 3)", coerce: positiveInt("max-states") })
          .option("time-limit", { type: "string", describe: "stop after this many seconds (exit 3)", coerce: positiveNumber("time-limit") })
          .option("all", { type: "boolean", default: false, describe: "keep searching and report every distinct violation once" })
          .option("strict", { type: "boolean", default: false, describe: "treat lock-order warnings as violations (exit 1)" })
          .option("lock-order", { type: "string", default: "class", describe: "the lock-order analysis by lock class, as lockdep (class), or by lock instance; --no-lock-order turns it off", coerce: lockOrderMode, group: "Checks:" })
          .option("symmetry", { choices: ["on", "off"] as const, default: "on" as const, describe: "store one state per permutation of the model's symmetric types' values (on), or every state (off)" })
          .option("format", { choices: ["text", "json", "mermaid"] as const, default: "text" as const, describe: "output format (mermaid: markdown with sequence diagrams)" })
          .option("engine", { choices: ["auto", "interp", "compiled"] as const, default: "auto" as const, describe: "successor generation: the IR interpreter, compiled code, or whichever suits the model (auto)" })
          .option("store", { choices: ["exact", "fingerprint"] as const, describe: "keep every state (exact, the default) or 64-bit fingerprints only (less memory, tiny collision risk; the default with --swarm)" })
          .option("swarm", { type: "string", describe: "run member I (0 to N-1) of a swarm of N depth-first searches in seed-diversified orders, e.g. --swarm 3/8; merge their JSON reports with knot merge", coerce: swarmMember, group: "Swarm:" })
          .option("seed", { type: "string", default: "1", describe: "with --swarm: the swarm's seed (members of one swarm share it; another seed, other orders)", coerce: nonNegativeInt("seed"), group: "Swarm:" })
          .option("max-memory", { type: "string", describe: "stop cleanly (exit 3) before the search uses this much memory, e.g. 4G (default: half the machine's memory)", coerce: size("max-memory") })
          .option("cache", { type: "boolean", default: true, describe: "use the compile cache (--no-cache neither reads nor writes it; also KNOT_CACHE=off)" });
        for (const c of CHECK_NAMES) {
          if (c === "lock-order") continue;
          b = b.option(c, { type: "boolean", default: true, describe: `the ${c} check (--no-${c} turns it off)`, group: "Checks:" });
        }
        return b;
      },
      async (a) => {
        const swarm = a.swarm as { member: number; members: number } | undefined;
        if (swarm && a.search === "bfs") throw new UsageError("--swarm searches depth-first (each member in its own order): drop --search bfs");
        if (!swarm && argv.some((x) => x === "--seed" || x.startsWith("--seed="))) throw new UsageError("--seed is the seed of a swarm: give --swarm I/N too");
        exit = await runCheck(io, {
          model: a.model as string,
          set: a.set as string[],
          search: (a.search as "bfs" | "dfs" | undefined) ?? (swarm ? "dfs" : "bfs"),
          ...(swarm ? { swarm: { ...swarm, seed: a.seed as unknown as number } } : {}),
          maxStates: a["max-states"] as number | undefined,
          timeLimit: a["time-limit"] as number | undefined,
          all: a.all as boolean,
          format: a.format as "text" | "json" | "mermaid",
          disabled: CHECK_NAMES.filter((c) => a[c] === false),
          engine: { engine: a.engine as EngineChoice, store: (a.store as "exact" | "fingerprint" | undefined) ?? (swarm ? "fingerprint" : "exact"), maxMemory: a["max-memory"] as number | undefined },
          strict: a.strict as boolean,
          lockOrder: a["lock-order"] === false ? undefined : (a["lock-order"] as "class" | "instance"),
          symmetry: a.symmetry !== "off",
          cache: a.cache as boolean,
        });
      },
    )
    .command(
      "compile <model>",
      "print the syntax tree or the IR of a model",
      (y) =>
        y
          .positional("model", { type: "string", demandOption: true, describe: "the .knot model file" })
          .option("emit", { choices: ["ast", "ir", "js", "promela"] as const, demandOption: true, describe: "what to print: the syntax tree (JSON), the IR, the compiled successor functions (JavaScript), or the model as Promela with knot's steps (for Spin)" })
          .option("set", { type: "string", array: true, default: [] as string[], describe: "override a constant: --set NAME=VALUE" })
          .option("cache", { type: "boolean", default: true, describe: "with --emit js: use the compile cache (--no-cache neither reads nor writes it; also KNOT_CACHE=off)" }),
      (a) => {
        exit = runCompile(io, { model: a.model as string, set: a.set as string[], emit: a.emit as "ast" | "ir" | "js" | "promela", cache: a.cache as boolean });
      },
    )
    .command(
      "graph <model>",
      "write the explored state graph (DOT or JSON)",
      (y) =>
        y
          .positional("model", { type: "string", demandOption: true, describe: "the .knot model file" })
          .option("format", { choices: ["dot", "json"] as const, default: "dot" as const })
          .option("max-states", { type: "string", default: "10000", describe: "refuse graphs larger than this", coerce: positiveInt("max-states") })
          .option("set", { type: "string", array: true, default: [] as string[], describe: "override a constant: --set NAME=VALUE" }),
      (a) => {
        exit = runGraph(io, { model: a.model as string, set: a.set as string[], format: a.format as "dot" | "json", maxStates: a["max-states"] as number });
      },
    )
    .command(
      "test [paths..]",
      "run the checks of spec files and compare each outcome with its expectation",
      (y) =>
        y
          .positional("paths", { type: "string", array: true, default: [] as string[], describe: "spec files or directories (searched for *.knot); default: specs" })
          .option("junit", { type: "string", describe: "also write a JUnit XML report to this file" })
          .option("sarif", { type: "string", describe: "also write a SARIF 2.1.0 report to this file" })
          .option("format", { choices: ["text", "json"] as const, default: "text" as const, describe: "output format" })
          .option("cache", { type: "boolean", default: true, describe: "use the compile cache (--no-cache neither reads nor writes it; also KNOT_CACHE=off)" }),
      async (a) => {
        exit = await runTest(io, { paths: a.paths as string[], junit: a.junit as string | undefined, sarif: a.sarif as string | undefined, format: a.format as "text" | "json", cache: a.cache as boolean });
      },
    )
    .command(
      "trace <file>",
      "re-render a report saved with knot check --format json (text, or Mermaid diagrams); with --model, say whether its counterexamples still happen",
      (y) =>
        y
          .positional("file", { type: "string", demandOption: true, describe: "the JSON report" })
          .option("format", { choices: ["text", "mermaid"] as const, default: "text" as const, describe: "output format (mermaid: markdown with sequence diagrams)" })
          .option("model", { type: "string", describe: "replay the report's counterexamples on this model (exit 1 if one still reproduces, 0 if none does)" })
          .option("set", { type: "string", array: true, default: [] as string[], describe: "with --model: set a constant (NAME=VALUE), on top of the report's own settings" }),
      (a) => {
        exit = runTrace(io, { file: a.file as string, format: a.format as "text" | "mermaid", model: a.model as string | undefined, set: a.set as string[] });
      },
    )
    .command(
      "merge <reports..>",
      "one verdict from the JSON reports of a swarm's members (knot check --swarm I/N --format json)",
      (y) =>
        y
          .positional("reports", { type: "string", array: true, demandOption: true, describe: "the members' JSON reports" })
          .option("format", { choices: ["text", "json"] as const, default: "text" as const, describe: "output format (json: a check report with what each member covered)" }),
      (a) => {
        exit = runMerge(io, { files: a.reports as string[], format: a.format as "text" | "json" });
      },
    )
    .command(
      "simulate <model>",
      "random walks in the reference semantics, for models too large to explore; reports any violation hit with its trace",
      (y) => {
        let b = y
          .positional("model", { type: "string", describe: "the .knot model file", demandOption: true })
          .option("set", { type: "string", array: true, default: [] as string[], describe: "override a constant: --set NAME=VALUE (repeatable)" })
          .option("runs", { type: "string", default: "1000", describe: "number of random walks", coerce: positiveInt("runs") })
          .option("depth", { type: "string", default: "1000", describe: "most steps per walk", coerce: positiveInt("depth") })
          .option("seed", { type: "string", default: "1", describe: "seed of the random choices (the same seed gives the same walks)", coerce: nonNegativeInt("seed") })
          .option("format", { choices: ["text", "json"] as const, default: "text" as const, describe: "output format" });
        for (const c of CHECK_NAMES) {
          b = b.option(c, { type: "boolean", default: true, describe: `the ${c} check (--no-${c} turns it off)`, group: "Checks:" });
        }
        return b;
      },
      (a) => {
        exit = runSimulate(io, {
          model: a.model as string,
          set: a.set as string[],
          runs: a.runs as unknown as number,
          depth: a.depth as unknown as number,
          seed: a.seed as unknown as number,
          format: a.format as "text" | "json",
          disabled: CHECK_NAMES.filter((c) => a[c] === false),
        });
      },
    )
    .command(
      "compare <models..>",
      "check a base and a head (one model under two settings, or two model files) and report what the change does",
      (y) =>
        y
          .positional("models", { type: "string", array: true, demandOption: true, describe: "MODEL (with --base/--head), or BASE.knot HEAD.knot" })
          .option("base", { type: "string", array: true, default: [] as string[], describe: "a constant of the base: --base NAME=VALUE (repeatable)" })
          .option("head", { type: "string", array: true, default: [] as string[], describe: "a constant of the head: --head NAME=VALUE (repeatable)" })
          .option("set", { type: "string", array: true, default: [] as string[], describe: "a constant of both sides: --set NAME=VALUE (repeatable)" })
          .option("max-states", { type: "string", describe: "stop each side after storing this many states (exit 3)", coerce: positiveInt("max-states") })
          .option("time-limit", { type: "string", describe: "stop each side after this many seconds (exit 3)", coerce: positiveNumber("time-limit") })
          .option("strict", { type: "boolean", default: false, describe: "an introduced lock-order warning is a regression (exit 1)" })
          .option("lock-order", { type: "string", default: "class", describe: "the lock-order analysis by lock class, as lockdep (class), or by lock instance", coerce: lockOrderMode })
          .option("symmetry", { choices: ["on", "off"] as const, default: "on" as const, describe: "store one state per permutation of the models' symmetric types' values (on), or every state (off)" })
          .option("format", { choices: ["text", "json"] as const, default: "text" as const, describe: "output format" })
          .option("cache", { type: "boolean", default: true, describe: "use the compile cache (--no-cache neither reads nor writes it; also KNOT_CACHE=off)" }),
      async (a) => {
        exit = await runCompare(io, {
          models: a.models as string[],
          base: a.base as string[],
          head: a.head as string[],
          set: a.set as string[],
          maxStates: a["max-states"] as number | undefined,
          timeLimit: a["time-limit"] as number | undefined,
          format: a.format as "text" | "json",
          strict: a.strict as boolean,
          lockOrder: a["lock-order"] === false ? undefined : (a["lock-order"] as "class" | "instance"),
          symmetry: a.symmetry !== "off",
          cache: a.cache as boolean,
        });
      },
    )
    .demandCommand(1, "name a command: check, compile, graph, test, compare, trace, merge or simulate (knot --help lists them)")
    .strict()
    .version(KNOT_VERSION)
    .help()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError) && !(err instanceof UsageAbort) && !msg) throw err; // a bug, not a usage error
      if (!usageFailed) {
        const text = err instanceof UsageError ? err.message : (msg ?? err?.message ?? "invalid command line");
        io.err(`knot: error[K9001]: ${text.replace(/\n\s*/g, " ")}\nRun 'knot --help' for usage.\n`);
      }
      usageFailed = true;
      throw new UsageAbort();
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (usageFailed || e instanceof UsageAbort) return ExitCode.UsageOrModelError;
    throw e;
  }
  return usageFailed ? ExitCode.UsageOrModelError : exit;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** A failed write to stdout or stderr: said on stderr when that still works, exit 2. */
function outputFailed(io: Io, e: OutputError): number {
  if (e.stream === "stdout") {
    try {
      io.err(`knot: error[K9017]: ${e.message}\n`);
    } catch {
      // stderr is gone too: the exit code is all that is left
    }
  }
  return ExitCode.UsageOrModelError;
}

/** `main`, with anything unexpected turned into exit code 70 and a short report on stderr. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (e) {
    if (e instanceof OutputError) return outputFailed(io, e);
    if (e instanceof DisagreementError) {
      io.err(e.report);
      return ExitCode.Internal;
    }
    const detail = e instanceof Error ? (process.env.KNOT_DEBUG ? e.stack ?? e.message : e.message) : String(e);
    io.err(`knot: internal error: ${detail}\nThis is a bug in knot, not in your model; please report it with the model and the command line (KNOT_DEBUG=1 shows the stack).\n`);
    return ExitCode.Internal;
  }
}

if (invokedDirectly()) {
  // a reader that stops early (`knot compile --emit ir | head`) closes the pipe: that is not an error;
  // any other failure of a pipe or socket (reported after the write returned) is exit 2
  for (const [stream, name] of [[process.stdout, "stdout"], [process.stderr, "stderr"]] as const) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      process.exit(outputFailed(processIo, new OutputError(name, writeErrorReason(e))));
    });
  }
  run(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
