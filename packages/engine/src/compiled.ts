// Compiled successor generation: generate the model's successor functions
// (codegen.ts) as plain JavaScript (CommonJS) and load them with `new Function`
// (no temporary files, nothing left in the ESM module map, no compiler to load:
// building a module is generating its text). The module is cached on disk
// (code-cache.ts: a private directory, authenticated entries), keyed by a hash of
// the IR, the options that shape the code and the generator's version, so a
// second run of the same model does not even generate it. The code also depends
// on the packed layout (which a search derives from the model's start-up, but
// `knot compile --emit js` takes in full): an entry records its layout and is
// used only for the same one.
import { createHash } from "node:crypto";
import type { Model, ViolationKind } from "@knot/ir";
import { type CodeCache, openCodeCache, openDefaultCodeCache } from "./code-cache.js";
import { type GeneratedSource, R_OTHER, R_VIOLATED, codegenSourceText, generateSource } from "./codegen.js";
import type { SuccessorGenerator } from "./generator.js";
import { Fault } from "./interpret.js";
import type { LockOrderGraph } from "./lock-order.js";
import type { PackedLayout } from "./packing.js";

/** Bump when the generated code changes shape, so that old cache entries are not used. */
export const CODEGEN_VERSION = 10;

type ThreadFn = (s: Int32Array, idx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number, t: Int32Array) => number;

export interface CompiledModule {
  /** The generated JavaScript (CommonJS). */
  js: string;
  tables: number[][];
  messages: string[];
  /** "cache" when loaded from disk, "generated" when built in this run. */
  source: "cache" | "generated";
}

export interface CodegenOptions {
  disabled: ReadonlySet<ViolationKind>;
  lockOrder: boolean;
  /**
   * Where to keep compiled modules: a cache opened with openCodeCache (whose warnings
   * the caller reports), a directory (opened and checked here; one that fails the
   * checks is not used), or false for no cache. Default: the directory and switch of
   * the environment (defaultCacheDir, KNOT_CACHE).
   */
  cacheDir?: string | false | CodeCache;
  /** Mixed into the cache key (the knot version). */
  version?: string;
}

/** The cache these options select, checked; undefined for none. */
function cacheOf(options: CodegenOptions): CodeCache | undefined {
  const dir = options.cacheDir;
  if (dir === false) return undefined;
  if (dir === undefined) return openDefaultCodeCache().cache;
  return typeof dir === "string" ? openCodeCache(dir).cache : dir;
}

let fingerprint: string | undefined;
/** A hash of the code generator's text (computed once per process). */
function codegenFingerprint(): string {
  return (fingerprint ??= createHash("sha256").update(codegenSourceText()).digest("hex").slice(0, 16));
}

/** The name of a model's entry in the cache: a hash of what shapes its code. */
export function cacheKey(model: Model, options: CodegenOptions): string {
  const h = createHash("sha256");
  h.update(`knot-codegen ${CODEGEN_VERSION} ${options.version ?? ""} ${codegenFingerprint()}\n`);
  h.update(`disabled ${[...options.disabled].sort().join(",")} lock-order ${options.lockOrder}\n`);
  h.update(JSON.stringify(model));
  return h.digest("hex").slice(0, 40);
}

/** Build the module (generate its JavaScript), or load it from the cache. */
export function compileModule(model: Model, layout: PackedLayout, options: CodegenOptions, generated?: GeneratedSource): CompiledModule {
  const cache = cacheOf(options);
  const key = cacheKey(model, options);
  const packing = layoutKey(layout);
  // absent, for another layout (the same model packed differently), or not checking out: build, and replace it
  const cached = cache?.load(key, packing);
  if (cached) return { js: cached.js, tables: cached.tables, messages: cached.messages, source: "cache" };
  const gen = generated ?? generateSource(model, layout, options);
  // a syntax error here is a bug in the generator: said now, not when a search loads it
  new Function("exports", "module", gen.text);
  const mod: CompiledModule = { js: gen.text, tables: gen.tables, messages: gen.messages, source: "generated" };
  cache?.store(key, packing, mod); // a cache that cannot be written only costs time
  return mod;
}

