// Kernel errno → what it means for the IPVS operation that got it. The same
// errno means different things per command (ENOENT on NEW_SERVICE is a missing
// scheduler module, on DEL_DEST a missing dest), so the text depends on both.
import { Errno, errnoName } from "../errno.ts";

export type IpvsOpKind =
  | "resolve" | "info" | "list-services" | "list-dests" | "add-service" | "edit-service" | "delete-service"
  | "add-dest" | "edit-dest" | "delete-dest" | "flush" | "start-daemon" | "stop-daemon" | "list-daemons"
  | "get-config" | "set-config";

/** What the failed request was about, where the errno alone is ambiguous. */
export interface IpvsErrorContext {
  scheduler?: string;
  /** the dest's address family differs from its service's */
  mixedFamily?: boolean;
}

export function explainIpvsErrno(kind: IpvsOpKind, errno: number, ctx: IpvsErrorContext = {}): string {
  const scheduler = ctx.scheduler;
  switch (errno) {
    case Errno.ENOENT:
      if (kind === "resolve") return "the kernel has no IPVS (module ip_vs not loaded or not built)";
      if (kind === "add-service" || kind === "edit-service") return `scheduler module ip_vs_${scheduler ?? "?"} not found`;
      if (kind === "edit-dest" || kind === "delete-dest") return "no such real server in this service";
      break;
    case Errno.ESRCH:
      if (kind === "start-daemon" || kind === "stop-daemon") return "sync daemon not running";
      return "no such virtual service";
    case Errno.EEXIST:
      if (kind === "add-service") return "virtual service already exists";
      if (kind === "add-dest") return "real server already exists in this service";
      if (kind === "start-daemon") return "sync daemon already running in that state";
      break;
    case Errno.ERANGE:
      return "value out of range (weight, thresholds or persistence netmask)";
    case Errno.EPERM:
      return "operation not permitted (needs CAP_NET_ADMIN)";
    case Errno.EINVAL:
      // ip_vs_ctl.c: the sync protocol cannot carry mixed-family services, in either order
      if (kind === "start-daemon") return "the kernel refused the sync daemon: it cannot run while any service has real servers of the other address family (or a parameter is invalid)";
      if ((kind === "add-dest" || kind === "edit-dest") && ctx.mixedFamily) return "a real server of the other address family is refused while a sync daemon runs";
      return "the kernel rejected the request as invalid";
    case Errno.ENODEV:
      return "no such network device";
    case Errno.EAFNOSUPPORT:
      return "address family not supported for this service or forwarding method";
    case Errno.EOPNOTSUPP:
      return "not supported by this kernel";
  }
  return errnoName(errno);
}

/** One failed IPVS operation: names the operation and the service/dest, the errno and its meaning. */
export class IpvsError extends Error {
  constructor(readonly operation: string, readonly errno: number, readonly reason: string, readonly kernelMessage?: string) {
    super(`IPVS ${operation}: ${reason} (${errnoName(errno)}${kernelMessage ? `; kernel: ${kernelMessage}` : ""})`);
    this.name = "IpvsError";
  }
}

/** Several operations of one batch failed; `errors` keeps each in request order. */
export class IpvsBatchError extends Error {
  constructor(readonly errors: IpvsError[], readonly total: number) {
    super(`${errors.length} of ${total} IPVS operations failed:\n  ${errors.map((e) => e.message).join("\n  ")}`);
    this.name = "IpvsBatchError";
  }
}
