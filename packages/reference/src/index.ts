// @knot/reference: a second, independent implementation of knot's semantics,
// written from docs/language.md and docs/checks.md on the front end's checked
// model, to cross-check the engine's state counts, transitions and traces.
export { Reference, StartupError, createReference } from "./reference.js";
export type { BlockedInfo, ReferenceOptions, Transition } from "./reference.js";
export { explore, stateKey } from "./explore.js";
export type { ExploreOptions, ExploreResult, FoundViolation } from "./explore.js";
export { mulberry32, simulate } from "./simulate.js";
export type { SimulateOptions, SimulateResult, SimulatedStep, SimulatedViolation } from "./simulate.js";
export { replay } from "./replay.js";
export type { NamedStep, NamedTrace, ReplayResult, TraceClaim } from "./replay.js";
export { matchesNamed } from "./replay.js";
export { LockOrderGraph } from "./lock-order.js";
export type { LockOrderCycle, LockOrderEdge } from "./lock-order.js";
export { nameState, sameNamedState } from "./naming.js";
export type { Change, NamedState } from "./naming.js";
export type { StateViolation } from "./checks.js";
export { ModelError } from "./program.js";
export type { Acquisition, Failure, Wait } from "./step.js";
export type { LockEntry, MutexEntry, ObjectStatus, RFrame, RObject, RState, RThread, RwsemEntry } from "./state.js";
export type { RValue } from "./values.js";
export type { WorkEntry, WorkqueueEntry, WorkWait } from "./workqueue.js";
