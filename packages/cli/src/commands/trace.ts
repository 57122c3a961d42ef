// knot trace FILE.json: re-render a report saved with `knot check --format json`
// as text (the same report knot check prints) or as Mermaid sequence diagrams in
// markdown. The file is validated first: unreadable, not JSON (with the
// file:line:col of the syntax error), not a knot check report, another version
// of the report, or a report with a malformed field each get a clear error and
// exit 2, never a stack trace. Exit 0 once rendered: the file's verdict is not
// re-judged. With --model, each counterexample of the report is replayed on
// that model by the reference semantics (with the report's constant settings,
// then --set) instead: exit 1 when one still reproduces, 0 when none does, and
// for each one that does not, the step where it diverges.
import { printable, readInputFile } from "@knot/lang";
import { type CheckReport, REPORT_VERSION, renderCheckMermaid, renderCheckText, renderSavedReplay, replaySavedReport } from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { checkStage, parseSettings } from "../stages.js";

export interface TraceArgs {
  file: string;
  format: "text" | "mermaid";
  /** Replay the report's counterexamples on this model. */
  model?: string;
  /** Constants set on top of the report's own (with --model). */
  set?: string[];
}

function fail(io: Io, code: string, message: string, at?: { line: number; col: number }, file?: string): number {
  // the message may quote the report or its path: both are the user's, and printed escaped
  io.err(`${at && file ? `${printable(file)}:${at.line}:${at.col}: ` : "knot: "}error[${code}]: ${printable(message)}\n`);
  return ExitCode.UsageOrModelError;
}

// ---------------------------------------------------------------- JSON syntax errors

/**
 * Where the first JSON syntax error in `text` is, and what is wrong there
 * (JSON.parse does not say reliably). Undefined when the text is valid JSON.
 * Iterative, so deeply nested input cannot overflow the stack.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const n = text.length;
  const stack: ("array" | "object")[] = [];
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const found = () => (i >= n ? "the end of the file" : `'${text[i] === "\n" ? "\\n" : text[i]}'`);
  const error = (expected: string) => ({ offset: i, message: `expected ${expected}, found ${found()}` });
  const string = (): { offset: number; message: string } | undefined => {
    i++; // the opening quote
    for (;;) {
      if (i >= n) return { offset: i, message: "unterminated string" };
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 0x20) return { offset: i, message: "control character in a string (write it as an escape)" };
      if (c === 92) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, message: "bad \\u escape in a string" };
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return { offset: i, message: "bad escape in a string" };
        continue;
      }
      i++;
    }
  };
  const key = () => {
    ws();
    if (text[i] !== '"') return error("a property name in double quotes");
    const bad = string();
    if (bad) return bad;
    ws();
    if (text[i] !== ":") return error("':'");
    i++;
    return undefined;
  };
  let expectValue = true;
  for (;;) {
    ws();
    if (expectValue) {
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        ws();
        if (text[i] === (c === "{" ? "}" : "]")) {
          i++;
          expectValue = false;
          continue;
        }
        stack.push(c === "{" ? "object" : "array");
        if (c === "{") {
          const bad = key();
          if (bad) return bad;
        }
        continue;
      }
      if (c === '"') {
        const bad = string();
        if (bad) return bad;
      } else {
        const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
        m.lastIndex = i;
        if (!m.exec(text)) return error("a value");
        i = m.lastIndex;
      }
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) return i < n ? { offset: i, message: `unexpected ${found()} after the JSON value` } : undefined;
    const close = top === "array" ? "]" : "}";
    if (text[i] === close) {
      i++;
      stack.pop();
      continue;
    }
    if (text[i] !== ",") return error(`',' or '${close}'`);
    i++;
    if (top === "object") {
      const bad = key();
      if (bad) return bad;
    }
    expectValue = true;
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === "\n") {
      line++;
      start = k + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

// ---------------------------------------------------------------- report shape

/** A check of one JSON value: undefined when it fits, else what is wrong, naming the field by its path. */
type Shape = (v: unknown, path: string) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str: Shape = (v, p) => (typeof v === "string" ? undefined : `${p} should be a string`);
const num: Shape = (v, p) => (typeof v === "number" && Number.isFinite(v) ? undefined : `${p} should be a number`);
const bool: Shape = (v, p) => (typeof v === "boolean" ? undefined : `${p} should be true or false`);
const opt = (s: Shape): Shape => (v, p) => (v === undefined ? undefined : s(v, p));
const oneOf = (...values: string[]): Shape => (v, p) => (typeof v === "string" && values.includes(v) ? undefined : `${p} should be one of ${values.map((x) => `"${x}"`).join(", ")}`);
const list = (s: Shape): Shape => (v, p) => {
  if (!Array.isArray(v)) return `${p} should be a list`;
  for (let i = 0; i < v.length; i++) {
    const bad = s(v[i], `${p}[${i}]`);
    if (bad) return bad;
  }
  return undefined;
};
const obj = (fields: Record<string, Shape>): Shape => (v, p) => {
  if (!isObject(v)) return `${p} should be an object`;
  for (const [k, s] of Object.entries(fields)) {
    const bad = s(v[k], p ? `${p}.${k}` : k);
    if (bad) return bad;
  }
  return undefined;
};
/** An object whose `kind` selects its shape. */
const byKind = (shapes: Record<string, Shape>): Shape => (v, p) => {
  if (!isObject(v)) return `${p} should be an object`;
  const s = typeof v.kind === "string" ? shapes[v.kind] : undefined;
  return s ? s(v, p) : `${p}.kind should be one of ${Object.keys(shapes).map((x) => `"${x}"`).join(", ")}`;
};

