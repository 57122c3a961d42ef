// Diagnostics are data: a code from the catalog below, a severity, a message, the
// primary span and related spans. The language front end never throws on user
// errors; every problem becomes one of these.
import type { Span } from "./source.js";

export type Severity = "error" | "warning" | "note";

export interface RelatedInfo {
  message: string;
  span: Span;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  /** Absent only for problems with no source position (e.g. a file that cannot be read). */
  span?: Span;
  related: RelatedInfo[];
}

/** The catalog of the language front end: lexical (K1), syntax (K2), names and imports (K3), types (K4), constants (K5). */
export const LangCodes = {
  UnexpectedCharacter: "K1001",
  UnterminatedString: "K1002",
  UnterminatedComment: "K1003",
  BadNumber: "K1004",
  IdentifierTooLong: "K1005",

  Expected: "K2001",
  ExpectedDeclaration: "K2002",
  ExpectedStatement: "K2003",
  ExpectedExpression: "K2004",
  ExpectedType: "K2005",
  MisplacedConstruct: "K2006",
  ExpressionTooDeep: "K2007",
  BlocksTooDeep: "K2008",
  TypeTooDeep: "K2009",

  CannotReadFile: "K3001",
  DuplicateName: "K3002",
  UnknownName: "K3003",
  WrongKindOfName: "K3004",
  RecursiveDefinition: "K3005",
  MissingProcess: "K3006",
  /** A FIFO, device, socket, or a file under /proc, /sys or /dev. */
  NotRegularFile: "K3007",
  /** Larger than MAX_MODEL_BYTES. */
  FileTooLarge: "K3008",
  /** A NUL byte: not text. */
  BinaryFile: "K3009",
  /** An import (or a spec's model) whose name does not end in `.knot`. */
  NotAModelFile: "K3010",

  TypeMismatch: "K4001",
  UnboundedType: "K4002",
  ArgumentCount: "K4003",
  NotAssignable: "K4004",
  BadType: "K4005",
  MissingField: "K4006",
  UnknownField: "K4007",
  NotAllowedHere: "K4008",
  MissingReturn: "K4009",
  /** A range type (or refcount bound) outside the 32 bits a state slot holds. */
  RangeOutside32Bits: "K4010",
  /** A run-time integer expression whose value or intermediate result can leave ±(2^53 - 1). */
  InexactArithmetic: "K4011",
  /** A trylock where it is not the whole condition of an if/while or the whole right side of an assignment. */
  TrylockMisplaced: "K4020",
  /** A trylock function on a lock of another kind (mutex_trylock on an rwsem). */
  TrylockWrongLock: "K4021",
  /** dec_and_lock(r, m) with m an rwsem. */
  DecAndLockWrongLock: "K4022",
  /** An srcu_* statement on `rcu` (RCU has statements of its own). */
  RcuAsSrcu: "K4040",
  /** A workqueue's max_active below 1. */
  MaxActiveBelowOne: "K4050",
  /** A workqueue's max_active above the workers knot runs per workqueue (workqueue.ts, MAX_WORKERS). */
  TooManyWorkers: "K4051",
  /** `lock x nested N` with N outside 0..7, or `nested` on a release. */
  BadSubclass: "K4060",
  /** A call_rcu / call_srcu callback procedure with more than one parameter. */
  CallbackParams: "K4052",
  /** A callback parameter that is not a scalar, or more than MAX_CALLBACKS callbacks for one procedure and domain. */
  TooManyCallbacks: "K4053",

  ConstEvaluation: "K5001",
  UnknownSetting: "K5002",
  BadSetting: "K5003",
  ValueOutOfRange: "K5004",
  /** A constant expression whose exact value is outside ±(2^53 - 1). */
  InexactInteger: "K5005",
} as const;

export function error(code: string, message: string, span?: Span, related: RelatedInfo[] = []): Diagnostic {
  return { code, severity: "error", message, span, related };
}

export function warning(code: string, message: string, span?: Span, related: RelatedInfo[] = []): Diagnostic {
  return { code, severity: "warning", message, span, related };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Sort by file, then position, keeping the order of equal positions. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const fa = a.d.span?.file.path ?? "";
      const fb = b.d.span?.file.path ?? "";
      if (fa !== fb) return fa < fb ? -1 : 1;
      const sa = a.d.span?.start ?? -1;
      const sb = b.d.span?.start ?? -1;
      return sa - sb || a.i - b.i;
    })
    .map((x) => x.d);
}
