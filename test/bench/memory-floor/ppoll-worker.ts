// The Worker of floor 3: a synchronous ppoll loop through bun:ffi with a 10 ms
// timeout and no descriptors, the shape of vigil's VRRP worker without its work.
import { dlopen, FFIType } from "bun:ffi";

declare const self: Worker;
const { symbols } = dlopen("libc.so.6", { ppoll: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
const timeout = new BigInt64Array([0n, 10_000_000n]);
const fds = new Int32Array(2);
self.postMessage("up");
// bounded: the bench kills the process within seconds; 10 ms × 360 000 is an hour
for (let i = 0; i < 360_000; i++) symbols.ppoll(fds, 0n, timeout, null);
