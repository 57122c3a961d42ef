// The checker's lexical scopes and expression contexts, shared by checker.ts and the
// family modules it delegates to (checker-sync.ts).
import type { BoundSymbol, LocalSymbol } from "./symbols.js";

export type Mode = "const" | "global" | "thread";

export interface ExprCtx {
  mode: Mode;
  /** What the context is called in messages ("a constant", "an invariant"). */
  what: string;
}

export class Scope {
  readonly names = new Map<string, LocalSymbol | BoundSymbol>();
  constructor(readonly parent?: Scope) {}
  lookup(name: string): LocalSymbol | BoundSymbol | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}
