// Code generation for the workqueue ops (codegen.ts generates the rest; the semantics are
// interpret-workqueue.ts's, op for op, and language.md's "workqueues"). The generator
// hands itself in as the host: the writer of the current function, slot reads and writes
// on packed states, temporaries, the lock-order acquisition and the atomic-context checks.
import { type Addr, type Expr, type Model, type Op, type ViolationKind, WORK_FLUSH_DONE, WORK_FLUSH_NONE, WORK_FLUSH_PENDING, WORK_FLUSH_RUNNING, type Workqueue } from "@knot/ir";
import { type Options, R_COMPLEX, R_DISABLED, R_OTHER, R_VIOLATED, type SlotRef, type Writer } from "./codegen-core.js";

/** What the workqueue ops need from the generator (codegen.ts's Generator). */
export interface WorkCodegenHost {
  readonly w: Writer;
  readonly m: Model;
  readonly opts: Options;
  /** The threads whose code is being generated. */
  readonly group: number[];
  readonly atomicPossible: boolean;
  on(k: ViolationKind): boolean;
  temp(prefix?: string): string;
  expr(e: Expr): string;
  read(ref: SlotRef, buf?: string): string;
  write(ref: SlotRef, value: string): string;
  plus(ref: SlotRef, k: number): SlotRef;
  plusThread(ref: SlotRef, k?: number): SlotRef;
  slotTemp(a: Addr): SlotRef;
  absolute(ref: SlotRef): string;
  /** A lock-order acquisition of the node `id` (an absolute slot expression). */
  acquisition(id: string): void;
  /** Return `code` when the thread is in atomic context. */
  atomicChecks(code?: number): void;
  /** Return violated when the thread holds a lock or is inside a read-side section. */
  holdingChecks(): void;
  /** The slot of the running thread's worker in `q` (per-thread table `name`). */
  workerSlot(q: Workqueue, name: string, worker: (tid: number) => number): SlotRef;
  /** A number per thread of the group, as a constant when all agree. */
  uniform(name: string, value: (tid: number) => number): string;
}

export class WorkqueueCodegen {
  constructor(private readonly g: WorkCodegenHost) {}


  /*
   * The workqueue ops, as interpret-workqueue.ts has them. The workqueue's slots (its queue,
   * then a slot per worker) are copied into the scratch array WQ, where the helpers wqPend
   * (is the work at a position pending?), wqRun (the worker running it, or -1) and wqDeq
   * (take it out of the queue) work as isPending, runningOn and dequeue do; the queue slots
   * are written back where the op changes them.
   */
  private loadQueue(q: Workqueue): void {
    const width = q.works.length + q.workers.length;
    for (let i = 0; i < width; i++) this.g.w.line(`WQ[${i}] = ${this.g.read({ g: q.offset + i })};`);
  }

  private storeQueue(q: Workqueue): void {
    for (let i = 0; i < q.works.length; i++) {
      const line = this.g.write({ g: q.offset + i }, `WQ[${i}]`);
      if (line) this.g.w.line(line);
    }
  }

  op(o: Op & { k: "queue_work" | "work_start" | "work_end" | "work_wait" }): void {
    const w = this.g.w;
    const q = this.g.m.workqueues[o.wq]!;
    const n = q.works.length;
    const W = q.workers.length;
    const T = this.g.m.threads.length;
    switch (o.k) {
      case "queue_work": {
        const x = this.g.slotTemp(o.entry); // the entry first, then the position
        const p = this.g.temp("p");
        w.line(`const ${p} = ${this.g.expr(o.pos)};`);
        this.loadQueue(q);
        const queued = this.g.temp("qd");
        w.line(`const ${queued} = !wqPend(${n}, ${p}) && ${this.g.read(x)} === 0;`);
        if (o.result !== undefined) w.line(`if (${queued} !== ${o.result}) return ${R_DISABLED};`);
        w.open(`if (${queued}) {`);
        w.line(`for (let i = 0; i < ${n}; i++) { if (WQ[i] !== 0) continue; WQ[i] = ${p} + 1; break; }`);
        this.storeQueue(q);
        w.close();
        return;
      }
      case "work_start": {
        const entry = q.works[o.pos]!.entry;
        const k = this.g.temp("k");
        w.line(`const ${k} = ${this.g.expr({ k: "instance" })};`);
        this.loadQueue(q);
        w.line(`if (WQ[${n} + ${k}] !== 0) return ${R_DISABLED};`);
        w.line(`for (let j = 0; j < ${k}; j++) if (WQ[${n} + j] === 0) return ${R_DISABLED};`); // the lowest idle worker starts
        const first = this.g.temp("first");
        w.line(`let ${first} = -1;`);
        w.line(`for (let i = 0; i < ${n}; i++) { const v = WQ[i]; if (v === 0) break; if (wqRun(${n}, ${W}, v - 1) >= 0) continue; ${first} = v - 1; break; }`);
        w.line(`if (${first} !== ${o.pos}) return ${R_DISABLED};`);
        w.line(`wqDeq(${n}, ${o.pos});`);
        this.storeQueue(q);
        // lockdep's process_one_work(): the workqueue's map, then the work's
        if (this.g.opts.lockOrder) this.g.acquisition(`${q.offset}`);
        const line = this.g.write(this.g.workerSlot(q, "WK", (tid) => this.g.m.threads[tid]!.instance), `${o.pos + 1}`);
        if (line) w.line(line);
        if (this.g.opts.lockOrder) this.g.acquisition(`${entry}`);
        for (let t = 0; t < T; t++) this.flushState({ g: entry + 2 + t }, WORK_FLUSH_PENDING, WORK_FLUSH_RUNNING);
        return;
      }
      case "work_end": {
        const entry = q.works[o.pos]!.entry;
        if (this.g.on("exit-holding-lock")) this.g.holdingChecks();
        const line = this.g.write(this.g.workerSlot(q, "WK", (tid) => this.g.m.threads[tid]!.instance), "0");
        if (line) w.line(line);
        for (let t = 0; t < T; t++) this.flushState({ g: entry + 2 + t }, WORK_FLUSH_RUNNING, WORK_FLUSH_DONE);
        return;
      }
      case "work_wait":
        if (o.call === "flush_workqueue") this.flushWorkqueue(o, q);
        else this.workWait(o, q);
        return;
    }
  }