/** A fingerprint of a packed layout (where every slot lives in the packed state). */
function layoutKey(layout: PackedLayout): string {
  const h = createHash("sha256");
  h.update(`${layout.words} ${layout.slots}\n`);
  for (const a of [layout.word, layout.shift, layout.bits, layout.mask, layout.lo]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest("hex").slice(0, 24);
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The functions generated code calls: generic slot access, checked arithmetic, faults, lock-order hooks. */
function runtime(model: Model, layout: PackedLayout, mod: CompiledModule, options: CodegenOptions, lockOrder: LockOrderGraph | undefined) {
  const { word, shift, mask, lo } = layout;
  const rd = (t: Int32Array, slot: number): number => {
    const m = mask[slot]!;
    if (m === 0) return lo[slot]!;
    if (m === -1) return t[word[slot]!]!;
    return ((t[word[slot]!]! >>> shift[slot]!) & m) + lo[slot]!;
  };
  const wr = (t: Int32Array, slot: number, v: number): void => {
    const m = mask[slot]!;
    if (m === 0) return;
    const w = word[slot]!;
    if (m === -1) {
      t[w] = v;
      return;
    }
    const sh = shift[slot]!;
    t[w] = (t[w]! & ~(m << sh)) | (((v - lo[slot]!) & m) << sh);
  };
  // compiled code only needs the kind of a fault; the interpreter rebuilds the message when it is reported
  const outOfRange = new Fault("out-of-range", "");
  const nullDeref = new Fault("null-deref", "");
  const useAfterFree = new Fault("use-after-free", "");
  const allowFreed = options.disabled.has("use-after-free");
  return {
    rd,
    wr,
    tables: mod.tables.map((t) => Int32Array.from(t)),
    pos: (v: number, l: number, count: number): number => {
      const i = v - l;
      if (i < 0 || i >= count) throw outOfRange;
      return i;
    },
    mem: (v: number, set: number, l: number, count: number): number => {
      const i = v - l;
      return i >= 0 && i < count ? (set >>> i) & 1 : 0;
    },
    div: (a: number, b: number): number => {
      if (b === 0) throw outOfRange;
      return Math.trunc(a / b);
    },
    mod: (a: number, b: number): number => {
      if (b === 0) throw outOfRange;
      return a % b;
    },
    pc32: popcount,
    deref: (t: Int32Array, ref: number, offset: number, stride: number): number => {
      if (ref === 0) throw nullDeref;
      const i = ref - 1;
      if (rd(t, offset + i * stride) !== 1 && !allowFreed) throw useAfterFree;
      return i;
    },
    fault: (e: unknown): number => {
      if (e instanceof Fault) return options.disabled.has(e.kind) ? R_OTHER : R_VIOLATED;
      throw e;
    },
    acquire: (held: Int32Array, slot: number, n: number, subclass = 0, nest = -1): void => lockOrder?.acquire(held, slot, n, subclass, nest),
    begin: (): void => lockOrder?.begin(),
    commit: (idx: number, tid: number, sid: number): void => lockOrder?.commit(idx, tid, sid),
  };
}

/** Is this model's compiled module already in the cache, and checking out (so compiling costs nothing)? */
export function isCached(model: Model, options: CodegenOptions): boolean {
  return cacheOf(options)?.load(cacheKey(model, options)) !== undefined;
}

/**
 * The `compiled` search option: "compiled" compiles before the search, "auto"
 * starts interpreted and compiles only when the search runs longer than
 * `switchAfterMs` (immediately when the module is cached), so that small models
 * never pay for code generation.
 */
export function compiledSearchOption(
  model: Model,
  engine: "compiled" | "auto",
  options: Omit<CodegenOptions, "lockOrder"> & { switchAfterMs?: number },
): {
  create: (layout: PackedLayout, lockOrder: LockOrderGraph | undefined) => SuccessorGenerator;
  switchAfterMs?: number;
  ready?: (elapsedMs: number, layout: PackedLayout) => boolean;
} {
  let source: GeneratedSource | undefined;
  const create = (layout: PackedLayout, lockOrder: LockOrderGraph | undefined) => {
    const o = { ...options, lockOrder: lockOrder !== undefined };
    return instantiate(model, layout, compileModule(model, layout, o, source), o, lockOrder);
  };
  if (engine === "compiled") return { create };
  const lockOrder = !options.disabled.has("lock-order");
  if (isCached(model, { ...options, lockOrder })) return { create, switchAfterMs: 0 };
  // Building costs roughly in proportion to the code's size: compile only once the
  // search has already run about as long as building would take, so that a short
  // search never pays more for compiling than it could gain.
  const ready = (elapsedMs: number, layout: PackedLayout) => {
    source ??= generateSource(model, layout, { ...options, lockOrder });
    return elapsedMs >= BUILD_FIXED_MS + (source.text.length / 1024) * BUILD_MS_PER_KB;
  };
  return { create, switchAfterMs: options.switchAfterMs ?? 300, ready };
}

/**
 * Building is generating the text and parsing it: measured at 0.05 to 0.18 ms a KB (devices.knot,
 * 1.2 MB, in 92 ms; the philosophers, 26 KB, in 5 ms), taken here at twice that.
 */
const BUILD_FIXED_MS = 10;
const BUILD_MS_PER_KB = 0.3;

export class CompiledGenerator implements SuccessorGenerator {
  readonly kind = "compiled" as const;
  private readonly scratch: Int32Array;
  constructor(private readonly fns: ThreadFn[], words: number) {
    this.scratch = new Int32Array(words);
  }
  prepare(): void {
    // compiled code reads the packed state directly
  }
  expand(s: Int32Array, t: number, stateIdx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number): number {
    return this.fns[t]!(s, stateIdx, out, outStep, info, first, this.scratch);
  }
}

/** Load a compiled module's thread functions, bound to a runtime for this search. */
export function instantiate(model: Model, layout: PackedLayout, mod: CompiledModule, options: CodegenOptions, lockOrder: LockOrderGraph | undefined): CompiledGenerator {
  const module = { exports: {} as { create?: (rt: unknown) => ThreadFn[] } };
  // the module is our own generated code (numbers and generated names only; see codegen.ts),
  // built in this run or loaded from an authenticated cache entry (code-cache.ts)
  new Function("exports", "module", mod.js)(module.exports, module);
  const create = module.exports.create;
  if (!create) throw new Error("internal: the compiled module exports no create()");
  return new CompiledGenerator(create(runtime(model, layout, mod, options, lockOrder)), layout.words);
}
