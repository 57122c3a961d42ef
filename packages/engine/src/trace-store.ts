// Parent links (TLC's trace file): for every stored state, the state it was first
// reached from and the thread and step that reached it. Enough to rebuild the
// path to any state, replaying the steps from the initial state. Kept in memory
// for exact searches; for fingerprint searches written to a temporary file, so
// that memory holds nothing but fingerprints (the file is removed at the end).
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
  link(index: number): TraceLink;
  /** Links from an initial state to `index`, in order. */
  path(index: number): TraceLink[];
  bytes(): number;
  close(): void;
}

abstract class LinkPaths {
  abstract link(index: number): TraceLink;
  path(index: number): TraceLink[] {
    const out: TraceLink[] = [];
    for (let l = this.link(index); l.parent >= 0; l = this.link(l.parent)) out.push(l);
    return out.reverse();
  }
}

export class MemoryTraceStore extends LinkPaths implements TraceStore {
  private readonly parents = new IntColumn();
  private readonly via = new IntColumn();
  constructor(private readonly threads: number) {
    super();
  }
  record(index: number, parent: number, thread: number, step: number): void {
    this.parents.set(index, parent);
    this.via.set(index, step < 0 ? -1 : step * this.threads + thread);
  }
  link(index: number): TraceLink {
    const v = this.via.get(index);
    return { parent: this.parents.get(index), thread: v < 0 ? -1 : v % this.threads, step: v < 0 ? -1 : Math.floor(v / this.threads) };
  }
  bytes(): number {
    return this.parents.bytes() + this.via.bytes();
  }
  close(): void {
    // nothing held outside the heap
  }
}

const RECORD_BYTES = 8;
const BUFFER_RECORDS = 1 << 16;

export class DiskTraceStore extends LinkPaths implements TraceStore {
  private readonly dir: string;
  private readonly fd: number;
  private readonly buffer = new Int32Array(BUFFER_RECORDS * 2);
  /** Index of the first record in the buffer; records below it are in the file. */
  private bufferStart = 0;
  private count = 0;

  constructor(private readonly threads: number) {
    super();
    this.dir = mkdtempSync(join(tmpdir(), "knot-trace-"));
    this.fd = openSync(join(this.dir, "links"), "w+");
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
    rmSync(this.dir, { recursive: true, force: true });
  }
}
