// Child process for test/vm/vm-helper.test.ts: starts a VM that never finishes and
// prints "<qemu pid> <run directory>"; the test then SIGKILLs this process, so no
// exit handler runs, and checks that qemu died with it.
import { readFileSync } from "node:fs";
import { startVm } from "../helpers/vm.ts";

const vm = startVm({ script: "sleep 100000\n", timeoutMs: 120_000 });
// setpriv sets the parent-death signal and then execs qemu: until the exec, a parent
// killed now would leave an orphan qemu that never gets the signal (seen once in CI on
// a loaded host).
for (let i = 0; i < 200 && !readFileSync(`/proc/${vm.pid}/comm`, "utf8").startsWith("qemu"); i++) await Bun.sleep(25);
console.log(`${vm.pid} ${vm.runDir}`);
await vm.done;
