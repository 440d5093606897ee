// keepalived runs a real server's notify_up/notify_down as script_user; so does vigil.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { LvsManager } from "../../../src/daemon/lvs-manager.ts";
import { readKeepalivedText } from "./plan-helpers.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-lvsnotify-`);
chmodSync(dir, 0o777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const nobody = Number(readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("nobody:"))!.split(":")[2]);

test("a real server going down runs notify_down as the script user", async () => {
  // port 1 on loopback refuses at once: the TCP_CHECK fails on its first run
  const cfg = readKeepalivedText(`
virtual_server 127.0.0.1 8 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 1 {
    weight 1
    notify_down "/bin/sh -c 'id -u > ${dir}/down'"
    TCP_CHECK { connect_timeout 1 }
  }
}`);
  const m = new LvsManager(cfg.virtualServers, undefined, {}, () => ({ uid: nobody, gid: nobody }));
  m.start();
  try {
    for (let i = 0; i < 100 && !existsSync(`${dir}/down`); i++) await Bun.sleep(50);
    await Bun.sleep(100); // the script's write lands
    expect(readFileSync(`${dir}/down`, "utf8").trim()).toBe(String(nobody));
  } finally {
    m.stop();
  }
});
