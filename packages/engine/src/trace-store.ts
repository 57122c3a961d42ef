// Parent links (TLC's trace file): for every stored state, the state it was first
// reached from. An exact search keeps only that (4 bytes a state) and finds the
// step again when it rebuilds a trace, by expanding the parent and matching the
// stored child; a fingerprint search, which cannot read states back, writes the
// parent with the thread and step to a temporary file, so that memory holds
// nothing but fingerprints (the file is unlinked once open, so it never outlives
// the process).
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IntColumn } from "./state-store.js";

export interface TraceLink {
  parent: number;
  thread: number;
  step: number;
}

export interface TraceStore {
  /** Record how state `index` was first reached (parent -1 for an initial state). */
  record(index: number, parent: number, thread: number, step: number): void;
  parent(index: number): number;
  /** The recorded thread and step, when the store keeps them (undefined: find them again from the states). */
  link?(index: number): TraceLink;
  /** State indices from an initial state to `index`, in order. */
  chain(index: number): number[];
  bytes(): number;
  close(): void;
}

abstract class Chains {
  abstract parent(index: number): number;
  chain(index: number): number[] {
    const out: number[] = [];
    for (let i = index; i >= 0; i = this.parent(i)) out.push(i);
    return out.reverse();
  }
}

export class MemoryTraceStore extends Chains implements TraceStore {
  private readonly parents = new IntColumn();
  record(index: number, parent: number): void {
    this.parents.set(index, parent);
  }
  parent(index: number): number {
    return this.parents.get(index);
  }
  bytes(): number {
    return this.parents.bytes();
  }
  close(): void {
    // nothing held outside the heap
  }
}

const RECORD_BYTES = 8;
const BUFFER_RECORDS = 1 << 16;

export class DiskTraceStore extends Chains implements TraceStore {
  private readonly fd: number;
  private readonly buffer = new Int32Array(BUFFER_RECORDS * 2);
  /** Index of the first record in the buffer; records below it are in the file. */
  private bufferStart = 0;
  private count = 0;

  constructor(private readonly threads: number) {
    super();
    // the file is unlinked as soon as it is open: only the descriptor holds it, so
    // nothing is left behind however the process ends (a signal, a crash, SIGKILL)
    const dir = mkdtempSync(join(tmpdir(), "knot-trace-"));
    try {
      this.fd = openSync(join(dir, "links"), "wx+", 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  record(index: number, parent: number, thread: number, step: number): void {
    if (index !== this.count) throw new Error("trace links must be recorded in index order");
    if (index - this.bufferStart === BUFFER_RECORDS) this.flush();
    const i = (index - this.bufferStart) * 2;
    this.buffer[i] = parent;
    this.buffer[i + 1] = step < 0 ? -1 : step * this.threads + thread;
    this.count++;
  }

  private flush(): void {
    const n = this.count - this.bufferStart;
    writeSync(this.fd, new Uint8Array(this.buffer.buffer, 0, n * RECORD_BYTES), 0, n * RECORD_BYTES, this.bufferStart * RECORD_BYTES);
    this.bufferStart = this.count;
  }

  parent(index: number): number {
    return this.link(index).parent;
  }

  link(index: number): TraceLink {
    let parent: number;
    let v: number;
    if (index >= this.bufferStart) {
      const i = (index - this.bufferStart) * 2;
      parent = this.buffer[i]!;
      v = this.buffer[i + 1]!;
    } else {
      const rec = new Int32Array(2);
      readSync(this.fd, new Uint8Array(rec.buffer), 0, RECORD_BYTES, index * RECORD_BYTES);
      parent = rec[0]!;
      v = rec[1]!;
    }
    return { parent, thread: v < 0 ? -1 : v % this.threads, step: v < 0 ? -1 : Math.floor(v / this.threads) };
  }

  bytes(): number {
    return this.buffer.byteLength;
  }

  close(): void {
    closeSync(this.fd);
  }
}
