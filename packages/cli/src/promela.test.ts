// knot compile --emit promela against Spin (docs/cli.md, "knot compile"): the emitted model
// has knot's step granularity, so Spin's unreduced search (-DNOREDUCE) counts knot's states,
// and knot's transitions plus one (the step that creates Spin's initial state), on the
// philosophers and kvm_devs families; a deadlock knot reports is an invalid end state for
// Spin. Needs spin and a C compiler (.ci/run installs Debian's spin); skipped, with a note,
// where they are missing. Models outside the subset are refused with K6040.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./io.js";

const root = join(import.meta.dirname, "../../..");
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const spin = has("spin") && has("gcc");
if (!spin) console.log("note: spin or gcc is not installed: the Promela cross-check against Spin is skipped (apt-get install spin gcc)");

async function knot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const code = await main(args, io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  } finally {
    process.chdir(cwd);
  }
}

/** Spin's unreduced search of a Promela text: its figures. */
function runSpin(pml: string): { states: number; transitions: number; errors: number; invalidEnd: boolean } {
  const dir = mkdtempSync(join(tmpdir(), "knot-spin-"));
  writeFileSync(join(dir, "m.pml"), pml);
  const sh = (cmd: string) => spawnSync("sh", ["-c", cmd], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 });
  // -o2: a variable the model only writes is state too (Spin would drop it from the state vector)
  const a = sh("spin -a -o2 m.pml");
  expect(a.status, a.stdout + a.stderr).toBe(0);
  const c = sh("gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c");
  expect(c.status, c.stderr).toBe(0);
  const r = sh("./pan -m10000000");
  const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1]);
  return { states: num(/(\d+) states, stored/), transitions: num(/(\d+) transitions \(= stored\+matched\)/), errors: num(/errors: (\d+)/), invalidEnd: r.stdout.includes("invalid end state") };
}

async function counts(model: string, set: string[]): Promise<{ states: number; transitions: number; verdict: string; kind?: string }> {
  // Spin searches every state: so does knot here (a model with a symmetric type would store fewer)
  const r = await knot(["check", model, ...set.flatMap((s) => ["--set", s]), "--format", "json", "--symmetry", "off"]);
  const j = JSON.parse(r.stdout);
  return { states: j.statistics.states, transitions: j.statistics.transitions, verdict: j.verdict, kind: j.violations[0]?.kind };
}

describe("knot compile --emit promela", () => {
  const families: [string, string[]][] = [
    ["models/examples/philosophers.knot", ["N=4", "ORDERED=true"]],
    ["models/examples/philosophers.knot", ["N=6", "ORDERED=true"]],
    ["models/bench/kvm_devs_ok_N2.knot", []],
    ["models/bench/kvm_devs_ok_N3.knot", []],
    ["models/bench/kvm_devs_ok_N4.knot", []],
  ];
  for (const [model, set] of families) {
    it.skipIf(!spin)(`Spin counts knot's states on ${model} ${set.join(" ")}`, async () => {
      const p = await knot(["compile", model, ...set.flatMap((s) => ["--set", s]), "--emit", "promela"]);
      expect(p.code, p.stderr).toBe(0);
      const k = await counts(model, set);
      expect(k.verdict).toBe("pass");
      const s = runSpin(p.stdout);
      expect(s).toMatchObject({ states: k.states, transitions: k.transitions + 1, errors: 0 });
    }, 120_000);
  }

  for (const [model, set] of [["models/bench/kvm_devs_dl_N2.knot", []], ["models/examples/philosophers.knot", ["N=4"]]] as [string, string[]][]) {
    it.skipIf(!spin)(`a deadlock knot finds is an invalid end state for Spin: ${model} ${set.join(" ")}`, async () => {
      const p = await knot(["compile", model, ...set.flatMap((s) => ["--set", s]), "--emit", "promela"]);
      const k = await counts(model, set);
      expect(["lock-cycle", "recursive-locking"]).toContain(k.kind);
      expect(runSpin(p.stdout)).toMatchObject({ errors: 1, invalidEnd: true });
    }, 120_000);
  }

  it.skipIf(!spin)("Spin counts knot's states on every passing library model the subset covers", async () => {
    const files = ["models", "docs/examples"].flatMap((d) => readdirSync(join(root, d), { recursive: true }).map(String).filter((f) => f.endsWith(".knot")).map((f) => `${d}/${f}`));
    let compared = 0;
    for (const f of files.sort()) {
      const p = await knot(["compile", f, "--emit", "promela"]);
      if (p.code !== 0) continue;
      const k = await counts(f, []);
      if (k.verdict !== "pass" || k.states > 100_000) continue;
      expect(runSpin(p.stdout), f).toMatchObject({ states: k.states, transitions: k.transitions + 1, errors: 0 });
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(15);
  }, 300_000);

  it("refuses a model outside the subset, naming what it uses", async () => {
    const r = await knot(["compile", "docs/examples/rwsem.knot", "--emit", "promela"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^knot: error\[K6040\]: cannot write docs\/examples\/rwsem.knot as Promela: it uses rwsem \w+, which --emit promela does not cover/);
    const objects = await knot(["compile", "docs/examples/objects.knot", "--emit", "promela"]);
    expect(objects.stderr).toContain("it uses object pool");
  });
});
