// `vigil run`'s board defaults: FHS paths, the config search order, syslog flags
// (keepalived's -S values), and the one-line refusals.
import { describe, expect, test } from "bun:test";
import { parseRunArgs, type RunOptions } from "../../../src/cli/run-args.ts";
import { chooseConfigFile, nothingConfigured } from "../../../src/cli/run-config.ts";
import { defaultFleet, emptyConfig } from "../../../src/config/model.ts";
import { DEFAULT_CONFIG_FILES, DEFAULT_RUN_DIR, DEFAULT_STATE_DIR, withStateDir } from "../../../src/daemon/paths.ts";
import { DEFAULT_STATUS_SOCKET } from "../../../src/daemon/status-server.ts";

function parsed(argv: string[]): RunOptions {
  const o = parseRunArgs(argv);
  if (typeof o === "string") throw new Error(`refused: ${o}`);
  return o;
}

describe("parseRunArgs defaults", () => {
  test("no arguments: no -f (the search picks), FHS paths, stderr only", () => {
    expect(parsed([])).toEqual({ statusSocket: "/run/vigil/vigil.sock", lockDir: "/run/vigil", stateDir: "/var/lib/vigil", syslog: null });
    expect(DEFAULT_STATUS_SOCKET.startsWith(`${DEFAULT_RUN_DIR}/`)).toBe(true);
    expect(DEFAULT_CONFIG_FILES).toEqual(["/etc/vigil/vigil.conf", "/etc/keepalived/keepalived.conf"]);
  });

  test("the readers' default state_dir is the one --state-dir replaces", () => {
    expect(defaultFleet().stateDir).toBe(DEFAULT_STATE_DIR);
  });

  test("every path is overridable", () => {
    const o = parsed(["-f", "/x/k.conf", "--status-socket", "/x/s", "--lock-dir", "/x/l", "--state-dir", "/x/st"]);
    expect(o).toMatchObject({ configFile: "/x/k.conf", statusSocket: "/x/s", lockDir: "/x/l", stateDir: "/x/st" });
    expect(parsed(["--config", "a"]).configFile).toBe("a");
    expect(parsed(["--use-file", "b"]).configFile).toBe("b");
  });
});

describe("syslog flags", () => {
  test("-l / --log-syslog: /dev/log, facility daemon (3)", () => {
    expect(parsed(["-l"]).syslog).toEqual({ facility: 3, socket: "/dev/log" });
    expect(parsed(["--log-syslog"]).syslog).toEqual({ facility: 3, socket: "/dev/log" });
  });
  test("-S N is LOG_LOCALN and implies -l; keepalived's names are accepted", () => {
    expect(parsed(["-S", "5"]).syslog).toEqual({ facility: 21, socket: "/dev/log" });
    expect(parsed(["--log-facility", "local0", "-l"]).syslog).toEqual({ facility: 16, socket: "/dev/log" });
    expect(parsed(["-l", "-S", "user"]).syslog?.facility).toBe(1);
    expect(parsed(["--syslog-socket", "/tmp/s", "-S", "7"]).syslog).toEqual({ facility: 23, socket: "/tmp/s" });
  });
  test("a bad facility or a missing value is one clear line", () => {
    expect(parseRunArgs(["-S", "8"])).toBe("-S expects 0-7, local0-local7, user or daemon, got '8'");
    expect(parseRunArgs(["-S"])).toBe("-S needs a value");
    expect(parseRunArgs(["-f"])).toBe("-f needs a value");
    expect(parseRunArgs(["--state-dir", ""])).toBe("--state-dir needs a value");
    expect(parseRunArgs(["-x"])).toBe("unknown argument '-x'");
    expect(parseRunArgs(["--rt-priority", "100"])).toBe("--rt-priority must be 0..99");
  });
});

describe("which config file", () => {
  const have = (...present: string[]) => (p: string) => present.includes(p);

  test("-f wins, whether or not the defaults exist", () => {
    expect(chooseConfigFile("/x.conf", DEFAULT_CONFIG_FILES, have(...DEFAULT_CONFIG_FILES))).toEqual({ file: "/x.conf", why: "-f" });
  });
  test("vigil.conf first, then keepalived.conf, saying why", () => {
    expect(chooseConfigFile(undefined, DEFAULT_CONFIG_FILES, have(...DEFAULT_CONFIG_FILES))).toEqual({ file: "/etc/vigil/vigil.conf", why: "no -f" });
    expect(chooseConfigFile(undefined, DEFAULT_CONFIG_FILES, have("/etc/keepalived/keepalived.conf"))).toEqual({
      file: "/etc/keepalived/keepalived.conf",
      why: "no -f; /etc/vigil/vigil.conf does not exist",
    });
  });
  test("neither: one line naming both and the way out", () => {
    expect(chooseConfigFile(undefined, DEFAULT_CONFIG_FILES, have())).toEqual({
      error: "no config: none of /etc/vigil/vigil.conf, /etc/keepalived/keepalived.conf exists (write one, or name one with -f)",
    });
  });
});

describe("nothing configured", () => {
  test("no instance, no virtual server, no fleet: the one-line message", () => {
    expect(nothingConfigured(emptyConfig(), "/etc/vigil/vigil.conf")).toBe("no vrrp_instance or virtual_server configured in /etc/vigil/vigil.conf");
  });
  test("a fleet block alone is something to run: the node waits for a pushed config", () => {
    const cfg = { ...emptyConfig(), fleet: { ...defaultFleet(), broker: "mqtt://127.0.0.1", fleet: "f" } };
    expect(nothingConfigured(cfg, "f")).toBeNull();
  });
});

describe("--state-dir and vigil_fleet's state_dir", () => {
  const fleetCfg = (stateDir: string) => ({ ...emptyConfig(), fleet: { ...defaultFleet(), broker: "mqtt://b", fleet: "f", stateDir } });
  test("the command line's directory replaces the default", () => {
    expect(withStateDir(fleetCfg(DEFAULT_STATE_DIR), "/srv/vigil").fleet?.stateDir).toBe("/srv/vigil");
  });
  test("a state_dir the block names wins; no fleet block stays without one", () => {
    expect(withStateDir(fleetCfg("/data/vigil"), "/srv/vigil").fleet?.stateDir).toBe("/data/vigil");
    expect(withStateDir(emptyConfig(), "/srv/vigil").fleet).toBeUndefined();
  });
});
