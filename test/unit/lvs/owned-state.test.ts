// The owned-services state file: its text format, the atomic file adapter, and
// IpvsSync using it across a simulated restart. The kernel cannot run IPVS
// here (no IP_VS): IpvsSync drives the reconcile test model's in-memory table
// (test/unit/lvs/reconcile-model.ts, kernel rules: add of an existing key and
// delete of a missing one fail); test/vm/ipvs-restart.test.ts does the same
// against Debian's kernel with SIGKILL.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { IpvsService } from "../../../src/lvs/ipvs-model.ts";
import { serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import { encodeOwnedState, OwnedStateError, parseOwnedState, parseServiceKey } from "../../../src/lvs/owned-state.ts";
import type { IpvsOp } from "../../../src/lvs/reconcile.ts";
import type { IpvsClient } from "../../../src/sys/ipvs/client.ts";
import { IpvsSync } from "../../../src/sys/ipvs/ipvs-sync.ts";
import { OwnedStateFile } from "../../../src/sys/ipvs/owned-state-file.ts";
import { applyOps } from "./reconcile-model.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-owned-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("owned-state text", () => {
  test("round trip: keys are written sorted and read back unchanged", () => {
    const keys = ["udp:[fd00::1]:53", "tcp:198.18.0.10:80", "fwm:4:7", "sctp:198.18.0.11:3868", "fwm:6:4294967295"];
    const text = encodeOwnedState(keys);
    expect(text).toBe('{"version":1,"services":["fwm:4:7","fwm:6:4294967295","sctp:198.18.0.11:3868","tcp:198.18.0.10:80","udp:[fd00::1]:53"]}\n');
    expect([...parseOwnedState(text)].sort()).toEqual([...keys].sort());
    expect(parseOwnedState(encodeOwnedState([])).size).toBe(0);
  });

  test("every key the parser accepts is a serviceKeyString spelling (the reconcile's keys, byte for byte)", () => {
    for (const k of ["tcp:198.18.0.10:80", "udp:[fd00::a:1]:0", "fwm:6:1"]) expect(serviceKeyString(parseServiceKey(k))).toBe(k);
  });

  test("corrupt documents are rejected with the reason", () => {
    const bad: [string, RegExp][] = [
      ["", /not JSON/],
      ["{\"version\":1,\"services\":[", /not JSON/],
      ["[]", /not a JSON object/],
      ["null", /not a JSON object/],
      ['{"services":[]}', /version undefined, this vigil reads version 1/],
      ['{"version":2,"services":[]}', /version 2/],
      ['{"version":1}', /"services" is not a list/],
      ['{"version":1,"services":"tcp:198.18.0.1:80"}', /"services" is not a list/],
      ['{"version":1,"services":[80]}', /service 80 is not a string/],
      ['{"version":1,"services":["tcp:198.18.0.1"]}', /is not "<tcp\|udp\|sctp>:<address>:<port>"/],
      ['{"version":1,"services":["icmp:198.18.0.1:80"]}', /is not "<tcp/],
      ['{"version":1,"services":["tcp:198.18.0.1:65536"]}', /port above 65535/],
      ['{"version":1,"services":["tcp:198.18.0.1:080"]}', /is not "<tcp/],
      ['{"version":1,"services":["tcp:198.18.0.256:80"]}', /part 4 is not 0-255/],
      // inet_pton's rule (src/net/ip-address.ts): a leading zero is refused, not read as 18
      ['{"version":1,"services":["tcp:198.018.0.1:80"]}', /part 2 has a leading zero/],
      ['{"version":1,"services":["tcp:[fd00:0::1]:80"]}', /not in canonical form \("tcp:\[fd00::1\]:80"\)/],
      ['{"version":1,"services":["tcp:[198.18.0.1]:80"]}', /brackets are for IPv6 addresses only/],
      ['{"version":1,"services":["tcp:fd00::1:80"]}', /is not "<tcp/],
      ['{"version":1,"services":["fwm:4:0"]}', /is not "<tcp/],
      ['{"version":1,"services":["fwm:4:4294967296"]}', /fwmark above 2\^32-1/],
      ['{"version":1,"services":["fwm:5:1"]}', /is not "<tcp/],
    ];
    for (const [text, why] of bad) {
      let err: unknown;
      try {
        parseOwnedState(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OwnedStateError);
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).toStartWith("IPVS owned-services state: ");
    }
  });

  test("a document far larger than any table is refused before parsing", () => {
    expect(() => parseOwnedState(" ".repeat(5 << 20))).toThrow(/more than the 4194304 a state file can need/);
  });
});

describe("owned-state file", () => {
  test("save replaces the file atomically (rename over it: a new inode, no temp file left) and load reads it back", () => {
    const f = new OwnedStateFile(`${dir}/a/ipvs-owned.json`);
    f.save(new Set(["tcp:198.18.0.10:80"])); // creates the directory
    const ino1 = statSync(`${dir}/a/ipvs-owned.json`).ino;
    f.save(new Set(["tcp:198.18.0.10:80", "fwm:4:7"]));
    expect(statSync(`${dir}/a/ipvs-owned.json`).ino).not.toBe(ino1);
    expect(readdirSync(`${dir}/a`)).toEqual(["ipvs-owned.json"]);
    expect([...f.load()].sort()).toEqual(["fwm:4:7", "tcp:198.18.0.10:80"]);
  });

  test("a missing file is an empty set, without a warning", () => {
    const warnings: string[] = [];
    expect(new OwnedStateFile(`${dir}/none/ipvs-owned.json`, (m) => warnings.push(m)).load().size).toBe(0);
    expect(warnings).toEqual([]);
  });

  test("a corrupt file gives a clear warning naming the file and is treated as empty", () => {
    mkdirSync(`${dir}/c`);
    writeFileSync(`${dir}/c/ipvs-owned.json`, '{"version":1,"services":["tcp:198.18.0.10:80"');
    const warnings: string[] = [];
    expect(new OwnedStateFile(`${dir}/c/ipvs-owned.json`, (m) => warnings.push(m)).load().size).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toStartWith(`${dir}/c/ipvs-owned.json: IPVS owned-services state: not JSON`);
    expect(warnings[0]).toEndWith("assuming vigil owns no IPVS service from a previous run");
  });

  test("an unreadable path (a directory) gives a warning and an empty set, never a throw", () => {
    mkdirSync(`${dir}/d/ipvs-owned.json`, { recursive: true });
    const warnings: string[] = [];
    expect(new OwnedStateFile(`${dir}/d/ipvs-owned.json`, (m) => warnings.push(m)).load().size).toBe(0);
    expect(warnings[0]).toMatch(/^cannot read .*d\/ipvs-owned\.json \(.*EISDIR/);
  });

  test("a failed save is reported, not thrown, and leaves no temp file", () => {
    mkdirSync(`${dir}/ro`);
    writeFileSync(`${dir}/ro/ipvs-owned.json`, encodeOwnedState(["fwm:4:1"]));
    const warnings: string[] = [];
    // the tests run as root, which ignores permissions: a path under a regular file cannot be written by anyone
    const f = new OwnedStateFile(`${dir}/ro/ipvs-owned.json/x`, (m) => warnings.push(m));
    f.save(new Set(["tcp:198.18.0.10:80"]));
    expect(warnings[0]).toMatch(/^cannot write .*ro\/ipvs-owned\.json\/x .*services removed from the config may stay in the kernel$/);
    expect(readdirSync(`${dir}/ro`)).toEqual(["ipvs-owned.json"]);
    expect(readFileSync(`${dir}/ro/ipvs-owned.json`, "utf8")).toBe(encodeOwnedState(["fwm:4:1"]));
  });
});

// ------------------------------------------------------------ IpvsSync across a restart

function svc(address: string, port: number): IpvsService {
  return { family: 4, protocol: "tcp", address, port, fwmark: 0, scheduler: "rr", persistenceTimeout: 0, persistenceNetmask: "", flags: [], dests: [] };
}

/** The reconcile model's kernel table behind IpvsSync's client interface (table, apply, close). */
class ModelKernel {
  table: IpvsService[] = [];
  failApply = false;
  client(): IpvsClient {
    const k = this;
    return {
      table: () => structuredClone(k.table),
      apply: (ops: IpvsOp[]) => {
        if (k.failApply) throw new Error("EIO");
        k.table = applyOps(k.table, ops);
      },
      close: () => {},
    } as unknown as IpvsClient;
  }
  keys(): string[] {
    return this.table.map(serviceKeyString).sort();
  }
}

describe("IpvsSync with the owned-state file", () => {
  test("restart after SIGKILL: a service the previous run owned and the new config dropped is deleted on the first sync, even one limited to changed services", () => {
    const kernel = new ModelKernel();
    const path = `${dir}/r1/ipvs-owned.json`;
    const a = svc("198.18.0.10", 80), b = svc("198.18.0.11", 80), foreign = svc("198.18.0.99", 80);
    kernel.table = [foreign]; // an operator's own ipvsadm service
    const run1 = new IpvsSync(() => kernel.client(), new OwnedStateFile(path));
    expect(run1.sync([a, b]).error).toBeUndefined();
    expect(kernel.keys()).toEqual(["tcp:198.18.0.10:80", "tcp:198.18.0.11:80", "tcp:198.18.0.99:80"]);
    expect([...parseOwnedState(readFileSync(path, "utf8"))].sort()).toEqual(["tcp:198.18.0.10:80", "tcp:198.18.0.11:80"]);
    // SIGKILL: run1 never stops; run2 starts with only `a` and syncs just the service its checkers changed
    const run2 = new IpvsSync(() => kernel.client(), new OwnedStateFile(path));
    const r = run2.sync([a], new Set([serviceKeyString(a)]));
    expect(r.error).toBeUndefined();
    expect(r.ops.map((o) => `${o.op} ${serviceKeyString(o.service)}`)).toEqual(["delete-service tcp:198.18.0.11:80"]);
    expect(kernel.keys()).toEqual(["tcp:198.18.0.10:80", "tcp:198.18.0.99:80"]);
    expect([...parseOwnedState(readFileSync(path, "utf8"))]).toEqual(["tcp:198.18.0.10:80"]);
    // and a clean stop removes what it owns, leaving the operator's service and an empty record
    expect(run2.removeOwned().error).toBeUndefined();
    expect(kernel.keys()).toEqual(["tcp:198.18.0.99:80"]);
    expect(parseOwnedState(readFileSync(path, "utf8")).size).toBe(0);
  });

  test("without the file (the old behaviour) the dropped service would stay: the record is what makes the difference", () => {
    const kernel = new ModelKernel();
    const a = svc("198.18.0.10", 80), b = svc("198.18.0.11", 80);
    new IpvsSync(() => kernel.client()).sync([a, b]);
    new IpvsSync(() => kernel.client()).sync([a]);
    expect(kernel.keys()).toEqual(["tcp:198.18.0.10:80", "tcp:198.18.0.11:80"]);
  });

  test("write-ahead: a new service is on record before it is applied, so a crash during apply cannot orphan it", () => {
    const kernel = new ModelKernel();
    const path = `${dir}/r2/ipvs-owned.json`;
    kernel.failApply = true;
    const r = new IpvsSync(() => kernel.client(), new OwnedStateFile(path)).sync([svc("198.18.0.10", 80)]);
    expect(r.error?.message).toBe("EIO");
    expect([...parseOwnedState(readFileSync(path, "utf8"))]).toEqual(["tcp:198.18.0.10:80"]);
  });

  test("a recorded service the kernel no longer holds is forgotten at the first full sync (a later service of someone else's under that key is safe)", () => {
    const kernel = new ModelKernel();
    const path = `${dir}/r3/ipvs-owned.json`;
    mkdirSync(`${dir}/r3`);
    writeFileSync(path, encodeOwnedState(["tcp:198.18.0.50:80"]));
    const sync = new IpvsSync(() => kernel.client(), new OwnedStateFile(path));
    expect(sync.sync([]).ops).toEqual([]);
    expect(sync.ownedKeys.size).toBe(0);
    expect(parseOwnedState(readFileSync(path, "utf8")).size).toBe(0);
    kernel.table = [svc("198.18.0.50", 80)]; // an operator creates it afterwards
    sync.refresh();
    expect(sync.sync([]).ops).toEqual([]);
    expect(kernel.keys()).toEqual(["tcp:198.18.0.50:80"]);
  });

  test("a corrupt record does not stop the sync: warning, nothing inherited, foreign services untouched", () => {
    const kernel = new ModelKernel();
    kernel.table = [svc("198.18.0.99", 80)];
    const path = `${dir}/r4/ipvs-owned.json`;
    mkdirSync(`${dir}/r4`);
    writeFileSync(path, "\u0000garbage");
    const warnings: string[] = [];
    const sync = new IpvsSync(() => kernel.client(), new OwnedStateFile(path, (m) => warnings.push(m)));
    expect(warnings).toHaveLength(1);
    expect(sync.sync([svc("198.18.0.10", 80)]).error).toBeUndefined();
    expect(kernel.keys()).toEqual(["tcp:198.18.0.10:80", "tcp:198.18.0.99:80"]);
    expect([...parseOwnedState(readFileSync(path, "utf8"))]).toEqual(["tcp:198.18.0.10:80"]);
  });

  test("the file is written only when the owned set changes (a real-server change costs no write)", () => {
    const kernel = new ModelKernel();
    let saves = 0;
    const store = { load: () => new Set<string>(), save: () => void saves++ };
    const sync = new IpvsSync(() => kernel.client(), store);
    const a = svc("198.18.0.10", 80);
    sync.sync([a]);
    expect(saves).toBe(1);
    const withDest = { ...a, dests: [{ address: "198.18.1.1", port: 80, forward: "masq" as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 }] };
    sync.sync([withDest], new Set([serviceKeyString(a)]));
    sync.sync([a], new Set([serviceKeyString(a)]));
    expect(saves).toBe(1);
    sync.sync([]);
    expect(saves).toBe(2);
  });
});
