// Tests of the Mermaid rendering: every diagram produced for the models in
// models/ (each constant's values in turn, every violation, with and without
// --strict) is valid Mermaid according to Mermaid's own parser; the diagram of
// the kvm-vfio deadlock says what the trace says; and names and messages full
// of characters that mean something to Mermaid, HTML or markdown come out of
// Mermaid's parser exactly as written.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { type Override, compileModel, hasErrors } from "@knot/lang";
import { lowerModel } from "@knot/ir";
import { explore } from "@knot/engine";
import { check } from "../../engine/src/test-pipeline.js";
import { type CheckReport, type ViolationReport, buildCheckReport } from "./check-report.js";
import { mermaidText, renderCheckMermaid, violationDiagram } from "./mermaid.js";
import { LINE, mermaidBlocks, parseSequence } from "./test-mermaid.js";

const root = join(import.meta.dirname, "../../..");

function knotFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? knotFiles(p) : f.endsWith(".knot") ? [p] : [];
  });
}

/** The model with its defaults, then with each enum or bool constant set to each other value in turn. */
function variants(path: string): Override[][] | undefined {
  const front = compileModel(path);
  if (!front.model || hasErrors(front.diagnostics)) return undefined; // a library of procedures, not a model
  const out: Override[][] = [[]];
  for (const c of front.model.consts) {
    const values = c.type.kind === "bool" ? ["true", "false"] : c.type.kind === "enum" ? c.type.members : [];
    for (const v of values) out.push([{ name: c.name, text: v }]);
  }
  return out;
}

/** The reports of one search of a model, without and with --strict (every violation; a bounded search). */
function reportsOf(path: string, overrides: Override[]): CheckReport[] {
  const front = compileModel(path, { overrides });
  if (!front.model) return [];
  const lowered = lowerModel(front.model);
  if (!lowered.model) return [];
  const result = explore(lowered.model, { all: true, maxStates: 5000 });
  return [false, true].map((strict) => buildCheckReport(lowered.model!, result, { search: "bfs", version: "test", strict }));
}

describe("Mermaid diagrams are valid Mermaid", () => {
  it("for every model in models/, every constant value, every violation and warning", async () => {
    let diagrams = 0;
    let models = 0;
    for (const path of knotFiles(join(root, "models"))) {
      const vs = variants(path);
      if (!vs) continue;
      models++;
      for (const overrides of vs) {
        for (const [strict, r] of reportsOf(path, overrides).entries()) {
          const blocks = mermaidBlocks(renderCheckMermaid(r));
          const shownWarnings = r.violations.some((v) => v.kind === "lock-order") ? 0 : r.warnings.length;
          const what = `${relative(root, path)} ${overrides.map((o) => `${o.name}=${o.text}`).join(" ")}${strict ? " --strict" : ""}`;
          expect(blocks.length, what).toBe(r.violations.length + shownWarnings);
          for (const b of blocks) {
            await expect(parseSequence(b), `${what}:\n${b}`).resolves.toBeTruthy();
            diagrams++;
          }
        }
      }
    }
    expect(models).toBeGreaterThanOrEqual(3);
    expect(diagrams).toBeGreaterThanOrEqual(6);
  });
});

describe("grace periods and completions as messages between lifelines", () => {
  it("draws read-side sections, the grace period's start and the blocked synchronize to the domain", async () => {
    const r = reportsOf(join(root, "models/kernel/synchronize_srcu_under_mutex.knot"), [{ name: "SYNC", text: "under_lock" }])[0]!;
    const d = await parseSequence(violationDiagram(r.violations[0]!));
    const id = (name: string) => d.participants.find((p) => p.name === name)!.id;
    expect(d.lines).toContainEqual(expect.objectContaining({ type: LINE.solid, from: id("vcpu"), to: id("kvm_srcu"), text: "3. srcu_read_lock kvm_srcu" }));
    expect(d.lines).toContainEqual(expect.objectContaining({ type: LINE.solid, from: id("ioctl"), to: id("kvm_srcu"), text: "4. synchronize_srcu kvm_srcu: a grace period starts" }));
    expect(d.lines).toContainEqual(expect.objectContaining({ type: LINE.solidCross, from: id("ioctl"), to: id("kvm_srcu"), text: "synchronize_srcu kvm_srcu (blocks)" }));
  });

  it("draws complete as a message to the completion and a wait returning as one back", async () => {
    const r = reportsOf(join(root, "models/kernel/wait_for_completion_under_lock.knot"), [{ name: "WAIT", text: "under_lock" }])[0]!;
    const d = await parseSequence(violationDiagram(r.violations[0]!));
    const id = (name: string) => d.participants.find((p) => p.name === name)!.id;
    expect(d.lines).toContainEqual(expect.objectContaining({ type: LINE.solidCross, from: id("unbind"), to: id("fw_done"), text: "wait_for_completion fw_done (blocks)" }));
  });
});

