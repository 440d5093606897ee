// `vigil run -f CONFIG`: the daemon in the foreground (procd/systemd supervise it).
import type { Config } from "../config/model.ts";
import { bootConfig, type RunningConfig } from "../daemon/boot-config.ts";
import { Daemon, type DaemonOptions } from "../daemon/daemon.ts";
import { FleetLink } from "../daemon/fleet-link.ts";
import { MailAlerts } from "../daemon/mail-alerts.ts";
import { log } from "../daemon/log.ts";
import { DEFAULT_STATUS_SOCKET } from "../daemon/status-server.ts";
import { Watchdog } from "../daemon/watchdog.ts";
import { reexecWithAllocatorEnv } from "../sys/allocator-env.ts";
import { SdNotifier } from "../sys/sd-notify.ts";

const USAGE = `usage: vigil run -f CONFIG [--status-socket PATH] [--lock-dir DIR] [--no-realtime] [--rt-priority N] [--strict]
  -f, --config FILE      keepalived.conf, JSON or CBOR config (default /etc/vigil/vigil.conf)
  --status-socket PATH   local socket for \`vigil status\` (default ${DEFAULT_STATUS_SOCKET})
  --lock-dir DIR         per-instance lock files (default /run/vigil)
  --no-realtime          keep the VRRP thread SCHED_OTHER (overrides vrrp_rt_priority)
  --rt-priority N        SCHED_FIFO priority of the VRRP thread (overrides vrrp_rt_priority)
`;

export function parseRunArgs(argv: string[]): DaemonOptions | string {
  const o: DaemonOptions = { configFile: "/etc/vigil/vigil.conf", statusSocket: DEFAULT_STATUS_SOCKET, lockDir: "/run/vigil" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "-f" || a === "--config" || a === "--use-file") o.configFile = val();
      else if (a === "--status-socket") o.statusSocket = val();
      else if (a === "--lock-dir") o.lockDir = val();
      else if (a === "--no-realtime") o.rtPriority = 0;
      else if (a === "--rt-priority") o.rtPriority = Number(val());
      else if (a === "--strict") o.strict = true;
      else if (a === "--debug-allow-stall") o.allowStall = true;
      else return `unknown argument '${a}'`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (o.rtPriority !== undefined && !(Number.isInteger(o.rtPriority) && o.rtPriority >= 0 && o.rtPriority <= 99)) {
    return "--rt-priority must be 0..99";
  }
  return o;
}

export async function run(argv: string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  if (typeof opts === "string") {
    process.stderr.write(`vigil run: ${opts}\n${USAGE}`);
    return 2;
  }
  // before anything is opened: returns only when no re-exec was needed or possible
  const allocator = reexecWithAllocatorEnv();
  if (allocator) log.warn(`allocator tuning skipped: ${allocator}`);
  let boot: RunningConfig;
  try {
    boot = bootConfig(opts.configFile, opts.strict);
  } catch (e) {
    log.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  let fleet: FleetLink | null = null;
  const mail = new MailAlerts(boot.cfg);
  const daemon = new Daemon(opts, {
    onTransition: (t, plan) => {
      fleet?.transition(t, plan);
      mail.transition(t);
    },
    onEvent: (kind, instance, detail) => fleet?.event(kind, instance, detail),
    lvs: {
      onRealServer: (a) => fleet?.realServer(a),
      onEvent: (kind, detail) => fleet?.event(kind, "lvs", detail),
    },
    statusExtra: () => ({
      // boot is the running config's identity: configReceiver advances it in place on every accepted push
      ...(boot.serial ? { configSerial: boot.serial } : {}),
      ...(fleet ? { fleet: fleet.reporter.stats() } : {}),
      ...(mail.stats() ? { mail: mail.stats() } : {}),
    }),
  });
  // The fleet link exists before the first transition so none goes unreported.
  if (boot.cfg.fleet?.broker) {
    fleet = new FleetLink(boot.cfg, boot, (cfg: Config) => {
      daemon.applyConfig(cfg, { strict: true });
      mail.configure(cfg);
    });
    fleet.start();
  }
  try {
    await daemon.start(boot.cfg);
  } catch (e) {
    log.error(e instanceof Error ? e.message : String(e));
    await fleet?.stop();
    return 1;
  }
  const sd = SdNotifier.fromEnv();
  const watchdogMs = SdNotifier.watchdogMs();
  const watchdog = sd && watchdogMs ? new Watchdog(sd, () => daemon.workerProgress) : null;
  sd?.notify(`READY=1\nMAINPID=${process.pid}`);
  watchdog?.start(watchdogMs!);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    watchdog?.stop();
    sd?.notify("STOPPING=1");
    // The fleet goes offline below, once `daemon.stopped` resolves: stopping it
    // here as well published the retained `offline` twice.
    void daemon.stop();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", () => daemon.reload(() => {
    const cfg = bootConfig(opts.configFile, opts.strict).cfg;
    mail.configure(cfg);
    return cfg;
  }));
  process.on("SIGUSR1", () => void daemon.dumpState());
  await daemon.stopped;
  await fleet?.stop();
  log.info("stopped");
  return 0;
}
