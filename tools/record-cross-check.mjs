// tools/record-cross-check.mjs -- re-records what the engine reports for the reference's
// cross-check tests (packages/reference/src/test-engine-counts.ts and test-engine-traces.ts),
// after a change of semantics that is meant to change them. For every recorded entry whose
// model path contains one of the given words (every entry when none is given) it runs
// `knot check MODEL [--set ..] [--no-..] --format json`, with and without `--all`, and
// rewrites the entry's line. Review the diff: a change you did not expect is a bug.
//
//   pnpm build && node tools/record-cross-check.mjs models/kvm models/vfio
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/dist/cli.js");
const words = process.argv.slice(2);
const wanted = (model) => words.length === 0 || words.some((w) => model.includes(w));

function check(entry, all) {
  const args = [cli, "check", entry.model, "--format", "json", ...entry.set.flatMap((s) => ["--set", s]), ...entry.disabled.map((d) => `--no-${d}`), ...(all ? ["--all"] : [])];
  let out;
  try {
    out = execFileSync(process.execPath, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  } catch (e) {
    if (e.status !== 1 && e.status !== 2) throw new Error(`knot check ${entry.model} exited ${e.status}: ${e.stderr}`);
    out = e.stdout;
  }
  return JSON.parse(out);
}

function counts(entry) {
  const first = check(entry, false);
  const all = check(entry, true);
  return {
    ...entry,
    first: { states: first.statistics.states, transitions: first.statistics.transitions, depth: first.statistics.depth, kind: first.violations[0]?.kind ?? null },
    all: { states: all.statistics.states, transitions: all.statistics.transitions, kinds: all.violations.map((v) => v.kind).sort() },
  };
}

function trace(entry) {
  const v = check(entry, false).violations[0];
  if (!v) throw new Error(`${entry.model} ${entry.set.join(" ")}: no violation any more`);
  return {
    model: entry.model, set: entry.set, disabled: entry.disabled,
    violation: { kind: v.kind, ...(v.property ? { property: v.property } : {}) },
    initial: v.trace.initial,
    steps: v.trace.steps.map((s) => ({
      thread: s.thread, at: s.at, statement: s.statement, ...(s.choice ? { choice: s.choice } : {}),
      changes: s.changes, ...(s.failed ? { failed: true } : {}),
    })),
    final: v.trace.final,
  };
}

function rewrite(file, make) {
  const path = join(root, file);
  let changed = 0;
  const lines = readFileSync(path, "utf8").split("\n").map((line) => {
    const m = /^(\s*)(\{"model".*\}),$/.exec(line);
    if (!m) return line;
    const entry = JSON.parse(m[2]);
    if (!wanted(entry.model)) return line;
    const next = `${m[1]}${JSON.stringify(make(entry))},`;
    if (next !== line) changed++;
    return next;
  });
  writeFileSync(path, lines.join("\n"));
  console.log(`${file}: ${changed} entr${changed === 1 ? "y" : "ies"} changed`);
}

rewrite("packages/reference/src/test-engine-counts.ts", counts);
rewrite("packages/reference/src/test-engine-traces.ts", trace);
