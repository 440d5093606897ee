// Typed arrays handed to the kernel must not be JSC "fast" typed arrays, whose
// storage can move under a JIT-compiled caller (src/sys/ffi-memory.ts,
// oven-sh/bun#32054). src/sys allocates them only through ffi-memory.ts.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ffiBytes, ffiCopy, ffiI32, ffiI64, ffiU32, ffiU64 } from "../../../src/sys/ffi-memory.ts";
import { tsFiles } from "../../helpers/source-files.ts";

const SYS = `${import.meta.dir}/../../../src/sys`;

describe("memory for the kernel", () => {
  test("src/sys creates typed arrays only through ffi-memory.ts (or as views of an existing buffer)", () => {
    const offenders: string[] = [];
    for (const f of tsFiles(SYS)) {
      if (f.endsWith("/ffi-memory.ts")) continue;
      readFileSync(f, "utf8").split("\n").forEach((line, i) => {
        for (const m of line.matchAll(/new (?:Uint8|Int8|Uint16|Int16|Uint32|Int32|BigUint64|BigInt64|Float32|Float64)Array\(([^)]*)/g)) {
          const arg = m[1]!.trim();
          // a view over a buffer that is already an explicit ArrayBuffer is fine
          if (arg.startsWith("new ArrayBuffer") || /\.buffer\b/.test(arg)) continue;
          offenders.push(`${f.slice(SYS.length + 1)}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });

  test("every helper returns a view over its own ArrayBuffer, of the asked size, zeroed", () => {
    const views = [ffiBytes(3), ffiU32(3), ffiI32(3), ffiU64(3), ffiI64(3), ffiCopy([1, 2, 3])];
    for (const v of views) {
      expect(v.length).toBe(3);
      expect(v.byteOffset).toBe(0);
      expect(v.buffer.byteLength).toBe(v.byteLength);
    }
    expect([...ffiCopy([1, 2, 3])]).toEqual([1, 2, 3]);
    expect([...ffiU32(3)]).toEqual([0, 0, 0]);
  });
});
