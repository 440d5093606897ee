// Built-ins only some configs need load on first use (src/sys/lazy-builtins.ts): in
// the compiled binary node:net, node:tls and node:crypto cost 1.3–1.8 MiB RssAnon each
// once loaded, used or not. So the LVS side (HTTP_GET and TCP_CHECK to address literals
// run on raw syscalls) and the fleet link on an mqtt:// broker import none of them at
// start; SSL_GET, DNS_CHECK, MISC_CHECK, host names, mqtts:// and signatures load theirs
// where they are used (test/lab/checkers-on-reload.test.ts runs them after a reload).
import { expect, test } from "bun:test";
import { staticGraph } from "../../helpers/import-graph.ts";

const LAZY = ["node:tls", "node:net", "node:dgram", "node:child_process", "node:crypto"];

for (const entry of ["src/daemon/lvs-manager.ts", "src/daemon/fleet-link.ts", "src/daemon/boot-config.ts", "src/cli/run.ts"]) {
  test(`${entry} imports none of ${LAZY.join(", ")} at start (each loads on first use)`, () => {
    const g = staticGraph(entry, { lazyRequires: true });
    expect([...g.specifiers].filter((s) => LAZY.includes(s))).toEqual([]);
  });
}

test("the graph walk sees the checkers and the MQTT transport, whose built-ins load on first use", () => {
  expect(staticGraph("src/daemon/lvs-manager.ts", { lazyRequires: true }).files).toContain("src/lvs/checkers/stream.ts");
  const fleet = staticGraph("src/daemon/fleet-link.ts", { lazyRequires: true });
  expect(fleet.files).toContain("src/fleet/mqtt-connect.ts");
  expect(fleet.files).toContain("src/sys/lazy-builtins.ts");
  // without skipping the lazy requires, they are there: the test above could fail
  expect(staticGraph("src/daemon/fleet-link.ts").specifiers).toContain("node:tls");
});