  /** A cancel took the pending instance off the queue (`was`): the flushes waiting for it are done (interpret-workqueue.ts, cancelPending). */
  private cancelledFlushes(x: SlotRef, was: string): void {
    const T = this.g.m.threads.length;
    this.g.w.open(`if (${was}) {`);
    for (let t = 0; t < T; t++) this.flushState(this.g.plus(x, 2 + t), WORK_FLUSH_PENDING, WORK_FLUSH_DONE);
    this.g.w.close();
  }

  /** A flush state `from` becomes `to`. */
  private flushState(f: SlotRef, from: number, to: number): void {
    const v = this.g.read(f);
    if (/^\(?-?\d+\)?$/.test(v) && Number(v.replace(/[()]/g, "")) !== from) return; // a flush state that never changes
    const line = this.g.write(f, `${to}`);
    if (line) this.g.w.line(`if (${v} === ${from}) { ${line} }`);
  }

  /**
   * sleep-in-atomic, then recursive-locking when `own` (a condition) holds: a violation, or
   * (register) not this step (interpret-workqueue.ts, refuse).
   */
  private refuse(register: boolean, own: string | undefined): void {
    if (this.g.atomicPossible && this.g.on("sleep-in-atomic")) this.g.atomicChecks(register ? R_DISABLED : R_VIOLATED);
    if (own === undefined) return;
    const code = register ? R_DISABLED : this.g.on("recursive-locking") ? R_VIOLATED : R_OTHER;
    this.g.w.line(`if (${own}) return ${code};`);
  }

  /** The running thread's worker number in `q` as code, or undefined when no thread of the group is one of its workers. */
  private ownWorker(q: Workqueue): string | undefined {
    if (this.g.group.every((t) => !q.workers.includes(t))) return undefined;
    return this.g.uniform(`WI${this.g.m.workqueues.indexOf(q)}`, (tid) => q.workers.indexOf(tid));
  }

