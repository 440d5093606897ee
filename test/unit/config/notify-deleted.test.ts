// keepalived 2.2.7's `notify_deleted [SCRIPT]` (vrrp_instance): read as keepalived's
// vrrp_notify_deleted_handler reads it, through keepalived.conf, JSON and CBOR
// unchanged; a script without the switch (JSON) is refused at its field.
import { expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { read, ok, instance } from "./read-text.ts";


test("notify_deleted alone switches DELETED on; with a script, the script (and its user) is kept as written", () => {
  const c = ok(read(instance("VI_1", 1, "  notify_deleted\n") + instance("VI_2", 2, '  notify_deleted "/usr/local/bin/gone VI_2" root\n') + instance("VI_3", 3)), "read");
  expect(c.instances.map((i) => [i.notifyDeleted, i.notifyDeletedScript])).toEqual([[true, undefined], [true, "/usr/local/bin/gone VI_2 root"], [undefined, undefined]]);
});

test("notify_deleted goes through keepalived.conf, JSON and CBOR unchanged", () => {
  const c = ok(read(instance("VI_1", 1, "  notify_deleted\n") + instance("VI_2", 2, '  notify_deleted "/usr/local/bin/gone VI_2"\n')), "read");
  expect(writeKeepalived(c)).toMatch(/^\s*notify_deleted$/m);
  expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
  expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
  expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
});

test("a notifyDeletedScript without notifyDeleted (JSON: keepalived's grammar cannot say it) is an error at that field", () => {
  const c = ok(read(instance("VI_1", 1)), "read");
  const doc = JSON.parse(configToJson(c)) as { instances: Array<Record<string, unknown>> };
  doc.instances[0]!.notifyDeletedScript = "/bin/true";
  const r = readJson(JSON.stringify(doc), "/t/c.json");
  expect(r.config).toBeUndefined();
  expect(r.errors.map((d) => formatDiagnostic(d))).toEqual([
    expect.stringContaining("instances[0].notifyDeletedScript: error: notifyDeletedScript needs notifyDeleted: true"),
  ]);
});

test("a bad notify_deleted is refused at its file:line:col", () => {
  const r = read(instance("VI_1", 1, "  notify_deleted {\n  }\n"));
  expect(r.errors.map((d) => formatDiagnostic(d))).toEqual(["/t/k.conf:8:3: error: 'notify_deleted' does not take a block (at 'notify_deleted {')"]);
});
