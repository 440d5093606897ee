// The VM harness itself: exit status and output come back, the guest serves commands
// mid-run, a hung guest is killed at the hard timeout, and nothing (qemu process, run
// directory) outlives a run, even one whose test process is killed outright.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { CHECKOUT, GUEST_SERVE_COMMANDS, startVm, vmAvailable } from "../helpers/vm.ts";

/** Running, not a zombie: a killed qemu is reparented to PID 1, which may reap it late. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe.skipIf(!vmAvailable())("VM harness", () => {
  test("the guest script's stdout, stderr and exit status come back; it runs as root under the Debian kernel, with the checkout at its host path; it serves commands in between", async () => {
    // the checkout is its own share (a clone under /tmp would otherwise be hidden by the guest's /tmp)
    const checkout = `awk '$2 == "${CHECKOUT}" && $3 == "9p" { print "checkout-mounted" }' /proc/mounts; test -f ${CHECKOUT}/package.json && echo checkout-visible`;
    const vm = startVm({ script: `set -e\nuname -r; id -u; echo oops >&2; test -d /sys/module/ip_vs && echo ipvs-loaded; ${checkout}\n${GUEST_SERVE_COMMANDS}\nexit 7\n`, timeoutMs: 120_000 });
    try {
      // a failing command comes back with its status and both streams, and the script goes on (set -e)
      expect(await vm.exec("echo to-stdout; echo to-stderr >&2; exit 3")).toEqual({ code: 3, out: "to-stdout\nto-stderr\n" });
      expect(await vm.exec("cat /proc/sys/kernel/osrelease")).toEqual({ code: 0, out: await Bun.file(`${CHECKOUT}/.cache/vm/kernel-version`).text() });
      vm.release();
      const r = await vm.done;
      expect(r.exitCode).toBe(7);
      expect(r.stdout).toBe(`${await Bun.file(`${CHECKOUT}/.cache/vm/kernel-version`).text()}0\nipvs-loaded\ncheckout-mounted\ncheckout-visible\n`);
      expect(r.stderr).toBe("oops\n");
      expect(r.console).toContain("VIGIL-VM: exit=7");
      expect(r.bootMs).not.toBeNull();
      console.log(`VM boot ${Math.round(r.bootMs!)} ms, whole run ${Math.round(r.wallMs)} ms`);
    } finally {
      vm.kill();
    }
  }, 150_000);

  test("a guest that never finishes is killed at the hard timeout and cleaned up", async () => {
    const vm = startVm({ script: "sleep 100000\n", timeoutMs: 2_000 });
    const r = await vm.done;
    expect(r.exitCode).toBeNull();
    expect(r.console).toContain("killed after 2000 ms");
    expect(alive(vm.pid)).toBe(false);
    expect(existsSync(vm.runDir)).toBe(false);
  }, 30_000);

  test("a test process killed outright takes its qemu with it, and the next VM sweeps its run directory", async () => {
    const child = Bun.spawn([process.execPath, `${import.meta.dir}/orphan-vm-child.ts`], { stdout: "pipe", stderr: "inherit" });
    const line = (await child.stdout.getReader().read()).value;
    const [qemuPid, orphanDir] = new TextDecoder().decode(line).trim().split(" ");
    expect(alive(Number(qemuPid))).toBe(true);
    child.kill("SIGKILL");
    await child.exited;
    for (let i = 0; i < 100 && alive(Number(qemuPid)); i++) await Bun.sleep(100);
    expect(alive(Number(qemuPid))).toBe(false);
    expect(existsSync(orphanDir!)).toBe(true);
    const vm = startVm({ script: "true\n", timeoutMs: 30_000 });
    try {
      expect(existsSync(orphanDir!)).toBe(false);
    } finally {
      vm.kill();
      await vm.done;
    }
  }, 60_000);

  test("addresses outside 198.18.0.0/15 are refused before anything starts", () => {
    expect(() => startVm({ script: "true\n", net: { netns: "none", tap: "none", ip: "192.168.200.1/24" } })).toThrow(
      "VM address 192.168.200.1/24 is outside 198.18.0.0/15",
    );
  });
});
