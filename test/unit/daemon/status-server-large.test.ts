// The status socket answers a document of any size whole: a 200-instance daemon's
// status is ~300 KB, more than a unix socket's send buffer, and Bun's socket.write()
// writes only what fits (the rest is the caller's to send on 'drain').
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryStatus } from "../../../src/daemon/status-client.ts";
import { startStatusServer } from "../../../src/daemon/status-server.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-status-large-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a status document larger than the socket's send buffer arrives whole", async () => {
  // 2 MiB of instances: several times any default unix socket buffer
  const doc = { instances: Array.from({ length: 2000 }, (_, i) => ({ name: `VI_${i}`, pad: "x".repeat(1000) })) };
  const server = startStatusServer(join(dir, "s.sock"), () => doc);
  try {
    const got = (await queryStatus(join(dir, "s.sock"), "status", 10_000)) as typeof doc;
    expect(got.instances.length).toBe(2000);
    expect(got.instances[1999]!.name).toBe("VI_1999");
  } finally {
    server.stop();
  }
});
