// knot compile MODEL --emit ast|ir|js|promela: show what the front end or the lowering made of
// a model, the compiled successor functions, or the model as Promela for Spin to recount.
import type { Span } from "@knot/lang";
import { printModel } from "@knot/ir";
import { IrCodes } from "@knot/ir";
import { codeSizeBound, compileModule, computePackedLayout, emitPromela, estimateCodeSize } from "@knot/engine";
import { printable } from "@knot/lang";
import { openRunCache } from "../engine-options.js";
import { KNOT_VERSION } from "../version.js";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { checkStage, lowerStage, parseSettings } from "../stages.js";

export interface CompileArgs {
  model: string;
  set: string[];
  emit: "ast" | "ir" | "js" | "promela";
  /** With --emit js: use the compile cache (false: --no-cache); default true. */
  cache?: boolean;
}

/** The syntax tree as JSON: spans become "file:line:col", checker links are left out. */
export function astToJson(modules: unknown): string {
  return JSON.stringify(modules, (key, value) => {
    if (key === "sym" || key === "ty") return undefined;
    if (value && typeof value === "object" && "file" in value && "start" in value && "end" in value) {
      const span = value as Span;
      const p = span.file.position(span.start);
      return `${span.file.path}:${p.line}:${p.col}`;
    }
    return value;
  }, 2) + "\n";
}

export function runCompile(io: Io, args: CompileArgs): number {
  const settings = parseSettings(io, args.set);
  if (!settings.ok) return settings.exit;
  const checked = checkStage(io, { path: args.model, overrides: settings.value });
  if (!checked.ok) return checked.exit;
  if (args.emit === "ast") {
    io.out(astToJson(checked.value.modules));
    return ExitCode.Pass;
  }
  const lowered = lowerStage(io, checked.value);
  if (!lowered.ok) return lowered.exit;
  if (args.emit === "promela") {
    const p = emitPromela(lowered.value);
    if (!p.ok) {
      io.err(`knot: error[K6040]: cannot write ${printable(args.model)} as Promela: it uses ${printable(p.problem)}, which --emit promela does not cover (locks, refcounts, integers, booleans, sets, maps and records, ops tables)\n`);
      return ExitCode.UsageOrModelError;
    }
    io.out(p.text);
    return ExitCode.Pass;
  }
  if (args.emit === "js") {
    const model = lowered.value;
    // the code knot check would refuse to build (and run interpreted) is not built here either
    const size = estimateCodeSize(model, { lockOrder: true });
    const bound = codeSizeBound();
    if (size > bound) {
      io.err(`knot: error[${IrCodes.TooLargeToCompile}]: the model is too large to compile (about ${(size / 2 ** 20).toFixed(0)} MB of code; the limit is ${(bound / 2 ** 20).toFixed(0)} MB); knot check runs it with the interpreter\n`);
      return ExitCode.Incomplete;
    }
    const layout = computePackedLayout(model);
    let mod: ReturnType<typeof compileModule>;
    try {
      mod = compileModule(model, layout, { disabled: new Set(), lockOrder: true, version: KNOT_VERSION, cacheDir: openRunCache(io, args.cache ?? true) });
    } catch (e) {
      io.err(`knot: error[${IrCodes.TooLargeToCompile}]: the model could not be compiled (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); knot check runs it with the interpreter\n`);
      return ExitCode.Incomplete;
    }
    io.out(`// knot ${KNOT_VERSION}: compiled successor functions of ${model.file} (${layout.words} words a state)\n`);
    io.out(`// constant tables passed in at load time: ${JSON.stringify(mod.tables)}\n`);
    io.out(mod.js);
    return ExitCode.Pass;
  }
  io.out(printModel(lowered.value));
  return ExitCode.Pass;
}
