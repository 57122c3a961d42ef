// Tests of knot trace: a report saved with knot check --format json renders to
// exactly what knot check prints (text and Mermaid) for every kind of verdict,
// and every kind of bad input is a clear error with exit 2 (never a stack
// trace); the JSON syntax-error locator agrees with JSON.parse.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { jsonSyntaxError } from "./commands/trace.js";
import { ExitCode } from "./exit-codes.js";
import { captureIo } from "./io.js";
import { testDir } from "../../../tests/support/temp-dir.js";

const dir = testDir("knot-trace-");

async function knot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("knot trace", () => {
  const runs: [string, string[]][] = [
    ["violation", ["models/kvm/vfio.knot", "--set", "TEARDOWN=destroy"]],
    ["pass", ["models/kvm/vfio.knot", "--set", "TEARDOWN=release"]],
    ["violation and warning", ["models/examples/philosophers.knot", "--set", "N=3"]],
    ["strict lock-order violation", ["models/examples/philosophers.knot", "--set", "N=3", "--strict", "--no-lock-cycle"]],
    ["incomplete", ["models/examples/philosophers.knot", "--set", "ORDERED=true", "--max-states", "40"]],
    ["every violation", ["models/examples/abba.knot", "--all"]],
    ["a grace period and SRCU events", ["models/kernel/synchronize_srcu_under_mutex.knot", "--set", "SYNC=under_lock"]],
    ["a completion", ["models/kernel/wait_for_completion_under_lock.knot", "--set", "WAIT=under_lock", "--all"]],
    ["completion events", ["docs/examples/completion.knot", "--set", "WAIT_UNDER_SPINLOCK=true"]],
  ];
  for (const [what, args] of runs) {
    it(`renders a saved report (${what}) exactly as knot check prints it, and exits 0`, async () => {
      const json = await knot("check", ...args, "--format", "json");
      const saved = file(`${what.replace(/\W+/g, "-")}.json`, json.stdout);
      for (const format of ["text", "mermaid"]) {
        const direct = await knot("check", ...args, "--format", format);
        const replayed = await knot("trace", saved, "--format", format);
        expect(replayed.stderr).toBe("");
        expect(replayed.code).toBe(ExitCode.Pass);
        // the same report, down to the time the saved search took
        expect(replayed.stdout).toBe(direct.stdout.replace(/\d+\.\d\d s\b/g, `${JSON.parse(json.stdout).statistics.seconds.toFixed(2)} s`));
      }
    });
  }

  it("renders reports written before steps had events (nothing to draw but the changes)", async () => {
    const json = JSON.parse((await knot("check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--format", "json")).stdout);
    for (const v of json.violations) for (const s of v.trace.steps) delete s.events;
    const r = await knot("trace", file("old.json", JSON.stringify(json)), "--format", "mermaid");
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stdout).toContain("Note over T2: 8. kvm[0]->devices: {kvm_device[0]} → {}");
    expect(r.stdout).not.toContain("T2->>L0");
  });

  const bad: [string, string, RegExp][] = [
    ["not JSON at all", "violation[recursive-locking]: ...\n", /^.*bad-1\.json:1:1: error\[K9011\]: not a JSON document: expected a value, found 'v'\n$/],
    ["truncated JSON", '{\n  "knot": "0.1.0",\n  "violations": [\n', /bad-2\.json:4:1: error\[K9011\]: not a JSON document: expected a value, found the end of the file\n$/],
    ["a JSON list", "[1, 2]", /^knot: error\[K9012\]: '.*bad-3\.json' is not a knot check report/],
    ["a compare report", '{"knot": "0.1.0", "version": 1, "kind": "compare"}', /error\[K9012\]: .* is a knot compare report, not a check report/],
    ["another version", '{"knot": "2.0.0", "version": 2}', /error\[K9013\]: .* is a version 2 report \(written by knot 2\.0\.0\); this knot reads version 1/],
    ["a field of the wrong type", "", /error\[K9014\]: .* is not a well-formed knot check report: violations\[0\]\.trace\.steps\[2\]\.at\.line should be a number/],
    ["an unknown event", "", /error\[K9014\]: .*: violations\[0\]\.trace\.steps\[0\]\.events\[0\]\.kind should be one of "acquire", "release", "call", "get", "put", "complete"/],
  ];
  it.each(bad.map((b, i) => [...b, i + 1] as const))("rejects %s with a clear error and exit 2", async (_what, text, expected, i) => {
    let content = text;
    if (content === "") {
      const json = JSON.parse((await knot("check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--format", "json")).stdout);
      if (i === 6) json.violations[0].trace.steps[2].at.line = "28";
      else json.violations[0].trace.steps[0].events = [{ kind: "teleport" }];
      content = JSON.stringify(json, null, 2);
    }
    const r = await knot("trace", file(`bad-${i}.json`, content));
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("says so when the file cannot be read, or is a directory", async () => {
    for (const [path, why] of [[join(dir, "nosuch.json"), "no such file"], [dir, "it is a directory"]]) {
      const r = await knot("trace", path!);
      expect(r.code).toBe(ExitCode.UsageOrModelError);
      expect(r.stderr).toBe(`knot: error[K9010]: cannot read '${path}': ${why}\n`);
    }
  });

  it("refuses formats it cannot render", async () => {
    const r = await knot("trace", "x.json", "--format", "json");
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.stderr).toMatch(/error\[K9001\]/);
  });
});

