// src/sys/fd-file.ts: small files through libc's open/read/write, which the VRRP
// worker uses instead of node:fs (the /proc/sys knobs, namespace handles, probe lines).
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { openReadOnly, readText, writeAll, writeText } from "../../../src/sys/fd-file.ts";
import { closeFd } from "../../../src/sys/libc.ts";

const root = mkdtempSync(`${tmpdir()}/vigil-fd-file-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("fd-file", () => {
  test("readText reads what node:fs wrote, whole, as UTF-8", () => {
    writeFileSync(`${root}/a`, "1\nzwölf\n");
    expect(readText(`${root}/a`)).toBe("1\nzwölf\n");
  });

  test("writeText replaces an existing file's content (O_TRUNC: a shorter value leaves no tail)", () => {
    writeFileSync(`${root}/b`, "0123456789");
    writeText(`${root}/b`, "1");
    expect(readFileSync(`${root}/b`, "utf8")).toBe("1");
  });

  test("writeText does not create a file (a /proc/sys knob that is absent is an error, not a new file)", () => {
    expect(() => writeText(`${root}/absent`, "1")).toThrow(`open ${root}/absent: ENOENT (2)`);
  });

  test("openReadOnly names the operation and the path with errno", () => {
    expect(() => openReadOnly(`${root}/nope`, "open netns")).toThrow(`open netns ${root}/nope: ENOENT (2)`);
    expect(() => readText(`${root}/nope`)).toThrow(`open ${root}/nope: ENOENT (2)`);
  });

  test("writeAll writes every byte to a descriptor; false on a descriptor it cannot write", () => {
    writeFileSync(`${root}/c`, "");
    const fd = openReadOnly(`${root}/c`);
    try {
      expect(writeAll(fd, "x")).toBe(false); // read-only: EBADF
    } finally {
      closeFd(fd);
    }
    const text = "λ".repeat(70_000); // 140 000 bytes: more than one pipe's worth, written to a file here
    const w = openSync(`${root}/d`, "w");
    try {
      expect(writeAll(w, text)).toBe(true);
    } finally {
      closeSync(w);
    }
    expect(readFileSync(`${root}/d`, "utf8")).toBe(text);
  });
});