const srcLoc = obj({ file: str, line: num, col: num });
const chainFrame = obj({ proc: str, at: srcLoc, via: opt(str) });
const heldLock = obj({ lock: str, section: opt(bool), at: opt(srcLoc), statement: opt(str) });
const lockEvent = obj({ lock: str, mode: opt(oneOf("read", "write")) });
const refEvent = obj({ refcount: str, from: num, to: num });
const completionEvent = obj({ completion: str });
const srcuEvent = obj({ domain: str, rcu: bool });
const workEvent = obj({ work: str, workqueue: str, queued: opt(bool), waits: opt(bool) });
const callbackEvent = obj({ callback: str, domain: str, rcu: bool, registered: opt(bool) });
const traceEvent = byKind({
  acquire: lockEvent,
  release: lockEvent,
  call: obj({ proc: str, via: str, at: srcLoc }),
  get: refEvent,
  put: refEvent,
  complete: completionEvent,
  complete_all: completionEvent,
  reinit_completion: completionEvent,
  wait_for_completion: completionEvent,
  try_wait_for_completion: completionEvent,
  read_lock: srcuEvent,
  read_unlock: srcuEvent,
  grace_period_start: srcuEvent,
  synchronize: srcuEvent,
  queue_work: workEvent,
  work_start: workEvent,
  work_end: workEvent,
  flush_work: workEvent,
  cancel_work_sync: workEvent,
  flush_workqueue: workEvent,
  call_rcu: callbackEvent,
  callback_start: callbackEvent,
  callback_end: callbackEvent,
  block: obj({
    thread: str, statement: str, at: srcLoc, lock: opt(str), heldBy: opt(list(str)), queued: opt(bool), condition: opt(str),
    completion: opt(str), gracePeriod: opt(str), work: opt(str), workers: opt(list(str)),
  }),
});
const trace = obj({
  initial: list(obj({ name: str, value: str })),
  steps: list(obj({
    index: num, thread: str, statement: str, at: srcLoc, frames: list(str), choice: opt(str),
    changes: list(obj({ name: str, before: str, after: str, thread: opt(str) })),
    events: opt(list(traceEvent)),
    failed: opt(bool),
    failure: opt(obj({ statement: str, at: srcLoc })),
  })),
  final: list(obj({ thread: str, at: str })),
});
const callChain = obj({
  thread: str,
  frames: list(chainFrame),
  statement: obj({ text: str, at: srcLoc }),
  waitsFor: list(obj({
    lock: opt(str), heldBy: opt(list(str)), heldBySelf: opt(bool), queued: opt(bool), condition: opt(str), holderFinished: opt(list(bool)),
    completion: opt(str), completers: opt(list(str)), gracePeriod: opt(str), heldUpBy: opt(list(str)),
    work: opt(str), workers: opt(list(str)),
  })),
  holds: list(heldLock),
});
const violation = obj({
  kind: str, message: str, explanation: str, at: opt(srcLoc), thread: opt(str), property: opt(str), chains: list(callChain), trace,
});
const warning = obj({
  kind: str, message: str, explanation: str, locks: list(str),
  edges: list(obj({ from: str, to: str, thread: str, statement: obj({ text: str, at: srcLoc }), frames: list(chainFrame), held: opt(heldLock), action: opt(str), trace })),
});
const checkReport = obj({
  knot: str,
  version: num,
  model: str,
  constants: list(obj({ name: str, value: str, overridden: bool })),
  search: oneOf("bfs", "dfs"),
  verdict: oneOf("pass", "violation", "incomplete"),
  violations: list(violation),
  warnings: opt(list(warning)),
  statistics: obj({ states: num, transitions: num, depth: num, seconds: num, complete: bool, stoppedBy: opt(str), limit: opt(str) }),
  swarm: opt(obj({ member: num, members: num, seed: num })),
});