describe("the JSON syntax-error locator", () => {
  const valid = ['{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]}', "  []  ", "{}", '"s"', "0", '{"a": {"b": [[], {}]}}'];
  const invalid: [string, number][] = [
    ["", 0], ["{", 1], ['{"a" 1}', 5], ['{"a": 1,}', 8], ["[1 2]", 3], ["[1,]", 3], ["01", 1], ["{'a': 1}", 1],
    ['"tab\there"', 4], ['"\\x"', 1], ["[1] 2", 4], ["tru", 0], ['{"a": 1}}', 8], ["[".repeat(100000), 100000],
  ];
  it("accepts what JSON.parse accepts", () => {
    for (const t of valid) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(jsonSyntaxError(t), t).toBeUndefined();
    }
  });
  it("finds the offset of the first error in what JSON.parse rejects", () => {
    for (const [t, offset] of invalid) {
      expect(() => JSON.parse(t)).toThrow();
      expect(jsonSyntaxError(t)?.offset, t.slice(0, 20)).toBe(offset);
    }
  });
});

describe("knot trace --model", () => {
  const checks = ["assertion", "atomic-blocked", "double-free", "exit-holding-lock", "final", "invariant", "leak", "lock-cycle", "null-callback", "null-deref", "out-of-range", "recursive-locking", "refcount-inc-from-zero", "refcount-underflow", "sleep-in-atomic", "stuck", "unlock-not-held", "use-after-free"];
  const saved: [string, string[]][] = [
    ["models/kvm/vfio.knot", ["--set", "TEARDOWN=destroy"]],
    ["models/kvm/vfio_abba.knot", ["--set", "FIXED=false", "--all"]],
    ["models/kvm/vfio_file_race.knot", ["--set", "FIXED=false", "--all"]],
    ["models/kvm/release_only.knot", ["--set", "FIXED=false"]],
    ["models/examples/philosophers.knot", ["--set", "N=3", "--all"]],
    ["docs/examples/ops.knot", ["--set", "LIST_DEL=false"]],
    ["docs/examples/rwsem.knot", ["--set", "UPGRADE=true", "--all"]],
    ["docs/examples/checks/lock-order.knot", ["--strict"]],
    ...checks.map((c): [string, string[]] => [`docs/examples/checks/${c}.knot`, ["--all"]]),
  ];
  for (const [model, args] of saved) {
    it(`every counterexample of ${model} ${args.join(" ")} still reproduces on the same model (exit 1)`, async () => {
      const json = await knot("check", model, ...args, "--format", "json");
      expect(json.code).toBe(ExitCode.Violation);
      const report = JSON.parse(json.stdout) as { violations: unknown[]; warnings: { edges: unknown[] }[] };
      const n = report.violations.filter((v) => (v as { kind: string }).kind !== "lock-order").length + report.warnings.reduce((k, w) => k + w.edges.length, 0);
      const path = file(`${model.replace(/\W+/g, "-")}.json`, json.stdout);
      // the report's own settings are applied again: no --set needed
      const r = await knot("trace", path, "--model", model);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain(`${n} of ${n} counterexample`);
      expect(r.stdout).not.toContain("no longer reproduces");
      expect(r.code).toBe(ExitCode.Violation);
    });
  }

  it("says where an old counterexample diverges after the fix, and exits 0", async () => {
    const json = await knot("check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--format", "json");
    const path = file("seed-destroy.json", json.stdout);
    const r = await knot("trace", path, "--model", "models/kvm/vfio.knot", "--set", "TEARDOWN=release");
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stdout).toContain("(TEARDOWN = release)");
    // the device's ops are part of the initial state (its kvm_device object)
    expect(r.stdout).toContain("recursive-locking: no longer reproduces; it diverges at the initial state");
    expect(r.stdout).toContain("the trace has kvm_device[0] = {ops: {destroy: kvm_vfio_destroy}, kvm: kvm[0]}; the model now gives {ops: {release: kvm_vfio_release}, kvm: kvm[0]}");
    expect(r.stdout).toContain("0 of 1 counterexample still reproduce");
  });

  it("diverges on an edited model: a changed statement, a renamed thread", async () => {
    const json = await knot("check", "docs/examples/checks/recursive-locking.knot", "--format", "json");
    const path = file("recursive.json", json.stdout);
    const { readFileSync } = await import("node:fs");
    const source = readFileSync("docs/examples/checks/recursive-locking.knot", "utf8");
    // the same file name, so locations still line up; the second lock is gone
    const fixedDir = testDir("knot-trace-model-");
    const fixed = join(fixedDir, "recursive-locking.knot");
    writeFileSync(fixed, source.replace("process unplug", "process unplug_dev"));
    const r = await knot("trace", path, "--model", fixed);
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stdout).toMatch(/no longer reproduces; it diverges at (the initial state|step 1 of \d+)/);
  });

  it("rejects a model that does not compile, and --set without --model", async () => {
    const json = await knot("check", "models/kvm/vfio.knot", "--set", "TEARDOWN=destroy", "--format", "json");
    const path = file("seed.json", json.stdout);
    const bad = file("bad.knot", "process p { lock nosuch }\n");
    const r = await knot("trace", path, "--model", bad);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.stderr).toMatch(/bad\.knot:1:\d+: error\[/);
    const s = await knot("trace", path, "--set", "TEARDOWN=release");
    expect(s.code).toBe(ExitCode.UsageOrModelError);
    expect(s.stderr).toContain("error[K9015]");
    const unknown = await knot("trace", path, "--model", "models/kvm/vfio.knot", "--set", "NOPE=1");
    expect(unknown.code).toBe(ExitCode.UsageOrModelError);
  });
});
