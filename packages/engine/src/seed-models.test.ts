// The seed model of the design (models/kvm/vfio.knot, the kvm-vfio teardown):
// with kvm_vfio_destroy as the device's destroy callback, VFIO's close path
// self-deadlocks on group_lock through the whole kvm teardown call chain; with
// the fix (release) the whole state space is clean.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explore } from "./explore.js";
import { lowerFile } from "./test-pipeline.js";

const vfio = join(import.meta.dirname, "../../../models/kvm/vfio.knot");

describe("models/kvm/vfio.knot", () => {
  it("TEARDOWN = destroy: recursive locking of group_lock at the end of the kvm teardown chain", () => {
    const ir = lowerFile(vfio, { TEARDOWN: "destroy" });
    const r = explore(ir);
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0]!;
    expect(v.kind).toBe("recursive-locking");
    expect(v.message).toBe("close_vfio_device_fd waits for group_lock, which it already holds");
    expect(v.blocked).toHaveLength(1);
    const blocked = v.blocked![0]!;
    const thread = ir.threads[blocked.thread]!;
    expect(thread.name).toBe("close_vfio_device_fd");
    const loc = ir.processes[thread.process]!.locations[blocked.location]!;
    expect(loc.label).toBe("lock group_lock");
    expect(loc.frames.map((f) => f.proc)).toEqual([
      "kvm_put_kvm", "kvm_destroy_vm", "kvm_destroy_devices", "kvm_vfio_destroy", "kvm_vfio_file_set_kvm", "vfio_file_set_kvm",
    ]);
    // the callback is reached through the ops table
    expect(loc.frames[3]!.call).toBe("call dev.ops.destroy(dev)");
    // the two other closers drop their references (the device fd's close reads the device's ops),
    // VFIO takes group_lock and drops the last one, then kvm_destroy_devices walks vm->devices
    expect(v.trace.steps.map((s) => ir.threads[s.thread]!.name)).toEqual([
      "close_vm_fd", "close_kvm_vfio_fd", "close_kvm_vfio_fd", "close_kvm_vfio_fd",
      "close_vfio_device_fd", "close_vfio_device_fd", "close_vfio_device_fd", "close_vfio_device_fd", "close_vfio_device_fd",
    ]);
  });

  it("TEARDOWN = release: no violation in the whole state space", () => {
    const r = explore(lowerFile(vfio, { TEARDOWN: "release" }), { all: true });
    expect(r.violations).toEqual([]);
    expect(r.stats.complete).toBe(true);
    expect(r.stats.stoppedBy).toBeUndefined();
  });
});
