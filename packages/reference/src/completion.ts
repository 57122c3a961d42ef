// Completions in the reference interpreter, from docs/language.md "Completions"
// (kernel/sched/completion.c): a completion is its count of pending complete()
// calls, or "all" after complete_all(). complete() adds one (nothing when "all"),
// complete_all() makes it "all", reinit_completion() makes it 0,
// wait_for_completion() calls might_sleep() (sleep-in-atomic under a spinlock),
// then blocks while the count is 0 and takes one unless it is "all";
// completion_done() is "the count is not 0".
import { COMPLETION_COUNT_MAX, type CompletionOp } from "@knot/lang";

/** One completion's count; "all" is the kernel's UINT_MAX, which complete() and waits leave alone. */
export type CompletionCount = number | "all";

/** What a completion statement does to the count: the new count, "wait" (blocks), or "overflow" (past knot's bound). */
export function completionStep(op: CompletionOp, done: CompletionCount): CompletionCount | "wait" | "overflow" {
  switch (op) {
    case "complete":
      if (done === "all") return "all";
      return done + 1 > COMPLETION_COUNT_MAX ? "overflow" : done + 1;
    case "complete_all":
      return "all";
    case "reinit_completion":
      return 0;
    case "wait_for_completion":
      if (done === 0) return "wait";
      return done === "all" ? "all" : done - 1;
  }
}

export function completionDone(done: CompletionCount): boolean {
  return done !== 0;
}

export function formatCompletion(done: CompletionCount): string {
  return String(done);
}
