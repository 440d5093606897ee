// Child for allocator-env.test.ts: prints its PID and the variable, then re-execs itself.
import { reexecWithAllocatorEnv } from "../../../src/sys/allocator-env.ts";
console.log(JSON.stringify({ pid: process.pid, purge: process.env.MIMALLOC_PURGE_DELAY ?? null, args: process.argv.slice(2) }));
const why = reexecWithAllocatorEnv();
console.log(JSON.stringify({ returned: why ?? null }));
