import { expect, test } from "bun:test";
import { commFor } from "../../../src/sys/process-name.ts";

test("the restored name is argv[0]'s last component", () => {
  expect(commFor("/usr/sbin/vigil")).toBe("vigil");
  expect(commFor("vigil")).toBe("vigil");
});

test("the restored name is cut to 15 bytes as the kernel cuts comm (TASK_COMM_LEN 16)", () => {
  expect(commFor("/opt/vigil-linux-arm64-board")).toBe("vigil-linux-arm");
  // a multi-byte character is never split
  expect(new TextEncoder().encode(commFor("/x/ééééééééé")).length).toBeLessThanOrEqual(15);
});
