// Test helper: Mermaid's own parser, in Node. Mermaid needs a DOM only because
// DOMPurify binds `window` when mermaid is first imported, so a jsdom window and
// document are installed as globals before the (dynamic) import; nothing else
// is needed to parse. `parseSequence` parses a diagram exactly as rendering does
// (entity escapes included) and returns what Mermaid understood: participants,
// messages and notes with their text decoded, so tests can check that escaped
// text survives. Test-only (excluded from the build).
import { JSDOM } from "jsdom";

type Mermaid = (typeof import("mermaid"))["default"];

let loading: Promise<Mermaid> | undefined;

export function loadMermaid(): Promise<Mermaid> {
  loading ??= (async () => {
    const dom = new JSDOM("<!doctype html><html><body></body></html>");
    const g = globalThis as Record<string, unknown>;
    g.window ??= dom.window;
    g.document ??= dom.window.document;
    return (await import("mermaid")).default;
  })();
  return loading;
}

/** Mermaid's sequence-diagram line types (sequenceDb LINETYPE) that tests look at. */
export const LINE = { solid: 0, dotted: 1, note: 2, solidCross: 3, rectStart: 22, rectEnd: 23 } as const;

export interface ParsedSequence {
  title: string;
  participants: { id: string; name: string }[];
  /** Messages, notes and section markers in order; `text` with entity escapes decoded. */
  lines: { type: number; from?: string; to?: string; text: string }[];
}

/** Text as rendered: Mermaid's entity placeholders (ﬂ°°35¶ß) back to characters. */
function decode(text: string): string {
  return text
    .replace(/\ufb02\u00b0\u00b0(\d+)\u00b6\u00df/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/\ufb02\u00b0(\w+)\u00b6\u00df/g, (_, name: string) => `&${name};`);
}

interface SequenceDb {
  getDiagramTitle(): string;
  getActors(): Map<string, { description: string }>;
  getMessages(): { type: number; from?: string; to?: string; message: string }[];
}

/** Parse a sequence diagram with Mermaid (throws Mermaid's parse error when it is not valid). */
export async function parseSequence(source: string): Promise<ParsedSequence> {
  const mermaid = await loadMermaid();
  const r = await mermaid.parse(source);
  if (!r || r.diagramType !== "sequence") throw new Error(`not a sequence diagram: ${JSON.stringify(r)}`);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(source);
  const db = diagram.db as unknown as SequenceDb;
  return {
    title: decode(db.getDiagramTitle()),
    participants: [...db.getActors().entries()].map(([id, a]) => ({ id, name: decode(a.description) })),
    lines: db.getMessages().map((m) => ({ type: m.type, from: m.from, to: m.to, text: decode(m.message) })),
  };
}

/** The Mermaid sources of the ```mermaid blocks of a markdown document. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}
