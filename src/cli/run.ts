// `vigil run [-f CONFIG]`: the daemon in the foreground (procd/systemd supervise it).
// Without -f it reads /etc/vigil/vigil.conf, else /etc/keepalived/keepalived.conf,
// and says which; a config that gives it nothing to run is refused in one line.
import { errorText } from "../error-text.ts";
import type { Config } from "../config/model.ts";
import { loadConfigFile } from "../config-io/load.ts";
import { fileBoot, fileConfig, mayBootPushed, type RunningConfig } from "../daemon/boot-file.ts";
import { Daemon, type DaemonOptions } from "../daemon/daemon.ts";
import type { FleetLink } from "../daemon/fleet-link.ts";
import { MailAlerts } from "../daemon/mail-alerts.ts";
import { log, logToSyslog, stopSyslog } from "../daemon/log.ts";
import { withStateDir } from "../daemon/paths.ts";
import { Watchdog } from "../daemon/watchdog.ts";
import { reexecWithAllocatorEnv } from "../sys/allocator-env.ts";
import { SdNotifier } from "../sys/sd-notify.ts";
import { parseRunArgs, RUN_USAGE, type RunOptions } from "./run-args.ts";
import { chooseConfigFile, nothingConfigured } from "./run-config.ts";
import { writeErr } from "./out.ts";

/** How long an exiting daemon waits for its last alert mails (keepalived sends them before it exits). */
const MAIL_DRAIN_MS = 5000;

export { parseRunArgs } from "./run-args.ts";

/**
 * `--check-configured` (the unit's ExecCondition, the procd script's guard): 0 when
 * the config has something to run, or has errors (running it reports them where the
 * operator looks, and fails the service); 1 with the reason when there is nothing
 * to run, so an unconfigured box skips the start instead of failing it.
 */
function checkConfigured(opts: RunOptions): number {
  const choice = chooseConfigFile(opts.configFile);
  if ("error" in choice) {
    log.info(`not starting: ${choice.error}`);
    return 1;
  }
  const r = loadConfigFile(choice.file, { strict: opts.strict, ...(opts.configId !== undefined ? { configId: opts.configId } : {}) });
  if (!r.config) return 0;
  const idle = nothingConfigured(r.config, choice.file);
  if (idle) log.info(`not starting: ${idle}`);
  return idle ? 1 : 0;
}

function startSyslog(opts: RunOptions): void {
  if (!opts.syslog) return;
  try {
    logToSyslog(opts.syslog.facility, opts.syslog.socket);
  } catch (e) {
    log.warn(`syslog ${opts.syslog.socket}: ${errorText(e)}; logging to stderr only`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseRunArgs(argv);
  if (typeof args === "string") {
    writeErr(`vigil run: ${args}\n${RUN_USAGE}`);
    return 2;
  }
  if (args.checkConfigured) {
    startSyslog(args);
    return checkConfigured(args);
  }
  // before anything is opened: returns only when no re-exec was needed or possible
  const allocator = reexecWithAllocatorEnv();
  startSyslog(args);
  if (allocator) log.warn(`allocator tuning skipped: ${allocator}`);
  const choice = chooseConfigFile(args.configFile);
  if ("error" in choice) {
    log.error(choice.error);
    return 1;
  }
  if (choice.why !== "-f") log.info(`config ${choice.file} (${choice.why})`);
  const opts: DaemonOptions = {
    configFile: choice.file,
    statusSocket: args.statusSocket,
    lockDir: args.lockDir,
    ...(args.rtPriority !== undefined ? { rtPriority: args.rtPriority } : {}),
    ...(args.strict ? { strict: true } : {}),
    ...(args.allowStall ? { allowStall: true } : {}),
  };
  // The fleet's parts load only for a config that has a fleet (dynamic imports, each a
  // chunk of the binary of its own): the pushed-config boot verifies signatures
  // (node:crypto, the config store) and the fleet link is mqtt.js. A daemon without
  // them keeps about 2 MiB less for good (issue 14: memory.bench).
  let pushed: typeof import("../daemon/boot-config.ts") | null = null;
  const loadFile = () => fileConfig(opts.configFile, opts.strict, args.stateDir, args.configId);
  let boot: RunningConfig;
  try {
    const file = loadFile();
    if (mayBootPushed(file)) pushed = await import("../daemon/boot-config.ts");
    boot = pushed ? pushed.bootPushed(file, opts.configFile, args.stateDir) : fileBoot(file, opts.configFile);
  } catch (e) {
    log.error(errorText(e));
    return 1;
  }
  const idle = nothingConfigured(boot.cfg, opts.configFile);
  if (idle) {
    log.error(idle);
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
      onCheck: (r) => fleet?.check(r),
      onQuorum: (a, init) => {
        fleet?.quorum(a);
        mail.quorum(a, init);
      },
      onCheckerChange: (c) => mail.checker(c),
      onGone: (g, stopping) => mail.gone(g, stopping),
      onEvent: (kind, detail) => fleet?.event(kind, "lvs", detail),
    },
    // SIGHUP and fleet pushes alike: the mails follow the running config
    onConfig: (cfg) => mail.configure(cfg),
    statusExtra: () => ({
      // boot is the running config's identity: configReceiver advances it in place on every accepted push
      ...(boot.serial ? { configSerial: boot.serial } : {}),
      ...(fleet ? { fleet: fleet.reporter.stats() } : {}),
      ...(mail.stats() ? { mail: mail.stats() } : {}),
    }),
  });
  // The fleet link exists before the first transition so none goes unreported.
  if (boot.cfg.fleet?.broker) {
    const { FleetLink } = await import("../daemon/fleet-link.ts");
    fleet = new FleetLink(boot.cfg, boot, (cfg: Config) => {
      daemon.applyConfig(withStateDir(cfg, args.stateDir), { strict: true });
    });
    fleet.useLvsView(() => daemon.lvs?.realServerStates() ?? []);
    fleet.start();
  }
  try {
    await daemon.start(boot.cfg);
  } catch (e) {
    log.error(errorText(e));
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
  // the mails follow the config the daemon accepts (onConfig above)
  process.on("SIGHUP", () => void reload());
  const reload = async () => {
    // The file is read once per SIGHUP (its warnings logged once). A reloaded file
    // that now has a fleet with a trust key may boot a pushed config: that path loads
    // the first time it can apply.
    let file: Config | undefined;
    let failure: unknown;
    try {
      file = loadFile();
      if (!pushed && mayBootPushed(file)) pushed = await import("../daemon/boot-config.ts");
    } catch (e) {
      failure = e; // daemon.reload says what is wrong and keeps the running config
    }
    daemon.reload(() => {
      if (!file) throw failure;
      return pushed ? pushed.bootPushed(file, opts.configFile, args.stateDir).cfg : file;
    });
  };
  // keepalived's SIGUSR1/SIGUSR2: keepalived.data / keepalived.stats in $TMPDIR or /tmp
  process.on("SIGUSR1", () => void daemon.dumpState());
  process.on("SIGUSR2", () => void daemon.dumpStats());
  await daemon.stopped;
  // the last alert mails (transitions to STOP, omega's "Shutting down"): bounded, a dead relay cannot hold the exit
  await mail.drained(MAIL_DRAIN_MS);
  await fleet?.stop();
  log.info("stopped");
  stopSyslog();
  return 0;
}
