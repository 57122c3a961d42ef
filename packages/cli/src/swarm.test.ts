// Swarm verification end to end (docs/cli.md, "Swarm"): four members of a swarm run as
// separate processes, as a job matrix would run them, and knot merge combines their JSON
// reports: every distinct violation once with the shortest trace found, the verdict, and
// what the members covered; a swarm of budgeted searches without a violation is no proof,
// one exhaustive member makes it one; reports that do not belong together are refused.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./io.js";

const root = join(import.meta.dirname, "../../..");
const cli = join(root, "packages/cli/dist/cli.js");

/** Run the built CLI as a process of its own; resolves with its exit code and output. */
function knot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function merge(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await main(["merge", ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** A report with what varies between runs (times, memory) taken out. */
function steady(json: string): unknown {
  return JSON.parse(json, (k, v: unknown) => (k === "seconds" || k === "bytes" ? 0 : v));
}

/** Run members `members` of a swarm of `n` on the philosophers (N=5 unless `set`), in parallel processes; their report files. */
async function swarm(dir: string, n: number, members: number[], extra: string[] = [], set = ["N=5"]): Promise<string[]> {
  const runs = await Promise.all(members.map((i) => knot(["check", "models/examples/philosophers.knot", ...set.flatMap((s) => ["--set", s]), "--swarm", `${i}/${n}`, ...extra, "--format", "json"])));
  return runs.map((r, k) => {
    expect(r.stderr).toBe("");
    const file = join(dir, `member-${members[k]}.json`);
    writeFileSync(file, r.stdout);
    return file;
  });
}

describe("a swarm run as local processes and merged", () => {
  it("finds the philosophers' deadlock in every member, in orders of their own, and merges it into one violation with the shortest trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "knot-swarm-"));
    const files = await swarm(dir, 4, [0, 1, 2, 3]);
    const reports = files.map((f) => JSON.parse(readFileSync(f, "utf8")));
    expect(reports.map((r) => r.swarm)).toEqual([0, 1, 2, 3].map((member) => ({ member, members: 4, seed: 1 })));
    expect(reports.map((r) => r.verdict)).toEqual(["violation", "violation", "violation", "violation"]);
    // the members search in different orders: they stop after different numbers of states
    expect(new Set(reports.map((r) => r.statistics.states)).size).toBeGreaterThan(1);
    expect(reports.every((r) => r.search === "dfs" && r.statistics.store === "fingerprint")).toBe(true);
    // the same as the reports docs/cli.md shows (a member's search depends on its seed and number only)
    for (let i = 0; i < 4; i++) expect(steady(readFileSync(files[i]!, "utf8"))).toEqual(steady(readFileSync(join(root, `docs/examples/swarm/member-${i}.json`), "utf8")));

    const m = await merge([...files, "--format", "json"]);
    expect(m.code).toBe(1);
    const merged = JSON.parse(m.stdout);
    expect(merged.verdict).toBe("violation");
    expect(merged.violations.map((v: { kind: string }) => v.kind)).toEqual(["lock-cycle"]);
    const shortest = Math.min(...reports.map((r) => r.violations[0].trace.steps.length));
    expect(merged.violations[0].trace.steps.length).toBe(shortest);
    expect(merged.merged.foundBy.violations).toEqual([[0, 1, 2, 3]]);
    expect(merged.merged.members.map((x: { states: number }) => x.states)).toEqual(reports.map((r) => r.statistics.states));
    // the merged report is a check report: knot trace renders it
    const saved = join(dir, "merged.json");
    writeFileSync(saved, m.stdout);
    const io = captureIo();
    expect(await main(["trace", saved], io)).toBe(0);
    expect(io.stdout).toContain("violation[lock-cycle]");
    const text = await merge(files);
    expect(text.stdout).toContain("swarm of 4 reports (seed 1): models/examples/philosophers.knot (N = 5): 1 violation");
    expect(text.stdout).toContain(`the trace shown is the shortest of them (${shortest} steps)`);
  }, 60_000);

  it("without a violation is no proof unless a member searched the whole state space", async () => {
    const dir = mkdtempSync(join(tmpdir(), "knot-swarm-"));
    const budgeted = await swarm(dir, 3, [0, 1, 2], ["--max-states", "300"], ["N=6", "ORDERED=true"]);
    const partial = await merge(budgeted);
    expect(partial.code).toBe(3);
    expect(partial.stdout).toContain("verdict: incomplete: no member searched the whole state space, so a swarm without a violation is not a proof");
    // one member without a budget searches everything: the same states as any complete search
    const whole = await swarm(join(dir), 3, [2], [], ["N=6", "ORDERED=true"]);
    const full = await merge([budgeted[0]!, budgeted[1]!, whole[0]!]);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain("verdict: pass: member 2 of 3 searched the whole state space, with fingerprints");
    const exact = await knot(["check", "models/examples/philosophers.knot", "--set", "N=6", "--set", "ORDERED=true", "--format", "json"]);
    expect(JSON.parse(exact.stdout).statistics.states).toBe(JSON.parse(readFileSync(whole[0]!, "utf8")).statistics.states);
  }, 60_000);

  it("refuses reports on another model or other constants, the same member twice, and a bad --swarm", async () => {
    const dir = mkdtempSync(join(tmpdir(), "knot-swarm-"));
    const [a, b] = await swarm(dir, 2, [0, 1]);
    const other = join(dir, "other.json");
    writeFileSync(other, (await knot(["check", "models/examples/philosophers.knot", "--set", "N=4", "--swarm", "1/2", "--format", "json"])).stdout);
    expect(await merge([a!, other])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^knot: error\[K9018\]: .* with different constants: N = 4, against N = 5\n$/) });
    expect(await merge([b!, b!])).toMatchObject({ code: 2, stderr: expect.stringContaining("are the same swarm member (1 of 2, seed 1)") });
    for (const bad of ["2/2", "1/0", "a/b", "-1/4"]) {
      const r = await knot(["check", "models/examples/philosophers.knot", "--swarm", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--swarm expects I/N");
    }
    expect((await knot(["check", "models/examples/philosophers.knot", "--swarm", "0/2", "--search", "bfs"])).stderr).toContain("--swarm searches depth-first");
    expect((await knot(["check", "models/examples/philosophers.knot", "--seed", "2"])).stderr).toContain("--seed is the seed of a swarm");
    // an exhausted pool is a model error for the swarm too (exit 2), as for knot check
    const pool = join(dir, "pool.json");
    const exhausted = await knot(["check", "docs/examples/checks/pool-exhausted.knot", "--swarm", "0/1", "--format", "json"]);
    expect(exhausted.code).toBe(2);
    writeFileSync(pool, exhausted.stdout);
    expect((await merge([pool])).code).toBe(2);
  }, 60_000);
});