describe("the kvm-vfio deadlock as a sequence diagram", () => {
  it("has the threads and the lock, each lock step, the call through dev.ops, and the blocked request highlighted", async () => {
    const r = reportsOf(join(root, "models/kvm/vfio.knot"), [{ name: "TEARDOWN", text: "destroy" }])[0]!;
    const d = await parseSequence(violationDiagram(r.violations[0]!));
    expect(d.title).toBe("violation[recursive-locking]: close_vfio_device_fd waits for group_lock, which it already holds");
    expect(d.participants.map((p) => p.name)).toEqual(["close_vm_fd", "close_kvm_vfio_fd", "close_vfio_device_fd", "group_lock"]);
    const id = (name: string) => d.participants.find((p) => p.name === name)!.id;
    const lines = d.lines.map((l) => ({ ...l, text: l.text }));
    expect(lines).toContainEqual({ type: LINE.solid, from: id("close_vfio_device_fd"), to: id("group_lock"), text: "5. lock group_lock" });
    expect(lines).toContainEqual({ type: LINE.note, from: id("close_vm_fd"), to: id("close_vm_fd"), text: "1. put kvm[0]->users_count: 3 → 2" });
    expect(lines).toContainEqual({ type: LINE.note, from: id("close_vfio_device_fd"), to: id("close_vfio_device_fd"), text: "9. call kvm_vfio_destroy via dev.ops.destroy" });
    // the last three entries: the crossed arrow and who holds the lock, inside a rect
    const tail = d.lines.slice(-4);
    expect(tail.map((l) => l.type)).toEqual([LINE.rectStart, LINE.solidCross, LINE.note, LINE.rectEnd]);
    expect(tail[1]).toMatchObject({ from: id("close_vfio_device_fd"), to: id("group_lock"), text: "lock group_lock (blocks)" });
    expect(tail[2]!.text).toBe("group_lock is held by close_vfio_device_fd itself");
  });

  it("draws a release as a dashed arrow and a failing step in a highlighted rect", async () => {
    const r = check(`
mutex a
var n: 0..3 = 0
process p { lock a; n := 1; unlock a; assert n == 0 : "n moved" }
`);
    const report = buildCheckReport(r.model, r, { search: "bfs", version: "test" });
    const d = await parseSequence(violationDiagram(report.violations[0]!));
    expect(d.lines.map((l) => [l.type, l.text])).toEqual([
      [LINE.solid, "1. lock a"],
      [LINE.note, "2. n: 0 → 1"],
      [LINE.dotted, "3. unlock a"],
      [LINE.rectStart, expect.any(String)],
      [LINE.note, `4. assert n == 0 : "n moved": assertion here`],
      [LINE.rectEnd, ""],
    ]);
  });

  it("a violation in the initial state (no step) is a note across the threads; with no thread at all, over a placeholder", async () => {
    const r = check(`
var x: bool = true
process p { x := false }
process q { x := false }
invariant never_x: not x
`);
    const v = buildCheckReport(r.model, r, { search: "bfs", version: "test" }).violations[0]!;
    expect(v.trace.steps).toEqual([]);
    const d = await parseSequence(violationDiagram(v));
    expect(d.participants.map((p) => p.name)).toEqual(["p", "q"]);
    expect(d.lines.map((l) => [l.type, l.from, l.to, l.text])).toEqual([
      [LINE.rectStart, undefined, undefined, expect.any(String)],
      [LINE.note, "T0", "T1", "never_x: invariant never_x does not hold"],
      [LINE.rectEnd, undefined, undefined, ""],
    ]);
    const bare = await parseSequence(violationDiagram({ ...v, trace: { initial: [], steps: [], final: [] } }));
    expect(bare.participants.map((p) => p.name)).toEqual(["(no thread)"]);
  });
});

