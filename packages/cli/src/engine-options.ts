// How a command runs the search: the successor engine (interpreted, compiled, or
// automatic), the state store, and the memory budget. Shared by check, test and
// compare so they all search the same way. The compile cache is opened once per
// run, here, so that its warnings are printed once.
import { totalmem } from "node:os";
import type { Model, ViolationKind } from "@knot/ir";
import { type CodeCache, type SearchOptions, openDefaultCodeCache } from "@knot/engine";
import { renderDiagnostic } from "@knot/report";
import { type NoteSink, guardedCompiledOption } from "./compiled-fallback.js";
import type { Io } from "./io.js";
import { KNOT_VERSION } from "./version.js";

export type EngineChoice = "auto" | "interp" | "compiled";

export interface EngineArgs {
  engine?: EngineChoice;
  store?: "exact" | "fingerprint";
  /** Bytes; default: half the machine's memory. */
  maxMemory?: number;
  /** The compile cache of this run (openRunCache), or false for none; default: the engine opens the environment's. */
  cache?: CodeCache | false;
}

/**
 * The compile cache for one run: false when switched off (--no-cache, KNOT_CACHE=off)
 * or unusable, in which case each reason is printed as a warning on stderr.
 */
export function openRunCache(io: Io, enabled: boolean): CodeCache | false {
  if (!enabled) return false;
  const { cache, warnings } = openDefaultCodeCache();
  for (const w of warnings) io.err(`${renderDiagnostic(w)}\n`);
  return cache ?? false;
}

export function defaultMaxMemory(): number {
  return Math.floor(totalmem() / 2);
}

/** `note` hears why the model is not compiled after all (too large for `--engine compiled`, or a failure). */
export function engineSearchOptions(model: Model, disabled: ReadonlySet<ViolationKind>, args: EngineArgs, note: NoteSink = () => {}): Pick<SearchOptions, "compiled" | "store" | "maxMemory"> {
  const engine = args.engine ?? "auto";
  return {
    store: args.store ?? "exact",
    maxMemory: args.maxMemory ?? defaultMaxMemory(),
    compiled: engine === "interp" ? undefined : guardedCompiledOption(model, engine, { disabled, version: KNOT_VERSION, cacheDir: args.cache }, note),
  };
}

/** "512M", "4G", "1.5G", "100000000" -> bytes, or undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"]!;
  const n = Math.floor(Number(m[1]) * unit);
  return n > 0 ? n : undefined;
}
