// Child process for test/vm/vm-helper.test.ts: starts a VM that never finishes and
// prints "<qemu pid> <run directory>"; the test then SIGKILLs this process, so no
// exit handler runs, and checks that qemu died with it.
import { startVm } from "../helpers/vm.ts";

const vm = startVm({ script: "sleep 100000\n", timeoutMs: 120_000 });
console.log(`${vm.pid} ${vm.runDir}`);
await vm.done;
