// What the engine reports, recorded for the cross-check tests: for each model
// and setting, the counts of `knot check MODEL [--set ..] [--no-..] --format json`
// (first violation) and of the same with `--all` (every distinct violation).
// Recorded from the CLI at the time the reference was written (rwsem.knot again when
// writers started to queue, docs/language.md "rwsem"; models/kvm/devices.knot again when its
// vCPUs entered kvm->srcu, "SRCU and RCU"; models/kvm/ again when core.knot moved to object
// pools); a difference is either a bug in
// one of the two or a change of semantics to be documented.
// The model paths are relative to the repository root.

export interface EngineCounts {
  model: string;
  /** `--set` settings, NAME=VALUE. */
  set: string[];
  /** Checks switched off. */
  disabled: string[];
  first: { states: number; transitions: number; depth: number; kind: string | null };
  all: { states: number; transitions: number; kinds: string[] };
}

export const ENGINE_COUNTS: EngineCounts[] = [
  {"model":"docs/examples/atomic.knot","set":[],"disabled":[],"first":{"states":8,"transitions":8,"depth":4,"kind":null},"all":{"states":8,"transitions":8,"kinds":[]}},
  {"model":"docs/examples/choice.knot","set":[],"disabled":[],"first":{"states":23,"transitions":29,"depth":5,"kind":null},"all":{"states":23,"transitions":29,"kinds":[]}},
  {"model":"docs/examples/expressions.knot","set":[],"disabled":[],"first":{"states":3,"transitions":2,"depth":2,"kind":null},"all":{"states":3,"transitions":2,"kinds":[]}},
  {"model":"docs/examples/intro.knot","set":[],"disabled":[],"first":{"states":16,"transitions":18,"depth":8,"kind":null},"all":{"states":16,"transitions":18,"kinds":[]}},
  {"model":"docs/examples/local_loop.knot","set":[],"disabled":[],"first":{"states":5,"transitions":4,"depth":4,"kind":null},"all":{"states":5,"transitions":4,"kinds":[]}},
  {"model":"docs/examples/lockorder.knot","set":[],"disabled":[],"first":{"states":11,"transitions":10,"depth":10,"kind":null},"all":{"states":11,"transitions":10,"kinds":[]}},
  {"model":"docs/examples/device_list.knot","set":[],"disabled":[],"first":{"states":53,"transitions":76,"depth":14,"kind":null},"all":{"states":53,"transitions":76,"kinds":[]}},
  {"model":"docs/examples/lock_classes.knot","set":[],"disabled":[],"first":{"states":28,"transitions":42,"depth":12,"kind":null},"all":{"states":28,"transitions":42,"kinds":[]}},
  {"model":"docs/examples/lock_classes.knot","set":["XEN_ATTR=true"],"disabled":[],"first":{"states":37,"transitions":54,"depth":14,"kind":null},"all":{"states":37,"transitions":54,"kinds":[]}},
  {"model":"docs/examples/objects.knot","set":[],"disabled":[],"first":{"states":34,"transitions":41,"depth":12,"kind":null},"all":{"states":34,"transitions":41,"kinds":[]}},
  {"model":"docs/examples/ops.knot","set":[],"disabled":[],"first":{"states":40,"transitions":64,"depth":12,"kind":null},"all":{"states":40,"transitions":64,"kinds":[]}},
  {"model":"docs/examples/refcount.knot","set":[],"disabled":[],"first":{"states":12,"transitions":15,"depth":4,"kind":null},"all":{"states":12,"transitions":15,"kinds":[]}},
  {"model":"docs/examples/rwsem.knot","set":[],"disabled":[],"first":{"states":123,"transitions":225,"depth":15,"kind":null},"all":{"states":123,"transitions":225,"kinds":[]}},
  {"model":"docs/examples/spinlock.knot","set":[],"disabled":[],"first":{"states":30,"transitions":38,"depth":10,"kind":null},"all":{"states":30,"transitions":38,"kinds":[]}},
  {"model":"docs/examples/steps.knot","set":[],"disabled":[],"first":{"states":18,"transitions":18,"depth":9,"kind":null},"all":{"states":18,"transitions":18,"kinds":[]}},
  {"model":"docs/examples/vcpus.knot","set":[],"disabled":[],"first":{"states":196,"transitions":440,"depth":14,"kind":null},"all":{"states":196,"transitions":440,"kinds":[]}},
  {"model":"docs/examples/checks/assertion.knot","set":[],"disabled":[],"first":{"states":2,"transitions":1,"depth":0,"kind":"assertion"},"all":{"states":5,"transitions":4,"kinds":["assertion"]}},
  {"model":"docs/examples/checks/atomic-blocked.knot","set":[],"disabled":[],"first":{"states":4,"transitions":3,"depth":1,"kind":"atomic-blocked"},"all":{"states":6,"transitions":6,"kinds":["atomic-blocked"]}},
  {"model":"docs/examples/checks/double-free.knot","set":[],"disabled":[],"first":{"states":4,"transitions":3,"depth":2,"kind":"double-free"},"all":{"states":4,"transitions":3,"kinds":["double-free"]}},
  {"model":"docs/examples/checks/exit-holding-lock.knot","set":[],"disabled":[],"first":{"states":3,"transitions":2,"depth":1,"kind":"exit-holding-lock"},"all":{"states":8,"transitions":8,"kinds":["exit-holding-lock"]}},
  {"model":"docs/examples/checks/final.knot","set":[],"disabled":[],"first":{"states":12,"transitions":14,"depth":4,"kind":"final"},"all":{"states":12,"transitions":14,"kinds":["final"]}},
  {"model":"docs/examples/checks/invariant.knot","set":[],"disabled":[],"first":{"states":2,"transitions":1,"depth":1,"kind":"invariant"},"all":{"states":3,"transitions":2,"kinds":["invariant"]}},
  {"model":"docs/examples/checks/leak.knot","set":[],"disabled":[],"first":{"states":4,"transitions":3,"depth":2,"kind":"leak"},"all":{"states":4,"transitions":3,"kinds":["leak"]}},
  {"model":"docs/examples/checks/lock-cycle.knot","set":[],"disabled":[],"first":{"states":13,"transitions":15,"depth":2,"kind":"lock-cycle"},"all":{"states":152,"transitions":309,"kinds":["lock-cycle"]}},
  {"model":"docs/examples/checks/lock-order.knot","set":[],"disabled":[],"first":{"states":11,"transitions":10,"depth":10,"kind":null},"all":{"states":11,"transitions":10,"kinds":[]}},
  {"model":"docs/examples/checks/null-callback.knot","set":[],"disabled":[],"first":{"states":2,"transitions":1,"depth":1,"kind":"null-callback"},"all":{"states":2,"transitions":1,"kinds":["null-callback"]}},
  {"model":"docs/examples/checks/null-deref.knot","set":[],"disabled":[],"first":{"states":2,"transitions":1,"depth":0,"kind":"null-deref"},"all":{"states":9,"transitions":9,"kinds":["null-deref","use-after-free"]}},
  {"model":"docs/examples/checks/out-of-range.knot","set":[],"disabled":[],"first":{"states":3,"transitions":2,"depth":1,"kind":"out-of-range"},"all":{"states":3,"transitions":2,"kinds":["out-of-range"]}},
  {"model":"docs/examples/checks/pool-exhausted.knot","set":[],"disabled":[],"first":{"states":3,"transitions":2,"depth":2,"kind":"pool-exhausted"},"all":{"states":3,"transitions":2,"kinds":["pool-exhausted"]}},
  {"model":"docs/examples/checks/recursive-locking.knot","set":[],"disabled":[],"first":{"states":3,"transitions":2,"depth":2,"kind":"recursive-locking"},"all":{"states":3,"transitions":2,"kinds":["recursive-locking"]}},
  {"model":"docs/examples/checks/refcount-inc-from-zero.knot","set":[],"disabled":[],"first":{"states":4,"transitions":3,"depth":1,"kind":"refcount-inc-from-zero"},"all":{"states":9,"transitions":8,"kinds":["refcount-inc-from-zero"]}},
  {"model":"docs/examples/checks/refcount-underflow.knot","set":[],"disabled":[],"first":{"states":4,"transitions":3,"depth":1,"kind":"refcount-underflow"},"all":{"states":5,"transitions":4,"kinds":["refcount-underflow","refcount-underflow"]}},
  {"model":"docs/examples/checks/sleep-in-atomic.knot","set":[],"disabled":[],"first":{"states":2,"transitions":1,"depth":1,"kind":"sleep-in-atomic"},"all":{"states":2,"transitions":1,"kinds":["sleep-in-atomic"]}},
  {"model":"docs/examples/checks/stuck.knot","set":[],"disabled":[],"first":{"states":3,"transitions":2,"depth":1,"kind":"stuck"},"all":{"states":8,"transitions":7,"kinds":["stuck"]}},
  {"model":"docs/examples/checks/unlock-not-held.knot","set":[],"disabled":[],"first":{"states":2,"transitions":1,"depth":0,"kind":"unlock-not-held"},"all":{"states":4,"transitions":3,"kinds":["unlock-not-held"]}},
  {"model":"docs/examples/checks/use-after-free.knot","set":[],"disabled":[],"first":{"states":17,"transitions":21,"depth":5,"kind":"use-after-free"},"all":{"states":17,"transitions":22,"kinds":["use-after-free"]}},
  {"model":"docs/examples/intro.knot","set":["PUT_UNDER_LOCK=true"],"disabled":[],"first":{"states":8,"transitions":8,"depth":3,"kind":"recursive-locking"},"all":{"states":13,"transitions":14,"kinds":["recursive-locking"]}},
  {"model":"docs/examples/refcount.knot","set":["SAFE=false"],"disabled":[],"first":{"states":4,"transitions":3,"depth":1,"kind":"refcount-inc-from-zero"},"all":{"states":12,"transitions":12,"kinds":["refcount-inc-from-zero"]}},
  {"model":"docs/examples/ops.knot","set":["LIST_DEL=false"],"disabled":[],"first":{"states":38,"transitions":56,"depth":11,"kind":"null-callback"},"all":{"states":38,"transitions":56,"kinds":["null-callback"]}},
  {"model":"docs/examples/atomic.knot","set":["WRITER_ATOMIC=false"],"disabled":[],"first":{"states":5,"transitions":4,"depth":2,"kind":"invariant"},"all":{"states":14,"transitions":14,"kinds":["invariant"]}},
  {"model":"docs/examples/spinlock.knot","set":["SLEEP_UNDER_SPIN=true"],"disabled":[],"first":{"states":8,"transitions":7,"depth":3,"kind":"sleep-in-atomic"},"all":{"states":10,"transitions":9,"kinds":["sleep-in-atomic"]}},
  {"model":"docs/examples/rwsem.knot","set":["UPGRADE=true"],"disabled":[],"first":{"states":30,"transitions":41,"depth":4,"kind":"recursive-locking"},"all":{"states":78,"transitions":139,"kinds":["recursive-locking","recursive-locking"]}},
  {"model":"docs/examples/device_list.knot","set":["FORGET_LIST_DEL=true"],"disabled":[],"first":{"states":32,"transitions":40,"depth":8,"kind":"use-after-free"},"all":{"states":51,"transitions":70,"kinds":["use-after-free","use-after-free"]}},
  {"model":"docs/examples/device_list.knot","set":["FORGET_LIST_DEL=true"],"disabled":["use-after-free"],"first":{"states":59,"transitions":83,"depth":14,"kind":null},"all":{"states":59,"transitions":83,"kinds":[]}},
  {"model":"docs/examples/objects.knot","set":["LOOKUP_LOCKS=false"],"disabled":[],"first":{"states":33,"transitions":46,"depth":9,"kind":"use-after-free"},"all":{"states":35,"transitions":50,"kinds":["use-after-free","use-after-free"]}},
  {"model":"docs/examples/vcpus.knot","set":["NR_VCPUS=3"],"disabled":[],"first":{"states":2176,"transitions":6920,"depth":21,"kind":null},"all":{"states":2176,"transitions":6920,"kinds":[]}},
  {"model":"docs/examples/checks/recursive-locking.knot","set":[],"disabled":["recursive-locking"],"first":{"states":3,"transitions":2,"depth":2,"kind":"stuck"},"all":{"states":3,"transitions":2,"kinds":["stuck"]}},
  {"model":"docs/examples/checks/lock-cycle.knot","set":[],"disabled":["lock-cycle"],"first":{"states":119,"transitions":232,"depth":9,"kind":"stuck"},"all":{"states":152,"transitions":309,"kinds":["stuck"]}},
  {"model":"docs/examples/checks/stuck.knot","set":[],"disabled":["stuck"],"first":{"states":8,"transitions":7,"depth":6,"kind":null},"all":{"states":8,"transitions":7,"kinds":[]}},
  {"model":"docs/examples/checks/unlock-not-held.knot","set":[],"disabled":["unlock-not-held"],"first":{"states":5,"transitions":4,"depth":3,"kind":null},"all":{"states":5,"transitions":4,"kinds":[]}},
  {"model":"docs/examples/checks/exit-holding-lock.knot","set":[],"disabled":["exit-holding-lock"],"first":{"states":6,"transitions":5,"depth":2,"kind":"stuck"},"all":{"states":10,"transitions":10,"kinds":["stuck"]}},
  {"model":"docs/examples/checks/sleep-in-atomic.knot","set":[],"disabled":["sleep-in-atomic"],"first":{"states":5,"transitions":4,"depth":4,"kind":null},"all":{"states":5,"transitions":4,"kinds":[]}},
  {"model":"docs/examples/checks/refcount-underflow.knot","set":[],"disabled":["refcount-underflow"],"first":{"states":8,"transitions":10,"depth":3,"kind":null},"all":{"states":8,"transitions":10,"kinds":[]}},
  {"model":"docs/examples/checks/refcount-inc-from-zero.knot","set":[],"disabled":["refcount-inc-from-zero"],"first":{"states":11,"transitions":13,"depth":4,"kind":null},"all":{"states":11,"transitions":13,"kinds":[]}},
  {"model":"docs/examples/checks/null-callback.knot","set":[],"disabled":["null-callback"],"first":{"states":4,"transitions":3,"depth":3,"kind":null},"all":{"states":4,"transitions":3,"kinds":[]}},
  {"model":"docs/examples/checks/use-after-free.knot","set":[],"disabled":["use-after-free"],"first":{"states":18,"transitions":23,"depth":6,"kind":null},"all":{"states":18,"transitions":23,"kinds":[]}},
  {"model":"docs/examples/checks/double-free.knot","set":[],"disabled":["double-free"],"first":{"states":4,"transitions":4,"depth":2,"kind":null},"all":{"states":4,"transitions":4,"kinds":[]}},
  {"model":"docs/examples/checks/leak.knot","set":[],"disabled":["leak"],"first":{"states":4,"transitions":3,"depth":2,"kind":null},"all":{"states":4,"transitions":3,"kinds":[]}},
  {"model":"docs/examples/checks/null-deref.knot","set":[],"disabled":["null-deref"],"first":{"states":7,"transitions":7,"depth":3,"kind":"use-after-free"},"all":{"states":9,"transitions":9,"kinds":["stuck","use-after-free"]}},
  {"model":"docs/examples/checks/assertion.knot","set":[],"disabled":["assertion"],"first":{"states":15,"transitions":22,"depth":6,"kind":null},"all":{"states":15,"transitions":22,"kinds":[]}},
  {"model":"docs/examples/checks/invariant.knot","set":[],"disabled":["invariant"],"first":{"states":3,"transitions":2,"depth":2,"kind":null},"all":{"states":3,"transitions":2,"kinds":[]}},
  {"model":"docs/examples/checks/final.knot","set":[],"disabled":["final"],"first":{"states":12,"transitions":14,"depth":4,"kind":null},"all":{"states":12,"transitions":14,"kinds":[]}},
  {"model":"docs/examples/checks/out-of-range.knot","set":[],"disabled":["out-of-range"],"first":{"states":3,"transitions":2,"depth":1,"kind":"stuck"},"all":{"states":3,"transitions":2,"kinds":["stuck","stuck"]}},
  {"model":"docs/examples/checks/null-deref.knot","set":[],"disabled":["null-deref","use-after-free"],"first":{"states":11,"transitions":11,"depth":4,"kind":"stuck"},"all":{"states":11,"transitions":11,"kinds":["stuck"]}},
  {"model":"docs/examples/checks/lock-cycle.knot","set":[],"disabled":["lock-cycle","stuck"],"first":{"states":152,"transitions":309,"depth":15,"kind":null},"all":{"states":152,"transitions":309,"kinds":[]}},
  {"model":"models/kvm/vfio.knot","set":[],"disabled":[],"first":{"states":94,"transitions":188,"depth":16,"kind":null},"all":{"states":94,"transitions":188,"kinds":[]}},
  {"model":"models/kvm/vfio.knot","set":["TEARDOWN=destroy"],"disabled":[],"first":{"states":48,"transitions":82,"depth":9,"kind":"recursive-locking"},"all":{"states":57,"transitions":94,"kinds":["recursive-locking"]}},
  {"model":"models/kvm/release_only.knot","set":[],"disabled":[],"first":{"states":53,"transitions":79,"depth":15,"kind":null},"all":{"states":53,"transitions":79,"kinds":[]}},
  {"model":"models/kvm/release_only.knot","set":["FIXED=false"],"disabled":[],"first":{"states":23,"transitions":31,"depth":6,"kind":"null-callback"},"all":{"states":46,"transitions":68,"kinds":["null-callback"]}},
  {"model":"models/kvm/vfio_abba.knot","set":[],"disabled":[],"first":{"states":1310,"transitions":2989,"depth":63,"kind":null},"all":{"states":1310,"transitions":2989,"kinds":[]}},
  {"model":"models/kvm/vfio_abba.knot","set":["FIXED=false"],"disabled":[],"first":{"states":332,"transitions":691,"depth":26,"kind":"lock-cycle"},"all":{"states":860,"transitions":1878,"kinds":["held-lock-freed","lock-cycle","lock-cycle"]}},
  {"model":"models/kvm/vfio_file_race.knot","set":[],"disabled":[],"first":{"states":358,"transitions":721,"depth":33,"kind":null},"all":{"states":358,"transitions":721,"kinds":[]}},
  {"model":"models/kvm/vfio_file_race.knot","set":["FIXED=false"],"disabled":[],"first":{"states":245,"transitions":588,"depth":13,"kind":"use-after-free"},"all":{"states":596,"transitions":1286,"kinds":["final","use-after-free"]}},
  {"model":"models/kvm/devices.knot","set":["NR_VCPUS=1"],"disabled":[],"first":{"states":9299,"transitions":24265,"depth":89,"kind":null},"all":{"states":9299,"transitions":24265,"kinds":[]}},
  {"model":"models/kvm/devices.knot","set":["NR_VCPUS=1","VFIO_KVM_REF_LOCK=false"],"disabled":[],"first":{"states":4099,"transitions":10560,"depth":40,"kind":"lock-cycle"},"all":{"states":6845,"transitions":17570,"kinds":["held-lock-freed","lock-cycle","lock-cycle"]}},
  {"model":"models/kvm/devices.knot","set":["NR_VCPUS=1","FILE_ADD_SET_KVM_LOCKED=false"],"disabled":[],"first":{"states":9299,"transitions":24265,"depth":89,"kind":null},"all":{"states":9299,"transitions":24265,"kinds":[]}},
  {"model":"models/examples/abba.knot","set":[],"disabled":[],"first":{"states":13,"transitions":15,"depth":2,"kind":"lock-cycle"},"all":{"states":200,"transitions":391,"kinds":["lock-cycle"]}},
  {"model":"models/examples/abba.knot","set":["FIXED=true"],"disabled":[],"first":{"states":184,"transitions":345,"depth":18,"kind":null},"all":{"states":184,"transitions":345,"kinds":[]}},
  {"model":"models/examples/philosophers.knot","set":["N=3"],"disabled":[],"first":{"states":20,"transitions":28,"depth":3,"kind":"lock-cycle"},"all":{"states":44,"transitions":90,"kinds":["lock-cycle"]}},
  {"model":"models/examples/philosophers.knot","set":["N=3","ORDERED=true"],"disabled":[],"first":{"states":33,"transitions":61,"depth":8,"kind":null},"all":{"states":33,"transitions":61,"kinds":[]}},
  {"model":"models/examples/philosophers.knot","set":["N=4","ORDERED=true"],"disabled":[],"first":{"states":117,"transitions":296,"depth":12,"kind":null},"all":{"states":117,"transitions":296,"kinds":[]}},
  {"model":"models/examples/philosophers.knot","set":[],"disabled":[],"first":{"states":179,"transitions":410,"depth":5,"kind":"lock-cycle"},"all":{"states":572,"transitions":1970,"kinds":["lock-cycle"]}},
];
