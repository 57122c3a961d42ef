// Frontiers (TLC's StateQueue): which stored state to expand next. BFS needs no
// queue of its own, because the store numbers states in discovery order; DFS
// keeps an explicit stack of state indices (no recursion, so no stack overflow on
// deep models).
import type { StateStore } from "./state-store.js";

export interface Frontier {
  /** A newly stored state to expand later. */
  push(index: number): void;
  /** The next state to expand, or -1 when done. */
  pop(): number;
  readonly pending: number;
}

export class BfsFrontier implements Frontier {
  private head = 0;
  constructor(private readonly store: StateStore) {}
  push(): void {
    // the store's insertion order is the queue
  }
  pop(): number {
    return this.head < this.store.size ? this.head++ : -1;
  }
  get pending(): number {
    return this.store.size - this.head;
  }
}

export class DfsFrontier implements Frontier {
  private stack = new Int32Array(1024);
  private top = 0;
  push(index: number): void {
    if (this.top === this.stack.length) {
      const bigger = new Int32Array(this.stack.length * 2);
      bigger.set(this.stack);
      this.stack = bigger;
    }
    this.stack[this.top++] = index;
  }
  pop(): number {
    return this.top > 0 ? this.stack[--this.top]! : -1;
  }
  get pending(): number {
    return this.top;
  }
}
