// The workqueue family in the front end: workqueue and work declarations (arrays,
// arguments fixed by the declaration), the statements and the two conditions, the
// contextual words (a variable may still be called `work`), and what is refused:
// max_active out of range, arguments that read state, wrong kinds of names, a work
// used as a value, a condition where a trylock may not stand. Expected diagnostics
// are [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { checkMarked } from "./test-markers.js";

const DECLS = [
  "type Irqfd = 0..1",
  "mutex m",
  "refcount users = 1",
  "proc irqfd_shutdown(i: Irqfd) { skip }",
  "proc release() { skip }",
  "workqueue cleanup_wq { max_active: 1 }",
  "workqueue events",
  "work shutdown[i in Irqfd] on cleanup_wq runs irqfd_shutdown(1 - i)",
  "work release_work on events runs release()",
  "",
].join("\n");

describe("workqueues", () => {
  it("accepts the declarations, every statement and both conditions, and counts the workers", () => {
    const r = checkMarked(DECLS + [
      "var work: bool",
      "process p[j in Irqfd] {",
      "  queue_work shutdown[j]",
      "  queue_work(release_work)",
      "  if queue_work(shutdown[1 - j]) { get users }",
      "  var q: bool = queue_work(release_work)",
      "  flush_work shutdown[j]",
      "  cancel_work_sync release_work",
      "  if not cancel_work_sync(shutdown[j]) { put users }",
      "  flush_workqueue cleanup_wq",
      "  work := q",
      "}",
    ].join("\n"), []);
    const m = r.model!;
    expect(m.workqueues.map((q) => [q.name, q.maxActive, q.works.map((w) => w.name), q.workers])).toEqual([
      ["cleanup_wq", 1, ["shutdown"], 1],
      ["events", undefined, ["release_work"], 1],
    ]);
    expect(m.works.map((w) => [w.name, w.wq?.name, w.proc?.name])).toEqual([["shutdown", "cleanup_wq", "irqfd_shutdown"], ["release_work", "events", "release"]]);
  });

  it("gives a workqueue min(max_active, work items) workers, an array being one work item per index", () => {
    const r = checkMarked("proc f() { skip }\nworkqueue wq { max_active: 4 }\nwork a on wq runs f()\nwork b on wq runs f()\nprocess p { queue_work a }", []);
    expect(r.model!.workqueues[0]!.workers).toBe(2);
    const arr = checkMarked("proc f(i: 0..2) { skip }\nworkqueue wq { max_active: 2 }\nworkqueue all\nwork a[i in 0..2] on wq runs f(i)\nwork b[i in 0..2] on all runs f(i)\nprocess p { queue_work a[0] }", []);
    expect(arr.model!.workqueues.map((q) => q.workers)).toEqual([2, 3]);
  });

  it("refuses max_active below 1 (K4050) and above the workers knot runs (K4051)", () => {
    checkMarked("workqueue wq { max_active: [[0]] }\nworkqueue wq2 { max_active: [[9]] }\nprocess p { skip }", [C.MaxActiveBelowOne, C.TooManyWorkers]);
  });

  it("refuses a work on something that is not a workqueue, running something that is not a procedure, with the wrong arguments", () => {
    checkMarked([
      "mutex m",
      "var x: 0..1",
      "proc f(a: 0..1) { skip }",
      "workqueue wq",
      "work wa on [[m]] runs f(0)",
      "work wb on wq runs [[x]](0)",
      "work wc on wq runs [[f]]()",
      "work wd on wq runs f([[x]])",
      "work we on wq runs f([[true]])",
      "work wg on [[nowq]] runs f(0)",
      "process p { skip }",
    ].join("\n"), [C.WrongKindOfName, C.WrongKindOfName, C.ArgumentCount, C.NotAllowedHere, C.TypeMismatch, C.UnknownName]);
  });

  it("refuses statements on the wrong kind of thing, a missing index, a work used as a value, a condition elsewhere", () => {
    checkMarked(DECLS + [
      "var b: bool",
      "process p {",
      "  queue_work [[m]]",
      "  flush_workqueue [[release_work]]",
      "  flush_work [[cleanup_wq]]",
      "  cancel_work_sync [[shutdown]]",
      "  b := [[release_work]]",
      "  b := [[queue_work(release_work)]] or b",
      "}",
    ].join("\n"), [C.WrongKindOfName, C.WrongKindOfName, C.WrongKindOfName, C.TypeMismatch, C.TypeMismatch, C.TrylockMisplaced]);
  });
});
