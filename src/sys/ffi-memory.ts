// Memory the kernel reads or writes through bun:ffi. JSC keeps a typed array
// under 1000 bytes in "fast" mode, with its storage inside the GC heap; when
// a hot caller is DFG-compiled that storage can be copied out into a real
// ArrayBuffer and the view repointed, so an address the native side holds —
// or one the JIT folded into compiled code — goes stale: kernel writes land
// in abandoned memory and JS reads frozen values (oven-sh/bun#32054; seen
// here as a clock_gettime result ≈ 1 s old in the compiled daemon). A view
// over an explicit ArrayBuffer never moves. Every buffer handed to a syscall
// comes from here (pure codecs that build frames allocate the same way).

export function ffiBytes(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n));
}

export function ffiU32(n: number): Uint32Array {
  return new Uint32Array(new ArrayBuffer(n * 4));
}

export function ffiI32(n: number): Int32Array {
  return new Int32Array(new ArrayBuffer(n * 4));
}

export function ffiU64(n: number): BigUint64Array {
  return new BigUint64Array(new ArrayBuffer(n * 8));
}

export function ffiI64(n: number): BigInt64Array {
  return new BigInt64Array(new ArrayBuffer(n * 8));
}

/** A stable copy of `src` (for constants built from literals). */
export function ffiCopy(src: ArrayLike<number>): Uint8Array {
  const b = ffiBytes(src.length);
  b.set(src);
  return b;
}
