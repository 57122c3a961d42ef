// tools/docs-output.mjs -- keeps the command output shown in docs/*.md and README.md true.
// Every ```console block holds one or more `$ knot ARGS` (README: `$ pnpm -s knot ARGS`) lines, each followed by what the command
// prints; this tool runs each command with the built CLI (from the repository root, with
// NO_COLOR) and says which blocks differ. Commands on models written out in the text only
// (no such file in the repository) and output cut short with a `…` line are left alone. With --update it rewrites the output of those
// commands in place (times, which vary from run to run, are kept as the document has them
// when nothing else on the line changed). Review the diff before committing.
//
//   pnpm build && node tools/docs-output.mjs            # list the stale blocks
//   pnpm build && node tools/docs-output.mjs --update   # rewrite them
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/dist/cli.js");
const update = process.argv.includes("--update");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));

/** Split a shell-like command line into words (double and single quotes, no expansion). */
function words(line) {
  const out = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const TIME = /\b\d+\.\d\d s\b/g;
/** A line of fresh output equal to the old one but for its times keeps the old times. */
function keepTimes(oldLine, newLine) {
  return oldLine !== undefined && oldLine.replace(TIME, "T") === newLine.replace(TIME, "T") ? oldLine : newLine;
}

function run(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return (r.stdout + r.stderr).replace(/\n+$/, "").split("\n");
}

let stale = 0;
const files = [...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`), "README.md"];
for (const name of files) {
  const path = join(root, name);
  if (only.length && !only.some((o) => path.includes(o))) continue;
  const lines = readFileSync(path, "utf8").split("\n");
  const out = [];
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    if (lines[i] !== "```console") continue;
    // the block: commands and their output up to the closing fence
    let j = i + 1;
    while (j < lines.length && lines[j] !== "```") {
      const cmd = lines[j];
      out.push(cmd);
      j++;
      const old = [];
      while (j < lines.length && lines[j] !== "```" && !lines[j].startsWith("$ ")) old.push(lines[j++]);
      const prefix = ["$ knot ", "$ pnpm -s knot "].find((p) => cmd.startsWith(p));
      const args = prefix ? words(cmd.slice(prefix.length)) : undefined;
      // not ours to run: another program, a model written out in the text only, or output cut short on purpose (…)
      if (!args || args.some((a) => /\.knot$/.test(a) && !existsSync(join(root, a))) || old.some((l) => l.trim() === "…")) {
        out.push(...old);
        continue;
      }
      const fresh = run(args).map((l, k) => keepTimes(old[k], l));
      if (fresh.join("\n") !== old.join("\n")) {
        stale++;
        changed = true;
        console.log(`${name}:${i + 1}: ${cmd}`);
      }
      out.push(...(update ? fresh : old));
    }
    if (j < lines.length) out.push(lines[j]);
    i = j;
  }
  if (update && changed) writeFileSync(path, out.join("\n"));
}
console.log(stale === 0 ? "every command's output is as shown" : `${stale} command${stale === 1 ? "" : "s"} print${stale === 1 ? "s" : ""} something else${update ? " (rewritten)" : ""}`);