  /** flush_work and cancel_work_sync of one work (interpret-workqueue.ts, workWait). */
  private workWait(o: Op & { k: "work_wait" }, q: Workqueue): void {
    const w = this.g.w;
    const n = q.works.length;
    const W = q.workers.length;
    const cancel = o.call === "cancel_work_sync";
    const x = this.g.slotTemp(o.entry!); // the operand first, as C evaluates it
    const p = this.g.temp("p");
    w.line(`const ${p} = ${this.g.expr(o.pos!)};`);
    const me = this.ownWorker(q);
    let own: string | undefined;
    if (me !== undefined && me !== "(-1)") {
      const slot = /^\d+$/.test(me) ? this.g.read({ g: q.offset + n + Number(me) }) : `rd(t, ${q.offset + n} + ${me})`;
      own = /^\d+$/.test(me) ? `${slot} === ${p} + 1` : `(${me} >= 0 && ${slot} === ${p} + 1)`;
    }
    this.refuse(o.register, own);
    const f = this.g.plusThread(x, 2);
    const state = this.g.temp("st");
    w.line(`const ${state} = ${this.g.read(f)};`);
    this.loadQueue(q);
    const pending = this.g.temp("pend");
    const running = this.g.temp("run");
    w.line(`const ${pending} = wqPend(${n}, ${p});`);
    w.line(`const ${running} = wqRun(${n}, ${W}, ${p}) >= 0;`);
    const acquire = (id: string) => {
      if (this.g.opts.lockOrder) this.g.acquisition(id);
    };
    if (o.register) {
      w.line(`if (${state} !== ${WORK_FLUSH_NONE}) return ${R_DISABLED};`);
      if (cancel) {
        w.line(`if (${this.g.read(x)} !== 0 || !${running}) return ${R_DISABLED};`);
        const was = this.g.temp("was");
        w.line(`const ${was} = wqDeq(${n}, ${p});`);
        this.storeQueue(q);
        this.cancelledFlushes(x, was);
        w.line(this.g.write(this.g.plus(x, 1), `(${was} ? 1 : 0)`));
        w.line(this.g.write(x, "O"));
        w.line(this.g.write(f, `${WORK_FLUSH_RUNNING}`));
        acquire(this.g.absolute(x));
        return;
      }
      w.line(`if (!${pending} && !${running}) return ${R_DISABLED};`);
      w.line(this.g.write(f, `(${pending} ? ${WORK_FLUSH_PENDING} : ${WORK_FLUSH_RUNNING})`));
      acquire(this.g.absolute(x));
      if (q.ordered) acquire(`${q.offset}`);
      return;
    }
    w.open(`if (${state} === ${WORK_FLUSH_DONE}) {`);
    if (cancel) {
      const was = this.g.temp("was");
      w.line(`const ${was} = ${this.g.read(this.g.plus(x, 1))} !== 0;`);
      if (o.result !== undefined) w.line(`if (${was} !== ${o.result}) return ${R_DISABLED};`);
      w.line(this.g.write(x, "0"));
      w.line(this.g.write(this.g.plus(x, 1), "0"));
    }
    w.line(this.g.write(f, `${WORK_FLUSH_NONE}`));
    w.mid("} else {");
    // waiting: a wait-for edge the search checks in full (it re-runs the interpreter)
    w.line(`if (${state} !== ${WORK_FLUSH_NONE}) return ${R_COMPLEX};`);
    if (cancel) {
      w.line(`if (${this.g.read(x)} !== 0) return ${R_COMPLEX};`); // another thread's cancel: the kernel's cancel_waitq
      w.line(`if (${running}) return ${R_DISABLED};`); // registers first
      if (o.result !== undefined) w.line(`if (${pending} !== ${o.result}) return ${R_DISABLED};`);
      const was = this.g.temp("was");
      w.line(`const ${was} = wqDeq(${n}, ${p});`);
      this.storeQueue(q);
      this.cancelledFlushes(x, was);
      acquire(this.g.absolute(x));
    } else {
      w.line(`if (${pending} || ${running}) return ${R_DISABLED};`); // registers first
      acquire(this.g.absolute(x));
    }
    w.close();
  }

  /** flush_workqueue (interpret-workqueue.ts, flushWorkqueue). */
  private flushWorkqueue(o: Op & { k: "work_wait" }, q: Workqueue): void {
    const w = this.g.w;
    const n = q.works.length;
    const W = q.workers.length;
    const me = this.ownWorker(q);
    let own: string | undefined;
    if (me !== undefined && me !== "(-1)") {
      own = /^\d+$/.test(me) ? `${this.g.read({ g: q.offset + n + Number(me) })} !== 0` : `(${me} >= 0 && rd(t, ${q.offset + n} + ${me}) !== 0)`;
    }
    this.refuse(o.register, own);
    const waiting = this.g.temp("waiting");
    const done = this.g.temp("done");
    const busy = this.g.temp("busy");
    w.line(`let ${waiting} = false, ${done} = false, ${busy} = false;`);
    this.loadQueue(q);
    const flush = q.works.map((x) => this.g.plusThread({ g: x.entry }, 2));
    flush.forEach((f, i) => {
      const v = this.g.temp("f");
      w.line(`const ${v} = ${this.g.read(f)};`);
      w.line(`if (${v} === ${WORK_FLUSH_PENDING} || ${v} === ${WORK_FLUSH_RUNNING}) ${waiting} = true; else if (${v} === ${WORK_FLUSH_DONE}) ${done} = true;`);
      w.line(`if (wqPend(${n}, ${i}) || wqRun(${n}, ${W}, ${i}) >= 0) ${busy} = true;`);
    });
    if (o.register) {
      w.line(`if (${waiting} || ${done} || !${busy}) return ${R_DISABLED};`);
      flush.forEach((f, i) => {
        w.line(`if (wqPend(${n}, ${i})) { ${this.g.write(f, `${WORK_FLUSH_PENDING}`)} } else if (wqRun(${n}, ${W}, ${i}) >= 0) { ${this.g.write(f, `${WORK_FLUSH_RUNNING}`)} }`);
      });
      if (this.g.opts.lockOrder) this.g.acquisition(`${q.offset}`);
      return;
    }
    w.line(`if (${waiting}) return ${R_COMPLEX};`);
    w.open(`if (${done}) {`);
    for (const f of flush) {
      const line = this.g.write(f, `${WORK_FLUSH_NONE}`);
      if (line) w.line(line);
    }
    w.mid("} else {");
    w.line(`if (${busy}) return ${R_DISABLED};`); // registers first
    if (this.g.opts.lockOrder) this.g.acquisition(`${q.offset}`);
    w.close();
  }
}
