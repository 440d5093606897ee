// What the VRRP worker loads. The worker is a JS VM of its own, so every module in
// its static import graph is parsed and evaluated a second time there and kept for
// the daemon's life (issue 14: anonymous memory). It needs the FSM, the codecs, its
// sockets and its loop; node:fs alone would cost it about 0.6 MiB (memory.bench's
// floors), and config parsing, the CLI, the fleet link and the checkers belong to the
// main thread. The graph is read from the sources as the bundler sees them
// (Bun.Transpiler.scanImports: type-only imports are dropped, as in the build).
import { expect, test } from "bun:test";
import { staticGraph } from "../../helpers/import-graph.ts";

const worker = staticGraph("src/daemon/vrrp-worker.ts");

test("the VRRP worker imports no node: module (node:fs alone costs its VM about 0.6 MiB)", () => {
  expect([...worker.specifiers].filter((s) => s.startsWith("node:"))).toEqual([]);
});

test("the VRRP worker imports no package and no main-thread code (config parsing, CLI, fleet, checkers)", () => {
  expect([...worker.specifiers].filter((s) => !s.startsWith("bun:"))).toEqual([]);
  expect([...worker.files].filter((f) => /^src\/(cli|config|config-io|fleet|lvs\/checkers)\//.test(f))).toEqual([]);
});

test("the graph walk sees what it should: the worker's loop, FSM and sockets", () => {
  for (const f of ["src/vrrp/fsm.ts", "src/sys/vrrp-socket.ts", "src/sys/readiness-waiter.ts"]) expect(worker.files).toContain(f);
  expect(worker.specifiers).toContain("bun:ffi");
});
