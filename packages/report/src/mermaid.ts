// A check report as Mermaid sequence diagrams in a markdown document, for GitHub
// (pull-request comments, CI step summaries): one ```mermaid block per violation
// and per lock-order warning. A diagram has one participant per thread and per
// lock involved; lock acquisitions are solid arrows thread -> lock, releases
// dashed ones, calls through ops tables, refcount changes and shared-variable
// changes are notes over the acting thread, and a deadlock ends with each
// blocking request as a crossed arrow in a highlighted rect, with a note saying
// who holds the lock. Pure: reads only the report (its steps' events). Every
// text a model author controls goes through `mermaidText`, so no name, message
// or statement can break a diagram.
import { type CheckReport, type TraceEvent, type TraceReport, type TraceStepReport, type ViolationReport, type WarningReport, edgeAction } from "./check-report.js";
import { constantsLine, statisticsText } from "./text.js";

/** The highlight of failures and blocking requests (translucent, so it reads on light and dark themes). */
const HIGHLIGHT = "rgba(255, 80, 80, 0.18)";

/**
 * Text made safe for any text position of a Mermaid sequence diagram (participant
 * alias, message, note, title, section label): one line, and every character
 * with a meaning to Mermaid or to the HTML it renders to (`;` ends a statement,
 * `#…;` is an entity, `%%` a comment or directive, `<` starts markup, quotes,
 * `&`, backticks, backslashes, Mermaid's own entity placeholders) written as a
 * numeric entity `#NN;`, which Mermaid renders as the character itself. (`>`
 * stays: without `<` it is plain text, and arrows in messages stay readable.)
 */