/** The report in a parsed JSON document, or why it is not one this knot can render. */
export function readCheckReport(data: unknown): { report: CheckReport } | { code: string; problem: string } {
  if (!isObject(data) || typeof data.knot !== "string" || typeof data.version !== "number") {
    if (isObject(data) && data.verdict === "error") {
      return { code: "K9012", problem: "is the error report of a model that did not compile (verdict \"error\"): there is no trace to render" };
    }
    return { code: "K9012", problem: "is not a knot check report (it has no \"knot\" and \"version\" fields); save one with knot check MODEL --format json" };
  }
  if (data.kind === "compare") return { code: "K9012", problem: "is a knot compare report, not a check report" };
  if (data.version !== REPORT_VERSION) {
    return { code: "K9013", problem: `is a version ${data.version} report (written by knot ${data.knot}); this knot reads version ${REPORT_VERSION}` };
  }
  const bad = checkReport(data, "");
  if (bad) return { code: "K9014", problem: `is not a well-formed knot check report: ${bad}` };
  const report = data as unknown as CheckReport;
  // reports written before events existed have none: nothing to draw but the steps' changes
  for (const t of [...report.violations.map((v) => v.trace), ...(report.warnings ?? []).flatMap((w) => w.edges.map((e) => e.trace))]) {
    for (const s of t.steps) s.events ??= [];
  }
  report.warnings ??= [];
  return { report };
}

/** A saved JSON check report: far above what a report with thousands of long traces takes. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** A saved check report read from `file` and validated, or the exit code after saying why it is not one. */
export function loadCheckReport(io: Io, file: string): { ok: true; report: CheckReport } | { ok: false; exit: number } {
  const read0 = readInputFile(file, MAX_REPORT_BYTES);
  if ("problem" in read0) return { ok: false, exit: fail(io, "K9010", `cannot read '${printable(file)}': ${read0.problem.reason}`) };
  const text = read0.text.replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    // every string of the report is printed somewhere: hidden characters become visible escapes
    data = JSON.parse(text, (_key, value: unknown) => (typeof value === "string" ? printable(value) : value));
  } catch (e) {
    const where = jsonSyntaxError(text);
    if (where) return { ok: false, exit: fail(io, "K9011", `not a JSON document: ${where.message}`, lineCol(text, where.offset), file) };
    return { ok: false, exit: fail(io, "K9011", `'${file}' is not a JSON document: ${(e as Error).message}`) };
  }
  const read = readCheckReport(data);
  if ("problem" in read) return { ok: false, exit: fail(io, read.code, `'${file}' ${read.problem}`) };
  return { ok: true, report: read.report };
}

export function runTrace(io: Io, args: TraceArgs): number {
  const read = loadCheckReport(io, args.file);
  if (!read.ok) return read.exit;
  if (args.model !== undefined) return replayOnModel(io, args, read.report, args.model);
  if (args.set?.length) return fail(io, "K9015", "--set applies to --model: there is no model to set constants of");
  io.out(args.format === "mermaid" ? renderCheckMermaid(read.report) : renderCheckText(read.report));
  return ExitCode.Pass;
}

/** The report's counterexamples replayed on `model`: does each still happen? */
function replayOnModel(io: Io, args: TraceArgs, report: CheckReport, model: string): number {
  const given = parseSettings(io, args.set ?? []);
  if (!given.ok) return given.exit;
  // the report's own settings first, so the old counterexample is replayed under the configuration that found it
  const mine = new Set(given.value.map((o) => o.name));
  const saved = report.constants.filter((c) => c.overridden && !mine.has(c.name)).map((c) => ({ name: c.name, text: c.value }));
  const overrides = [...saved, ...given.value];
  const checked = checkStage(io, { path: model, overrides });
  if (!checked.ok) return checked.exit;
  const results = replaySavedReport(checked.value, report);
  const settings = overrides.map((o) => `${o.name} = ${o.text}`).join(", ");
  io.out(renderSavedReplay(printable(args.file), printable(model), settings, results));
  return results.some((r) => r.reproduces) ? ExitCode.Violation : ExitCode.Pass;
}