/** Text that means something to Mermaid (statement ends, entities, comments and directives, arrows, keywords), HTML or markdown. */
const NASTY = [
  `a;b#c:d`,
  `%%{init: {"theme": "forest"}}%% %% comment`,
  `<b>bold</b> <br/> <script>x</script> &amp; &lt;`,
  `"double" 'single' \`tick\` \\back\\slash`,
  `end`,
  `participant X as Y`,
  `A->>B: arrow --x -) -->>`,
  `wrap: text`,
  `#35; #quot; ﬂ°°35¶ß Straße 10°`,
  `line\nbreak\ttab`,
  `{set} [map] (call) =+*/|!?@$^~`,
];

function nastyReport(word: string): CheckReport {
  const at = { file: `dir/${word}.knot`, line: 1, col: 1 };
  const violation: ViolationReport = {
    kind: "recursive-locking",
    message: `${word} waits for ${word}`,
    explanation: `because ${word}`,
    at,
    thread: word,
    chains: [],
    trace: {
      initial: [{ name: word, value: word }],
      steps: [
        {
          index: 1, thread: word, statement: `lock ${word}`, at, frames: [word],
          changes: [{ name: `${word}_var`, before: word, after: `${word}!` }],
          events: [
            { kind: "call", proc: word, via: `${word}.ops`, at },
            { kind: "acquire", lock: word },
            { kind: "put", refcount: word, from: 2, to: 1 },
            { kind: "block", thread: word, statement: `lock ${word}`, at, lock: word, heldBy: [word] },
          ],
        },
      ],
      final: [{ thread: word, at: word }],
    },
  };
  return {
    knot: "test", version: 1, model: `${word}.knot`, constants: [{ name: word, value: word, overridden: true }], search: "bfs",
    verdict: "violation", violations: [violation],
    warnings: [{
      kind: "lock-order", message: `cycle ${word}`, explanation: word, locks: [word, `${word}2`],
      edges: [{ from: word, to: `${word}2`, thread: word, statement: { text: word, at }, frames: [], trace: violation.trace }],
    }],
    statistics: { states: 1, transitions: 0, depth: 0, seconds: 0, complete: true, bytes: 0, stateBytes: 4, store: "exact", engine: "interp" },
  };
}

describe("text a model author controls cannot break a diagram", () => {
  for (const word of NASTY) {
    it(JSON.stringify(word), async () => {
      const flat = word.replace(/[\n\t]/g, " ").trim();
      const blocks = mermaidBlocks(renderCheckMermaid(nastyReport(word)));
      expect(blocks).toHaveLength(2);
      const d = await parseSequence(blocks[0]!);
      expect(d.title).toBe(`violation[recursive-locking]: ${flat} waits for ${flat}`);
      expect(d.participants.map((p) => p.name)).toEqual([flat, flat]); // the thread and the lock, under safe ids
      expect(d.participants.map((p) => p.id)).toEqual(["T0", "L0"]);
      expect(d.lines.map((l) => l.text)).toEqual([
        `1. call ${flat} via ${flat}.ops`,
        `1. lock ${flat}`,
        `1. put ${flat}: 2 → 1`,
        `1. ${flat}_var: ${flat} → ${flat}!`,
        expect.any(String),
        `lock ${flat} (blocks)`,
        `${flat} is held by ${flat} itself`,
        "",
      ]);
      const w = await parseSequence(blocks[1]!);
      expect(w.title).toBe(`warning[lock-order]: cycle ${flat}`);
      expect(w.lines[0]!.text).toBe(`${flat} → ${flat}2: ${flat} takes ${flat}2 while holding ${flat}`);
    });
  }

  it("escapes every character with a meaning, and keeps plain text readable", () => {
    expect(mermaidText("on_list := on_list - {d}")).toBe("on_list := on_list - {d}");
    expect(mermaidText("fork[2] → phil[0]")).toBe("fork[2] → phil[0]");
    expect(mermaidText(`a;b#c%d<e>f&g"h\`i\\j`)).toBe("a#59;b#35;c#37;d#60;e>f#38;g#34;h#96;i#92;j");
    expect(mermaidText("wrap: x")).toBe("wrap#58; x");
    expect(mermaidText("")).toBe("#160;");
  });

  it("keeps markdown outside the diagrams inert: the model path in a code span, explanations escaped", () => {
    const md = renderCheckMermaid(nastyReport("x`y*z_<b>"));
    expect(md.split("\n")[0]).toBe("**knot check** ``x`y*z_<b>.knot (x`y*z_<b> = x`y*z_<b>)``: 1 violation (1 lock-order warning)");
    expect(md).toContain("`violation[recursive-locking]` because x\\`y\\*z\\_\\<b\\>");
  });
});