export function mermaidText(text: string): string {
  let out = "";
  for (const ch of text.replace(/\r\n?|\n|\t/g, " ")) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += " ";
    else if (/[A-Za-z0-9 _.,()[\]{}=+*/|!?@$^~'\-:>]/.test(ch) || (code >= 0xa0 && !PLACEHOLDER_CHARS.has(ch))) out += ch;
    else out += `#${code};`;
  }
  // a message starting with "wrap:" or "nowrap:" would be read as a layout directive
  out = out.replace(/^(\s*(?:no)?wrap):/i, "$1#58;").trim();
  return out === "" ? "#160;" : out;
}

/** Characters Mermaid uses for its entity placeholders (ﬂ°°35¶ß): user text must not spell them. */
const PLACEHOLDER_CHARS = new Set(["\ufb02", "\u00b0", "\u00b6", "\u00df"]);

/** A markdown code span holding text verbatim (a longer backtick fence when the text has backticks). */
function codeSpan(text: string): string {
  const oneLine = text.replace(/\r\n?|\n/g, " ");
  const runs = oneLine.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** Text for a markdown paragraph: one line, markdown's special characters backslash-escaped. */
function markdownText(text: string): string {
  return text.replace(/\r\n?|\n/g, " ").replace(/[\\`*_[\]<>&#|~!]/g, (c) => `\\${c}`);
}

/** Participants of one diagram: threads first (in the model's order), then locks (in order of appearance). */
class Participants {
  private readonly threads = new Map<string, string>();
  private readonly locks = new Map<string, string>();

  constructor(private readonly threadOrder: readonly string[]) {}

  thread(name: string): string {
    let id = this.threads.get(name);
    if (!id) this.threads.set(name, (id = `T${this.threads.size}`));
    return id;
  }

  lock(name: string): string {
    let id = this.locks.get(name);
    if (!id) this.locks.set(name, (id = `L${this.locks.size}`));
    return id;
  }

  get empty(): boolean {
    return this.threads.size === 0 && this.locks.size === 0;
  }

  /** The first and last participant, for notes spanning the whole diagram. */
  span(): string {
    const ids = this.ordered().map((p) => p.id);
    return ids.length > 1 ? `${ids[0]},${ids[ids.length - 1]}` : ids[0]!;
  }

  /** Threads in the model's order (unknown names after, by first use), then locks. */
  ordered(): { id: string; name: string }[] {
    const rank = (name: string) => {
      const i = this.threadOrder.indexOf(name);
      return i < 0 ? this.threadOrder.length : i;
    };
    const threads = [...this.threads.entries()].map(([name, id], n) => ({ name, id, key: rank(name) * 1e6 + n }));
    threads.sort((a, b) => a.key - b.key);
    return [...threads.map(({ id, name }) => ({ id, name })), ...[...this.locks.entries()].map(([name, id]) => ({ id, name }))];
  }

  declarations(): string[] {
    return this.ordered().map((p) => `  participant ${p.id} as ${mermaidText(p.name)}`);
  }
}

/**
 * The diagram lines of one trace step (none when the step did nothing drawable):
 * calls through ops tables entered on the way to the statement, the statement's
 * effects (locks, refcounts, shared variables), then calls entered after it.
 * A call is "on the way" when its procedure is one the statement runs in.
 */
function stepLines(s: TraceStepReport, p: Participants, kind: string, indent: string): string[] {
  const t = p.thread(s.thread);
  const events = s.events ?? [];
  const n = `${s.index}.`;
  const note = (text: string) => `${indent}Note over ${t}: ${mermaidText(`${n} ${text}`)}`;
  const before: string[] = [];
  const effects: string[] = [];
  const after: string[] = [];
  const lockEvents = events.filter((e) => e.kind === "acquire" || e.kind === "release");
  const touched = new Set<string>();
  for (const e of events) {
    switch (e.kind) {
      case "call":
        (s.frames.includes(e.proc) ? before : after).push(note(`call ${e.proc} via ${e.via}`));
        break;
      case "acquire":
      case "release": {
        touched.add(e.lock);
        const l = p.lock(e.lock);
        const mode = e.mode ? ` (${e.mode})` : "";
        const label = lockEvents.length === 1
          ? `${s.statement}${e.mode && !s.statement.includes(e.mode) ? mode : ""}`
          : `${e.kind === "acquire" ? "lock" : "unlock"} ${e.lock}${mode}`;
        effects.push(`${indent}${t}${e.kind === "acquire" ? "->>" : "-->>"}${l}: ${mermaidText(`${n} ${label}`)}`);
        break;
      }
      case "get":
      case "put":
        touched.add(e.refcount);
        effects.push(note(`${e.kind} ${e.refcount}: ${e.from} → ${e.to}`));
        break;
      case "complete":
      case "complete_all":
      case "reinit_completion":
        touched.add(e.completion);
        effects.push(`${indent}${t}->>${p.lock(e.completion)}: ${mermaidText(`${n} ${e.kind} ${e.completion}`)}`);
        break;
      case "read_lock":
      case "read_unlock":
      case "grace_period_start":
      case "synchronize": {
        touched.add(e.domain);
        const d = p.lock(e.domain);
        const what = e.kind === "read_lock" ? (e.rcu ? "rcu_read_lock" : `srcu_read_lock ${e.domain}`)
          : e.kind === "read_unlock" ? (e.rcu ? "rcu_read_unlock" : `srcu_read_unlock ${e.domain}`)
          : e.kind === "grace_period_start" ? `${e.rcu ? "synchronize_rcu" : `synchronize_srcu ${e.domain}`}: a grace period starts` : `${e.rcu ? "synchronize_rcu" : `synchronize_srcu ${e.domain}`} returns`;
        effects.push(e.kind === "synchronize" ? `${indent}${d}-->>${t}: ${mermaidText(`${n} ${what}`)}` : `${indent}${t}->>${d}: ${mermaidText(`${n} ${what}`)}`);
        break;
      }
      case "try_wait_for_completion":
      case "wait_for_completion":
        touched.add(e.completion);
        effects.push(`${indent}${p.lock(e.completion)}-->>${t}: ${mermaidText(`${n} ${e.kind} ${e.completion} returns${e.kind === "try_wait_for_completion" ? " true" : ""}`)}`);
        break;
      case "queue_work":
        touched.add(e.workqueue).add(e.work);
        effects.push(`${indent}${t}->>${p.lock(e.workqueue)}: ${mermaidText(`${n} queue_work ${e.work}${e.queued ? "" : ": already pending, not queued"}`)}`);
        break;
      case "work_start":
        touched.add(e.workqueue).add(e.work);
        effects.push(`${indent}${p.lock(e.workqueue)}->>${t}: ${mermaidText(`${n} runs ${e.work}`)}`);
        break;
      case "work_end":
        touched.add(e.workqueue).add(e.work);
        effects.push(`${indent}${t}-->>${p.lock(e.workqueue)}: ${mermaidText(`${n} ${e.work} done`)}`);
        break;
      case "flush_work":
      case "cancel_work_sync":
      case "flush_workqueue":
        touched.add(e.workqueue).add(e.work);
        effects.push(e.waits
          ? `${indent}${t}->>${p.lock(e.workqueue)}: ${mermaidText(`${n} ${e.kind} ${e.work} waits`)}`
          : `${indent}${p.lock(e.workqueue)}-->>${t}: ${mermaidText(`${n} ${e.kind} ${e.work} returns`)}`);
        break;
      case "call_rcu":
        touched.add(e.domain);
        effects.push(`${indent}${t}->>${p.lock(e.domain)}: ${mermaidText(`${n} ${e.rcu ? "call_rcu" : `call_srcu ${e.domain}`} ${e.callback}${e.registered ? "" : ": still registered, not queued again"}`)}`);
        break;
      case "callback_start":
        touched.add(e.domain);
        effects.push(`${indent}${p.lock(e.domain)}->>${t}: ${mermaidText(`${n} grace period over: runs ${e.callback}`)}`);
        break;
      case "callback_end":
        touched.add(e.domain);
        effects.push(`${indent}${t}-->>${p.lock(e.domain)}: ${mermaidText(`${n} ${e.callback} done`)}`);
        break;
      case "block":
        break; // drawn after the trace, by blockLines
    }
  }
  for (const c of s.changes) {
    if (c.thread || touched.has(c.name)) continue;
    effects.push(note(`${c.name}: ${c.before} → ${c.after}`));
  }
  const lines = [...before, ...effects, ...after];
  if (s.failed) {
    const what = s.failure ? s.failure.statement : s.statement;
    lines.push(`${indent}rect ${HIGHLIGHT}`, `${indent}  ${note(`${what}: ${kind} here`).trimStart()}`, `${indent}end`);
  }
  return lines;
}

/** The blocking requests of a deadlock, highlighted: a crossed arrow per waiting thread and who holds the lock. */
function blockLines(events: readonly TraceEvent[], p: Participants): string[] {
  const blocks = events.filter((e): e is TraceEvent & { kind: "block" } => e.kind === "block");
  if (blocks.length === 0) return [];
  const lines = [`  rect ${HIGHLIGHT}`];
  for (const b of blocks) {
    const t = p.thread(b.thread);
    if (b.lock !== undefined) {
      const l = p.lock(b.lock);
      const holders = b.heldBy ?? [];
      for (const h of holders) p.thread(h);
      const who = holders.length === 1 && holders[0] === b.thread ? `${b.thread} itself` : holders.join(" and ") || "nobody";
      lines.push(`    ${t}-x${l}: ${mermaidText(`${b.statement} (blocks)`)}`);
      lines.push(`    Note over ${t},${l}: ${mermaidText(b.queued ? `${b.lock}: a reader queues behind the waiting writer ${who}` : `${b.lock} is held by ${who}`)}`);
    } else if (b.gracePeriod !== undefined) {
      const d = p.lock(b.gracePeriod);
      lines.push(`    ${t}-x${d}: ${mermaidText(`${b.statement} (blocks)`)}`);
      lines.push(`    Note over ${t},${d}: ${mermaidText(b.condition ?? `waits for a grace period of ${b.gracePeriod}`)}`);
    } else if (b.work !== undefined) {
      const w = p.lock(b.work);
      for (const h of b.workers ?? []) p.thread(h);
      lines.push(`    ${t}-x${w}: ${mermaidText(`${b.statement} (blocks)`)}`);
      lines.push(`    Note over ${t},${w}: ${mermaidText(b.condition ?? `waits for ${b.work}`)}`);
    } else if (b.completion !== undefined) {
      const c = p.lock(b.completion);
      lines.push(`    ${t}-x${c}: ${mermaidText(`${b.statement} (blocks)`)}`);
      lines.push(`    Note over ${t},${c}: ${mermaidText(b.condition ?? `waits for completion ${b.completion}`)}`);
    } else {
      lines.push(`    Note over ${t}: ${mermaidText(`blocked at ${b.statement}: ${b.condition ?? "cannot continue"}`)}`);
    }
  }
  lines.push("  end");
  return lines;
}

function threadOrder(t: TraceReport): string[] {
  return (t.final ?? []).map((f) => f.thread);
}

/** A diagram needs a participant to put notes over: the given threads, or a placeholder. */
function ensureParticipants(p: Participants, threads: readonly string[]): void {
  if (p.empty) for (const t of threads) p.thread(t);
  if (p.empty) p.thread("(no thread)");
}

function diagram(title: string, p: Participants, body: string[]): string {
  return ["sequenceDiagram", `  title ${mermaidText(title)}`, ...p.declarations(), ...body].join("\n");
}

/** The sequence diagram of one violation (Mermaid source, without the markdown fence). */
export function violationDiagram(v: ViolationReport): string {
  const headline = `${v.kind === "pool-exhausted" ? "error" : "violation"}[${v.kind}]: ${v.message}`;
  const order = threadOrder(v.trace);
  const p = new Participants(order);
  // the threads that act or block, in the model's order, are declared before anything is drawn
  for (const t of order) {
    if (v.trace.steps.some((s) => s.thread === t) || v.chains.some((c) => c.thread === t)) p.thread(t);
  }
  const body: string[] = [];
  for (const s of v.trace.steps) for (const l of stepLines(s, p, v.kind, "  ")) body.push(l);
  const last = v.trace.steps[v.trace.steps.length - 1];
  const blocks = blockLines(last?.events ?? [], p);
  body.push(...blocks);
  if (blocks.length === 0 && !last?.failed) {
    // a property, or a violation found in a state rather than by a step: say so at the end
    const involved = v.chains.map((c) => c.thread);
    ensureParticipants(p, involved.length ? involved : order);
    const where = v.property ? `${v.property}: ` : "";
    body.push(`  rect ${HIGHLIGHT}`, `    Note over ${p.span()}: ${mermaidText(`${where}${v.message}`)}`, "  end");
  }
  ensureParticipants(p, order);
  return diagram(headline, p, body);
}

/** The sequence diagram of one lock-order warning: each edge of the cycle as a parallel section with its trace. */
export function warningDiagram(w: WarningReport): string {
  const order = w.edges.length ? threadOrder(w.edges[0]!.trace) : [];
  const p = new Participants(order);
  for (const t of order) if (w.edges.some((e) => e.thread === t || e.trace.steps.some((s) => s.thread === t))) p.thread(t);
  // lifelines are lock instances, in the cycle's order (a class-level warning names classes in `locks`)
  for (const e of w.edges) {
    p.lock(e.from);
    p.lock(e.to);
  }
  const body: string[] = [];
  w.edges.forEach((e, i) => {
    body.push(`  ${i === 0 ? "par" : "and"} ${mermaidText(`${e.from} → ${e.to}: ${edgeAction(e)}`)}`);
    const lines = e.trace.steps.flatMap((s) => stepLines(s, p, w.kind, "    "));
    // a loop, not push(...lines): a trace may have more lines than a call has room for arguments
    for (const l of lines.length ? lines : [`    Note over ${p.thread(e.thread)}: ${mermaidText(e.statement.text)}`]) body.push(l);
  });
  if (w.edges.length) body.push("  end");
  ensureParticipants(p, order);
  return diagram(`warning[${w.kind}]: ${w.message}`, p, body);
}

function fenced(source: string): string[] {
  return ["```mermaid", source, "```"];
}

/**
 * The report as a markdown document: a headline, then per violation its
 * explanation and diagram, per lock-order warning its diagram, and the search
 * statistics. Paste it into a pull request or append it to $GITHUB_STEP_SUMMARY.
 */
export function renderCheckMermaid(r: CheckReport): string {
  const out: string[] = [];
  const header = codeSpan(`${r.model}${constantsLine(r)}`);
  const strictLockOrder = r.violations.some((v) => v.kind === "lock-order");
  const warnings = strictLockOrder ? [] : r.warnings ?? [];
  const warned = warnings.length ? ` (${warnings.length} lock-order warning${warnings.length === 1 ? "" : "s"})` : "";
  if (r.verdict === "pass") out.push(`**knot check** ${header}: pass, no violation in the whole state space${warned}`);
  else if (r.verdict === "incomplete") out.push(`**knot check** ${header}: incomplete, no violation so far but the search did not finish${warned}`);
  else out.push(`**knot check** ${header}: ${r.violations.length} violation${r.violations.length === 1 ? "" : "s"}${warned}`);
  for (const v of r.violations) {
    out.push("", `${codeSpan(`${v.kind === "pool-exhausted" ? "error" : "violation"}[${v.kind}]`)} ${markdownText(v.explanation)}`, "");
    // under --strict a lock-order violation is drawn from its warning, which has every edge of the cycle
    const w = v.kind === "lock-order" ? (r.warnings ?? []).find((x) => x.message === v.message) : undefined;
    out.push(...fenced(w ? warningDiagram(w) : violationDiagram(v)));
  }
  for (const w of warnings) {
    out.push("", `${codeSpan(`warning[${w.kind}]`)} ${markdownText(w.explanation)}`, "");
    out.push(...fenced(warningDiagram(w)));
  }
  out.push("", markdownText(statisticsText(r)));
  return out.join("\n") + "\n";
}
