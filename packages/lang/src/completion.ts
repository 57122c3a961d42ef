// The completion family's vocabulary shared by every stage (struct completion,
// include/linux/completion.h and kernel/sched/completion.c): the statements, the
// count's bound, and the value that stands for complete_all's UINT_MAX. A
// completion is one count, `done`: complete() adds one unless it is UINT_MAX,
// complete_all() sets it to UINT_MAX, wait_for_completion() waits until it is not
// zero and then takes one unless it is UINT_MAX, reinit_completion() sets it to 0,
// completion_done() is `done != 0`.
/** The most pending complete() calls a completion counts (knot's bound; the kernel's is UINT_MAX - 1). */
export const COMPLETION_COUNT_MAX = 14;
/** The count after complete_all(): the kernel's UINT_MAX, which complete() and wait_for_completion() leave alone. */
export const COMPLETION_ALL = 15;

/** The built-in expression reading a completion: `completion_done(c)`. */
export const COMPLETION_DONE_FUNCTION = "completion_done";
