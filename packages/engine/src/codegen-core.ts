// Shared by the code generator (codegen.ts) and its family modules (codegen-workqueue.ts):
// the step functions' result codes, the generator's options, the line writer, and where a
// slot lives as generated code sees it.
import type { ViolationKind } from "@knot/ir";

/** Step function results. */
export const R_ENABLED = 0;
export const R_DISABLED = 1;
export const R_VIOLATED = 2;
/** Disabled by an await, an empty pick, or a statement whose check is off and that cannot run. */
export const R_OTHER = 3;
/** Disabled waiting on an rwsem. */
export const R_COMPLEX = 4;
/** Disabled waiting on the lock at slot (result - R_LOCK). */
export const R_LOCK = 16;

export interface Options {
  disabled: ReadonlySet<ViolationKind>;
  lockOrder: boolean;
  /**
   * "thread": code specialised per thread (every slot at a known place: fastest);
   * "process": one piece of code per process, shared by its instances (smaller, so
   * quicker to build for models with many instances and steps). Default: by size.
   */
  shape?: "thread" | "process";
}

export class Writer {
  private readonly lines: string[] = [];
  private depth = 0;
  line(s: string): void {
    this.lines.push("  ".repeat(this.depth) + s);
  }
  open(s: string): void {
    this.line(s);
    this.depth++;
  }
  close(s = "}"): void {
    this.depth--;
    this.line(s);
  }
  /** `} else {` and the like: out one level, a line, in again. */
  mid(s: string): void {
    this.depth--;
    this.line(s);
    this.depth++;
  }
  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

/** Where a slot lives, as generated code sees it. */
export type SlotRef =
  | { g: number } // a global slot, at a fixed place
  | { l: number } // a slot of the running thread's block (pc -1, locals 0..), same place relative to every instance's block
  | { d: string }; // a slot computed at run time (an absolute slot index expression)

