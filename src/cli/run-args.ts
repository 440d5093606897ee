// `vigil run`'s command line. Every default is a board path (src/daemon/paths.ts);
// the options that name logging follow keepalived's letters where keepalived has one.
import { errorText } from "../error-text.ts";
import { DEFAULT_CONFIG_FILES, DEFAULT_RUN_DIR, DEFAULT_STATE_DIR } from "../daemon/paths.ts";
import { DEFAULT_STATUS_SOCKET } from "../daemon/status-server.ts";
import { DEFAULT_SYSLOG_SOCKET, FACILITY, parseFacility } from "../sys/syslog.ts";

export const RUN_USAGE = `usage: vigil run [-f CONFIG] [-l] [-S FACILITY] [--status-socket PATH] [--lock-dir DIR] [--state-dir DIR]
                 [--no-realtime] [--rt-priority N] [--strict] [-i ID] [--check-configured]
  -f, --config FILE      keepalived.conf, JSON or CBOR config (default: ${DEFAULT_CONFIG_FILES.join(", else ")})
  -l, --log-syslog       log to syslog (${DEFAULT_SYSLOG_SOCKET}) as well as to stderr, facility daemon
  -S, --log-facility F   syslog facility: 0-7 or local0-local7 (LOG_LOCALn), user, daemon; implies -l
  --syslog-socket PATH   the syslog socket (default ${DEFAULT_SYSLOG_SOCKET}); implies -l
  --status-socket PATH   local socket for \`vigil status\` (default ${DEFAULT_STATUS_SOCKET})
  --lock-dir DIR         per-instance lock files (default ${DEFAULT_RUN_DIR})
  --state-dir DIR        fleet config store when vigil_fleet names no state_dir (default ${DEFAULT_STATE_DIR})
  --no-realtime          keep the VRRP thread SCHED_OTHER (overrides vrrp_rt_priority)
  --rt-priority N        SCHED_FIFO priority of the VRRP thread (overrides vrrp_rt_priority)
  --strict               unknown keywords are errors, not warnings
  -i, --config-id ID     for a keepalived.conf's \`@ID\` lines (default: the hostname up to its first dot)
  --check-configured     only say whether the config has anything to run: exit 0 if so (or if
                         it has errors, which running reports), 1 if not (systemd ExecCondition)
`;

export interface RunOptions {
  /** -f as given; absent: the first of DEFAULT_CONFIG_FILES that exists */
  configFile?: string;
  statusSocket: string;
  lockDir: string;
  stateDir: string;
  /** null: stderr only */
  syslog: { facility: number; socket: string } | null;
  rtPriority?: number;
  strict?: boolean;
  /** -i: compared with a keepalived.conf's `@ID` lines; absent: the hostname's first label */
  configId?: string;
  allowStall?: boolean;
  checkConfigured?: boolean;
}

export function defaultRunOptions(): RunOptions {
  return { statusSocket: DEFAULT_STATUS_SOCKET, lockDir: DEFAULT_RUN_DIR, stateDir: DEFAULT_STATE_DIR, syslog: null };
}

/** The options, or a one-line reason the command line is wrong. */
export function parseRunArgs(argv: string[]): RunOptions | string {
  const o = defaultRunOptions();
  const syslog = () => (o.syslog ??= { facility: FACILITY.daemon, socket: DEFAULT_SYSLOG_SOCKET });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined || v === "") throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "-f" || a === "--config" || a === "--use-file") o.configFile = val();
      else if (a === "-l" || a === "--log-syslog") syslog();
      else if (a === "-S" || a === "--log-facility") {
        const v = val();
        const f = parseFacility(v);
        if (f === null) return `${a} expects 0-7, local0-local7, user or daemon, got '${v}'`;
        syslog().facility = f;
      } else if (a === "--syslog-socket") syslog().socket = val();
      else if (a === "--status-socket") o.statusSocket = val();
      else if (a === "--lock-dir") o.lockDir = val();
      else if (a === "--state-dir") o.stateDir = val();
      else if (a === "--no-realtime") o.rtPriority = 0;
      else if (a === "--rt-priority") o.rtPriority = Number(val());
      else if (a === "--strict") o.strict = true;
      else if (a === "-i" || a === "--config-id") o.configId = val();
      else if (a === "--check-configured") o.checkConfigured = true;
      else if (a === "--debug-allow-stall") o.allowStall = true;
      else return `unknown argument '${a}'`;
    } catch (e) {
      return errorText(e);
    }
  }
  if (o.rtPriority !== undefined && !(Number.isInteger(o.rtPriority) && o.rtPriority >= 0 && o.rtPriority <= 99)) {
    return "--rt-priority must be 0..99";
  }
  return o;
}
